/* `ccs he bench --scheme ckks`: the HEBench workloads on CKKS
 * (include/ccs/he_ckks.h), N = 8192 at 128-bit security (data primes 48,
 * 40, 40, 40 bits: depth 3), scale 2^40, real values in the slots:
 *   add     element-wise ct + ct
 *   mul     element-wise ct * ct (multiply, relinearize, rescale: fused)
 *   dot     ct . pt: multiply_plain, rescale, then rotate-and-sum (log2 n
 *           rotations by 1, 2, 4, ...); the result in slot 0
 *   matmul  (n x n encrypted, one ciphertext per row) x (n x n plaintext):
 *           each row times the matrix by the diagonal method with baby-step
 *           giant-step rotations (Halevi-Shoup): the row is encrypted twice
 *           in a row ([x, x]) so slot rotations are rotations mod n, and
 *           y = sum_g rot(sum_b rot(x, b) * diag'_{g,b}, g n1) takes n1 - 1 +
 *           n2 - 1 rotations (n2 = ceil(n / n1)); the n1 - 1 baby steps all
 *           rotate x, so they are hoisted (ccs_he_ckks_rotate_many: one
 *           key-switching decomposition), and n1 is chosen for the lowest
 *           cost with a hoisted rotation at ~0.7 of a plain one (n = 64:
 *           n1 = 8, n2 = 8: 7 hoisted + 7 plain rotations)
 *   logreg  sigma3(w . x + b) with the input x encrypted and the model (w, b)
 *           in plaintext (the server's own weights), sigma3 the degree-3
 *           least-squares approximation of the sigmoid on [-8, 8] from Kim et
 *           al., "Secure logistic regression based on homomorphic
 *           encryption" (JMIR Med Inform 2018): 0.5 + 0.197 z - 0.004 z^3;
 *           depth 3 (the product, z^2, z^3), exactly the default set's.
 * Plaintext operands are encoded once, outside the timed operation (HEBench
 * times encoding as its own stage). Every output is decrypted, decoded and
 * compared with the plaintext computation in double precision; the check
 * passes when the max absolute error is within the workload's bound (see
 * bound()), and the max error is reported. Inputs: uniform in [-1, 1]
 * (logreg weights scaled by 4 / sqrt n so that |w . x| stays small). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccs/he_ckks.h"
#include "he_cli.h"

static double now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double unif(void) { return 2.0 * (double)rand() / (double)RAND_MAX - 1.0; }

double he_sigmoid3(double z) { return 0.5 + HE_SIGMOID3_A1 * z + HE_SIGMOID3_A3 * z * z * z; }

/* Rotation steps for rotate-and-sum over n slots: 1, 2, 4, ... < n. */
size_t he_ckks_rotsum_steps(size_t n, int *steps, size_t cap) {
    size_t k = 0;
    for (size_t s = 1; s < n && k < cap; s <<= 1) steps[k++] = (int)s;
    return k;
}

/* acc <- sum of its first n slots (rounded up to a power of two) in slot 0. */
static ccs_status rotsum(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, size_t n, ccs_he_ciphertext *acc,
                         ccs_he_ciphertext *tmp) {
    for (size_t s = 1; s < n; s <<= 1) {
        CCS_TRY(ccs_he_ckks_rotate(c, gk, acc, (int)s, tmp));
        CCS_TRY(ccs_he_ckks_add(c, acc, tmp, acc));
    }
    return CCS_OK;
}

static ccs_status encode_const(const ccs_he_ctx *c, double v, double scale, size_t level, ccs_he_plaintext **out) {
    size_t slots = ccs_he_ckks_slots(c);
    double *z = malloc(slots * sizeof *z);
    CCS_ENSURE(z != NULL, CCS_ERR_NOMEM, "he bench: no memory");
    for (size_t i = 0; i < slots; i++) z[i] = v;
    ccs_status st = ccs_he_ckks_plaintext_new(c, out);
    if (st == CCS_OK) st = ccs_he_ckks_encode_real(c, z, slots, scale, level, *out);
    free(z);
    return st;
}

void he_ckks_model_free(he_ckks_model *m) {
    if (m == NULL) return;
    ccs_he_plaintext_free(m->w), ccs_he_plaintext_free(m->b), ccs_he_plaintext_free(m->a1);
    ccs_he_plaintext_free(m->a3), ccs_he_plaintext_free(m->half);
    memset(m, 0, sizeof *m);
}

