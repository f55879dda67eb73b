/* he_cli.h - the `ccs he` commands (he_cmd.c) and the benchmark harness
 * (he_bench.c). */
#ifndef CCS_HE_CLI_H
#define CCS_HE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "ccs/he_ckks.h"
#include "ccs/he_paillier.h"
#include "ccs/he_rns.h"

typedef enum he_workload {
    HE_WL_ADD = 0, /* element-wise ct + ct */
    HE_WL_MUL,     /* element-wise ct * pt */
    HE_WL_DOT,     /* dot product ct . pt */
    HE_WL_MATMUL,  /* (n x n ct) x (n x n pt) */
    HE_WL_LOGREG,  /* w . x + b; the sigmoid after decryption (Paillier), sigma3 under encryption (CKKS) */
} he_workload;

typedef enum he_mode { HE_MODE_LATENCY = 0, HE_MODE_OFFLINE } he_mode;

typedef struct he_stats {
    double mean, median, p90, p99, min, max, stddev; /* microseconds */
} he_stats;

/* Sorts v (n > 0 samples) and fills s (he_bench.c). */
void he_stats_of(double *v, size_t n, he_stats *s);

typedef struct he_result {
    he_stats wall, cpu;    /* of the operation */
    double samples_per_s;  /* operations per second over the batch */
    double encrypt_us, decrypt_us; /* per sample: encode+encrypt, decrypt+decode+check */
    size_t reps;
    bool checked; /* every output decrypted to the plaintext result */
    double max_abs_err; /* CKKS: max |decrypted - plaintext| over the outputs; 0 for the exact schemes */
} he_result;

/* One workload on Paillier with the key priv: size = vector length (or the
 * matrix side), reps = repetitions (latency) or samples (offline). */
ccs_status he_bench_paillier(const ccs_paillier_priv *priv, he_workload wl, size_t size, he_mode mode, size_t reps,
                             he_result *res);

/* The same on BGV or BFV (N = 8192, 128-bit), values in the batching slots;
 * logreg is CCS_ERR_UNSUPPORTED (needs CKKS). */
ccs_status he_bench_rns(ccs_he_scheme scheme, he_workload wl, size_t size, he_mode mode, size_t reps, he_result *res);

/* The same on CKKS (N = 8192, 128-bit, scale 2^40, real values), logreg
 * included; every output checked within a bound (he_bench_ckks.c). */
ccs_status he_bench_ckks(he_workload wl, size_t size, he_mode mode, size_t reps, he_result *res);
/* `ccs he demo --scheme ckks` (he_demo_ckks.c): n features; returns the exit status. */
int he_demo_ckks(size_t n);
/* The bound on the max absolute error that the CKKS check accepts for a
 * workload of size n (inputs in [-1, 1]). */
double he_ckks_bound(he_workload wl, size_t n);

/* The degree-3 sigmoid approximation on [-8, 8] (Kim et al., JMIR Med Inform
 * 2018): sigma3(z) = 0.5 + 0.197 z - 0.004 z^3. */
#define HE_SIGMOID3_A1 0.197
#define HE_SIGMOID3_A3 (-0.004)
double he_sigmoid3(double z);

/* Rotate-and-sum over n slots needs rotations by 1, 2, 4, ... < n: writes
 * at most cap steps, returns their count. */
size_t he_ckks_rotsum_steps(size_t n, int *steps, size_t cap);

/* A logistic-regression model (weights w[0..n), bias b) encoded for
 * he_ckks_logreg, with the constants of sigma3 at the scales that make every
 * addition exact (CKKS context with at least 4 data primes). */
typedef struct he_ckks_model {
    ccs_he_plaintext *w, *b, *a1, *a3, *half;
    size_t n;
} he_ckks_model;
ccs_status he_ckks_model_encode(const ccs_he_ctx *c, const double *w, size_t n, double b, he_ckks_model *m);
void he_ckks_model_free(he_ckks_model *m);

/* score = w . x + b in slot 0 (level L-1) and out = sigma3(score) in slot 0
 * (level L-3), from x (n features in slots 0..n-1, level L, the default
 * scale), with only evaluation keys: rk, and gk with he_ckks_rotsum_steps(n).
 * tmp: three scratch ciphertexts. */
ccs_status he_ckks_logreg(const ccs_he_ctx *c, const ccs_he_relin_key *rk, const ccs_he_galois_keys *gk,
                          const he_ckks_model *m, const ccs_he_ciphertext *x, ccs_he_ciphertext *tmp[3],
                          ccs_he_ciphertext *score, ccs_he_ciphertext *out);

#endif
