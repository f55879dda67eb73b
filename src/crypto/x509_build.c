/* Building X.509 certificates and CRLs (RFC 5280) and writing PEM: the
 * sim platform's PKI (a root CA, a PCK CA, PCK leaves with Intel's SGX
 * extension, a TCB signing certificate, CRLs) and test PKIs. */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "privkey_internal.h"

static const EVP_MD *sign_md(const ccs_privkey *k) {
    return ccs_privkey_curve(k) == CCS_CURVE_P384 ? EVP_sha384() : EVP_sha256();
}

static ccs_status set_name(X509_NAME *n, const char *cn, const char *o) {
    CCS_ENSURE(cn != NULL && cn[0] != '\0', CCS_ERR_INVALID_ARG, "x509 build: empty common name");
    if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) != 1 ||
        (o != NULL && X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)o, -1, -1, 0) != 1))
        CCS_OSSL_BAIL(CCS_ERR_INVALID_ARG, "x509 build: bad name");
    return CCS_OK;
}

static ccs_status add_conf(X509 *x, X509V3_CTX *v3, int nid, const char *value) {
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    if (!ok) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "x509 build: cannot add an extension");
    return CCS_OK;
}

static ccs_status add_raw(X509 *x, const ccs_x509_ext *ext) {
    CCS_ENSURE(ext->oid != NULL && ext->der.len <= INT_MAX && (ext->der.ptr != NULL || ext->der.len == 0),
               CCS_ERR_INVALID_ARG, "x509 build: bad extension");
    ASN1_OBJECT *obj = OBJ_txt2obj(ext->oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e = NULL;
    int ok = obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, ext->der.ptr, (int)ext->der.len) == 1 &&
             (e = X509_EXTENSION_create_by_OBJ(NULL, obj, ext->critical ? 1 : 0, os)) != NULL &&
             X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    if (!ok) CCS_OSSL_BAIL(CCS_ERR_INVALID_ARG, "x509 build: cannot add extension");
    return CCS_OK;
}

static ccs_status add_extensions(X509 *x, X509 *issuer, const ccs_x509_spec *s) {
    X509V3_CTX v3;
    char bc[64], ku[128] = "critical";
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    if (s->ca && s->path_len >= 0)
        snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", s->path_len);
    else
        snprintf(bc, sizeof bc, "critical,CA:%s", s->ca ? "TRUE" : "FALSE");
    CCS_TRY(add_conf(x, &v3, NID_basic_constraints, bc));
    if (s->key_usage) {
        static const struct { unsigned bit; const char *name; } kus[] = {
            {CCS_KU_DIGITAL_SIGNATURE, ",digitalSignature"}, {CCS_KU_NON_REPUDIATION, ",nonRepudiation"},
            {CCS_KU_KEY_CERT_SIGN, ",keyCertSign"},          {CCS_KU_CRL_SIGN, ",cRLSign"},
        };
        CCS_ENSURE((s->key_usage & ~0x0fu) == 0, CCS_ERR_INVALID_ARG, "x509 build: unknown key usage bits");
        for (size_t i = 0; i < sizeof kus / sizeof kus[0]; i++)
            if (s->key_usage & kus[i].bit) strcat(ku, kus[i].name);
        CCS_TRY(add_conf(x, &v3, NID_key_usage, ku));
    }
    CCS_TRY(add_conf(x, &v3, NID_subject_key_identifier, "hash"));
    CCS_TRY(add_conf(x, &v3, NID_authority_key_identifier, "keyid:always"));
    for (size_t i = 0; i < s->n_exts; i++) CCS_TRY(add_raw(x, &s->exts[i]));
    return CCS_OK;
}

static ccs_status fill_cert(X509 *x, const ccs_x509_spec *s, const ccs_privkey *subject_key, X509 *issuer) {
    X509_NAME *name = X509_NAME_new();
    if (name == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "x509 build: no name");
    ccs_status st = set_name(name, s->subject_cn, s->subject_o);
    if (st == CCS_OK &&
        (X509_set_version(x, 2) != 1 || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), s->serial) != 1 ||
         X509_set_subject_name(x, name) != 1 ||
         X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
         ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->not_before) == NULL ||
         ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->not_after) == NULL ||
         X509_set_pubkey(x, ccs__privkey_evp(subject_key)) != 1))
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "x509 build: cannot set the fields");
    X509_NAME_free(name);
    if (st == CCS_OK) st = add_extensions(x, issuer, s);
    return st;
}

