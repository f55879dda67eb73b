/* Certificate revocation lists (RFC 5280 section 5): parsing (DER or PEM),
 * the validity window, signature and issuer check, and serial lookup. */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto_internal.h"

static ccs_status wrap(X509_CRL *x, ccs_crl **out) {
    ccs_crl *c = OPENSSL_zalloc(sizeof *c);
    if (c == NULL) {
        X509_CRL_free(x);
        CCS_BAIL(CCS_ERR_NOMEM, "crl: allocation failed");
    }
    c->crl = x;
    *out = c;
    return CCS_OK;
}

/* Only complete CRLs of the full scope are read (RFC 5280 5.2): a delta CRL
 * lists only the changes since a base CRL, and one whose issuing
 * distribution point narrows it (user or CA certificates only, some reasons,
 * indirect) says nothing about what it leaves out; either would let
 * ccs_crl_check call a revoked certificate good. Any other critical
 * extension, on the CRL or an entry, is one this code does not handle. */
static ccs_status check_scope(X509_CRL *x) {
    CCS_ENSURE(X509_CRL_get_ext_by_NID(x, NID_delta_crl, -1) < 0, CCS_ERR_UNSUPPORTED,
               "crl: a delta CRL (only the changes since a base CRL) is not accepted");
    int crit = 0;
    ISSUING_DIST_POINT *idp = X509_CRL_get_ext_d2i(x, NID_issuing_distribution_point, &crit, NULL);
    bool present = idp != NULL, narrow = present && (idp->onlyuser || idp->onlyCA || idp->onlyattr ||
                                                      idp->indirectCRL || idp->onlysomereasons != NULL);
    ISSUING_DIST_POINT_free(idp);
    CCS_ENSURE(crit != -2, CCS_ERR_FORMAT, "crl: more than one issuing distribution point");
    CCS_ENSURE(present || crit == -1, CCS_ERR_FORMAT, "crl: malformed issuing distribution point");
    CCS_ENSURE(!narrow, CCS_ERR_UNSUPPORTED, "crl: a CRL limited in scope (issuing distribution point) is not accepted");
    for (int i = 0; i < X509_CRL_get_ext_count(x); i++) {
        X509_EXTENSION *e = X509_CRL_get_ext(x, i);
        int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
        CCS_ENSURE(!X509_EXTENSION_get_critical(e) || nid == NID_issuing_distribution_point, CCS_ERR_UNSUPPORTED,
                   "crl: unhandled critical extension %s", nid != NID_undef ? OBJ_nid2sn(nid) : "(unknown)");
    }
    STACK_OF(X509_REVOKED) *rs = X509_CRL_get_REVOKED(x);
    for (int i = 0; i < sk_X509_REVOKED_num(rs); i++) {
        const STACK_OF(X509_EXTENSION) *es = X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(rs, i));
        for (int k = 0; k < sk_X509_EXTENSION_num(es); k++)
            CCS_ENSURE(!X509_EXTENSION_get_critical(sk_X509_EXTENSION_value(es, k)), CCS_ERR_UNSUPPORTED,
                       "crl: unhandled critical extension on entry %d", i);
    }
    return CCS_OK;
}

static ccs_status parse_der(ccs_bytes der, ccs_crl **out) {
    CCS_ENSURE(der.len > 0, CCS_ERR_TRUNCATED, "crl: empty input");
    CCS_ENSURE(der.len <= LONG_MAX, CCS_ERR_OVERFLOW, "crl: input too large");
    const unsigned char *p = der.ptr;
    X509_CRL *x = d2i_X509_CRL(NULL, &p, (long)der.len);
    if (x == NULL) CCS_OSSL_BAIL(ccs__d2i_status(), "crl: malformed DER CRL");
    if ((size_t)(p - der.ptr) != der.len) {
        X509_CRL_free(x);
        CCS_BAIL(CCS_ERR_TRAILING, "crl: %zu bytes after the CRL", der.len - (size_t)(p - der.ptr));
    }
    ccs_status st = check_scope(x);
    if (st != CCS_OK) {
        X509_CRL_free(x);
        return st;
    }
    return wrap(x, out);
}

