/*
 * AMD KDS client tests against a loopback HTTP server (libevent evhttp, port
 * 0) that serves the recorded VCEKs and chains of tests/data/attestation/snp
 * the way kdsintf.amd.com does. Each data set lives under a path prefix of
 * the one server, so the base URL picks it. The server records the last
 * VCEK request so the product, hwID and reported_tcb values asked for are
 * checked exactly. The recorded sets have no AMD CRL: the server answers the
 * CRL with 404 (revocation then not checked; the CRL checks themselves are in
 * snp_crl_test.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "attest_tests.h"
#include "ccs/attest.h"
#include "testutil.h"

#define ASOF ((ccs_time)1748736000) /* 2025-06-01T00:00:00Z */
#define CACHE_FILE CCS_TEST_TMP "/snp_kds_cache.db"

typedef enum srv_mode {
    SRV_NORMAL,
    SRV_404,       /* the VCEK request */
    SRV_HUGE,      /* a 128 KiB VCEK body */
    SRV_GARBAGE,   /* a VCEK body that is not a certificate */
    SRV_BAD_CHAIN, /* the chain without its ARK */
    SRV_OTHER_CHIP,/* another chip's VCEK */
    SRV_500,       /* every request */
} srv_mode;

typedef struct dataset {
    const char *prefix, *dir, *product;
} dataset;

static const dataset datasets[] = {
    {"/genoa", "snp/azure-genoa-vcek/", "Genoa"},
    {"/milan", "snp/azure-milan-vcek/", "Milan"},
    {"/tmilan", "snp/trustee-milan-vcek/", "Milan"},
    {"/tvlek", "snp/trustee-milan-vlek/", "Milan"},
};

