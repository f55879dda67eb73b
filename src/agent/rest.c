/* The local REST endpoint for workloads, with the shapes of the CoCo
 * api-server-rest (specs/kbs-image-ratls.md 1.4), on libevent's evhttp.
 * Loopback only: the listen address must be a loopback one, and requests
 * whose Host header is not a loopback name are refused, so a web page cannot
 * reach it through DNS rebinding. Secrets go only into response bodies. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "agent_internal.h"
#include "conn_guard.h"

#define MAX_HEADERS 8192
#define REQUEST_TIMEOUT_S 120 /* evhttp's, per read or write; the guard's deadline is shorter */

struct ccs_agent_server {
    ccs_agent *agent;
    struct event_base *base;
    struct evhttp *http;
    ccs__conn_guard *conns;
    struct event *stop_ev;
    int stop_pipe[2];
    uint16_t port;
};

/* ---- the listen address ---- */

typedef struct listen_addr {
    char host[64]; /* numeric */
    uint16_t port;
} listen_addr;

static ccs_status parse_listen(const char *listen, listen_addr *out) {
    CCS_ENSURE(listen != NULL && strlen(listen) < 64, CCS_ERR_INVALID_ARG, "listen: want HOST:PORT");
    const char *colon = strrchr(listen, ':');
    CCS_ENSURE(colon != NULL && colon != listen, CCS_ERR_INVALID_ARG, "listen: want HOST:PORT, got \"%s\"", listen);
    char host[64];
    size_t hn = (size_t)(colon - listen);
    memcpy(host, listen, hn);
    host[hn] = 0;
    if (host[0] == '[') { /* [v6] */
        CCS_ENSURE(hn >= 2 && host[hn - 1] == ']', CCS_ERR_INVALID_ARG, "listen: bad IPv6 literal \"%s\"", host);
        memmove(host, host + 1, hn - 2);
        host[hn - 2] = 0;
    }
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    CCS_ENSURE(colon[1] != 0 && *end == 0 && port >= 0 && port <= 65535, CCS_ERR_INVALID_ARG,
               "listen: bad port \"%s\"", colon + 1);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1) {
        CCS_ENSURE((ntohl(v4.s_addr) >> 24) == 127, CCS_ERR_INVALID_ARG,
                   "listen: %s is not a loopback address (127.0.0.0/8, ::1); the agent endpoint serves secrets "
                   "and is bound to loopback only", host);
    } else if (inet_pton(AF_INET6, host, &v6) == 1) {
        CCS_ENSURE(IN6_IS_ADDR_LOOPBACK(&v6), CCS_ERR_INVALID_ARG,
                   "listen: %s is not a loopback address (127.0.0.0/8, ::1); the agent endpoint serves secrets "
                   "and is bound to loopback only", host);
    } else {
        CCS_BAIL(CCS_ERR_INVALID_ARG, "listen: \"%s\" is not a numeric loopback address or localhost", host);
    }
    snprintf(out->host, sizeof out->host, "%s", host);
    out->port = (uint16_t)port;
    return CCS_OK;
}

ccs_status ccs_agent_listen_check(const char *listen) {
    listen_addr la;
    return parse_listen(listen, &la);
}

