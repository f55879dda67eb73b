/* bench_kbs: the KBS under load. An in-process KBS (ccs/kbs.h) listens on
 * 127.0.0.1 (plain HTTP) in its own thread, with a temp store, a fresh sim
 * root, an attestation policy for sim-sgx with a registered measurement, a
 * resource and a resource policy. N client threads (kbs_client.c) loop the
 * whole RCAR flow over libcurl with keep-alive for a fixed time:
 *   auth -> fresh tee key -> sim-sgx evidence over the runtime-data digest
 *   -> attest -> resource by cookie -> JWE decryption,
 * then, in a second phase, resource reads with "Authorization: Bearer <EAR>".
 * Printed: attestations/s, p50/p99 of the attest request and of the whole
 * flow, errors, and where the CPU went (server thread, clients, evidence).
 * In the same run, the in-process baseline (kbs_inproc.c): the server's
 * verification, policy and EAR signing called directly, one thread and one
 * per core. efficiency = server attestations/s / the better in-process
 * rate (one thread or one per core) on the same cores: what the server
 * delivers of what the same cores can verify and sign. Clients and server share the machine's cores; the output says so.
 * Then the ceiling of that ratio on this machine (kbs_floor.c): a flow costs
 * a server at least the in-process attestation, the resource JWE and three
 * requests' worth of the kernel's loopback TCP (measured with a bare epoll
 * thread, no HTTP), so the ratio cannot exceed in-process / their sum.
 * Each figure is the best of --repeat runs of --seconds each.
 * Usage: bench_kbs [--clients N] [--seconds S] [--repeat R] [--pin|--no-pin] [--tls] */
#include <ftw.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ccs/crypto.h"
#include "ccs/tee.h"
#include "kbs_bench.h"
#include "self_signed.h" /* tests/common */
#include "kbs_internal.h"

#define MAX_CLIENTS 1024
#define TARGET_EFFICIENCY 0.5
#define TARGET_P99_MS 50.0

const char kb_attestation_policy[] =
    "{\"version\":1,\"tees\":{\"sim-sgx\":{\"allow_debug\":true,\"accept_tcb\":[\"UpToDate\","
    "\"SWHardeningNeeded\",\"ConfigurationNeeded\",\"ConfigurationAndSWHardeningNeeded\"],"
    "\"measurements\":{\"mrenclave\":{\"ref\":\"sim-sgx.mrenclave\"}}}}}";
const char kb_resource_policy[] =
    "{\"version\":1,\"rules\":[{\"resources\":\"default/keys/*\",\"allow\":{\"tee\":[\"sim-sgx\"],"
    "\"status\":[\"affirming\",\"warning\"]}}]}";

double kb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double kb_cpu(clockid_t c) {
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return NAN;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double kb_machine_busy(void) {
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) return NAN;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7]);
    fclose(f);
    if (n != 8) return NAN;
    /* user nice system idle iowait irq softirq steal: all but idle and iowait */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

void kb_refval(char out[80]) {
    uint8_t d[32];
    char hex[65];
    ccs_sha256(ccs_bytes_str(KB_MEASUREMENT), d);
    if (ccs_hex_encode(ccs_bytes_of(d, 32), hex, sizeof hex) != CCS_OK) hex[0] = '\0';
    snprintf(out, 80, "[\"%s\"]", hex);
}

/* ---- core split ----
 * With --pin (the default on 2+ cores) the server's loops run on the upper
 * half of the cores and the clients on the lower half, and the in-process
 * baseline runs on the server's cores with one thread per core: "the same
 * cores" then means the same cores, and the clients' work (curl, evidence,
 * JWE decryption) is not charged to the server. */
static bool g_pin;
static int g_server_cores;
static cpu_set_t g_server_set, g_client_set, g_all_set;

