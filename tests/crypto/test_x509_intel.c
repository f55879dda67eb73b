/* X.509 and CRLs on real Intel SGX data (tests/data/intel/sgx-v3, as of
 * 2025-06-19T11:00:00Z): the PCK chain from a real quote's certification
 * data, the TCB signing chain, the PCK and Root CA CRLs. */
#include <stdlib.h>
#include <string.h>

#include "test_crypto.h"
#include "test_pki.h"

#define SGX_OID_EXTENSIONS "1.2.840.113741.1.13.1"

typedef struct intel {
    ccs_x509 *root;
    ccs_x509_chain *pck;    /* PCK cert, PCK Processor CA, Root CA (+ NUL) */
    ccs_x509_chain *pck_ca; /* PCK Processor CA, Root CA */
    ccs_x509_chain *tcb;    /* TCB Signing, Root CA */
    ccs_crl *pck_crl, *root_crl;
} intel;

static int intel_setup(void **state) {
    intel *d = calloc(1, sizeof *d);
    ccs_buf b = {0};
    assert_non_null(d);
    test_read_data("intel/sgx-v3/intel_sgx_root_ca.pem", &b);
    assert_int_equal(ccs_x509_parse_pem(ccs_buf_view(&b), &d->root), CCS_OK);
    ccs_buf_free(&b);
    test_read_data("intel/sgx-v3/pck_cert_chain.pem", &b);
    assert_int_equal(b.ptr[b.len - 1], 0); /* as in the quote: NUL-terminated */
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&b), &d->pck), CCS_OK);
    ccs_buf_free(&b);
    test_read_data("intel/sgx-v3/pck_crl_issuer_chain.pem", &b);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&b), &d->pck_ca), CCS_OK);
    ccs_buf_free(&b);
    test_read_data("intel/sgx-v3/tcb_info_issuer_chain.pem", &b);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&b), &d->tcb), CCS_OK);
    ccs_buf_free(&b);
    test_read_data("intel/sgx-v3/pck_crl.der", &b);
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&b), &d->pck_crl), CCS_OK);
    ccs_buf_free(&b);
    test_read_data("intel/sgx-v3/root_ca_crl.der", &b);
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&b), &d->root_crl), CCS_OK);
    ccs_buf_free(&b);
    *state = d;
    return 0;
}

static int intel_teardown(void **state) {
    intel *d = *state;
    ccs_x509_free(d->root);
    ccs_x509_chain_free(d->pck);
    ccs_x509_chain_free(d->pck_ca);
    ccs_x509_chain_free(d->tcb);
    ccs_crl_free(d->pck_crl);
    ccs_crl_free(d->root_crl);
    free(d);
    return 0;
}

static void test_intel_names(void **state) {
    intel *d = *state;
    char cn[64];
    assert_int_equal(ccs_x509_chain_len(d->pck), 3);
    assert_int_equal(ccs_x509_chain_len(d->pck_ca), 2);
    assert_int_equal(ccs_x509_chain_len(d->tcb), 2);
    assert_null(ccs_x509_chain_get(d->tcb, 2));
    assert_true(ccs_x509_equal(ccs_x509_chain_get(d->tcb, 1), d->root));
    assert_true(ccs_x509_equal(ccs_x509_chain_get(d->pck, 1), ccs_x509_chain_get(d->pck_ca, 0)));
    assert_false(ccs_x509_equal(ccs_x509_chain_get(d->tcb, 0), d->root));

    const ccs_x509 *tcb = ccs_x509_chain_get(d->tcb, 0);
    assert_int_equal(ccs_x509_subject_cn(tcb, cn, sizeof cn), CCS_OK);
    assert_string_equal(cn, "Intel SGX TCB Signing");
    assert_int_equal(ccs_x509_issuer_cn(tcb, cn, sizeof cn), CCS_OK);
    assert_string_equal(cn, "Intel SGX Root CA");
    assert_int_equal(ccs_x509_subject_cn(ccs_x509_chain_get(d->pck, 0), cn, sizeof cn), CCS_OK);
    assert_string_equal(cn, "Intel SGX PCK Certificate");
    assert_int_equal(ccs_x509_subject_cn(ccs_x509_chain_get(d->pck, 1), cn, sizeof cn), CCS_OK);
    assert_string_equal(cn, "Intel SGX PCK Processor CA");
    /* "Intel SGX TCB Signing" is 21 bytes: 22 fits, 21 does not. */
    assert_int_equal(ccs_x509_subject_cn(tcb, cn, 22), CCS_OK);
    assert_int_equal(ccs_x509_subject_cn(tcb, cn, 21), CCS_ERR_INVALID_ARG);

    ccs_time nb, na;
    assert_int_equal(ccs_x509_validity(tcb, &nb, &na), CCS_OK);
    assert_int_equal(nb, test_time("2025-05-06T09:25:00Z"));
    assert_int_equal(na, test_time("2032-05-06T09:25:00Z"));
    assert_int_equal(ccs_x509_validity(d->root, &nb, &na), CCS_OK);
    assert_int_equal(nb, test_time("2018-05-21T10:45:10Z"));
    assert_int_equal(na, test_time("2049-12-31T23:59:59Z"));

    /* The DER view round-trips through the DER parser. */
    ccs_x509 *again = NULL;
    assert_int_equal(ccs_x509_parse_der(ccs_x509_der(d->root), &again), CCS_OK);
    assert_true(ccs_x509_equal(again, d->root));
    ccs_x509_free(again);
}

