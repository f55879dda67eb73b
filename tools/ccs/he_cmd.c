/* `ccs he demo|bench`: computing on encrypted data.
 *   demo   logistic-regression inference on an encrypted feature vector:
 *          CKKS (he_demo_ckks.c: the score and the polynomial sigmoid under
 *          encryption) or Paillier (the dot product and the score w.x + b),
 *          decrypted and checked against the plaintext
 *   bench  HEBench-style workloads (he_bench.c, he_bench_rns.c,
 *          he_bench_ckks.c) as a table, CSV or JSON */
#include <gmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccs/he_paillier.h"
#include "cli.h"
#include "he_cli.h"

static const char *const WL_NAMES[] = {"add", "mul", "dot", "matmul", "logreg"};

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs he demo [--scheme ckks|paillier] [--features N] [--bits 2048|3072 (paillier)]\n"
            "       ccs he bench [--scheme paillier|bgv|bfv|ckks] [--workload add|mul|dot|matmul|logreg|all]\n"
            "                    [--size N] [--mode latency|offline] [--reps R] [--bits 2048|3072 (paillier)]\n"
            "                    [--format table|csv|json]\n"
            "demo: a client encrypts a feature vector; a server that never sees it (nor the secret key)\n"
            "computes a logistic-regression score w.x + b with its plaintext model. CKKS (default): the\n"
            "server also evaluates the sigmoid as the polynomial 0.5 + 0.197 z - 0.004 z^3 on the\n"
            "ciphertext, holding only the public, relinearization and Galois keys; the client decrypts\n"
            "and prints each result beside the plaintext one and the error (exit 1 beyond the bound).\n"
            "Paillier: the dot product and the score, the sigmoid applied after decryption.\n"
            "bench: the HEBench workloads (element-wise add, element-wise multiply, dot product, matrix\n"
            "product with a plaintext matrix, logistic-regression inference), latency mode (one sample,\n"
            "the operation repeated R times) or offline mode (R samples, samples per second), wall and\n"
            "thread CPU time per operation: mean, median, p90, p99, min, max, standard deviation; each\n"
            "output is decrypted and checked. Schemes: paillier (--bits), bgv and bfv (N = 8192, 128-bit,\n"
            "values in the batching slots, checked exactly; logreg needs real arithmetic and is skipped),\n"
            "ckks (N = 8192, 128-bit, scale 2^40, real values; logreg is sigma3(w.x + b) with x encrypted\n"
            "and the model in plaintext; checked within a bound, the max error reported); the bits column\n"
            "is N for the lattice schemes.\n"
            "Exit: 0 done and checked, 1 a check failed, 2 usage.\n");
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *verb) {
    fprintf(stderr, "ccs he %s: %s\n", verb, ccs_error_detail());
    return CLI_REFUSED;
}

static bool parse_size(const char *v, size_t lo, size_t hi, size_t *out) {
    char *end = NULL;
    unsigned long x = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < lo || x > hi) return false;
    *out = x;
    return true;
}

/* ---- demo ---- */

