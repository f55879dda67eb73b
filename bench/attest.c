/* bench_attest: DCAP quote verification speed on one core, beside
 * @phala/dcap-qvl on the same vector in the same run.
 *   full  every time: the collateral documents (TCB Info and QE Identity
 *         JSON text, hex CRLs, PEM chains) are parsed into a new collateral
 *         object and everything is verified from raw bytes: all signatures,
 *         chains, CRLs, windows, TCB levels. As for the peer, the outer
 *         collateral object is taken apart once, outside the loop (dcap-qvl
 *         gets it as a JavaScript object). Decoded certificates come from
 *         the process-wide decoding cache (ccs_x509_parse_der).
 *   cold  as full, with the decoding cache emptied before every run.
 *   warm  the collateral object is parsed and verified once, then reused:
 *         per quote, the quote and QE report signatures, QE report binding,
 *         the PCK chain (cached by its bytes), TCB evaluation and policy.
 * Each figure is the best of --repeat runs (default 3) of --seconds each,
 * for CCS and the peer alike, so a busy neighbour on a shared machine skews
 * the ratio less.
 * Usage: bench_attest [--peers DIR] [--seconds S] [--repeat N] [--data DIR] */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <math.h>

#include "ccs/attest.h"

int ccs_bench_sim(double secs, int repeat);
void ccs_bench_snp(const char *peers, const char *data, const char *bench_dir, double secs, int repeat);
int ccs_bench_tpm(double secs, int repeat, const char *ccs_bin); /* attest_tpm.c */

typedef struct bvec {
    const char *name, *quote, *collateral, *at;
} bvec;

static const bvec vectors[] = {
    {"sgx-v3 dcapqvl", "sgx/dcapqvl-sgx-v3/quote.bin", "sgx/dcapqvl-sgx-v3/collateral_dcapqvl.json",
     "2025-06-19T11:00:00Z"},
    {"tdx-v4 dcapqvl", "tdx/dcapqvl-tdx-v4-uptodate/quote.bin", "tdx/dcapqvl-tdx-v4-uptodate/collateral_dcapqvl.json",
     "2025-06-19T11:00:00Z"},
    {"tdx-v5 unsupported-tcb", "tdx/dcapqvl-tdx-v5-unsupported-tcb/quote.bin",
     "tdx/dcapqvl-tdx-v5-unsupported-tcb/collateral_dcapqvl.json", "2026-02-19T00:00:00Z"},
    {"tdx-v4 go-tdx SPR", "tdx/gotdx-spr-e4-v4-2023/quote.bin", "tdx/gotdx-spr-e4-v4-2023/collateral_dcapqvl.json",
     "2023-07-01T01:00:00Z"},
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *verdict_of(ccs_status st) { return st == CCS_OK ? "pass" : "fail"; }

/* The dcap-qvl collateral object taken apart into its members, once. */
typedef struct pieces {
    json_t *doc;
    ccs_collateral_raw raw;
} pieces;

static ccs_bytes member(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? ccs_bytes_of(json_string_value(v), json_string_length(v)) : ccs_bytes_of(NULL, 0);
}

static int split_collateral(ccs_bytes json, pieces *p) {
    json_error_t err;
    p->doc = json_loadb((const char *)json.ptr, json.len, 0, &err);
    if (!p->doc) return -1;
    p->raw = (ccs_collateral_raw){
        .tcb_info = member(p->doc, "tcb_info"),
        .tcb_info_signature = member(p->doc, "tcb_info_signature"),
        .tcb_info_issuer_chain = member(p->doc, "tcb_info_issuer_chain"),
        .qe_identity = member(p->doc, "qe_identity"),
        .qe_identity_signature = member(p->doc, "qe_identity_signature"),
        .qe_identity_issuer_chain = member(p->doc, "qe_identity_issuer_chain"),
        .pck_crl = member(p->doc, "pck_crl"),
        .pck_crl_issuer_chain = member(p->doc, "pck_crl_issuer_chain"),
        .root_ca_crl = member(p->doc, "root_ca_crl"),
    };
    return 0;
}

/* Full (and cold) verification: new collateral object, every check. */
static double bench_full(ccs_bytes quote, const pieces *p, const ccs_dcap_options *opt, double secs, bool cold,
                         ccs_status *st) {
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 20; i++, n++) {
            ccs_collateral *c = NULL;
            ccs_dcap_result r;
            if (cold) ccs_x509_cache_clear();
            *st = ccs_collateral_load(&p->raw, &c);
            if (*st == CCS_OK) *st = ccs_dcap_verify(quote, c, opt, &r);
            ccs_collateral_free(c);
        }
        t = now_s() - t0;
    } while (t < secs);
    return (double)n / t;
}