static void test_intel_keys_and_extensions(void **state) {
    intel *d = *state;
    ccs_pubkey *k = NULL;
    uint8_t xy[96];
    size_t n = 0;
    assert_int_equal(ccs_x509_pubkey(ccs_x509_chain_get(d->pck, 0), &k), CCS_OK);
    assert_int_equal(ccs_pubkey_curve(k), CCS_CURVE_P256);
    assert_int_equal(ccs_pubkey_ec_raw(k, xy, sizeof xy, &n), CCS_OK);
    assert_int_equal(n, 64);
    ccs_pubkey_free(k);

    ccs_bytes v;
    /* The SGX extensions (FMSPC, TCB, PPID...) are a SEQUENCE in the PCK cert. */
    assert_int_equal(ccs_x509_extension(ccs_x509_chain_get(d->pck, 0), SGX_OID_EXTENSIONS, &v), CCS_OK);
    assert_true(v.len > 100);
    assert_int_equal(v.ptr[0], 0x30);
    /* Basic constraints of the root: CA:TRUE, pathLen 1. */
    static const uint8_t bc[] = {0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x01};
    assert_int_equal(ccs_x509_extension(d->root, "2.5.29.19", &v), CCS_OK);
    assert_int_equal(v.len, sizeof bc);
    assert_memory_equal(v.ptr, bc, sizeof bc);
    /* Absent, and not an OID. */
    assert_int_equal(ccs_x509_extension(d->root, SGX_OID_EXTENSIONS, &v), CCS_ERR_NOT_FOUND);
    assert_null(v.ptr);
    assert_int_equal(ccs_x509_extension(d->root, "basicConstraints", &v), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_x509_extension(d->root, "", &v), CCS_ERR_INVALID_ARG);
}

static void test_intel_crls(void **state) {
    intel *d = *state;
    ccs_time tu, nu;
    assert_int_equal(ccs_crl_window(d->pck_crl, &tu, &nu), CCS_OK);
    assert_int_equal(tu, test_time("2025-06-19T10:23:18Z"));
    assert_int_equal(nu, test_time("2025-07-19T10:23:18Z"));
    assert_int_equal(ccs_crl_window(d->root_crl, &tu, &nu), CCS_OK);
    assert_int_equal(tu, test_time("2025-03-20T11:21:57Z"));
    assert_int_equal(nu, test_time("2026-04-03T11:21:57Z"));

    const ccs_x509 *pck = ccs_x509_chain_get(d->pck, 0), *pck_ca = ccs_x509_chain_get(d->pck, 1);
    const ccs_x509 *tcb = ccs_x509_chain_get(d->tcb, 0);
    assert_int_equal(ccs_crl_verify(d->pck_crl, pck_ca), CCS_OK);
    assert_int_equal(ccs_crl_verify(d->root_crl, d->root), CCS_OK);
    assert_int_equal(ccs_crl_verify(d->pck_crl, d->root), CCS_ERR_MISMATCH);
    assert_int_equal(ccs_crl_check(d->pck_crl, pck), CCS_OK);
    assert_int_equal(ccs_crl_check(d->root_crl, pck_ca), CCS_OK);
    assert_int_equal(ccs_crl_check(d->root_crl, tcb), CCS_OK);
    assert_int_equal(ccs_crl_check(d->pck_crl, tcb), CCS_ERR_MISMATCH);
}

static void test_intel_chain_ok(void **state) {
    intel *d = *state;
    const ccs_crl *both[] = {d->pck_crl, d->root_crl};
    const ccs_crl *root_only[] = {d->root_crl};
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, both, 2, TEST_INTEL_ASOF), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, NULL, 0, TEST_INTEL_ASOF), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(d->pck_ca, d->root, both, 2, TEST_INTEL_ASOF), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(d->pck_ca, d->root, root_only, 1, TEST_INTEL_ASOF), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(d->tcb, d->root, root_only, 1, TEST_INTEL_ASOF), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(d->tcb, d->root, both, 2, TEST_INTEL_ASOF), CCS_OK);
}

