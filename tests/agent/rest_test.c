/* The loopback REST endpoint: listen addresses (only loopback accepted), and
 * a real server on 127.0.0.1:0 in a thread, asked over HTTP with libcurl:
 * /info, /aa/evidence (plain and base64 runtime data, refusals), /aa/token
 * and /cdh/resource request parsing, unknown paths, methods, and Host
 * headers that are not loopback names (DNS rebinding), and the connection
 * guard (a cap on open connections, a deadline per request). No KBS listens
 * here: calls that need one fail as network errors (502). */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent_internal.h"
#include "agent_tests.h"
#include "ccs/attest.h"

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

static void test_server(void **state) {
    (void)state;
    ccs_agent_config cfg = {.kbs_url = "http://127.0.0.1:1",
                            .tee = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = AGENT_SIM_DIR}};
    ccs_agent *a = NULL;
    ccs_agent_server *s = NULL;
    assert_status(ccs_agent_new(&cfg, &a), CCS_OK);
    assert_status(ccs_agent_server_new(a, "0.0.0.0:0", &s), CCS_ERR_INVALID_ARG);
    assert_null(s);
    assert_status(ccs_agent_server_new(a, "127.0.0.1:0", &s), CCS_OK);
    uint16_t port = ccs_agent_server_port(s);
    assert_true(port != 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve, s), 0);

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

    ccs_agent_server_stop(s);
    void *ret = NULL;
    assert_int_equal(pthread_join(th, &ret), 0);
    assert_null(ret);
    ccs_agent_server_free(s);
    ccs_agent_free(a);
}

/* ---- the connection guard ---- */

static int connect_to(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* True when the server closed fd within ms (EOF or reset). */
static bool closed_within(int fd, int ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char b[256];
    for (int waited = 0; waited < ms; waited += 100) {
        if (poll(&p, 1, 100) == 1) {
            ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN)) return true;
        }
    }
    return false;
}

/* With a limit of 3 and a deadline of 2 s: a request trickled a byte at a
 * time is cut at the deadline, not kept while bytes come; a fourth
 * connection is closed at once; once they are gone, requests are served
 * again. */
static void test_connection_guard(void **state) {
    (void)state;
    ccs_agent_config cfg = {.kbs_url = "http://127.0.0.1:1",
                            .tee = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = AGENT_SIM_DIR}};
    ccs_agent *a = NULL;
    ccs_agent_server *s = NULL;
    assert_status(ccs_agent_new(&cfg, &a), CCS_OK);
    assert_status(agent_server_new_guarded(a, "127.0.0.1:0", 3, 2, &s), CCS_OK);
    uint16_t port = ccs_agent_server_port(s);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve, s), 0);

    int slow = connect_to(port);
    static const char head[] = "GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    assert_int_equal(write(slow, head, sizeof head - 1), (ssize_t)(sizeof head - 1));
    bool cut = false;
    for (int i = 0; i < 40 && !cut; i++) { /* up to 12 s of one byte every 300 ms */
        if (write(slow, "a", 1) != 1) cut = true;
        else cut = closed_within(slow, 300);
    }
    assert_true(cut);
    close(slow);

    int c[3];
    for (int i = 0; i < 3; i++) c[i] = connect_to(port);
    usleep(300000);
    int extra = connect_to(port); /* the fourth of three */
    assert_true(closed_within(extra, 3000));
    close(extra);
    for (int i = 0; i < 3; i++) assert_false(closed_within(c[i], 100)); /* the three stay */
    for (int i = 0; i < 3; i++) close(c[i]);
    bool served = false;
    for (int tries = 0; tries < 50 && !served; tries++) { /* the sweep releases them within a second */
        ccs_buf b = {0};
        served = agent_test_http_get(port, "/info", NULL, &b) == 200;
        ccs_buf_free(&b);
        if (!served) usleep(100000);
    }
    assert_true(served);

    ccs_agent_server_stop(s);
    assert_int_equal(pthread_join(th, NULL), 0);
    ccs_agent_server_free(s);
    ccs_agent_free(a);
}

int ccs_test_agent_rest(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_check),
        cmocka_unit_test(test_server),
        cmocka_unit_test(test_connection_guard),
    };
    return cmocka_run_group_tests_name("agent_rest", tests, NULL, NULL);
}
