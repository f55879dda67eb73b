/* The seeded PRNG: AES-256-CTR keyed by a 32-byte seed with the counter
 * block (domain, 0), so one seed yields independent streams per domain
 * (the "a" of digit j, the secret, the errors). Seeds come from the OS
 * CSPRNG (ccs_random). Samplers: uniform mod q by rejection, ternary
 * uniform in {-1, 0, 1} by rejection on bytes, centered binomial eta = 21. */
#include "rns_internal.h"

ccs_status he_seed_fresh(uint8_t seed[32]) { return ccs_random(seed, 32); }

ccs_status he_prng_init(he_prng *g, const uint8_t seed[32], uint64_t domain) {
    uint8_t iv[16] = {0};
    for (int i = 0; i < 8; i++) iv[i] = (uint8_t)(domain >> (56 - 8 * i));
    g->pos = sizeof g->buf;
    g->aes = NULL;
    return ccs_aes256ctr_new(seed, iv, &g->aes);
}

void he_prng_done(he_prng *g) {
    ccs_aes256ctr_free(g->aes);
    g->aes = NULL;
    ccs_wipe(g->buf, sizeof g->buf);
}

ccs_status he_prng_bytes(he_prng *g, void *out, size_t n) {
    uint8_t *o = out;
    while (n > 0) {
        if (g->pos == sizeof g->buf) {
            memset(g->buf, 0, sizeof g->buf);
            CCS_TRY(ccs_aes256ctr_update(g->aes, g->buf, sizeof g->buf, g->buf));
            g->pos = 0;
        }
        size_t k = sizeof g->buf - g->pos;
        if (k > n) k = n;
        memcpy(o, g->buf + g->pos, k);
        g->pos += k, o += k, n -= k;
    }
    return CCS_OK;
}

static inline ccs_status next_u64(he_prng *g, uint64_t *v) {
    if (g->pos + 8 <= sizeof g->buf) {
        memcpy(v, g->buf + g->pos, 8);
        g->pos += 8;
        return CCS_OK;
    }
    return he_prng_bytes(g, v, 8);
}

ccs_status he_sample_uniform(const ccs_he_ctx *c, he_prng *g, ccs_he_poly *p) {
    for (size_t i = 0; i < p->count; i++) {
        uint64_t q = he_row_mod(c, p, i)->q, *r = ccs_he_poly_row(p, i);
        uint64_t mask = (~(uint64_t)0) >> __builtin_clzll(q);
        for (size_t k = 0; k < p->n;) {
            uint64_t v;
            CCS_TRY(next_u64(g, &v));
            v &= mask;
            if (v < q) r[k++] = v;
        }
    }
    return CCS_OK;
}

ccs_status he_sample_ternary(he_prng *g, size_t n, int64_t *out) {
    for (size_t k = 0; k < n;) {
        uint64_t v;
        CCS_TRY(next_u64(g, &v));
        for (int i = 0; i < 8 && k < n; i++, v >>= 8) {
            unsigned b = (unsigned)(v & 0xff);
            if (b < 255) out[k++] = (int64_t)(b % 3) - 1; /* 255 = 3 * 85: uniform */
        }
    }
    return CCS_OK;
}

ccs_status he_sample_cbd(he_prng *g, size_t n, int64_t *out) {
    const uint64_t m21 = (1u << 21) - 1;
    for (size_t k = 0; k < n; k++) {
        uint64_t v;
        CCS_TRY(next_u64(g, &v));
        out[k] = (int64_t)__builtin_popcountll(v & m21) - (int64_t)__builtin_popcountll((v >> 21) & m21);
    }
    return CCS_OK;
}
