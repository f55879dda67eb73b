/* X.509 certificates: DER parsing and the accessors the attestation code
 * needs (names, validity, extensions). */
#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto_internal.h"

ccs_status ccs__x509_wrap(X509 *x, ccs_x509 **out) {
    ccs_x509 *c = OPENSSL_zalloc(sizeof *c);
    if (c == NULL) {
        X509_free(x);
        CCS_BAIL(CCS_ERR_NOMEM, "x509: allocation failed");
    }
    c->x = x;
    int n = i2d_X509(x, &c->der);
    if (n <= 0) {
        ccs_x509_free(c);
        CCS_OSSL_BAIL(CCS_ERR_FORMAT, "x509: certificate cannot be re-encoded");
    }
    c->der_len = (size_t)n;
    /* Computes and caches the extension flags now (EXFLAG_INVALID marks
     * extensions OpenSSL could not decode), so later const use is read-only. */
    if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
        ccs_x509_free(c);
        CCS_OSSL_BAIL(CCS_ERR_FORMAT, "x509: malformed certificate extension");
    }
    *out = c;
    return CCS_OK;
}

ccs_status ccs_x509_parse_der(ccs_bytes der, ccs_x509 **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "x509: NULL output");
    *out = NULL;
    CCS_ENSURE(der.ptr != NULL || der.len == 0, CCS_ERR_INVALID_ARG, "x509: NULL input");
    CCS_ENSURE(der.len > 0, CCS_ERR_TRUNCATED, "x509: empty input");
    CCS_ENSURE(der.len <= LONG_MAX, CCS_ERR_OVERFLOW, "x509: input too large");
    uint8_t key[CCS_SHA256_LEN];
    ccs_sha256(der, key);
    X509 *x = ccs__x509_cache_get(key);
    if (x != NULL) return ccs__x509_wrap(x, out);
    const unsigned char *p = der.ptr;
    x = d2i_X509(NULL, &p, (long)der.len);
    if (x == NULL) CCS_OSSL_BAIL(ccs__d2i_status(), "x509: malformed DER certificate");
    if ((size_t)(p - der.ptr) != der.len) {
        X509_free(x);
        CCS_BAIL(CCS_ERR_TRAILING, "x509: %zu bytes after the certificate", der.len - (size_t)(p - der.ptr));
    }
    ccs_status st = ccs__x509_wrap(x, out);
    if (st == CCS_OK) ccs__x509_cache_put(key, (*out)->x);
    return st;
}

void ccs_x509_free(ccs_x509 *c) {
    if (c == NULL) return;
    X509_free(c->x);
    OPENSSL_free(c->der);
    OPENSSL_free(c);
}

ccs_bytes ccs_x509_der(const ccs_x509 *c) {
    if (c == NULL) return ccs_bytes_of(NULL, 0);
    return ccs_bytes_of(c->der, c->der_len);
}

bool ccs_x509_equal(const ccs_x509 *a, const ccs_x509 *b) {
    if (a == NULL || b == NULL) return false;
    return a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0;
}

/* The one commonName of a name as UTF-8; a missing or repeated CN, or one
 * with an embedded NUL, is an error rather than a guess. */
static ccs_status name_cn(const X509_NAME *name, const char *which, char *out, size_t cap) {
    CCS_ENSURE(out != NULL && cap > 0, CCS_ERR_INVALID_ARG, "x509: NULL or empty output buffer");
    out[0] = '\0';
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    CCS_ENSURE(idx >= 0, CCS_ERR_NOT_FOUND, "x509: %s has no common name", which);
    CCS_ENSURE(X509_NAME_get_index_by_NID(name, NID_commonName, idx) < 0, CCS_ERR_FORMAT,
               "x509: %s has more than one common name", which);
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "x509: common name is not a valid string");
    if (memchr(utf8, '\0', (size_t)n) != NULL) {
        OPENSSL_free(utf8);
        CCS_BAIL(CCS_ERR_FORMAT, "x509: %s common name contains a NUL", which);
    }
    if ((size_t)n >= cap) {
        OPENSSL_free(utf8);
        CCS_BAIL(CCS_ERR_INVALID_ARG, "x509: %s common name (%d bytes) does not fit in %zu", which, n, cap);
    }
    memcpy(out, utf8, (size_t)n);
    out[n] = '\0';
    OPENSSL_free(utf8);
    return CCS_OK;
}

ccs_status ccs_x509_subject_cn(const ccs_x509 *c, char *out, size_t cap) {
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "x509: NULL certificate");
    return name_cn(X509_get_subject_name(c->x), "subject", out, cap);
}

ccs_status ccs_x509_issuer_cn(const ccs_x509 *c, char *out, size_t cap) {
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "x509: NULL certificate");
    return name_cn(X509_get_issuer_name(c->x), "issuer", out, cap);
}

ccs_status ccs_x509_validity(const ccs_x509 *c, ccs_time *not_before, ccs_time *not_after) {
    CCS_ENSURE(c != NULL && not_before != NULL && not_after != NULL, CCS_ERR_INVALID_ARG,
               "x509: NULL argument");
    CCS_TRY(ccs__asn1_time(X509_get0_notBefore(c->x), not_before));
    CCS_TRY(ccs__asn1_time(X509_get0_notAfter(c->x), not_after));
    return CCS_OK;
}

ccs_status ccs_x509_extension(const ccs_x509 *c, const char *oid, ccs_bytes *out) {
    CCS_ENSURE(c != NULL && oid != NULL && out != NULL, CCS_ERR_INVALID_ARG, "x509: NULL argument");
    *out = ccs_bytes_of(NULL, 0);
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (obj == NULL) CCS_OSSL_BAIL(CCS_ERR_INVALID_ARG, "x509: not a dotted OID");
    int idx = X509_get_ext_by_OBJ(c->x, obj, -1);
    int again = idx >= 0 ? X509_get_ext_by_OBJ(c->x, obj, idx) : -1;
    ASN1_OBJECT_free(obj);
    CCS_ENSURE(idx >= 0, CCS_ERR_NOT_FOUND, "x509: no extension %s", oid);
    /* RFC 5280 section 4.2: a certificate must not include an extension twice. */
    CCS_ENSURE(again < 0, CCS_ERR_FORMAT, "x509: extension %s appears twice", oid);
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(c->x, idx));
    CCS_ENSURE(v != NULL, CCS_ERR_FORMAT, "x509: extension %s has no value", oid);
    *out = ccs_bytes_of(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
    return CCS_OK;
}
