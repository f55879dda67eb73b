/* `ccs he bench --scheme bgv|bfv`: the HEBench workloads on the lattice
 * schemes (include/ccs/he_rns.h), N = 8192 at 128-bit security, values in
 * the batching slots (row 0): element-wise add (ct + ct) and multiply
 * (ct * ct, relinearized), the dot product with a plaintext vector
 * (multiply_plain, then rotate-and-sum: log2 n rotations), and the matrix
 * product of an encrypted n x n matrix (one ciphertext per row) by a
 * plaintext one (a dot product per output). The logistic-regression
 * workload needs real arithmetic (CKKS). Every output is decrypted and
 * checked mod t. Timing and statistics as he_bench.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccs/he_rns.h"
#include "he_cli.h"

static double now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct lcase {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_galois_keys *gk;
    uint64_t t;
    size_t n, rows, slots;
    uint64_t *x, *y, *w, *want; /* x: rows x n; y: n; w: n (dot) or n x n (matmul) */
    ccs_he_ciphertext **cx, *cy, *out, *tmp;
    ccs_he_plaintext *pt;
    size_t nout;
} lcase;

static ccs_status encrypt_vec(lcase *l, const uint64_t *v, ccs_he_ciphertext *ct) {
    CCS_TRY(ccs_he_encode_batch(l->c, v, l->n, l->pt));
    return ccs_he_encrypt(l->c, l->pk, l->pt, ct);
}

/* out = sum over the first n slots of row 0, in slot 0 (and beyond, rotated copies). */
static ccs_status rotate_sum(lcase *l, ccs_he_ciphertext *acc) {
    for (size_t s = 1; s < l->n; s <<= 1) {
        CCS_TRY(ccs_he_rotate_rows(l->c, l->gk, acc, (int)s, l->tmp));
        CCS_TRY(ccs_he_add(l->c, acc, l->tmp, acc));
    }
    return CCS_OK;
}

/* dot(ct, plaintext weights) into out (slot 0). */
static ccs_status dot(lcase *l, const ccs_he_ciphertext *ct, const uint64_t *w, ccs_he_ciphertext *out) {
    CCS_TRY(ccs_he_encode_batch(l->c, w, l->n, l->pt));
    CCS_TRY(ccs_he_multiply_plain(l->c, ct, l->pt, out));
    return rotate_sum(l, out);
}

static ccs_status operate(lcase *l, he_workload wl) {
    switch (wl) {
    case HE_WL_ADD: return ccs_he_add(l->c, l->cx[0], l->cy, l->out);
    case HE_WL_MUL:
        CCS_TRY(ccs_he_multiply(l->c, l->cx[0], l->cy, l->out));
        return ccs_he_relinearize(l->c, l->rk, l->out, l->out);
    case HE_WL_DOT: return dot(l, l->cx[0], l->w, l->out);
    case HE_WL_MATMUL: {
        uint64_t *col = malloc(l->n * sizeof *col);
        CCS_ENSURE(col != NULL, CCS_ERR_NOMEM, "he bench: no memory");
        ccs_status st = CCS_OK;
        for (size_t k = 0; k < l->n && st == CCS_OK; k++) { /* output column k: a dot per row */
            for (size_t j = 0; j < l->n; j++) col[j] = l->w[j * l->n + k];
            for (size_t r = 0; r < l->rows && st == CCS_OK; r++) st = dot(l, l->cx[r], col, l->out);
        }
        free(col);
        return st;
    }
    default: CCS_BAIL(CCS_ERR_UNSUPPORTED, "he bench: the logistic-regression workload needs CKKS");
    }
}

static ccs_status check(lcase *l, he_workload wl) {
    uint64_t *v = malloc(l->slots * sizeof *v);
    CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "he bench: no memory");
    ccs_status st = ccs_he_decrypt(l->c, l->sk, l->out, l->pt);
    if (st == CCS_OK) st = ccs_he_decode_batch(l->c, l->pt, v);
    /* matmul: the last output computed is (row rows-1, column n-1) */
    size_t count = wl == HE_WL_ADD || wl == HE_WL_MUL ? l->n : 1;
    for (size_t i = 0; i < count && st == CCS_OK; i++)
        if (v[i] != l->want[i])
            st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "he bench: slot %zu decrypts to %llu, expected %llu", i,
                               (unsigned long long)v[i], (unsigned long long)l->want[i]);
    free(v);
    return st;
}

static void clear(lcase *l) {
    for (size_t r = 0; l->cx && r < l->rows; r++) ccs_he_ciphertext_free(l->cx[r]);
    free(l->cx);
    ccs_he_ciphertext_free(l->cy), ccs_he_ciphertext_free(l->out), ccs_he_ciphertext_free(l->tmp);
    ccs_he_plaintext_free(l->pt);
    ccs_he_galois_keys_free(l->gk), ccs_he_relin_key_free(l->rk), ccs_he_public_key_free(l->pk);
    ccs_he_secret_key_free(l->sk), ccs_he_ctx_free(l->c);
    free(l->x), free(l->y), free(l->w), free(l->want);
    memset(l, 0, sizeof *l);
}

