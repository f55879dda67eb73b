/* Signatures with a caller-chosen hash and scheme (TPM quotes sign with
 * ECDSA, RSASSA-PKCS1-v1_5 or RSASSA-PSS), public keys in PEM, and the SPKI
 * encoding of a key (to compare keys by their canonical DER).
 *
 * ECDSA goes to ecdsa.c's fast path, which pairs each curve with its own
 * digest (P-256/SHA-256, P-384/SHA-384); other pairings are refused. RSA
 * keys are EVP_PKEYs and go through EVP_PKEY_verify on a digest computed
 * here. */
#define OPENSSL_SUPPRESS_DEPRECATED /* i2d_EC_PUBKEY on the held EC_KEY */

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crypto_internal.h"

size_t ccs_hash_len(ccs_hash_alg alg) {
    switch (alg) {
    case CCS_HASH_SHA256: return 32;
    case CCS_HASH_SHA384: return 48;
    case CCS_HASH_SHA512: return 64;
    default: return 0;
    }
}

static const EVP_MD *hash_md(ccs_hash_alg alg) {
    switch (alg) {
    case CCS_HASH_SHA256: return EVP_sha256();
    case CCS_HASH_SHA384: return EVP_sha384();
    case CCS_HASH_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

ccs_status ccs_digest(ccs_hash_alg alg, ccs_bytes in, uint8_t *out, size_t cap, size_t *len) {
    size_t n = ccs_hash_len(alg);
    CCS_ENSURE(n != 0, CCS_ERR_UNSUPPORTED, "digest: unknown hash algorithm %d", (int)alg);
    CCS_ENSURE(out != NULL && cap >= n, CCS_ERR_INVALID_ARG, "digest: output buffer too small");
    CCS_ENSURE(in.ptr != NULL || in.len == 0, CCS_ERR_INVALID_ARG, "digest: NULL input");
    /* The low-level functions (digest.c): no provider fetch per call. */
    if (alg == CCS_HASH_SHA256) ccs_sha256(in, out);
    else if (alg == CCS_HASH_SHA384) ccs_sha384(in, out);
    else ccs_sha512(in, out);
    if (len) *len = n;
    return CCS_OK;
}

static ccs_curve curve_for(ccs_hash_alg hash) {
    return hash == CCS_HASH_SHA256 ? CCS_CURVE_P256 : hash == CCS_HASH_SHA384 ? CCS_CURVE_P384 : 0;
}

static ccs_status rsa_verify(const ccs_pubkey *k, ccs_sig_scheme scheme, ccs_hash_alg hash, ccs_bytes msg,
                             ccs_bytes sig) {
    uint8_t md[64];
    size_t mdlen = 0;
    CCS_ENSURE(k->pkey != NULL && EVP_PKEY_is_a(k->pkey, "RSA"), CCS_ERR_KEY, "sig: not an RSA key");
    /* NIST SP 800-131A: nothing below 2048 bits. */
    CCS_ENSURE(EVP_PKEY_get_bits(k->pkey) >= 2048, CCS_ERR_KEY, "sig: RSA key of %d bits (at least 2048)",
               EVP_PKEY_get_bits(k->pkey));
    CCS_ENSURE(sig.ptr != NULL && sig.len == (size_t)EVP_PKEY_get_size(k->pkey), CCS_ERR_SIGNATURE,
               "sig: RSA signature is %zu bytes, the modulus %d", sig.len, EVP_PKEY_get_size(k->pkey));
    CCS_TRY(ccs_digest(hash, msg, md, sizeof md, &mdlen));
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
    if (ctx == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "sig: EVP_PKEY_CTX_new failed");
    int ok = EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, hash_md(hash)) == 1;
    if (ok && scheme == CCS_SIG_RSA_PSS)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, hash_md(hash)) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    else if (ok)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "sig: RSA verification setup failed");
    }
    int rc = EVP_PKEY_verify(ctx, sig.ptr, sig.len, md, mdlen);
    EVP_PKEY_CTX_free(ctx);
    /* Any failure of the padding check is a bad signature; OpenSSL reports
     * some as errors (rc < 0), some as a plain mismatch (rc == 0). */
    ERR_clear_error();
    CCS_ENSURE(rc == 1, CCS_ERR_SIGNATURE, "sig: RSA signature does not verify");
    return CCS_OK;
}

ccs_status ccs_pubkey_verify(const ccs_pubkey *k, ccs_sig_scheme scheme, ccs_hash_alg hash, ccs_bytes msg,
                             ccs_bytes sig) {
    CCS_ENSURE(k != NULL, CCS_ERR_INVALID_ARG, "sig: NULL key");
    CCS_ENSURE(msg.ptr != NULL || msg.len == 0, CCS_ERR_INVALID_ARG, "sig: NULL message");
    CCS_ENSURE(hash_md(hash) != NULL, CCS_ERR_UNSUPPORTED, "sig: unknown hash algorithm %d", (int)hash);
    switch (scheme) {
    case CCS_SIG_ECDSA_RAW:
    case CCS_SIG_ECDSA_DER:
        CCS_ENSURE(k->ec != NULL, CCS_ERR_KEY, "sig: ECDSA signature but not an EC key");
        CCS_ENSURE(curve_for(hash) == k->curve, CCS_ERR_UNSUPPORTED,
                   "sig: ECDSA pairs P-256 with SHA-256 and P-384 with SHA-384 only");
        return scheme == CCS_SIG_ECDSA_RAW ? ccs_ecdsa_verify_raw(k, msg, sig) : ccs_ecdsa_verify_der(k, msg, sig);
    case CCS_SIG_RSA_PKCS1:
    case CCS_SIG_RSA_PSS: return rsa_verify(k, scheme, hash, msg, sig);
    default: CCS_BAIL(CCS_ERR_UNSUPPORTED, "sig: unknown signature scheme %d", (int)scheme);
    }
}

