/* Test-time PKI builder (see test_pki.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "test_pki.h"

EVP_PKEY *test_pki_key(void) {
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static void set_cn(X509_NAME *n, const char *cn) {
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"CCS Test", -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
}

X509 *test_pki_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca, long serial,
                    time_t not_before, time_t not_after) {
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
    assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &not_before));
    assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &not_after));
    set_cn(X509_get_subject_name(x), cn);
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    X509 *iss = issuer ? issuer : x;
    add_ext(x, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, iss, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(x, iss, NID_subject_key_identifier, "hash");
    add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

X509_CRL *test_pki_crl(X509 *issuer, EVP_PKEY *sign_key, X509 *revoked, time_t this_update, time_t next_update) {
    X509_CRL *crl = X509_CRL_new();
    assert_non_null(crl);
    assert_int_equal(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
    assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
    ASN1_TIME *t = ASN1_TIME_set(NULL, this_update);
    assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
    ASN1_TIME_set(t, next_update);
    assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
    if (revoked != NULL) {
        X509_REVOKED *r = X509_REVOKED_new();
        assert_non_null(r);
        assert_int_equal(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)), 1);
        ASN1_TIME_set(t, this_update);
        assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
        assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
    }
    ASN1_TIME_free(t);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    assert_non_null(e);
    assert_int_equal(X509_CRL_add_ext(crl, e, -1), 1);
    X509_EXTENSION_free(e);
    assert_int_equal(X509_CRL_sort(crl), 1);
    assert_true(X509_CRL_sign(crl, sign_key, EVP_sha256()) > 0);
    return crl;
}

void test_pki_build(test_pki *p, time_t not_before, time_t not_after) {
    p->root_key = test_pki_key();
    p->inter_key = test_pki_key();
    p->leaf_key = test_pki_key();
    p->root = test_pki_cert("Test Root CA", p->root_key, NULL, p->root_key, true, 1, not_before, not_after);
    p->inter = test_pki_cert("Test Intermediate CA", p->inter_key, p->root, p->root_key, true, 2, not_before,
                             not_after);
    p->leaf = test_pki_cert("Test Leaf", p->leaf_key, p->inter, p->inter_key, false, 3, not_before, not_after);
}

void test_pki_free(test_pki *p) {
    X509_free(p->root);
    X509_free(p->inter);
    X509_free(p->leaf);
    EVP_PKEY_free(p->root_key);
    EVP_PKEY_free(p->inter_key);
    EVP_PKEY_free(p->leaf_key);
}

ccs_x509 *test_pki_ccs_cert(X509 *x) {
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    ccs_x509 *c = NULL;
    assert_int_equal(ccs_x509_parse_der(ccs_bytes_of(der, (size_t)n), &c), CCS_OK);
    OPENSSL_free(der);
    return c;
}

ccs_crl *test_pki_ccs_crl(X509_CRL *crl) {
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    assert_true(n > 0);
    ccs_crl *c = NULL;
    assert_int_equal(ccs_crl_parse(ccs_bytes_of(der, (size_t)n), &c), CCS_OK);
    OPENSSL_free(der);
    return c;
}

ccs_x509_chain *test_pki_ccs_chain(X509 *const *certs, size_t n) {
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(BIO_puts(bio, "some text between blocks\n"), 25);
        assert_int_equal(PEM_write_bio_X509(bio, certs[i]), 1);
    }
    char *text = NULL;
    long len = BIO_get_mem_data(bio, &text);
    ccs_x509_chain *ch = NULL;
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_bytes_of(text, (size_t)len), &ch), CCS_OK);
    BIO_free(bio);
    return ch;
}