static void split_cores(int ncores) {
    cpu_set_t all;
    CPU_ZERO(&all);
    CPU_ZERO(&g_server_set);
    CPU_ZERO(&g_client_set);
    if (sched_getaffinity(0, sizeof all, &all) != 0) {
        g_pin = false;
        return;
    }
    g_all_set = all;
    int want = ncores / 2 > 0 ? ncores / 2 : 1, seen = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &all)) continue;
        if (seen++ < ncores - want) CPU_SET(c, &g_client_set);
        else CPU_SET(c, &g_server_set);
    }
    g_server_cores = CPU_COUNT(&g_server_set);
}

static void pin(pthread_t t, const cpu_set_t *set) {
    if (g_pin && pthread_setaffinity_np(t, sizeof *set, set) != 0) fprintf(stderr, "bench_kbs: cannot pin a thread\n");
}

/* ---- the server ---- */

static const char *fs_name(const char *dir, char *out, size_t cap) {
    static const struct {
        long magic;
        const char *name;
    } fss[] = {{0xEF53, "ext4"}, {0x01021994, "tmpfs"}, {0x58465342, "xfs"}, {(long)0x9123683E, "btrfs"},
               {0x794c7630, "overlayfs"}, {0x6969, "nfs"}};
    struct statfs sf;
    snprintf(out, cap, "unknown");
    if (statfs(dir, &sf) != 0) return out;
    for (size_t i = 0; i < sizeof fss / sizeof fss[0]; i++)
        if ((long)sf.f_type == fss[i].magic) snprintf(out, cap, "%s", fss[i].name);
    return out;
}

/* Policies, the reference value and the resource, written to the store
 * before the server opens it (the admin API would do the same writes). */
static ccs_status seed_store(const kb_env *e) {
    ccs_kbs_store *st = NULL;
    char refval[80];
    ccs_time now = ccs_time_now();
    kb_refval(refval);
    CCS_TRY(ccs_kbs_store_open(e->store, &st));
    ccs_status s = ccs_kbs_policy_set(st, CCS_KBS_POLICY_ATTESTATION, kb_attestation_policy, now);
    if (s == CCS_OK) s = ccs_kbs_policy_set(st, CCS_KBS_POLICY_RESOURCE, kb_resource_policy, now);
    if (s == CCS_OK) s = ccs_kbs_refval_set(st, "sim-sgx", "mrenclave", refval, now);
    if (s == CCS_OK) s = ccs_kbs_resource_put(st, "default", "keys", "k1", ccs_bytes_str(KB_SECRET), now);
    ccs_kbs_store_close(st);
    return s;
}

static void *serve(void *arg) {
    kb_env *e = arg;
    pin(pthread_self(), &g_server_set); /* the worker loops it starts inherit it */
    if (ccs_kbs_server_run(e->srv) != CCS_OK) fprintf(stderr, "bench_kbs: server: %s\n", ccs_error_detail());
    return NULL;
}

/* --tls: a self-signed P-256 certificate for localhost / 127.0.0.1 and its
 * key, in the run's directory. */
static bool g_tls;

static ccs_status make_tls(kb_env *e, char *key, size_t cap) {
    snprintf(e->tls_cert, sizeof e->tls_cert, "%s/tls.crt", e->dir);
    snprintf(key, cap, "%s/tls.key", e->dir);
    return tu_self_signed_localhost(e->tls_cert, key);
}