/* The scales: x and w at the default scale D at level L; after the rescale
 * by q_{L-1}, z has s3 = D^2 / q_{L-1} at level L-1. z^2 = (z * z) / q_{L-2}
 * (scale s3^2 / q_{L-2}); a3 is encoded at scale q_{L-2} so that a3 z,
 * rescaled by q_{L-2}, keeps s3; z^3 a3 = (z^2 * a3 z) / q_{L-3} has s1 =
 * s3^3 / (q_{L-2} q_{L-3}); a1 is encoded at s3^2 / q_{L-3} so that a1 z,
 * rescaled by q_{L-2} and dropped a level, has s1 too; 0.5 at s1. Every
 * addition then meets equal scales without rounding the scale. */
ccs_status he_ckks_model_encode(const ccs_he_ctx *c, const double *w, size_t n, double b, he_ckks_model *m) {
    memset(m, 0, sizeof *m);
    size_t L = ccs_he_ctx_levels(c), slots = ccs_he_ckks_slots(c);
    CCS_ENSURE(L >= 4, CCS_ERR_INVALID_ARG, "he: logistic regression needs depth 3 (4 data primes)");
    CCS_ENSURE(n >= 1 && n <= slots, CCS_ERR_INVALID_ARG, "he: %zu features (1..%zu)", n, slots);
    double D = ccs_he_ctx_params(c)->scale;
    double qa = (double)ccs_he_ctx_prime(c, L - 1), qb = (double)ccs_he_ctx_prime(c, L - 2),
           qc = (double)ccs_he_ctx_prime(c, L - 3);
    double s3 = D * D / qa, s1 = s3 * s3 / qb * s3 / qc;
    m->n = n;
    ccs_status st = ccs_he_ckks_plaintext_new(c, &m->w);
    if (st == CCS_OK) st = ccs_he_ckks_encode_real(c, w, n, D, L, m->w);
    double *bv = calloc(slots, sizeof *bv);
    if (st == CCS_OK && bv == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    if (st == CCS_OK) {
        bv[0] = b; /* the score lands in slot 0 */
        st = ccs_he_ckks_plaintext_new(c, &m->b);
    }
    if (st == CCS_OK) st = ccs_he_ckks_encode_real(c, bv, 1, s3, L - 1, m->b);
    free(bv);
    if (st == CCS_OK) st = encode_const(c, HE_SIGMOID3_A3, qb, L - 1, &m->a3);
    if (st == CCS_OK) st = encode_const(c, HE_SIGMOID3_A1, s3 * s3 / qc, L - 1, &m->a1);
    if (st == CCS_OK) st = encode_const(c, 0.5, s1, L - 3, &m->half);
    if (st != CCS_OK) he_ckks_model_free(m);
    return st;
}

ccs_status he_ckks_logreg(const ccs_he_ctx *c, const ccs_he_relin_key *rk, const ccs_he_galois_keys *gk,
                          const he_ckks_model *m, const ccs_he_ciphertext *x, ccs_he_ciphertext *tmp[3],
                          ccs_he_ciphertext *score, ccs_he_ciphertext *out) {
    ccs_he_ciphertext *z = score, *t = tmp[0], *u = tmp[1], *v = tmp[2];
    CCS_TRY(ccs_he_ckks_multiply_plain(c, x, m->w, z));
    CCS_TRY(ccs_he_ckks_rescale(c, z, z));
    CCS_TRY(rotsum(c, gk, m->n, z, t));
    CCS_TRY(ccs_he_ckks_add_plain(c, z, m->b, z));          /* z = w.x + b, level L-1 */
    CCS_TRY(ccs_he_ckks_mul_relin_rescale(c, rk, z, z, t));  /* z^2, level L-2 */
    CCS_TRY(ccs_he_ckks_multiply_plain(c, z, m->a3, u));
    CCS_TRY(ccs_he_ckks_rescale(c, u, u));                   /* a3 z, level L-2 */
    CCS_TRY(ccs_he_ckks_mul_relin_rescale(c, rk, t, u, t));  /* a3 z^3, level L-3 */
    CCS_TRY(ccs_he_ckks_multiply_plain(c, z, m->a1, v));
    CCS_TRY(ccs_he_ckks_rescale(c, v, v));
    CCS_TRY(ccs_he_ckks_drop_level(c, v, v));                /* a1 z, level L-3 */
    CCS_TRY(ccs_he_ckks_add(c, t, v, out));
    return ccs_he_ckks_add_plain(c, out, m->half, out);
}

/* ---- the benchmark ---- */

typedef struct ckeys {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_galois_keys *gk;
    ccs_he_plaintext *pt;      /* encode/decode scratch */
    ccs_he_plaintext **diag;   /* matmul: n2 x n1 plaintexts */
    ccs_he_plaintext *wpt;     /* dot: the weights */
    he_ckks_model model;       /* logreg */
    ccs_he_ciphertext *tmp[4]; /* evaluation scratch */
    ccs_he_ciphertext *baby[64]; /* matmul: rot(x, b), b = 1..n1-1 (n <= 64) */
    int bsteps[64];              /* matmul: 1..n1-1 */
    size_t n, n1, n2, slots;
    double *w;                 /* dot: n; matmul: n x n (row-major); logreg: n + 1 (b last) */
} ckeys;

typedef struct csample {
    size_t rows;
    double *x, *y, *want; /* x: rows x n; y: n; want: rows x n or 1 */
    ccs_he_ciphertext **cx, *cy, **out;
} csample;

static size_t out_count(he_workload wl, size_t n) { return wl == HE_WL_DOT || wl == HE_WL_LOGREG ? 1 : n; }

/* The check's bound on the max absolute error: fresh public-key encryption
 * is ~2^-23 per slot and each multiply+relinearize+rescale or rotation adds
 * ~2^-22 (docs/he.md, CKKS precision); a sum over n slots adds up to n such
 * errors (the bound grows linearly, the worst case; the measured error grows
 * about as sqrt n). Measured errors stay 2^4 or more below these. */
double he_ckks_bound(he_workload wl, size_t n) {
    switch (wl) {
    case HE_WL_ADD: return 0x1p-20;
    case HE_WL_MUL: return 0x1p-18;
    case HE_WL_DOT:
    case HE_WL_MATMUL: return 0x1p-20 * (double)(n + 4);
    default: return 0x1p-18 * (double)(n + 4);
    }
}

static ccs_status encrypt_real(ckeys *k, const double *v, size_t count, ccs_he_ciphertext *ct) {
    CCS_TRY(ccs_he_ckks_encode_real(k->c, v, count, 0, 0, k->pt));
    return ccs_he_ckks_encrypt(k->c, k->pk, k->pt, ct);
}

/* Matmul: row x (n values, encrypted as [x, x]) times the matrix into out
 * (slots 0..n-1), level L-1 after the final rescale. */
static ccs_status row_times_matrix(ckeys *k, const ccs_he_ciphertext *x, ccs_he_ciphertext *out) {
    const ccs_he_ctx *c = k->c;
    ccs_he_ciphertext *t = k->tmp[0], *inner = k->tmp[1];
    if (k->n1 > 1) CCS_TRY(ccs_he_ckks_rotate_many(c, k->gk, x, k->bsteps, k->n1 - 1, k->baby + 1));
    for (size_t g = 0; g < k->n2; g++) {
        ccs_he_ciphertext *acc = g == 0 ? out : inner;
        for (size_t b = 0; b < k->n1 && g * k->n1 + b < k->n; b++) {
            const ccs_he_ciphertext *xb = b == 0 ? x : k->baby[b];
            if (b == 0) {
                CCS_TRY(ccs_he_ckks_multiply_plain(c, xb, k->diag[g * k->n1], acc));
            } else {
                CCS_TRY(ccs_he_ckks_multiply_plain(c, xb, k->diag[g * k->n1 + b], t));
                CCS_TRY(ccs_he_ckks_add(c, acc, t, acc));
            }
        }
        if (g > 0) {
            CCS_TRY(ccs_he_ckks_rotate(c, k->gk, inner, (int)(g * k->n1), t));
            CCS_TRY(ccs_he_ckks_add(c, out, t, out));
        }
    }
    return ccs_he_ckks_rescale(c, out, out);
}

static ccs_status operate(ckeys *k, csample *s, he_workload wl) {
    const ccs_he_ctx *c = k->c;
    switch (wl) {
    case HE_WL_ADD: return ccs_he_ckks_add(c, s->cx[0], s->cy, s->out[0]);
    case HE_WL_MUL: return ccs_he_ckks_mul_relin_rescale(c, k->rk, s->cx[0], s->cy, s->out[0]);
    case HE_WL_DOT:
        CCS_TRY(ccs_he_ckks_multiply_plain(c, s->cx[0], k->wpt, s->out[0]));
        CCS_TRY(ccs_he_ckks_rescale(c, s->out[0], s->out[0]));
        return rotsum(c, k->gk, k->n, s->out[0], k->tmp[0]);
    case HE_WL_MATMUL:
        for (size_t r = 0; r < s->rows; r++) CCS_TRY(row_times_matrix(k, s->cx[r], s->out[r]));
        return CCS_OK;
    case HE_WL_LOGREG: return he_ckks_logreg(c, k->rk, k->gk, &k->model, s->cx[0], k->tmp, k->tmp[3], s->out[0]);
    }
    return CCS_ERR_INVALID_ARG;
}

/* Decrypts every output and compares with the plaintext result: the max
 * absolute error into *err; CCS_ERR_INTERNAL beyond the bound. */
static ccs_status check(ckeys *k, csample *s, he_workload wl, double *err) {
    double *v = malloc(k->slots * sizeof *v);
    CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "he bench: no memory");
    size_t nout = out_count(wl, k->n), outs = wl == HE_WL_MATMUL ? s->rows : 1;
    ccs_status st = CCS_OK;
    for (size_t r = 0; r < outs && st == CCS_OK; r++) {
        st = ccs_he_ckks_decrypt(k->c, k->sk, s->out[r], k->pt);
        if (st == CCS_OK) st = ccs_he_ckks_decode_real(k->c, k->pt, v);
        for (size_t i = 0; i < nout && st == CCS_OK; i++) {
            double e = fabs(v[i] - s->want[r * nout + i]);
            if (!(e <= *err)) *err = e; /* NaN too */
        }
    }
    free(v);
    if (st == CCS_OK && !(*err <= he_ckks_bound(wl, k->n)))
        st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "he bench: max error %.3g exceeds the bound %.3g", *err,
                           he_ckks_bound(wl, k->n));
    return st;
}

