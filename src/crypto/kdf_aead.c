/* HKDF-SHA-256 (RFC 5869) and AES-256-GCM (NIST SP 800-38D) through EVP. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto_internal.h"

ccs_status ccs_hkdf_sha256(ccs_bytes salt, ccs_bytes ikm, ccs_bytes info, uint8_t *out, size_t out_len) {
    CCS_ENSURE(out != NULL && out_len > 0 && out_len <= 255 * 32, CCS_ERR_INVALID_ARG, "hkdf: bad output length");
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (ctx == NULL) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "hkdf: unavailable");
    /* OpenSSL wants non-const pointers in OSSL_PARAM; it does not write them. */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(ikm.ptr ? ikm.ptr : (const uint8_t *)""),
                                          ikm.len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(salt.ptr ? salt.ptr : (const uint8_t *)""),
                                          salt.len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(info.ptr ? info.ptr : (const uint8_t *)""),
                                          info.len),
        OSSL_PARAM_construct_end(),
    };
    int ok = EVP_KDF_derive(ctx, out, out_len, params);
    EVP_KDF_CTX_free(ctx);
    if (ok != 1) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "hkdf: derive failed");
    return CCS_OK;
}

static ccs_status gcm_init(EVP_CIPHER_CTX **ctx, const uint8_t key[32], const uint8_t nonce[12], int enc) {
    *ctx = EVP_CIPHER_CTX_new();
    if (*ctx == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "aes-gcm: no context");
    if (EVP_CipherInit_ex(*ctx, EVP_aes_256_gcm(), NULL, key, nonce, enc) != 1) {
        EVP_CIPHER_CTX_free(*ctx);
        *ctx = NULL;
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "aes-gcm: init failed");
    }
    return CCS_OK;
}

ccs_status ccs_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12], ccs_bytes aad, ccs_bytes pt,
                              ccs_buf *ct, uint8_t tag[16]) {
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, m = 0;
    CCS_ENSURE(pt.len <= INT32_MAX && aad.len <= INT32_MAX, CCS_ERR_INVALID_ARG, "aes-gcm: input too large");
    CCS_TRY(ccs_buf_reserve(ct, pt.len + 16));
    CCS_TRY(gcm_init(&ctx, key, nonce, 1));
    bool ok = (aad.len == 0 || EVP_EncryptUpdate(ctx, NULL, &n, aad.ptr, (int)aad.len) == 1) &&
              (pt.len == 0 || EVP_EncryptUpdate(ctx, ct->ptr + ct->len, &n, pt.ptr, (int)pt.len) == 1) &&
              EVP_EncryptFinal_ex(ctx, ct->ptr + ct->len + n, &m) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "aes-gcm: encryption failed");
    ct->len += pt.len;
    ct->ptr[ct->len] = 0;
    return CCS_OK;
}

ccs_status ccs_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12], ccs_bytes aad, ccs_bytes ct,
                              const uint8_t tag[16], ccs_buf *pt) {
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, m = 0;
    CCS_ENSURE(ct.len <= INT32_MAX && aad.len <= INT32_MAX, CCS_ERR_INVALID_ARG, "aes-gcm: input too large");
    CCS_TRY(ccs_buf_reserve(pt, ct.len + 16));
    CCS_TRY(gcm_init(&ctx, key, nonce, 0));
    bool ok = (aad.len == 0 || EVP_DecryptUpdate(ctx, NULL, &n, aad.ptr, (int)aad.len) == 1) &&
              (ct.len == 0 || EVP_DecryptUpdate(ctx, pt->ptr + pt->len, &n, ct.ptr, (int)ct.len) == 1) &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)tag) == 1;
    int fin = ok ? EVP_DecryptFinal_ex(ctx, pt->ptr + pt->len + n, &m) : 0;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "aes-gcm: decryption failed");
    if (fin != 1) {
        ccs_wipe(pt->ptr + pt->len, ct.len); /* release nothing that failed authentication */
        CCS_BAIL(CCS_ERR_SIGNATURE, "aes-gcm: authentication failed (wrong key, or the data was changed)");
    }
    pt->len += ct.len;
    pt->ptr[pt->len] = 0;
    return CCS_OK;
}
