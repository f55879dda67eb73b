/* Hoisted rotations (Halevi-Shoup, "Faster homomorphic linear
 * transformations in HElib", CRYPTO 2018, section 5: hoisting; OpenFHE's
 * EvalFastRotationPrecompute / EvalFastRotation).
 *
 * A rotation by the Galois element g maps (c0, c1) to (tau(c0), 0) plus the
 * key switching of tau(c1) with g's key. Key switching first decomposes its
 * input: l inverse NTTs to the coefficients of each digit [tau(c1)]_{q_j},
 * then the base extension of every digit to every other prime and to the
 * special prime P (l^2 forward NTTs). That is two thirds of a rotation's
 * transforms, and it does not depend on g: tau acts on the integer
 * coefficients of a digit by a signed permutation, so tau(D_j) with
 * D_j = [c1]_{q_j} is again a valid digit of tau(c1) (it is congruent to
 * tau(c1) mod q_j, with coefficients in (-q_j, q_j) instead of [0, q_j): the
 * same size, so the same noise bound). In NTT form tau is the permutation of
 * evaluation points that each Galois key already holds (k->perm). So the
 * precompute decomposes c1 once, and each rotation only permutes the
 * extended digits, takes the inner products with its key and divides by P
 * (2 inverse and 2l forward NTTs instead of l + 2 and l^2 + 2l).
 *
 * The result is not bit-identical to the plain rotation (the digits differ
 * by q_j on the coefficients that tau negates, which changes the rounding
 * noise of the division by P, not the message): BGV/BFV decrypt to the same
 * plaintext, CKKS to the same values within the rotation's precision. */
#include "rns_internal.h"

struct ccs_he_rotation_precomp {
    const ccs_he_ctx *c; /* the context it was made for (NULL: empty) */
    size_t level;        /* l */
    uint64_t cf;         /* BGV correction factor; CKKS: the scale's bits */
    size_t cap;          /* words allocated in buf */
    uint64_t *buf;       /* c0: l x n; then the digits: (l + 1) x n x l */
};

static uint64_t err_scale(const ccs_he_ctx *c) { return c->p.scheme == CCS_HE_BGV ? c->p.t : 1; }

static uint64_t *pre_c0(const ccs_he_rotation_precomp *p) { return p->buf; }
/* The digits of c1 reduced mod the prime of target row i (i = l: special),
 * NTT form, interleaved: word z l + j is digit j at position z. The
 * rotation reads them in the order of its permutation, so the l digits of a
 * position share a cache line (one random access per position, not l). */
static uint64_t *pre_digits(const ccs_he_rotation_precomp *p, size_t i) {
    const size_t n = p->c->n, l = p->level;
    return p->buf + (l + i * l) * n;
}

ccs_status ccs_he_rotation_precomp_new(const ccs_he_ctx *c, ccs_he_rotation_precomp **out) {
    CCS_ENSURE(c && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = calloc(1, sizeof **out);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "he: no memory");
    return CCS_OK;
}

void ccs_he_rotation_precomp_free(ccs_he_rotation_precomp *p) {
    if (p == NULL) return;
    he_free(p->buf);
    free(p);
}

size_t ccs_he_rotation_precomp_level(const ccs_he_rotation_precomp *p) { return p && p->c ? p->level : 0; }

/* Fills p from a (checked by the caller: size 2, this context). The extended
 * digits as in he_kswitch_apply, kept for every target row. */
ccs_status he_hoist_precompute(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_rotation_precomp *p) {
    const size_t n = c->n, l = a->level, words = (l + (l + 1) * l) * n;
    if (p->cap < words) {
        he_free(p->buf);
        p->buf = he_alloc_raw(words * sizeof(uint64_t));
        p->cap = p->buf ? words : 0;
        p->c = NULL;
        CCS_ENSURE(p->buf != NULL, CCS_ERR_NOMEM, "he: no memory");
    }
    uint64_t *coef = he_scratch(HE_SCR_KS, (l + 1) * n * sizeof(uint64_t)), *t = coef ? coef + l * n : NULL;
    CCS_ENSURE(coef != NULL, CCS_ERR_NOMEM, "he: no memory");
    p->c = c;
    p->level = l;
    p->cf = a->cf;
    memcpy(pre_c0(p), he_ct_row(a, 0, 0), l * n * sizeof(uint64_t));
    const uint64_t *d = he_ct_row(a, 1, 0);
    memcpy(coef, d, l * n * sizeof(uint64_t));
    for (size_t j = 0; j < l; j++) ccs_ntt_inverse(c->m[j].ntt, coef + j * n);
    for (size_t i = 0; i <= l; i++) {
        const he_mod *m = &c->m[i < l ? i : c->L];
        uint64_t *dst = pre_digits(p, i);
        for (size_t j = 0; j < l; j++) {
            const uint64_t *src = t;
            if (i == j) {
                src = d + j * n;
            } else {
                const uint64_t *x = coef + j * n;
                if (c->m[j].q < m->q) memcpy(t, x, n * sizeof *t);
                else
                    for (size_t z = 0; z < n; z++) t[z] = he_red64(x[z], m);
                ccs_ntt_forward(m->ntt, t);
            }
            for (size_t z = 0; z < n; z++) dst[z * l + j] = src[z];
        }
    }
    return CCS_OK;
}

/* out = the rotation by k's element of the ciphertext p was made from; the
 * identity (g = 1) when k is NULL. out has been checked by the caller. */
