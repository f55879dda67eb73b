/* The KBS HTTP(S) server: setup from the configuration, the libevent loops
 * (one per worker thread, all accepting on the listening socket; each request
 * runs to completion on its loop), routing and the request log. Handlers live in server_rcar.c (the RCAR protocol) and
 * server_admin.c (the admin API). docs/kbs.md "Server". */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "ccs/tee.h"
#include "conn_guard.h"
#include "server_internal.h"

#define PURGE_INTERVAL_S 60

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void kbs_log(const ccs_kbs_server *s, ccs_kbs_log_level lvl, const char *fmt, ...) {
    if (s != NULL && lvl > s->cfg.log_level) return;
    char line[2048], ts[21];
    if (ccs_time_format(ccs_time_now(), ts) != CCS_OK) ts[0] = '\0';
    int n = snprintf(line, sizeof line, "%s ccs-kbs %s: ", ts, level_names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    if (len + 1 >= sizeof line) len = sizeof line - 2;
    line[len] = '\n';
    line[len + 1] = '\0';
    fputs(line, stderr); /* one call: lines from threads do not interleave */
}

/* ---- routing ---- */

static bool starts(const char *s, const char *prefix, const char **rest) {
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0) return false;
    *rest = s + n;
    return true;
}

static bool method_is(kbs_req *r, const char *allowed) {
    /* allowed: "GET", "POST", "GET POST", ... */
    const char *p = strstr(allowed, r->method);
    size_t n = strlen(r->method);
    if (p != NULL && (p[n] == '\0' || p[n] == ' ')) return true;
    kbs_add_header(r, "Allow", allowed);
    kbs_reply_error(r, 405, CCS_KBS_ERR_INVALID_REQUEST, "%s is not allowed on %s (allowed: %s)", r->method, r->path,
                    allowed);
    return false;
}

static void route(kbs_req *r) {
    const char *rest = NULL;
    if (strcmp(r->path, CCS_KBS_PATH_AUTH) == 0) {
        if (method_is(r, "POST")) kbs_rcar_auth(r);
    } else if (strcmp(r->path, CCS_KBS_PATH_ATTEST) == 0) {
        if (method_is(r, "POST")) kbs_rcar_attest(r);
    } else if (starts(r->path, CCS_KBS_PATH_RESOURCE, &rest)) {
        if (!method_is(r, "GET POST DELETE")) return;
        if (strcmp(r->method, "GET") == 0) kbs_rcar_resource(r, rest);
        else if (kbs_admin_authorized(r)) kbs_admin_resource(r, rest);
    } else if (strcmp(r->path, CCS_KBS_PATH_ATTESTATION_POLICY) == 0) {
        if (method_is(r, "GET POST") && kbs_admin_authorized(r)) kbs_admin_policy(r, CCS_KBS_POLICY_ATTESTATION);
    } else if (strcmp(r->path, CCS_KBS_PATH_RESOURCE_POLICY) == 0) {
        if (method_is(r, "GET POST") && kbs_admin_authorized(r)) kbs_admin_policy(r, CCS_KBS_POLICY_RESOURCE);
    } else if (strcmp(r->path, CCS_KBS_PATH_REFERENCE_VALUE) == 0) {
        if (method_is(r, "POST") && kbs_admin_authorized(r)) kbs_admin_refval(r, "");
    } else if (starts(r->path, CCS_KBS_PATH_REFERENCE_VALUE "/", &rest)) {
        if (method_is(r, "GET DELETE") && kbs_admin_authorized(r)) kbs_admin_refval(r, rest);
    } else {
        kbs_reply_error(r, 404, CCS_KBS_ERR_INVALID_PATH, "no such endpoint");
    }
}

static const char *method_name(enum evhttp_cmd_type c) {
    switch (c) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_DELETE: return "DELETE";
    default: return "OTHER";
    }
}

void kbs_access_log(kbs_req *r) {
    if (r->srv->cfg.log_level < CCS_KBS_LOG_INFO) return;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
    for (char *p = r->path; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) *p = '?';
    kbs_log(r->srv, CCS_KBS_LOG_INFO, "%s %s %d %.1fms", r->method, r->path, r->status, ms);
}

/* Framing libevent 2.1 lets through, refused: more than one Content-Length
 * (evhttp takes the first and parses what follows as another request:
 * smuggling behind a proxy that takes another), one that is not all digits,
 * a Transfer-Encoding other than exactly "chunked", and a header name with
 * white space ("Content-Length :", which evhttp would not take as one). */