static struct {
    struct event_base *base;
    struct evhttp *http;
    struct event *stop_check;
    pthread_t thread;
    int port;
    atomic_int mode;
    atomic_int requests;
    atomic_bool stop;
    pthread_mutex_t lock;
    char last_vcek[512]; /* path?query of the last VCEK request */
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void reply(struct evhttp_request *req, const void *data, size_t len) {
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, data, len);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void reply_file(struct evhttp_request *req, const dataset *ds, const char *file) {
    char path[512];
    ccs_buf b = {0};
    snprintf(path, sizeof path, "%s/attestation/%s%s", CCS_TEST_DATA, ds->dir, file);
    if (ccs_file_read(path, 1 << 20, &b) != CCS_OK) {
        evhttp_send_error(req, 500, "missing test file");
        return;
    }
    reply(req, b.ptr, b.len);
    ccs_buf_free(&b);
}

static void serve_vcek(struct evhttp_request *req, const dataset *ds, const char *uri, int mode) {
    pthread_mutex_lock(&srv.lock);
    snprintf(srv.last_vcek, sizeof srv.last_vcek, "%s", uri);
    pthread_mutex_unlock(&srv.lock);
    if (mode == SRV_404) {
        evhttp_send_error(req, 404, "Not Found");
    } else if (mode == SRV_HUGE) {
        static char big[128 * 1024];
        memset(big, 0x30, sizeof big);
        reply(req, big, sizeof big);
    } else if (mode == SRV_GARBAGE) {
        reply(req, "\x30\x82garbage, not a certificate", 28);
    } else if (mode == SRV_OTHER_CHIP) {
        reply_file(req, &datasets[2], "vcek-other-chip-new.der");
    } else {
        reply_file(req, ds, strcmp(ds->prefix, "/tvlek") == 0 ? "vlek.der" : "vcek.der");
    }
}

static void serve_chain(struct evhttp_request *req, const dataset *ds, int mode) {
    if (mode != SRV_BAD_CHAIN) {
        reply_file(req, ds, "cert_chain.pem");
        return;
    }
    char path[512];
    ccs_buf b = {0};
    snprintf(path, sizeof path, "%s/attestation/%scert_chain.pem", CCS_TEST_DATA, ds->dir);
    if (ccs_file_read(path, 1 << 20, &b) != CCS_OK) return evhttp_send_error(req, 500, "missing");
    const char *second = strstr(strstr((const char *)b.ptr, "-----END") + 8, "-----BEGIN");
    reply(req, b.ptr, second ? (size_t)(second - (const char *)b.ptr) : b.len); /* the ASK alone */
    ccs_buf_free(&b);
}

static void on_request(struct evhttp_request *req, void *arg) {
    (void)arg;
    char want[96];
    atomic_fetch_add(&srv.requests, 1);
    int mode = atomic_load(&srv.mode);
    if (mode == SRV_500) return evhttp_send_error(req, 500, "failure on purpose");
    const char *uri = evhttp_request_get_uri(req);
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    const dataset *ds = NULL;
    for (size_t i = 0; path && i < sizeof datasets / sizeof datasets[0] && !ds; i++)
        if (strncmp(path, datasets[i].prefix, strlen(datasets[i].prefix)) == 0 &&
            path[strlen(datasets[i].prefix)] == '/')
            ds = &datasets[i];
    if (ds == NULL) return evhttp_send_error(req, 404, "Not Found");
    const char *rest = path + strlen(ds->prefix);
    bool vlek_set = strcmp(ds->prefix, "/tvlek") == 0;
    snprintf(want, sizeof want, "/%s/v1/%s/cert_chain", vlek_set ? "vlek" : "vcek", ds->product);
    if (strcmp(rest, want) == 0) return serve_chain(req, ds, mode);
    snprintf(want, sizeof want, "/vcek/v1/%s/crl", ds->product);
    if (strcmp(rest, want) == 0) return evhttp_send_error(req, 404, "Not Found"); /* no recorded CRL */
    snprintf(want, sizeof want, "/vcek/v1/%s/", ds->product);
    if (strncmp(rest, want, strlen(want)) == 0) return serve_vcek(req, ds, uri + strlen(ds->prefix), mode);
    evhttp_send_error(req, 404, "Not Found");
}

static void on_stop_check(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what, (void)arg;
    if (atomic_load(&srv.stop)) event_base_loopbreak(srv.base);
}

static void *server_main(void *arg) {
    (void)arg;
    event_base_dispatch(srv.base);
    return NULL;
}

static int server_start(void **state) {
    (void)state;
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    srv.base = event_base_new();
    srv.http = srv.base ? evhttp_new(srv.base) : NULL;
    if (srv.http == NULL) return -1;
    evhttp_set_gencb(srv.http, on_request, NULL);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(srv.http, "127.0.0.1", 0);
    if (bs == NULL) return -1;
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &len) != 0) return -1;
    srv.port = ntohs(sin.sin_port);
    struct timeval tick = {0, 20000};
    srv.stop_check = event_new(srv.base, -1, EV_PERSIST, on_stop_check, NULL);
    if (srv.stop_check == NULL || event_add(srv.stop_check, &tick) != 0) return -1;
    return pthread_create(&srv.thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state) {
    (void)state;
    atomic_store(&srv.stop, true);
    pthread_join(srv.thread, NULL);
    event_free(srv.stop_check);
    evhttp_free(srv.http);
    event_base_free(srv.base);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static void remove_cache(void) {
    unlink(CACHE_FILE);
    unlink(CACHE_FILE "-journal");
}

static int reset(void **state) {
    (void)state;
    remove_cache();
    atomic_store(&srv.mode, SRV_NORMAL);
    atomic_store(&srv.requests, 0);
    srv.last_vcek[0] = '\0';
    return 0;
}

static int take_requests(void) { return atomic_exchange(&srv.requests, 0); }

static ccs_snp_kds *new_kds(const char *prefix, const char *cache) {
    char url[128];
    ccs_snp_kds *k = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s/", srv.port, prefix);
    assert_int_equal(ccs_snp_kds_new(url, cache, &k), CCS_OK);
    return k;
}

/* A KDS that cannot be reached: a closed loopback port. */
static ccs_snp_kds *dead_kds(const char *cache) {
    ccs_snp_kds *k = NULL;
    assert_int_equal(ccs_snp_kds_new("http://127.0.0.1:1", cache, &k), CCS_OK);
    return k;
}

static ccs_status get(ccs_snp_kds *k, const char *set, ccs_snp_product hint, ccs_snp_collateral **c) {
    char rel[128];
    snprintf(rel, sizeof rel, "snp/%s/report.bin", set);
    ccs_buf rep = tu_read(rel);
    ccs_status st = ccs_snp_kds_get_collateral(k, ccs_buf_view(&rep), hint, (ccs_bytes){0}, ASOF, c);
    ccs_buf_free(&rep);
    return st;
}

static void verifies(const char *set, ccs_snp_collateral *c) {
    char rel[128];
    ccs_snp_result r;
    ccs_snp_options opt = {.now = ASOF, .allow_debug = true, .max_vmpl = 1}; /* the VLEK vector: VMPL 1 */
    snprintf(rel, sizeof rel, "snp/%s/report.bin", set);
    ccs_buf rep = tu_read(rel);
    ccs_status st = ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r);
    for (size_t i = 0; i < r.n_failed; i++) print_message("  failed: %s: %s\n", r.failed[i].name, r.failed[i].message);
    assert_int_equal(st, CCS_OK);
    assert_false(r.crl_checked); /* KDS served no CRL here */
    ccs_buf_free(&rep);
}