static int demo(unsigned bits, size_t n) {
    ccs_paillier_priv *priv = NULL;
    double t = now();
    if (ccs_paillier_keygen(bits, NULL, &priv) != CCS_OK) return fail("demo");
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(priv);
    printf("client: Paillier key of %u bits made in %.0f ms (the private key never leaves the client)\n", bits,
           (now() - t) * 1e3);
    /* fixed-point features and weights, scale 1000 */
    mpz_t *x = malloc(n * sizeof *x), *w = malloc((n + 1) * sizeof *w), *cx = malloc(n * sizeof *cx);
    mpz_t acc, tmp, m, v;
    mpz_inits(acc, tmp, m, v, NULL);
    long long plain = 0;
    int rc = CLI_OK;
    ccs_status st = CCS_OK;
    srand((unsigned)time(NULL));
    for (size_t i = 0; i < n; i++) {
        mpz_init_set_si(x[i], (long)(rand() % 2001) - 1000);
        mpz_init_set_si(w[i], (long)(rand() % 2001) - 1000);
        mpz_init(cx[i]);
        plain += mpz_get_si(x[i]) * mpz_get_si(w[i]);
    }
    mpz_init_set_si(w[n], 250000); /* bias b = 0.25, at the product scale 10^6 */
    t = now();
    for (size_t i = 0; i < n && st == CCS_OK; i++) {
        st = ccs_paillier_encode_signed(pub, x[i], tmp);
        if (st == CCS_OK) st = ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, tmp, cx[i]);
    }
    if (st == CCS_OK) printf("client: %zu features encrypted in %.1f ms, sent to the server\n", n, (now() - t) * 1e3);
    t = now();
    for (size_t i = 0; i < n && st == CCS_OK; i++) {
        st = ccs_paillier_mul_scalar(pub, cx[i], w[i], tmp);
        if (st == CCS_OK) st = i == 0 ? (mpz_set(acc, tmp), CCS_OK) : ccs_paillier_add(pub, acc, tmp, acc);
    }
    if (st == CCS_OK) printf("server: encrypted dot product w.x over %zu ciphertexts in %.1f ms\n", n, (now() - t) * 1e3);
    if (st == CCS_OK) st = ccs_paillier_decrypt(priv, acc, m);
    if (st == CCS_OK) st = ccs_paillier_decode_signed(pub, m, v);
    bool ok = st == CCS_OK && mpz_get_si(v) == plain;
    if (st == CCS_OK)
        printf("client: decrypted dot product %ld, plaintext %lld: %s\n", mpz_get_si(v), plain, ok ? "equal" : "DIFFERENT");
    if (st == CCS_OK) st = ccs_paillier_encode_signed(pub, w[n], tmp);
    if (st == CCS_OK) st = ccs_paillier_add_plain(pub, acc, tmp, acc);
    if (st == CCS_OK) st = ccs_paillier_rerandomize(pub, CCS_PAILLIER_FAST, acc, acc);
    if (st == CCS_OK) st = ccs_paillier_decrypt(priv, acc, m);
    if (st == CCS_OK) st = ccs_paillier_decode_signed(pub, m, v);
    if (st == CCS_OK) {
        long long score = plain + mpz_get_si(w[n]);
        double p = 1.0 / (1.0 + exp(-(double)mpz_get_si(v) / 1e6)), pp = 1.0 / (1.0 + exp(-(double)score / 1e6));
        bool ok2 = mpz_get_si(v) == score;
        printf("server: logistic-regression score w.x + b computed on ciphertexts (re-randomized)\n");
        printf("client: score %ld -> sigmoid %.6f; plaintext %lld -> %.6f: %s\n", mpz_get_si(v), p, score, pp,
               ok2 ? "equal" : "DIFFERENT");
        ok = ok && ok2;
    }
    if (st != CCS_OK) rc = fail("demo");
    else if (!ok) rc = CLI_REFUSED;
    for (size_t i = 0; i < n; i++) mpz_clears(x[i], w[i], cx[i], NULL);
    mpz_clear(w[n]);
    free(x), free(w), free(cx);
    mpz_clears(acc, tmp, m, v, NULL);
    ccs_paillier_priv_free(priv);
    return rc;
}

/* ---- bench ---- */

typedef enum { FMT_TABLE, FMT_CSV, FMT_JSON } fmt;

