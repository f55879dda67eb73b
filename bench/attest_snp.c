/* bench_attest, SEV-SNP part: report verification on one core beside
 * @tinfoilsh/verifier 1.1.0 (bench/peers/snp-bench.mjs) on the Azure Genoa
 * report (the only kind the peer checks: Genoa, VCEK).
 *   cached    one collateral object, reused: per report, the parse, the
 *             ECDSA P-384 signature, the VCEK extension checks and policy;
 *             the VCEK -> ASK -> ARK verdict comes from the object's cache.
 *   uncached  every time: a new collateral object from the VCEK DER and the
 *             cert_chain.pem text, the RSA-PSS chain verified to the pinned
 *             ARK, then everything above (decoded certificates come from
 *             the process-wide decoding cache, as in the DCAP "full" figure).
 *   cold      as uncached, with the decoding cache emptied every time.
 * The peer rebuilds and verifies its chain on every run (it has no cache). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include "ccs/attest.h"

void ccs_bench_snp(const char *peers, const char *data, const char *bench_dir, double secs, int repeat);

#define SNP_DIR "snp/azure-genoa-vcek"
#define SNP_AT 1748736000 /* 2025-06-01T00:00:00Z */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_uncached(ccs_bytes rep, ccs_bytes vcek, ccs_bytes chain, double secs, bool cold, ccs_status *st) {
    ccs_snp_options opt = {.now = SNP_AT};
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 20; i++, n++) {
            ccs_snp_collateral *c = NULL;
            ccs_snp_result r;
            if (cold) ccs_x509_cache_clear();
            *st = ccs_snp_collateral_load(vcek, chain, &c);
            if (*st == CCS_OK) *st = ccs_snp_verify(rep, c, &opt, &r);
            ccs_snp_collateral_free(c);
        }
        t = now_s() - t0;
    } while (t < secs);
    return (double)n / t;
}

static double bench_cached(ccs_bytes rep, ccs_bytes vcek, ccs_bytes chain, double secs, ccs_status *st) {
    ccs_snp_options opt = {.now = SNP_AT};
    ccs_snp_collateral *c = NULL;
    ccs_snp_result r;
    long n = 0;
    if ((*st = ccs_snp_collateral_load(vcek, chain, &c)) != CCS_OK) return 0;
    *st = ccs_snp_verify(rep, c, &opt, &r); /* fills the chain cache */
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 20; i++, n++) *st = ccs_snp_verify(rep, c, &opt, &r);
        t = now_s() - t0;
    } while (t < secs);
    ccs_snp_collateral_free(c);
    return (double)n / t;
}

static double run_peer(const char *peers, const char *bench_dir, const char *rp, const char *vp, double secs,
                       char *verdict, size_t vcap) {
    char cmd[4096], line[1024];
    double ms = 0;
    snprintf(cmd, sizeof cmd, "taskset -c 0 node '%s/peers/snp-bench.mjs' '%s' '%s' '%s' %.1f 2>&1", bench_dir, peers,
             rp, vp, secs);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    while (fgets(line, sizeof line, p)) {
        char v[16], detail[512];
        if (sscanf(line, "tinfoil %15s %511s %lf", v, detail, &ms) == 3) snprintf(verdict, vcap, "%s %s", v, detail);
    }
    pclose(p);
    return ms;
}

static const char *verdict_of(ccs_status st) { return st == CCS_OK ? "pass" : "fail"; }

void ccs_bench_snp(const char *peers, const char *data, const char *bench_dir, double secs, int repeat) {
    char rp[1024], vp[1024], cp[1024], verdict[600] = "";
    ccs_buf rep = {0}, vcek = {0}, chain = {0};
    snprintf(rp, sizeof rp, "%s/%s/report.bin", data, SNP_DIR);
    snprintf(vp, sizeof vp, "%s/%s/vcek.der", data, SNP_DIR);
    snprintf(cp, sizeof cp, "%s/%s/cert_chain.pem", data, SNP_DIR);
    if (ccs_file_read(rp, 1 << 16, &rep) != CCS_OK || ccs_file_read(vp, 1 << 16, &vcek) != CCS_OK ||
        ccs_file_read(cp, 1 << 16, &chain) != CCS_OK) {
        fprintf(stderr, "bench_attest: %s\n", ccs_error_detail());
        return;
    }
    ccs_status st_c = CCS_OK, st_u = CCS_OK, st_k = CCS_OK;
    double cached = 0, uncached = 0, cold = 0;
    for (int k = 0; k < repeat; k++) {
        cached = fmax(cached, bench_cached(ccs_buf_view(&rep), ccs_buf_view(&vcek), ccs_buf_view(&chain), secs, &st_c));
        uncached = fmax(uncached, bench_uncached(ccs_buf_view(&rep), ccs_buf_view(&vcek), ccs_buf_view(&chain), secs,
                                                 false, &st_u));
        cold = fmax(cold, bench_uncached(ccs_buf_view(&rep), ccs_buf_view(&vcek), ccs_buf_view(&chain), secs, true,
                                         &st_k));
    }
    printf("snp azure-genoa-vcek (as of 2025-06-01T00:00:00Z)\n");
    printf("  ccs cached   %8.0f verifications/s  %8.1f us  (%s)\n", cached, 1e6 / cached, verdict_of(st_c));
    printf("  ccs uncached %8.0f verifications/s  %8.1f us  (%s)\n", uncached, 1e6 / uncached, verdict_of(st_u));
    printf("  ccs cold     %8.0f verifications/s  %8.1f us  (%s)\n", cold, 1e6 / cold, verdict_of(st_k));
    if (peers) {
        double ms = 0;
        for (int k = 0; k < repeat; k++) {
            double m = run_peer(peers, bench_dir, rp, vp, secs, verdict, sizeof verdict);
            if (m > 0 && (ms == 0 || m < ms)) ms = m;
        }
        if (ms > 0)
            printf("  tinfoil      %8.0f verifications/s  %8.1f us  (%s)  cached %.1fx  uncached %.1fx  cold %.1fx\n",
                   1e3 / ms, ms * 1e3, verdict, cached * ms / 1e3, uncached * ms / 1e3, cold * ms / 1e3);
        else
            printf("  tinfoil      not run (peer missing: scripts/install-deps.sh --peers)\n");
    }
    printf("\n");
    ccs_buf_free(&rep);
    ccs_buf_free(&vcek);
    ccs_buf_free(&chain);
}
