/* SGX enclave: the /dev/attestation pseudo-files that LibOS runtimes
 * (Gramine, and Occlum's compatible layer) expose inside an enclave:
 * write 64 bytes to user_report_data, read a DCAP quote from quote; sealing
 * keys from keys/_sgx_mrenclave and keys/_sgx_mrsigner (EGETKEY results). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"

#define ATT_DIR "/dev/attestation"

typedef struct sgx_state {
    ccs_tee_config cfg;
} sgx_state;

static ccs_status att_path(const ccs_tee_config *cfg, const char *name, char *out, size_t cap) {
    char rel[128];
    int n = snprintf(rel, sizeof rel, "%s/%s", ATT_DIR, name);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof rel, CCS_ERR_INVALID_ARG, "path too long");
    return ccs_tee_path(cfg, rel, out, cap);
}

static bool sgx_available(const ccs_tee_config *cfg) {
    char p[512];
    struct stat st;
    return att_path(cfg, "quote", p, sizeof p) == CCS_OK && stat(p, &st) == 0;
}

static ccs_status sgx_open(const ccs_tee_config *cfg, void **state) {
    CCS_ENSURE(sgx_available(cfg), CCS_ERR_UNSUPPORTED,
               "SGX is not available on this machine (no %s/quote: run inside an SGX LibOS enclave)", ATT_DIR);
    sgx_state *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    *state = s;
    return CCS_OK;
}

static void sgx_close(void *state) { free(state); }

/* What the enclave runtime returned must be an SGX quote over our data. */
ccs_status ccs_sgx_check_quote(ccs_bytes quote, const uint8_t report_data[64]) {
    ccs_dcap_quote q;
    ccs_status st = ccs_dcap_quote_parse(quote, &q);
    CCS_ENSURE(st == CCS_OK, st, "sgx: the quote from %s does not parse: %s", ATT_DIR, ccs_error_detail());
    CCS_ENSURE(q.tee == CCS_TEE_SGX, CCS_ERR_FORMAT, "sgx: %s returned a %s quote", ATT_DIR, ccs_tee_name(q.tee));
    CCS_ENSURE(memcmp(q.sgx.report_data.ptr, report_data, 64) == 0, CCS_ERR_MISMATCH,
               "sgx: the quote carries other report data than requested");
    return CCS_OK;
}

static ccs_status sgx_evidence(void *state, const uint8_t report_data[64], ccs_buf *out) {
    sgx_state *s = state;
    char p[512];
    ccs_buf quote = {0};
    CCS_TRY(att_path(&s->cfg, "user_report_data", p, sizeof p));
    CCS_TRY(ccs_file_write(p, ccs_bytes_of(report_data, 64)));
    CCS_TRY(att_path(&s->cfg, "quote", p, sizeof p));
    ccs_status st = ccs_file_read(p, 1u << 16, &quote);
    if (st == CCS_OK) st = ccs_sgx_check_quote(ccs_buf_view(&quote), report_data);
    if (st == CCS_OK) st = ccs_buf_set(out, ccs_buf_view(&quote));
    ccs_buf_free(&quote);
    return st;
}

/* The 16-byte EGETKEY result for the policy, stretched with HKDF so every
 * label gets an independent 32-byte key. */
static ccs_status sgx_seal_key(void *state, ccs_seal_policy policy, ccs_bytes label, uint8_t key[32]) {
    sgx_state *s = state;
    char p[512];
    ccs_buf k = {0};
    CCS_TRY(att_path(&s->cfg, policy == CCS_SEAL_MEASUREMENT ? "keys/_sgx_mrenclave" : "keys/_sgx_mrsigner", p,
                     sizeof p));
    ccs_status st = ccs_file_read(p, 64, &k);
    if (st == CCS_OK && k.len != 16)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "sgx: sealing key is %zu bytes, expected 16", k.len);
    if (st == CCS_OK) st = ccs_hkdf_sha256(ccs_bytes_str("ccs-seal-sgx-v1"), ccs_buf_view(&k), label, key, 32);
    ccs_buf_free(&k);
    return st;
}

static ccs_status sgx_measurements(void *state, char **json) {
    uint8_t zero[64] = {0};
    ccs_buf quote = {0};
    ccs_dcap_quote q;
    ccs_status st = sgx_evidence(state, zero, &quote);
    if (st == CCS_OK) st = ccs_dcap_quote_parse(ccs_buf_view(&quote), &q);
    if (st == CCS_OK) {
        ccs_buf e = {0}, m = {0};
        if (ccs_hex_append(&e, q.sgx.mr_enclave) != CCS_OK || ccs_hex_append(&m, q.sgx.mr_signer) != CCS_OK) {
            st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
        } else {
            json_t *o = json_pack("{s:s, s:s, s:i, s:i}", "mrenclave", (const char *)e.ptr, "mrsigner",
                                  (const char *)m.ptr, "isv_prod_id", q.sgx.isv_prod_id, "isv_svn", q.sgx.isv_svn);
            *json = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
            json_decref(o);
            if (*json == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
        }
        ccs_buf_free(&e);
        ccs_buf_free(&m);
    }
    ccs_buf_free(&quote);
    return st;
}

const backend_ops ccs_backend_sgx = {
    .platform = CCS_PLATFORM_SGX,
    .available = sgx_available,
    .open = sgx_open,
    .close = sgx_close,
    .evidence = sgx_evidence,
    .seal_key = sgx_seal_key,
    .measurements = sgx_measurements,
};
