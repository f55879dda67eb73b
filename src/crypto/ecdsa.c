/* ECDSA verification (P-256/SHA-256, P-384/SHA-384): the quote verifier's
 * hot path. P-256 uses OpenSSL's low-level EC_KEY + ECDSA_do_verify path,
 * which skips the EVP_PKEY_CTX and provider dispatch of OpenSSL 3. P-384
 * goes through Nettle (hogweed): OpenSSL 3.0 has no specialised P-384 code
 * and Nettle's is about 1.3x faster here, which matters because every
 * SEV-SNP report is a P-384 signature. Verification handles public data
 * only, so the variable-time arithmetic of either is fine. The digest goes
 * through ccs_sha256/ccs_sha384 (digest.c: no provider fetch per call). */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY/ECDSA_do_verify: this file only */

#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>

#include "crypto_internal.h"

static size_t digest_len(const ccs_pubkey *k) {
    return k->curve == CCS_CURVE_P256 ? CCS_SHA256_LEN : CCS_SHA384_LEN;
}

static void mpz_from_bn(mpz_t z, const BIGNUM *b) {
    uint8_t buf[48];
    int n = BN_bn2binpad(b, buf, sizeof buf); /* r, s < n: fits */
    mpz_import(z, n > 0 ? (size_t)n : 0, 1, 1, 1, 0, buf);
}

/* P-384 through Nettle, r and s already range-checked. CCS_OK when Nettle
 * accepts; otherwise OpenSSL decides (the caller falls through to it):
 * Nettle 3.8 rejects the rare valid signature where u1*G = u2*Q
 * (Wycheproof "point duplication during verification"), and a rejection
 * is the uncommon path, so asking OpenSSL then costs nothing in practice. */
static ccs_status verify_p384(const ccs_pubkey *k, const uint8_t *md, size_t mdlen, const BIGNUM *r,
                              const BIGNUM *s) {
    uint8_t oct[1 + 96];
    if (EC_POINT_point2oct(EC_KEY_get0_group(k->ec), EC_KEY_get0_public_key(k->ec), POINT_CONVERSION_UNCOMPRESSED,
                           oct, sizeof oct, NULL) != sizeof oct)
        return CCS_ERR_SIGNATURE; /* OpenSSL decides */
    mpz_t x, y;
    struct ecc_point pub;
    struct dsa_signature sig;
    mpz_inits(x, y, NULL);
    mpz_import(x, 48, 1, 1, 1, 0, oct + 1);
    mpz_import(y, 48, 1, 1, 1, 0, oct + 49);
    ecc_point_init(&pub, nettle_get_secp_384r1());
    dsa_signature_init(&sig);
    mpz_from_bn(sig.r, r);
    mpz_from_bn(sig.s, s);
    int set = ecc_point_set(&pub, x, y); /* checks the point is on the curve */
    int ok = set && ecdsa_verify(&pub, mdlen, md, &sig);
    dsa_signature_clear(&sig);
    ecc_point_clear(&pub);
    mpz_clears(x, y, NULL);
    return set && ok ? CCS_OK : CCS_ERR_SIGNATURE;
}

/* Verifies sig (consumed: freed here) over a digest. r and s must be in
 * [1, n-1] (SEC 1 v2 section 4.1.4 step 1); OpenSSL checks the same, but the
 * explicit test keeps the status exact whatever the backend does. */
static ccs_status verify_sig(const ccs_pubkey *k, const uint8_t *md, size_t mdlen, ECDSA_SIG *sig) {
    const BIGNUM *r, *s;
    const BIGNUM *n = EC_GROUP_get0_order(EC_KEY_get0_group(k->ec));
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_is_zero(r) || BN_is_zero(s) || BN_is_negative(r) || BN_is_negative(s) || BN_ucmp(r, n) >= 0 ||
        BN_ucmp(s, n) >= 0) {
        ECDSA_SIG_free(sig);
        CCS_BAIL(CCS_ERR_SIGNATURE, "ecdsa: r or s out of range [1, n-1]");
    }
    if (k->curve == CCS_CURVE_P384 && verify_p384(k, md, mdlen, r, s) == CCS_OK) {
        ECDSA_SIG_free(sig);
        return CCS_OK;
    }
    int rc = ECDSA_do_verify(md, (int)mdlen, sig, k->ec);
    ECDSA_SIG_free(sig);
    if (rc == 1) return CCS_OK;
    if (rc == 0) {
        ERR_clear_error();
        CCS_BAIL(CCS_ERR_SIGNATURE, "ecdsa: signature does not verify");
    }
    /* u1*G + u2*Q at infinity has no x coordinate: OpenSSL reports an
     * error (EC_R_POINT_AT_INFINITY, under a generic "EC lib" entry), but it
     * is a signature that does not verify (Wycheproof "point at infinity
     * during verify"). */
    unsigned long e;
    while ((e = ERR_peek_error()) != 0) {
        if (ERR_GET_LIB(e) == ERR_LIB_EC && ERR_GET_REASON(e) == EC_R_POINT_AT_INFINITY) {
            ERR_clear_error();
            CCS_BAIL(CCS_ERR_SIGNATURE, "ecdsa: signature does not verify (point at infinity)");
        }
        if (ERR_peek_last_error() == e) break; /* keep the last entry for the message */
        (void)ERR_get_error();
    }
    CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "ecdsa: ECDSA_do_verify failed");
}