ccs_status he_hoist_apply(const ccs_he_ctx *c, const ccs_he_rotation_precomp *p, const he_kswitch *k,
                          ccs_he_ciphertext *out) {
    const size_t n = c->n, l = p->level;
    uint64_t cf = p->cf;
    CCS_TRY(he_ct_prepare(c, out, l, 2));
    out->cf = cf;
    out->seeded = false;
    if (k == NULL) {
        memcpy(he_ct_row(out, 0, 0), pre_c0(p), l * n * sizeof(uint64_t));
        for (size_t i = 0; i < l; i++) {
            const uint64_t *x = pre_digits(p, i);
            uint64_t *y = he_ct_row(out, 1, i);
            for (size_t z = 0; z < n; z++) y[z] = x[z * l + i];
        }
        return CCS_OK;
    }
    const uint32_t *perm = k->perm;
    /* gathered rows l apart by n + 64 words: at a stride of exactly n words
     * (a multiple of 4 KiB) the l stores of one position alias in the cache */
    const size_t gs = n + 64;
    uint64_t *g = he_scratch(HE_SCR_KS, (l * gs + (2 * l + 4) * n) * sizeof(uint64_t));
    CCS_ENSURE(g != NULL && perm != NULL, CCS_ERR_NOMEM, "he: no memory");
    uint64_t *acc0 = g + l * gs, *acc1 = acc0 + (l + 1) * n, *scr = acc1 + (l + 1) * n;
    for (size_t i = 0; i <= l; i++) {
        size_t ki = i < l ? i : c->L;
        const uint64_t *s[CCS_HE_RNS_MAX_PRIMES], *kb[CCS_HE_RNS_MAX_PRIMES], *ka[CCS_HE_RNS_MAX_PRIMES];
        const uint64_t *x = pre_digits(p, i);
        for (size_t j = 0; j < l; j++) {
            s[j] = g + j * gs;
            kb[j] = ccs_he_poly_row(&k->b[j], ki);
            ka[j] = ccs_he_poly_row(&k->a[j], ki);
        }
        for (size_t z = 0; z < n; z++) {
            const uint64_t *v = x + (size_t)perm[z] * l;
            for (size_t j = 0; j < l; j++) g[j * gs + z] = v[j];
        }
        he_dyadic_macc(acc0 + i * n, s, kb, l, n, &c->m[ki]);
        he_dyadic_macc(acc1 + i * n, s, ka, l, n, &c->m[ki]);
    }
    uint64_t tc = err_scale(c);
    he_divide_last(c, acc0, l, &c->m[c->L], c->p_inv_q, tc, scr);
    he_divide_last(c, acc1, l, &c->m[c->L], c->p_inv_q, tc, scr);
    const uint64_t *c0 = pre_c0(p);
    for (size_t i = 0; i < l; i++) {
        uint64_t *y0 = he_ct_row(out, 0, i), *t = g;
        const uint64_t *x0 = c0 + i * n;
        for (size_t z = 0; z < n; z++) t[z] = x0[perm[z]];
        he_add(y0, t, acc0 + i * n, n, c->m[i].q);
        memcpy(he_ct_row(out, 1, i), acc1 + i * n, n * sizeof(uint64_t));
    }
    return CCS_OK;
}

/* Checks shared by the BGV/BFV and CKKS entry points. */
ccs_status he_hoist_check(const ccs_he_ctx *c, const ccs_he_rotation_precomp *p) {
    CCS_ENSURE(p != NULL, CCS_ERR_INVALID_ARG, "he: NULL precompute");
    CCS_ENSURE(p->c != NULL, CCS_ERR_INVALID_ARG, "he: empty precompute (fill it from a ciphertext first)");
    CCS_ENSURE(p->c == c, CCS_ERR_INVALID_ARG, "he: precompute made for another context");
    return CCS_OK;
}

const he_kswitch *he_galois_find(const ccs_he_galois_keys *gk, uint32_t g) {
    for (size_t i = 0; i < gk->count; i++)
        if (gk->k[i].galois == g) return &gk->k[i];
    return NULL;
}

/* rotate_many: every key first (no output is written when one is missing),
 * one decomposition in a per-thread buffer, then one apply per element. */
ccs_status he_hoist_many(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                         const uint32_t *elts, size_t count, ccs_he_ciphertext *const *outs) {
    const he_kswitch *ks[64];
    for (size_t done = 0; done < count; done += 64) {
        size_t m = count - done < 64 ? count - done : 64;
        for (size_t i = 0; i < m; i++) {
            uint32_t g = elts[done + i];
            ks[i] = g == 1 ? NULL : he_galois_find(gk, g);
            CCS_ENSURE(g == 1 || ks[i] != NULL, CCS_ERR_NOT_FOUND, "he: no Galois key for element %u", g);
            CCS_ENSURE(outs[done + i] != NULL, CCS_ERR_INVALID_ARG, "he: NULL output %zu", done + i);
        }
    }
    const size_t n = c->n, l = a->level, words = (l + (l + 1) * l) * n;
    ccs_he_rotation_precomp p = {0};
    p.buf = he_scratch(HE_SCR_HOIST, words * sizeof(uint64_t));
    CCS_ENSURE(p.buf != NULL, CCS_ERR_NOMEM, "he: no memory");
    p.cap = words;
    CCS_TRY(he_hoist_precompute(c, a, &p));
    for (size_t i = 0; i < count; i++) {
        const he_kswitch *k = elts[i] == 1 ? NULL : he_galois_find(gk, elts[i]);
        CCS_TRY(he_hoist_apply(c, &p, k, outs[i]));
    }
    return CCS_OK;
}
