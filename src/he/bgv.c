/* Plaintexts, ciphertexts, the encoders, and the evaluator shared by BGV and
 * BFV (add, sub, negate, plaintext operations, relinearization, rotations,
 * encryption, decryption, noise budget), with the BGV specifics: the phase
 * c0 + c1 s = cf m + t e (mod Q_l), the tensor product in NTT form, and
 * modulus switching that drops q_{l-1} with a correction d = c mod q_{l-1},
 * d = 0 mod t, so the message picks up the factor q_{l-1}^-1 mod t, which
 * the ciphertext's correction factor cf records and decryption removes. */
#include <gmp.h>
#include <math.h>

#include "rns_internal.h"

#define DOM_SYM_A 0x20u

/* ---- objects ---- */

ccs_status ccs_he_plaintext_new(const ccs_he_ctx *c, ccs_he_plaintext **out) {
    CCS_ENSURE(c && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    ccs_he_plaintext *p = calloc(1, sizeof *p);
    CCS_ENSURE(p != NULL, CCS_ERR_NOMEM, "he: no memory");
    p->n = c->n;
    p->rows = 1;
    p->c = he_alloc(c->n * sizeof(uint64_t));
    if (p->c == NULL) {
        free(p);
        CCS_BAIL(CCS_ERR_NOMEM, "he: no memory");
    }
    *out = p;
    return CCS_OK;
}

void ccs_he_plaintext_free(ccs_he_plaintext *p) {
    if (p == NULL) return;
    if (p->c) ccs_wipe(p->c, p->rows * p->n * sizeof(uint64_t));
    he_free(p->c);
    free(p);
}

ccs_status ccs_he_ciphertext_new(const ccs_he_ctx *c, ccs_he_ciphertext **out) {
    CCS_ENSURE(c && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    ccs_he_ciphertext *ct = calloc(1, sizeof *ct);
    CCS_ENSURE(ct != NULL, CCS_ERR_NOMEM, "he: no memory");
    ct->n = c->n;
    ct->cap_rows = c->L;
    ct->level = c->L;
    ct->size = 2;
    ct->cf = 1;
    ct->d = he_alloc(3 * c->L * c->n * sizeof(uint64_t));
    if (ct->d == NULL) {
        free(ct);
        CCS_BAIL(CCS_ERR_NOMEM, "he: no memory");
    }
    *out = ct;
    return CCS_OK;
}

void ccs_he_ciphertext_free(ccs_he_ciphertext *ct) {
    if (ct == NULL) return;
    he_free(ct->d);
    free(ct);
}

size_t ccs_he_ciphertext_level(const ccs_he_ciphertext *ct) { return ct->level; }
size_t ccs_he_ciphertext_size(const ccs_he_ciphertext *ct) { return ct->size; }

ccs_status ccs_he_ciphertext_copy(ccs_he_ciphertext *dst, const ccs_he_ciphertext *src) {
    CCS_ENSURE(dst && src && dst->n == src->n && dst->cap_rows == src->cap_rows, CCS_ERR_INVALID_ARG,
               "he: ciphertexts of different contexts");
    if (dst == src) return CCS_OK;
    dst->level = src->level, dst->size = src->size, dst->cf = src->cf, dst->seeded = src->seeded;
    memcpy(dst->seed, src->seed, 32);
    memcpy(dst->d, src->d, 3 * src->cap_rows * src->n * sizeof(uint64_t));
    return CCS_OK;
}

ccs_status he_ct_prepare(const ccs_he_ctx *c, ccs_he_ciphertext *ct, size_t level, size_t size) {
    CCS_ENSURE(ct != NULL && ct->n == c->n && ct->cap_rows == c->L, CCS_ERR_INVALID_ARG,
               "he: ciphertext of another context");
    ct->level = level;
    ct->size = size;
    ct->seeded = false;
    return CCS_OK;
}

static ccs_status check_ct(const ccs_he_ctx *c, const ccs_he_ciphertext *ct) {
    CCS_ENSURE(c != NULL && ct != NULL, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_ENSURE(ct->n == c->n && ct->cap_rows == c->L && ct->level >= 1 && ct->level <= c->L &&
                   (ct->size == 2 || ct->size == 3),
               CCS_ERR_INVALID_ARG, "he: ciphertext of another context");
    return CCS_OK;
}

/* The entry points below read t; a CKKS context has none (t = 0) and goes
 * through ccs_he_ckks_* instead. */
#define LATTICE_ONLY(c)                                                                                   \
    CCS_ENSURE((c) == NULL || (c)->p.scheme != CCS_HE_CKKS, CCS_ERR_INVALID_ARG,                        \
               "he: a CKKS context takes the ccs_he_ckks_* functions")

/* ---- encoders ---- */

ccs_status ccs_he_encode_coeffs(const ccs_he_ctx *c, const uint64_t *v, size_t count, ccs_he_plaintext *pt) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c && pt && (v || count == 0) && count <= c->n && pt->n == c->n, CCS_ERR_INVALID_ARG,
               "he: bad encode arguments");
    for (size_t i = 0; i < count; i++) CCS_ENSURE(v[i] < c->p.t, CCS_ERR_INVALID_ARG, "he: value %zu is not below t", i);
    memset(pt->c, 0, c->n * sizeof(uint64_t));
    if (count) memcpy(pt->c, v, count * sizeof *v);
    return CCS_OK;
}

ccs_status ccs_he_decode_coeffs(const ccs_he_ctx *c, const ccs_he_plaintext *pt, uint64_t *v) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c && pt && v && pt->n == c->n, CCS_ERR_INVALID_ARG, "he: bad decode arguments");
    memcpy(v, pt->c, c->n * sizeof *v);
    return CCS_OK;
}

