/* `ccs he bench`: HEBench-style workloads over a scheme backend, timed per
 * stage (encrypt, operate, decrypt) in latency mode (one sample, the
 * operation repeated) or offline mode (a batch of samples, samples per
 * second), reported as a table, CSV or JSON with mean, median, percentiles,
 * min, max and standard deviation, wall and thread CPU. Every result is
 * decrypted and checked against the plaintext computation. Backends:
 * Paillier (additive: element-wise add, plaintext multiply, dot product and
 * matrix product with a plaintext operand; the logistic-regression score
 * w.x + b, with the sigmoid applied after decryption). */
#include <gmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccs/he_paillier.h"
#include "he_cli.h"

static double now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the Paillier backend ---- */

typedef struct pcase {
    const ccs_paillier_pub *pub;
    const ccs_paillier_priv *priv;
    size_t n, m, p;        /* sizes: vectors n; matrices m x n times n x p */
    mpz_t *x, *w, *cx, *cy, *out, *want;
    size_t nout, nx, nw;
    mpz_t tmp, tmp2;
} pcase;

static int64_t small_rand(void) { return (int64_t)(rand() % 2001) - 1000; }

static ccs_status p_encrypt(pcase *c) {
    for (size_t i = 0; i < c->n * c->m; i++) {
        mpz_t e;
        mpz_init(e);
        ccs_status st = ccs_paillier_encode_signed(c->pub, c->x[i], e);
        if (st == CCS_OK) st = ccs_paillier_encrypt(c->pub, CCS_PAILLIER_FAST, e, c->cx[i]);
        mpz_clear(e);
        CCS_TRY(st);
    }
    return CCS_OK;
}

/* out[k] = the workload's result, homomorphically. */
static ccs_status p_operate(pcase *c, he_workload wl) {
    switch (wl) {
    case HE_WL_ADD:
        for (size_t i = 0; i < c->n; i++) CCS_TRY(ccs_paillier_add(c->pub, c->cx[i], c->cy[i], c->out[i]));
        return CCS_OK;
    case HE_WL_MUL:
        for (size_t i = 0; i < c->n; i++) CCS_TRY(ccs_paillier_mul_scalar(c->pub, c->cx[i], c->w[i], c->out[i]));
        return CCS_OK;
    case HE_WL_DOT:
    case HE_WL_LOGREG:
        for (size_t i = 0; i < c->n; i++) {
            CCS_TRY(ccs_paillier_mul_scalar(c->pub, c->cx[i], c->w[i], c->tmp));
            if (i == 0) mpz_set(c->out[0], c->tmp);
            else CCS_TRY(ccs_paillier_add(c->pub, c->out[0], c->tmp, c->out[0]));
        }
        if (wl == HE_WL_LOGREG) { /* + b, the bias (w[n]) */
            CCS_TRY(ccs_paillier_encode_signed(c->pub, c->w[c->n], c->tmp2));
            CCS_TRY(ccs_paillier_add_plain(c->pub, c->out[0], c->tmp2, c->out[0]));
        }
        return CCS_OK;
    case HE_WL_MATMUL: /* (m x n encrypted) times (n x p plain) */
        for (size_t r = 0; r < c->m; r++)
            for (size_t k = 0; k < c->p; k++) {
                mpz_t *o = &c->out[r * c->p + k];
                for (size_t j = 0; j < c->n; j++) {
                    CCS_TRY(ccs_paillier_mul_scalar(c->pub, c->cx[r * c->n + j], c->w[j * c->p + k], c->tmp));
                    if (j == 0) mpz_set(*o, c->tmp);
                    else CCS_TRY(ccs_paillier_add(c->pub, *o, c->tmp, *o));
                }
            }
        return CCS_OK;
    }
    return CCS_ERR_INVALID_ARG;
}

/* Decrypts the outputs and compares with the plaintext results. */
static ccs_status p_decrypt_check(pcase *c) {
    mpz_t m, v;
    mpz_inits(m, v, NULL);
    ccs_status st = CCS_OK;
    for (size_t k = 0; k < c->nout && st == CCS_OK; k++) {
        st = ccs_paillier_decrypt(c->priv, c->out[k], m);
        if (st == CCS_OK) st = ccs_paillier_decode_signed(c->pub, m, v);
        if (st == CCS_OK && mpz_cmp(v, c->want[k]) != 0)
            st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "he bench: output %zu decrypts to a wrong value", k);
    }
    mpz_clears(m, v, NULL);
    return st;
}

static mpz_t *mpz_array(size_t n) {
    mpz_t *a = malloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; a && i < n; i++) mpz_init(a[i]);
    return a;
}

static void mpz_array_free(mpz_t *a, size_t n) {
    for (size_t i = 0; a && i < n; i++) mpz_clear(a[i]);
    free(a);
}

