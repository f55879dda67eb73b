/* bench_attest, sim part: how many sim quotes per second `ccs tee quote`
 * can produce (one ECDSA P-256 signature each, with the QE report and PCK
 * chain prepared at `sim init`), and how fast the DCAP verifier accepts them
 * with the sim root trusted (warm: collateral parsed once). One core, best
 * of `repeat` runs of `secs` seconds, in a temporary sim directory. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ccs/tee.h"

int ccs_bench_sim(double secs, int repeat);

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static double rate_quotes(ccs_backend *b, double secs, ccs_buf *q) {
    uint8_t rd[64] = {1, 2, 3};
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 50; i++, n++) {
            rd[8] = (uint8_t)n;
            if (ccs_backend_evidence(b, ccs_bytes_of(rd, 64), q) != CCS_OK) return 0;
        }
        t = now_s() - t0;
    } while (t < secs);
    return (double)n / t;
}

static double rate_verify(ccs_bytes q, ccs_collateral *c, const ccs_x509 *root, double secs, ccs_status *st) {
    ccs_dcap_options opt = {.now = ccs_time_now(), .insecure_root = root};
    ccs_dcap_result r;
    long n = 0;
    *st = ccs_dcap_verify(q, c, &opt, &r);
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 50; i++, n++) *st = ccs_dcap_verify(q, c, &opt, &r);
        t = now_s() - t0;
    } while (t < secs);
    return (double)n / t;
}

int ccs_bench_sim(double secs, int repeat) {
    char dir[] = "/tmp/ccs-bench-sim.XXXXXX";
    if (mkdtemp(dir) == NULL || ccs_sim_init(dir, ccs_time_now(), true) != CCS_OK) {
        fprintf(stderr, "bench_attest: sim init: %s\n", ccs_error_detail());
        return 2;
    }
    printf("sim quote generation (ccs tee quote), one core, best of %d runs of %.1f s\n", repeat, secs);
    static const struct { ccs_platform p; ccs_tee tee; } plats[] = {
        {CCS_PLATFORM_SIM_SGX, CCS_TEE_SGX}, {CCS_PLATFORM_SIM_TDX, CCS_TEE_TDX}};
    int rc = 0;
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        ccs_tee_config cfg = {.platform = plats[i].p, .sim_dir = dir};
        ccs_backend *b = NULL;
        ccs_x509 *root = NULL;
        ccs_collateral *coll = NULL;
        ccs_buf q = {0};
        ccs_status st = CCS_OK;
        double gen = 0, ver = 0;
        if (ccs_backend_open(&cfg, &b) != CCS_OK || ccs_sim_trust_load(dir, plats[i].tee, &root, &coll) != CCS_OK) {
            fprintf(stderr, "bench_attest: %s\n", ccs_error_detail());
            rc = 2;
        }
        for (int k = 0; rc == 0 && k < repeat; k++) {
            double g = rate_quotes(b, secs, &q), v = rate_verify(ccs_buf_view(&q), coll, root, secs, &st);
            gen = g > gen ? g : gen;
            ver = v > ver ? v : ver;
        }
        if (rc == 0) {
            printf("  %-8s generate %8.0f quotes/s  %7.1f us  (%zu bytes)\n", ccs_platform_name(plats[i].p), gen,
                   1e6 / gen, q.len);
            printf("  %-8s verify   %8.0f quotes/s  %7.1f us  (warm, sim root trusted: %s)\n",
                   ccs_platform_name(plats[i].p), ver, 1e6 / ver, st == CCS_OK ? "pass" : "fail");
        }
        ccs_buf_free(&q);
        ccs_collateral_free(coll);
        ccs_x509_free(root);
        ccs_backend_free(b);
    }
    printf("\n");
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
