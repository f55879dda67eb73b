/* bench_he_schemes: BGV, BFV and CKKS operations (single thread) at the
 * default 128-bit parameter sets, N = 8192 (4 data primes 43-44 bits + a
 * 44-bit special prime, 217 bits) and N = 16384 (8 x 48 + 49 bits, 433
 * bits), t = 65537; CKKS: N = 8192 (48 + 3 x 40 + 50 = 218 bits) and
 * N = 16384 (48 + 8 x 40 + 50 = 418 bits), scale 2^40. Prints the median
 * wall time over reps and the median thread CPU time, in microseconds.
 * Usage: bench_he_schemes [reps [N [bgv|bfv|ckks]]] (default 21 reps, both
 * sizes, every scheme). At the end, when node and
 * ./peers (scripts/install-deps.sh --peers) have node-seal 6.0.3, the same
 * N = 8192 operations through SEAL in WebAssembly (bench/peers/seal_bench.mjs)
 * in the same run, with the ratios. At N = 8192, for each scheme: 8
 * rotations of one ciphertext one by one against rotate_many (hoisted: one
 * key-switching decomposition for all 8). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccs/he_ckks.h"
#include "ccs/he_rns.h"

#ifndef CCS_BENCH_DIR
#define CCS_BENCH_DIR "bench"
#endif
#ifndef CCS_PEERS_DIR
#define CCS_PEERS_DIR "peers"
#endif


static double now(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define CHECK(x)                                                                 \
    do {                                                                         \
        if ((x) != CCS_OK) {                                                     \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, ccs_error_detail()); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

typedef struct env {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_galois_keys *gk;
    ccs_he_plaintext *pt;
    ccs_he_ciphertext *a, *b, *r, *r3;
} env;

enum { OP_ENC, OP_DEC, OP_MUL, OP_RELIN, OP_MULRELIN, OP_ROT, OP_MODSW, OP_ADD, OP_MULPLAIN, OP_COUNT };
/* Our N = 8192 medians (ms) for the peer comparison: [BGV, BFV][op]. */
static double ours[2][OP_COUNT];

enum { CK_ENC, CK_DEC, CK_MUL, CK_RELIN, CK_RESCALE, CK_MRR, CK_ROT, CK_ADD, CK_MULPLAIN, CK_ENCODE, CK_DECODE, CK_COUNT };
static double ours_ckks[CK_COUNT]; /* N = 8192, ms */
static const char *CK_NAMES[] = {"encrypt (public key)", "decrypt", "multiply (no relin)", "relinearize",
                                 "rescale", "mul+relin+rescale", "rotate(1)", "add", "multiply_plain",
                                 "encode", "decode"};

static const char *NAMES[] = {"encrypt (public key)", "decrypt", "multiply (no relin)", "relinearize",
                              "multiply+relin", "rotate_rows(1)", "mod_switch", "add", "multiply_plain"};

static void run(env *e, int op) {
    switch (op) {
    case OP_ENC: CHECK(ccs_he_encrypt(e->c, e->pk, e->pt, e->r)); break;
    case OP_DEC: CHECK(ccs_he_decrypt(e->c, e->sk, e->a, e->pt)); break;
    case OP_MUL: CHECK(ccs_he_multiply(e->c, e->a, e->b, e->r3)); break;
    case OP_RELIN: CHECK(ccs_he_relinearize(e->c, e->rk, e->r3, e->r)); break;
    case OP_MULRELIN:
        CHECK(ccs_he_multiply(e->c, e->a, e->b, e->r));
        CHECK(ccs_he_relinearize(e->c, e->rk, e->r, e->r));
        break;
    case OP_ROT: CHECK(ccs_he_rotate_rows(e->c, e->gk, e->a, 1, e->r)); break;
    case OP_MODSW: CHECK(ccs_he_mod_switch(e->c, e->a, e->r)); break;
    case OP_ADD: CHECK(ccs_he_add(e->c, e->a, e->b, e->r)); break;
    case OP_MULPLAIN: CHECK(ccs_he_multiply_plain(e->c, e->a, e->pt, e->r)); break;
    }
}

