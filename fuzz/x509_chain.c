/* libFuzzer target: PEM certificate chains, single certificates (DER) and
 * CRLs (DER or PEM) from untrusted bytes, plus every accessor on what parsed.
 * Invariant: no crash, leak or UB; failures only as a ccs_status. */
#include <stddef.h>
#include <stdint.h>

#include "ccs/crypto.h"

/* The statuses are irrelevant here; only crashes, leaks and UB count. */
static void ignore(ccs_status st) { (void)st; }

static void touch_cert(const ccs_x509 *c) {
    char cn[128];
    ccs_time nb, na;
    ccs_bytes v;
    ccs_pubkey *k = NULL;
    uint8_t xy[96];
    size_t n = 0;
    ignore(ccs_x509_subject_cn(c, cn, sizeof cn));
    ignore(ccs_x509_issuer_cn(c, cn, sizeof cn));
    ignore(ccs_x509_validity(c, &nb, &na));
    ignore(ccs_x509_extension(c, "1.2.840.113741.1.13.1", &v));
    ignore(ccs_x509_extension(c, "2.5.29.19", &v));
    if (ccs_x509_pubkey(c, &k) == CCS_OK) {
        (void)ccs_pubkey_curve(k);
        ignore(ccs_pubkey_ec_raw(k, xy, sizeof xy, &n));
        ccs_pubkey_free(k);
    }
    ccs_bytes der = ccs_x509_der(c);
    ccs_x509 *again = NULL;
    if (ccs_x509_parse_der(der, &again) == CCS_OK) {
        (void)ccs_x509_equal(c, again);
        ccs_x509_free(again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    ccs_x509_chain *ch = NULL;
    ccs_x509 *one = NULL;
    ccs_crl *crl = NULL;

    if (ccs_x509_chain_parse_pem(in, &ch) == CCS_OK) {
        size_t n = ccs_x509_chain_len(ch);
        for (size_t i = 0; i < n; i++) touch_cert(ccs_x509_chain_get(ch, i));
        const ccs_x509 *last = ccs_x509_chain_get(ch, n - 1);
        ignore(ccs_x509_verify_chain(ch, last, NULL, 0, 1750330800));
    }
    if (ccs_x509_parse_der(in, &one) == CCS_OK) touch_cert(one);
    if (ccs_crl_parse(in, &crl) == CCS_OK) {
        ccs_time tu, nu;
        ignore(ccs_crl_window(crl, &tu, &nu));
        if (ch != NULL) {
            for (size_t i = 0; i < ccs_x509_chain_len(ch); i++) {
                ignore(ccs_crl_verify(crl, ccs_x509_chain_get(ch, i)));
                ignore(ccs_crl_check(crl, ccs_x509_chain_get(ch, i)));
            }
        }
        if (one != NULL) ignore(ccs_crl_check(crl, one));
    }
    ccs_crl_free(crl);
    ccs_x509_free(one);
    ccs_x509_chain_free(ch);
    return 0;
}
