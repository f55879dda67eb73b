/* bench_kbs clients: one thread each, one libcurl easy handle (keep-alive)
 * and one sim-sgx backend, looping the RCAR flow (ccs/kbs_protocol.h):
 *   POST /auth -> nonce + cookie; a fresh P-256 tee key; sim evidence over
 *   the runtime-data digest; POST /attest -> EAR; GET the resource with the
 *   cookie -> JWE, decrypted and compared with the secret,
 * or, in KB_BEARER mode, GET the resource with "Authorization: Bearer <EAR>"
 * obtained once. Any transport failure, non-200 or wrong plaintext is an
 * error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ccs/kbsproto.h"
#include "ccs/tee.h"
#include "kbs_bench.h"
#include "kbs_internal.h" /* CCS_KBS_SESSION_ID_LEN */

struct kb_client {
    const kb_env *env;
    kb_mode mode;
    CURL *curl;
    ccs_backend *backend;
    json_t *priv, *pub;      /* the tee key of the current flow (bearer: of the token) */
    char *token;             /* bearer mode */
    pthread_barrier_t *start;
    const atomic_int *stop;
    double secs;
    double ev_cpu; /* evidence CPU of the current flow */
    kb_stats st;
};

typedef struct resp {
    long status;
    ccs_buf body; /* NUL kept after len */
    char cookie[CCS_KBS_COOKIE_MAX + 1];
} resp;

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    resp *r = arg;
    return ccs_buf_append(&r->body, p, size * n) == CCS_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
    resp *r = arg;
    char v[sizeof r->cookie];
    if (ccs_kbs_set_cookie_header(p, size * n, v, sizeof v) == CCS_OK) memcpy(r->cookie, v, sizeof v);
    return size * n;
}

/* One request on the client's handle (the connection is kept between calls:
 * curl_easy_reset keeps live connections). Returns 0 when a reply came. */
static int http(kb_client *c, const char *method, const char *path, const char *cookie, const char *bearer,
                const char *body, resp *out) {
    char url[512], ck[CCS_KBS_COOKIE_MAX + 32], auth[CCS_KBS_JWT_MAX + 32];
    struct curl_slist *h = NULL;
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "%s%s", c->env->url, path);
    curl_easy_reset(c->curl);
    if (bearer != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        h = curl_slist_append(h, auth);
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
    if (cookie != NULL) {
        snprintf(ck, sizeof ck, "%s=%s", CCS_KBS_COOKIE, cookie);
        curl_easy_setopt(c->curl, CURLOPT_COOKIE, ck);
    }
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
    if (c->env->tls_cert[0]) curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->env->tls_cert);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c->curl);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    if (ccs_buf_append(&out->body, "", 1) == CCS_OK) out->body.len--;
    if (cc != CURLE_OK) {
        snprintf(c->st.last_error, sizeof c->st.last_error, "%s %s: %s", method, path, curl_easy_strerror(cc));
        return -1;
    }
    return 0;
}

static void resp_clear(resp *r) {
    ccs_buf_free(&r->body);
    memset(r, 0, sizeof *r);
}

/* Records "METHOD path: status body" as the last error; returns false. */
static bool bad(kb_client *c, const char *what, const resp *r) {
    if (r != NULL && r->status != 0)
        snprintf(c->st.last_error, sizeof c->st.last_error, "%s: HTTP %ld %.160s", what, r->status,
                 r->body.ptr ? (const char *)r->body.ptr : "");
    else if (r == NULL)
        snprintf(c->st.last_error, sizeof c->st.last_error, "%s: %.200s", what, ccs_error_detail());
    return false;
}

static void key_clear(kb_client *c) {
    if (c->priv != NULL) ccs_kbs_jwk_wipe(c->priv);
    json_decref(c->priv);
    json_decref(c->pub);
    c->priv = c->pub = NULL;
}

static double thread_cpu(void) { return kb_cpu(CLOCK_THREAD_CPUTIME_ID); }

/* The attestation body for (nonce, pub): sim evidence over the SHA-384
 * runtime-data digest. Caller frees. */