ccs_status ccs_he_encode_batch(const ccs_he_ctx *c, const uint64_t *v, size_t count, ccs_he_plaintext *pt) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c && pt && (v || count == 0) && count <= c->n && pt->n == c->n, CCS_ERR_INVALID_ARG,
               "he: bad encode arguments");
    CCS_ENSURE(c->batching, CCS_ERR_INVALID_ARG, "he: batching needs a prime t = 1 mod 2N");
    for (size_t i = 0; i < count; i++) CCS_ENSURE(v[i] < c->p.t, CCS_ERR_INVALID_ARG, "he: value %zu is not below t", i);
    memset(pt->c, 0, c->n * sizeof(uint64_t));
    for (size_t i = 0; i < count; i++) pt->c[c->slot_index[i]] = v[i];
    ccs_ntt_inverse(c->tm.ntt, pt->c);
    return CCS_OK;
}

ccs_status ccs_he_decode_batch(const ccs_he_ctx *c, const ccs_he_plaintext *pt, uint64_t *v) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c && pt && v && pt->n == c->n, CCS_ERR_INVALID_ARG, "he: bad decode arguments");
    CCS_ENSURE(c->batching, CCS_ERR_INVALID_ARG, "he: batching needs a prime t = 1 mod 2N");
    uint64_t *tmp = he_alloc(c->n * sizeof(uint64_t));
    CCS_ENSURE(tmp != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(tmp, pt->c, c->n * sizeof *tmp);
    ccs_ntt_forward(c->tm.ntt, tmp);
    for (size_t i = 0; i < c->n; i++) v[i] = tmp[c->slot_index[i]];
    he_free(tmp);
    return CCS_OK;
}

void he_plain_lift(const ccs_he_ctx *c, const ccs_he_plaintext *pt, size_t l, const uint64_t *mult, uint64_t *rows) {
    uint64_t t = c->p.t, half = t >> 1;
    for (size_t i = 0; i < l; i++) {
        const he_mod m_ = c->m[i], *m = &m_;
        uint64_t *r = rows + i * c->n;
        for (size_t k = 0; k < c->n; k++) {
            uint64_t v = pt->c[k];
            r[k] = v <= half ? v : m->q - (t - v);
        }
        if (mult) he_scalar_mul(r, r, mult[i], c->n, m);
        ccs_ntt_forward(m->ntt, r);
    }
}

/* ---- encryption ---- */

