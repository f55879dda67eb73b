/* bench_kbs: shared between kbs.c (setup, runs, report), kbs_client.c (the
 * RCAR clients over libcurl) and kbs_inproc.c (the in-process baseline). */
#ifndef CCS_BENCH_KBS_H
#define CCS_BENCH_KBS_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ccs/kbs.h"

#define KB_MEASUREMENT "ccs bench enclave v1"
#define KB_RESOURCE "default/keys/k1"
#define KB_SECRET "the secret of default/keys/k1 (bench_kbs)"

/* The KBS under test: an in-process server on 127.0.0.1, its own thread. */
typedef struct kb_env {
    char dir[512]; /* mkdtemp under $TMPDIR */
    char sim_dir[600], store[600], token_key[600];
    char url[64];
    char tls_cert[600]; /* --tls: the server's self-signed certificate (the clients' CA); "" for HTTP */
    char fs[32]; /* file system type of dir ("ext4", "tmpfs", ...) */
    ccs_kbs_config cfg;
    ccs_kbs_server *srv;
    pthread_t thread;
    clockid_t cpu_clock; /* the server thread's CPU clock */
} kb_env;

/* The attestation policy: sim-sgx, mrenclave from reference values
 * "sim-sgx.mrenclave"; the resource policy: sim-sgx affirming or warning. */
extern const char kb_attestation_policy[];
extern const char kb_resource_policy[];
/* ["<hex of SHA-256(KB_MEASUREMENT)>"] (the sim MRENCLAVE). */
void kb_refval(char out[80]);

double kb_now(void);                   /* CLOCK_MONOTONIC, seconds */
double kb_cpu(clockid_t c);            /* a CPU clock, seconds */
/* CPU seconds the whole machine has been busy (every process; /proc/stat),
 * for the share taken by other processes during a run. NAN if unknown. */
double kb_machine_busy(void);

/* One client's results for one run. */
typedef struct kb_stats {
    double *flow_ms, *attest_ms; /* per operation completed within the window */
    size_t n, cap;
    long errors;
    char last_error[256];
    double evidence_cpu_s; /* client CPU in ccs_backend_evidence, counted operations */
} kb_stats;

typedef enum kb_mode { KB_FLOW, KB_BEARER } kb_mode;

typedef struct kb_client kb_client;
/* Opens the backend and the curl handle; for KB_BEARER, also attests once
 * to get the token. NULL on failure (message on stderr). */
kb_client *kb_client_new(const kb_env *env, kb_mode mode);
void kb_client_free(kb_client *c);
/* Warm up (one operation, not counted), wait on the barrier, then loop
 * until *stop; operations that end within secs after the barrier are
 * counted. Results in *kb_client_stats(c). */
void kb_client_prepare(kb_client *c, pthread_barrier_t *start, double secs, const atomic_int *stop);
void *kb_client_main(void *arg);
kb_stats *kb_client_stats(kb_client *c);
void kb_stats_reset(kb_stats *s);
void kb_stats_free(kb_stats *s);

/* The in-process baseline: what /attest does without HTTP and the store
 * (kbs_inproc.c). */
typedef struct kb_inproc_result {
    double rate;      /* attestations/s, all threads */
    double cpu_per_s; /* CPU seconds per attestation (thread CPU) */
    double other;     /* cores busy with other processes during the run */
    int errors;
} kb_inproc_result;
typedef struct kb_inproc kb_inproc;
kb_inproc *kb_inproc_new(const kb_env *env);
void kb_inproc_free(kb_inproc *b);
kb_inproc_result kb_inproc_run(kb_inproc *b, int threads, double secs);
/* Microseconds per step on one thread: sim trust load + ccs_dcap_verify
 * (what the server does per attestation), ccs_dcap_verify with the trust
 * and collateral loaded once (what a cache would leave), policy parse +
 * evaluate, EAR signing. */
void kb_inproc_breakdown(kb_inproc *b, double secs, double us[4]);
/* Microseconds per resource JWE (ccs_kbs_jwe_encrypt_to, ECDH-ES+A256KW
 * with A256GCM, to an opened P-256 tee-pubkey: what the resource request
 * adds to a flow in cryptography), one thread. */
double kb_inproc_jwe(kb_inproc *b, double secs);

/* The loopback floor (kbs_floor.c): clients keep-alive connections, each
 * sending the flow's three requests in turn (about their sizes) to a bare
 * epoll thread that answers each with one send; server/client: where to pin
 * the server thread and the clients (NULL: not pinned). */
typedef struct kb_floor_result {
    double rate;   /* requests/s */
    double cpu_us; /* the server thread's CPU per request */
    int errors;
} kb_floor_result;
kb_floor_result kb_floor_run(int clients, double secs, const cpu_set_t *server, const cpu_set_t *client);

#endif
