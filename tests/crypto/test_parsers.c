/* Negative tests for the certificate and CRL parsers: every truncation of
 * real DER, trailing bytes, garbage and malformed PEM. */
#include <stdio.h>
#include <string.h>

#include "test_crypto.h"

static void test_truncated_cert_der(void **state) {
    (void)state;
    ccs_buf pem = {0};
    ccs_x509 *root = NULL, *c = NULL;
    test_read_data("intel/sgx-v3/intel_sgx_root_ca.pem", &pem);
    assert_int_equal(ccs_x509_parse_pem(ccs_buf_view(&pem), &root), CCS_OK);
    ccs_bytes der = ccs_x509_der(root);
    for (size_t n = 0; n < der.len; n++) {
        ccs_status st = ccs_x509_parse_der(ccs_bytes_of(der.ptr, n), &c);
        if (st != CCS_ERR_TRUNCATED) fail_msg("prefix %zu/%zu: %s (%s)", n, der.len, ccs_status_name(st),
                                               ccs_error_detail());
        assert_null(c);
    }
    /* One byte more: trailing. */
    uint8_t longer[2048];
    assert_true(der.len < sizeof longer);
    memcpy(longer, der.ptr, der.len);
    longer[der.len] = 0;
    assert_int_equal(ccs_x509_parse_der(ccs_bytes_of(longer, der.len + 1), &c), CCS_ERR_TRAILING);
    assert_null(c);
    /* Wrong outer tag; a SEQUENCE of the right length with the wrong inside. */
    longer[0] = 0x31;
    assert_int_equal(ccs_x509_parse_der(ccs_bytes_of(longer, der.len), &c), CCS_ERR_FORMAT);
    memcpy(longer, der.ptr, der.len);
    memset(longer + 4, 0x05, 8);
    assert_int_equal(ccs_x509_parse_der(ccs_bytes_of(longer, der.len), &c), CCS_ERR_FORMAT);
    assert_int_equal(ccs_x509_parse_der(ccs_bytes_of(NULL, 0), &c), CCS_ERR_TRUNCATED);
    ccs_x509_free(root);
    ccs_buf_free(&pem);
    ccs_x509_free(NULL);
}

static void test_truncated_crl_der(void **state) {
    (void)state;
    const char *files[] = {"intel/sgx-v3/pck_crl.der", "intel/sgx-v3/root_ca_crl.der"};
    for (size_t f = 0; f < 2; f++) {
        ccs_buf der = {0};
        ccs_crl *crl = NULL;
        test_read_data(files[f], &der);
        for (size_t n = 0; n < der.len; n++) {
            ccs_status st = ccs_crl_parse(ccs_bytes_of(der.ptr, n), &crl);
            if (st != CCS_ERR_TRUNCATED) fail_msg("%s prefix %zu: %s (%s)", files[f], n, ccs_status_name(st),
                                                   ccs_error_detail());
            assert_null(crl);
        }
        assert_int_equal(ccs_buf_append(&der, "\0", 1), CCS_OK);
        assert_int_equal(ccs_crl_parse(ccs_buf_view(&der), &crl), CCS_ERR_TRAILING);
        ccs_buf_free(&der);
    }
    ccs_crl_free(NULL);
}