/* (c0, c1) = (b u + e1, a u + e2) with the public key, or (-a s + e, a) with
 * a fresh seeded a; errors scaled by t for BGV; level L, size 2. */
ccs_status he_encrypt_core(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_secret_key *sk,
                           ccs_he_ciphertext *out) {
    CCS_ENSURE(pk ? HE_KEY_OF(c, pk) : sk != NULL && HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG,
               "he: a key of another context");
    CCS_TRY(he_ct_prepare(c, out, c->L, 2));
    out->cf = 1;
    const size_t n = c->n, L = c->L;
    int64_t *tmp = he_alloc_raw(n * sizeof *tmp);
    ccs_he_poly u = {0}, e = {0};
    uint8_t es[32];
    he_prng g = {0};
    ccs_status st = tmp ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) st = ccs_he_poly_alloc(c, L, false, &u);
    if (st == CCS_OK) st = ccs_he_poly_alloc(c, L, false, &e);
    if (st == CCS_OK) st = he_seed_fresh(es);
    if (st == CCS_OK) st = he_prng_init(&g, es, 0);
    int64_t scale = c->p.scheme == CCS_HE_BGV ? (int64_t)c->p.t : 1;
    if (st == CCS_OK && pk) {
        st = he_sample_ternary(&g, n, tmp);
        if (st == CCS_OK) {
            ccs_he_poly_set_i64(c, &u, tmp);
            ccs_he_poly_to_ntt(c, &u);
        }
        for (size_t k = 0; st == CCS_OK && k < 2; k++) {
            st = he_sample_cbd(&g, n, tmp);
            if (st != CCS_OK) break;
            for (size_t z = 0; z < n; z++) tmp[z] *= scale;
            ccs_he_poly_set_i64(c, &e, tmp);
            ccs_he_poly_to_ntt(c, &e);
            const ccs_he_poly *key = k == 0 ? &pk->b : &pk->a;
            for (size_t i = 0; i < L; i++) {
                uint64_t *r = he_ct_row(out, k, i);
                he_dyadic_mul(r, ccs_he_poly_row(key, i), ccs_he_poly_row(&u, i), n, &c->m[i]);
                he_add(r, r, ccs_he_poly_row(&e, i), n, c->m[i].q);
            }
        }
    } else if (st == CCS_OK) {
        st = he_seed_fresh(out->seed);
        he_prng ga = {0};
        ccs_he_poly a = {0};
        if (st == CCS_OK) st = he_prng_init(&ga, out->seed, DOM_SYM_A);
        if (st == CCS_OK) st = ccs_he_poly_alloc(c, L, false, &a);
        if (st == CCS_OK) st = he_sample_uniform(c, &ga, &a);
        if (st == CCS_OK) st = he_sample_cbd(&g, n, tmp);
        if (st == CCS_OK) {
            for (size_t z = 0; z < n; z++) tmp[z] *= scale;
            ccs_he_poly_set_i64(c, &e, tmp);
            ccs_he_poly_to_ntt(c, &e);
            for (size_t i = 0; i < L; i++) {
                uint64_t *r0 = he_ct_row(out, 0, i), *r1 = he_ct_row(out, 1, i);
                memcpy(r1, ccs_he_poly_row(&a, i), n * sizeof *r1);
                he_dyadic_mul(r0, r1, ccs_he_poly_row(&sk->s, i), n, &c->m[i]);
                he_sub(r0, ccs_he_poly_row(&e, i), r0, n, c->m[i].q);
            }
            out->seeded = true;
        }
        he_prng_done(&ga);
        ccs_he_poly_free(&a);
    }
    he_prng_done(&g);
    ccs_wipe(es, sizeof es);
    if (tmp) ccs_wipe(tmp, n * sizeof *tmp);
    he_free(tmp);
    ccs_he_poly_free(&u);
    ccs_he_poly_free(&e);
    return st;
}