static void test_intel_chain_time(void **state) {
    intel *d = *state;
    const ccs_crl *both[] = {d->pck_crl, d->root_crl};
    /* 2040: the PCK Processor CA (to 2033) and TCB Signing (to 2032) expired. */
    ccs_time t2040 = test_time("2040-01-01T00:00:00Z");
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, NULL, 0, t2040), CCS_ERR_EXPIRED);
    assert_int_equal(ccs_x509_verify_chain(d->tcb, d->root, NULL, 0, t2040), CCS_ERR_EXPIRED);
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, both, 2, t2040), CCS_ERR_EXPIRED);
    /* Before the root existed; before the TCB Signing cert's notBefore. */
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, NULL, 0, test_time("2017-01-01T00:00:00Z")),
                     CCS_ERR_EXPIRED);
    assert_int_equal(ccs_x509_verify_chain(d->tcb, d->root, NULL, 0, test_time("2025-05-01T00:00:00Z")),
                     CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "depth 0"));
    /* The PCK CRL's nextUpdate (2025-07-19T10:23:18Z) has passed. */
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, both, 2, test_time("2025-08-01T00:00:00Z")),
                     CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "CRL has expired"));
    /* ... and was not yet issued an hour earlier. */
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, both, 2, test_time("2025-06-19T09:00:00Z")),
                     CCS_ERR_EXPIRED);
    /* OpenSSL's X509_cmp_time: the nextUpdate second itself is expired. */
    ccs_time next = test_time("2025-07-19T10:23:18Z");
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, both, 2, next - 1), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, both, 2, next), CCS_ERR_EXPIRED);
    /* Same for the pinned root's notAfter (checked by ccs itself). */
    ccs_time root_end = test_time("2049-12-31T23:59:59Z");
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, NULL, 0, root_end), CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "root"));
}

static void test_intel_crl_tampered(void **state) {
    intel *d = *state;
    ccs_buf b = {0};
    ccs_crl *bad = NULL;
    test_read_data("intel/sgx-v3/pck_crl.der", &b);
    /* The last byte is the last byte of s in the signature BIT STRING. */
    b.ptr[b.len - 1] ^= 0x01;
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&b), &bad), CCS_OK);
    ccs_buf_free(&b);
    const ccs_crl *crls[] = {bad, d->root_crl};
    assert_int_equal(ccs_crl_verify(bad, ccs_x509_chain_get(d->pck, 1)), CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, crls, 2, TEST_INTEL_ASOF), CCS_ERR_SIGNATURE);
    assert_non_null(strstr(ccs_error_detail(), "CRL signature failure"));
    ccs_crl_free(bad);

    /* A CRL for the PCK CA that is missing: NOT_FOUND; no CRLs at all but a
     * list given: NOT_FOUND. */
    const ccs_crl *root_only[] = {d->root_crl};
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, root_only, 1, TEST_INTEL_ASOF), CCS_ERR_NOT_FOUND);
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, root_only, 0, TEST_INTEL_ASOF), CCS_ERR_NOT_FOUND);
}

static void test_intel_untrusted(void **state) {
    intel *d = *state;
    /* Pinned root is a different (test) root: the Intel chain does not reach it. */
    test_pki p;
    test_pki_build(&p, TEST_INTEL_ASOF - 86400, TEST_INTEL_ASOF + 86400);
    ccs_x509 *other = test_pki_ccs_cert(p.root);
    assert_int_equal(ccs_x509_verify_chain(d->pck, other, NULL, 0, TEST_INTEL_ASOF), CCS_ERR_UNTRUSTED);
    assert_int_equal(ccs_x509_verify_chain(d->tcb, other, NULL, 0, TEST_INTEL_ASOF), CCS_ERR_UNTRUSTED);
    /* The Intel root itself, offered as a leaf to be verified against another root. */
    assert_int_equal(ccs_x509_verify_chain(d->pck_ca, other, NULL, 0, TEST_INTEL_ASOF), CCS_ERR_UNTRUSTED);
    ccs_x509_free(other);
    test_pki_free(&p);

    /* The PCK cert alone, without its CA: no path to the root. */
    ccs_buf b = {0};
    ccs_x509_chain *leaf_only = NULL;
    test_read_data("intel/sgx-v3/pck_cert_chain.pem", &b);
    const char *end = strstr((const char *)b.ptr, "-----END CERTIFICATE-----");
    assert_non_null(end);
    size_t n = (size_t)(end - (const char *)b.ptr) + strlen("-----END CERTIFICATE-----");
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_bytes_of(b.ptr, n), &leaf_only), CCS_OK);
    assert_int_equal(ccs_x509_chain_len(leaf_only), 1);
    assert_int_equal(ccs_x509_verify_chain(leaf_only, d->root, NULL, 0, TEST_INTEL_ASOF), CCS_ERR_UNTRUSTED);
    ccs_x509_chain_free(leaf_only);
    ccs_buf_free(&b);

    assert_int_equal(ccs_x509_verify_chain(NULL, d->root, NULL, 0, TEST_INTEL_ASOF), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_x509_verify_chain(d->pck, NULL, NULL, 0, TEST_INTEL_ASOF), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_x509_verify_chain(d->pck, d->root, NULL, 1, TEST_INTEL_ASOF), CCS_ERR_INVALID_ARG);
}

int test_group_x509_intel(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intel_names),
        cmocka_unit_test(test_intel_keys_and_extensions),
        cmocka_unit_test(test_intel_crls),
        cmocka_unit_test(test_intel_chain_ok),
        cmocka_unit_test(test_intel_chain_time),
        cmocka_unit_test(test_intel_crl_tampered),
        cmocka_unit_test(test_intel_untrusted),
    };
    return cmocka_run_group_tests_name("crypto/x509-intel", tests, intel_setup, intel_teardown);
}
