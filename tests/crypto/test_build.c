/* Building keys, certificates and CRLs (ccs_privkey_*, ccs_x509_build,
 * ccs_crl_build, PEM writers), checked with the verification side: a built
 * chain verifies with ccs_x509_verify_chain, a built CRL revokes, and
 * signatures verify with ccs_ecdsa_verify_raw/_der. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "test_crypto.h"

#define T0 ((ccs_time)1750330800)
#define DAY ((ccs_time)86400)

typedef struct pki {
    ccs_privkey *root_key, *ca_key, *leaf_key;
    ccs_x509 *root, *ca, *leaf;
} pki;

static const uint8_t ext_der[] = {0x30, 0x03, 0x02, 0x01, 0x07};

static void build(pki *p) {
    ccs_x509_ext ext = {"1.2.840.113741.1.13.1", ccs_bytes_of(ext_der, sizeof ext_der), false};
    ccs_x509_spec root = {"Test Root", "CCS tests", 1, T0 - DAY, T0 + 10 * 365 * DAY, true, 1,
                          CCS_KU_KEY_CERT_SIGN | CCS_KU_CRL_SIGN, NULL, 0};
    ccs_x509_spec ca = {"Test CA", "CCS tests", 2, T0 - DAY, T0 + 5 * 365 * DAY, true, 0,
                        CCS_KU_KEY_CERT_SIGN | CCS_KU_CRL_SIGN, NULL, 0};
    ccs_x509_spec leaf = {"Test Leaf", NULL, 0x1234567890ULL, T0 - DAY, T0 + 365 * DAY, false, -1,
                          CCS_KU_DIGITAL_SIGNATURE, &ext, 1};
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &p->root_key), CCS_OK);
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P384, &p->ca_key), CCS_OK);
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &p->leaf_key), CCS_OK);
    assert_int_equal(ccs_x509_build(&root, p->root_key, NULL, p->root_key, &p->root), CCS_OK);
    assert_int_equal(ccs_x509_build(&ca, p->ca_key, p->root, p->root_key, &p->ca), CCS_OK);
    assert_int_equal(ccs_x509_build(&leaf, p->leaf_key, p->ca, p->ca_key, &p->leaf), CCS_OK);
}

static void pki_free(pki *p) {
    ccs_privkey_free(p->root_key);
    ccs_privkey_free(p->ca_key);
    ccs_privkey_free(p->leaf_key);
    ccs_x509_free(p->root);
    ccs_x509_free(p->ca);
    ccs_x509_free(p->leaf);
}

static ccs_x509_chain *chain_of(const pki *p) {
    ccs_buf pem = {0};
    ccs_x509_chain *ch = NULL;
    assert_int_equal(ccs_x509_to_pem(p->leaf, &pem), CCS_OK);
    assert_int_equal(ccs_x509_to_pem(p->ca, &pem), CCS_OK);
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&pem), &ch), CCS_OK);
    ccs_buf_free(&pem);
    return ch;
}

static void test_chain_verifies(void **state) {
    (void)state;
    pki p = {0};
    char cn[64];
    ccs_bytes ext;
    build(&p);
    ccs_x509_chain *ch = chain_of(&p);
    assert_int_equal(ccs_x509_chain_len(ch), 2);
    assert_int_equal(ccs_x509_verify_chain(ch, p.root, NULL, 0, T0), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(ch, p.root, NULL, 0, T0 + 2 * 365 * DAY), CCS_ERR_EXPIRED);
    assert_int_equal(ccs_x509_verify_chain(ch, p.ca, NULL, 0, T0), CCS_ERR_UNTRUSTED);
    assert_int_equal(ccs_x509_subject_cn(p.leaf, cn, sizeof cn), CCS_OK);
    assert_string_equal(cn, "Test Leaf");
    assert_int_equal(ccs_x509_issuer_cn(p.leaf, cn, sizeof cn), CCS_OK);
    assert_string_equal(cn, "Test CA");
    assert_int_equal(ccs_x509_extension(p.leaf, "1.2.840.113741.1.13.1", &ext), CCS_OK);
    assert_int_equal(ext.len, sizeof ext_der);
    assert_memory_equal(ext.ptr, ext_der, sizeof ext_der);
    /* The PEM of the root parses back to the same certificate. */
    ccs_buf pem = {0};
    ccs_x509 *again = NULL;
    assert_int_equal(ccs_x509_to_pem(p.root, &pem), CCS_OK);
    assert_int_equal(ccs_x509_parse_pem(ccs_buf_view(&pem), &again), CCS_OK);
    assert_true(ccs_x509_equal(again, p.root));
    ccs_x509_free(again);
    ccs_buf_free(&pem);
    ccs_x509_chain_free(ch);
    pki_free(&p);
}