static ccs_status encrypt_any(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_secret_key *sk,
                              const ccs_he_plaintext *pt, ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c && (pk || sk) && pt && out && pt->n == c->n, CCS_ERR_INVALID_ARG, "he: bad encrypt arguments");
    uint64_t *m = he_alloc(c->L * c->n * sizeof(uint64_t));
    CCS_ENSURE(m != NULL, CCS_ERR_NOMEM, "he: no memory");
    ccs_status st = he_encrypt_core(c, pk, sk, out);
    if (st == CCS_OK) {
        he_plain_lift(c, pt, c->L, c->p.scheme == CCS_HE_BFV ? c->delta : NULL, m);
        for (size_t i = 0; i < c->L; i++) he_add(he_ct_row(out, 0, i), he_ct_row(out, 0, i), m + i * c->n, c->n, c->m[i].q);
    }
    ccs_wipe(m, c->L * c->n * sizeof(uint64_t));
    he_free(m);
    return st;
}

ccs_status ccs_he_encrypt(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_plaintext *pt,
                          ccs_he_ciphertext *out) {
    CCS_ENSURE(pk != NULL, CCS_ERR_INVALID_ARG, "he: NULL public key");
    return encrypt_any(c, pk, NULL, pt, out);
}

ccs_status ccs_he_encrypt_symmetric(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_plaintext *pt,
                                    ccs_he_ciphertext *out) {
    CCS_ENSURE(sk != NULL, CCS_ERR_INVALID_ARG, "he: NULL secret key");
    return encrypt_any(c, NULL, sk, pt, out); /* he_encrypt_core checks the key's context */
}

ccs_status he_phase(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct, uint64_t *out) {
    const size_t n = c->n;
    for (size_t i = 0; i < ct->level; i++) {
        const he_mod *m = &c->m[i];
        const uint64_t *s = ccs_he_poly_row(&sk->s, i);
        uint64_t *r = out + i * n;
        if (ct->size == 3) {
            he_dyadic_mul(r, he_ct_row(ct, 2, i), s, n, m);
            he_add(r, r, he_ct_row(ct, 1, i), n, m->q);
            he_dyadic_mul(r, r, s, n, m);
        } else {
            he_dyadic_mul(r, he_ct_row(ct, 1, i), s, n, m);
        }
        he_add(r, r, he_ct_row(ct, 0, i), n, m->q);
        ccs_ntt_inverse(m->ntt, r);
    }
    return CCS_OK;
}

ccs_status ccs_he_decrypt(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct,
                          ccs_he_plaintext *out) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, ct));
    CCS_ENSURE(sk && out && out->n == c->n, CCS_ERR_INVALID_ARG, "he: bad decrypt arguments");
    CCS_ENSURE(HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "he: a key of another context");
    const size_t n = c->n, l = ct->level;
    uint64_t *x = he_alloc(l * n * sizeof(uint64_t));
    CCS_ENSURE(x != NULL, CCS_ERR_NOMEM, "he: no memory");
    ccs_status st = he_phase(c, sk, ct, x);
    if (st == CCS_OK && c->p.scheme == CCS_HE_BFV) {
        st = he_bfv_decrypt_phase(c, x, out);
    } else if (st == CCS_OK) {
        /* x mod t of the centered x = sum y_i Q/q_i - v Q, v = round(sum y_i / q_i): exact unless |x| is near Q/2 */
        uint64_t t = c->p.t;
        he_bconv_apply(&c->dec[l], x, out->c, n, true);
        he_scratch_wipe(HE_SCR_BCONV);
        he_scratch_wipe(HE_SCR_INIT);
        if (ct->cf != 1) he_scalar_mul(out->c, out->c, he_inv_any(ct->cf % t, t), n, &c->tm);
    }
    ccs_wipe(x, l * n * sizeof(uint64_t));
    he_free(x);
    return st;
}

