/* The KBS server under load and under SIGKILL: many concurrent clients
 * running the whole flow, and the real `ccs kbs serve` binary killed in the
 * middle of admin writes, challenges and attestations, then restarted: every
 * acknowledged resource and session is still there, and a challenge handed
 * out before the kills still attests. */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kbs_tests.h"
#include "net_probe.h"
#include "server_util.h"

#define THREADS 32
#define FLOWS 3

typedef struct worker {
    const su_server *s;
    int failures;
    long last_status;
} worker;

static void *flow_worker(void *arg) {
    worker *w = arg;
    for (int i = 0; i < FLOWS; i++) {
        ccs_buf pt = {0};
        long st = su_flow(w->s, "default/keys/k1", &pt);
        if (st != 200 || pt.len != strlen(SU_SECRET) || memcmp(pt.ptr, SU_SECRET, pt.len) != 0) {
            w->failures++;
            w->last_status = st;
        }
        ccs_buf_free(&pt);
    }
    return NULL;
}

static void test_concurrent_clients(void **state) {
    (void)state;
    su_server s;
    su_start(&s, "load", NULL);
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.s = &s};
        assert_int_equal(pthread_create(&t[i], NULL, flow_worker, &w[i]), 0);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        if (w[i].failures) fprintf(stderr, "worker %d: %d failures, last status %ld\n", i, w[i].failures,
                                   w[i].last_status);
        failures += w[i].failures;
    }
    assert_int_equal(failures, 0);
    su_stop(&s);
}

/* Many requests with one challenge at once: the loop stores the attested
 * sessions of a pass over its connections in one transaction (group
 * commit), where several rows can share the id. One token, and every other
 * request is refused as a replay. */
typedef struct racer {
    const su_server *s;
    const char *cookie, *body;
    long status;
    char detail[256];
} racer;

static void *race_worker(void *arg) {
    racer *r = arg;
    su_resp resp;
    if (su_http(r->s, "POST", CCS_KBS_PATH_ATTEST, r->cookie, NULL, r->body, strlen(r->body), &resp) == 0) {
        r->status = resp.status;
        const char *d = json_string_value(json_object_get(resp.json, "detail"));
        snprintf(r->detail, sizeof r->detail, "%s", d != NULL ? d : "");
    }
    su_resp_clear(&resp);
    return NULL;
}

static void test_one_challenge_many_requests(void **state) {
    (void)state;
    su_server s;
    su_start(&s, "race", NULL);
    for (int round = 0; round < 4; round++) {
        su_client c = {0};
        assert_int_equal(su_auth(&s, &c, "sim-sgx"), 0);
        json_t *body = su_attest_body(&s, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        pthread_t t[THREADS];
        racer r[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i] = (racer){.s = &s, .cookie = c.cookie, .body = text};
            assert_int_equal(pthread_create(&t[i], NULL, race_worker, &r[i]), 0);
        }
        int ok = 0;
        for (int i = 0; i < THREADS; i++) {
            assert_int_equal(pthread_join(t[i], NULL), 0);
            if (r[i].status == 200) {
                ok++;
                continue;
            }
            assert_int_equal(r[i].status, 401);
            assert_string_equal(r[i].detail, "the session's nonce was already used: POST /kbs/v0/auth again");
        }
        assert_int_equal(ok, 1);
        free(text);
        su_client_clear(&c);
    }
    su_stop(&s);
}

/* Clients that send a valid attestation and hang up before the reply: the
 * reply is queued for the loop's group commit, which then answers requests
 * whose connections are gone (evhttp keeps a request until it is answered).
 * The nonces are used all the same, and the server keeps serving. */
static int connect_to(const su_server *s) {
    unsigned port = 0;
    assert_int_equal(sscanf(s->url, "http://127.0.0.1:%u", &port), 1);
    return tu_connect_loopback((uint16_t)port);
}

static void send_and_hang_up(const su_server *s, const char *cookie, const char *body) {
    int fd = connect_to(s);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST " CCS_KBS_PATH_ATTEST " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " CCS_KBS_COOKIE
                     "=%s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     cookie, strlen(body));
    assert_true(n > 0 && (size_t)n < sizeof head);
    assert_int_equal(write(fd, head, (size_t)n), n);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
}

