/* bench_kbs in-process baseline: the work of POST /kbs/v0/attest without
 * HTTP and without the store, called directly in the bench's threads:
 *   kbs_evidence_decode  the primary_evidence member (base64 quote)
 *   kbs_evidence_verify  the server's own function: the sim root and the
 *                        verified collateral come from the server's
 *                        collateral cache, exactly as in the server, then
 *                        ccs_dcap_verify, the JSON result and its summary
 *   the attestation policy parsed and evaluated (the server reads the text
 *                        from the store and parses it per request; here the
 *                        text is in memory and the reference values come
 *                        from a callback instead of SQLite)
 *   the EAR claims built and signed (ccs_kbs_ear_issue, ES256).
 * Left out, as server-only costs: the HTTP exchange and JSON body, the
 * challenge cookie, the session read of the resource request and the one
 * session write (the nonce used, with the token stored). The evidence is
 * made before the timed loop: it is the client's work. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "ccs/tee.h"
#include "kbs_bench.h"
#include "server_internal.h"

#define POOL 8

typedef struct item {
    char nonce[48];
    json_t *pub;
    json_t *primary; /* {"quote": b64} */
    ccs_buf quote;
    uint8_t rd[64];
} item;

struct kb_inproc {
    const kb_env *env;
    ccs_kbs_config cfg; /* insecure_trust_sim_dir only */
    char refval[80];
    item pool[POOL];
};

static ccs_status lookup(void *ctx, const char *ref, char **values_json) {
    const kb_inproc *b = ctx;
    CCS_ENSURE(strcmp(ref, "sim-sgx.mrenclave") == 0, CCS_ERR_NOT_FOUND, "no reference value set %s", ref);
    *values_json = strdup(b->refval);
    CCS_ENSURE(*values_json != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}

static ccs_status make_item(ccs_backend *be, item *it) {
    uint8_t raw[32];
    size_t len = 0;
    json_t *priv = NULL;
    ccs_buf n64 = {0}, q64 = {0};
    ccs_status st = ccs_random(raw, sizeof raw);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_bytes_of(raw, sizeof raw), &n64);
    if (st == CCS_OK) snprintf(it->nonce, sizeof it->nonce, "%.*s", (int)n64.len, (const char *)n64.ptr);
    if (st == CCS_OK) st = ccs_kbs_tee_key_generate(&priv);
    if (st == CCS_OK) st = ccs_kbs_tee_key_public(priv, &it->pub);
    if (st == CCS_OK) st = ccs_kbs_runtime_data_hash(it->nonce, it->pub, CCS_HASH_SHA384, it->rd, &len);
    if (st == CCS_OK) st = ccs_backend_evidence(be, ccs_bytes_of(it->rd, len), &it->quote);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&it->quote), &q64);
    if (st == CCS_OK) {
        it->primary = json_pack("{s:s%}", "quote", (const char *)q64.ptr, q64.len);
        if (it->primary == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    if (priv != NULL) ccs_kbs_jwk_wipe(priv);
    json_decref(priv);
    ccs_buf_free(&n64);
    ccs_buf_free(&q64);
    return st;
}

kb_inproc *kb_inproc_new(const kb_env *env) {
    kb_inproc *b = calloc(1, sizeof *b);
    ccs_backend *be = NULL;
    ccs_tee_config tc = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = env->sim_dir,
                         .sim_measurement = ccs_bytes_str(KB_MEASUREMENT)};
    if (b == NULL) return NULL;
    b->env = env;
    kb_refval(b->refval);
    ccs_status st = ccs_kbs_config_set(&b->cfg.insecure_trust_sim_dir, env->sim_dir);
    if (st == CCS_OK) st = ccs_backend_open(&tc, &be);
    for (int i = 0; st == CCS_OK && i < POOL; i++) st = make_item(be, &b->pool[i]);
    ccs_backend_free(be);
    if (st != CCS_OK) {
        fprintf(stderr, "bench_kbs: in-process setup: %s\n", ccs_error_detail());
        kb_inproc_free(b);
        return NULL;
    }
    return b;
}

void kb_inproc_free(kb_inproc *b) {
    if (b == NULL) return;
    for (int i = 0; i < POOL; i++) {
        json_decref(b->pool[i].pub);
        json_decref(b->pool[i].primary);
        ccs_buf_free(&b->pool[i].quote);
    }
    ccs_kbs_config_clear(&b->cfg);
    free(b);
}