ccs_status ccs_he_noise_budget(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct,
                               int *bits) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, ct));
    CCS_ENSURE(sk && bits, CCS_ERR_INVALID_ARG, "he: bad arguments");
    CCS_ENSURE(HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "he: a key of another context");
    const size_t n = c->n, l = ct->level;
    uint64_t *x = he_alloc(l * n * sizeof(uint64_t));
    CCS_ENSURE(x != NULL, CCS_ERR_NOMEM, "he: no memory");
    ccs_status st = he_phase(c, sk, ct, x);
    mpz_t Q, half, v, mx, h[HE_MAXP];
    mpz_inits(Q, half, v, mx, NULL);
    mpz_set_ui(Q, 1);
    for (size_t i = 0; i < l; i++) mpz_mul_ui(Q, Q, c->m[i].q);
    for (size_t i = 0; i < l; i++) {
        mpz_init(h[i]);
        mpz_divexact_ui(h[i], Q, c->m[i].q);
    }
    mpz_tdiv_q_2exp(half, Q, 1);
    for (size_t k = 0; st == CCS_OK && k < n; k++) {
        mpz_set_ui(v, 0);
        for (size_t i = 0; i < l; i++) mpz_addmul_ui(v, h[i], he_mmul(x[i * n + k], c->qhat_inv[l][i], &c->m[i]));
        if (c->p.scheme == CCS_HE_BFV) mpz_mul_ui(v, v, c->p.t);
        mpz_mod(v, v, Q);
        if (mpz_cmp(v, half) > 0) mpz_sub(v, Q, v);
        if (mpz_cmp(v, mx) > 0) mpz_set(mx, v);
    }
    int b = (int)mpz_sizeinbase(Q, 2) - (mpz_sgn(mx) ? (int)mpz_sizeinbase(mx, 2) : 0) - 1;
    *bits = b > 0 ? b : 0;
    for (size_t i = 0; i < l; i++) mpz_clear(h[i]);
    mpz_clears(Q, half, v, mx, NULL);
    ccs_wipe(x, l * n * sizeof(uint64_t));
    he_free(x);
    return st;
}

/* ---- evaluation ---- */

/* r = f * a (all polys), f in [0, t) taken centered. */
static void ct_scale(const ccs_he_ctx *c, ccs_he_ciphertext *r, const ccs_he_ciphertext *a, uint64_t f) {
    uint64_t t = c->p.t;
    for (size_t k = 0; k < a->size; k++)
        for (size_t i = 0; i < a->level; i++) {
            const he_mod m_ = c->m[i], *m = &m_;
            uint64_t fm = f <= t / 2 ? f % m->q : m->q - (t - f) % m->q;
            he_scalar_mul(he_ct_row(r, k, i), he_ct_row(a, k, i), fm, c->n, m);
        }
}

/* CKKS keeps the scale (binary64) in cf; scales within 2^-30 of each other
 * are the same scale, as ccs_he_ckks_add judges them (the result takes a's). */
static bool ckks_same_scale(uint64_t a, uint64_t b) {
    double x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    return fabs(x - y) <= 0x1p-30 * fmax(x, y);
}

static ccs_status add_sub(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                          ccs_he_ciphertext *out, bool sub) {
    CCS_TRY(check_ct(c, a));
    CCS_TRY(check_ct(c, b));
    CCS_ENSURE(a->level == b->level, CCS_ERR_INVALID_ARG, "he: operands at levels %zu and %zu", a->level, b->level);
    /* CKKS keeps the scale in cf: adding across scales would be silently wrong */
    CCS_ENSURE(c->p.scheme != CCS_HE_CKKS || ckks_same_scale(a->cf, b->cf), CCS_ERR_INVALID_ARG,
               "he: CKKS operands at different scales");
    ccs_he_ciphertext *bb = NULL;
    uint64_t t = c->p.t;
    if (c->p.scheme == CCS_HE_BGV && a->cf != b->cf) {
        CCS_TRY(ccs_he_ciphertext_new(c, &bb));
        bb->level = b->level, bb->size = b->size;
        ct_scale(c, bb, b, he_mulmod(a->cf, he_inv_any(b->cf, t), t));
        b = bb;
    }
    size_t size = a->size > b->size ? a->size : b->size, asz = a->size, bsz = b->size, l = a->level;
    uint64_t cf = a->cf;
    ccs_status st = he_ct_prepare(c, out, l, size);
    for (size_t k = 0; st == CCS_OK && k < size; k++)
        for (size_t i = 0; i < l; i++) {
            uint64_t *r = he_ct_row(out, k, i), q = c->m[i].q;
            const uint64_t *x = he_ct_row(a, k, i), *y = he_ct_row(b, k, i);
            if (k < asz && k < bsz) (sub ? he_sub : he_add)(r, x, y, c->n, q);
            else if (k < asz) memmove(r, x, c->n * sizeof *r);
            else if (sub)
                for (size_t z = 0; z < c->n; z++) r[z] = y[z] ? q - y[z] : 0;
            else memmove(r, y, c->n * sizeof *r);
        }
    out->cf = cf;
    ccs_he_ciphertext_free(bb);
    return st;
}