static void sample_clear(csample *s) {
    for (size_t r = 0; s->cx && r < s->rows; r++) ccs_he_ciphertext_free(s->cx[r]);
    for (size_t r = 0; s->out && r < s->rows; r++) ccs_he_ciphertext_free(s->out[r]);
    free(s->cx), free(s->out);
    ccs_he_ciphertext_free(s->cy);
    free(s->x), free(s->y), free(s->want);
    memset(s, 0, sizeof *s);
}

static void keys_clear(ckeys *k) {
    for (size_t i = 0; k->diag && i < k->n; i++) ccs_he_plaintext_free(k->diag[i]);
    free(k->diag);
    for (size_t i = 0; i < 4; i++) ccs_he_ciphertext_free(k->tmp[i]);
    for (size_t i = 0; i < 64; i++) ccs_he_ciphertext_free(k->baby[i]);
    he_ckks_model_free(&k->model);
    ccs_he_plaintext_free(k->wpt), ccs_he_plaintext_free(k->pt);
    ccs_he_galois_keys_free(k->gk), ccs_he_relin_key_free(k->rk), ccs_he_public_key_free(k->pk);
    ccs_he_secret_key_free(k->sk), ccs_he_ctx_free(k->c);
    free(k->w);
    memset(k, 0, sizeof *k);
}