static void run_ckks(env *e, int op, const double *z) {
    switch (op) {
    case CK_ENC: CHECK(ccs_he_ckks_encrypt(e->c, e->pk, e->pt, e->r)); break;
    case CK_DEC: CHECK(ccs_he_ckks_decrypt(e->c, e->sk, e->a, e->pt)); break;
    case CK_MUL: CHECK(ccs_he_ckks_multiply(e->c, e->a, e->b, e->r3)); break;
    case CK_RELIN: CHECK(ccs_he_ckks_relinearize(e->c, e->rk, e->r3, e->r)); break;
    case CK_RESCALE: CHECK(ccs_he_ckks_rescale(e->c, e->r3, e->r)); break;
    case CK_MRR: CHECK(ccs_he_ckks_mul_relin_rescale(e->c, e->rk, e->a, e->b, e->r)); break;
    case CK_ROT: CHECK(ccs_he_ckks_rotate(e->c, e->gk, e->a, 1, e->r)); break;
    case CK_ADD: CHECK(ccs_he_ckks_add(e->c, e->a, e->b, e->r)); break;
    case CK_MULPLAIN: CHECK(ccs_he_ckks_multiply_plain(e->c, e->a, e->pt, e->r)); break;
    case CK_ENCODE: CHECK(ccs_he_ckks_encode(e->c, z, ccs_he_ckks_slots(e->c), 0, 0, e->pt)); break;
    case CK_DECODE: {
        static double out[2 * CCS_HE_N_MAX];
        CHECK(ccs_he_ckks_decode(e->c, e->pt, out));
        break;
    }
    }
}

/* Hoisting: 8 rotations (steps 1..8) of one ciphertext, one by one and
 * through rotate_many (one decomposition); then the decomposition alone and
 * one rotation from it. Median wall / thread CPU (us) and the ratio. */
static void bench_hoist(env *e, bool ckks, int reps, double *w, double *cpu) {
    int steps[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ccs_he_galois_keys *gk = NULL;
    ccs_he_ciphertext *outs[8];
    ccs_he_rotation_precomp *pre = NULL;
    if (ckks) CHECK(ccs_he_ckks_keygen_galois(e->c, e->sk, steps, 8, false, &gk));
    else CHECK(ccs_he_keygen_galois(e->c, e->sk, steps, 8, false, &gk));
    for (int i = 0; i < 8; i++) CHECK(ccs_he_ciphertext_new(e->c, &outs[i]));
    CHECK(ccs_he_rotation_precomp_new(e->c, &pre));
    static const char *names[] = {"8 rotations, plain", "8 rotations, hoisted", "  hoist: precompute", "  hoist: 1 rotation"};
    double med[4];
    for (int op = 0; op < 4; op++) {
        for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
            double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
            switch (op) {
            case 0:
                for (int i = 0; i < 8; i++)
                    CHECK(ckks ? ccs_he_ckks_rotate(e->c, gk, e->a, steps[i], outs[i])
                               : ccs_he_rotate_rows(e->c, gk, e->a, steps[i], outs[i]));
                break;
            case 1:
                CHECK(ckks ? ccs_he_ckks_rotate_many(e->c, gk, e->a, steps, 8, outs)
                           : ccs_he_rotate_rows_many(e->c, gk, e->a, steps, 8, outs));
                break;
            case 2:
                CHECK(ckks ? ccs_he_ckks_rotation_precompute(e->c, e->a, pre)
                           : ccs_he_rotation_precompute(e->c, e->a, pre));
                break;
            default:
                CHECK(ckks ? ccs_he_ckks_rotate_hoisted(e->c, gk, pre, 3, outs[0])
                           : ccs_he_rotate_rows_hoisted(e->c, gk, pre, 3, outs[0]));
            }
            if (r < 0) continue;
            w[r] = now(CLOCK_MONOTONIC) - t0;
            cpu[r] = now(CLOCK_THREAD_CPUTIME_ID) - c0;
        }
        qsort(w, (size_t)reps, sizeof *w, cmp);
        qsort(cpu, (size_t)reps, sizeof *cpu, cmp);
        med[op] = cpu[reps / 2];
        printf("  %-22s %10.1f / %10.1f   (min %.1f / %.1f)", names[op], w[reps / 2], cpu[reps / 2], w[0], cpu[0]);
        if (op == 1) printf("   %.2fx the plain CPU time", med[0] / med[1]);
        printf("\n");
    }
    for (int i = 0; i < 8; i++) ccs_he_ciphertext_free(outs[i]);
    ccs_he_rotation_precomp_free(pre);
    ccs_he_galois_keys_free(gk);
}