static void test_crl_pem(void **state) {
    (void)state;
    ccs_buf der = {0}, b64 = {0}, pem = {0};
    ccs_crl *crl = NULL;
    test_read_data("intel/sgx-v3/root_ca_crl.der", &der);
    assert_int_equal(ccs_base64_encode(ccs_buf_view(&der), &b64), CCS_OK);
    assert_int_equal(ccs_buf_append_str(&pem, "-----BEGIN X509 CRL-----\n"), CCS_OK);
    for (size_t off = 0; off < b64.len; off += 64) {
        size_t n = b64.len - off < 64 ? b64.len - off : 64;
        assert_int_equal(ccs_buf_append(&pem, b64.ptr + off, n), CCS_OK);
        assert_int_equal(ccs_buf_append_str(&pem, "\n"), CCS_OK);
    }
    assert_int_equal(ccs_buf_append_str(&pem, "-----END X509 CRL-----\n"), CCS_OK);
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&pem), &crl), CCS_OK);
    ccs_time tu, nu;
    assert_int_equal(ccs_crl_window(crl, &tu, &nu), CCS_OK);
    assert_int_equal(tu, test_time("2025-03-20T11:21:57Z"));
    ccs_crl_free(crl);
    /* A certificate block is not a CRL; garbage inside the armour. */
    assert_int_equal(ccs_crl_parse(ccs_bytes_str("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                                   &crl),
                     CCS_ERR_FORMAT);
    assert_int_equal(ccs_crl_parse(ccs_bytes_str("-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n"), &crl),
                     CCS_ERR_FORMAT);
    assert_int_equal(ccs_crl_parse(ccs_bytes_str("-----BEGIN"), &crl), CCS_ERR_FORMAT);
    assert_null(crl);
    ccs_buf_free(&der);
    ccs_buf_free(&b64);
    ccs_buf_free(&pem);
}

static void test_garbage_pem(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_x509_chain *ch = NULL;
    static const struct {
        const char *text;
        ccs_status want;
    } cases[] = {
        {"", CCS_ERR_FORMAT},
        {"hello world\n", CCS_ERR_FORMAT},
        {"-----BEGIN CERTIFICATE-----\nMIIB\n", CCS_ERR_FORMAT},                              /* no END */
        {"-----BEGIN CERTIFICATE-----\n*&^%$#@!\n-----END CERTIFICATE-----\n", CCS_ERR_FORMAT}, /* not base64 */
        {"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", CCS_ERR_FORMAT},          /* empty */
        {"-----BEGIN CERTIFICATE-----\nAgEF\n-----END CERTIFICATE-----\n", CCS_ERR_FORMAT},    /* INTEGER 5 */
        {"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", CCS_ERR_TRUNCATED}, /* 30 82 01.. */
        {"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAgEF\n-----END CERTIFICATE-----\n", CCS_ERR_FORMAT},
        {"-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n", CCS_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ccs_bytes in = ccs_bytes_str(cases[i].text);
        ccs_status st = ccs_x509_parse_pem(in, &c);
        if (st != cases[i].want) fail_msg("case %zu single: %s (%s)", i, ccs_status_name(st), ccs_error_detail());
        st = ccs_x509_chain_parse_pem(in, &ch);
        if (st != cases[i].want) fail_msg("case %zu chain: %s (%s)", i, ccs_status_name(st), ccs_error_detail());
        assert_null(c);
        assert_null(ch);
    }
    assert_int_equal(ccs_x509_chain_len(NULL), 0);
    assert_null(ccs_x509_chain_get(NULL, 0));
    ccs_x509_chain_free(NULL);
}

static void test_pem_separators_and_bounds(void **state) {
    (void)state;
    ccs_buf one = {0}, many = {0};
    ccs_x509_chain *ch = NULL;
    test_read_data("intel/sgx-v3/intel_sgx_root_ca.pem", &one);
    /* Blocks separated by text, blank lines and NULs, ending in NUL, no
     * final newline after the last END. */
    assert_int_equal(ccs_buf_append(&many, "\0\0junk\r\n\n", 9), CCS_OK);
    assert_int_equal(ccs_buf_append(&many, one.ptr, one.len), CCS_OK);
    assert_int_equal(ccs_buf_append(&many, "\0 between \0\n", 12), CCS_OK);
    const char *end = strstr((const char *)one.ptr, "-----END CERTIFICATE-----");
    assert_non_null(end);
    assert_int_equal(ccs_buf_append(&many, one.ptr, (size_t)(end - (const char *)one.ptr) + 25), CCS_OK);
    assert_int_equal(ccs_buf_append(&many, "\0", 1), CCS_OK);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&many), &ch), CCS_OK);
    assert_int_equal(ccs_x509_chain_len(ch), 2);
    assert_true(ccs_x509_equal(ccs_x509_chain_get(ch, 0), ccs_x509_chain_get(ch, 1)));
    ccs_x509_chain_free(ch);

    /* 16 certificates are accepted, 17 are not. */
    many.len = 0;
    for (int i = 0; i < 16; i++) assert_int_equal(ccs_buf_append(&many, one.ptr, one.len), CCS_OK);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&many), &ch), CCS_OK);
    assert_int_equal(ccs_x509_chain_len(ch), 16);
    ccs_x509_chain_free(ch);
    assert_int_equal(ccs_buf_append(&many, one.ptr, one.len), CCS_OK);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&many), &ch), CCS_ERR_FORMAT);
    assert_null(ch);

    /* A good block followed by a broken one fails as a whole. */
    many.len = 0;
    assert_int_equal(ccs_buf_append(&many, one.ptr, one.len), CCS_OK);
    assert_int_equal(ccs_buf_append_str(&many, "-----BEGIN CERTIFICATE-----\nAgEF\n-----END CERTIFICATE-----\n"),
                     CCS_OK);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&many), &ch), CCS_ERR_FORMAT);
    assert_null(ch);
    ccs_buf_free(&one);
    ccs_buf_free(&many);
}

int test_group_parsers(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_cert_der), cmocka_unit_test(test_truncated_crl_der),
        cmocka_unit_test(test_crl_pem),            cmocka_unit_test(test_garbage_pem),
        cmocka_unit_test(test_pem_separators_and_bounds),
    };
    return cmocka_run_group_tests_name("crypto/parsers", tests, NULL, NULL);
}