/* The hex of a report's chip id (first n bytes), as KDS paths carry it. */
static void hwid_of(const char *set, size_t n, char *out, size_t cap) {
    char rel[128];
    snprintf(rel, sizeof rel, "snp/%s/report.bin", set);
    ccs_buf rep = tu_read(rel);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(rep.ptr + 0x1A0, n), out, cap), CCS_OK);
    ccs_buf_free(&rep);
}

static void expect_last_vcek(const char *product, const char *set, const char *query) {
    char hwid[129], want[512];
    hwid_of(set, 64, hwid, sizeof hwid);
    snprintf(want, sizeof want, "/vcek/v1/%s/%s?%s", product, hwid, query);
    pthread_mutex_lock(&srv.lock);
    assert_string_equal(srv.last_vcek, want);
    pthread_mutex_unlock(&srv.lock);
}

/* ---- tests -------------------------------------------------------------------- */

/* Genoa (report v3): product from CPUID, reported_tcb 0a 00 .. 17 54. */
static void test_genoa_fetch_verify(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/genoa", NULL);
    ccs_snp_collateral *c = NULL;
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_OK);
    assert_int_equal(take_requests(), 3); /* VCEK, chain, CRL */
    expect_last_vcek("Genoa", "azure-genoa-vcek", "blSPL=10&teeSPL=0&snpSPL=23&ucodeSPL=84");
    assert_true(strncmp(srv.last_vcek, "/vcek/v1/Genoa/0506ffba", 23) == 0);
    verifies("azure-genoa-vcek", c);
    ccs_snp_collateral_free(c);
    /* A contradicting hint is refused before any request. */
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_MILAN, &c), CCS_ERR_MISMATCH);
    assert_int_equal(take_requests(), 0);
    ccs_snp_kds_free(k);
}

/* Milan v2 reports name no product: the caller must. The trustee report's
 * current_tcb (snp 8, ucode 0xCE) differs from reported_tcb (ucode 0x73):
 * the VCEK is asked for by reported_tcb. */