static bool framing_ok(struct evhttp_request *req) {
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    int lengths = 0;
    for (const struct evkeyval *kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        if (strpbrk(kv->key, " \t") != NULL) return false;
        if (evutil_ascii_strcasecmp(kv->key, "Content-Length") == 0) {
            if (++lengths > 1 || kv->value[0] == '\0' || strspn(kv->value, "0123456789") != strlen(kv->value))
                return false;
        } else if (evutil_ascii_strcasecmp(kv->key, "Transfer-Encoding") == 0 &&
                   evutil_ascii_strcasecmp(kv->value, "chunked") != 0) {
            return false;
        }
    }
    return true;
}

static void on_request(struct evhttp_request *req, void *arg) {
    kbs_req r;
    memset(&r, 0, sizeof r);
    r.w = arg;
    r.srv = r.w->srv;
    r.req = req;
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    ccs__conn_guard_progress(r.w->conns, req);
    r.method = method_name(evhttp_request_get_command(req));
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    if (!framing_ok(req)) {
        snprintf(r.path, sizeof r.path, "%s", "(refused)");
        kbs_add_header(&r, "Connection", "close"); /* what follows on this connection is not read */
        kbs_reply_error(&r, 400, CCS_KBS_ERR_INVALID_REQUEST,
                        "ambiguous message framing (Content-Length / Transfer-Encoding)");
    } else if (path == NULL || strlen(path) >= sizeof r.path) {
        snprintf(r.path, sizeof r.path, "%s", "(invalid)");
        kbs_reply_error(&r, 404, CCS_KBS_ERR_INVALID_PATH, "invalid or too long request path");
    } else {
        snprintf(r.path, sizeof r.path, "%s", path);
        route(&r);
    }
    if (r.deferred) return; /* replied to and logged by the group commit (server_batch.c) */
    if (r.status == 0) kbs_reply_error(&r, 500, CCS_KBS_ERR_INTERNAL, "no reply");
    kbs_access_log(&r);
}

/* ---- the loop ---- */

static void on_stop(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    char b[16];
    while (read(fd, b, sizeof b) > 0) {
    }
    event_base_loopexit(((ccs_kbs_server *)arg)->base, NULL);
}

/* A session's row is the record that its challenge's nonce was used, and
 * the challenge itself lives in a cookie (challenge.c) that expires at the
 * same second. Rows are kept this much longer, so that a wall clock stepped
 * back a little right after a purge cannot make a used challenge usable
 * again. */
#define KBS_PURGE_MARGIN_S 120

/* Expired sessions go in batches of this many rows, each its own short
 * transaction, with the loop's other events served between two batches:
 * at full load a minute's expired sessions are ~100,000 rows, which in one
 * DELETE (secure_delete overwrites each page) held the loop for ~0.7 s. */
#define KBS_PURGE_BATCH 256

static void on_purge(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    ccs_kbs_server *s = arg;
    size_t n = 0;
    if (ccs_kbs_session_purge_expired(s->store, ccs_time_now() - KBS_PURGE_MARGIN_S, KBS_PURGE_BATCH, &n) != CCS_OK) {
        kbs_log(s, CCS_KBS_LOG_WARN, "purging expired sessions failed: %s", ccs_error_detail());
        return; /* the next minute tries again */
    }
    s->purged += n;
    /* a full batch: more may wait; a timer of 0 runs after what is ready now */
    if (n == KBS_PURGE_BATCH && event_add(s->purge_more, &(struct timeval){0, 0}) == 0) return;
    if (s->purged > 0) kbs_log(s, CCS_KBS_LOG_DEBUG, "purged %zu expired sessions", s->purged);
    s->purged = 0;
}

/* Every connection's bufferevent, plain or TLS, made here so the loop's
 * connection guard tracks it (conn_guard.c). NULL: evhttp makes its own. */
static struct bufferevent *on_bev(struct event_base *base, void *arg) {
    kbs_worker *w = arg;
    struct bufferevent *bev = w->srv->tls != NULL ? ccs_tls_bufferevent_new(w->srv->tls, base)
                                                  : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev != NULL && w->conns != NULL && !ccs__conn_guard_add(w->conns, bev))
        kbs_log(w->srv, CCS_KBS_LOG_ERROR, "no memory to track a connection");
    return bev;
}