/* Policy parse + evaluate of a verifier result; true when allowed. */
static bool appraise(kb_inproc *b, const kbs_verified *v, ccs_kbs_appraisal *ap) {
    ccs_kbs_attestation_policy *pol = NULL;
    ccs_status st = ccs_kbs_attestation_policy_parse(kb_attestation_policy, &pol);
    if (st == CCS_OK)
        st = ccs_kbs_attestation_policy_evaluate_doc(pol, v->result, v->policy_tee, lookup, b, ap);
    ccs_kbs_attestation_policy_free(pol);
    return st == CCS_OK && ap->allow;
}

/* The EAR for an appraised result, as issue() in server_rcar.c builds it. */
static bool sign(const ccs_kbs_token_key *k, const item *it, const kbs_verified *v, const ccs_kbs_appraisal *ap) {
    const json_t *result = v->result;
    json_t *tv = ccs_kbs_tvector_json(&ap->tv);
    ccs_buf token = {0};
    ccs_kbs_ear ear = {.status = ap->status, .trust_vector = tv, .policy_id = "default", .tee = v->policy_tee,
                       .tee_claims = json_object_get(result, "claims"), .nonce = it->nonce,
                       .tee_pubkey = it->pub, .iat = ccs_time_now(), .lifetime_s = 300};
    bool ok = result && tv && ccs_kbs_ear_issue(k, &ear, &token) == CCS_OK;
    ccs_buf_free(&token);
    json_decref(tv);
    return ok;
}

/* One whole attestation; true when a token was issued. */
static bool attest_one(kb_inproc *b, const ccs_kbs_token_key *k, const item *it) {
    kbs_evidence ev;
    kbs_verified v;
    ccs_kbs_appraisal ap;
    memset(&v, 0, sizeof v);
    memset(&ap, 0, sizeof ap);
    bool ok = kbs_evidence_decode("sim-sgx", it->primary, &ev) == CCS_OK;
    ok = ok && kbs_evidence_verify(&b->cfg, &ev, it->nonce, it->pub, ccs_time_now(), &v) == CCS_OK && v.pass;
    ok = ok && appraise(b, &v, &ap) && sign(k, it, &v, &ap);
    ccs_kbs_appraisal_clear(&ap);
    kbs_verified_clear(&v);
    kbs_evidence_clear(&ev);
    return ok;
}

typedef struct worker {
    kb_inproc *b;
    double secs;
    pthread_barrier_t *start;
    long n;
    int errors;
    double cpu;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    ccs_kbs_token_key *k = NULL;
    if (ccs_kbs_token_key_generate(&k) != CCS_OK) w->errors++;
    if (k != NULL && !attest_one(w->b, k, &w->b->pool[0])) w->errors++; /* warm */
    pthread_barrier_wait(w->start);
    double c0 = kb_cpu(CLOCK_THREAD_CPUTIME_ID), end = kb_now() + w->secs;
    while (k != NULL && kb_now() < end) {
        if (!attest_one(w->b, k, &w->b->pool[w->n % POOL])) w->errors++;
        w->n++;
    }
    w->cpu = kb_cpu(CLOCK_THREAD_CPUTIME_ID) - c0;
    ccs_kbs_token_key_free(k);
    return NULL;
}

kb_inproc_result kb_inproc_run(kb_inproc *b, int threads, double secs) {
    kb_inproc_result r = {0};
    pthread_t t[64];
    worker w[64];
    pthread_barrier_t start;
    if (threads > 64) threads = 64;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    double m0 = kb_machine_busy(), p0 = kb_cpu(CLOCK_PROCESS_CPUTIME_ID), t0 = kb_now();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){.b = b, .secs = secs, .start = &start};
        if (pthread_create(&t[i], NULL, work, &w[i]) != 0) abort();
    }
    long n = 0;
    double cpu = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        n += w[i].n;
        cpu += w[i].cpu;
        r.errors += w[i].errors;
    }
    double wall = kb_now() - t0;
    r.other = fmax(0, (kb_machine_busy() - m0 - (kb_cpu(CLOCK_PROCESS_CPUTIME_ID) - p0)) / wall);
    pthread_barrier_destroy(&start);
    r.rate = (double)n / secs;
    r.cpu_per_s = n > 0 ? cpu / (double)n : 0;
    return r;
}

