/* BFV on the RNS core: the phase c0 + c1 s = Delta m + e with Delta =
 * floor(Q/t), decryption m = round(t x / Q) mod t computed from the
 * residues with 64-bit fixed-point fractions (no floating point), and the
 * ciphertext multiply with the HPS basis extension (Halevi, Polyakov, Shoup,
 * "An improved RNS variant of the BFV homomorphic encryption scheme", 2019):
 *   1. extend every input from Q to Q u B (B: auxiliary primes below 2^50,
 *      B > t N Q) exactly: v = round(sum y_i / q_i) in fixed point;
 *   2. tensor in NTT form over Q u B;
 *   3. scale by t/Q and round into B: for x over Q u B,
 *      round(t x / Q) = sum_i y_i floor(t B / q_i) + y_{b_j} [t B / b_j]
 *      + round(sum_i y_i frac(t B / q_i))  (mod b_j),
 *      y_k = [x_k (Q B / k)^-1]_k, the fractions in 64-bit fixed point
 *      (error below 2^-10 at any size, i.e. at most +-1 of extra noise);
 *   4. convert B back to Q exactly and return to NTT form.
 * Modulus switching is not offered for BFV: ciphertexts stay at level L. */
#include <gmp.h>

#include "rns_internal.h"

static uint64_t mpz_mod_u64(const mpz_t x, uint64_t q) { return mpz_fdiv_ui(x, q); }

ccs_status he_bfv_init(ccs_he_ctx *c) {
    const size_t L = c->L, n = c->n;
    mpz_t Q, B, tB, h, r;
    mpz_inits(Q, B, tB, h, r, NULL);
    mpz_set_ui(Q, 1);
    for (size_t i = 0; i < L; i++) mpz_mul_ui(Q, Q, c->m[i].q);
    mpz_fdiv_q_ui(h, Q, c->p.t);
    for (size_t i = 0; i < L; i++) {
        c->delta[i] = mpz_mod_u64(h, c->m[i].q);
        /* t / q_i = floor(t / q_i) + (t mod q_i) / q_i: the fraction in
         * 64-bit fixed point; the integer part (t above a data prime) apart,
         * or floor(t 2^64 / q_i) would not fit in 64 bits. */
        c->t_over_q_int[i] = c->p.t / c->m[i].q;
        c->t_over_q_fix[i] = (uint64_t)(((unsigned __int128)(c->p.t % c->m[i].q) << 64) / c->m[i].q);
        c->t_over_q_has_int |= c->t_over_q_int[i] != 0;
    }
    size_t need = mpz_sizeinbase(Q, 2) + (64 - (size_t)__builtin_clzll(c->p.t)) + c->log_n + 3;
    size_t K = (need + 48) / 49;
    ccs_status st = K <= HE_MAX_AUX ? CCS_OK : ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "he: modulus too large for BFV");
    uint64_t cand[HE_MAXP + HE_MAX_AUX];
    size_t want = K + L + 1;
    if (st == CCS_OK) st = ccs_he_primes(n, 50, want, cand);
    size_t got = 0;
    for (size_t x = 0; st == CCS_OK && x < want && got < K; x++) {
        bool used = false;
        for (size_t i = 0; i <= L; i++) used |= cand[x] == c->m[i].q;
        if (used) continue;
        he_mod *m = &c->aux[got++];
        he_mod_init(m, cand[x]);
        st = ccs_ntt_new(n, cand[x], &m->ntt);
    }
    if (st == CCS_OK && got < K) st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "he: not enough auxiliary primes");
    c->K = got;
    if (st == CCS_OK) st = he_bconv_init(&c->q_to_b, c->m, L, c->aux, K);
    if (st == CCS_OK) st = he_bconv_init(&c->b_to_q, c->aux, K, c->m, L);
    if (st == CCS_OK) {
        c->s_w = calloc(L * K, sizeof(uint64_t));
        if (c->s_w == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    }
    if (st == CCS_OK) {
        mpz_set_ui(B, 1);
        for (size_t j = 0; j < K; j++) mpz_mul_ui(B, B, c->aux[j].q);
        mpz_mul_ui(tB, B, c->p.t);
        for (size_t i = 0; i < L; i++) {
            uint64_t q = c->m[i].q;
            mpz_divexact_ui(h, Q, q);
            mpz_mul(h, h, B);
            c->s_qbhat_inv[i] = ccs_he_inv_mod(mpz_mod_u64(h, q), q);
            c->s_qbhat_inv_s[i] = he_shoup(c->s_qbhat_inv[i], q, 64);
            c->qhat_inv_s[i] = he_shoup(c->qhat_inv[L][i], q, 64);
            uint64_t rem = mpz_fdiv_q_ui(r, tB, q); /* r = floor(tB / q) */
            c->s_theta[i] = (uint64_t)(((unsigned __int128)rem << 64) / q);
            for (size_t j = 0; j < K; j++) c->s_w[i * K + j] = mpz_mod_u64(r, c->aux[j].q);
        }
        for (size_t j = 0; j < K; j++) {
            uint64_t b = c->aux[j].q;
            mpz_divexact_ui(h, B, b);
            mpz_mul(h, h, Q);
            c->s_bhat_inv[j] = ccs_he_inv_mod(mpz_mod_u64(h, b), b);
            c->s_bhat_inv_s[j] = he_shoup(c->s_bhat_inv[j], b, 64);
            mpz_divexact_ui(h, tB, b);
            c->s_lambda[j] = mpz_mod_u64(h, b);
        }
    }
    mpz_clears(Q, B, tB, h, r, NULL);
    return st;
}

