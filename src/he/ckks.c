/* CKKS on the RNS core: encoding at a level and a scale (canonical
 * embedding from ckks_encode.c, residues in NTT form), encryption with the
 * core's encryption of zero (unscaled errors), decryption to a plaintext in
 * NTT form, decoding through an exact CRT (GMP) of the centered
 * coefficients, the evaluator (the tensor product, hybrid key switching,
 * rescaling by the last prime with rounding, rotations by Galois elements
 * 5^k and conjugation by 2N-1), and precision reports. The ciphertext's
 * scale is stored in its cf word as binary64 bits (cf is BGV's correction
 * factor; CKKS has none), so the core's copy and serialization carry it. */
#include <gmp.h>
#include <math.h>

#include "ccs/he_ckks.h"
#include "rns_internal.h"

static double ct_scale_get(const ccs_he_ciphertext *ct) {
    double s;
    memcpy(&s, &ct->cf, 8);
    return s;
}
static void ct_scale_set(ccs_he_ciphertext *ct, double s) { memcpy(&ct->cf, &s, 8); }

static ccs_status check_ctx(const ccs_he_ctx *c) {
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL context");
    CCS_ENSURE(c->p.scheme == CCS_HE_CKKS, CCS_ERR_INVALID_ARG, "ckks: the context is not a CKKS context");
    return CCS_OK;
}