/* A CRL by the CA with one extra extension (kind), signed with OpenSSL. */
static ccs_status crl_with(const pki *p, const char *kind, ccs_crl **out) {
    ccs_buf pem = {0};
    assert_int_equal(ccs_privkey_to_pem(p->ca_key, &pem), CCS_OK);
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ccs_buf_free(&pem);
    ccs_bytes d = ccs_x509_der(p->ca);
    const unsigned char *q = d.ptr;
    X509 *ca = d2i_X509(NULL, &q, (long)d.len);
    assert_non_null(key);
    assert_non_null(ca);
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
    ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)(T0 - DAY)), *nu = ASN1_TIME_set(NULL, (time_t)(T0 + 30 * DAY));
    X509_CRL_set1_lastUpdate(crl, tu);
    X509_CRL_set1_nextUpdate(crl, nu);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, ca, NULL, NULL, crl, 0);
    X509_EXTENSION *e = NULL;
    if (strcmp(kind, "delta") == 0) {
        ASN1_INTEGER *base = ASN1_INTEGER_new();
        ASN1_INTEGER_set(base, 1);
        X509_CRL_add1_ext_i2d(crl, NID_delta_crl, base, 1, 0);
        ASN1_INTEGER_free(base);
    } else if (strcmp(kind, "idp-user") == 0) {
        e = X509V3_EXT_conf_nid(NULL, &v3, NID_issuing_distribution_point, "critical,onlyuser:TRUE");
    } else if (strcmp(kind, "idp-full") == 0) {
        e = X509V3_EXT_conf_nid(NULL, &v3, NID_issuing_distribution_point, "critical,fullname:URI:http://crl.test/ca.crl");
    } else if (strcmp(kind, "unknown") == 0) {
        ASN1_OBJECT *o = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(os, (const unsigned char *)"\x05\x00", 2);
        e = X509_EXTENSION_create_by_OBJ(NULL, o, 1, os);
        ASN1_OBJECT_free(o);
        ASN1_OCTET_STRING_free(os);
    }
    if (e != NULL) X509_CRL_add_ext(crl, e, -1);
    X509_EXTENSION_free(e);
    assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    ccs_status st = ccs_crl_parse(ccs_bytes_of(der, (size_t)n), out);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    X509_free(ca);
    EVP_PKEY_free(key);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    return st;
}

/* Only complete CRLs of the full scope are read: a delta CRL, one narrowed
 * by its issuing distribution point, or an unknown critical extension could
 * leave a revoked certificate unlisted. */