static void bench_ckks(size_t n, int reps, double *w, double *cpu) {
    env e;
    memset(&e, 0, sizeof e);
    ccs_he_params p;
    CHECK(ccs_he_params_default(CCS_HE_CKKS, n, &p));
    CHECK(ccs_he_ctx_new(&p, &e.c));
    CHECK(ccs_he_keygen_secret(e.c, &e.sk));
    CHECK(ccs_he_keygen_public(e.c, e.sk, &e.pk));
    CHECK(ccs_he_keygen_relin(e.c, e.sk, &e.rk));
    int step = 1;
    CHECK(ccs_he_ckks_keygen_galois(e.c, e.sk, &step, 1, false, &e.gk));
    CHECK(ccs_he_ckks_plaintext_new(e.c, &e.pt));
    CHECK(ccs_he_ciphertext_new(e.c, &e.a));
    CHECK(ccs_he_ciphertext_new(e.c, &e.b));
    CHECK(ccs_he_ciphertext_new(e.c, &e.r));
    CHECK(ccs_he_ciphertext_new(e.c, &e.r3));
    size_t slots = ccs_he_ckks_slots(e.c);
    double *z = malloc(2 * slots * sizeof *z);
    for (size_t i = 0; i < 2 * slots; i++) z[i] = (double)((i * 7919) % 2001) / 1000.0 - 1.0;
    CHECK(ccs_he_ckks_encode(e.c, z, slots, 0, 0, e.pt));
    CHECK(ccs_he_ckks_encrypt(e.c, e.pk, e.pt, e.a));
    CHECK(ccs_he_ckks_encrypt(e.c, e.pk, e.pt, e.b));
    CHECK(ccs_he_ckks_multiply(e.c, e.a, e.b, e.r3));
    printf("\nCKKS N=%zu, %zu data primes + 1 special, %u-bit modulus, scale 2^40\n", n, ccs_he_ctx_levels(e.c),
           ccs_he_ctx_total_bits(e.c));
    for (int op = 0; op < CK_COUNT; op++) {
        run_ckks(&e, op, z); /* warm-up */
        for (int r = 0; r < reps; r++) {
            double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
            run_ckks(&e, op, z);
            w[r] = now(CLOCK_MONOTONIC) - t0;
            cpu[r] = now(CLOCK_THREAD_CPUTIME_ID) - c0;
        }
        qsort(w, (size_t)reps, sizeof *w, cmp);
        qsort(cpu, (size_t)reps, sizeof *cpu, cmp);
        printf("  %-22s %10.1f / %10.1f   (min %.1f / %.1f)\n", CK_NAMES[op], w[reps / 2], cpu[reps / 2], w[0], cpu[0]);
        if (n == 8192) ours_ckks[op] = w[reps / 2] / 1000.0;
    }
    if (n == 8192) bench_hoist(&e, true, reps, w, cpu);
    /* the product checks out */
    ccs_he_ckks_precision pr;
    double *want = malloc(2 * slots * sizeof *want);
    for (size_t i = 0; i < slots; i++) {
        double a = z[2 * i], b = z[2 * i + 1];
        want[2 * i] = a * a - b * b, want[2 * i + 1] = 2 * a * b;
    }
    CHECK(ccs_he_ckks_mul_relin_rescale(e.c, e.rk, e.a, e.b, e.r));
    CHECK(ccs_he_ckks_measure(e.c, e.sk, e.r, want, slots, &pr));
    printf("  precision after mul+relin+rescale: max error 2^%.1f (%.1f bits)\n", pr.log2_max_err, pr.bits);
    free(want);
    free(z);
    ccs_he_ciphertext_free(e.a);
    ccs_he_ciphertext_free(e.b);
    ccs_he_ciphertext_free(e.r);
    ccs_he_ciphertext_free(e.r3);
    ccs_he_plaintext_free(e.pt);
    ccs_he_galois_keys_free(e.gk);
    ccs_he_relin_key_free(e.rk);
    ccs_he_public_key_free(e.pk);
    ccs_he_secret_key_free(e.sk);
    ccs_he_ctx_free(e.c);
}