static void *worker_main(void *arg) {
    kbs_worker *w = arg;
    pthread_setname_np(pthread_self(), "ccs-kbs"); /* visible in top -H, perf */
    if (event_base_dispatch(w->base) < 0) kbs_log(w->srv, CCS_KBS_LOG_ERROR, "a worker's event loop failed");
    kbs_batch_flush(w);
    return NULL;
}

ccs_status ccs_kbs_server_run(ccs_kbs_server *s) {
    CCS_ENSURE(s != NULL && s->base != NULL, CCS_ERR_INVALID_ARG, "kbs: bad arguments");
    struct timeval tv = {PURGE_INTERVAL_S, 0};
    struct event *purge = event_new(s->base, -1, EV_PERSIST, on_purge, s);
    s->purge_more = event_new(s->base, -1, 0, on_purge, s);
    if (purge == NULL || s->purge_more == NULL || event_add(s->stop_ev, NULL) != 0 || event_add(purge, &tv) != 0) {
        if (purge != NULL) event_free(purge);
        if (s->purge_more != NULL) event_free(s->purge_more);
        s->purge_more = NULL;
        CCS_BAIL(CCS_ERR_INTERNAL, "kbs: cannot arm the loop's events");
    }
    kbs_log(s, CCS_KBS_LOG_INFO, "serving %s on %s (port %u)", s->tls ? "https" : "http", s->cfg.listen,
            (unsigned)s->port);
    pthread_setname_np(pthread_self(), "ccs-kbs");
    for (size_t i = 1; i < s->n_workers; i++) {
        kbs_worker *w = &s->workers[i];
        w->started = pthread_create(&w->thread, NULL, worker_main, w) == 0;
        if (!w->started) kbs_log(s, CCS_KBS_LOG_WARN, "cannot start worker %zu: serving with fewer", i);
    }
    int rc = event_base_dispatch(s->base);
    kbs_batch_flush(&s->workers[0]);
    for (size_t i = 1; i < s->n_workers; i++) {
        kbs_worker *w = &s->workers[i];
        if (!w->started) continue;
        event_base_loopexit(w->base, NULL);
        pthread_join(w->thread, NULL);
        w->started = false;
    }
    event_free(purge);
    event_free(s->purge_more);
    s->purge_more = NULL;
    CCS_ENSURE(rc >= 0, CCS_ERR_INTERNAL, "kbs: the event loop failed");
    kbs_log(s, CCS_KBS_LOG_INFO, "stopped");
    return CCS_OK;
}

void ccs_kbs_server_stop(ccs_kbs_server *s) {
    if (s == NULL || s->stop_pipe[1] < 0) return;
    int saved = errno;
    ssize_t w = write(s->stop_pipe[1], "x", 1); /* async-signal-safe */
    (void)w;
    errno = saved;
}

uint16_t ccs_kbs_server_port(const ccs_kbs_server *s) { return s != NULL ? s->port : 0; }

static void worker_free(kbs_worker *w) {
    kbs_batch_free(w);
    kbs_conns_unguard_listener(w);
    if (w->http != NULL) evhttp_free(w->http); /* closes its dup of the listening socket */
    ccs__conn_guard_free(w->conns); /* after evhttp let go of the connections */
    if (w->base != NULL) event_base_free(w->base);
    json_decref(w->token_pub);
    json_decref(w->admin_jwk);
    ccs_kbs_token_key_free(w->token_key);
    kbs_policy_cache_clear(&w->policies);
    kbs_token_cache_clear(&w->tokens);
    kbs_token_cache_clear(&w->cookies);
    memset(w, 0, sizeof *w);
}

void ccs_kbs_server_free(ccs_kbs_server *s) {
    if (s == NULL) return;
    for (size_t i = 1; i < s->n_workers; i++) worker_free(&s->workers[i]);
    kbs_batch_free(&s->workers[0]); /* before the caches it fills */
    kbs_policy_cache_clear(&s->workers[0].policies); /* worker 0's other fields are s's */
    kbs_token_cache_clear(&s->workers[0].tokens);
    kbs_token_cache_clear(&s->workers[0].cookies);
    if (s->stop_ev != NULL) event_free(s->stop_ev);
    kbs_conns_unguard_listener(&s->workers[0]);
    if (s->http != NULL) evhttp_free(s->http);
    ccs__conn_guard_free(s->workers[0].conns);
    if (s->base != NULL) event_base_free(s->base);
    if (s->stop_pipe[0] >= 0) close(s->stop_pipe[0]);
    if (s->stop_pipe[1] >= 0) close(s->stop_pipe[1]);
    ccs_tls_server_free(s->tls);
    json_decref(s->token_pub);
    json_decref(s->admin_jwk);
    ccs_kbs_token_key_free(s->token_key);
    ccs_kbs_store_close(s->store);
    ccs_kbs_config_clear(&s->cfg);
    free(s);
}

