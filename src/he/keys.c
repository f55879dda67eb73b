/* Keys: the ternary secret (expanded from its seed), the public key, and
 * hybrid key-switching keys (relinearization, Galois) over the data primes
 * and the special prime P. Digit j of a key-switching key is
 *   b_j = -a_j s + e_j + [P]_{q_j} s'   (the s' term only in row j),
 *   a_j uniform from the key's public seed,
 * with e_j scaled by t for BGV. Switching d (level l) computes, per target
 * row, sum_j [d]_{q_j} * (b_j, a_j) (the mod-up of each digit is exact: a
 * digit is already below q_j) and then divides by P (mod-down). Errors come
 * from a fresh secret seed, never from the public one. */
#include "rns_internal.h"

#define DOM_SECRET 1u
#define DOM_PK_A 0x10u
#define DOM_KS_A 0x1000u

static uint64_t err_scale(const ccs_he_ctx *c) { return c->p.scheme == CCS_HE_BGV ? c->p.t : 1; }

/* p (coefficient rows) := NTT(scale * e), e centered binomial. */
static ccs_status error_poly(const ccs_he_ctx *c, he_prng *g, ccs_he_poly *p, int64_t *tmp) {
    CCS_TRY(he_sample_cbd(g, c->n, tmp));
    int64_t s = (int64_t)err_scale(c);
    for (size_t k = 0; k < c->n; k++) tmp[k] *= s;
    ccs_he_poly_set_i64(c, p, tmp);
    ccs_he_poly_to_ntt(c, p);
    return CCS_OK;
}

ccs_status he_sk_expand(const ccs_he_ctx *c, ccs_he_secret_key *sk) {
    int64_t *v = malloc(c->n * sizeof *v);
    CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "he: no memory");
    ccs_status st = ccs_he_poly_alloc(c, c->L, true, &sk->s);
    he_prng g = {0};
    if (st == CCS_OK) st = he_prng_init(&g, sk->seed, DOM_SECRET);
    if (st == CCS_OK) st = he_sample_ternary(&g, c->n, v);
    if (st == CCS_OK) {
        ccs_he_poly_set_i64(c, &sk->s, v);
        ccs_he_poly_to_ntt(c, &sk->s);
    }
    he_prng_done(&g);
    ccs_wipe(v, c->n * sizeof *v);
    free(v);
    return st;
}

void ccs_he_secret_key_free(ccs_he_secret_key *k) {
    if (k == NULL) return;
    ccs_he_poly_free(&k->s);
    ccs_wipe(k, sizeof *k);
    free(k);
}