static void test_milan_reported_tcb(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/tmilan", NULL);
    ccs_snp_collateral *c = NULL;
    assert_int_equal(get(k, "trustee-milan-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_ERR_INVALID_ARG);
    assert_non_null(strstr(ccs_error_detail(), "does not name its product"));
    assert_int_equal(take_requests(), 0);
    assert_int_equal(get(k, "trustee-milan-vcek", CCS_SNP_PRODUCT_MILAN, &c), CCS_OK);
    expect_last_vcek("Milan", "trustee-milan-vcek", "blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115");
    verifies("trustee-milan-vcek", c);
    ccs_snp_collateral_free(c);
    ccs_snp_kds_free(k);
    k = new_kds("/milan", NULL);
    assert_int_equal(get(k, "azure-milan-vcek", CCS_SNP_PRODUCT_MILAN, &c), CCS_OK);
    expect_last_vcek("Milan", "azure-milan-vcek", "blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115");
    verifies("azure-milan-vcek", c);
    ccs_snp_collateral_free(c);
    ccs_snp_kds_free(k);
}

/* The second verification is served from the cache with no KDS at all. */
static void test_cache_offline(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/genoa", CACHE_FILE);
    ccs_snp_collateral *c = NULL;
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_OK);
    assert_int_equal(take_requests(), 3);
    ccs_snp_collateral_free(c);
    ccs_snp_kds_free(k);
    k = dead_kds(CACHE_FILE);
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_OK);
    verifies("azure-genoa-vcek", c);
    ccs_snp_collateral_free(c);
    /* The remembered "no CRL" lasts an hour; after that KDS is asked again. */
    ccs_buf rep = tu_read("snp/azure-genoa-vcek/report.bin");
    assert_int_equal(ccs_snp_kds_get_collateral(k, ccs_buf_view(&rep), 0, (ccs_bytes){0}, ASOF + 7200, &c),
                     CCS_ERR_NETWORK);
    assert_null(c);
    ccs_buf_free(&rep);
    ccs_snp_kds_free(k);
    assert_int_equal(take_requests(), 0);
}

static void test_vcek_404(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/genoa", CACHE_FILE);
    ccs_snp_collateral *c = NULL;
    atomic_store(&srv.mode, SRV_404);
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_ERR_NOT_FOUND);
    assert_non_null(strstr(ccs_error_detail(), "KDS has no VCEK for this chip/TCB"));
    assert_int_equal(take_requests(), 1); /* a 404 is not retried */
    assert_null(c);
    ccs_snp_kds_free(k);
}

/* A refused body leaves the cache without it: the dead KDS then fails. */
static void expect_refused_not_cached(int mode, ccs_status want, const char *detail) {
    ccs_snp_kds *k = new_kds("/genoa", CACHE_FILE);
    ccs_snp_collateral *c = NULL;
    atomic_store(&srv.mode, mode);
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), want);
    print_message("  refused: %s\n", ccs_error_detail());
    assert_non_null(strstr(ccs_error_detail(), detail));
    assert_null(c);
    ccs_snp_kds_free(k);
    k = dead_kds(CACHE_FILE);
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_ERR_NETWORK);
    ccs_snp_kds_free(k);
    atomic_store(&srv.mode, SRV_NORMAL);
}

static void test_oversized_refused(void **state) {
    (void)state;
    expect_refused_not_cached(SRV_HUGE, CCS_ERR_FORMAT, "larger than 65536 bytes");
}

static void test_garbage_refused(void **state) {
    (void)state;
    expect_refused_not_cached(SRV_GARBAGE, CCS_ERR_FORMAT, "not a DER certificate");
}

static void test_bad_chain_refused(void **state) {
    (void)state;
    expect_refused_not_cached(SRV_BAD_CHAIN, CCS_ERR_FORMAT, "cert_chain has 1 certificates");
}

static void test_other_chip_refused(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/tmilan", CACHE_FILE);
    ccs_snp_collateral *c = NULL;
    atomic_store(&srv.mode, SRV_OTHER_CHIP);
    assert_int_equal(get(k, "trustee-milan-vcek", CCS_SNP_PRODUCT_MILAN, &c), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "KDS: the VCEK served is for another"));
    ccs_snp_kds_free(k);
}

static void test_transient_500(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/genoa", CACHE_FILE);
    ccs_snp_collateral *c = NULL;
    atomic_store(&srv.mode, SRV_500);
    assert_int_equal(get(k, "azure-genoa-vcek", CCS_SNP_PRODUCT_UNKNOWN, &c), CCS_ERR_NETWORK);
    assert_non_null(strstr(ccs_error_detail(), "HTTP status 500"));
    assert_int_equal(take_requests(), 3); /* retried */
    ccs_snp_kds_free(k);
}