static int env_start(kb_env *e) {
    const char *tmp = getenv("TMPDIR");
    memset(e, 0, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "%s/ccs-bench-kbs.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(e->dir) == NULL) {
        perror("bench_kbs: mkdtemp");
        return -1;
    }
    fs_name(e->dir, e->fs, sizeof e->fs);
    snprintf(e->sim_dir, sizeof e->sim_dir, "%s/sim", e->dir);
    snprintf(e->store, sizeof e->store, "%s/kbs.db", e->dir);
    snprintf(e->token_key, sizeof e->token_key, "%s/token-key.jwk", e->dir);
    ccs_status st = ccs_sim_init(e->sim_dir, ccs_time_now(), true);
    if (st == CCS_OK) st = seed_store(e);
    if (st == CCS_OK) st = ccs_kbs_config_defaults(&e->cfg);
    if (st == CCS_OK) st = ccs_kbs_config_set(&e->cfg.listen, "127.0.0.1:0");
    if (st == CCS_OK) st = ccs_kbs_config_set(&e->cfg.store, e->store);
    if (st == CCS_OK) st = ccs_kbs_config_set(&e->cfg.token_key, e->token_key);
    if (st == CCS_OK) st = ccs_kbs_config_set(&e->cfg.insecure_trust_sim_dir, e->sim_dir);
    e->cfg.log_level = CCS_KBS_LOG_ERROR;
    if (g_pin) e->cfg.workers = g_server_cores;
    if (st == CCS_OK && g_tls) {
        char key[600];
        st = make_tls(e, key, sizeof key);
        if (st == CCS_OK) st = ccs_kbs_config_set(&e->cfg.tls_cert, e->tls_cert);
        if (st == CCS_OK) st = ccs_kbs_config_set(&e->cfg.tls_key, key);
    }
    if (st == CCS_OK) st = ccs_kbs_server_new(&e->cfg, &e->srv);
    if (st != CCS_OK) {
        fprintf(stderr, "bench_kbs: setup: %s\n", ccs_error_detail());
        return -1;
    }
    if (pthread_create(&e->thread, NULL, serve, e) != 0) {
        fprintf(stderr, "bench_kbs: cannot start the server thread\n");
        return -1;
    }
    snprintf(e->url, sizeof e->url, "%s://127.0.0.1:%u", g_tls ? "https" : "http",
             (unsigned)ccs_kbs_server_port(e->srv));
    if (pthread_getcpuclockid(e->thread, &e->cpu_clock) != 0) {
        fprintf(stderr, "bench_kbs: no CPU clock for the server thread\n");
        return -1;
    }
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void env_stop_server(kb_env *e) {
    if (e->srv != NULL && e->url[0]) {
        ccs_kbs_server_stop(e->srv);
        pthread_join(e->thread, NULL);
        e->url[0] = '\0';
    }
    ccs_kbs_server_free(e->srv);
    e->srv = NULL;
    ccs_kbs_config_clear(&e->cfg);
}

static void env_stop(kb_env *e) {
    env_stop_server(e);
    if (e->dir[0]) nftw(e->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    e->dir[0] = '\0';
}

/* ---- one run of the clients ---- */

typedef struct run_result {
    double rate; /* operations/s */
    long errors;
    char last_error[256];
    double p50_op, p99_op, p50_attest, p99_attest; /* ms */
    double server_cpu, client_cpu, process_cpu;    /* CPU seconds per second of wall */
    double evidence_us;                            /* client CPU per flow in evidence generation */
    double other;                                  /* cores busy with other processes */
} run_result;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of v[0..n) (sorted here). */
static double pct(double *v, size_t n, double p) {
    if (n == 0) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    return v[k == 0 ? 0 : k - 1];
}

static run_result run_clients(const kb_env *e, kb_client **cl, int n, double secs) {
    run_result r = {0};
    pthread_t *t = calloc((size_t)n, sizeof *t);
    clockid_t *ck = calloc((size_t)n, sizeof *ck);
    double *c0 = calloc((size_t)n, sizeof *c0);
    pthread_barrier_t start;
    atomic_int stop = 0;
    if (t == NULL || ck == NULL || c0 == NULL) abort();
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        kb_client_prepare(cl[i], &start, secs, &stop);
        if (pthread_create(&t[i], NULL, kb_client_main, cl[i]) != 0 || pthread_getcpuclockid(t[i], &ck[i]) != 0)
            abort();
        pin(t[i], &g_client_set);
    }
    pthread_barrier_wait(&start);
    double t0 = kb_now(), s0 = kb_cpu(e->cpu_clock), p0 = kb_cpu(CLOCK_PROCESS_CPUTIME_ID), m0 = kb_machine_busy();
    for (int i = 0; i < n; i++) c0[i] = kb_cpu(ck[i]);
    struct timespec nap = {.tv_sec = (time_t)secs, .tv_nsec = (long)((secs - floor(secs)) * 1e9)};
    while (nanosleep(&nap, &nap) != 0) {
    }
    double wall = kb_now() - t0;
    (void)s0;
    r.process_cpu = (kb_cpu(CLOCK_PROCESS_CPUTIME_ID) - p0) / wall;
    r.other = fmax(0, (kb_machine_busy() - m0) / wall - r.process_cpu);
    for (int i = 0; i < n; i++) r.client_cpu += (kb_cpu(ck[i]) - c0[i]) / wall;
    /* The server's worker loops are every thread but the clients (the bench's
     * own thread sleeps meanwhile). */
    r.server_cpu = fmax(0, r.process_cpu - r.client_cpu);
    atomic_store(&stop, 1);
    size_t total = 0;
    double ev = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        kb_stats *s = kb_client_stats(cl[i]);
        total += s->n;
        r.errors += s->errors;
        ev += s->evidence_cpu_s;
        if (s->last_error[0]) snprintf(r.last_error, sizeof r.last_error, "%s", s->last_error);
    }
    pthread_barrier_destroy(&start);
    double *ops = malloc((total + 1) * sizeof *ops), *att = malloc((total + 1) * sizeof *att);
    if (ops == NULL || att == NULL) abort();
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        kb_stats *s = kb_client_stats(cl[i]);
        memcpy(ops + k, s->flow_ms, s->n * sizeof *ops);
        memcpy(att + k, s->attest_ms, s->n * sizeof *att);
        k += s->n;
    }
    r.rate = (double)total / secs;
    r.p50_op = pct(ops, total, 50);
    r.p99_op = pct(ops, total, 99);
    r.p50_attest = pct(att, total, 50);
    r.p99_attest = pct(att, total, 99);
    r.evidence_us = total ? ev / (double)total * 1e6 : 0;
    free(ops);
    free(att);
    free(t);
    free(ck);
    free(c0);
    return r;
}

