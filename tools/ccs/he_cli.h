/* he_cli.h - the `ccs he` commands (he_cmd.c) and the benchmark harness
 * (he_bench.c). */
#ifndef CCS_HE_CLI_H
#define CCS_HE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "ccs/he_paillier.h"
#include "ccs/he_rns.h"

typedef enum he_workload {
    HE_WL_ADD = 0, /* element-wise ct + ct */
    HE_WL_MUL,     /* element-wise ct * pt */
    HE_WL_DOT,     /* dot product ct . pt */
    HE_WL_MATMUL,  /* (n x n ct) x (n x n pt) */
    HE_WL_LOGREG,  /* w . x + b; the sigmoid after decryption (Paillier) */
} he_workload;

typedef enum he_mode { HE_MODE_LATENCY = 0, HE_MODE_OFFLINE } he_mode;

typedef struct he_stats {
    double mean, median, p90, p99, min, max, stddev; /* microseconds */
} he_stats;

typedef struct he_result {
    he_stats wall, cpu;    /* of the operation */
    double samples_per_s;  /* operations per second over the batch */
    double encrypt_us, decrypt_us; /* per sample: encode+encrypt, decrypt+decode+check */
    size_t reps;
    bool checked; /* every output decrypted to the plaintext result */
} he_result;

/* One workload on Paillier with the key priv: size = vector length (or the
 * matrix side), reps = repetitions (latency) or samples (offline). */
ccs_status he_bench_paillier(const ccs_paillier_priv *priv, he_workload wl, size_t size, he_mode mode, size_t reps,
                             he_result *res);

/* The same on BGV or BFV (N = 8192, 128-bit), values in the batching slots;
 * logreg is CCS_ERR_UNSUPPORTED (needs CKKS). */
ccs_status he_bench_rns(ccs_he_scheme scheme, he_workload wl, size_t size, he_mode mode, size_t reps, he_result *res);

#endif