static ccs_status check_ct(const ccs_he_ctx *c, const ccs_he_ciphertext *ct) {
    CCS_TRY(check_ctx(c));
    CCS_ENSURE(ct != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL ciphertext");
    CCS_ENSURE(ct->n == c->n && ct->cap_rows == c->L && ct->level >= 1 && ct->level <= c->L &&
                   (ct->size == 2 || ct->size == 3),
               CCS_ERR_INVALID_ARG, "ckks: ciphertext of another context");
    return CCS_OK;
}

static ccs_status check_pt(const ccs_he_ctx *c, const ccs_he_plaintext *pt) {
    /* rows: a plaintext made for a context with fewer primes has fewer. */
    CCS_ENSURE(pt != NULL && pt->n == c->n && pt->rows == c->L && pt->level >= 1 && pt->level <= c->L,
               CCS_ERR_INVALID_ARG, "ckks: not a CKKS plaintext of this context (make it with ccs_he_ckks_plaintext_new)");
    return CCS_OK;
}

static bool same_scale(double a, double b) { return fabs(a - b) <= 0x1p-30 * fmax(a, b); }

/* log2 of Q_l (sum of the primes' bit sizes, as reals). */
static double log2_q(const ccs_he_ctx *c, size_t l) {
    double s = 0;
    for (size_t i = 0; i < l; i++) s += log2((double)c->m[i].q);
    return s;
}

size_t ccs_he_ckks_slots(const ccs_he_ctx *c) {
    return c && c->p.scheme == CCS_HE_CKKS ? c->n / 2 : 0;
}

ccs_status ccs_he_ckks_plaintext_new(const ccs_he_ctx *c, ccs_he_plaintext **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL argument");
    CCS_TRY(check_ctx(c));
    ccs_he_plaintext *p = calloc(1, sizeof *p);
    CCS_ENSURE(p != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    p->n = c->n;
    p->level = c->L;
    p->scale = c->p.scale;
    p->rows = c->L;
    p->c = he_alloc(c->L * c->n * sizeof(uint64_t));
    if (p->c == NULL) {
        free(p);
        CCS_BAIL(CCS_ERR_NOMEM, "ckks: no memory");
    }
    *out = p;
    return CCS_OK;
}

size_t ccs_he_ckks_plaintext_level(const ccs_he_plaintext *pt) { return pt ? pt->level : 0; }
double ccs_he_ckks_plaintext_scale(const ccs_he_plaintext *pt) { return pt ? pt->scale : 0; }
double ccs_he_ckks_scale(const ccs_he_ciphertext *ct) { return ct ? ct_scale_get(ct) : 0; }

ccs_status ccs_he_ckks_set_scale(ccs_he_ciphertext *ct, double scale) {
    CCS_ENSURE(ct != NULL && isfinite(scale) && scale >= 1.0, CCS_ERR_INVALID_ARG, "ckks: bad scale");
    ct_scale_set(ct, scale);
    return CCS_OK;
}

/* ---- encoding ---- */

ccs_status ccs_he_ckks_encode(const ccs_he_ctx *c, const double *re_im, size_t count, double scale, size_t level,
                              ccs_he_plaintext *pt) {
    CCS_TRY(check_ctx(c));
    CCS_TRY(check_pt(c, pt));
    CCS_ENSURE((re_im || count == 0) && count <= c->n / 2, CCS_ERR_INVALID_ARG, "ckks: %zu values (at most %zu)",
               count, c->n / 2);
    if (level == 0) level = c->L;
    if (scale == 0) scale = c->p.scale;
    CCS_ENSURE(level <= c->L, CCS_ERR_INVALID_ARG, "ckks: level %zu (1..%zu)", level, c->L);
    CCS_ENSURE(isfinite(scale) && scale >= 1.0 && log2(scale) < log2_q(c, level) - 1, CCS_ERR_INVALID_ARG,
               "ckks: scale 2^%.1f does not fit level %zu", log2(scale), level);
    const size_t n = c->n;
    int64_t *co = malloc(n * sizeof *co);
    CCS_ENSURE(co != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    /* coefficients above 62 bits: encode at scale / 2^k, multiply by 2^k per prime */
    int k = 0;
    ccs_status st;
    for (;;) {
        st = ccs_ckks_encode(c->ckks, re_im, count, ldexp(scale, -k), co);
        if (st != CCS_ERR_OVERFLOW || k >= 120) break;
        k += 8;
    }
    if (st == CCS_OK) {
        uint64_t mx = 0;
        for (size_t z = 0; z < n; z++) {
            uint64_t a = co[z] < 0 ? (uint64_t)0 - (uint64_t)co[z] : (uint64_t)co[z];
            if (a > mx) mx = a;
        }
        if (mx && log2((double)mx) + k >= log2_q(c, level) - 1)
            st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "ckks: values too large for level %zu at scale 2^%.1f",
                               level, log2(scale));
    } else if (st == CCS_ERR_OVERFLOW) {
        st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "ckks: values too large to encode");
    }
    for (size_t i = 0; st == CCS_OK && i < level; i++) {
        const he_mod *m = &c->m[i];
        uint64_t *r = pt->c + i * n;
        for (size_t z = 0; z < n; z++) r[z] = he_from_i64(co[z], m->q);
        if (k) he_scalar_mul(r, r, ccs_he_pow_mod(2, (uint64_t)k, m->q), n, m);
        ccs_ntt_forward(m->ntt, r);
    }
    if (st == CCS_OK) pt->level = level, pt->scale = scale;
    ccs_wipe(co, n * sizeof *co);
    free(co);
    return st;
}

ccs_status ccs_he_ckks_encode_real(const ccs_he_ctx *c, const double *values, size_t count, double scale,
                                   size_t level, ccs_he_plaintext *pt) {
    CCS_TRY(check_ctx(c));
    CCS_ENSURE((values || count == 0) && count <= c->n / 2, CCS_ERR_INVALID_ARG, "ckks: %zu values (at most %zu)",
               count, c->n / 2);
    double *z = calloc(2 * count + 2, sizeof *z);
    CCS_ENSURE(z != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    for (size_t i = 0; i < count; i++) z[2 * i] = values[i];
    ccs_status st = ccs_he_ckks_encode(c, z, count, scale, level, pt);
    ccs_wipe(z, (2 * count + 2) * sizeof *z);
    free(z);
    return st;
}

/* The centered coefficients of x (l >= 2 rows of residues, coefficient
 * form) as doubles: x = sum_i y_i Q/q_i - v Q with y_i = [x_i (Q/q_i)^-1]_{q_i}
 * and v = round(sum_i y_i / q_i), the rounding in double precision (error
 * below l 2^-51, so v is exact unless x sits within that fraction of Q/2 of
 * +-Q/2; the last step re-centers it then). The sum is exact, in w + 1 limbs
 * with GMP's mpn layer (two's complement; Q fits in w limbs): no division and
 * no allocation per coefficient, against an mpz sum and mpz_mod each. */
static ccs_status crt_centered(const ccs_he_ctx *c, const uint64_t *x, size_t l, double *co) {
    const size_t n = c->n;
    mpz_t Q, t;
    mpz_inits(Q, t, NULL);
    mpz_set_ui(Q, 1);
    for (size_t i = 0; i < l; i++) mpz_mul_ui(Q, Q, c->m[i].q);
    const size_t w = mpz_size(Q), W = w + 1;
    mp_limb_t *lim = calloc((l + 3) * W, sizeof *lim); /* qhat_0..qhat_{l-1}, Q, half, acc */
    double inv[HE_MAXP];
    if (lim == NULL) {
        mpz_clears(Q, t, NULL);
        CCS_BAIL(CCS_ERR_NOMEM, "ckks: no memory");
    }
    mp_limb_t *qv = lim + l * W, *half = qv + W, *acc = half + W;
    for (size_t i = 0; i < l; i++) {
        mpz_divexact_ui(t, Q, c->m[i].q);
        for (size_t k = 0; k < w; k++) lim[i * W + k] = mpz_getlimbn(t, (mp_size_t)k);
        inv[i] = 1.0 / (double)c->m[i].q;
    }
    for (size_t k = 0; k < w; k++) qv[k] = mpz_getlimbn(Q, (mp_size_t)k);
    mpz_tdiv_q_2exp(t, Q, 1);
    for (size_t k = 0; k < w; k++) half[k] = mpz_getlimbn(t, (mp_size_t)k);
    for (size_t z = 0; z < n; z++) {
        double f = 0;
        memset(acc, 0, W * sizeof *acc);
        for (size_t i = 0; i < l; i++) {
            uint64_t y = he_mmul(x[i * n + z], c->qhat_inv[l][i], &c->m[i]);
            acc[w] += mpn_addmul_1(acc, lim + i * W, (mp_size_t)w, (mp_limb_t)y);
            f += (double)y * inv[i];
        }
        mp_limb_t v = (mp_limb_t)llround(f);
        acc[w] -= mpn_submul_1(acc, qv, (mp_size_t)w, v); /* modulo 2^(64 W) */
        bool neg = acc[w] >> (GMP_NUMB_BITS - 1);
        if (neg) mpn_neg(acc, acc, (mp_size_t)W);
        if (acc[w] != 0 || mpn_cmp(acc, half, (mp_size_t)w) > 0) { /* |x| > (Q-1)/2: v was one off */
            acc[w] -= mpn_sub_n(acc, acc, qv, (mp_size_t)w);
            mpn_neg(acc, acc, (mp_size_t)W); /* Q - |x| */
            neg = !neg;
        }
        double d = 0;
        for (size_t k = w; k-- > 0;) d = d * 0x1p64 + (double)acc[k];
        co[z] = neg ? -d : d;
    }
    ccs_wipe(lim, (l + 3) * W * sizeof *lim);
    free(lim);
    mpz_clears(Q, t, NULL);
    return CCS_OK;
}

ccs_status ccs_he_ckks_decode(const ccs_he_ctx *c, const ccs_he_plaintext *pt, double *re_im) {
    CCS_TRY(check_ctx(c));
    CCS_TRY(check_pt(c, pt));
    CCS_ENSURE(re_im != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL output");
    const size_t n = c->n, l = pt->level;
    uint64_t *x = he_alloc(l * n * sizeof(uint64_t));
    double *co = malloc(n * sizeof *co);
    ccs_status st = x && co ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ckks: no memory");
    if (st == CCS_OK) {
        memcpy(x, pt->c, l * n * sizeof(uint64_t));
        for (size_t i = 0; i < l; i++) ccs_ntt_inverse(c->m[i].ntt, x + i * n);
        if (l == 1) {
            uint64_t q = c->m[0].q;
            for (size_t k = 0; k < n; k++) co[k] = x[k] > q / 2 ? -(double)(q - x[k]) : (double)x[k];
        } else {
            st = crt_centered(c, x, l, co);
        }
        if (st == CCS_OK) st = ccs_ckks_decode(c->ckks, co, pt->scale, re_im);
    }
    if (x) ccs_wipe(x, l * n * sizeof(uint64_t));
    if (co) ccs_wipe(co, n * sizeof *co);
    he_free(x);
    free(co);
    return st;
}

ccs_status ccs_he_ckks_decode_real(const ccs_he_ctx *c, const ccs_he_plaintext *pt, double *values) {
    CCS_TRY(check_ctx(c));
    CCS_ENSURE(values != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL output");
    double *z = malloc(c->n * sizeof *z);
    CCS_ENSURE(z != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    ccs_status st = ccs_he_ckks_decode(c, pt, z);
    if (st == CCS_OK)
        for (size_t i = 0; i < c->n / 2; i++) values[i] = z[2 * i];
    ccs_wipe(z, c->n * sizeof *z);
    free(z);
    return st;
}

/* ---- encryption ---- */

static ccs_status encrypt_any(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_secret_key *sk,
                              const ccs_he_plaintext *pt, ccs_he_ciphertext *out) {
    CCS_TRY(check_ctx(c));
    CCS_TRY(check_pt(c, pt));
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL ciphertext");
    size_t l = pt->level;
    double scale = pt->scale;
    CCS_TRY(he_encrypt_core(c, pk, sk, out));
    for (size_t i = 0; i < l; i++)
        he_add(he_ct_row(out, 0, i), he_ct_row(out, 0, i), pt->c + i * c->n, c->n, c->m[i].q);
    if (l < c->L) out->seeded = false; /* the seed form is for level L */
    out->level = l;
    ct_scale_set(out, scale);
    return CCS_OK;
}

ccs_status ccs_he_ckks_encrypt(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_plaintext *pt,
                               ccs_he_ciphertext *out) {
    CCS_ENSURE(pk != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL public key");
    return encrypt_any(c, pk, NULL, pt, out);
}

ccs_status ccs_he_ckks_encrypt_symmetric(const ccs_he_ctx *c, const ccs_he_secret_key *sk,
                                         const ccs_he_plaintext *pt, ccs_he_ciphertext *out) {
    CCS_ENSURE(sk != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL secret key");
    return encrypt_any(c, NULL, sk, pt, out); /* he_encrypt_core checks the key's context */
}

ccs_status ccs_he_ckks_decrypt(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct,
                               ccs_he_plaintext *out) {
    CCS_TRY(check_ct(c, ct));
    CCS_TRY(check_pt(c, out));
    CCS_ENSURE(sk != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL secret key");
    CCS_ENSURE(c == NULL || HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "ckks: a key of another context");
    const size_t n = c->n;
    for (size_t i = 0; i < ct->level; i++) {
        const he_mod *m = &c->m[i];
        const uint64_t *s = ccs_he_poly_row(&sk->s, i);
        uint64_t *r = out->c + i * n;
        if (ct->size == 3) {
            he_dyadic_mul(r, he_ct_row(ct, 2, i), s, n, m);
            he_add(r, r, he_ct_row(ct, 1, i), n, m->q);
            he_dyadic_mul(r, r, s, n, m);
        } else {
            he_dyadic_mul(r, he_ct_row(ct, 1, i), s, n, m);
        }
        he_add(r, r, he_ct_row(ct, 0, i), n, m->q);
    }
    out->level = ct->level;
    out->scale = ct_scale_get(ct);
    return CCS_OK;
}

/* ---- evaluation ---- */

static ccs_status check_pair(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                             bool scales) {
    CCS_TRY(check_ct(c, a));
    CCS_TRY(check_ct(c, b));
    CCS_ENSURE(a->level == b->level, CCS_ERR_INVALID_ARG, "ckks: operands at levels %zu and %zu", a->level, b->level);
    if (scales)
        CCS_ENSURE(same_scale(ct_scale_get(a), ct_scale_get(b)), CCS_ERR_INVALID_ARG,
                   "ckks: operands at scales 2^%.3f and 2^%.3f", log2(ct_scale_get(a)), log2(ct_scale_get(b)));
    return CCS_OK;
}

ccs_status ccs_he_ckks_add(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                           ccs_he_ciphertext *out) {
    CCS_TRY(check_pair(c, a, b, true));
    return ccs_he_add(c, a, b, out); /* the core keeps a's cf: the scale */
}

ccs_status ccs_he_ckks_sub(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                           ccs_he_ciphertext *out) {
    CCS_TRY(check_pair(c, a, b, true));
    return ccs_he_sub(c, a, b, out);
}

ccs_status ccs_he_ckks_negate(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    return ccs_he_negate(c, a, out);
}

ccs_status ccs_he_ckks_add_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_plaintext *p,
                                 ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_TRY(check_pt(c, p));
    CCS_ENSURE(p->level >= a->level, CCS_ERR_INVALID_ARG, "ckks: plaintext at level %zu, ciphertext at %zu", p->level,
               a->level);
    CCS_ENSURE(same_scale(p->scale, ct_scale_get(a)), CCS_ERR_INVALID_ARG,
               "ckks: ciphertext at scale 2^%.3f, plaintext at 2^%.3f", log2(ct_scale_get(a)), log2(p->scale));
    CCS_TRY(ccs_he_ciphertext_copy(out, a));
    out->seeded = false;
    for (size_t i = 0; i < out->level; i++)
        he_add(he_ct_row(out, 0, i), he_ct_row(out, 0, i), p->c + i * c->n, c->n, c->m[i].q);
    return CCS_OK;
}

static ccs_status check_scale_fits(const ccs_he_ctx *c, double scale, size_t l) {
    CCS_ENSURE(isfinite(scale) && log2(scale) < log2_q(c, l) - 1, CCS_ERR_INVALID_ARG,
               "ckks: the product's scale 2^%.1f exceeds level %zu (rescale first)", log2(scale), l);
    return CCS_OK;
}

ccs_status ccs_he_ckks_multiply_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_plaintext *p,
                                      ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_TRY(check_pt(c, p));
    CCS_ENSURE(p->level >= a->level, CCS_ERR_INVALID_ARG, "ckks: plaintext at level %zu, ciphertext at %zu", p->level,
               a->level);
    double scale = ct_scale_get(a) * p->scale;
    CCS_TRY(check_scale_fits(c, scale, a->level));
    CCS_TRY(ccs_he_ciphertext_copy(out, a));
    out->seeded = false;
    for (size_t k = 0; k < out->size; k++)
        for (size_t i = 0; i < out->level; i++)
            he_dyadic_mul(he_ct_row(out, k, i), he_ct_row(out, k, i), p->c + i * c->n, c->n, &c->m[i]);
    ct_scale_set(out, scale);
    return CCS_OK;
}

ccs_status ccs_he_ckks_multiply(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                ccs_he_ciphertext *out) {
    CCS_TRY(check_pair(c, a, b, false));
    CCS_ENSURE(a->size == 2 && b->size == 2, CCS_ERR_INVALID_ARG, "ckks: multiply needs size-2 ciphertexts");
    const size_t n = c->n, l = a->level;
    double scale = ct_scale_get(a) * ct_scale_get(b);
    CCS_TRY(check_scale_fits(c, scale, l));
    CCS_TRY(he_ct_prepare(c, out, l, 3)); /* only the header: rows are read before they are written */
    uint64_t *tmp = he_scratch(HE_SCR_ROT, 3 * n * sizeof(uint64_t));
    CCS_ENSURE(tmp != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    for (size_t i = 0; i < l; i++) {
        const he_mod *m = &c->m[i];
        const uint64_t *a0 = he_ct_row(a, 0, i), *a1 = he_ct_row(a, 1, i), *b0 = he_ct_row(b, 0, i),
                       *b1 = he_ct_row(b, 1, i);
        const uint64_t *x[2] = {a0, a1}, *y[2] = {b1, b0};
        he_dyadic_mul(tmp, a0, b0, n, m);
        he_dyadic_macc(tmp + n, x, y, 2, n, m);
        he_dyadic_mul(tmp + 2 * n, a1, b1, n, m);
        for (size_t k = 0; k < 3; k++) memcpy(he_ct_row(out, k, i), tmp + k * n, n * sizeof(uint64_t));
    }
    ct_scale_set(out, scale);
    return CCS_OK;
}

ccs_status ccs_he_ckks_relinearize(const ccs_he_ctx *c, const ccs_he_relin_key *rk, const ccs_he_ciphertext *a,
                                   ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    return ccs_he_relinearize(c, rk, a, out); /* the core keeps cf: the scale */
}

ccs_status ccs_he_ckks_rescale(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(a->level >= 2, CCS_ERR_INVALID_ARG, "ckks: no prime left to rescale by (level %zu)", a->level);
    CCS_TRY(he_ct_prepare(c, out, a->level, a->size));
    const size_t l = a->level, size = a->size, n = c->n;
    uint64_t *scr = he_scratch(HE_SCR_ROT, 2 * n * sizeof(uint64_t));
    CCS_ENSURE(scr != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    for (size_t k = 0; k < size; k++) {
        if (out != a) memcpy(he_ct_row(out, k, 0), he_ct_row(a, k, 0), l * n * sizeof(uint64_t));
        he_divide_last(c, he_ct_row(out, k, 0), l - 1, &c->m[l - 1], c->qlast_inv[l], 1, scr);
    }
    out->cf = a->cf;
    ct_scale_set(out, ct_scale_get(a) / (double)c->m[l - 1].q);
    out->level = l - 1;
    return CCS_OK;
}

/* Key switching of d (NTT form, l rows) with the relinearization key, fused
 * with the rescale: c0 and c1 (rows 0..l-1) become round((P c + <d, k>) /
 * (P q_{l-1})) over rows 0..l-2, the same as the mod-down by P followed by
 * the division by q_{l-1}, in 2 inverse and l-1 forward NTTs per polynomial
 * instead of 2 and 2l-1. The centered remainder r of X = P c + <d, k>
 * modulo P q_{l-1} is a' + P b' with a' = [X]_P centered and b' = [(X -
 * a') / P]_{q_{l-1}} centered; each row gets (X - r) (P q_{l-1})^-1. The
 * mod-up and the inner products are those of he_kswitch_apply (keys.c). */
static ccs_status kswitch_rescale(const ccs_he_ctx *c, const he_kswitch *k, const uint64_t *d, size_t l, uint64_t *c0,
                                  uint64_t *c1) {
    const size_t n = c->n;
    uint64_t *coef = he_scratch(HE_SCR_KS, (4 * l + 4) * n * sizeof(uint64_t));
    CCS_ENSURE(coef != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    uint64_t *src = coef + l * n, *acc = src + l * n, *scr = acc + 2 * (l + 1) * n;
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
    const he_mod *mp = &c->m[c->L], *mq = &c->m[l - 1];
    const uint64_t P = mp->q, q = mq->q;
    uint64_t *xa = scr, *y = scr + n, *t = src, *u = src + n; /* src is free now */
    for (size_t poly = 0; poly < 2; poly++) {
        uint64_t *ac = poly ? acc1 : acc0, *cc = poly ? c1 : c0;
        memcpy(xa, ac + l * n, n * sizeof *xa);
        ccs_ntt_inverse(mp->ntt, xa); /* X mod P, coefficient form */
        he_scalar_mul(y, cc + (l - 1) * n, c->p_mod_q[l - 1], n, mq);
        he_add(y, y, ac + (l - 1) * n, n, q);
        ccs_ntt_inverse(mq->ntt, y); /* X mod q_{l-1} */
        he_lift_centered(t, xa, P, 1, n, mq);
        he_sub_mul(y, y, t, c->p_inv_q[l - 1], n, mq); /* b' (uncentered) */
        for (size_t i = 0; i + 1 < l; i++) {
            const he_mod *m = &c->m[i];
            he_lift_centered(t, xa, P, 1, n, m);
            he_lift_centered(u, y, q, c->p_mod_q[i], n, m);
            he_add(t, t, u, n, m->q);
            ccs_ntt_forward(m->ntt, t); /* r mod q_i */
            uint64_t *r = cc + i * n;
            he_sub_mul(t, ac + i * n, t, he_mmul(c->p_inv_q[i], c->qlast_inv[l][i], m), n, m);
            he_scalar_mul(r, r, c->qlast_inv[l][i], n, m);
            he_add(r, r, t, n, m->q);
        }
    }
    return CCS_OK;
}

ccs_status ccs_he_ckks_mul_relin_rescale(const ccs_he_ctx *c, const ccs_he_relin_key *rk, const ccs_he_ciphertext *a,
                                         const ccs_he_ciphertext *b, ccs_he_ciphertext *out) {
    CCS_ENSURE(rk != NULL && rk->k.b != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL relinearization key");
    CCS_ENSURE(HE_KEY_OF(c, rk), CCS_ERR_INVALID_ARG, "ckks: a key of another context");
    CCS_TRY(check_pair(c, a, b, false));
    CCS_ENSURE(a->level >= 2, CCS_ERR_INVALID_ARG, "ckks: no prime left to rescale by (level %zu)", a->level);
    CCS_TRY(ccs_he_ckks_multiply(c, a, b, out));
    const size_t l = out->level;
    CCS_TRY(kswitch_rescale(c, &rk->k, he_ct_row(out, 2, 0), l, he_ct_row(out, 0, 0), he_ct_row(out, 1, 0)));
    out->size = 2;
    out->level = l - 1;
    ct_scale_set(out, ct_scale_get(out) / (double)c->m[l - 1].q);
    return CCS_OK;
}

ccs_status ccs_he_ckks_drop_level(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(a->level >= 2, CCS_ERR_INVALID_ARG, "ckks: no prime left to drop (level %zu)", a->level);
    CCS_TRY(ccs_he_ciphertext_copy(out, a));
    out->level = a->level - 1;
    out->seeded = false;
    return CCS_OK;
}

/* ---- rotations ---- */

static uint32_t galois_elt(const ccs_he_ctx *c, int step) {
    uint64_t m2 = 2 * c->n, half = c->n / 2;
    long s = step % (long)half;
    if (s < 0) s += (long)half;
    return (uint32_t)ccs_he_pow_mod(5, (uint64_t)s, m2);
}

ccs_status ccs_he_ckks_keygen_galois(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const int *steps, size_t count,
                                     bool conjugate, ccs_he_galois_keys **out) {
    CCS_TRY(check_ctx(c));
    CCS_ENSURE(sk && out && (steps || count == 0) && count <= c->n, CCS_ERR_INVALID_ARG, "ckks: bad arguments");
    CCS_ENSURE(HE_KEY_OF(c, sk), CCS_ERR_INVALID_ARG, "ckks: a key of another context");
    *out = NULL;
    ccs_he_galois_keys *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    memcpy(k->params_id, c->params_id, 32);
    k->k = calloc(count + 1, sizeof *k->k);
    size_t *perm = malloc(c->n * sizeof *perm);
    ccs_he_poly t = {0};
    ccs_status st = k->k && perm ? ccs_he_poly_alloc(c, c->L, true, &t)
                                 : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ckks: no memory");
    for (size_t i = 0; st == CCS_OK && i < count + (conjugate ? 1 : 0); i++) {
        uint32_t g = i < count ? galois_elt(c, steps[i]) : (uint32_t)(2 * c->n - 1);
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
    if (t.c) ccs_wipe(t.c, t.count * t.n * sizeof(uint64_t));
    ccs_he_poly_free(&t);
    free(perm);
    if (st != CCS_OK) {
        ccs_he_galois_keys_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

static ccs_status apply_galois(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                               uint32_t g, ccs_he_ciphertext *out) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(gk != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL Galois keys");
    CCS_ENSURE(HE_KEY_OF(c, gk), CCS_ERR_INVALID_ARG, "ckks: keys of another context");
    CCS_ENSURE(a->size == 2, CCS_ERR_INVALID_ARG, "ckks: relinearize before rotating");
    if (g == 1) return ccs_he_ciphertext_copy(out, a);
    const he_kswitch *k = NULL;
    for (size_t i = 0; i < gk->count; i++)
        if (gk->k[i].galois == g) k = &gk->k[i];
    CCS_ENSURE(k != NULL, CCS_ERR_NOT_FOUND, "ckks: no Galois key for element %u", g);
    const size_t n = c->n, l = a->level;
    uint64_t *t0 = he_scratch(HE_SCR_ROT, 2 * l * n * sizeof(uint64_t));
    uint64_t *t1 = t0 ? t0 + l * n : NULL;
    const uint32_t *perm = k->perm;
    CCS_ENSURE(t0 != NULL && perm != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    for (size_t i = 0; i < l; i++) {
        const uint64_t *x0 = he_ct_row(a, 0, i), *x1 = he_ct_row(a, 1, i);
        uint64_t *y0 = t0 + i * n, *y1 = t1 + i * n;
        for (size_t z = 0; z < n; z++) y0[z] = x0[perm[z]], y1[z] = x1[perm[z]];
    }
    uint64_t cf = a->cf;
    CCS_TRY(he_ct_prepare(c, out, l, 2));
    out->cf = cf;
    memcpy(he_ct_row(out, 0, 0), t0, l * n * sizeof(uint64_t));
    memset(he_ct_row(out, 1, 0), 0, l * n * sizeof(uint64_t));
    return he_kswitch_apply(c, k, t1, l, he_ct_row(out, 0, 0), he_ct_row(out, 1, 0));
}

ccs_status ccs_he_ckks_rotate(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a, int step,
                              ccs_he_ciphertext *out) {
    CCS_TRY(check_ctx(c));
    return apply_galois(c, gk, a, galois_elt(c, step), out);
}

ccs_status ccs_he_ckks_conjugate(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                                 ccs_he_ciphertext *out) {
    CCS_TRY(check_ctx(c));
    return apply_galois(c, gk, a, (uint32_t)(2 * c->n - 1), out);
}

/* ---- hoisted rotations (hoist.c) ---- */

ccs_status ccs_he_ckks_rotation_precompute(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                           ccs_he_rotation_precomp *p) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(p != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL precompute");
    CCS_ENSURE(a->size == 2, CCS_ERR_INVALID_ARG, "ckks: relinearize before rotating");
    return he_hoist_precompute(c, a, p);
}

static ccs_status galois_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_rotation_precomp *p,
                                 uint32_t g, ccs_he_ciphertext *out) {
    CCS_TRY(he_hoist_check(c, p));
    CCS_ENSURE(gk != NULL && out != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL argument");
    CCS_ENSURE(HE_KEY_OF(c, gk), CCS_ERR_INVALID_ARG, "ckks: keys of another context");
    const he_kswitch *k = g == 1 ? NULL : he_galois_find(gk, g);
    CCS_ENSURE(g == 1 || k != NULL, CCS_ERR_NOT_FOUND, "ckks: no Galois key for element %u", g);
    return he_hoist_apply(c, p, k, out);
}

ccs_status ccs_he_ckks_rotate_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                      const ccs_he_rotation_precomp *p, int step, ccs_he_ciphertext *out) {
    CCS_TRY(check_ctx(c));
    return galois_hoisted(c, gk, p, galois_elt(c, step), out);
}

ccs_status ccs_he_ckks_conjugate_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                         const ccs_he_rotation_precomp *p, ccs_he_ciphertext *out) {
    CCS_TRY(check_ctx(c));
    return galois_hoisted(c, gk, p, (uint32_t)(2 * c->n - 1), out);
}

ccs_status ccs_he_ckks_rotate_many(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                                   const int *steps, size_t count, ccs_he_ciphertext *const *outs) {
    CCS_TRY(check_ct(c, a));
    CCS_ENSURE(gk != NULL && ((steps && outs) || count == 0), CCS_ERR_INVALID_ARG, "ckks: NULL argument");
    CCS_ENSURE(HE_KEY_OF(c, gk), CCS_ERR_INVALID_ARG, "ckks: keys of another context");
    CCS_ENSURE(a->size == 2, CCS_ERR_INVALID_ARG, "ckks: relinearize before rotating");
    uint32_t *elts = malloc((count ? count : 1) * sizeof *elts);
    CCS_ENSURE(elts != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    for (size_t i = 0; i < count; i++) elts[i] = galois_elt(c, steps[i]);
    ccs_status st = he_hoist_many(c, gk, a, elts, count, outs);
    free(elts);
    return st;
}

/* ---- precision ---- */

ccs_status ccs_he_ckks_precision_report(const double *got, const double *want, size_t count,
                                        ccs_he_ckks_precision *out) {
    CCS_ENSURE(out && ((got && want) || count == 0), CCS_ERR_INVALID_ARG, "ckks: NULL argument");
    double mx = 0, sum = 0;
    for (size_t i = 0; i < count; i++) {
        double e = hypot(got[2 * i] - want[2 * i], got[2 * i + 1] - want[2 * i + 1]);
        CCS_ENSURE(isfinite(e), CCS_ERR_INVALID_ARG, "ckks: non-finite value at slot %zu", i);
        if (e > mx) mx = e;
        sum += e;
    }
    out->max_abs_err = mx;
    out->mean_abs_err = count ? sum / (double)count : 0;
    out->log2_max_err = mx > 0 ? log2(mx) : -INFINITY;
    out->bits = mx > 0 ? -log2(mx) : INFINITY;
    return CCS_OK;
}

ccs_status ccs_he_ckks_measure(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct,
                               const double *want, size_t count, ccs_he_ckks_precision *out) {
    CCS_TRY(check_ctx(c));
    CCS_ENSURE(count <= c->n / 2, CCS_ERR_INVALID_ARG, "ckks: %zu slots (at most %zu)", count, c->n / 2);
    ccs_he_plaintext *pt = NULL;
    CCS_TRY(ccs_he_ckks_plaintext_new(c, &pt));
    double *z = malloc(c->n * sizeof *z);
    ccs_status st = z ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ckks: no memory");
    if (st == CCS_OK) st = ccs_he_ckks_decrypt(c, sk, ct, pt);
    if (st == CCS_OK) st = ccs_he_ckks_decode(c, pt, z);
    if (st == CCS_OK) st = ccs_he_ckks_precision_report(z, want, count, out);
    if (z) ccs_wipe(z, c->n * sizeof *z);
    free(z);
    if (pt) ccs_wipe(pt->c, c->L * c->n * sizeof(uint64_t));
    ccs_he_plaintext_free(pt);
    return st;
}