static ccs_status setup(lcase *l, ccs_he_scheme scheme, he_workload wl, size_t size) {
    ccs_he_params p;
    CCS_TRY(ccs_he_params_default(scheme, 8192, &p));
    CCS_TRY(ccs_he_ctx_new(&p, &l->c));
    l->t = p.t, l->n = size, l->slots = ccs_he_ctx_slots(l->c), l->rows = wl == HE_WL_MATMUL ? size : 1;
    CCS_ENSURE(l->slots > 0 && size <= l->slots / 2, CCS_ERR_INVALID_ARG, "he bench: --size at most %zu here",
               l->slots / 2);
    int steps[16];
    size_t ns = 0;
    for (size_t s = 1; s < size && ns < 16; s <<= 1) steps[ns++] = (int)s;
    CCS_TRY(ccs_he_keygen_secret(l->c, &l->sk));
    CCS_TRY(ccs_he_keygen_public(l->c, l->sk, &l->pk));
    CCS_TRY(ccs_he_keygen_relin(l->c, l->sk, &l->rk));
    CCS_TRY(ccs_he_keygen_galois(l->c, l->sk, steps, ns ? ns : 1, false, &l->gk));
    CCS_TRY(ccs_he_plaintext_new(l->c, &l->pt));
    l->cx = calloc(l->rows, sizeof *l->cx);
    l->x = calloc(l->rows * size, 8), l->y = calloc(size, 8), l->w = calloc(size * size, 8), l->want = calloc(size, 8);
    CCS_ENSURE(l->cx && l->x && l->y && l->w && l->want, CCS_ERR_NOMEM, "he bench: no memory");
    for (size_t r = 0; r < l->rows; r++) CCS_TRY(ccs_he_ciphertext_new(l->c, &l->cx[r]));
    CCS_TRY(ccs_he_ciphertext_new(l->c, &l->cy));
    CCS_TRY(ccs_he_ciphertext_new(l->c, &l->out));
    CCS_TRY(ccs_he_ciphertext_new(l->c, &l->tmp));
    for (size_t i = 0; i < l->rows * size; i++) l->x[i] = (uint64_t)rand() % 100;
    for (size_t i = 0; i < size; i++) l->y[i] = (uint64_t)rand() % 100;
    for (size_t i = 0; i < size * size; i++) l->w[i] = (uint64_t)rand() % 100;
    for (size_t i = 0; i < size; i++) {
        if (wl == HE_WL_ADD) l->want[i] = (l->x[i] + l->y[i]) % l->t;
        if (wl == HE_WL_MUL) l->want[i] = l->x[i] * l->y[i] % l->t;
    }
    if (wl == HE_WL_DOT)
        for (size_t i = 0; i < size; i++) l->want[0] = (l->want[0] + l->x[i] * l->w[i]) % l->t;
    if (wl == HE_WL_MATMUL) /* the last dot computed: row rows-1, column n-1 */
        for (size_t j = 0; j < size; j++)
            l->want[0] = (l->want[0] + l->x[(l->rows - 1) * size + j] * l->w[j * size + size - 1]) % l->t;
    for (size_t r = 0; r < l->rows; r++) CCS_TRY(encrypt_vec(l, l->x + r * size, l->cx[r]));
    return encrypt_vec(l, l->y, l->cy);
}

ccs_status he_bench_rns(ccs_he_scheme scheme, he_workload wl, size_t size, he_mode mode, size_t reps, he_result *res) {
    (void)mode; /* the same loop: reps operations on reps-times-reused ciphertexts */
    memset(res, 0, sizeof *res);
    CCS_ENSURE(wl != HE_WL_LOGREG, CCS_ERR_UNSUPPORTED, "he bench: logreg needs real arithmetic (CKKS)");
    lcase l;
    memset(&l, 0, sizeof l);
    double *wall = malloc(reps * sizeof *wall), *cpu = malloc(reps * sizeof *cpu);
    double t0 = now(CLOCK_MONOTONIC);
    ccs_status st = wall && cpu ? setup(&l, scheme, wl, size) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "no memory");
    double enc = now(CLOCK_MONOTONIC) - t0;
    double b0 = now(CLOCK_MONOTONIC);
    for (size_t k = 0; k < reps && st == CCS_OK; k++) {
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
        st = operate(&l, wl);
        wall[k] = (now(CLOCK_MONOTONIC) - w0) * 1e6, cpu[k] = (now(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e6;
    }
    double batch = now(CLOCK_MONOTONIC) - b0;
    t0 = now(CLOCK_MONOTONIC);
    if (st == CCS_OK) st = check(&l, wl);
    double dec = now(CLOCK_MONOTONIC) - t0;
    if (st == CCS_OK) {
        he_stats_of(wall, reps, &res->wall);
        he_stats_of(cpu, reps, &res->cpu);
        /* a sample is one ciphertext of up to N/2 values (the slots batch it) */
        res->samples_per_s = batch > 0 ? (double)reps / batch : 0;
        res->encrypt_us = enc * 1e6, res->decrypt_us = dec * 1e6, res->reps = reps, res->checked = true;
    }
    free(wall), free(cpu);
    clear(&l);
    return st;
}
