/* RA-TLS verification with collateral from a PCCS: a loopback libevent
 * evhttp server (as tests/attest/pccs_test.c) answers the PCS API v4 paths
 * from the sim directory, so sim-sgx and sim-tdx certificates verify with
 * only the sim root trusted and the collateral fetched by FMSPC. Checked:
 * the source, the request count (the cached verifier fetches once, the
 * SQLite cache serves a second verifier), and that a failing PCCS refuses
 * even when the certificate carries endorsements (no fall-through). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "ccs/ratls.h"
#include "ratls_tests.h"

#define SIM_DIR CCS_TEST_TMP "/psim"
#define ROOT_ONLY CCS_TEST_TMP "/psim_root"
#define CACHE_FILE CCS_TEST_TMP "/ratls_pccs.db"

static struct {
    struct event_base *base;
    struct evhttp *http;
    struct event *stop_check;
    pthread_t thread;
    int port;
    atomic_int requests;
    atomic_bool fail, stop;
} srv;

static ccs_time t0;

/* One file of SIM_DIR/<tee>/ as the body, a PEM chain file as a header. */
static void reply(struct evhttp_request *req, const char *tee, const char *file, const char *hdr, const char *chain) {
    char path[512];
    ccs_buf body = {0}, pem = {0};
    snprintf(path, sizeof path, "%s/%s/%s", SIM_DIR, tee, file);
    if (ccs_file_read(path, 1 << 20, &body) != CCS_OK) {
        evhttp_send_error(req, 404, "not found");
        return;
    }
    if (hdr != NULL) {
        snprintf(path, sizeof path, "%s/%s/%s", SIM_DIR, tee, chain);
        if (ccs_file_read(path, 1 << 16, &pem) == CCS_OK) {
            char *enc = evhttp_encode_uri((const char *)pem.ptr);
            evhttp_add_header(evhttp_request_get_output_headers(req), hdr, enc);
            free(enc);
        }
    }
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, body.ptr, body.len);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
    ccs_buf_free(&body);
    ccs_buf_free(&pem);
}

static void on_request(struct evhttp_request *req, void *arg) {
    (void)arg;
    atomic_fetch_add(&srv.requests, 1);
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (atomic_load(&srv.fail) || path == NULL) {
        evhttp_send_error(req, 500, "failure on purpose");
        return;
    }
    const char *tee = strncmp(path, "/tdx/", 5) == 0 ? "tdx" : "sgx";
    if (strstr(path, "/certification/v4/tcb") != NULL)
        reply(req, tee, "tcb_info.json", "TCB-Info-Issuer-Chain", "tcb_info_issuer_chain.pem");
    else if (strstr(path, "/certification/v4/qe/identity") != NULL)
        reply(req, tee, "qe_identity.json", "SGX-Enclave-Identity-Issuer-Chain", "qe_identity_issuer_chain.pem");
    else if (strcmp(path, "/sgx/certification/v4/pckcrl") == 0)
        reply(req, "sgx", "pck_crl.der", "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem");
    else if (strcmp(path, "/sgx/certification/v4/rootcacrl") == 0)
        reply(req, "sgx", "root_ca_crl.der", NULL, NULL);
    else
        evhttp_send_error(req, 404, "not found");
}

static void on_stop_check(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    (void)arg;
    if (atomic_load(&srv.stop)) event_base_loopbreak(srv.base);
}

static void *server_main(void *arg) {
    (void)arg;
    event_base_dispatch(srv.base);
    return NULL;
}

static int setup(void **state) {
    (void)state;
    ccs_buf root = {0};
    t0 = ccs_time_now();
    mkdir(ROOT_ONLY, 0755);
    ccs_status st = ccs_sim_init(SIM_DIR, t0, true);
    if (st == CCS_OK) st = ccs_file_read(SIM_DIR "/root_ca.pem", 1 << 16, &root);
    if (st == CCS_OK) st = ccs_file_write(ROOT_ONLY "/root_ca.pem", ccs_buf_view(&root));
    ccs_buf_free(&root);
    if (st != CCS_OK) return -1;
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    srv.base = event_base_new();
    srv.http = srv.base ? evhttp_new(srv.base) : NULL;
    if (srv.http == NULL) return -1;
    evhttp_set_gencb(srv.http, on_request, NULL);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(srv.http, "127.0.0.1", 0);
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (bs == NULL || getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &len) != 0) return -1;
    srv.port = ntohs(sin.sin_port);
    struct timeval tick = {0, 20000};
    srv.stop_check = event_new(srv.base, -1, EV_PERSIST, on_stop_check, NULL);
    if (srv.stop_check == NULL || event_add(srv.stop_check, &tick) != 0) return -1;
    return pthread_create(&srv.thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    atomic_store(&srv.stop, true);
    pthread_join(srv.thread, NULL);
    event_free(srv.stop_check);
    evhttp_free(srv.http);
    event_base_free(srv.base);
    return 0;
}