static double bench_warm(ccs_bytes quote, const pieces *p, const ccs_dcap_options *opt, double secs, ccs_status *st) {
    ccs_collateral *c = NULL;
    ccs_dcap_result r;
    long n = 0;
    if ((*st = ccs_collateral_load(&p->raw, &c)) != CCS_OK) return 0;
    *st = ccs_dcap_verify(quote, c, opt, &r); /* fills the caches */
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 100; i++, n++) *st = ccs_dcap_verify(quote, c, opt, &r);
        t = now_s() - t0;
    } while (t < secs);
    ccs_collateral_free(c);
    return (double)n / t;
}

/* Runs the peer on the same files; returns its mean ms, or 0. */
static double run_peer(const char *peers, const char *bench_dir, const char *quote, const char *coll, const char *at,
                       double secs, char *verdict, size_t vcap) {
    char cmd[4096], line[1024];
    snprintf(cmd, sizeof cmd, "taskset -c 0 node '%s/peers/dcapqvl-bench.cjs' '%s' '%s' '%s' '%s' %.1f 2>&1",
             bench_dir, peers, quote, coll, at, secs);
    FILE *p = popen(cmd, "r");
    double ms = 0;
    if (!p) return 0;
    while (fgets(line, sizeof line, p)) {
        char v[16], status[512];
        if (sscanf(line, "dcap-qvl %15s %511s %lf", v, status, &ms) == 3)
            snprintf(verdict, vcap, "%s %s", v, status);
    }
    pclose(p);
    return ms;
}

int main(int argc, char **argv) {
    const char *peers = NULL, *data = CCS_BENCH_DATA, *bench_dir = CCS_BENCH_DIR;
    double secs = 1.0;
    int repeat = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--peers") && i + 1 < argc) peers = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else {
            printf("usage: bench_attest [--peers DIR] [--seconds S] [--repeat N] [--data DIR]\n"
                   "DCAP verification rate on one core (full and warm), beside @phala/dcap-qvl\n"
                   "when --peers names a folder where scripts/install-deps.sh --peers installed it.\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set); /* one core */
    printf("DCAP quote verification, one core, best of %d runs of %.1f s\n\n", repeat, secs);
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const bvec *v = &vectors[i];
        char qp[1024], cp[1024], verdict[600] = "";
        ccs_buf q = {0}, c = {0};
        ccs_dcap_options opt = {0};
        ccs_status st_full = CCS_OK, st_warm = CCS_OK;
        snprintf(qp, sizeof qp, "%s/%s", data, v->quote);
        snprintf(cp, sizeof cp, "%s/%s", data, v->collateral);
        if (ccs_file_read(qp, 1 << 20, &q) != CCS_OK || ccs_file_read(cp, 1 << 22, &c) != CCS_OK ||
            ccs_time_parse(v->at, &opt.now) != CCS_OK) {
            fprintf(stderr, "bench_attest: %s\n", ccs_error_detail());
            return 2;
        }
        pieces p;
        if (split_collateral(ccs_buf_view(&c), &p) != 0) {
            fprintf(stderr, "bench_attest: %s is not JSON\n", cp);
            return 2;
        }
        ccs_status st_cold = CCS_OK;
        double cold = 0, full = 0, warm = 0;
        for (int k = 0; k < repeat; k++) {
            cold = fmax(cold, bench_full(ccs_buf_view(&q), &p, &opt, secs, true, &st_cold));
            full = fmax(full, bench_full(ccs_buf_view(&q), &p, &opt, secs, false, &st_full));
            warm = fmax(warm, bench_warm(ccs_buf_view(&q), &p, &opt, secs, &st_warm));
        }
        json_decref(p.doc);
        printf("%s (as of %s)\n", v->name, v->at);
        printf("  ccs full   %10.0f verifications/s  %8.1f us  (%s)\n", full, 1e6 / full, verdict_of(st_full));
        printf("  ccs cold   %10.0f verifications/s  %8.1f us  (%s)\n", cold, 1e6 / cold, verdict_of(st_cold));
        printf("  ccs warm   %10.0f verifications/s  %8.1f us  (%s)\n", warm, 1e6 / warm, verdict_of(st_warm));
        if (peers) {
            double ms = 0;
            for (int k = 0; k < repeat; k++) {
                double m = run_peer(peers, bench_dir, qp, cp, v->at, secs, verdict, sizeof verdict);
                if (m > 0 && (ms == 0 || m < ms)) ms = m;
            }
            if (ms > 0)
                printf("  dcap-qvl   %10.0f verifications/s  %8.1f us  (%s)  full %.1fx  cold %.1fx  warm %.1fx\n",
                       1e3 / ms, ms * 1e3, verdict, full * ms / 1e3, cold * ms / 1e3, warm * ms / 1e3);
            else
                printf("  dcap-qvl   not run (peer missing: scripts/install-deps.sh --peers)\n");
        }
        printf("\n");
        ccs_buf_free(&q);
        ccs_buf_free(&c);
    }
    ccs_bench_snp(peers, data, bench_dir, secs, repeat); /* attest_snp.c, beside @tinfoilsh/verifier */
    int rc = ccs_bench_sim(secs, repeat); /* attest_sim.c */
    return ccs_bench_tpm(secs, repeat, CCS_BENCH_CCS) || rc;
}