/* The DER prefixes of a named-curve P-256 / P-384 SubjectPublicKeyInfo
 * with an uncompressed point (RFC 5480): SEQUENCE { SEQUENCE { id-ecPublicKey,
 * curve OID }, BIT STRING { 0 unused bits, 04 } }. */
static const uint8_t spki_p256[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                                    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
static const uint8_t spki_p384[] = {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
                                    0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};

/* An exact P-256/P-384 SPKI goes straight to the raw-point constructor:
 * OpenSSL 3's generic SPKI decoder costs ~300 us (decoder fetch), which
 * dominates a TPM quote verification. Anything else takes the general path. */
static ccs_status spki_fast(ccs_bytes der, ccs_pubkey **out) {
    if (der.len == sizeof spki_p256 + 65 && memcmp(der.ptr, spki_p256, sizeof spki_p256) == 0)
        return ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(der.ptr + sizeof spki_p256, 65), out);
    if (der.len == sizeof spki_p384 + 97 && memcmp(der.ptr, spki_p384, sizeof spki_p384) == 0)
        return ccs_pubkey_from_ec_raw(CCS_CURVE_P384, ccs_bytes_of(der.ptr + sizeof spki_p384, 97), out);
    return ccs_pubkey_from_spki(der, out);
}

ccs_status ccs_pubkey_from_pem(ccs_bytes pem, ccs_pubkey **out) {
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "pubkey: NULL output");
    *out = NULL;
    CCS_ENSURE(pem.ptr != NULL && pem.len > 0 && pem.len <= INT_MAX, CCS_ERR_FORMAT, "pem: no public key");
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "pem: BIO_new_mem_buf failed");
    int ok = PEM_read_bio(bio, &name, &header, &data, &len);
    BIO_free(bio);
    if (ok != 1) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "pem: no PUBLIC KEY block");
    ccs_status st;
    if (strcmp(name, "PUBLIC KEY") != 0 || header[0] != '\0')
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "pem: expected a PUBLIC KEY block, found %s", name);
    else
        st = spki_fast(ccs_bytes_of(data, (size_t)len), out);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return st;
}

ccs_status ccs_pubkey_spki(const ccs_pubkey *k, ccs_buf *der) {
    unsigned char *p = NULL;
    CCS_ENSURE(k != NULL && der != NULL, CCS_ERR_INVALID_ARG, "pubkey: NULL argument");
    int n = k->ec ? i2d_EC_PUBKEY(k->ec, &p) : i2d_PUBKEY(k->pkey, &p);
    if (n <= 0) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "pubkey: SPKI encoding failed");
    der->len = 0;
    ccs_status st = ccs_buf_append(der, p, (size_t)n);
    OPENSSL_free(p);
    return st;
}

bool ccs_pubkey_equal(const ccs_pubkey *a, const ccs_pubkey *b) {
    ccs_buf da = {0}, db = {0};
    if (a && b && a->ec && b->ec) { /* same curve and point */
        uint8_t pa[96], pb[96];
        size_t la = 0, lb = 0;
        return a->curve == b->curve && ccs_pubkey_ec_raw(a, pa, sizeof pa, &la) == CCS_OK &&
               ccs_pubkey_ec_raw(b, pb, sizeof pb, &lb) == CCS_OK && la == lb && memcmp(pa, pb, la) == 0;
    }
    bool eq = a && b && ccs_pubkey_spki(a, &da) == CCS_OK && ccs_pubkey_spki(b, &db) == CCS_OK &&
              ccs_bytes_eq(ccs_buf_view(&da), ccs_buf_view(&db));
    ccs_buf_free(&da);
    ccs_buf_free(&db);
    return eq;
}

ccs_status ccs_pubkey_pem(const ccs_pubkey *k, ccs_buf *pem) {
    ccs_buf der = {0}, b64 = {0};
    CCS_ENSURE(pem != NULL, CCS_ERR_INVALID_ARG, "pubkey: NULL output");
    ccs_status st = ccs_pubkey_spki(k, &der);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&der), &b64);
    pem->len = 0;
    if (st == CCS_OK) st = ccs_buf_append_str(pem, "-----BEGIN PUBLIC KEY-----\n");
    for (size_t i = 0; st == CCS_OK && i < b64.len; i += 64) {
        size_t n = b64.len - i < 64 ? b64.len - i : 64;
        st = ccs_buf_append(pem, b64.ptr + i, n);
        if (st == CCS_OK) st = ccs_buf_append_str(pem, "\n");
    }
    if (st == CCS_OK) st = ccs_buf_append_str(pem, "-----END PUBLIC KEY-----\n");
    ccs_buf_free(&der);
    ccs_buf_free(&b64);
    return st;
}