static void test_crl_scope(void **state) {
    (void)state;
    pki p = {0};
    build(&p);
    static const struct {
        const char *kind;
        ccs_status st;
        const char *why;
    } t[] = {
        {"none", CCS_OK, NULL},
        {"idp-full", CCS_OK, NULL},
        {"delta", CCS_ERR_UNSUPPORTED, "crl: a delta CRL (only the changes since a base CRL) is not accepted"},
        {"idp-user", CCS_ERR_UNSUPPORTED, "crl: a CRL limited in scope (issuing distribution point) is not accepted"},
        {"unknown", CCS_ERR_UNSUPPORTED, "crl: unhandled critical extension (unknown)"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ccs_crl *crl = NULL;
        ccs_status st = crl_with(&p, t[i].kind, &crl);
        if (st != t[i].st) fail_msg("%s: %s", t[i].kind, ccs_error_detail());
        if (t[i].why != NULL) {
            assert_null(crl);
            if (strstr(ccs_error_detail(), t[i].why) == NULL) fail_msg("%s: \"%s\"", t[i].kind, ccs_error_detail());
        } else {
            assert_int_equal(ccs_crl_verify(crl, p.ca), CCS_OK);
            assert_int_equal(ccs_crl_check(crl, p.leaf), CCS_OK);
        }
        ccs_crl_free(crl);
    }
    pki_free(&p);
}

static void test_crl_revokes(void **state) {
    (void)state;
    pki p = {0};
    ccs_buf der = {0}, empty = {0};
    ccs_crl *crl = NULL, *ok_crl = NULL, *root_crl = NULL;
    ccs_time a, b;
    build(&p);
    uint64_t serials[] = {7, 0x1234567890ULL};
    assert_int_equal(ccs_crl_build(p.ca, p.ca_key, T0 - DAY, T0 + 30 * DAY, 1, serials, 2, &der), CCS_OK);
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&der), &crl), CCS_OK);
    assert_int_equal(ccs_crl_verify(crl, p.ca), CCS_OK);
    assert_int_equal(ccs_crl_verify(crl, p.root), CCS_ERR_MISMATCH);
    assert_int_equal(ccs_crl_window(crl, &a, &b), CCS_OK);
    assert_int_equal(a, T0 - DAY);
    assert_int_equal(b, T0 + 30 * DAY);
    assert_int_equal(ccs_crl_check(crl, p.leaf), CCS_ERR_REVOKED);
    assert_int_equal(ccs_crl_build(p.ca, p.ca_key, T0 - DAY, T0 + 30 * DAY, 2, NULL, 0, &empty), CCS_OK);
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&empty), &ok_crl), CCS_OK);
    assert_int_equal(ccs_crl_check(ok_crl, p.leaf), CCS_OK);
    der.len = 0;
    assert_int_equal(ccs_crl_build(p.root, p.root_key, T0 - DAY, T0 + 30 * DAY, 1, NULL, 0, &der), CCS_OK);
    assert_int_equal(ccs_crl_parse(ccs_buf_view(&der), &root_crl), CCS_OK);
    ccs_x509_chain *ch = chain_of(&p);
    const ccs_crl *revoking[] = {crl, root_crl}, *clean[] = {ok_crl, root_crl};
    assert_int_equal(ccs_x509_verify_chain(ch, p.root, revoking, 2, T0), CCS_ERR_REVOKED);
    assert_int_equal(ccs_x509_verify_chain(ch, p.root, clean, 2, T0), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(ch, p.root, clean, 2, T0 + 31 * DAY), CCS_ERR_EXPIRED);
    assert_int_equal(ccs_crl_build(p.ca, p.ca_key, T0, T0, 1, NULL, 0, &der), CCS_ERR_INVALID_ARG);
    ccs_x509_chain_free(ch);
    ccs_crl_free(crl);
    ccs_crl_free(ok_crl);
    ccs_crl_free(root_crl);
    ccs_buf_free(&der);
    ccs_buf_free(&empty);
    pki_free(&p);
}

static void sign_verify(ccs_curve curve) {
    ccs_privkey *k = NULL;
    ccs_pubkey *pub = NULL;
    ccs_buf raw = {0}, der = {0};
    ccs_bytes msg = ccs_bytes_str("attested message");
    assert_int_equal(ccs_privkey_generate(curve, &k), CCS_OK);
    assert_int_equal(ccs_privkey_curve(k), curve);
    assert_int_equal(ccs_privkey_public(k, &pub), CCS_OK);
    assert_int_equal(ccs_pubkey_curve(pub), curve);
    assert_int_equal(ccs_ecdsa_sign_raw(k, msg, &raw), CCS_OK);
    assert_int_equal(raw.len, curve == CCS_CURVE_P256 ? 64 : 96);
    assert_int_equal(ccs_ecdsa_verify_raw(pub, msg, ccs_buf_view(&raw)), CCS_OK);
    assert_int_equal(ccs_ecdsa_sign_der(k, msg, &der), CCS_OK);
    assert_int_equal(ccs_ecdsa_verify_der(pub, msg, ccs_buf_view(&der)), CCS_OK);
    assert_int_equal(ccs_ecdsa_verify_raw(pub, ccs_bytes_str("another message"), ccs_buf_view(&raw)),
                     CCS_ERR_SIGNATURE);
    raw.ptr[5] ^= 1;
    assert_int_equal(ccs_ecdsa_verify_raw(pub, msg, ccs_buf_view(&raw)), CCS_ERR_SIGNATURE);
    ccs_buf_free(&raw);
    ccs_buf_free(&der);
    ccs_pubkey_free(pub);
    ccs_privkey_free(k);
}