static ccs_status parse_pem(ccs_bytes pem, ccs_crl **out) {
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    CCS_ENSURE(pem.len <= INT_MAX, CCS_ERR_OVERFLOW, "crl: input too large");
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "crl: BIO_new_mem_buf failed");
    int ok = PEM_read_bio(bio, &name, &header, &data, &len);
    BIO_free(bio);
    if (ok != 1) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "crl: malformed PEM");
    ccs_status st;
    if (strcmp(name, "X509 CRL") != 0 || header[0] != '\0')
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "crl: PEM block is not a plain X509 CRL");
    else
        st = parse_der(ccs_bytes_of(data, (size_t)len), out);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return st;
}

ccs_status ccs_crl_parse(ccs_bytes data, ccs_crl **out) {
    static const char begin[] = "-----BEGIN";
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "crl: NULL output");
    *out = NULL;
    CCS_ENSURE(data.ptr != NULL || data.len == 0, CCS_ERR_INVALID_ARG, "crl: NULL input");
    if (data.len > 0 && memmem(data.ptr, data.len, begin, sizeof begin - 1) != NULL) return parse_pem(data, out);
    return parse_der(data, out);
}

void ccs_crl_free(ccs_crl *crl) {
    if (crl == NULL) return;
    X509_CRL_free(crl->crl);
    OPENSSL_free(crl);
}

ccs_status ccs_crl_window(const ccs_crl *crl, ccs_time *this_update, ccs_time *next_update) {
    CCS_ENSURE(crl != NULL && this_update != NULL && next_update != NULL, CCS_ERR_INVALID_ARG,
               "crl: NULL argument");
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl->crl);
    CCS_ENSURE(next != NULL, CCS_ERR_FORMAT, "crl: no nextUpdate");
    CCS_TRY(ccs__asn1_time(X509_CRL_get0_lastUpdate(crl->crl), this_update));
    CCS_TRY(ccs__asn1_time(next, next_update));
    return CCS_OK;
}

ccs_status ccs_crl_verify(const ccs_crl *crl, const ccs_x509 *issuer) {
    CCS_ENSURE(crl != NULL && issuer != NULL, CCS_ERR_INVALID_ARG, "crl: NULL argument");
    /* RFC 5280 section 6.3.3 (b): the CRL issuer must be the certificate's
     * issuer; a signature by the same key under another name is no match. */
    CCS_ENSURE(X509_NAME_cmp(X509_CRL_get_issuer(crl->crl), X509_get_subject_name(issuer->x)) == 0,
               CCS_ERR_MISMATCH, "crl: CRL issuer name differs from the issuer certificate's subject");
    EVP_PKEY *key = X509_get0_pubkey(issuer->x);
    if (key == NULL) CCS_OSSL_BAIL(CCS_ERR_KEY, "crl: issuer public key unusable");
    int rc = X509_CRL_verify(crl->crl, key);
    if (rc == 1) return CCS_OK;
    CCS_OSSL_BAIL(CCS_ERR_SIGNATURE, "crl: signature does not verify with the issuer's key");
}

ccs_status ccs_crl_check(const ccs_crl *crl, const ccs_x509 *cert) {
    X509_REVOKED *rev = NULL;
    CCS_ENSURE(crl != NULL && cert != NULL, CCS_ERR_INVALID_ARG, "crl: NULL argument");
    CCS_ENSURE(X509_NAME_cmp(X509_CRL_get_issuer(crl->crl), X509_get_issuer_name(cert->x)) == 0,
               CCS_ERR_MISMATCH, "crl: CRL is not from the certificate's issuer");
    /* 1: listed; 2: listed with reason removeFromCRL (a delta-CRL entry that
     * un-revokes), which is not a revocation. */
    int rc = X509_CRL_get0_by_cert(crl->crl, &rev, cert->x);
    ERR_clear_error();
    if (rc == 1) {
        char serial[80] = "?";
        const ASN1_INTEGER *sn = X509_REVOKED_get0_serialNumber(rev);
        BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        if (hex != NULL && strlen(hex) < sizeof serial) memcpy(serial, hex, strlen(hex) + 1);
        OPENSSL_free(hex);
        BN_free(bn);
        CCS_BAIL(CCS_ERR_REVOKED, "crl: certificate serial %s is revoked", serial);
    }
    return CCS_OK;
}
