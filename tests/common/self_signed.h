/* A self-signed P-256 certificate for localhost / 127.0.0.1 and its key,
 * written to two files: the TLS identity of the KBS in its HTTPS tests
 * (tests/kbs/server_util.c) and in `bench_kbs --tls`. Header-only. */
#ifndef CCS_TEST_SELF_SIGNED_H
#define CCS_TEST_SELF_SIGNED_H

#include "ccs/crypto.h"

static inline ccs_status tu_self_signed_localhost(const char *cert_path, const char *key_path) {
    /* subjectAltName: SEQUENCE { [2] "localhost", [7] 127.0.0.1 } */
    static const uint8_t san[] = {0x30, 0x11, 0x82, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
                                  0x87, 0x04, 127,  0,    0,    1};
    ccs_x509_ext ext = {"2.5.29.17", ccs_bytes_of(san, sizeof san), false};
    ccs_time now = ccs_time_now();
    ccs_x509_spec spec = {.subject_cn = "localhost", .subject_o = "ccs test", .serial = 7, .not_before = now - 3600,
                          .not_after = now + 86400, .ca = false, .path_len = -1,
                          .key_usage = CCS_KU_DIGITAL_SIGNATURE, .exts = &ext, .n_exts = 1};
    ccs_privkey *k = NULL;
    ccs_x509 *c = NULL;
    ccs_buf pem = {0};
    ccs_status st = ccs_privkey_generate(CCS_CURVE_P256, &k);
    if (st == CCS_OK) st = ccs_x509_build(&spec, k, NULL, k, &c);
    if (st == CCS_OK) st = ccs_x509_to_pem(c, &pem);
    if (st == CCS_OK) st = ccs_file_write(cert_path, ccs_buf_view(&pem));
    if (st == CCS_OK) st = ccs_privkey_save(k, key_path);
    ccs_buf_free(&pem);
    ccs_x509_free(c);
    ccs_privkey_free(k);
    return st;
}

#endif