static int reset(void **state) {
    (void)state;
    unlink(CACHE_FILE);
    atomic_store(&srv.fail, false);
    atomic_store(&srv.requests, 0);
    return 0;
}

static void create(ccs_platform p, bool endorse, ccs_x509 **c, ccs_privkey **k) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = SIM_DIR};
    ccs_collateral *coll = NULL;
    ccs_backend *b = NULL;
    if (endorse && ccs_sim_trust_load(SIM_DIR, p == CCS_PLATFORM_SIM_TDX ? CCS_TEE_TDX : CCS_TEE_SGX, NULL, &coll))
        fail_msg("collateral: %s", ccs_error_detail());
    ccs_ratls_create_options o = {.now = t0, .endorsements = coll};
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open: %s", ccs_error_detail());
    if (ccs_ratls_cert_create(b, &o, c, k) != CCS_OK) fail_msg("create: %s", ccs_error_detail());
    ccs_backend_free(b);
    ccs_collateral_free(coll);
}

static void pccs_url(char *url, size_t cap) { snprintf(url, cap, "http://127.0.0.1:%d", srv.port); }

static void fetch(ccs_platform p) {
    char url[64], why[512];
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    pccs_url(url, sizeof url);
    create(p, false, &c, &k);
    ccs_ratls_verify_options o = {.now = t0, .insecure_trust_sim_dir = ROOT_ONLY, .pccs_url = url};
    ccs_status st = ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r);
    ccs_ratls_result_reasons(&r, why, sizeof why);
    if (st != CCS_OK) fail_msg("verify: %s", why);
    assert_string_equal(r.collateral_source, "pccs");
    assert_int_equal(atomic_exchange(&srv.requests, 0), 4);
    /* The cached verifier fetches once for two certificates. */
    ccs_ratls_verifier *v = NULL;
    assert_int_equal(ccs_ratls_verifier_new(&o, NULL, &v), CCS_OK);
    assert_int_equal(ccs_ratls_verifier_check(v, ccs_x509_der(c), &r), CCS_OK);
    assert_int_equal(ccs_ratls_verifier_check(v, ccs_x509_der(c), &r), CCS_OK);
    assert_string_equal(r.collateral_source, "pccs");
    assert_int_equal(atomic_exchange(&srv.requests, 0), 4);
    ccs_ratls_verifier_free(v);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_pccs_sgx(void **state) {
    (void)state;
    fetch(CCS_PLATFORM_SIM_SGX);
}

static void test_pccs_tdx(void **state) {
    (void)state;
    fetch(CCS_PLATFORM_SIM_TDX);
}

/* With a cache file the second verification makes no request. */
static void test_pccs_cache(void **state) {
    (void)state;
    char url[64];
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    pccs_url(url, sizeof url);
    create(CCS_PLATFORM_SIM_SGX, false, &c, &k);
    ccs_ratls_verify_options o = {.now = t0, .insecure_trust_sim_dir = ROOT_ONLY, .pccs_url = url,
                                  .pccs_cache = CACHE_FILE};
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_OK);
    assert_int_equal(atomic_exchange(&srv.requests, 0), 4);
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_OK);
    assert_int_equal(atomic_load(&srv.requests), 0);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

/* A configured PCCS that fails refuses: the endorsements the certificate
 * carries are not used instead. */
static void test_pccs_failure_no_fallthrough(void **state) {
    (void)state;
    char url[64];
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    pccs_url(url, sizeof url);
    create(CCS_PLATFORM_SIM_TDX, true, &c, &k);
    atomic_store(&srv.fail, true);
    ccs_ratls_verify_options o = {.now = t0, .insecure_trust_sim_dir = ROOT_ONLY, .pccs_url = url};
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_ERR_VERIFY);
    assert_string_equal(r.collateral_source, "pccs");
    assert_int_equal(r.n_failed, 1);
    assert_string_equal(r.failed[0].name, CCS_RATLS_CHECK_COLLATERAL);
    assert_non_null(strstr(r.failed[0].message, "HTTP status 500"));
    ccs_ratls_verifier *v = NULL;
    assert_int_equal(ccs_ratls_verifier_new(&o, NULL, &v), CCS_OK);
    assert_int_equal(ccs_ratls_verifier_check(v, ccs_x509_der(c), &r), CCS_ERR_VERIFY);
    assert_string_equal(r.failed[0].name, CCS_RATLS_CHECK_COLLATERAL);
    ccs_ratls_verifier_free(v);
    /* Without the PCCS the same certificate verifies from its endorsements. */
    o.pccs_url = NULL;
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_OK);
    assert_string_equal(r.collateral_source, "endorsements");
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

int ccs_test_ratls_endorse_pccs(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pccs_sgx, reset),
        cmocka_unit_test_setup(test_pccs_tdx, reset),
        cmocka_unit_test_setup(test_pccs_cache, reset),
        cmocka_unit_test_setup(test_pccs_failure_no_fallthrough, reset),
    };
    return cmocka_run_group_tests_name("ratls_endorse_pccs", tests, setup, teardown);
}