static void test_sign_p256(void **state) {
    (void)state;
    sign_verify(CCS_CURVE_P256);
}

static void test_sign_p384(void **state) {
    (void)state;
    sign_verify(CCS_CURVE_P384);
}

static void test_key_files(void **state) {
    (void)state;
    char path[512];
    struct stat sb;
    ccs_privkey *k = NULL, *back = NULL;
    ccs_pubkey *pub = NULL;
    ccs_buf sig = {0};
    snprintf(path, sizeof path, "%s/build_test.key", CCS_TEST_TMP);
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &k), CCS_OK);
    assert_int_equal(ccs_file_write(path, ccs_bytes_str("old, world-readable")), CCS_OK);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(ccs_privkey_save(k, path), CCS_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(ccs_privkey_load(path, &back), CCS_OK);
    assert_int_equal(ccs_ecdsa_sign_raw(back, ccs_bytes_str("m"), &sig), CCS_OK);
    assert_int_equal(ccs_privkey_public(k, &pub), CCS_OK);
    assert_int_equal(ccs_ecdsa_verify_raw(pub, ccs_bytes_str("m"), ccs_buf_view(&sig)), CCS_OK);
    ccs_privkey *bad = NULL;
    assert_int_equal(
        ccs_privkey_from_pem(ccs_bytes_str("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), &bad),
        CCS_ERR_FORMAT);
    assert_null(bad);
    assert_int_equal(ccs_privkey_load(CCS_TEST_TMP "/no-such.key", &bad), CCS_ERR_IO);
    ccs_privkey_free(k);
    ccs_buf_free(&sig);
    ccs_pubkey_free(pub);
    ccs_privkey_free(back);
    ccs_privkey_free(NULL);
}

static void test_bad_specs(void **state) {
    (void)state;
    ccs_privkey *k = NULL, *other = NULL;
    ccs_x509 *c = NULL;
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &k), CCS_OK);
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &other), CCS_OK);
    ccs_x509_spec s = {"x", NULL, 0, T0, T0 + DAY, false, -1, 0, NULL, 0};
    assert_int_equal(ccs_x509_build(&s, k, NULL, k, &c), CCS_ERR_INVALID_ARG); /* serial 0 */
    s.serial = 1;
    s.not_after = T0;
    assert_int_equal(ccs_x509_build(&s, k, NULL, k, &c), CCS_ERR_INVALID_ARG);
    s.not_after = T0 + DAY;
    assert_int_equal(ccs_x509_build(&s, k, NULL, other, &c), CCS_ERR_INVALID_ARG); /* self-signed, other key */
    s.subject_cn = "";
    assert_int_equal(ccs_x509_build(&s, k, NULL, k, &c), CCS_ERR_INVALID_ARG);
    ccs_x509_ext bad = {"not.an.oid", ccs_bytes_of(ext_der, sizeof ext_der), false};
    s.subject_cn = "x";
    s.exts = &bad;
    s.n_exts = 1;
    assert_int_equal(ccs_x509_build(&s, k, NULL, k, &c), CCS_ERR_INVALID_ARG);
    assert_null(c);
    ccs_privkey *none = NULL;
    assert_int_equal(ccs_privkey_generate((ccs_curve)9, &none), CCS_ERR_UNSUPPORTED);
    assert_null(none);
    ccs_privkey_free(k);
    ccs_privkey_free(other);
}

int test_group_build(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_verifies), cmocka_unit_test(test_crl_revokes), cmocka_unit_test(test_crl_scope), cmocka_unit_test(test_sign_p256),
        cmocka_unit_test(test_sign_p384),      cmocka_unit_test(test_key_files),   cmocka_unit_test(test_bad_specs),
    };
    return cmocka_run_group_tests_name("crypto/build", tests, NULL, NULL);
}