/* Keys, the plaintext operands (encoded once) and the weights. */
static ccs_status keys_setup(ckeys *k, he_workload wl, size_t n) {
    ccs_he_params p;
    CCS_TRY(ccs_he_params_default(CCS_HE_CKKS, 8192, &p));
    CCS_TRY(ccs_he_ctx_new(&p, &k->c));
    k->n = n, k->slots = ccs_he_ckks_slots(k->c);
    CCS_ENSURE(n <= k->slots && (wl != HE_WL_MATMUL || n <= 64), CCS_ERR_INVALID_ARG,
               "he bench: --size at most %zu here (64 for matmul)", k->slots);
    int steps[128];
    size_t ns = 0;
    if (wl == HE_WL_MATMUL) {
        /* cost in twentieths of a plain rotation with distinct keys: the
         * decomposition ~11, each hoisted baby step ~14, each giant step 20
         * (bench_he_schemes, "8 rotations") */
        size_t best = SIZE_MAX;
        for (size_t n1 = 1; n1 <= n; n1++) {
            size_t n2 = (n + n1 - 1) / n1, cost = (n1 > 1 ? 11 + 14 * (n1 - 1) : 0) + 20 * (n2 - 1);
            if (cost < best) best = cost, k->n1 = n1, k->n2 = n2;
        }
        for (size_t b = 1; b < k->n1; b++) k->bsteps[b - 1] = (int)b, steps[ns++] = (int)b;
        for (size_t g = 1; g < k->n2; g++) steps[ns++] = (int)(g * k->n1);
    } else if (wl == HE_WL_DOT || wl == HE_WL_LOGREG) {
        ns = he_ckks_rotsum_steps(n, steps, 32);
    }
    CCS_TRY(ccs_he_keygen_secret(k->c, &k->sk));
    CCS_TRY(ccs_he_keygen_public(k->c, k->sk, &k->pk));
    CCS_TRY(ccs_he_keygen_relin(k->c, k->sk, &k->rk));
    CCS_TRY(ccs_he_ckks_keygen_galois(k->c, k->sk, steps, ns, false, &k->gk));
    CCS_TRY(ccs_he_ckks_plaintext_new(k->c, &k->pt));
    for (size_t i = 0; i < 4; i++) CCS_TRY(ccs_he_ciphertext_new(k->c, &k->tmp[i]));
    for (size_t i = 1; i < k->n1; i++) CCS_TRY(ccs_he_ciphertext_new(k->c, &k->baby[i]));
    k->w = malloc((n * n + 1) * sizeof *k->w);
    CCS_ENSURE(k->w != NULL, CCS_ERR_NOMEM, "he bench: no memory");
    for (size_t i = 0; i < n * n + 1; i++) k->w[i] = unif();
    if (wl == HE_WL_DOT) {
        CCS_TRY(ccs_he_ckks_plaintext_new(k->c, &k->wpt));
        CCS_TRY(ccs_he_ckks_encode_real(k->c, k->w, n, 0, 0, k->wpt));
    } else if (wl == HE_WL_LOGREG) {
        for (size_t i = 0; i < n; i++) k->w[i] *= 4.0 / sqrt((double)n);
        CCS_TRY(he_ckks_model_encode(k->c, k->w, n, k->w[n], &k->model));
    } else if (wl == HE_WL_MATMUL) {
        k->diag = calloc(n, sizeof *k->diag);
        double *v = calloc(2 * n, sizeof *v);
        ccs_status st = k->diag && v ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he bench: no memory");
        for (size_t d = 0; d < n && st == CCS_OK; d++) { /* diag_d[j] = W[(j + d) mod n][j], at g n1 */
            size_t off = d / k->n1 * k->n1;
            memset(v, 0, 2 * n * sizeof *v);
            for (size_t j = 0; j < n; j++) v[off + j] = k->w[((j + d) % n) * n + j];
            st = ccs_he_ckks_plaintext_new(k->c, &k->diag[d]);
            if (st == CCS_OK) st = ccs_he_ckks_encode_real(k->c, v, off + n, 0, 0, k->diag[d]);
        }
        free(v);
        CCS_TRY(st);
    }
    return CCS_OK;
}