ccs_status he_bfv_decrypt_phase(const ccs_he_ctx *c, uint64_t *x, ccs_he_plaintext *out) {
    const size_t n = c->n, L = c->L;
    for (size_t k = 0; k < n; k++) {
        unsigned __int128 s = 0;
        uint64_t ip = 0; /* the integer parts: each y floor(t / q_i) < t < 2^40, at most L of them */
        for (size_t i = 0; i < L; i++) {
            uint64_t y = he_mul_shoup(x[i * n + k], c->qhat_inv[L][i], c->qhat_inv_s[i], c->m[i].q);
            s += (unsigned __int128)y * c->t_over_q_fix[i];
            ip += y * c->t_over_q_int[i];
        }
        uint64_t v = he_red64((uint64_t)((s + ((unsigned __int128)1 << 63)) >> 64), &c->tm);
        uint64_t w = c->t_over_q_has_int ? ip % c->p.t : 0;
        out->c[k] = v >= c->p.t - w ? v - (c->p.t - w) : v + w;
    }
    return CCS_OK;
}

/* x: L rows mod q then K rows mod b (coefficient form) -> out: K rows of
 * round(t x / Q). y: scratch of L + 1 rows, r: scratch of n words. */
static void scale_to_b(const ccs_he_ctx *c, const uint64_t *x, uint64_t *out, uint64_t *y, uint64_t *r) {
    const size_t n = c->n, L = c->L, K = c->K;
    for (size_t i = 0; i < L; i++) {
        const uint64_t w = c->s_qbhat_inv[i], ws = c->s_qbhat_inv_s[i], q = c->m[i].q;
        const uint64_t *xi = x + i * n;
        uint64_t *yi = y + i * n;
        for (size_t k = 0; k < n; k++) yi[k] = he_mul_shoup(xi[k], w, ws, q);
    }
    for (size_t k = 0; k < n; k++) {
        unsigned __int128 fr = (unsigned __int128)1 << 63;
        for (size_t i = 0; i < L; i++) fr += (unsigned __int128)y[i * n + k] * c->s_theta[i];
        r[k] = (uint64_t)(fr >> 64);
    }
    uint64_t cst[HE_MAXP + 1];
    uint64_t *yb = y + L * n;
    for (size_t j = 0; j < K; j++) {
        const uint64_t bw = c->s_bhat_inv[j], bws = c->s_bhat_inv_s[j], bq = c->aux[j].q;
        for (size_t i = 0; i < L; i++) cst[i] = c->s_w[i * K + j];
        cst[L] = c->s_lambda[j];
        const uint64_t *xb = x + (L + j) * n;
        for (size_t k = 0; k < n; k++) yb[k] = he_mul_shoup(xb[k], bw, bws, bq);
        he_macc(out + j * n, y, L + 1, n, cst, r, &c->aux[j]);
    }
}

ccs_status he_bfv_multiply(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                           ccs_he_ciphertext *out) {
    const size_t n = c->n, L = c->L, K = c->K, R = L + K;
    CCS_ENSURE(a->level == L && b->level == L, CCS_ERR_INVALID_ARG, "he: BFV ciphertexts stay at the top level");
    uint64_t *ext = he_scratch(HE_SCR_BFV, (8 * R + L + 2) * n * sizeof(uint64_t));
    uint64_t *d = ext ? ext + 4 * R * n : NULL, *tmp = ext ? d + 3 * R * n : NULL, *ys = ext ? tmp + R * n : NULL;
    ccs_status st = ext ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) {
        /* 1. Q -> Q u B */
        for (size_t p = 0; p < 4; p++) {
            const ccs_he_ciphertext *src = p < 2 ? a : b;
            uint64_t *e = ext + p * R * n;
            memcpy(e, he_ct_row(src, p & 1, 0), L * n * sizeof(uint64_t));
            memcpy(tmp, e, L * n * sizeof(uint64_t));
            for (size_t i = 0; i < L; i++) ccs_ntt_inverse(c->m[i].ntt, tmp + i * n);
            he_bconv_apply(&c->q_to_b, tmp, e + L * n, n, true);
            for (size_t j = 0; j < K; j++) ccs_ntt_forward(c->aux[j].ntt, e + (L + j) * n);
        }
        /* 2. tensor */
        const uint64_t *a0 = ext, *a1 = ext + R * n, *b0 = ext + 2 * R * n, *b1 = ext + 3 * R * n;
        for (size_t r = 0; r < R; r++) {
            const he_mod mm = r < L ? c->m[r] : c->aux[r - L], *m = &mm;
            size_t o = r * n;
            uint64_t *d0 = d + o, *d1 = d + R * n + o, *d2 = d + 2 * R * n + o;
            const uint64_t *x[2] = {a0 + o, a1 + o}, *y[2] = {b1 + o, b0 + o};
            he_dyadic_mul(d0, a0 + o, b0 + o, n, m);
            he_dyadic_macc(d1, x, y, 2, n, m);
            he_dyadic_mul(d2, a1 + o, b1 + o, n, m);
            ccs_ntt_inverse(m->ntt, d0);
            ccs_ntt_inverse(m->ntt, d1);
            ccs_ntt_inverse(m->ntt, d2);
        }
        /* 3. scale into B; 4. B -> Q */
        st = he_ct_prepare(c, out, L, 3);
        for (size_t p = 0; st == CCS_OK && p < 3; p++) {
            scale_to_b(c, d + p * R * n, tmp, ys, ys + (L + 1) * n);
            uint64_t *o = he_ct_row(out, p, 0);
            he_bconv_apply(&c->b_to_q, tmp, o, n, true);
            for (size_t i = 0; i < L; i++) ccs_ntt_forward(c->m[i].ntt, o + i * n);
        }
        out->cf = 1;
    }
    return st;
}