/* ---- setup ---- */

/* Creates the parent directories of a file (mode 0700), like mkdir -p. */
static ccs_status mkdir_parents(const char *file) {
    char p[4096];
    int n = snprintf(p, sizeof p, "%s", file);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof p, CCS_ERR_INVALID_ARG, "path too long");
    char *slash = strrchr(p, '/');
    if (slash == NULL || slash == p) return CCS_OK;
    *slash = '\0';
    for (char *q = p + 1; *q; q++) {
        if (*q != '/') continue;
        *q = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) CCS_BAIL(CCS_ERR_IO, "cannot create %s: %s", p, strerror(errno));
        *q = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) CCS_BAIL(CCS_ERR_IO, "cannot create %s: %s", p, strerror(errno));
    return CCS_OK;
}

static ccs_status split_listen(const char *listen, char *host, size_t cap, uint16_t *port) {
    const char *colon = strrchr(listen, ':');
    CCS_ENSURE(colon != NULL && colon != listen, CCS_ERR_FORMAT, "listen: expected \"host:port\", got \"%s\"", listen);
    const char *h = listen;
    size_t hl = (size_t)(colon - listen);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    CCS_ENSURE(hl > 0 && hl < cap, CCS_ERR_FORMAT, "listen: bad host in \"%s\"", listen);
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end = NULL;
    unsigned long v = strtoul(colon + 1, &end, 10);
    CCS_ENSURE(colon[1] != '\0' && *end == '\0' && v <= 65535, CCS_ERR_FORMAT, "listen: bad port in \"%s\"", listen);
    *port = (uint16_t)v;
    return CCS_OK;
}

static bool loopback(const char *host) { return ccs_host_is_loopback(host, strlen(host)); }

static ccs_status load_policy(ccs_kbs_server *s, ccs_kbs_policy_kind kind, const char *path) {
    if (path == NULL) return CCS_OK;
    ccs_buf text = {0};
    ccs_status st = ccs_file_read(path, CCS_KBS_POLICY_MAX, &text);
    if (st == CCS_OK) st = ccs_buf_append(&text, "", 1);
    if (st == CCS_OK) st = ccs_kbs_policy_set(s->store, kind, (const char *)text.ptr, ccs_time_now());
    ccs_buf_free(&text);
    if (st != CCS_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        CCS_BAIL(st, "%s policy %s: %s", ccs_kbs_policy_kind_name(kind), path, why);
    }
    kbs_log(s, CCS_KBS_LOG_INFO, "%s policy loaded from %s", ccs_kbs_policy_kind_name(kind), path);
    return CCS_OK;
}

static ccs_status load_keys(ccs_kbs_server *s) {
    const ccs_kbs_config *c = &s->cfg;
    CCS_TRY(mkdir_parents(c->token_key));
    CCS_TRY(ccs_kbs_token_key_load_or_create(c->token_key, &s->token_key));
    s->token_pub = ccs_kbs_token_key_public(s->token_key);
    CCS_ENSURE(s->token_pub != NULL, CCS_ERR_NOMEM, "out of memory");
    if (c->admin_key != NULL) {
        ccs_buf b = {0};
        ccs_status st = ccs_file_read(c->admin_key, 1u << 16, &b);
        if (st == CCS_OK) st = ccs_kbs_es256_pubkey_parse(ccs_buf_view(&b), &s->admin_jwk);
        ccs_buf_free(&b);
        if (st != CCS_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", ccs_error_detail());
            CCS_BAIL(st, "admin_key %s: %s", c->admin_key, why);
        }
    } else {
        kbs_log(s, CCS_KBS_LOG_WARN, "no admin_key configured: the admin API is disabled");
    }
    if (c->insecure_trust_sim_dir != NULL) {
        ccs_x509 *root = NULL;
        ccs_status st = ccs_sim_trust_load(c->insecure_trust_sim_dir, CCS_TEE_SGX, &root, NULL);
        ccs_x509_free(root);
        CCS_TRY(st);
        kbs_log(s, CCS_KBS_LOG_WARN, "INSECURE: trusting the sim root in %s: sim evidence is accepted",
                c->insecure_trust_sim_dir);
    }
    if (c->tls_cert != NULL) CCS_TRY(ccs_tls_server_new(c->tls_cert, c->tls_key, &s->tls));
    return CCS_OK;
}