ccs_status ccs_he_add(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                      ccs_he_ciphertext *out) {
    return add_sub(c, a, b, out, false);
}
ccs_status ccs_he_sub(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                      ccs_he_ciphertext *out) {
    return add_sub(c, a, b, out, true);
}

ccs_status ccs_he_negate(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    size_t l = a->level, size = a->size;
    uint64_t cf = a->cf;
    CCS_TRY(he_ct_prepare(c, out, l, size));
    for (size_t k = 0; k < size; k++)
        for (size_t i = 0; i < l; i++) {
            uint64_t *r = he_ct_row(out, k, i), q = c->m[i].q;
            const uint64_t *x = he_ct_row(a, k, i);
            for (size_t z = 0; z < c->n; z++) r[z] = x[z] ? q - x[z] : 0;
        }
    out->cf = cf;
    return CCS_OK;
}

ccs_status ccs_he_add_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_plaintext *p,
                            ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(p && p->n == c->n, CCS_ERR_INVALID_ARG, "he: bad plaintext");
    ccs_he_plaintext *q = NULL;
    CCS_TRY(ccs_he_plaintext_new(c, &q));
    uint64_t *m = he_alloc(a->level * c->n * sizeof(uint64_t));
    ccs_status st = m ? ccs_he_ciphertext_copy(out, a) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) st = he_ct_prepare(c, out, a->level, a->size);
    if (st == CCS_OK) {
        if (c->p.scheme == CCS_HE_BGV)
            for (size_t k = 0; k < c->n; k++) q->c[k] = he_mulmod(p->c[k], out->cf, c->p.t);
        else
            memcpy(q->c, p->c, c->n * sizeof(uint64_t));
        he_plain_lift(c, q, out->level, c->p.scheme == CCS_HE_BFV ? c->delta : NULL, m);
        for (size_t i = 0; i < out->level; i++)
            he_add(he_ct_row(out, 0, i), he_ct_row(out, 0, i), m + i * c->n, c->n, c->m[i].q);
    }
    he_free(m);
    ccs_he_plaintext_free(q);
    return st;
}

ccs_status ccs_he_multiply_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_plaintext *p,
                                 ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(p && p->n == c->n, CCS_ERR_INVALID_ARG, "he: bad plaintext");
    uint64_t *m = he_alloc(a->level * c->n * sizeof(uint64_t));
    CCS_ENSURE(m != NULL, CCS_ERR_NOMEM, "he: no memory");
    ccs_status st = ccs_he_ciphertext_copy(out, a);
    if (st == CCS_OK) st = he_ct_prepare(c, out, a->level, a->size);
    if (st == CCS_OK) {
        he_plain_lift(c, p, out->level, NULL, m);
        for (size_t k = 0; k < out->size; k++)
            for (size_t i = 0; i < out->level; i++)
                he_dyadic_mul(he_ct_row(out, k, i), he_ct_row(out, k, i), m + i * c->n, c->n, &c->m[i]);
    }
    he_free(m);
    return st;
}