/* Inputs, plaintext expectations and ciphertext slots for one sample. */
static ccs_status p_setup(pcase *c, he_workload wl, size_t size) {
    c->n = size, c->m = wl == HE_WL_MATMUL ? size : 1, c->p = wl == HE_WL_MATMUL ? size : 1;
    size_t nx = c->nx = c->n * c->m, nw = c->nw = wl == HE_WL_MATMUL ? c->n * c->p : c->n + 1;
    c->nout = wl == HE_WL_ADD || wl == HE_WL_MUL ? c->n : wl == HE_WL_MATMUL ? c->m * c->p : 1;
    c->x = mpz_array(nx), c->w = mpz_array(nw), c->cx = mpz_array(nx), c->cy = mpz_array(c->n);
    c->out = mpz_array(c->nout), c->want = mpz_array(c->nout);
    mpz_inits(c->tmp, c->tmp2, NULL);
    CCS_ENSURE(c->x && c->w && c->cx && c->cy && c->out && c->want, CCS_ERR_NOMEM, "he bench: no memory");
    for (size_t i = 0; i < nx; i++) mpz_set_si(c->x[i], (long)small_rand());
    for (size_t i = 0; i < nw; i++) mpz_set_si(c->w[i], (long)small_rand());
    for (size_t k = 0; k < c->nout; k++) mpz_set_ui(c->want[k], 0);
    mpz_t y;
    mpz_init(y);
    for (size_t i = 0; wl == HE_WL_ADD && i < c->n; i++) { /* the second operand, encrypted once */
        mpz_set_si(y, (long)small_rand());
        mpz_add(c->want[i], c->x[i], y);
        ccs_status st = ccs_paillier_encode_signed(c->pub, y, c->tmp);
        if (st == CCS_OK) st = ccs_paillier_encrypt(c->pub, CCS_PAILLIER_FAST, c->tmp, c->cy[i]);
        if (st != CCS_OK) {
            mpz_clear(y);
            return st;
        }
    }
    mpz_clear(y);
    for (size_t i = 0; wl == HE_WL_MUL && i < c->n; i++) mpz_mul(c->want[i], c->x[i], c->w[i]);
    for (size_t i = 0; (wl == HE_WL_DOT || wl == HE_WL_LOGREG) && i < c->n; i++) mpz_addmul(c->want[0], c->x[i], c->w[i]);
    if (wl == HE_WL_LOGREG) mpz_add(c->want[0], c->want[0], c->w[c->n]);
    for (size_t r = 0; wl == HE_WL_MATMUL && r < c->m; r++)
        for (size_t k = 0; k < c->p; k++)
            for (size_t j = 0; j < c->n; j++) mpz_addmul(c->want[r * c->p + k], c->x[r * c->n + j], c->w[j * c->p + k]);
    return CCS_OK;
}

static void p_clear(pcase *c) {
    mpz_array_free(c->x, c->nx), mpz_array_free(c->cx, c->nx), mpz_array_free(c->cy, c->n);
    mpz_array_free(c->w, c->nw);
    mpz_array_free(c->out, c->nout), mpz_array_free(c->want, c->nout);
    mpz_clears(c->tmp, c->tmp2, NULL);
    memset(c, 0, sizeof *c);
}

/* ---- statistics and reports ---- */

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void he_stats_of(double *v, size_t n, he_stats *s) {
    qsort(v, n, sizeof *v, cmp);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    s->mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) sq += (v[i] - s->mean) * (v[i] - s->mean);
    s->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
    s->min = v[0], s->max = v[n - 1], s->median = v[n / 2];
    s->p90 = v[(size_t)((double)(n - 1) * 0.9)], s->p99 = v[(size_t)((double)(n - 1) * 0.99)];
}

ccs_status he_bench_paillier(const ccs_paillier_priv *priv, he_workload wl, size_t size, he_mode mode, size_t reps,
                             he_result *res) {
    memset(res, 0, sizeof *res);
    size_t samples = mode == HE_MODE_OFFLINE ? reps : 1, iters = mode == HE_MODE_OFFLINE ? 1 : reps;
    pcase *cs = calloc(samples, sizeof *cs);
    double *wall = malloc(reps * sizeof *wall), *cpu = malloc(reps * sizeof *cpu);
    CCS_ENSURE(cs && wall && cpu, CCS_ERR_NOMEM, "he bench: no memory");
    ccs_status st = CCS_OK;
    double enc = 0, dec = 0, t0, t1;
    for (size_t s = 0; s < samples && st == CCS_OK; s++) {
        cs[s].pub = ccs_paillier_priv_pub(priv), cs[s].priv = priv;
        st = p_setup(&cs[s], wl, size);
        t0 = now(CLOCK_MONOTONIC);
        if (st == CCS_OK) st = p_encrypt(&cs[s]);
        enc += now(CLOCK_MONOTONIC) - t0;
    }
    double b0 = now(CLOCK_MONOTONIC);
    for (size_t s = 0, k = 0; s < samples && st == CCS_OK; s++)
        for (size_t i = 0; i < iters && st == CCS_OK; i++, k++) {
            t0 = now(CLOCK_MONOTONIC), t1 = now(CLOCK_THREAD_CPUTIME_ID);
            st = p_operate(&cs[s], wl);
            wall[k] = (now(CLOCK_MONOTONIC) - t0) * 1e6, cpu[k] = (now(CLOCK_THREAD_CPUTIME_ID) - t1) * 1e6;
        }
    double batch = now(CLOCK_MONOTONIC) - b0;
    for (size_t s = 0; s < samples && st == CCS_OK; s++) {
        t0 = now(CLOCK_MONOTONIC);
        st = p_decrypt_check(&cs[s]);
        dec += now(CLOCK_MONOTONIC) - t0;
    }
    if (st == CCS_OK) {
        he_stats_of(wall, reps, &res->wall);
        he_stats_of(cpu, reps, &res->cpu);
        res->samples_per_s = batch > 0 ? (double)samples / batch : 0;
        res->encrypt_us = enc / (double)samples * 1e6;
        res->decrypt_us = dec / (double)samples * 1e6;
        res->reps = reps;
        res->checked = true;
    }
    for (size_t s = 0; s < samples; s++)
        if (cs[s].x) p_clear(&cs[s]);
    free(cs), free(wall), free(cpu);
    return st;
}
