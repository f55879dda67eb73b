/* Public keys: raw EC points, SPKI, and the export of raw coordinates.
 *
 * EC keys are held as low-level EC_KEYs (see crypto_internal.h). The point is
 * decoded with EC_POINT_oct2point, which rejects points that are not on the
 * curve; P-256 and P-384 have cofactor 1, so an on-curve point other than
 * infinity (which the 64/96-byte encodings cannot express) is in the prime
 * order subgroup and the costly n*Q check of EC_KEY_check_key is redundant.
 * This matters because a DCAP verifier builds one key per quote. */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY API: this file and ecdsa.c only */

#include <limits.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "crypto_internal.h"

static int curve_nid(ccs_curve c) {
    switch (c) {
    case CCS_CURVE_P256: return NID_X9_62_prime256v1;
    case CCS_CURVE_P384: return NID_secp384r1;
    default: return NID_undef;
    }
}

static ccs_curve curve_of_nid(int nid, size_t *field_len) {
    if (nid == NID_X9_62_prime256v1) {
        *field_len = 32;
        return CCS_CURVE_P256;
    }
    if (nid == NID_secp384r1) {
        *field_len = 48;
        return CCS_CURVE_P384;
    }
    *field_len = 0;
    return 0;
}

/* One EC_GROUP per curve, built once and then only read: EC_KEY_set_group
 * copies it, which is cheaper than EC_GROUP_new_by_curve_name per key. */
static EC_GROUP *groups[3];
static CRYPTO_ONCE groups_once = CRYPTO_ONCE_STATIC_INIT;
static void groups_init(void) {
    groups[CCS_CURVE_P256] = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    groups[CCS_CURVE_P384] = EC_GROUP_new_by_curve_name(NID_secp384r1);
}

/* An EC key from a SEC1 point encoding (uncompressed or compressed). */
static ccs_status ec_key_from_point(ccs_curve curve, const uint8_t *oct, size_t len, ccs_pubkey **out) {
    size_t flen = 0;
    if (curve == 0 || curve_of_nid(curve_nid(curve), &flen) != curve) CCS_BAIL(CCS_ERR_UNSUPPORTED, "pubkey: unknown curve");
    if (!CRYPTO_THREAD_run_once(&groups_once, groups_init) || groups[curve] == NULL)
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "pubkey: EC group setup failed");
    const EC_GROUP *g = groups[curve];
    EC_KEY *ec = EC_KEY_new();
    EC_POINT *pt = EC_POINT_new(g);
    ccs_pubkey *k = OPENSSL_zalloc(sizeof *k);
    if (ec == NULL || pt == NULL || k == NULL || EC_KEY_set_group(ec, g) != 1) {
        EC_POINT_free(pt);
        EC_KEY_free(ec);
        OPENSSL_free(k);
        CCS_OSSL_BAIL(CCS_ERR_NOMEM, "pubkey: allocation failed");
    }
    if (len == 0 || EC_POINT_oct2point(g, pt, oct, len, NULL) != 1 || EC_POINT_is_at_infinity(g, pt) ||
        EC_KEY_set_public_key(ec, pt) != 1) {
        EC_POINT_free(pt);
        EC_KEY_free(ec);
        OPENSSL_free(k);
        CCS_OSSL_BAIL(CCS_ERR_KEY, "pubkey: point is not on the curve");
    }
    EC_POINT_free(pt);
    k->ec = ec;
    k->curve = curve;
    k->field_len = flen;
    *out = k;
    return CCS_OK;
}

ccs_status ccs_pubkey_from_ec_raw(ccs_curve curve, ccs_bytes xy, ccs_pubkey **out) {
    uint8_t buf[1 + 2 * 48];
    size_t flen;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "pubkey: NULL output");
    *out = NULL;
    CCS_ENSURE(curve != 0 && curve_of_nid(curve_nid(curve), &flen) == curve, CCS_ERR_UNSUPPORTED,
               "pubkey: unknown curve %d", (int)curve);
    CCS_ENSURE(xy.ptr != NULL || xy.len == 0, CCS_ERR_INVALID_ARG, "pubkey: NULL input");
    if (xy.len == 2 * flen) {
        buf[0] = 0x04;
        memcpy(buf + 1, xy.ptr, xy.len);
    } else if (xy.len == 2 * flen + 1 && xy.ptr[0] == 0x04) {
        memcpy(buf, xy.ptr, xy.len);
    } else {
        CCS_BAIL(CCS_ERR_INVALID_ARG, "pubkey: EC point must be %zu or %zu bytes (04||x||y), got %zu",
                 2 * flen, 2 * flen + 1, xy.len);
    }
    return ec_key_from_point(curve, buf, 2 * flen + 1, out);
}

/* Wraps a non-EC key (kept as EVP_PKEY only; takes the reference). */
static ccs_status adopt_pkey(EVP_PKEY *pkey, ccs_pubkey **out) {
    ccs_pubkey *k = OPENSSL_zalloc(sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        CCS_BAIL(CCS_ERR_NOMEM, "pubkey: allocation failed");
    }
    k->pkey = pkey;
    *out = k;
    return CCS_OK;
}