/* One sample's inputs, expected outputs and ciphertexts. */
static ccs_status sample_setup(ckeys *k, csample *s, he_workload wl) {
    size_t n = k->n, nout = out_count(wl, n);
    s->rows = wl == HE_WL_MATMUL ? n : 1;
    s->x = malloc(s->rows * n * sizeof *s->x), s->y = malloc(n * sizeof *s->y);
    s->want = calloc(s->rows * nout, sizeof *s->want);
    s->cx = calloc(s->rows, sizeof *s->cx), s->out = calloc(s->rows, sizeof *s->out);
    CCS_ENSURE(s->x && s->y && s->want && s->cx && s->out, CCS_ERR_NOMEM, "he bench: no memory");
    for (size_t i = 0; i < s->rows * n; i++) s->x[i] = unif();
    for (size_t i = 0; i < n; i++) s->y[i] = unif();
    for (size_t r = 0; r < s->rows; r++) {
        CCS_TRY(ccs_he_ciphertext_new(k->c, &s->cx[r]));
        CCS_TRY(ccs_he_ciphertext_new(k->c, &s->out[r]));
    }
    CCS_TRY(ccs_he_ciphertext_new(k->c, &s->cy));
    const double *x = s->x, *y = s->y, *w = k->w;
    switch (wl) {
    case HE_WL_ADD:
        for (size_t i = 0; i < n; i++) s->want[i] = x[i] + y[i];
        break;
    case HE_WL_MUL:
        for (size_t i = 0; i < n; i++) s->want[i] = x[i] * y[i];
        break;
    case HE_WL_DOT:
    case HE_WL_LOGREG:
        for (size_t i = 0; i < n; i++) s->want[0] += x[i] * w[i];
        if (wl == HE_WL_LOGREG) s->want[0] = he_sigmoid3(s->want[0] + w[n]);
        break;
    case HE_WL_MATMUL:
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < n; j++)
                for (size_t col = 0; col < n; col++) s->want[r * n + col] += x[r * n + j] * w[j * n + col];
        break;
    }
    return CCS_OK;
}