ccs_status ccs_he_multiply(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                           ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, a));
    CCS_TRY(check_ct(c, b));
    CCS_ENSURE(a->size == 2 && b->size == 2, CCS_ERR_INVALID_ARG, "he: multiply needs size-2 ciphertexts");
    CCS_ENSURE(a->level == b->level, CCS_ERR_INVALID_ARG, "he: operands at levels %zu and %zu", a->level, b->level);
    if (c->p.scheme == CCS_HE_BFV) return he_bfv_multiply(c, a, b, out);
    const size_t n = c->n, l = a->level;
    uint64_t cf = he_mulmod(a->cf, b->cf, c->p.t);
    CCS_TRY(he_ct_prepare(c, out, l, 3)); /* only the header: rows are read before they are written */
    uint64_t *tmp = he_scratch(HE_SCR_ROT, 3 * n * sizeof(uint64_t));
    CCS_ENSURE(tmp != NULL, CCS_ERR_NOMEM, "he: no memory");
    for (size_t i = 0; i < l; i++) {
        const he_mod *m = &c->m[i];
        const uint64_t *a0 = he_ct_row(a, 0, i), *a1 = he_ct_row(a, 1, i), *b0 = he_ct_row(b, 0, i),
                       *b1 = he_ct_row(b, 1, i);
        const uint64_t *x[2] = {a0, a1}, *y[2] = {b1, b0};
        /* row i of the output depends on row i of the inputs only; they may alias */
        he_dyadic_mul(tmp, a0, b0, n, m);
        he_dyadic_macc(tmp + n, x, y, 2, n, m);
        he_dyadic_mul(tmp + 2 * n, a1, b1, n, m);
        for (size_t k = 0; k < 3; k++) memcpy(he_ct_row(out, k, i), tmp + k * n, n * sizeof(uint64_t));
    }
    out->cf = cf;
    return CCS_OK;
}

ccs_status ccs_he_relinearize(const ccs_he_ctx *c, const ccs_he_relin_key *rk, const ccs_he_ciphertext *a,
                              ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(rk != NULL && rk->k.b != NULL, CCS_ERR_INVALID_ARG, "he: NULL relinearization key");
    CCS_ENSURE(HE_KEY_OF(c, rk), CCS_ERR_INVALID_ARG, "he: a key of another context");
    CCS_TRY(ccs_he_ciphertext_copy(out, a));
    if (a->size == 2) return CCS_OK;
    out->seeded = false;
    CCS_TRY(he_kswitch_apply(c, &rk->k, he_ct_row(out, 2, 0), out->level, he_ct_row(out, 0, 0), he_ct_row(out, 1, 0)));
    out->size = 2;
    return CCS_OK;
}

ccs_status ccs_he_mod_switch(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(c->p.scheme == CCS_HE_BGV, CCS_ERR_INVALID_ARG, "he: modulus switching is for BGV");
    CCS_ENSURE(a->level >= 2, CCS_ERR_INVALID_ARG, "he: no prime left to drop");
    CCS_TRY(ccs_he_ciphertext_copy(out, a));
    uint64_t *scr = he_alloc(2 * c->n * sizeof(uint64_t));
    CCS_ENSURE(scr != NULL, CCS_ERR_NOMEM, "he: no memory");
    size_t l = a->level;
    for (size_t k = 0; k < out->size; k++)
        he_divide_last(c, he_ct_row(out, k, 0), l - 1, &c->m[l - 1], c->qlast_inv[l], c->p.t, scr);
    he_free(scr);
    uint64_t t = c->p.t;
    out->cf = he_mulmod(out->cf, he_inv_any(c->m[l - 1].q % t, t), t);
    out->level = l - 1;
    out->seeded = false;
    return CCS_OK;
}