/* ---- the steps one by one, one thread ---- */

#define TIMED(us, secs, body)                                                                                         \
    do {                                                                                                              \
        long n_ = 0;                                                                                                  \
        double t0_ = kb_now(), t_;                                                                                    \
        do {                                                                                                          \
            for (int j_ = 0; j_ < 10; j_++, n_++) { body; }                                                           \
            t_ = kb_now() - t0_;                                                                                      \
        } while (t_ < (secs));                                                                                        \
        (us) = t_ * 1e6 / (double)n_;                                                                                 \
    } while (0)

void kb_inproc_breakdown(kb_inproc *b, double secs, double us[4]) {
    const item *it = &b->pool[0];
    ccs_x509 *root = NULL;
    ccs_collateral *coll = NULL;
    ccs_kbs_token_key *k = NULL;
    kbs_evidence ev;
    kbs_verified v;
    ccs_kbs_appraisal ap;
    memset(&v, 0, sizeof v);
    memset(&ap, 0, sizeof ap);
    memset(&ev, 0, sizeof ev);
    memset(us, 0, 4 * sizeof us[0]);
    if (ccs_sim_trust_load(b->env->sim_dir, CCS_TEE_SGX, &root, &coll) != CCS_OK ||
        ccs_kbs_token_key_generate(&k) != CCS_OK || kbs_evidence_decode("sim-sgx", it->primary, &ev) != CCS_OK ||
        kbs_evidence_verify(&b->cfg, &ev, it->nonce, it->pub, ccs_time_now(), &v) != CCS_OK || !v.pass ||
        !appraise(b, &v, &ap)) {
        fprintf(stderr, "bench_kbs: breakdown: %s\n", ccs_error_detail());
    } else {
        ccs_dcap_options opt = {.now = ccs_time_now(),
                                .accept_tcb = CCS_TCB_ACCEPT_DEFAULT | CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE) |
                                              CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED),
                                .allow_debug = true, .report_data = ccs_bytes_of(it->rd, 64), .insecure_root = root};
        ccs_dcap_result *res = calloc(1, sizeof *res);
        TIMED(us[0], secs, {
            ccs_x509 *r2 = NULL;
            ccs_collateral *c2 = NULL;
            ccs_dcap_options o2 = opt;
            if (ccs_sim_trust_load(b->env->sim_dir, CCS_TEE_SGX, &r2, &c2) != CCS_OK) abort();
            o2.insecure_root = r2;
            if (res == NULL || ccs_dcap_verify(ccs_buf_view(&it->quote), c2, &o2, res) != CCS_OK) abort();
            ccs_collateral_free(c2);
            ccs_x509_free(r2);
        });
        if (res != NULL)
            TIMED(us[1], secs, {
                if (ccs_dcap_verify(ccs_buf_view(&it->quote), coll, &opt, res) != CCS_OK) abort();
            });
        TIMED(us[2], secs, {
            ccs_kbs_appraisal a2;
            memset(&a2, 0, sizeof a2);
            if (!appraise(b, &v, &a2)) abort();
            ccs_kbs_appraisal_clear(&a2);
        });
        TIMED(us[3], secs, {
            if (!sign(k, it, &v, &ap)) abort();
        });
        free(res);
    }
    ccs_kbs_appraisal_clear(&ap);
    kbs_verified_clear(&v);
    kbs_evidence_clear(&ev);
    ccs_kbs_token_key_free(k);
    ccs_collateral_free(coll);
    ccs_x509_free(root);
}

/* ---- the resource request's cryptography ---- */

double kb_inproc_jwe(kb_inproc *b, double secs) {
    ccs_kbs_tee_pubkey *key = NULL;
    double us = 0;
    if (ccs_kbs_tee_pubkey_open(b->pool[0].pub, &key) != CCS_OK) {
        fprintf(stderr, "bench_kbs: jwe: %s\n", ccs_error_detail());
        return 0;
    }
    ccs_bytes secret = ccs_bytes_str(KB_SECRET);
    TIMED(us, secs, {
        json_t *jwe = NULL;
        if (ccs_kbs_jwe_encrypt_to(key, secret, &jwe) != CCS_OK) abort();
        json_decref(jwe);
    });
    ccs_kbs_tee_pubkey_free(key);
    return us;
}