/* An event base whose epoll backend batches its changes (the changelist):
 * evhttp turns reading and writing on and off around every request, and
 * batched, those changes cost one epoll_ctl or none instead of one each.
 * libevent's caveat: an fd and its dup() in the same epoll set can leave a
 * registration behind after a close. Each loop has one copy of the listening
 * socket in its own base, closed only when that base is freed, and the
 * connections are never dup'd. */
static struct event_base *base_new(void) {
    struct event_config *cfg = event_config_new();
    if (cfg == NULL) return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return b;
}

/* The loops' count, as add_workers makes them. */
static size_t worker_count(const ccs_kbs_server *s) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = s->cfg.workers > 0 ? (size_t)s->cfg.workers : (size_t)(cpus > 0 ? (cpus < 16 ? cpus : 16) : 1);
    return n > KBS_MAX_WORKERS ? KBS_MAX_WORKERS : n;
}

static bool http_setup(kbs_worker *w) {
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
    /* evhttp refuses larger bodies itself (413); the handlers apply the
     * per-endpoint limits with a JSON error. */
    evhttp_set_max_body_size(w->http, CCS_KBS_MAX_RESOURCE + 4096);
    evhttp_set_max_headers_size(w->http, 64 * 1024);
    int64_t timeout = w->srv->cfg.request_timeout_s > 0 ? w->srv->cfg.request_timeout_s : 30;
    evhttp_set_timeout(w->http, (int)timeout);
    evhttp_set_gencb(w->http, on_request, w);
    evhttp_set_bevcb(w->http, on_bev, w);
    int64_t max = w->srv->cfg.max_connections > 0 ? w->srv->cfg.max_connections : 1024;
    size_t share = (size_t)max / worker_count(w->srv);
    w->conns = ccs__conn_guard_new(w->base, share > 0 ? share : 1, timeout);
    return w->conns != NULL;
}

/* Loops 1..n-1: their own base, evhttp and key copies, accepting on a dup
 * of the listening socket. */
static ccs_status add_workers(ccs_kbs_server *s, evutil_socket_t listen_fd) {
    size_t n = worker_count(s);
    for (size_t i = 1; i < n; i++) {
        kbs_worker *w = &s->workers[i];
        w->srv = s;
        w->base = base_new();
        w->http = w->base != NULL ? evhttp_new(w->base) : NULL;
        CCS_ENSURE(w->http != NULL, CCS_ERR_NOMEM, "kbs: cannot create worker %zu's event loop", i);
        s->n_workers = i + 1;
        CCS_TRY(ccs_kbs_token_key_load(s->cfg.token_key, &w->token_key));
        w->token_pub = ccs_kbs_token_key_public(w->token_key);
        CCS_ENSURE(w->token_pub != NULL, CCS_ERR_NOMEM, "out of memory");
        if (s->admin_jwk != NULL) {
            w->admin_jwk = json_deep_copy(s->admin_jwk);
            CCS_ENSURE(w->admin_jwk != NULL, CCS_ERR_NOMEM, "out of memory");
        }
        CCS_ENSURE(http_setup(w), CCS_ERR_NOMEM, "kbs: cannot create worker %zu's connection guard", i);
        CCS_ENSURE(kbs_batch_init(w), CCS_ERR_NOMEM, "kbs: cannot create worker %zu's events", i);
        evutil_socket_t fd = dup(listen_fd);
        CCS_ENSURE(fd >= 0, CCS_ERR_IO, "kbs: dup: %s", strerror(errno));
        struct evhttp_bound_socket *b = evhttp_accept_socket_with_handle(w->http, fd);
        if (b == NULL) {
            close(fd);
            CCS_BAIL(CCS_ERR_IO, "kbs: worker %zu cannot accept on the listening socket", i);
        }
        kbs_conns_guard_listener(w, b);
    }
    return CCS_OK;
}

