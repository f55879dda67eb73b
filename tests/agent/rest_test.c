/* The loopback REST endpoint: listen addresses (only loopback accepted), and
 * a real server on 127.0.0.1:0 in a thread, asked over HTTP with libcurl:
 * /info, /aa/evidence (plain and base64 runtime data, refusals), /aa/token
 * and /cdh/resource request parsing, unknown paths, methods, and Host
 * headers that are not loopback names (DNS rebinding), and the connection
 * guard (a cap on open connections, a deadline per request). No KBS listens
 * here: calls that need one fail as network errors (502). */
#include <pthread.h>
#include <string.h>

#include <curl/curl.h>

#include "agent_internal.h"
#include "agent_tests.h"
#include "ccs/attest.h"
#include "net_probe.h"

static void test_listen_check(void **state) {
    (void)state;
    const char *ok[] = {"127.0.0.1:0", "localhost:8006", "[::1]:0", "127.1.2.3:5", CCS_AGENT_DEFAULT_LISTEN};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) assert_status(ccs_agent_listen_check(ok[i]), CCS_OK);
    const char *bad[] = {"0.0.0.0:8006", "192.168.1.1:1", "example.com:80", "127.0.0.1", "127.0.0.1:70000",
                         "[::]:1",       ":80",           "127.0.0.1:",     "10.0.0.1:8006", "[::ffff:10.0.0.1]:1",
                         "127.0.0.1:-1", "127.0.0.1:8x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ccs_status st = ccs_agent_listen_check(bad[i]);
        if (st != CCS_ERR_INVALID_ARG) fail_msg("\"%s\": got %s", bad[i], ccs_status_name(st));
    }
    assert_status(ccs_agent_listen_check("0.0.0.0:1"), CCS_ERR_INVALID_ARG);
    assert_non_null(strstr(ccs_error_detail(), "not a loopback address"));
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    return ccs_buf_append(ud, p, size * n) == CCS_OK ? size * n : 0;
}

static long http(uint16_t port, const char *method, const char *path, const char *host, ccs_buf *body) {
    char url[512], hh[300];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    if (host) {
        snprintf(hh, sizeof hh, "Host: %s", host);
        h = curl_slist_append(h, hh);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    if (strcmp(method, "POST") == 0) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (body->ptr) body->ptr[body->len] = 0;
    return status;
}

long agent_test_http_get(uint16_t port, const char *path, const char *host, ccs_buf *body) {
    return http(port, "GET", path, host, body);
}

static void *serve(void *arg) {
    if (ccs_agent_server_run(arg) != CCS_OK) return arg;
    return NULL;
}

static void expect(uint16_t port, const char *path, long want, const char *has) {
    ccs_buf b = {0};
    long got = agent_test_http_get(port, path, NULL, &b);
    if (got != want) fail_msg("GET %s: %ld, want %ld (%s)", path, got, want, b.ptr ? (char *)b.ptr : "");
    if (has && (b.ptr == NULL || strstr((const char *)b.ptr, has) == NULL))
        fail_msg("GET %s: body lacks \"%s\": %s", path, has, b.ptr ? (char *)b.ptr : "");
    ccs_buf_free(&b);
}

/* The REPORTDATA of the quote that GET path returns. */
static void evidence_rd(uint16_t port, const char *path, uint8_t rd[64]) {
    ccs_buf b = {0}, q = {0};
    assert_int_equal(agent_test_http_get(port, path, NULL, &b), 200);
    json_t *ev = NULL;
    assert_status(ccs_kbs_json_object_parse(ccs_buf_view(&b), &ev), CCS_OK);
    const char *b64 = json_string_value(json_object_get(ev, "quote"));
    assert_non_null(b64);
    assert_status(ccs_base64_decode(b64, strlen(b64), &q), CCS_OK);
    ccs_dcap_quote dq;
    assert_status(ccs_dcap_quote_parse(ccs_buf_view(&q), &dq), CCS_OK);
    memcpy(rd, dq.sgx.report_data.ptr, 64);
    json_decref(ev);
    ccs_buf_free(&b);
    ccs_buf_free(&q);
}

/* A sim-sgx agent whose KBS does not listen, and its REST endpoint on
 * 127.0.0.1:0 (guarded with limit and deadline) served by a thread. */
typedef struct rest_fixture {
    ccs_agent *a;
    ccs_agent_server *s;
    pthread_t th;
    uint16_t port;
} rest_fixture;

static void rest_start(rest_fixture *f, size_t limit, int64_t deadline) {
    ccs_agent_config cfg = {.kbs_url = "http://127.0.0.1:1",
                            .tee = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = AGENT_SIM_DIR}};
    memset(f, 0, sizeof *f);
    assert_status(ccs_agent_new(&cfg, &f->a), CCS_OK);
    assert_status(ccs_agent_server_new(f->a, "0.0.0.0:0", &f->s), CCS_ERR_INVALID_ARG);
    assert_null(f->s);
    assert_status(agent_server_new_guarded(f->a, "127.0.0.1:0", limit, deadline, &f->s), CCS_OK);
    f->port = ccs_agent_server_port(f->s);
    assert_true(f->port != 0);
    assert_int_equal(pthread_create(&f->th, NULL, serve, f->s), 0);
}