ccs_status ccs_x509_build(const ccs_x509_spec *spec, const ccs_privkey *subject_key, const ccs_x509 *issuer,
                          const ccs_privkey *issuer_key, ccs_x509 **out) {
    CCS_ENSURE(spec != NULL && subject_key != NULL && issuer_key != NULL && out != NULL, CCS_ERR_INVALID_ARG,
               "x509 build: NULL argument");
    *out = NULL;
    CCS_ENSURE(spec->serial > 0 && spec->not_before < spec->not_after, CCS_ERR_INVALID_ARG,
               "x509 build: serial must be positive and notBefore before notAfter");
    CCS_ENSURE(issuer != NULL || issuer_key == subject_key, CCS_ERR_INVALID_ARG,
               "x509 build: a self-signed certificate is signed with its own key");
    CCS_ENSURE(spec->n_exts == 0 || spec->exts != NULL, CCS_ERR_INVALID_ARG, "x509 build: NULL extensions");
    X509 *x = X509_new();
    if (x == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "x509 build: no certificate");
    ccs_status st = fill_cert(x, spec, subject_key, issuer ? issuer->x : NULL);
    if (st == CCS_OK && X509_sign(x, ccs__privkey_evp(issuer_key), sign_md(issuer_key)) <= 0)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "x509 build: signing failed");
    if (st != CCS_OK) {
        X509_free(x);
        return st;
    }
    return ccs__x509_wrap(x, out); /* takes x */
}

static ccs_status fill_crl(X509_CRL *crl, const ccs_x509 *issuer, ccs_time this_update, ccs_time next_update,
                           uint64_t number, const uint64_t *revoked, size_t n) {
    ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)this_update), *nu = ASN1_TIME_set(NULL, (time_t)next_update);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    bool ok = tu != NULL && nu != NULL && num != NULL && ASN1_INTEGER_set_uint64(num, number) == 1 &&
              X509_CRL_set_version(crl, 1) == 1 && X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->x)) == 1 &&
              X509_CRL_set1_lastUpdate(crl, tu) == 1 && X509_CRL_set1_nextUpdate(crl, nu) == 1 &&
              X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        ok = r != NULL && sn != NULL && ASN1_INTEGER_set_uint64(sn, revoked[i]) == 1 &&
             X509_REVOKED_set_serialNumber(r, sn) == 1 && X509_REVOKED_set_revocationDate(r, tu) == 1 &&
             X509_CRL_add0_revoked(crl, r) == 1;
        if (!ok) X509_REVOKED_free(r);
        ASN1_INTEGER_free(sn);
    }
    if (ok) {
        X509V3_CTX v3;
        X509V3_set_ctx(&v3, issuer->x, NULL, NULL, crl, 0);
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier, "keyid:always");
        ok = e != NULL && X509_CRL_add_ext(crl, e, -1) == 1 && X509_CRL_sort(crl) == 1;
        X509_EXTENSION_free(e);
    }
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    ASN1_INTEGER_free(num);
    if (!ok) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "crl build: cannot set the fields");
    return CCS_OK;
}

ccs_status ccs_crl_build(const ccs_x509 *issuer, const ccs_privkey *issuer_key, ccs_time this_update,
                         ccs_time next_update, uint64_t crl_number, const uint64_t *revoked, size_t n_revoked,
                         ccs_buf *der) {
    CCS_ENSURE(issuer != NULL && issuer_key != NULL && der != NULL && (revoked != NULL || n_revoked == 0),
               CCS_ERR_INVALID_ARG, "crl build: NULL argument");
    CCS_ENSURE(this_update < next_update, CCS_ERR_INVALID_ARG, "crl build: thisUpdate must precede nextUpdate");
    X509_CRL *crl = X509_CRL_new();
    if (crl == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "crl build: no CRL");
    ccs_status st = fill_crl(crl, issuer, this_update, next_update, crl_number, revoked, n_revoked);
    if (st == CCS_OK && X509_CRL_sign(crl, ccs__privkey_evp(issuer_key), sign_md(issuer_key)) <= 0)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "crl build: signing failed");
    unsigned char *p = NULL;
    int n = st == CCS_OK ? i2d_X509_CRL(crl, &p) : 0;
    if (st == CCS_OK && n <= 0) st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "crl build: cannot encode");
    if (st == CCS_OK) st = ccs_buf_append(der, p, (size_t)n);
    OPENSSL_free(p);
    X509_CRL_free(crl);
    return st;
}

ccs_status ccs_pem_encode(const char *label, ccs_bytes der, ccs_buf *out) {
    CCS_ENSURE(label != NULL && out != NULL && der.len <= LONG_MAX && (der.ptr != NULL || der.len == 0),
               CCS_ERR_INVALID_ARG, "pem: bad argument");
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "pem: no BIO");
    ccs_status st = CCS_OK;
    if (PEM_write_bio(bio, label, "", der.ptr, (long)der.len) <= 0)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "pem: encoding failed");
    long n = st == CCS_OK ? BIO_get_mem_data(bio, &p) : 0;
    if (st == CCS_OK) st = ccs_buf_append(out, p, (size_t)n);
    BIO_free(bio);
    return st;
}

ccs_status ccs_x509_to_pem(const ccs_x509 *c, ccs_buf *out) {
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "pem: NULL certificate");
    return ccs_pem_encode("CERTIFICATE", ccs_x509_der(c), out);
}