static ccs_status open_listener(ccs_kbs_server *s) {
    char host[256];
    uint16_t port = 0;
    CCS_TRY(split_listen(s->cfg.listen, host, sizeof host, &port));
    if (!loopback(host) && s->tls == NULL) {
        CCS_ENSURE(s->cfg.allow_remote_plain_http, CCS_ERR_POLICY,
                   "listen: %s is not a loopback address and no tls is configured (set tls, or "
                   "allow_remote_plain_http behind a TLS-terminating proxy)", host);
        kbs_log(s, CCS_KBS_LOG_WARN, "plain HTTP on the non-loopback address %s: use a TLS-terminating proxy", host);
    }
    CCS_ENSURE(pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) == 0, CCS_ERR_IO, "kbs: pipe: %s", strerror(errno));
    s->base = base_new();
    s->http = s->base != NULL ? evhttp_new(s->base) : NULL;
    CCS_ENSURE(s->http != NULL, CCS_ERR_NOMEM, "kbs: cannot create the event loop");
    s->stop_ev = event_new(s->base, s->stop_pipe[0], EV_READ, on_stop, s);
    CCS_ENSURE(s->stop_ev != NULL, CCS_ERR_NOMEM, "kbs: cannot create the stop event");
    kbs_worker *w0 = &s->workers[0];
    w0->srv = s;
    w0->base = s->base;
    w0->http = s->http;
    w0->token_key = s->token_key;
    w0->token_pub = s->token_pub;
    w0->admin_jwk = s->admin_jwk;
    s->n_workers = 1;
    CCS_ENSURE(http_setup(w0), CCS_ERR_NOMEM, "kbs: cannot create the connection guard");
    CCS_ENSURE(kbs_batch_init(w0), CCS_ERR_NOMEM, "kbs: cannot create the loop's events");
    s->sock = evhttp_bind_socket_with_handle(s->http, host, port);
    CCS_ENSURE(s->sock != NULL, CCS_ERR_IO, "kbs: cannot listen on %s: %s", s->cfg.listen, strerror(errno));
    kbs_conns_guard_listener(w0, s->sock);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    evutil_socket_t fd = evhttp_bound_socket_get_fd(s->sock);
    /* Accepted sockets inherit it (Linux). A reply over TLS leaves as several
     * records, and with Nagle's algorithm the last waits for the ACK of the
     * first, which the client delays: ~40 ms per request. */
    int one = 1;
    CCS_ENSURE(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, CCS_ERR_IO,
               "kbs: TCP_NODELAY: %s", strerror(errno));
    CCS_ENSURE(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0, CCS_ERR_IO, "kbs: getsockname: %s", strerror(errno));
    s->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return add_workers(s, fd);
}

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static void use_threads(void) { evthread_use_pthreads(); }

ccs_status ccs_kbs_server_new(const ccs_kbs_config *cfg, ccs_kbs_server **out) {
    CCS_ENSURE(cfg != NULL && out != NULL, CCS_ERR_INVALID_ARG, "kbs: bad arguments");
    CCS_ENSURE(cfg->listen && cfg->store && cfg->token_key && cfg->token_lifetime_s > 0 && cfg->session_timeout_s > 0,
               CCS_ERR_INVALID_ARG, "kbs: listen, store, token_key and positive lifetimes are required");
    CCS_ENSURE((cfg->tls_cert == NULL) == (cfg->tls_key == NULL), CCS_ERR_INVALID_ARG,
               "tls: both \"cert\" and \"key\" are required");
    *out = NULL;
    /* Loops are stopped from another thread (event_base_loopexit). */
    pthread_once(&threads_once, use_threads);
    ccs_kbs_server *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    ccs_status st = kbs_config_copy(cfg, &s->cfg);
    if (st == CCS_OK) st = mkdir_parents(s->cfg.store);
    if (st == CCS_OK) st = ccs_kbs_store_open(s->cfg.store, &s->store);
    if (st == CCS_OK) st = load_keys(s);
    if (st == CCS_OK) st = load_policy(s, CCS_KBS_POLICY_ATTESTATION, s->cfg.attestation_policy);
    if (st == CCS_OK) st = load_policy(s, CCS_KBS_POLICY_RESOURCE, s->cfg.resource_policy);
    if (st == CCS_OK) st = open_listener(s);
    if (st != CCS_OK) {
        ccs_kbs_server_free(s);
        return st;
    }
    *out = s;
    return CCS_OK;
}