/* VLEK reports: KDS serves the ASVK chain; the VLEK comes from the caller. */
static void test_vlek(void **state) {
    (void)state;
    ccs_snp_kds *k = new_kds("/tvlek", NULL);
    ccs_snp_kds_files f;
    ccs_snp_collateral *c = NULL;
    ccs_buf rep = tu_read("snp/trustee-milan-vlek/report.bin"), vlek = tu_read("snp/trustee-milan-vlek/vlek.der");
    assert_int_equal(ccs_snp_kds_fetch(k, ccs_buf_view(&rep), 0, ASOF, &f), CCS_OK);
    assert_true(f.vlek);
    assert_int_equal(f.key_cert.len, 0);
    assert_int_equal(f.product, CCS_SNP_PRODUCT_MILAN);
    assert_int_equal(f.crl.len, 0);
    assert_int_equal(take_requests(), 2); /* chain and CRL only */
    ccs_snp_kds_files_free(&f);
    assert_int_equal(ccs_snp_kds_get_collateral(k, ccs_buf_view(&rep), 0, (ccs_bytes){0}, ASOF, &c),
                     CCS_ERR_NOT_FOUND);
    assert_int_equal(ccs_snp_kds_get_collateral(k, ccs_bytes_of(rep.ptr, 100) /* not a report */, 0,
                                                ccs_buf_view(&vlek), ASOF, &c),
                     CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_snp_kds_get_collateral(k, ccs_buf_view(&rep), 0, ccs_buf_view(&vlek), ASOF, &c), CCS_OK);
    verifies("trustee-milan-vlek", c);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
    ccs_buf_free(&vlek);
    ccs_snp_kds_free(k);
}

static void test_arguments(void **state) {
    (void)state;
    ccs_snp_kds *k = NULL;
    assert_int_equal(ccs_snp_kds_new("ftp://kds.example", NULL, &k), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_snp_kds_new("http://kds.example/?x=1", NULL, &k), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_snp_kds_new("not a url", NULL, &k), CCS_ERR_INVALID_ARG);
    assert_null(k);
    assert_int_equal(ccs_snp_kds_new(NULL, NULL, &k), CCS_OK); /* the AMD default; nothing fetched */
    ccs_snp_kds_free(k);
    ccs_snp_kds_free(NULL);
    assert_int_equal(ccs_snp_kds_new("http://127.0.0.1:1", CCS_TEST_TMP, &k), CCS_ERR_IO); /* a directory */
    assert_int_equal(ccs_snp_product_parse("genoa"), CCS_SNP_PRODUCT_GENOA);
    assert_int_equal(ccs_snp_product_parse("Turin"), CCS_SNP_PRODUCT_TURIN);
    assert_int_equal(ccs_snp_product_parse("Milan-B0"), CCS_SNP_PRODUCT_UNKNOWN);
    assert_int_equal(ccs_snp_product_parse(NULL), CCS_SNP_PRODUCT_UNKNOWN);
}

int ccs_test_snp_kds(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_genoa_fetch_verify, reset),
        cmocka_unit_test_setup(test_milan_reported_tcb, reset),
        cmocka_unit_test_setup(test_cache_offline, reset),
        cmocka_unit_test_setup(test_vcek_404, reset),
        cmocka_unit_test_setup(test_oversized_refused, reset),
        cmocka_unit_test_setup(test_garbage_refused, reset),
        cmocka_unit_test_setup(test_bad_chain_refused, reset),
        cmocka_unit_test_setup(test_other_chip_refused, reset),
        cmocka_unit_test_setup(test_transient_500, reset),
        cmocka_unit_test_setup(test_vlek, reset),
        cmocka_unit_test_setup(test_arguments, reset),
    };
    return cmocka_run_group_tests_name("snp_kds", tests, server_start, server_stop);
}