static ccs_status sample_encrypt(ckeys *k, csample *s, he_workload wl) {
    size_t n = k->n;
    if (wl == HE_WL_MATMUL) {
        double *v = malloc(2 * n * sizeof *v);
        CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "he bench: no memory");
        ccs_status st = CCS_OK;
        for (size_t r = 0; r < s->rows && st == CCS_OK; r++) {
            memcpy(v, s->x + r * n, n * sizeof *v);
            memcpy(v + n, s->x + r * n, n * sizeof *v);
            st = encrypt_real(k, v, 2 * n, s->cx[r]);
        }
        free(v);
        return st;
    }
    CCS_TRY(encrypt_real(k, s->x, n, s->cx[0]));
    return wl == HE_WL_ADD || wl == HE_WL_MUL ? encrypt_real(k, s->y, n, s->cy) : CCS_OK;
}

ccs_status he_bench_ckks(he_workload wl, size_t size, he_mode mode, size_t reps, he_result *res) {
    memset(res, 0, sizeof *res);
    size_t samples = mode == HE_MODE_OFFLINE ? reps : 1, iters = mode == HE_MODE_OFFLINE ? 1 : reps;
    ckeys k;
    memset(&k, 0, sizeof k);
    csample *cs = calloc(samples, sizeof *cs);
    double *wall = malloc(reps * sizeof *wall), *cpu = malloc(reps * sizeof *cpu);
    ccs_status st = cs && wall && cpu ? keys_setup(&k, wl, size)
                                      : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he bench: no memory");
    double enc = 0, dec = 0, t0, err = 0;
    for (size_t s = 0; s < samples && st == CCS_OK; s++) {
        st = sample_setup(&k, &cs[s], wl);
        t0 = now(CLOCK_MONOTONIC);
        if (st == CCS_OK) st = sample_encrypt(&k, &cs[s], wl);
        enc += now(CLOCK_MONOTONIC) - t0;
    }
    double b0 = now(CLOCK_MONOTONIC);
    for (size_t s = 0, i = 0; s < samples && st == CCS_OK; s++)
        for (size_t it = 0; it < iters && st == CCS_OK; it++, i++) {
            double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
            st = operate(&k, &cs[s], wl);
            wall[i] = (now(CLOCK_MONOTONIC) - w0) * 1e6, cpu[i] = (now(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e6;
        }
    double batch = now(CLOCK_MONOTONIC) - b0;
    for (size_t s = 0; s < samples && st == CCS_OK; s++) {
        t0 = now(CLOCK_MONOTONIC);
        st = check(&k, &cs[s], wl, &err);
        dec += now(CLOCK_MONOTONIC) - t0;
    }
    if (st == CCS_OK) {
        he_stats_of(wall, reps, &res->wall);
        he_stats_of(cpu, reps, &res->cpu);
        res->samples_per_s = batch > 0 ? (double)samples / batch : 0;
        res->encrypt_us = enc / (double)samples * 1e6, res->decrypt_us = dec / (double)samples * 1e6;
        res->reps = reps, res->checked = true, res->max_abs_err = err;
    }
    for (size_t s = 0; cs && s < samples; s++) sample_clear(&cs[s]);
    free(cs), free(wall), free(cpu);
    keys_clear(&k);
    return st;
}