static char *attest_body(kb_client *c, const char *nonce) {
    uint8_t rd[64];
    size_t len = 0;
    ccs_buf ev = {0}, b64 = {0};
    char *text = NULL;
    double t0 = thread_cpu();
    ccs_status st = ccs_kbs_runtime_data_hash(nonce, c->pub, CCS_HASH_SHA384, rd, &len);
    if (st == CCS_OK) st = ccs_backend_evidence(c->backend, ccs_bytes_of(rd, len), &ev);
    c->ev_cpu = thread_cpu() - t0;
    if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&ev), &b64);
    if (st == CCS_OK) st = ccs_buf_append(&b64, "", 1);
    if (st == CCS_OK) {
        json_t *body = json_pack("{s:{s:s,s:O},s:{s:{s:s},s:s}}", "runtime-data", "nonce", nonce, "tee-pubkey",
                                 c->pub, "tee-evidence", "primary_evidence", "quote", (const char *)b64.ptr,
                                 "additional_evidence", "{}");
        text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
    }
    ccs_buf_free(&ev);
    ccs_buf_free(&b64);
    return text;
}

/* Decrypts a resource reply with the client's key and checks the secret. */
static bool check_secret(kb_client *c, const resp *r) {
    json_t *jwe = json_loadb((const char *)r->body.ptr, r->body.len, 0, NULL);
    ccs_buf pt = {0};
    bool ok = jwe != NULL && ccs_kbs_jwe_decrypt(jwe, c->priv, &pt) == CCS_OK && pt.len == strlen(KB_SECRET) &&
              memcmp(pt.ptr, KB_SECRET, pt.len) == 0;
    if (!ok) snprintf(c->st.last_error, sizeof c->st.last_error, "resource: the JWE does not decrypt to the secret");
    ccs_buf_free(&pt);
    json_decref(jwe);
    return ok;
}

/* auth + attest (+ resource by cookie when with_resource). On success with
 * keep_token the token is kept in c->token. */
static bool flow(kb_client *c, bool with_resource, bool keep_token, double *attest_ms) {
    static const char auth_body[] = "{\"version\":\"" CCS_KBS_PROTOCOL_VERSION "\",\"tee\":\"sim-sgx\","
                                    "\"extra-params\":{}}";
    resp r;
    char cookie[CCS_KBS_COOKIE_MAX + 1], nonce[64];
    key_clear(c);
    if (ccs_kbs_tee_key_generate(&c->priv) != CCS_OK || ccs_kbs_tee_key_public(c->priv, &c->pub) != CCS_OK)
        return bad(c, "tee key", NULL);
    if (http(c, "POST", CCS_KBS_PATH_AUTH, NULL, NULL, auth_body, &r) != 0) return resp_clear(&r), false;
    json_t *j = json_loadb((const char *)r.body.ptr, r.body.len, 0, NULL);
    const char *n = json_string_value(json_object_get(j, "nonce"));
    bool ok = r.status == 200 && n != NULL && strlen(n) < sizeof nonce && r.cookie[0] != '\0';
    if (ok) {
        snprintf(nonce, sizeof nonce, "%s", n);
        memcpy(cookie, r.cookie, sizeof cookie);
    } else {
        bad(c, "POST /auth", &r);
    }
    json_decref(j);
    resp_clear(&r);
    if (!ok) return false;
    char *body = attest_body(c, nonce);
    if (body == NULL) return bad(c, "evidence", NULL);
    double t0 = kb_now();
    int rc = http(c, "POST", CCS_KBS_PATH_ATTEST, cookie, NULL, body, &r);
    *attest_ms = (kb_now() - t0) * 1e3;
    free(body);
    if (rc != 0) return resp_clear(&r), false;
    j = json_loadb((const char *)r.body.ptr, r.body.len, 0, NULL);
    const char *tok = json_string_value(json_object_get(j, "token"));
    ok = r.status == 200 && tok != NULL;
    if (!ok) bad(c, "POST /attest", &r);
    if (ok && keep_token) {
        free(c->token);
        c->token = strdup(tok);
        ok = c->token != NULL;
    }
    json_decref(j);
    resp_clear(&r);
    if (!ok || !with_resource) return ok;
    if (http(c, "GET", CCS_KBS_PATH_RESOURCE KB_RESOURCE, cookie, NULL, NULL, &r) != 0) return resp_clear(&r), false;
    ok = r.status == 200 ? check_secret(c, &r) : bad(c, "GET resource", &r);
    resp_clear(&r);
    return ok;
}