static void report(fmt f, bool first, const char *scheme, const char *wl, size_t size, he_mode mode, unsigned bits,
                   const he_result *r) {
    const char *md = mode == HE_MODE_OFFLINE ? "offline" : "latency";
    if (f == FMT_CSV) {
        if (first) printf("scheme,workload,size,mode,bits,reps,wall_mean_us,wall_median_us,wall_p90_us,wall_p99_us,"
                          "wall_min_us,wall_max_us,wall_stddev_us,cpu_mean_us,cpu_median_us,samples_per_s,"
                          "encrypt_us,decrypt_us,max_abs_err,checked\n");
        printf("%s,%s,%zu,%s,%u,%zu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.2f,%.1f,%.1f,%.3g,%s\n", scheme, wl,
               size, md, bits, r->reps, r->wall.mean, r->wall.median, r->wall.p90, r->wall.p99, r->wall.min, r->wall.max,
               r->wall.stddev, r->cpu.mean, r->cpu.median, r->samples_per_s, r->encrypt_us, r->decrypt_us,
               r->max_abs_err, r->checked ? "yes" : "no");
    } else if (f == FMT_JSON) {
        printf("%s{\"scheme\":\"%s\",\"workload\":\"%s\",\"size\":%zu,\"mode\":\"%s\",\"bits\":%u,\"reps\":%zu,"
               "\"wall_us\":{\"mean\":%.1f,\"median\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"min\":%.1f,\"max\":%.1f,"
               "\"stddev\":%.1f},\"cpu_us\":{\"mean\":%.1f,\"median\":%.1f},\"samples_per_s\":%.2f,"
               "\"encrypt_us\":%.1f,\"decrypt_us\":%.1f,\"max_abs_err\":%.3g,\"checked\":%s}",
               first ? "" : ",\n", scheme, wl, size, md, bits, r->reps, r->wall.mean, r->wall.median, r->wall.p90, r->wall.p99,
               r->wall.min, r->wall.max, r->wall.stddev, r->cpu.mean, r->cpu.median, r->samples_per_s, r->encrypt_us,
               r->decrypt_us, r->max_abs_err, r->checked ? "true" : "false");
    } else {
        if (first)
            printf("%-9s %-7s %5s %-8s %10s %10s %10s %10s %10s %12s %9s %s\n", "scheme", "workload", "size", "mode",
                   "mean us", "median", "p90", "p99", "cpu med", "samples/s", "max err", "checked");
        printf("%-9s %-7s %5zu %-8s %10.1f %10.1f %10.1f %10.1f %10.1f %12.2f %9.2g %s\n", scheme, wl, size, md,
               r->wall.mean, r->wall.median, r->wall.p90, r->wall.p99, r->cpu.median, r->samples_per_s,
               r->max_abs_err, r->checked ? "yes" : "NO");
    }
}