/* Host: 127.x / [::1] / localhost, with an optional port. */
static bool host_is_loopback(const char *h) {
    if (h == NULL || strlen(h) >= 64) return false;
    char host[64];
    snprintf(host, sizeof host, "%s", h);
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (close == NULL || (close[1] != 0 && close[1] != ':')) return false;
        *close = 0;
        struct in6_addr v6;
        return inet_pton(AF_INET6, host + 1, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
    }
    char *colon = strchr(host, ':');
    if (colon) *colon = 0;
    if (strcmp(host, "localhost") == 0) return true;
    struct in_addr v4;
    return inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

/* ---- replies ---- */

static void reply(struct evhttp_request *req, int code, const char *type, const void *body, size_t len) {
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control", "no-store");
    if (b != NULL && len > 0) evbuffer_add(b, body, len);
    evhttp_send_reply(req, code, NULL, b);
    if (b != NULL) evbuffer_free(b);
}

static void reply_text(struct evhttp_request *req, int code, const char *msg) {
    char line[512];
    int n = snprintf(line, sizeof line, "%s\n", msg);
    reply(req, code, "text/plain; charset=utf-8", line, n > 0 ? (size_t)n : 0);
}

/* The failure of an agent call, as an HTTP status and the error detail. */
static void reply_error(struct evhttp_request *req, ccs_status st) {
    char msg[400];
    const char *d = ccs_error_detail();
    agent_sanitize(d, strlen(d), msg, sizeof msg);
    int code = st == CCS_ERR_POLICY || st == CCS_ERR_VERIFY ? 403
               : st == CCS_ERR_NOT_FOUND                    ? 404
               : st == CCS_ERR_INVALID_ARG || st == CCS_ERR_FORMAT ? 400
               : st == CCS_ERR_NETWORK || st == CCS_ERR_UNSUPPORTED ? 502
                                                                     : 500;
    reply_text(req, code, msg);
}

/* ---- endpoints ---- */

static void get_resource(ccs_agent_server *s, struct evhttp_request *req, const char *path) {
    ccs_buf out = {0};
    ccs_status st = ccs_agent_get_resource(s->agent, path, &out);
    if (st == CCS_OK) reply(req, 200, "application/octet-stream", out.ptr, out.len);
    else reply_error(req, st);
    ccs_buf_free(&out); /* wipes the secret */
}

static void get_evidence(ccs_agent_server *s, struct evhttp_request *req, struct evkeyvalq *q) {
    const char *rd = evhttp_find_header(q, "runtime_data");
    const char *enc = evhttp_find_header(q, "encoding");
    ccs_buf data = {0}, out = {0};
    ccs_status st = CCS_OK;
    if (rd == NULL) {
        reply_text(req, 400, "runtime_data is required");
        return;
    }
    if (enc != NULL && strcmp(enc, "base64") != 0) {
        reply_text(req, 400, "encoding must be base64 (or absent: runtime_data as is)");
        return;
    }
    st = enc ? ccs_base64_decode(rd, strlen(rd), &data) : ccs_buf_append_str(&data, rd);
    if (st == CCS_OK && data.len > 64)
        st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "runtime_data is %zu bytes (at most 64)", data.len);
    if (st == CCS_OK) st = ccs_agent_get_evidence(s->agent, ccs_buf_view(&data), &out);
    if (st == CCS_OK) reply(req, 200, "application/json", out.ptr, out.len);
    else reply_error(req, st == CCS_ERR_FORMAT ? CCS_ERR_INVALID_ARG : st);
    ccs_buf_free(&data);
    ccs_buf_free(&out);
}

static void get_token(ccs_agent_server *s, struct evhttp_request *req, struct evkeyvalq *q) {
    const char *type = evhttp_find_header(q, "token_type");
    if (type == NULL || strcmp(type, "kbs") != 0) {
        reply_text(req, 400, "token_type must be kbs");
        return;
    }
    ccs_buf out = {0};
    ccs_status st = ccs_agent_get_token(s->agent, &out);
    if (st == CCS_OK) reply(req, 200, "application/json", out.ptr, out.len);
    else reply_error(req, st);
    ccs_buf_free(&out);
}

static void get_info(ccs_agent_server *s, struct evhttp_request *req) {
    json_t *v = json_pack("{s:s,s:s,s:s,s:s,s:[s,s,s,s]}", "version", "ccs-agent 0.1.0", "protocol",
                          CCS_KBS_PROTOCOL_VERSION, "tee", ccs_agent_tee(s->agent), "kbs",
                          s->agent->kbs_url ? s->agent->kbs_url : "", "endpoints", "/cdh/resource/<repo>/<type>/<tag>",
                          "/aa/evidence?runtime_data=..[&encoding=base64]", "/aa/token?token_type=kbs", "/info");
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    if (text) reply(req, 200, "application/json", text, strlen(text));
    else reply_text(req, 500, "no memory");
    free(text);
    json_decref(v);
}

static void route(ccs_agent_server *s, struct evhttp_request *req) {
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    if (!host_is_loopback(evhttp_find_header(in, "Host"))) {
        reply_text(req, 403, "Host must be a loopback name (127.0.0.1, [::1], localhost)");
        return;
    }
    if (evhttp_find_header(in, "Origin") != NULL) {
        reply_text(req, 403, "cross-origin requests are refused");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
        reply_text(req, 405, "only GET is served");
        return;
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    if (path == NULL || (query != NULL && evhttp_parse_query_str(query, &q) != 0)) {
        evhttp_clear_headers(&q);
        reply_text(req, 400, "malformed request URI");
        return;
    }
    static const char res[] = "/cdh/resource/";
    if (strncmp(path, res, sizeof res - 1) == 0 && query == NULL) get_resource(s, req, path + sizeof res - 1);
    else if (strcmp(path, "/aa/evidence") == 0) get_evidence(s, req, &q);
    else if (strcmp(path, "/aa/token") == 0) get_token(s, req, &q);
    else if (strcmp(path, "/info") == 0) get_info(s, req);
    else reply_text(req, 404, "no such endpoint (/cdh/resource/<repo>/<type>/<tag>, /aa/evidence, /aa/token, /info)");
    evhttp_clear_headers(&q);
}

static void on_request(struct evhttp_request *req, void *arg) {
    ccs_agent_server *s = arg;
    ccs__conn_ref conn = ccs__conn_guard_ref(req);
    ccs__conn_guard_touch(s->conns, conn);
    route(s, req); /* req may be gone after its reply */
    /* A handler may wait on the KBS: the deadline of the next request
     * starts when this one is answered, not when it arrived. */
    ccs__conn_guard_touch(s->conns, conn);
}

/* Every connection's bufferevent, made here so that the connection guard
 * tracks it. */
static struct bufferevent *on_bev(struct event_base *base, void *arg) {
    ccs_agent_server *s = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev != NULL && s->conns != NULL) (void)ccs__conn_guard_add(s->conns, bev); /* no memory: unguarded */
    return bev;
}