/* A number after "key": in the peer's one-line JSON, inside the object that
 * starts at obj. */
static double num(const char *obj, const char *key) {
    const char *p = obj ? strstr(obj, key) : NULL;
    return p ? atof(p + strlen(key) + 2) : 0;
}

/* node-seal in the same run (N = 8192, BFVDefault modulus, 20-bit batching t). */
static void peer(int reps) {
    char cmd[1024], line[4096] = "";
    snprintf(cmd, sizeof cmd, "node %s/peers/seal_bench.mjs %s %d 2>/dev/null", CCS_BENCH_DIR, CCS_PEERS_DIR,
             reps > 11 ? 11 : reps);
    FILE *f = popen(cmd, "r");
    bool got = f != NULL && fgets(line, sizeof line, f) != NULL && strstr(line, "\"bfv\"") != NULL;
    if (f) pclose(f);
    printf("\nnode-seal 6.0.3 (SEAL in WebAssembly), N=8192, same run, median ms, and ccs's ratio:\n");
    if (!got) {
        printf("  no figures (node or ./peers with node-seal missing: scripts/install-deps.sh --peers)\n");
        return;
    }
    static const struct {
        const char *key;
        int op;
    } ops[] = {{"encrypt_ms", OP_ENC}, {"decrypt_ms", OP_DEC}, {"mul_relin_ms", OP_MULRELIN}, {"rotate_ms", OP_ROT}};
    for (int s = 0; s < 2; s++) {
        const char *obj = strstr(line, s == 0 ? "\"bgv\"" : "\"bfv\"");
        for (size_t i = 0; i < 4; i++) {
            double theirs = num(obj, ops[i].key), mine = ours[s][ops[i].op];
            printf("  %s %-16s seal %9.2f ms   ccs %8.2f ms   %6.1fx\n", s == 0 ? "BGV" : "BFV", ops[i].key, theirs, mine,
                   mine > 0 ? theirs / mine : 0);
        }
    }
    const char *ck = strstr(line, "\"ckks\"");
    static const struct {
        const char *key;
        int op;
    } cops[] = {{"encrypt_ms", CK_ENC}, {"decrypt_ms", CK_DEC}, {"mul_relin_rescale_ms", CK_MRR}, {"rotate_ms", CK_ROT}};
    if (ck && ours_ckks[CK_MRR] > 0) {
        for (size_t i = 0; i < 4; i++) {
            double theirs = num(ck, cops[i].key), mine = ours_ckks[cops[i].op];
            printf("  CKKS %-20s seal %9.2f ms   ccs %8.2f ms   %6.1fx\n", cops[i].key, theirs, mine,
                   mine > 0 ? theirs / mine : 0);
        }
        printf("  (SEAL CKKS: CoeffModulus.Create(8192, [60,40,40,60]), scale 2^40; ccs: 48+40+40+40 + 50)\n");
        printf("target: CKKS mul+relin+rescale N=8192 %.3f ms (<= 1.5 ms: %s)\n", ours_ckks[CK_MRR],
               ours_ckks[CK_MRR] <= 1.5 ? "met" : "NOT met");
    }
    double bfv = ours[1][OP_MULRELIN], seal_bfv = num(strstr(line, "\"bfv\""), "mul_relin_ms");
    if (bfv > 0)
        printf("targets: BFV mul+relin N=8192 %.2f ms (<= 8 ms: %s), %.1fx node-seal (>= 4x: %s); BGV mul+relin %.2f ms "
               "(faster than BFV: %s)\n",
               bfv, bfv <= 8 ? "met" : "NOT met", seal_bfv / bfv, seal_bfv / bfv >= 4 ? "met" : "NOT met",
               ours[0][OP_MULRELIN], ours[0][OP_MULRELIN] < bfv ? "met" : "NOT met");
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 21;
    if (reps < 1) reps = 1;
    size_t only_n = argc > 2 ? (size_t)atol(argv[2]) : 0;
    int only_s = argc > 3 ? (strcmp(argv[3], "bfv") == 0    ? CCS_HE_BFV
                             : strcmp(argv[3], "ckks") == 0 ? CCS_HE_CKKS
                                                            : CCS_HE_BGV)
                          : 0;
    printf("he schemes, single thread, ISA %s, median of %d (wall / thread CPU, us)\n",
           ccs_he_isa_name(ccs_he_isa_active()), reps);
    double *w = malloc((size_t)reps * sizeof *w), *cpu = malloc((size_t)reps * sizeof *cpu);
    for (size_t n = 8192; n <= 16384; n *= 2)
        for (int s = CCS_HE_BGV; s <= CCS_HE_BFV; s++) {
            if ((only_n && n != only_n) || (only_s && s != only_s)) continue;
            env e;
            memset(&e, 0, sizeof e);
            ccs_he_params p;
            CHECK(ccs_he_params_default((ccs_he_scheme)s, n, &p));
            CHECK(ccs_he_ctx_new(&p, &e.c));
            CHECK(ccs_he_keygen_secret(e.c, &e.sk));
            CHECK(ccs_he_keygen_public(e.c, e.sk, &e.pk));
            CHECK(ccs_he_keygen_relin(e.c, e.sk, &e.rk));
            int step = 1;
            CHECK(ccs_he_keygen_galois(e.c, e.sk, &step, 1, false, &e.gk));
            CHECK(ccs_he_plaintext_new(e.c, &e.pt));
            CHECK(ccs_he_ciphertext_new(e.c, &e.a));
            CHECK(ccs_he_ciphertext_new(e.c, &e.b));
            CHECK(ccs_he_ciphertext_new(e.c, &e.r));
            CHECK(ccs_he_ciphertext_new(e.c, &e.r3));
            uint64_t *v = malloc(n * sizeof *v);
            for (size_t i = 0; i < n; i++) v[i] = (i * 7919) % p.t;
            CHECK(ccs_he_encode_batch(e.c, v, n, e.pt));
            CHECK(ccs_he_encrypt(e.c, e.pk, e.pt, e.a));
            CHECK(ccs_he_encrypt(e.c, e.pk, e.pt, e.b));
            printf("\n%s N=%zu, %zu data primes + 1 special, %u-bit modulus, t=%llu\n", s == CCS_HE_BGV ? "BGV" : "BFV",
                   n, ccs_he_ctx_levels(e.c), ccs_he_ctx_total_bits(e.c), (unsigned long long)p.t);
            for (int op = OP_ENC; op <= OP_MULPLAIN; op++) {
                if (op == OP_MODSW && s != CCS_HE_BGV) continue;
                run(&e, op); /* warm-up */
                for (int r = 0; r < reps; r++) {
                    double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
                    run(&e, op);
                    w[r] = now(CLOCK_MONOTONIC) - t0;
                    cpu[r] = now(CLOCK_THREAD_CPUTIME_ID) - c0;
                }
                qsort(w, (size_t)reps, sizeof *w, cmp);
                qsort(cpu, (size_t)reps, sizeof *cpu, cmp);
                printf("  %-22s %10.1f / %10.1f   (min %.1f / %.1f)\n", NAMES[op], w[reps / 2], cpu[reps / 2], w[0],
                       cpu[0]);
                if (n == 8192) ours[s == CCS_HE_BGV ? 0 : 1][op] = w[reps / 2] / 1000.0;
            }
            if (n == 8192) bench_hoist(&e, false, reps, w, cpu);
            free(v);
            ccs_he_ciphertext_free(e.a);
            ccs_he_ciphertext_free(e.b);
            ccs_he_ciphertext_free(e.r);
            ccs_he_ciphertext_free(e.r3);
            ccs_he_plaintext_free(e.pt);
            ccs_he_galois_keys_free(e.gk);
            ccs_he_relin_key_free(e.rk);
            ccs_he_public_key_free(e.pk);
            ccs_he_secret_key_free(e.sk);
            ccs_he_ctx_free(e.c);
        }
    for (size_t n = 8192; n <= 16384; n *= 2)
        if ((!only_n || n == only_n) && (!only_s || only_s == CCS_HE_CKKS)) bench_ckks(n, reps, w, cpu);
    free(w);
    free(cpu);
    peer(reps);
    return 0;
}