static ccs_status rotate(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a, uint32_t g,
                         ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(gk != NULL, CCS_ERR_INVALID_ARG, "he: NULL Galois keys");
    CCS_ENSURE(HE_KEY_OF(c, gk), CCS_ERR_INVALID_ARG, "he: keys of another context");
    CCS_ENSURE(a->size == 2, CCS_ERR_INVALID_ARG, "he: relinearize before rotating");
    if (g == 1) return ccs_he_ciphertext_copy(out, a);
    const he_kswitch *k = NULL;
    for (size_t i = 0; i < gk->count; i++)
        if (gk->k[i].galois == g) k = &gk->k[i];
    CCS_ENSURE(k != NULL, CCS_ERR_NOT_FOUND, "he: no Galois key for element %u", g);
    const size_t n = c->n, l = a->level;
    uint64_t *t0 = he_scratch(HE_SCR_ROT, 2 * l * n * sizeof(uint64_t));
    uint64_t *t1 = t0 ? t0 + l * n : NULL;
    const uint32_t *perm = k->perm;
    ccs_status st = t0 && perm ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) {
        for (size_t i = 0; i < l; i++) {
            const uint64_t *x0 = he_ct_row(a, 0, i), *x1 = he_ct_row(a, 1, i);
            uint64_t *y0 = t0 + i * n, *y1 = t1 + i * n;
            for (size_t z = 0; z < n; z++) y0[z] = x0[perm[z]], y1[z] = x1[perm[z]];
        }
        uint64_t cf = a->cf;
        st = he_ct_prepare(c, out, l, 2);
        if (st == CCS_OK) {
            out->cf = cf;
            memcpy(he_ct_row(out, 0, 0), t0, l * n * sizeof(uint64_t));
            memset(he_ct_row(out, 1, 0), 0, l * n * sizeof(uint64_t));
            st = he_kswitch_apply(c, k, t1, l, he_ct_row(out, 0, 0), he_ct_row(out, 1, 0));
        }
    }
    return st;
}

ccs_status ccs_he_rotate_rows(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a, int step,
                              ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "he: NULL context");
    return rotate(c, gk, a, he_galois_elt(c, step), out);
}

ccs_status ccs_he_rotate_columns(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                                 ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "he: NULL context");
    return rotate(c, gk, a, (uint32_t)(2 * c->n - 1), out);
}

/* ---- hoisted rotations (hoist.c) ---- */

ccs_status ccs_he_rotation_precompute(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_rotation_precomp *p) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(p != NULL, CCS_ERR_INVALID_ARG, "he: NULL precompute");
    CCS_ENSURE(a->size == 2, CCS_ERR_INVALID_ARG, "he: relinearize before rotating");
    return he_hoist_precompute(c, a, p);
}

static ccs_status rotate_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_rotation_precomp *p,
                                 uint32_t g, ccs_he_ciphertext *out) {
    CCS_TRY(he_hoist_check(c, p));
    CCS_ENSURE(gk != NULL && out != NULL, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_ENSURE(HE_KEY_OF(c, gk), CCS_ERR_INVALID_ARG, "he: keys of another context");
    const he_kswitch *k = g == 1 ? NULL : he_galois_find(gk, g);
    CCS_ENSURE(g == 1 || k != NULL, CCS_ERR_NOT_FOUND, "he: no Galois key for element %u", g);
    return he_hoist_apply(c, p, k, out);
}

ccs_status ccs_he_rotate_rows_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                      const ccs_he_rotation_precomp *p, int step, ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "he: NULL context");
    return rotate_hoisted(c, gk, p, he_galois_elt(c, step), out);
}

ccs_status ccs_he_rotate_columns_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                         const ccs_he_rotation_precomp *p, ccs_he_ciphertext *out) {
    LATTICE_ONLY(c);
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "he: NULL context");
    return rotate_hoisted(c, gk, p, (uint32_t)(2 * c->n - 1), out);
}

ccs_status ccs_he_rotate_rows_many(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                                   const int *steps, size_t count, ccs_he_ciphertext *const *outs) {
    LATTICE_ONLY(c);
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(gk != NULL && ((steps && outs) || count == 0), CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_ENSURE(HE_KEY_OF(c, gk), CCS_ERR_INVALID_ARG, "he: keys of another context");
    CCS_ENSURE(a->size == 2, CCS_ERR_INVALID_ARG, "he: relinearize before rotating");
    uint32_t *elts = malloc((count ? count : 1) * sizeof *elts);
    CCS_ENSURE(elts != NULL, CCS_ERR_NOMEM, "he: no memory");
    for (size_t i = 0; i < count; i++) elts[i] = he_galois_elt(c, steps[i]);
    ccs_status st = he_hoist_many(c, gk, a, elts, count, outs);
    free(elts);
    return st;
}