static ccs_status check_key(const ccs_pubkey *k) {
    CCS_ENSURE(k != NULL, CCS_ERR_INVALID_ARG, "ecdsa: NULL key");
    CCS_ENSURE(k->ec != NULL && k->curve != 0, CCS_ERR_KEY, "ecdsa: not a P-256/P-384 key");
    return CCS_OK;
}

static ccs_status verify_rs(const ccs_pubkey *k, const uint8_t *md, size_t mdlen, ccs_bytes rs) {
    CCS_ENSURE(rs.len == 2 * k->field_len && rs.ptr != NULL, CCS_ERR_INVALID_ARG,
               "ecdsa: raw signature must be %zu bytes, got %zu", 2 * k->field_len, rs.len);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs.ptr, (int)k->field_len, NULL);
    BIGNUM *s = BN_bin2bn(rs.ptr + k->field_len, (int)k->field_len, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        CCS_OSSL_BAIL(CCS_ERR_NOMEM, "ecdsa: allocation failed");
    }
    return verify_sig(k, md, mdlen, sig);
}

ccs_status ccs_ecdsa_verify_raw(const ccs_pubkey *k, ccs_bytes msg, ccs_bytes sig_rs) {
    uint8_t md[CCS_SHA384_LEN];
    CCS_TRY(check_key(k));
    CCS_ENSURE(msg.ptr != NULL || msg.len == 0, CCS_ERR_INVALID_ARG, "ecdsa: NULL message");
    CCS_ENSURE(sig_rs.len == 2 * k->field_len, CCS_ERR_INVALID_ARG,
               "ecdsa: raw signature must be %zu bytes, got %zu", 2 * k->field_len, sig_rs.len);
    return verify_rs(k, md, ccs__ec_digest(k->curve, msg, md), sig_rs);
}

ccs_status ccs_ecdsa_verify_digest_raw(const ccs_pubkey *k, ccs_bytes digest, ccs_bytes sig_rs) {
    CCS_TRY(check_key(k));
    CCS_ENSURE(digest.len == digest_len(k) && digest.ptr != NULL, CCS_ERR_INVALID_ARG,
               "ecdsa: digest must be %zu bytes, got %zu", digest_len(k), digest.len);
    return verify_rs(k, digest.ptr, digest.len, sig_rs);
}

ccs_status ccs_ecdsa_verify_der(const ccs_pubkey *k, ccs_bytes msg, ccs_bytes sig_der) {
    uint8_t md[CCS_SHA384_LEN];
    CCS_TRY(check_key(k));
    CCS_ENSURE(msg.ptr != NULL || msg.len == 0, CCS_ERR_INVALID_ARG, "ecdsa: NULL message");
    /* An Ecdsa-Sig-Value for P-384 is at most 2 + 2*(2+49) = 104 bytes. */
    CCS_ENSURE(sig_der.ptr != NULL && sig_der.len > 0 && sig_der.len <= 128, CCS_ERR_SIGNATURE,
               "ecdsa: DER signature length %zu out of range", sig_der.len);
    const unsigned char *p = sig_der.ptr;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)sig_der.len);
    if (sig == NULL) {
        ERR_clear_error();
        CCS_BAIL(CCS_ERR_SIGNATURE, "ecdsa: signature is not a DER Ecdsa-Sig-Value");
    }
    /* DER is canonical: a BER encoding (long-form lengths, leading zeros,
     * trailing bytes) re-encodes differently and is refused. */
    unsigned char *re = NULL;
    int relen = i2d_ECDSA_SIG(sig, &re);
    bool same = relen > 0 && (size_t)relen == sig_der.len && memcmp(re, sig_der.ptr, sig_der.len) == 0;
    OPENSSL_free(re);
    if (!same) {
        ECDSA_SIG_free(sig);
        ERR_clear_error();
        CCS_BAIL(CCS_ERR_SIGNATURE, "ecdsa: signature is not DER-encoded");
    }
    return verify_sig(k, md, ccs__ec_digest(k->curve, msg, md), sig);
}