/* Best of repeat runs (by rate); errors are summed over every run. With ip
 * (the full-flow phase), each run is followed at once by the in-process
 * baseline on the server's cores for as long (one thread; the server's loop
 * idles meanwhile): the machine's speed drifts over tens of seconds here (a
 * shared host), and a ratio of two figures measured seconds apart carries
 * that drift; the median of the adjacent pairs does not. Pair ratios go to
 * ratio[0..repeat), the best in-process run to *ibest. */
static run_result best_of(const kb_env *e, kb_client **cl, int n, double secs, int repeat, kb_inproc *ip,
                          double *ratio, kb_inproc_result *ibest) {
    run_result best = {0};
    long errors = 0;
    char last[256] = "";
    for (int k = 0; k < repeat; k++) {
        run_result r = run_clients(e, cl, n, secs);
        errors += r.errors;
        if (r.last_error[0]) snprintf(last, sizeof last, "%s", r.last_error);
        if (k == 0 || r.rate > best.rate) best = r;
        if (ip == NULL) continue;
        pin(pthread_self(), &g_server_set);
        kb_inproc_result i = kb_inproc_run(ip, 1, secs);
        pin(pthread_self(), &g_all_set);
        if (i.rate > ibest->rate) *ibest = i;
        ratio[k] = i.rate > 0 ? r.rate / i.rate : 0;
    }
    best.errors = errors;
    snprintf(best.last_error, sizeof best.last_error, "%s", last);
    return best;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static kb_client **make_clients(const kb_env *e, int n, kb_mode mode) {
    kb_client **cl = calloc((size_t)n, sizeof *cl);
    for (int i = 0; cl != NULL && i < n; i++)
        if ((cl[i] = kb_client_new(e, mode)) == NULL) return NULL;
    return cl;
}

static void free_clients(kb_client **cl, int n) {
    for (int i = 0; cl != NULL && i < n; i++) kb_client_free(cl[i]);
    free(cl);
}

static int cores(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return (int)sysconf(_SC_NPROCESSORS_ONLN);
    return CPU_COUNT(&set);
}

static const char *met(bool ok) { return ok ? "met" : "NOT met"; }

static void print_cpu(const run_result *r, int ncores) {
    printf("  CPU (cores busy, of %d): server threads %.2f, client threads %.2f, whole process %.2f,\n"
           "  other processes on the machine %.2f\n",
           ncores, r->server_cpu, r->client_cpu, r->process_cpu, r->other);
}

/* What no server can beat on this machine: a flow needs at least the
 * in-process attestation, the resource JWE and three requests' worth of
 * the kernel's loopback TCP, so the efficiency is at most the in-process
 * CPU over their sum (with the server's core fully busy). */
static void print_ceiling(double inproc_us, double jwe_us, const kb_floor_result *fl, int clients) {
    double floor_us = inproc_us + jwe_us + 3 * fl->cpu_us;
    double ceiling = floor_us > 0 ? inproc_us / floor_us : 0;
    printf("ceiling on this machine: a flow costs the server at least the in-process attestation\n"
           "  (%.0f us CPU), the resource JWE (%.0f us: ECDH-ES+A256KW with a fresh P-256 key, A256GCM)\n"
           "  and three requests over loopback TCP (3 x %.1f us: a bare epoll thread answering the flow's\n"
           "  request sizes on %d keep-alive connections, no HTTP and no work, %.0f requests/s): %.0f us,\n"
           "  so no server can exceed %.0f / %.0f = %.2f here, before HTTP, sessions, policy and store%s\n",
           inproc_us, jwe_us, fl->cpu_us, clients, fl->rate, floor_us, inproc_us, floor_us, ceiling,
           fl->errors ? " (floor run had errors)" : "");
}

int main(int argc, char **argv) {
    int clients = 64, repeat = 3, pin_opt = -1;
    double secs = 3.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pin") || !strcmp(argv[i], "--no-pin")) {
            pin_opt = !strcmp(argv[i], "--pin");
            continue;
        }
        if (!strcmp(argv[i], "--tls")) {
            g_tls = true;
            continue;
        }
        if (!strcmp(argv[i], "--clients") && i + 1 < argc) clients = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else {
            printf("usage: bench_kbs [--clients N] [--seconds S] [--repeat R] [--pin|--no-pin] [--tls]\n"
                   "The KBS under load over loopback: N clients (default 64) run the whole RCAR flow\n"
                   "(auth, attest with sim-sgx evidence, resource) for S seconds (default 3), then read\n"
                   "the resource with a bearer token; beside them the same verification, policy and\n"
                   "token signing in-process, and the efficiency's ceiling here (the in-process work, the\n"
                   "resource JWE and a bare loopback TCP exchange per request, measured in the same run).\n"
                   "Each figure is the best of R runs (default 3).\n"
                   "--pin (the default with 2+ cores): the server on the upper half of the cores, the\n"
                   "clients on the lower half, the in-process baseline on the server's cores.\n"
                   "--tls: HTTPS (a self-signed P-256 certificate; one TLS 1.3 handshake per client\n"
                   "connection, kept alive); the ceiling's floor stays plain TCP.\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (clients < 1 || clients > MAX_CLIENTS || !(secs > 0) || repeat < 1) {
        fprintf(stderr, "bench_kbs: --clients 1..%d, --seconds > 0, --repeat >= 1\n", MAX_CLIENTS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* as ccs kbs serve does */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    kb_env env;
    int ncores = cores(), rc = 0;
    g_pin = pin_opt < 0 ? ncores >= 2 : pin_opt == 1;
    if (g_pin && ncores < 2) {
        fprintf(stderr, "bench_kbs: --pin needs 2 cores or more\n");
        return 2;
    }
    if (g_pin) split_cores(ncores);
    if (env_start(&env) != 0) {
        env_stop(&env);
        return 2;
    }
    printf("KBS under load: %d clients over loopback %s (keep-alive), best of %d runs of %.1f s\n", clients,
           g_tls ? "HTTPS" : "HTTP", repeat, secs);
    if (g_pin)
        printf("machine: %d cores; the server's %d libevent loop(s) pinned to %d core(s), the clients to the\n"
               "other %d; store %s on %s (SQLite WAL; 1 session row per flow, group-committed, SIGKILL-safe)\n\n",
               ncores, g_server_cores, g_server_cores, ncores - g_server_cores, env.store, env.fs);
    else
        printf("machine: %d cores, shared by the client threads and the server; the server runs one libevent\n"
               "loop per core; store %s on %s (SQLite WAL; 1 session row per flow, group-committed, SIGKILL-safe)\n\n",
               ncores, env.store, env.fs);

    kb_inproc *ip = kb_inproc_new(&env);
    kb_client **cl = ip != NULL ? make_clients(&env, clients, KB_FLOW) : NULL;
    if (cl == NULL) {
        kb_inproc_free(ip);
        env_stop(&env);
        return 2;
    }
    kb_inproc_result paired = {0};
    double *pair = calloc((size_t)repeat, sizeof *pair);
    if (pair == NULL) abort();
    run_result f = best_of(&env, cl, clients, secs, repeat, ip, pair, &paired);
    free_clients(cl, clients);
    printf("full flow (auth, attest, resource by cookie, JWE decryption), %d clients\n", clients);
    printf("  server       %8.0f attestations/s   errors %ld%s%s\n", f.rate, f.errors, f.errors ? ": " : "",
           f.last_error);
    printf("  attest request   p50 %7.1f ms   p99 %7.1f ms\n", f.p50_attest, f.p99_attest);
    printf("  whole flow       p50 %7.1f ms   p99 %7.1f ms\n", f.p50_op, f.p99_op);
    print_cpu(&f, ncores);
    if (g_pin && f.client_cpu >= 0.95 * (ncores - g_server_cores) && f.server_cpu < 0.9 * g_server_cores)
        printf("  (the clients' cores were saturated, the server's were not: this rate is the clients';\n"
               "  the CPU ratio below is the server's)\n");
    printf("  server CPU per flow %.0f us; client evidence generation %.0f us CPU per flow (%.2f cores)\n\n",
           f.rate > 0 ? f.server_cpu / f.rate * 1e6 : 0, f.evidence_us, f.evidence_us * f.rate / 1e6);

    cl = make_clients(&env, clients, KB_BEARER);
    if (cl == NULL) {
        env_stop(&env);
        return 2;
    }
    run_result b = best_of(&env, cl, clients, secs, repeat, NULL, NULL, NULL);
    free_clients(cl, clients);
    printf("resource reads with Authorization: Bearer <EAR> (verify, resource policy, read, JWE), %d clients\n",
           clients);
    printf("  server       %8.0f reads/s          errors %ld%s%s\n", b.rate, b.errors, b.errors ? ": " : "",
           b.last_error);
    printf("  read             p50 %7.1f ms   p99 %7.1f ms\n", b.p50_op, b.p99_op);
    print_cpu(&b, ncores);
    printf("  server CPU per read %.0f us\n\n", b.rate > 0 ? b.server_cpu / b.rate * 1e6 : 0);

    env_stop_server(&env); /* idle from here on; stopped so that it takes no CPU */
    /* Pinned: on the server's cores, one thread per core (the threads inherit
     * this thread's affinity). */
    int icores = g_pin ? g_server_cores : ncores;
    pin(pthread_self(), &g_server_set);
    kb_inproc_result one = paired, all = {0};
    for (int k = 0; k < repeat; k++) {
        kb_inproc_result r1 = kb_inproc_run(ip, 1, secs), rn = kb_inproc_run(ip, icores, secs);
        if (r1.rate > one.rate) one = r1;
        if (rn.rate > all.rate) all = rn;
        if (r1.errors || rn.errors) rc = 1;
    }
    double us[4];
    kb_inproc_breakdown(ip, secs / 4, us);
    double jwe_us = kb_inproc_jwe(ip, secs / 4);
    kb_inproc_free(ip);
    /* The floor of three requests over loopback TCP, on the same cores. */
    kb_floor_result fl = {0};
    for (int k = 0; k < repeat; k++) {
        kb_floor_result r = kb_floor_run(clients, secs, g_pin ? &g_server_set : NULL, g_pin ? &g_client_set : NULL);
        if (r.errors) rc = 1;
        if (r.cpu_us > 0 && (fl.cpu_us == 0 || r.cpu_us < fl.cpu_us)) fl = r;
    }
    env_stop(&env);
    printf("in-process, same run: decode + verify (the server's kbs_evidence_verify, with its collateral\n"
           "cache, as in the server) + attestation policy + EAR signing; no HTTP, no store\n");
    printf("  1 thread     %8.0f attestations/s   %6.0f us CPU each   (other processes %.2f cores)\n", one.rate,
           one.cpu_per_s * 1e6, one.other);
    printf("  %d thread%s    %8.0f attestations/s   %6.0f us CPU each   (other processes %.2f cores)\n", icores,
           icores == 1 ? " " : "s",
           all.rate, all.cpu_per_s * 1e6, all.other);
    printf("  steps (1 thread): sim trust load + ccs_dcap_verify %.0f us (collateral loaded and verified\n"
           "  per call; %.0f us from the server's cache), policy parse + evaluate %.0f us,\n"
           "  EAR build + ES256 sign %.0f us\n\n",
           us[0], us[1], us[2], us[3]);

    /* The denominator is the best the same cores did in-process: with one
     * thread or one per core, whichever was faster (on a machine shared
     * with other processes one per core can be the slower). */
    double best = fmax(one.rate, all.rate);
    double eff = best > 0 ? f.rate / best : 0;
    char pairs[256] = "";
    for (int k = 0, used = 0; k < repeat && used < (int)sizeof pairs - 8; k++)
        used += snprintf(pairs + used, sizeof pairs - (size_t)used, "%s%.2f", k ? ", " : "", pair[k]);
    double eff_paired = median(pair, repeat);
    free(pair);
    double cpu_eff = f.rate > 0 && f.server_cpu > 0 ? one.cpu_per_s / (f.server_cpu / f.rate) : 0;
    printf("efficiency = server attestations/s / the best in-process attestations/s on the same %d core%s%s\n",
           icores, icores == 1 ? "" : "s", g_pin ? " (pinned)" : " (shared with the clients)");
    printf("  each run beside the in-process run right after it (same core, same minute): %s;\n"
           "  median %.2f  (target >= %.1f: %s)\n", pairs, eff_paired, TARGET_EFFICIENCY,
           met(eff_paired >= TARGET_EFFICIENCY));
    printf("  best server run / best in-process run: %.0f / %.0f = %.2f\n", f.rate, best, eff);
    printf("  in-process CPU per attestation / server-thread CPU per flow: %.2f (1.0: the server would\n"
           "  spend nothing beyond verification, policy and signing; a flow also has auth and resource)\n",
           cpu_eff);
    print_ceiling(one.cpu_per_s * 1e6, jwe_us, &fl, clients);
    printf("p99 of the attest request at %d clients: %.1f ms (target < %.0f ms: %s)\n", clients, f.p99_attest,
           TARGET_P99_MS, met(f.p99_attest < TARGET_P99_MS));
    printf("errors: %ld (target 0: %s)\n", f.errors + b.errors, met(f.errors + b.errors == 0));
    curl_global_cleanup();
    return f.errors + b.errors > 0 ? 1 : rc;
}