/* ---- lifecycle ---- */

static void on_stop(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    char c;
    while (read(fd, &c, 1) > 0) {
    }
    event_base_loopbreak(((ccs_agent_server *)arg)->base);
}

ccs_status ccs_agent_server_new(ccs_agent *a, const char *listen, ccs_agent_server **out) {
    return agent_server_new_guarded(a, listen, CCS_AGENT_MAX_CONNECTIONS, CCS_AGENT_REQUEST_DEADLINE_S, out);
}

ccs_status agent_server_new_guarded(ccs_agent *a, const char *listen, size_t max_connections, int64_t deadline_s,
                                    ccs_agent_server **out) {
    CCS_ENSURE(a != NULL && out != NULL, CCS_ERR_INVALID_ARG, "agent server: bad arguments");
    *out = NULL;
    listen_addr la;
    CCS_TRY(parse_listen(listen ? listen : CCS_AGENT_DEFAULT_LISTEN, &la));
    ccs_agent_server *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "agent server: no memory");
    s->agent = a;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    ccs_status st = CCS_OK;
    if (pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || (s->base = event_base_new()) == NULL ||
        (s->http = evhttp_new(s->base)) == NULL ||
        (s->conns = ccs__conn_guard_new(s->base, max_connections, deadline_s)) == NULL ||
        (s->stop_ev = event_new(s->base, s->stop_pipe[0], EV_READ | EV_PERSIST, on_stop, s)) == NULL ||
        event_add(s->stop_ev, NULL) != 0)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "agent server: cannot set up libevent");
    struct evhttp_bound_socket *sock = NULL;
    if (st == CCS_OK) {
        evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
        evhttp_set_max_headers_size(s->http, MAX_HEADERS);
        evhttp_set_max_body_size(s->http, 0);
        evhttp_set_timeout(s->http, REQUEST_TIMEOUT_S);
        evhttp_set_gencb(s->http, on_request, s);
        evhttp_set_bevcb(s->http, on_bev, s);
        sock = evhttp_bind_socket_with_handle(s->http, la.host, la.port);
        if (sock == NULL) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "agent server: cannot listen on %s", listen);
    }
    if (st == CCS_OK) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &sl) != 0)
            st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "agent server: getsockname failed");
        else
            s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    }
    if (st != CCS_OK) {
        ccs_agent_server_free(s);
        return st;
    }
    *out = s;
    return CCS_OK;
}

uint16_t ccs_agent_server_port(const ccs_agent_server *s) { return s ? s->port : 0; }

ccs_status ccs_agent_server_run(ccs_agent_server *s) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "agent server: NULL");
    CCS_ENSURE(event_base_dispatch(s->base) >= 0, CCS_ERR_IO, "agent server: event loop failed");
    return CCS_OK;
}

void ccs_agent_server_stop(ccs_agent_server *s) {
    if (s == NULL || s->stop_pipe[1] < 0) return;
    ssize_t w = write(s->stop_pipe[1], "x", 1); /* async-signal-safe */
    (void)w;
}

void ccs_agent_server_free(ccs_agent_server *s) {
    if (s == NULL) return;
    if (s->stop_ev) event_free(s->stop_ev);
    if (s->http) evhttp_free(s->http);
    ccs__conn_guard_free(s->conns); /* after evhttp let go of the connections */
    if (s->base) event_base_free(s->base);
    if (s->stop_pipe[0] >= 0) close(s->stop_pipe[0]);
    if (s->stop_pipe[1] >= 0) close(s->stop_pipe[1]);
    free(s);
}