static void rest_stop(rest_fixture *f) {
    ccs_agent_server_stop(f->s);
    void *ret = NULL;
    assert_int_equal(pthread_join(f->th, &ret), 0);
    assert_null(ret);
    ccs_agent_server_free(f->s);
    ccs_agent_free(f->a);
}

static void test_server(void **state) {
    (void)state;
    rest_fixture f;
    rest_start(&f, CCS_AGENT_MAX_CONNECTIONS, CCS_AGENT_REQUEST_DEADLINE_S);
    uint16_t port = f.port;

    expect(port, "/info", 200, "\"tee\":\"sim-sgx\"");
    uint8_t rd[64], want[64] = {'h', 'e', 'l', 'l', 'o'};
    evidence_rd(port, "/aa/evidence?runtime_data=hello", rd);
    assert_memory_equal(rd, want, 64);
    evidence_rd(port, "/aa/evidence?runtime_data=aGVsbG8%3D&encoding=base64", rd);
    assert_memory_equal(rd, want, 64);
    expect(port, "/aa/evidence", 400, "runtime_data is required");
    expect(port, "/aa/evidence?runtime_data=x&encoding=hex", 400, "encoding");
    expect(port, "/aa/evidence?runtime_data=%25%25&encoding=base64", 400, NULL);
    expect(port, "/aa/evidence?runtime_data=0123456789012345678901234567890123456789012345678901234567890123X", 400,
           "at most 64");
    expect(port, "/aa/token?token_type=coco_as", 400, "token_type must be kbs");
    expect(port, "/aa/token", 400, "token_type must be kbs");
    expect(port, "/aa/token?token_type=kbs", 502, "POST /kbs/v0/auth");
    expect(port, "/cdh/resource/a/b", 400, "resource URI");
    expect(port, "/cdh/resource/a/../c", 400, NULL);
    expect(port, "/cdh/resource/a/b/c", 502, "POST /kbs/v0/auth");
    expect(port, "/nope", 404, "no such endpoint");

    ccs_buf b = {0};
    assert_int_equal(agent_test_http_get(port, "/info", "evil.example", &b), 403);
    assert_int_equal(agent_test_http_get(port, "/info", "evil.example:8006", &b), 403);
    assert_int_equal(agent_test_http_get(port, "/info", "127.0.0.1.evil.example", &b), 403);
    assert_int_equal(agent_test_http_get(port, "/info", "localhost:8006", &b), 200);
    assert_int_equal(agent_test_http_get(port, "/info", "[::1]:8006", &b), 200);
    assert_int_equal(http(port, "POST", "/info", NULL, &b), 405);
    ccs_buf_free(&b);

    rest_stop(&f);
}

/* ---- the connection guard ---- */

/* With a deadline of 2 s, a request trickled a byte at a time is cut, not
 * kept while bytes come; with a limit of 3, a fourth connection is closed
 * at once, the three stay, and once they are gone requests are served
 * again. */
static void test_connection_guard(void **state) {
    (void)state;
    rest_fixture f;
    rest_start(&f, 3, 2);
    uint16_t port = f.port;
    int slow = tu_connect_loopback(port);
    assert_true(tu_trickle_is_cut(slow, "GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    close(slow);
    rest_stop(&f);

    /* The cap, with a deadline no slow machine reaches during the test. */
    rest_start(&f, 3, 60);
    port = f.port;
    int c[3];
    for (int i = 0; i < 3; i++) c[i] = tu_connect_loopback(port);
    usleep(300000);
    int extra = tu_connect_loopback(port); /* the fourth of three */
    assert_true(tu_closed_within(extra, 3000));
    close(extra);
    for (int i = 0; i < 3; i++) assert_false(tu_closed_within(c[i], 100)); /* the three stay */
    for (int i = 0; i < 3; i++) close(c[i]);
    bool served = false;
    for (int tries = 0; tries < 50 && !served; tries++) { /* the sweep releases them within a second */
        ccs_buf b = {0};
        served = agent_test_http_get(port, "/info", NULL, &b) == 200;
        ccs_buf_free(&b);
        if (!served) usleep(100000);
    }
    assert_true(served);

    rest_stop(&f);
}

int ccs_test_agent_rest(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_check),
        cmocka_unit_test(test_server),
        cmocka_unit_test(test_connection_guard),
    };
    return cmocka_run_group_tests_name("agent_rest", tests, NULL, NULL);
}