/* Sessions stored attested, read through a connection of our own. */
static int attested_rows(const char *store) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;
    assert_int_equal(sqlite3_open_v2(store, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions WHERE state = 'attested'", -1, &st, NULL),
                     SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_clients_gone_before_the_reply(void **state) {
    (void)state;
    su_server s;
    su_start(&s, "gone", NULL);
    su_client c[16];
    char *text[16];
    for (int i = 0; i < 16; i++) {
        memset(&c[i], 0, sizeof c[i]);
        assert_int_equal(su_auth(&s, &c[i], "sim-sgx"), 0);
        json_t *body = su_attest_body(&s, SU_MEASUREMENT, c[i].nonce, c[i].pub, CCS_HASH_SHA384);
        text[i] = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        send_and_hang_up(&s, c[i].cookie, text[i]);
    }
    /* All sixteen are served and stored (attested) though nobody reads
     * the replies; the same requests again are replays. */
    int stored = 0;
    for (int tries = 0; tries < 500 && stored < 16; tries++) {
        stored = attested_rows(s.store);
        if (stored < 16) usleep(10000);
    }
    assert_int_equal(stored, 16);
    for (int i = 0; i < 16; i++) {
        su_resp r;
        assert_int_equal(su_http(&s, "POST", CCS_KBS_PATH_ATTEST, c[i].cookie, NULL, text[i], strlen(text[i]), &r), 0);
        assert_int_equal(r.status, 401);
        assert_string_equal(su_detail(&r), "the session's nonce was already used: POST /kbs/v0/auth again");
        su_resp_clear(&r);
        free(text[i]);
        su_client_clear(&c[i]);
    }
    ccs_buf pt = {0};
    assert_int_equal(su_flow(&s, "default/keys/k1", &pt), 200);
    ccs_buf_free(&pt);
    su_stop(&s);
}

/* ---- the connection guard (src/core/evhttp/conn_guard.c) ---- */

/* A request trickled a byte at a time is cut at the request timeout, not
 * kept while bytes come; a connection beyond max_connections is closed at
 * once; once they are gone, requests are served again. */
static void test_connection_guard(void **state) {
    (void)state;
    su_server s;
    su_opts o = {.workers = 1, .max_connections = 3, .request_timeout_s = 2};
    su_start(&s, "guard", &o);
    int slow = connect_to(&s);
    assert_true(tu_trickle_is_cut(slow, "POST /kbs/v0/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    close(slow);
    int a = connect_to(&s), b = connect_to(&s), c = connect_to(&s);
    usleep(300000);
    int d = connect_to(&s); /* the fourth of three */
    assert_true(tu_closed_within(d, 3000));
    close(d);
    close(a);
    close(b);
    close(c);
    bool served = false;
    for (int tries = 0; tries < 50 && !served; tries++) { /* the sweep releases them within a second */
        su_resp r;
        memset(&r, 0, sizeof r);
        served = su_http(&s, "POST", CCS_KBS_PATH_AUTH, NULL, NULL, "{}", 2, &r) == 0 && r.status == 400;
        su_resp_clear(&r);
        if (!served) usleep(100000);
    }
    assert_true(served);
    su_stop(&s);
}

/* The server's end of the TCP connection whose client end is fd, among
 * this process's descriptors (the server runs in-process); -1 if none. */
static int server_end_of(int fd) {
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &len), 0);
    for (int cand = 3; cand < 4096; cand++) {
        struct sockaddr_in a, b;
        socklen_t la = sizeof a, lb = sizeof b;
        if (cand == fd || getsockname(cand, (struct sockaddr *)&a, &la) != 0 ||
            getpeername(cand, (struct sockaddr *)&b, &lb) != 0 || la != sizeof a || lb != sizeof b)
            continue;
        if (a.sin_family == AF_INET && b.sin_port == me.sin_port && b.sin_addr.s_addr == me.sin_addr.s_addr)
            return cand;
    }
    return -1;
}

/* Accepted connections have Nagle's algorithm off (TCP_NODELAY, inherited
 * from the listening socket): a reply over TLS leaves as several records,
 * and with Nagle the last would wait for the client's delayed ACK. Checked
 * on the server's own socket, plain and TLS. */
static void test_nodelay(void **state) {
    (void)state;
    for (int tls = 0; tls < 2; tls++) {
        su_server s;
        su_opts o = {.tls = tls != 0};
        su_start(&s, tls ? "nodelay-tls" : "nodelay", &o);
        unsigned port = 0;
        assert_int_equal(sscanf(s.url + (tls ? 8 : 7), "127.0.0.1:%u", &port), 1);
        int fd = tu_connect_loopback((uint16_t)port);
        int srv = -1;
        for (int tries = 0; tries < 50 && srv < 0; tries++) { /* accepted by the server's loop */
            srv = server_end_of(fd);
            if (srv < 0) usleep(20000);
        }
        assert_true(srv >= 0);
        int on = 0;
        socklen_t len = sizeof on;
        assert_int_equal(getsockopt(srv, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
        assert_int_equal(on, 1);
        close(fd);
        su_stop(&s);
    }
}

/* Ambiguous framing is refused with 400 and the connection closed, so what
 * follows (a request smuggled after the first Content-Length) is never
 * answered. */
static void test_framing(void **state) {
    (void)state;
    su_server s;
    su_start(&s, "framing", NULL);
    static const char *const bad[] = {
        "POST /kbs/v0/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}"
        "GET /kbs/v0/resource/default/keys/k1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "POST /kbs/v0/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +2\r\n\r\n{}"
        "GET /kbs/v0/resource/default/keys/k1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = connect_to(&s);
        assert_int_equal(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
        char reply[8192];
        size_t got = 0;
        for (;;) { /* until the server closes */
            ssize_t n = read(fd, reply + got, sizeof reply - 1 - got);
            if (n <= 0) break;
            got += (size_t)n;
        }
        reply[got] = '\0';
        close(fd);
        if (strncmp(reply, "HTTP/1.1 400", 12) != 0) fail_msg("case %zu: %s", i, reply);
        assert_non_null(strstr(reply, "ambiguous message framing"));
        assert_null(strstr(reply + 12, "HTTP/1.1 ")); /* one reply: the second request was not read */
    }
    su_stop(&s);
}

/* ---- SIGKILL in the middle of writes ---- */

#define MAX_ACKED 4096

typedef struct writer {
    su_server *s; /* url and admin key only: the server is the child process */
    const char *token;
    atomic_int stop;
    atomic_int n_res; /* read by the main thread while the writer runs */
    int n_sess, n_att;
    char sessions[MAX_ACKED][CCS_KBS_COOKIE_MAX + 1]; /* challenges handed out */
    char attested[MAX_ACKED][CCS_KBS_COOKIE_MAX + 1]; /* attestations acknowledged */
} writer;

static void *write_worker(void *arg) {
    writer *w = arg;
    while (!w->stop && w->n_res < MAX_ACKED && w->n_sess < MAX_ACKED) {
        char path[128], value[64];
        su_resp r;
        snprintf(path, sizeof path, CCS_KBS_PATH_RESOURCE "crash/keys/k%d", w->n_res);
        snprintf(value, sizeof value, "value-%d", w->n_res);
        if (su_http(w->s, "POST", path, NULL, w->token, value, strlen(value), &r) != 0 || r.status != 200) {
            su_resp_clear(&r);
            break; /* the server is gone: this write was not acknowledged */
        }
        su_resp_clear(&r);
        w->n_res++;
        su_client c = {0};
        if (su_auth(w->s, &c, "sim-sgx") != 0) {
            su_client_clear(&c);
            break;
        }
        memcpy(w->sessions[w->n_sess++], c.cookie, sizeof c.cookie);
        json_t *body = su_attest_body(w->s, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        int rc = text ? su_http(w->s, "POST", CCS_KBS_PATH_ATTEST, c.cookie, NULL, text, strlen(text), &r) : -1;
        free(text);
        if (rc == 0 && r.status == 200 && w->n_att < MAX_ACKED) memcpy(w->attested[w->n_att++], c.cookie, sizeof c.cookie);
        su_resp_clear(&r);
        su_client_clear(&c);
        if (rc != 0) break;
    }
    return NULL;
}

/* Starts `ccs kbs serve --config cfg`; fills s->url from its first line. */
static pid_t spawn(su_server *s, const char *cfg) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(CCS_CLI_BIN, CCS_CLI_BIN, "kbs", "serve", "--config", cfg, "--log-level", "error", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[sizeof s->url + 13];
    size_t n = 0;
    while (n + 1 < sizeof line) {
        ssize_t k = read(fds[0], line + n, 1);
        if (k <= 0 || line[n] == '\n') break;
        n++;
    }
    line[n] = '\0';
    close(fds[0]);
    if (strncmp(line, "listening on ", 13) != 0) fail_msg("ccs kbs serve said \"%s\"", line);
    snprintf(s->url, sizeof s->url, "%s", line + 13);
    return pid;
}

static void test_sigkill_durability(void **state) {
    (void)state;
    su_server s; /* an in-process server prepares the directory, policies and sim */
    su_start(&s, "crash", NULL);
    su_stop(&s);
    char cfg[700], text[4096];
    snprintf(cfg, sizeof cfg, "%s/kbs.json", s.dir);
    snprintf(text, sizeof text,
             "{\"listen\":\"127.0.0.1:0\",\"store\":\"%s\",\"token_key\":\"%s\",\"admin_key\":\"%s\","
             "\"insecure_trust_sim_dir\":\"%s\",\"session_timeout\":3600}",
             s.store, s.token_key, s.admin_pub, s.sim_dir);
    assert_int_equal(ccs_file_write(cfg, ccs_bytes_str(text)), CCS_OK);
    char *token = su_admin_token(&s, NULL, 600);
    writer *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->s = &s;
    w->token = token;
    su_client early = {0}; /* a challenge taken before the first kill, used after the last restart */
    for (int round = 0; round < 3; round++) {
        pid_t pid = spawn(&s, cfg);
        if (round == 0) assert_int_equal(su_auth(&s, &early, "sim-sgx"), 0);
        int start = w->n_res;
        pthread_t t;
        w->stop = 0;
        assert_int_equal(pthread_create(&t, NULL, write_worker, w), 0);
        for (int i = 0; i < 200 && w->n_res < start + 20; i++) usleep(10000);
        usleep(3000 * (unsigned)(round + 1)); /* land somewhere in the middle of a request */
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        w->stop = 1;
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_true(w->n_res > start);
    }
    /* Restarted: the server starts on the file and serves; then, stopped
     * cleanly, every acknowledged resource and session is in the store. */
    pid_t pid = spawn(&s, cfg);
    su_client c = {0};
    su_resp r = {0};
    assert_int_equal(su_auth(&s, &c, "sim-sgx"), 0);
    su_client_clear(&c);
    json_t *body = su_attest_body(&s, SU_MEASUREMENT, early.nonce, early.pub, CCS_HASH_SHA384);
    char *req = json_dumps(body, JSON_COMPACT);
    assert_int_equal(su_http(&s, "POST", CCS_KBS_PATH_ATTEST, early.cookie, NULL, req, strlen(req), &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    free(req);
    json_decref(body);
    assert_true(w->n_att > 0); /* an attestation from before the kills still reads the resource */
    assert_int_equal(su_http(&s, "GET", CCS_KBS_PATH_RESOURCE "default/keys/k1", w->attested[0], NULL, NULL, 0, &r),
                     0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    su_client_clear(&early);
    kill(pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ccs_kbs_store *st = NULL;
    assert_int_equal(ccs_kbs_store_open(s.store, &st), CCS_OK);
    for (int i = 0; i < w->n_res; i++) {
        char tag[32], want[64];
        ccs_buf v = {0};
        snprintf(tag, sizeof tag, "k%d", i);
        snprintf(want, sizeof want, "value-%d", i);
        if (ccs_kbs_resource_get(st, "crash", "keys", tag, &v) != CCS_OK)
            fail_msg("acknowledged resource %s lost: %s", tag, ccs_error_detail());
        assert_int_equal(v.len, strlen(want));
        assert_memory_equal(v.ptr, want, v.len);
        ccs_buf_free(&v);
    }
    const uint8_t *key = ccs_kbs_store_challenge_key(st);
    for (int i = 0; i < w->n_sess; i++) {
        ccs_kbs_session ch;
        if (ccs_kbs_challenge_open(key, w->sessions[i], ccs_time_now(), &ch) != CCS_OK)
            fail_msg("acknowledged challenge %d no longer opens: %s", i, ccs_error_detail());
        ccs_kbs_session_clear(&ch);
    }
    for (int i = 0; i < w->n_att; i++) {
        ccs_kbs_session ch, se;
        if (ccs_kbs_challenge_open(key, w->attested[i], ccs_time_now(), &ch) != CCS_OK ||
            ccs_kbs_session_get(st, ch.id, ccs_time_now(), &se) != CCS_OK)
            fail_msg("acknowledged session %d lost: %s", i, ccs_error_detail());
        assert_int_equal(se.state, CCS_KBS_SESSION_ATTESTED);
        assert_non_null(se.token);
        ccs_kbs_session_clear(&ch);
        ccs_kbs_session_clear(&se);
    }
    ccs_kbs_store_close(st);
    free(w);
    free(token);
}

int ccs_test_server_load(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_clients),
        cmocka_unit_test(test_one_challenge_many_requests),
        cmocka_unit_test(test_clients_gone_before_the_reply),
        cmocka_unit_test(test_connection_guard),
        cmocka_unit_test(test_nodelay),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_sigkill_durability),
    };
    return cmocka_run_group_tests_name("kbs_server_load", tests, NULL, NULL);
}