/* EC keys are decoded by hand from the SPKI's algorithm parameters and
 * point, so an off-curve point is reported as CCS_ERR_KEY (OpenSSL's
 * decoder only says "decode error") and the key lands on the fast path. */
static ccs_status ec_from_x509_pubkey(X509_PUBKEY *xp, bool *is_ec, ccs_pubkey **out) {
    ASN1_OBJECT *alg = NULL;
    const unsigned char *pt = NULL;
    int ptlen = 0;
    X509_ALGOR *palg = NULL;
    *is_ec = false;
    if (X509_PUBKEY_get0_param(&alg, &pt, &ptlen, &palg, xp) != 1)
        CCS_OSSL_BAIL(CCS_ERR_FORMAT, "pubkey: malformed SubjectPublicKeyInfo");
    if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey) return CCS_OK;
    *is_ec = true;
    int ptype = 0;
    const void *pval = NULL;
    X509_ALGOR_get0(NULL, &ptype, &pval, palg);
    /* RFC 5480 section 2.1.1: namedCurve only (explicit parameters are
     * refused, as in X509_V_FLAG_X509_STRICT). */
    CCS_ENSURE(ptype == V_ASN1_OBJECT, CCS_ERR_UNSUPPORTED, "pubkey: EC key without a named curve");
    size_t flen = 0;
    ccs_curve curve = curve_of_nid(OBJ_obj2nid(pval), &flen);
    CCS_ENSURE(curve != 0, CCS_ERR_UNSUPPORTED, "pubkey: EC curve is not P-256 or P-384");
    return ec_key_from_point(curve, pt, ptlen > 0 ? (size_t)ptlen : 0, out);
}

ccs_status ccs_pubkey_from_spki(ccs_bytes der, ccs_pubkey **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "pubkey: NULL output");
    *out = NULL;
    CCS_ENSURE(der.ptr != NULL && der.len > 0 && der.len <= LONG_MAX, CCS_ERR_INVALID_ARG,
               "pubkey: empty SPKI");
    const unsigned char *p = der.ptr;
    X509_PUBKEY *xp = d2i_X509_PUBKEY(NULL, &p, (long)der.len);
    if (xp == NULL) CCS_OSSL_BAIL(ccs__d2i_status(), "pubkey: malformed SubjectPublicKeyInfo");
    if ((size_t)(p - der.ptr) != der.len) {
        X509_PUBKEY_free(xp);
        CCS_BAIL(CCS_ERR_TRAILING, "pubkey: %zu bytes after SubjectPublicKeyInfo",
                 der.len - (size_t)(p - der.ptr));
    }
    bool is_ec = false;
    ccs_status st = ec_from_x509_pubkey(xp, &is_ec, out);
    if (st != CCS_OK || is_ec) {
        X509_PUBKEY_free(xp);
        ERR_clear_error();
        return st;
    }
    EVP_PKEY *pkey = X509_PUBKEY_get(xp); /* up-ref'd */
    X509_PUBKEY_free(xp);
    if (pkey == NULL) CCS_OSSL_BAIL(CCS_ERR_KEY, "pubkey: unusable public key");
    return adopt_pkey(pkey, out);
}

ccs_status ccs_x509_pubkey(const ccs_x509 *c, ccs_pubkey **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "x509: NULL output");
    *out = NULL;
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "x509: NULL certificate");
    X509_PUBKEY *xp = X509_get_X509_PUBKEY(c->x);
    CCS_ENSURE(xp != NULL, CCS_ERR_FORMAT, "x509: no subject public key");
    bool is_ec = false;
    CCS_TRY(ec_from_x509_pubkey(xp, &is_ec, out));
    if (is_ec) return CCS_OK;
    EVP_PKEY *pkey = X509_get_pubkey(c->x); /* up-ref'd */
    if (pkey == NULL) CCS_OSSL_BAIL(CCS_ERR_KEY, "x509: unusable subject public key");
    return adopt_pkey(pkey, out);
}

void ccs_pubkey_free(ccs_pubkey *k) {
    if (k == NULL) return;
    EC_KEY_free(k->ec);
    EVP_PKEY_free(k->pkey);
    OPENSSL_free(k);
}

ccs_curve ccs_pubkey_curve(const ccs_pubkey *k) { return k != NULL ? k->curve : 0; }

ccs_status ccs_pubkey_ec_raw(const ccs_pubkey *k, uint8_t *out, size_t cap, size_t *len) {
    uint8_t buf[1 + 2 * 48];
    CCS_ENSURE(k != NULL && out != NULL && len != NULL, CCS_ERR_INVALID_ARG, "pubkey: NULL argument");
    CCS_ENSURE(k->ec != NULL, CCS_ERR_UNSUPPORTED, "pubkey: not an EC key");
    CCS_ENSURE(cap >= 2 * k->field_len, CCS_ERR_INVALID_ARG, "pubkey: output buffer too small");
    const EC_GROUP *g = EC_KEY_get0_group(k->ec);
    size_t n = EC_POINT_point2oct(g, EC_KEY_get0_public_key(k->ec), POINT_CONVERSION_UNCOMPRESSED, buf,
                                  sizeof buf, NULL);
    if (n != 2 * k->field_len + 1) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "pubkey: EC point encoding failed");
    memcpy(out, buf + 1, n - 1);
    *len = n - 1;
    return CCS_OK;
}