static int bench(int argc, char **argv) {
    unsigned bits = 2048;
    size_t size = 16, reps = 11;
    const char *scheme = "paillier";
    int wl = -1; /* all */
    he_mode mode = HE_MODE_LATENCY;
    fmt f = FMT_TABLE;
    bool bits_given = false;
    for (int i = 2; i < argc; i += 2) { /* every option takes one value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = v != NULL;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (ok && strcmp(a, "--scheme") == 0) {
            ok = strcmp(v, "paillier") == 0 || strcmp(v, "bgv") == 0 || strcmp(v, "bfv") == 0 ||
                 strcmp(v, "ckks") == 0;
            scheme = v;
        }
        else if (ok && strcmp(a, "--workload") == 0) {
            wl = -2;
            for (int k = 0; k < 5; k++)
                if (strcmp(v, WL_NAMES[k]) == 0) wl = k;
            if (strcmp(v, "all") == 0) wl = -1;
            ok = wl != -2;
        } else if (ok && strcmp(a, "--size") == 0) ok = parse_size(v, 1, 4096, &size);
        else if (ok && strcmp(a, "--reps") == 0) ok = parse_size(v, 1, 100000, &reps);
        else if (ok && strcmp(a, "--bits") == 0) {
            ok = (bits = (unsigned)atoi(v)) == 2048 || bits == 3072;
            bits_given = true;
        } else if (ok && strcmp(a, "--mode") == 0) {
            ok = strcmp(v, "latency") == 0 || strcmp(v, "offline") == 0;
            mode = strcmp(v, "offline") == 0 ? HE_MODE_OFFLINE : HE_MODE_LATENCY;
        } else if (ok && strcmp(a, "--format") == 0) {
            ok = strcmp(v, "table") == 0 || strcmp(v, "csv") == 0 || strcmp(v, "json") == 0;
            f = strcmp(v, "csv") == 0 ? FMT_CSV : strcmp(v, "json") == 0 ? FMT_JSON : FMT_TABLE;
        } else ok = false;
        if (!ok) {
            fprintf(stderr, "ccs he bench: bad or incomplete option \"%s%s%s\"\n", a, v ? " " : "", v ? v : "");
            return CLI_USAGE;
        }
    }
    if (wl == HE_WL_MATMUL && size > 64) {
        fprintf(stderr, "ccs he bench: matmul --size is at most 64\n");
        return CLI_USAGE;
    }
    bool lattice = strcmp(scheme, "paillier") != 0, ckks = strcmp(scheme, "ckks") == 0;
    if (lattice && bits_given) {
        fprintf(stderr, "ccs he bench: --bits is for Paillier (%s runs at N = 8192, 128-bit)\n", scheme);
        return CLI_USAGE;
    }
    ccs_paillier_priv *priv = NULL;
    if (!lattice && ccs_paillier_keygen(bits, NULL, &priv) != CCS_OK) return fail("bench");
    int rc = CLI_OK;
    if (f == FMT_JSON) printf("[\n");
    for (int k = 0, first = 1; k < 5 && rc == CLI_OK; k++) {
        if (wl >= 0 && k != wl) continue;
        size_t sz = k == HE_WL_MATMUL && size > 8 && wl < 0 ? 8 : size;
        if (lattice && !ckks && k == HE_WL_LOGREG) {
            if (wl == HE_WL_LOGREG) {
                fprintf(stderr, "ccs he bench: logreg needs real arithmetic (CKKS): not on %s\n", scheme);
                rc = CLI_USAGE;
            }
            continue;
        }
        he_result r;
        ccs_status st = ckks      ? he_bench_ckks((he_workload)k, sz, mode, reps, &r)
                        : lattice ? he_bench_rns(strcmp(scheme, "bgv") == 0 ? CCS_HE_BGV : CCS_HE_BFV, (he_workload)k,
                                                 sz, mode, reps, &r)
                                  : he_bench_paillier(priv, (he_workload)k, sz, mode, reps, &r);
        if (st != CCS_OK) {
            rc = fail("bench");
            break;
        }
        report(f, first, scheme, WL_NAMES[k], sz, mode, lattice ? 8192 : bits, &r);
        first = 0;
    }
    if (f == FMT_JSON) printf("\n]\n");
    ccs_paillier_priv_free(priv);
    return rc;
}

int ccs_cli_he(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "bench") == 0) return bench(argc, argv);
    if (strcmp(argv[1], "demo") == 0) {
        unsigned bits = 2048;
        size_t n = 64;
        bool paillier = false, bits_given = false;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--help") == 0) {
                usage(stdout);
                return CLI_OK;
            } else if (strcmp(argv[i], "--scheme") == 0 && i + 1 < argc) {
                i++;
                if (strcmp(argv[i], "ckks") != 0 && strcmp(argv[i], "paillier") != 0) {
                    fprintf(stderr, "ccs he demo: --scheme ckks or paillier\n");
                    return CLI_USAGE;
                }
                paillier = strcmp(argv[i], "paillier") == 0;
            } else if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc) {
                bits = (unsigned)atoi(argv[++i]);
                bits_given = true;
                if (bits != 2048 && bits != 3072) {
                    fprintf(stderr, "ccs he demo: --bits 2048 or 3072\n");
                    return CLI_USAGE;
                }
            } else if (strcmp(argv[i], "--features") == 0 && i + 1 < argc) {
                if (!parse_size(argv[++i], 1, 4096, &n)) {
                    fprintf(stderr, "ccs he demo: --features 1..4096\n");
                    return CLI_USAGE;
                }
            } else {
                fprintf(stderr, "ccs he demo: unexpected argument \"%s\"\n", argv[i]);
                return CLI_USAGE;
            }
        }
        if (!paillier && bits_given) {
            fprintf(stderr, "ccs he demo: --bits is for --scheme paillier\n");
            return CLI_USAGE;
        }
        return paillier ? demo(bits, n) : he_demo_ckks(n);
    }
    fprintf(stderr, "ccs he: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
