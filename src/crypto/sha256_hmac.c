/* The SHA-256 and the HMAC-SHA256 of the same bytes in one pass.
 *
 * An encrypted container layer is checked twice over its ciphertext: its
 * SHA-256 is the descriptor's digest, and ocicrypt's HMAC-SHA256 must match.
 * Both hashes then see the same 64-byte blocks (the HMAC's inner hash is one
 * key block ahead, so the blocks line up): with the SHA extensions
 * (SHA-NI) each block's message schedule is computed once and the rounds of
 * the two states interleave, which hides most of the latency of
 * sha256rnds2 (about 1.4x the speed of the two hashes one after the other
 * on one core). Without SHA-NI, or with CCS_SHA_NI=0 in the environment,
 * two OpenSSL contexts do the same work. The last blocks differ (the length
 * fields differ) and are hashed one state at a time. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init/Update/Final: the portable path */

#include <cpuid.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "crypto_internal.h"

struct ccs_sha256_hmac {
    bool ni;
    uint32_t h[2][8]; /* SHA-NI: [0] the digest's state, [1] the HMAC's inner state */
    uint8_t buf[64];  /* SHA-NI: a partial block */
    size_t buf_len;
    uint64_t total;   /* message bytes so far */
    SHA256_CTX c[2];  /* the portable path: the same two hashes */
    uint8_t okey[64]; /* the key xor opad */
};

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint32_t IV256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define NI __attribute__((target("sha,sse4.1,ssse3")))

static bool cpu_has_sha_ni(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29))) return false; /* SHA */
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    return (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}

/* The state in sha256rnds2's layout: ABEF and CDGH. */
NI static inline void load_state(const uint32_t h[8], __m128i *abef, __m128i *cdgh) {
    *abef = _mm_set_epi32((int)h[0], (int)h[1], (int)h[4], (int)h[5]);
    *cdgh = _mm_set_epi32((int)h[2], (int)h[3], (int)h[6], (int)h[7]);
}

NI static inline void store_state(uint32_t h[8], __m128i abef, __m128i cdgh) {
    uint32_t a[4], c[4];
    _mm_storeu_si128((__m128i *)a, abef), _mm_storeu_si128((__m128i *)c, cdgh);
    h[0] = a[3], h[1] = a[2], h[4] = a[1], h[5] = a[0];
    h[2] = c[3], h[3] = c[2], h[6] = c[1], h[7] = c[0];
}

/* nb blocks at p into S states (S = 1 or 2) that all hash the same bytes:
 * one message schedule, the rounds of the states interleaved. */
#define DEFINE_BLOCKS(NAME, S)                                                                            \
    NI static void NAME(uint32_t *const h[S], const uint8_t *p, size_t nb) {                              \
        const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);               \
        __m128i s0[S], s1[S];                                                                             \
        for (int i = 0; i < S; i++) load_state(h[i], &s0[i], &s1[i]);                                    \
        for (; nb > 0; nb--, p += 64) {                                                                   \
            __m128i a0[S], a1[S], m[4];                                                                   \
            for (int i = 0; i < S; i++) a0[i] = s0[i], a1[i] = s1[i];                                     \
            for (int j = 0; j < 4; j++) m[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * j)), bswap); \
            _Pragma("GCC unroll 16") for (int g = 0; g < 16; g++) {                                        \
                __m128i k = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)&K256[4 * g]));       \
                for (int i = 0; i < S; i++) s1[i] = _mm_sha256rnds2_epu32(s1[i], s0[i], k);              \
                k = _mm_shuffle_epi32(k, 0x0e);                                                           \
                for (int i = 0; i < S; i++) s0[i] = _mm_sha256rnds2_epu32(s0[i], s1[i], k);              \
                if (g < 12) { /* W[4g+16..4g+19] into the slot of W[4g..4g+3] */                          \
                    __m128i t = _mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]);                           \
                    t = _mm_add_epi32(t, _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4));             \
                    m[g & 3] = _mm_sha256msg2_epu32(t, m[(g + 3) & 3]);                                   \
                }                                                                                         \
            }                                                                                             \
            for (int i = 0; i < S; i++) s0[i] = _mm_add_epi32(s0[i], a0[i]), s1[i] = _mm_add_epi32(s1[i], a1[i]); \
        }                                                                                                 \
        for (int i = 0; i < S; i++) store_state(h[i], s0[i], s1[i]);                                     \
    }
DEFINE_BLOCKS(ni_blocks1, 1)
DEFINE_BLOCKS(ni_blocks2, 2)