static bool bearer_read(kb_client *c) {
    resp r;
    if (http(c, "GET", CCS_KBS_PATH_RESOURCE KB_RESOURCE, NULL, c->token, NULL, &r) != 0) return resp_clear(&r), false;
    bool ok = r.status == 200 ? check_secret(c, &r) : bad(c, "GET resource (bearer)", &r);
    resp_clear(&r);
    return ok;
}

kb_client *kb_client_new(const kb_env *env, kb_mode mode) {
    kb_client *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->env = env;
    c->mode = mode;
    ccs_tee_config tc = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = env->sim_dir,
                         .sim_measurement = ccs_bytes_str(KB_MEASUREMENT)};
    double ms = 0;
    c->curl = curl_easy_init();
    if (c->curl == NULL || ccs_backend_open(&tc, &c->backend) != CCS_OK) {
        fprintf(stderr, "bench_kbs: client: %s\n", c->curl ? ccs_error_detail() : "curl_easy_init failed");
        kb_client_free(c);
        return NULL;
    }
    if (mode == KB_BEARER && !flow(c, false, true, &ms)) {
        fprintf(stderr, "bench_kbs: client: cannot get a token: %s\n", c->st.last_error);
        kb_client_free(c);
        return NULL;
    }
    return c;
}

void kb_client_free(kb_client *c) {
    if (c == NULL) return;
    key_clear(c);
    free(c->token);
    if (c->curl) curl_easy_cleanup(c->curl);
    ccs_backend_free(c->backend);
    kb_stats_free(&c->st);
    free(c);
}

kb_stats *kb_client_stats(kb_client *c) { return &c->st; }

void kb_client_prepare(kb_client *c, pthread_barrier_t *start, double secs, const atomic_int *stop) {
    c->start = start;
    c->stop = stop;
    c->secs = secs;
    kb_stats_reset(&c->st);
}

static void record(kb_stats *s, double flow_ms, double attest_ms) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        double *f = realloc(s->flow_ms, cap * sizeof *f), *a = f ? realloc(s->attest_ms, cap * sizeof *a) : NULL;
        if (f) s->flow_ms = f;
        if (a == NULL) return; /* out of memory: the sample is dropped */
        s->attest_ms = a;
        s->cap = cap;
    }
    s->flow_ms[s->n] = flow_ms;
    s->attest_ms[s->n] = attest_ms;
    s->n++;
}

void *kb_client_main(void *arg) {
    kb_client *c = arg;
    double ms = 0;
    /* Warm up: the connection, the backend, the allocator. Not counted. */
    if (c->mode == KB_FLOW ? !flow(c, true, false, &ms) : !bearer_read(c)) c->st.errors++;
    pthread_barrier_wait(c->start);
    double end = kb_now() + c->secs;
    /* Run until the main thread has read every CPU clock (so this thread
     * is alive and busy for the whole window); count what ends in time. */
    while (!atomic_load(c->stop)) {
        double t0 = kb_now();
        c->ev_cpu = 0;
        bool ok = c->mode == KB_FLOW ? flow(c, true, false, &ms) : bearer_read(c);
        double t1 = kb_now();
        if (!ok) {
            c->st.errors++; /* in the window or after it: an error is an error */
        } else if (t1 <= end) {
            record(&c->st, (t1 - t0) * 1e3, c->mode == KB_FLOW ? ms : (t1 - t0) * 1e3);
            c->st.evidence_cpu_s += c->ev_cpu;
        }
    }
    return NULL;
}

void kb_stats_reset(kb_stats *s) {
    s->n = 0;
    s->errors = 0;
    s->last_error[0] = '\0';
    s->evidence_cpu_s = 0;
}

void kb_stats_free(kb_stats *s) {
    free(s->flow_ms);
    free(s->attest_ms);
    memset(s, 0, sizeof *s);
}
