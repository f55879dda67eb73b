/* SM3 (GB/T 32905-2016), HMAC-SM3 and SM2 signature verification
 * (GB/T 32918.2-2016) through OpenSSL 3's EVP interface.
 *
 * An SM2 signature is over SM3(Z_A || M), where Z_A hashes the signer's
 * distinguishing ID ("user ID") and public key (GB/T 32918.2 section 5.5).
 * OpenSSL computes Z_A when the ID is set on the EVP_PKEY_CTX
 * (EVP_PKEY_CTX_set1_id); without it OpenSSL 3 uses an empty ID, which is
 * never what a Hygon certificate was signed with, so the ID is mandatory. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "crypto_internal.h"

/* The order n of the SM2 curve (GB/T 32918.5 section 4.2). */
static const uint8_t sm2_order[32] = {
    0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x23,
};

static const uint8_t *nonnull(ccs_bytes b) {
    static const uint8_t empty[1];
    return b.len ? b.ptr : empty;
}

void ccs_sm3(ccs_bytes in, uint8_t out[static CCS_SM3_LEN]) {
    unsigned int n = 0;
    /* EVP_Digest with a built-in algorithm fails only on allocation failure;
     * the output is then zeroed so no stale bytes look like a digest. */
    if (EVP_Digest(nonnull(in), in.len, out, &n, EVP_sm3(), NULL) != 1 || n != CCS_SM3_LEN) {
        ERR_clear_error();
        memset(out, 0, CCS_SM3_LEN);
    }
}

ccs_status ccs_hmac_sm3(ccs_bytes key, ccs_bytes msg, uint8_t out[static CCS_SM3_LEN]) {
    unsigned int n = 0;
    CCS_ENSURE(key.ptr != NULL || key.len == 0, CCS_ERR_INVALID_ARG, "hmac-sm3: NULL key");
    CCS_ENSURE(msg.ptr != NULL || msg.len == 0, CCS_ERR_INVALID_ARG, "hmac-sm3: NULL message");
    CCS_ENSURE(key.len <= (size_t)INT32_MAX, CCS_ERR_INVALID_ARG, "hmac-sm3: key too long");
    if (HMAC(EVP_sm3(), nonnull(key), (int)key.len, nonnull(msg), msg.len, out, &n) == NULL || n != CCS_SM3_LEN)
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "hmac-sm3 failed");
    return CCS_OK;
}

/* An SM2 public key from x||y (big-endian); the point must be on the curve. */
static ccs_status sm2_key(const uint8_t xy[64], EVP_PKEY **out) {
    uint8_t oct[65];
    oct[0] = 0x04;
    memcpy(oct + 1, xy, 64);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, oct, sizeof oct),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    EVP_PKEY *pk = NULL;
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1) {
        EVP_PKEY_CTX_free(ctx);
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "sm2: key setup failed");
    }
    int ok = EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    if (ok != 1 || pk == NULL) CCS_OSSL_BAIL(CCS_ERR_KEY, "sm2: public key is not a point on the SM2 curve");
    /* Decoding already rejects off-curve points; the explicit check keeps
     * that true whatever the provider does. */
    EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    ok = chk != NULL && EVP_PKEY_public_check(chk) == 1;
    EVP_PKEY_CTX_free(chk);
    if (!ok) {
        EVP_PKEY_free(pk);
        CCS_OSSL_BAIL(CCS_ERR_KEY, "sm2: public key is not a valid SM2 point");
    }
    *out = pk;
    return CCS_OK;
}

/* r and s must be in [1, n-1] (GB/T 32918.2 section 7.1, B1 and B2). */
static bool in_range(const uint8_t v[32]) {
    static const uint8_t zero[32];
    return memcmp(v, zero, 32) != 0 && memcmp(v, sm2_order, 32) < 0;
}

/* r||s as a DER SM2-Signature (the form EVP_DigestVerify takes). */
static ccs_status sig_der(const uint8_t rs[64], unsigned char **der, int *len) {
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        CCS_OSSL_BAIL(CCS_ERR_NOMEM, "sm2: allocation failed");
    }
    *der = NULL;
    *len = i2d_ECDSA_SIG(sig, der);
    ECDSA_SIG_free(sig);
    if (*len <= 0) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "sm2: signature encoding failed");
    return CCS_OK;
}

static ccs_status verify_with(EVP_PKEY *pk, ccs_bytes user_id, ccs_bytes msg, const unsigned char *der, int derlen) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    int rc = -1;
    if (md != NULL && pctx != NULL && EVP_PKEY_CTX_set1_id(pctx, nonnull(user_id), user_id.len) == 1) {
        EVP_MD_CTX_set_pkey_ctx(md, pctx); /* md does not take ownership */
        if (EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk) == 1)
            rc = EVP_DigestVerify(md, der, (size_t)derlen, nonnull(msg), msg.len);
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    if (rc == 1) return CCS_OK;
    if (rc == 0) {
        ERR_clear_error();
        CCS_BAIL(CCS_ERR_SIGNATURE, "sm2: signature does not verify");
    }
    CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "sm2: verification could not run");
}

ccs_status ccs_sm2_verify(ccs_bytes pub_xy, ccs_bytes user_id, ccs_bytes msg, ccs_bytes sig_rs) {
    CCS_ENSURE(pub_xy.ptr != NULL && pub_xy.len == 64, CCS_ERR_INVALID_ARG, "sm2: public key must be 64 bytes x||y");
    CCS_ENSURE(sig_rs.ptr != NULL && sig_rs.len == 64, CCS_ERR_INVALID_ARG, "sm2: signature must be 64 bytes r||s");
    CCS_ENSURE(user_id.ptr != NULL || user_id.len == 0, CCS_ERR_INVALID_ARG, "sm2: NULL user ID");
    /* Z_A encodes the ID's bit length in 16 bits (GB/T 32918.2 section 5.5). */
    CCS_ENSURE(user_id.len <= 8191, CCS_ERR_INVALID_ARG, "sm2: user ID longer than 8191 bytes");
    CCS_ENSURE(msg.ptr != NULL || msg.len == 0, CCS_ERR_INVALID_ARG, "sm2: NULL message");
    if (!in_range(sig_rs.ptr) || !in_range(sig_rs.ptr + 32))
        CCS_BAIL(CCS_ERR_SIGNATURE, "sm2: r or s out of range [1, n-1]");
    EVP_PKEY *pk = NULL;
    unsigned char *der = NULL;
    int derlen = 0;
    CCS_TRY(sm2_key(pub_xy.ptr, &pk));
    ccs_status st = sig_der(sig_rs.ptr, &der, &derlen);
    if (st == CCS_OK) st = verify_with(pk, user_id, msg, der, derlen);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
    return st;
}