static void put64be(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) p[i] = (uint8_t)v, v >>= 8;
}

/* Pads the partial block and ends one state; len: the bytes it hashed. */
static void ni_finish(uint32_t h[8], const uint8_t *buf, size_t buf_len, uint64_t len, uint8_t out[32]) {
    uint8_t last[128] = {0};
    memcpy(last, buf, buf_len);
    last[buf_len] = 0x80;
    size_t nb = buf_len < 56 ? 1 : 2;
    put64be(last + 64 * nb - 8, len * 8);
    uint32_t *hs[1] = {h};
    ni_blocks1(hs, last, nb);
    for (int i = 0; i < 8; i++)
        out[4 * i] = (uint8_t)(h[i] >> 24), out[4 * i + 1] = (uint8_t)(h[i] >> 16), out[4 * i + 2] = (uint8_t)(h[i] >> 8),
                  out[4 * i + 3] = (uint8_t)h[i];
    ccs_wipe(last, sizeof last);
}

static bool use_ni(void) {
    const char *e = getenv("CCS_SHA_NI");
    return !(e != NULL && strcmp(e, "0") == 0) && cpu_has_sha_ni();
}

ccs_status ccs_sha256_hmac_new(ccs_bytes key, ccs_sha256_hmac **out) {
    CCS_ENSURE(out != NULL && (key.ptr != NULL || key.len == 0), CCS_ERR_INVALID_ARG, "sha256_hmac: bad arguments");
    ccs_sha256_hmac *c = calloc(1, sizeof *c);
    CCS_ENSURE(c != NULL, CCS_ERR_NOMEM, "sha256_hmac: no memory");
    uint8_t k[64] = {0}, ipad[64];
    if (key.len > 64) ccs_sha256(key, k); /* RFC 2104: a longer key is hashed first */
    else if (key.len > 0) memcpy(k, key.ptr, key.len);
    for (int i = 0; i < 64; i++) ipad[i] = k[i] ^ 0x36, c->okey[i] = k[i] ^ 0x5c;
    c->ni = use_ni();
    if (c->ni) {
        memcpy(c->h[0], IV256, sizeof IV256), memcpy(c->h[1], IV256, sizeof IV256);
        uint32_t *hs[1] = {c->h[1]};
        ni_blocks1(hs, ipad, 1);
    } else {
        SHA256_Init(&c->c[0]), SHA256_Init(&c->c[1]);
        SHA256_Update(&c->c[1], ipad, 64);
    }
    ccs_wipe(k, sizeof k), ccs_wipe(ipad, sizeof ipad);
    *out = c;
    return CCS_OK;
}

void ccs_sha256_hmac_update(ccs_sha256_hmac *c, ccs_bytes data) {
    if (c == NULL || data.len == 0) return;
    c->total += data.len;
    if (!c->ni) {
        SHA256_Update(&c->c[0], data.ptr, data.len), SHA256_Update(&c->c[1], data.ptr, data.len);
        return;
    }
    const uint8_t *p = data.ptr;
    size_t n = data.len;
    uint32_t *hs[2] = {c->h[0], c->h[1]};
    if (c->buf_len > 0) {
        size_t take = 64 - c->buf_len < n ? 64 - c->buf_len : n;
        memcpy(c->buf + c->buf_len, p, take);
        c->buf_len += take, p += take, n -= take;
        if (c->buf_len < 64) return;
        ni_blocks2(hs, c->buf, 1);
        c->buf_len = 0;
    }
    if (n >= 64) ni_blocks2(hs, p, n / 64);
    memcpy(c->buf, p + n / 64 * 64, n % 64);
    c->buf_len = n % 64;
}

void ccs_sha256_hmac_final(ccs_sha256_hmac *c, uint8_t digest[static CCS_SHA256_LEN], uint8_t mac[static 32]) {
    uint8_t inner[32];
    if (c->ni) {
        ni_finish(c->h[0], c->buf, c->buf_len, c->total, digest);
        ni_finish(c->h[1], c->buf, c->buf_len, c->total + 64, inner);
    } else {
        SHA256_Final(digest, &c->c[0]), SHA256_Final(inner, &c->c[1]);
    }
    const ccs_bytes outer[2] = {ccs_bytes_of(c->okey, 64), ccs_bytes_of(inner, 32)};
    ccs_sha256_v(outer, 2, mac);
    ccs_wipe(inner, sizeof inner);
}

void ccs_sha256_hmac_free(ccs_sha256_hmac *c) {
    if (c == NULL) return;
    ccs_wipe(c, sizeof *c);
    free(c);
}