ccs_status ccs_he_keygen_secret(const ccs_he_ctx *c, ccs_he_secret_key **out) {
    CCS_ENSURE(c && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = NULL;
    ccs_he_secret_key *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    ccs_status st = he_seed_fresh(k->seed);
    if (st == CCS_OK) st = he_sk_expand(c, k);
    if (st != CCS_OK) {
        ccs_he_secret_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

ccs_status he_pk_expand_a(const ccs_he_ctx *c, ccs_he_public_key *pk) {
    CCS_TRY(ccs_he_poly_alloc(c, c->L, false, &pk->a));
    CCS_TRY(ccs_he_poly_alloc(c, c->L, false, &pk->b));
    pk->a.ntt = pk->b.ntt = true;
    he_prng g = {0};
    ccs_status st = he_prng_init(&g, pk->seed, DOM_PK_A);
    if (st == CCS_OK) st = he_sample_uniform(c, &g, &pk->a);
    he_prng_done(&g);
    return st;
}

void ccs_he_public_key_free(ccs_he_public_key *k) {
    if (k == NULL) return;
    ccs_he_poly_free(&k->a);
    ccs_he_poly_free(&k->b);
    free(k);
}

ccs_status ccs_he_keygen_public(const ccs_he_ctx *c, const ccs_he_secret_key *sk, ccs_he_public_key **out) {
    CCS_ENSURE(c && sk && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_ENSURE(HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "he: a key of another context");
    *out = NULL;
    ccs_he_public_key *k = calloc(1, sizeof *k);
    if (k != NULL) memcpy(k->params_id, c->params_id, 32);
    int64_t *tmp = malloc(c->n * sizeof *tmp);
    uint8_t es[32];
    he_prng g = {0};
    ccs_status st = k && tmp ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) st = he_seed_fresh(k->seed);
    if (st == CCS_OK) st = he_pk_expand_a(c, k);
    if (st == CCS_OK) st = he_seed_fresh(es);
    if (st == CCS_OK) st = he_prng_init(&g, es, 0);
    if (st == CCS_OK) st = error_poly(c, &g, &k->b, tmp);
    for (size_t i = 0; st == CCS_OK && i < c->L; i++) {
        const he_mod m_ = c->m[i], *m = &m_;
        uint64_t *b = ccs_he_poly_row(&k->b, i), *a = ccs_he_poly_row(&k->a, i), *s = ccs_he_poly_row(&sk->s, i);
        for (size_t j = 0; j < c->n; j++) {
            uint64_t as = he_mmul(a[j], s[j], m);
            b[j] = b[j] >= as ? b[j] - as : b[j] + m->q - as;
        }
    }
    he_prng_done(&g);
    ccs_wipe(es, sizeof es);
    if (tmp != NULL) ccs_wipe(tmp, c->n * sizeof *tmp); /* the error: with a it gives s */
    free(tmp);
    if (st != CCS_OK) {
        ccs_he_public_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

ccs_status he_kswitch_set_perm(const ccs_he_ctx *c, he_kswitch *k) {
    size_t *p = malloc(c->n * sizeof *p);
    free(k->perm);
    k->perm = malloc(c->n * sizeof *k->perm);
    if (p == NULL || k->perm == NULL) {
        free(p);
        CCS_BAIL(CCS_ERR_NOMEM, "he: no memory");
    }
    he_galois_perm(c, k->galois, p);
    for (size_t i = 0; i < c->n; i++) k->perm[i] = (uint32_t)p[i];
    free(p);
    return CCS_OK;
}

void he_kswitch_free(he_kswitch *k) {
    if (k->b)
        for (size_t j = 0; j < CCS_HE_RNS_MAX_PRIMES; j++) ccs_he_poly_free(&k->b[j]);
    if (k->a)
        for (size_t j = 0; j < CCS_HE_RNS_MAX_PRIMES; j++) ccs_he_poly_free(&k->a[j]);
    free(k->b);
    free(k->a);
    free(k->perm);
    k->b = k->a = NULL;
    k->perm = NULL;
}

ccs_status he_kswitch_expand(const ccs_he_ctx *c, he_kswitch *k) {
    k->b = calloc(CCS_HE_RNS_MAX_PRIMES, sizeof *k->b);
    k->a = calloc(CCS_HE_RNS_MAX_PRIMES, sizeof *k->a);
    CCS_ENSURE(k->a && k->b, CCS_ERR_NOMEM, "he: no memory");
    for (size_t j = 0; j < c->L; j++) {
        CCS_TRY(ccs_he_poly_alloc(c, c->L, true, &k->b[j]));
        CCS_TRY(ccs_he_poly_alloc(c, c->L, true, &k->a[j]));
        k->a[j].ntt = k->b[j].ntt = true;
        he_prng g = {0};
        ccs_status st = he_prng_init(&g, k->seed, DOM_KS_A + j);
        if (st == CCS_OK) st = he_sample_uniform(c, &g, &k->a[j]);
        he_prng_done(&g);
        CCS_TRY(st);
    }
    return CCS_OK;
}

ccs_status he_kswitch_gen(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_poly *target,
                          const uint8_t seed[32], he_kswitch *k) {
    memcpy(k->seed, seed, 32);
    CCS_TRY(he_kswitch_expand(c, k));
    int64_t *tmp = malloc(c->n * sizeof *tmp);
    CCS_ENSURE(tmp != NULL, CCS_ERR_NOMEM, "he: no memory");
    uint8_t es[32];
    he_prng g = {0};
    ccs_status st = he_seed_fresh(es);
    if (st == CCS_OK) st = he_prng_init(&g, es, 0);
    for (size_t j = 0; st == CCS_OK && j < c->L; j++) {
        ccs_he_poly *b = &k->b[j];
        st = error_poly(c, &g, b, tmp);
        for (size_t i = 0; st == CCS_OK && i <= c->L; i++) {
            const he_mod m_ = c->m[i], *m = &m_;
            uint64_t *br = ccs_he_poly_row(b, i);
            const uint64_t *a = ccs_he_poly_row(&k->a[j], i), *s = ccs_he_poly_row(&sk->s, i);
            for (size_t x = 0; x < c->n; x++) {
                uint64_t as = he_mmul(a[x], s[x], m);
                br[x] = br[x] >= as ? br[x] - as : br[x] + m->q - as;
            }
            if (i == j) {
                const uint64_t *t = ccs_he_poly_row(target, i);
                for (size_t x = 0; x < c->n; x++) {
                    uint64_t v = br[x] + he_mmul(t[x], c->p_mod_q[j], m);
                    br[x] = v >= m->q ? v - m->q : v;
                }
            }
        }
    }
    he_prng_done(&g);
    ccs_wipe(es, sizeof es);
    if (tmp != NULL) ccs_wipe(tmp, c->n * sizeof *tmp); /* the error: with a it gives s */
    free(tmp);
    return st;
}

ccs_status he_kswitch_apply(const ccs_he_ctx *c, const he_kswitch *k, const uint64_t *d, size_t l, uint64_t *c0,
                            uint64_t *c1) {
    const size_t n = c->n;
    uint64_t *coef = he_scratch(HE_SCR_KS, (4 * l + 4) * n * sizeof(uint64_t));
    uint64_t *src = coef ? coef + l * n : NULL, *acc = coef ? src + l * n : NULL, *scr = coef ? acc + 2 * (l + 1) * n : NULL;
    ccs_status st = coef ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) {
        memcpy(coef, d, l * n * sizeof(uint64_t));
        for (size_t j = 0; j < l; j++) ccs_ntt_inverse(c->m[j].ntt, coef + j * n);
        uint64_t *acc0 = acc, *acc1 = acc + (l + 1) * n;
        for (size_t i = 0; i <= l; i++) {
            size_t ki = i < l ? i : c->L;
            const he_mod m_ = c->m[ki], *m = &m_;
            const uint64_t *s[CCS_HE_RNS_MAX_PRIMES], *kb[CCS_HE_RNS_MAX_PRIMES], *ka[CCS_HE_RNS_MAX_PRIMES];
            for (size_t j = 0; j < l; j++) {
                if (i == j) {
                    s[j] = d + j * n;
                } else {
                    uint64_t *t = src + j * n;
                    const uint64_t *x = coef + j * n;
                    if (c->m[j].q < m->q) memcpy(t, x, n * sizeof *t);
                    else
                        for (size_t z = 0; z < n; z++) t[z] = he_red64(x[z], m);
                    ccs_ntt_forward(m->ntt, t);
                    s[j] = t;
                }
                kb[j] = ccs_he_poly_row(&k->b[j], ki);
                ka[j] = ccs_he_poly_row(&k->a[j], ki);
            }
            he_dyadic_macc(acc0 + i * n, s, kb, l, n, m);
            he_dyadic_macc(acc1 + i * n, s, ka, l, n, m);
        }
        uint64_t tc = err_scale(c);
        he_divide_last(c, acc0, l, &c->m[c->L], c->p_inv_q, tc, scr);
        he_divide_last(c, acc1, l, &c->m[c->L], c->p_inv_q, tc, scr);
        for (size_t i = 0; i < l; i++) {
            he_add(c0 + i * n, c0 + i * n, acc0 + i * n, n, c->m[i].q);
            he_add(c1 + i * n, c1 + i * n, acc1 + i * n, n, c->m[i].q);
        }
    }
    return st;
}

void ccs_he_relin_key_free(ccs_he_relin_key *k) {
    if (k == NULL) return;
    he_kswitch_free(&k->k);
    free(k);
}

ccs_status ccs_he_keygen_relin(const ccs_he_ctx *c, const ccs_he_secret_key *sk, ccs_he_relin_key **out) {
    CCS_ENSURE(c && sk && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_ENSURE(HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "he: a key of another context");
    *out = NULL;
    ccs_he_relin_key *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    ccs_he_poly s2 = {0};
    uint8_t seed[32];
    ccs_status st = ccs_he_poly_alloc(c, c->L, true, &s2);
    if (st == CCS_OK) {
        s2.ntt = true;
        st = ccs_he_poly_mul(c, &s2, &sk->s, &sk->s);
    }
    if (st == CCS_OK) st = he_seed_fresh(seed);
    if (st == CCS_OK) st = he_kswitch_gen(c, sk, &s2, seed, &k->k);
    ccs_he_poly_free(&s2);
    if (st != CCS_OK) {
        ccs_he_relin_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

void ccs_he_galois_keys_free(ccs_he_galois_keys *k) {
    if (k == NULL) return;
    for (size_t i = 0; i < k->count; i++) he_kswitch_free(&k->k[i]);
    free(k->k);
    free(k);
}

ccs_status ccs_he_keygen_galois(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const int *steps, size_t count,
                                bool columns, ccs_he_galois_keys **out) {
    CCS_ENSURE(c && sk && out && (steps || count == 0) && count <= c->n, CCS_ERR_INVALID_ARG, "he: bad arguments");
    CCS_ENSURE(HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "he: a key of another context");
    *out = NULL;
    ccs_he_galois_keys *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    k->k = calloc(count + 1, sizeof *k->k);
    size_t *perm = malloc(c->n * sizeof *perm);
    ccs_he_poly t = {0};
    ccs_status st = k->k && perm ? ccs_he_poly_alloc(c, c->L, true, &t)
                                 : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    for (size_t i = 0; st == CCS_OK && i < count + (columns ? 1 : 0); i++) {
        uint32_t g = i < count ? he_galois_elt(c, steps[i]) : (uint32_t)(2 * c->n - 1);
        bool dup = false;
        for (size_t x = 0; x < k->count; x++) dup |= k->k[x].galois == g;
        if (dup || g == 1) continue;
        he_galois_perm(c, g, perm);
        for (size_t r = 0; r <= c->L; r++) {
            const uint64_t *s = ccs_he_poly_row(&sk->s, r);
            uint64_t *d = ccs_he_poly_row(&t, r);
            for (size_t z = 0; z < c->n; z++) d[z] = s[perm[z]];
        }
        t.ntt = true;
        uint8_t seed[32];
        st = he_seed_fresh(seed);
        k->k[k->count].galois = g;
        if (st == CCS_OK) st = he_kswitch_gen(c, sk, &t, seed, &k->k[k->count]);
        if (st == CCS_OK) st = he_kswitch_set_perm(c, &k->k[k->count]);
        k->count++;
    }
    ccs_he_poly_free(&t);
    free(perm);
    if (st != CCS_OK) {
        ccs_he_galois_keys_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}
