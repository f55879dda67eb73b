/*
 * PCCS provider tests against a real loopback HTTP server (libevent evhttp)
 * that serves the recorded collateral the way Intel PCS / a PCCS does: JSON
 * and DER bodies, issuer chains URL-encoded in response headers. Two data
 * sets live under two path prefixes of one server, so the base URL of each
 * ccs_pccs object picks the data set.
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
#include <event2/keyvalq_struct.h>

#include "attest_tests.h"
#include "ccs/attest.h"

#define AS_OF ((ccs_time)1750330800)      /* 2025-06-19T11:00:00Z */
#define SGX_EXPIRY ((ccs_time)1752919278) /* QE Identity nextUpdate 2025-07-19T10:01:18Z */
#define TDX_EXPIRY ((ccs_time)1752919235) /* PCK CRL nextUpdate 2025-07-19T10:00:35Z */
#define CACHE_FILE CCS_TEST_TMP "/pccs_cache.db"

static const uint8_t sgx_fmspc[6] = {0x00, 0xA0, 0x67, 0x11, 0x00, 0x00};
static const uint8_t tdx_fmspc[6] = {0xB0, 0xC0, 0x6F, 0x00, 0x00, 0x00};

/* ---- the loopback PCCS ------------------------------------------------------- */

typedef enum srv_mode {
    SRV_NORMAL,
    SRV_404,            /* every request */
    SRV_500,            /* every request */
    SRV_500_CRL,        /* only the PCK CRL request */
    SRV_CORRUPT_TCB,    /* TCB Info body cut in half */
    SRV_ANY_FMSPC,      /* answers every FMSPC with its own TCB Info */
    SRV_LEGACY_HEADERS, /* older, lower-case header names */
    SRV_NO_CHAIN,       /* TCB Info without its issuer chain header */
    SRV_HUGE,           /* a 2 MiB TCB Info body */
} srv_mode;

typedef struct dataset {
    const char *prefix, *dir, *tee, *fmspc;
} dataset;

static const dataset datasets[] = {
    {"/sgx-v3", CCS_TEST_DATA "/attestation/sgx/dcapqvl-sgx-v3/", "sgx", "00A067110000"},
    {"/tdx-v4", CCS_TEST_DATA "/attestation/tdx/dcapqvl-tdx-v4-uptodate/", "tdx", "B0C06F000000"},
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
} srv;

static char *read_data(const dataset *ds, const char *file, size_t *len) {
    char path[512];
    ccs_buf b = {0};
    snprintf(path, sizeof path, "%s%s", ds->dir, file);
    if (ccs_file_read(path, 1 << 20, &b) != CCS_OK) return NULL;
    *len = b.len;
    return (char *)b.ptr; /* NUL-terminated; freed with free() */
}

static void add_chain_header(struct evhttp_request *req, const dataset *ds, const char *name, const char *file) {
    size_t len = 0;
    char *pem = read_data(ds, file, &len);
    char *enc = pem ? evhttp_encode_uri(pem) : NULL; /* percent-encodes all but unreserved, as PCS does */
    if (enc) evhttp_add_header(evhttp_request_get_output_headers(req), name, enc);
    free(enc);
    free(pem);
}

static void reply_file(struct evhttp_request *req, const dataset *ds, const char *file, size_t cut) {
    size_t len = 0;
    char *data = read_data(ds, file, &len);
    if (data == NULL) {
        evhttp_send_error(req, 500, "missing test file");
        return;
    }
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, data, cut && cut < len ? cut : len);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
    free(data);
}

static void reply_huge(struct evhttp_request *req) {
    struct evbuffer *out = evbuffer_new();
    char chunk[4096];
    memset(chunk, ' ', sizeof chunk);
    for (int i = 0; i < 512; i++) evbuffer_add(out, chunk, sizeof chunk);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void serve_tcb(struct evhttp_request *req, const dataset *ds, const char *fmspc, int mode) {
    if (mode != SRV_ANY_FMSPC && (fmspc == NULL || strcmp(fmspc, ds->fmspc) != 0)) {
        evhttp_send_error(req, 404, "unknown FMSPC");
        return;
    }
    if (mode == SRV_HUGE) {
        reply_huge(req);
        return;
    }
    if (mode != SRV_NO_CHAIN) {
        const char *name = mode == SRV_LEGACY_HEADERS ? "sgx-tcb-info-issuer-chain" : "TCB-Info-Issuer-Chain";
        add_chain_header(req, ds, name, "tcb_info_issuer_chain.pem");
    }
    size_t len = 0;
    free(read_data(ds, "tcb_info.json", &len));
    reply_file(req, ds, "tcb_info.json", mode == SRV_CORRUPT_TCB ? len / 2 : 0);
}

static void serve_qe(struct evhttp_request *req, const dataset *ds, int mode) {
    const char *name =
        mode == SRV_LEGACY_HEADERS ? "enclave-identity-issuer-chain" : "SGX-Enclave-Identity-Issuer-Chain";
    add_chain_header(req, ds, name, "qe_identity_issuer_chain.pem");
    reply_file(req, ds, "qe_identity.json", 0);
}

static void serve_pckcrl(struct evhttp_request *req, const dataset *ds, const char *ca, const char *enc,
                         int mode) {
    bool ca_ok = ca && (strcmp(ca, "platform") == 0 || strcmp(ca, "processor") == 0);
    if (mode == SRV_500_CRL) {
        evhttp_send_error(req, 500, "internal error");
        return;
    }
    if (!ca_ok || enc == NULL || strcmp(enc, "der") != 0) {
        evhttp_send_error(req, 400, "bad query");
        return;
    }
    add_chain_header(req, ds, "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem");
    reply_file(req, ds, "pck_crl.der", 0);
}

static const dataset *find_dataset(const char *path, const char **rest) {
    for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++) {
        size_t n = strlen(datasets[i].prefix);
        if (strncmp(path, datasets[i].prefix, n) == 0) {
            *rest = path + n;
            return &datasets[i];
        }
    }
    return NULL;
}

static void route(struct evhttp_request *req, const dataset *ds, const char *rest, struct evkeyvalq *q, int mode) {
    char tcb[64], qe[64];
    snprintf(tcb, sizeof tcb, "/%s/certification/v4/tcb", ds->tee);
    snprintf(qe, sizeof qe, "/%s/certification/v4/qe/identity", ds->tee);
    if (strcmp(rest, tcb) == 0)
        serve_tcb(req, ds, evhttp_find_header(q, "fmspc"), mode);
    else if (strcmp(rest, qe) == 0)
        serve_qe(req, ds, mode);
    else if (strcmp(rest, "/sgx/certification/v4/pckcrl") == 0)
        serve_pckcrl(req, ds, evhttp_find_header(q, "ca"), evhttp_find_header(q, "encoding"), mode);
    else if (strcmp(rest, "/sgx/certification/v4/rootcacrl") == 0)
        reply_file(req, ds, "root_ca_crl.der", 0);
    else
        evhttp_send_error(req, 404, "not found");
}

static void on_request(struct evhttp_request *req, void *arg) {
    (void)arg;
    atomic_fetch_add(&srv.requests, 1);
    int mode = atomic_load(&srv.mode);
    if (mode == SRV_404 || mode == SRV_500) {
        evhttp_send_error(req, mode == SRV_404 ? 404 : 500, "failure on purpose");
        return;
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    const char *rest = NULL;
    const dataset *ds = path ? find_dataset(path, &rest) : NULL;
    struct evkeyvalq q = {0};
    if (ds == NULL || (query && evhttp_parse_query_str(query, &q) != 0)) {
        evhttp_send_error(req, 404, "not found");
        return;
    }
    route(req, ds, rest, &q, mode);
    evhttp_clear_headers(&q);
}

/* libevent is not thread-aware here (no evthread_use_pthreads), so the loop
 * stops itself when the test thread raises the flag. */
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

static int bound_port(struct evhttp_bound_socket *bs) {
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &len) != 0) return -1;
    return ntohs(sin.sin_port);
}

static int server_start(void **state) {
    (void)state;
    /* A proxy from the environment must not see loopback requests. */
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    srv.base = event_base_new();
    srv.http = srv.base ? evhttp_new(srv.base) : NULL;
    if (srv.http == NULL) return -1;
    evhttp_set_gencb(srv.http, on_request, NULL);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(srv.http, "127.0.0.1", 0);
    if (bs == NULL || (srv.port = bound_port(bs)) <= 0) return -1;
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
    return 0;
}

static int take_requests(void) { return atomic_exchange(&srv.requests, 0); }

static ccs_pccs *new_pccs(const char *prefix, const char *cache) {
    char url[128];
    ccs_pccs *p = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s/", srv.port, prefix);
    assert_int_equal(ccs_pccs_new(url, cache, &p), CCS_OK);
    return p;
}

static ccs_status get_sgx(ccs_pccs *p, ccs_time now) {
    ccs_collateral *c = NULL;
    ccs_status st = ccs_pccs_get_collateral(p, CCS_TEE_SGX, sgx_fmspc, "platform", now, &c);
    if (st == CCS_OK) {
        uint8_t f[6];
        assert_int_equal(ccs_collateral_tee(c), CCS_TEE_SGX);
        assert_int_equal(ccs_collateral_fmspc(c, f), CCS_OK);
        assert_memory_equal(f, sgx_fmspc, 6);
        assert_int_equal(ccs_collateral_expiry(c), SGX_EXPIRY);
    } else {
        assert_null(c);
    }
    ccs_collateral_free(c);
    return st;
}

/* The fetched collateral verifies the recorded quote: every piece (bodies,
 * URL-decoded chains, CRLs) arrived byte for byte. */
static void check_verifies(const char *dir, ccs_collateral *c, ccs_tcb_status want) {
    char path[512];
    ccs_buf quote = {0};
    ccs_dcap_options opt = {.now = AS_OF};
    ccs_dcap_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    snprintf(path, sizeof path, "%squote.bin", dir);
    assert_int_equal(ccs_file_read(path, 1 << 16, &quote), CCS_OK);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&quote), c, &opt, r), CCS_OK);
    assert_true(r->pass);
    assert_int_equal(r->tcb_status, want);
    ccs_buf_free(&quote);
    free(r);
}

static void read_cache_file(ccs_buf *out) { assert_int_equal(ccs_file_read(CACHE_FILE, 1 << 24, out), CCS_OK); }

/* Fills the cache at AS_OF, then checks that a failing refresh after expiry
 * returns want, leaves the file byte for byte as it was, and that the old
 * entry still serves AS_OF without any request. */
static void check_failed_refresh_keeps_cache(int mode, ccs_status want, const char *detail) {
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    ccs_buf before = {0}, after = {0};
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(take_requests(), 4);
    read_cache_file(&before);
    atomic_store(&srv.mode, mode);
    assert_int_equal(get_sgx(p, SGX_EXPIRY), want);
    if (detail) assert_non_null(strstr(ccs_error_detail(), detail));
    assert_true(take_requests() >= 1);
    read_cache_file(&after);
    assert_true(ccs_bytes_eq(ccs_buf_view(&before), ccs_buf_view(&after)));
    atomic_store(&srv.mode, SRV_NORMAL);
    assert_int_equal(get_sgx(p, AS_OF + 3600), CCS_OK);
    assert_int_equal(take_requests(), 0);
    ccs_buf_free(&before);
    ccs_buf_free(&after);
    ccs_pccs_free(p);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_pccs_fetch_sgx(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(take_requests(), 4); /* TCB Info, QE Identity, PCK CRL, Root CA CRL */
    /* From the cache (a new object on the same file), then fresh from the
     * network (an object without a cache): both verify the recorded quote. */
    const char *caches[] = {CACHE_FILE, NULL};
    for (int i = 0; i < 2; i++) {
        ccs_collateral *c = NULL;
        ccs_pccs_free(p);
        p = new_pccs("/sgx-v3", caches[i]);
        assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, sgx_fmspc, "platform", AS_OF, &c), CCS_OK);
        assert_int_equal(take_requests(), i == 0 ? 0 : 4);
        check_verifies(datasets[0].dir, c, CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
        ccs_collateral_free(c);
    }
    ccs_pccs_free(p);
}

static void test_pccs_fetch_tdx(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/tdx-v4", CACHE_FILE);
    ccs_collateral *c = NULL;
    uint8_t f[6];
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_TDX, tdx_fmspc, "platform", AS_OF, &c), CCS_OK);
    assert_int_equal(take_requests(), 4);
    assert_int_equal(ccs_collateral_tee(c), CCS_TEE_TDX);
    assert_int_equal(ccs_collateral_fmspc(c, f), CCS_OK);
    assert_memory_equal(f, tdx_fmspc, 6);
    assert_int_equal(ccs_collateral_expiry(c), TDX_EXPIRY);
    check_verifies(datasets[1].dir, c, CCS_TCB_UP_TO_DATE);
    ccs_collateral_free(c);
    /* Served from the cache the second time. */
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_TDX, tdx_fmspc, "platform", AS_OF, &c), CCS_OK);
    assert_int_equal(take_requests(), 0);
    check_verifies(datasets[1].dir, c, CCS_TCB_UP_TO_DATE);
    ccs_collateral_free(c);
    ccs_pccs_free(p);
}

static void test_pccs_cache_hit(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(take_requests(), 4);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(get_sgx(p, SGX_EXPIRY - 1), CCS_OK);
    assert_int_equal(take_requests(), 0);
    ccs_pccs_free(p);
    /* The cache is on disk: a new object (a new process) uses it too. */
    p = new_pccs("/sgx-v3", CACHE_FILE);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(take_requests(), 0);
    /* The key includes the PCK CA: "processor" is a separate entry. */
    ccs_collateral *c = NULL;
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, sgx_fmspc, "processor", AS_OF, &c), CCS_OK);
    assert_int_equal(take_requests(), 4);
    ccs_collateral_free(c);
    ccs_pccs_free(p);
}

static void test_pccs_refetch_after_expiry(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(take_requests(), 4);
    assert_int_equal(get_sgx(p, SGX_EXPIRY), CCS_OK); /* valid only while now < expiry */
    assert_int_equal(take_requests(), 4);
    assert_int_equal(get_sgx(p, SGX_EXPIRY + 86400), CCS_OK);
    assert_int_equal(take_requests(), 4);
    ccs_pccs_free(p);
}

static void test_pccs_no_cache(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", NULL);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    assert_int_equal(take_requests(), 8);
    assert_int_equal(access(CACHE_FILE, F_OK), -1);
    ccs_pccs_free(p);
}

static void test_pccs_http_404_keeps_cache(void **state) {
    (void)state;
    check_failed_refresh_keeps_cache(SRV_404, CCS_ERR_NETWORK, "/sgx/certification/v4/tcb?fmspc=00A067110000");
    atomic_store(&srv.mode, SRV_404);
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    assert_int_equal(get_sgx(p, SGX_EXPIRY), CCS_ERR_NETWORK);
    assert_non_null(strstr(ccs_error_detail(), "404"));
    ccs_pccs_free(p);
}

static void test_pccs_http_500_keeps_cache(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    /* A fetch that fails part-way (the third request) stores nothing. */
    atomic_store(&srv.mode, SRV_500_CRL);
    assert_int_equal(get_sgx(p, AS_OF), CCS_ERR_NETWORK);
    assert_non_null(strstr(ccs_error_detail(), "/sgx/certification/v4/pckcrl"));
    assert_non_null(strstr(ccs_error_detail(), "500"));
    assert_int_equal(take_requests(), 3);
    ccs_pccs_free(p);
    atomic_store(&srv.mode, SRV_NORMAL);
    check_failed_refresh_keeps_cache(SRV_500, CCS_ERR_NETWORK, "HTTP status 500");
}

static void test_pccs_corrupt_tcb_info_keeps_cache(void **state) {
    (void)state;
    check_failed_refresh_keeps_cache(SRV_CORRUPT_TCB, CCS_ERR_FORMAT, NULL);
}

static void test_pccs_unknown_fmspc(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    const uint8_t other[6] = {0x00, 0xA0, 0x67, 0x11, 0x00, 0x01};
    ccs_collateral *c = NULL;
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, other, "platform", AS_OF, &c), CCS_ERR_NETWORK);
    assert_null(c);
    assert_non_null(strstr(ccs_error_detail(), "fmspc=00A067110001"));
    assert_non_null(strstr(ccs_error_detail(), "404"));
    assert_int_equal(take_requests(), 1);
    /* The SGX data set has no TDX paths. */
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_TDX, sgx_fmspc, "platform", AS_OF, &c), CCS_ERR_NETWORK);
    assert_null(c);
    ccs_pccs_free(p);
}

static void test_pccs_wrong_fmspc_served(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    const uint8_t other[6] = {0x00, 0x90, 0x6E, 0xA1, 0x00, 0x00};
    ccs_collateral *c = NULL;
    atomic_store(&srv.mode, SRV_ANY_FMSPC);
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, other, "platform", AS_OF, &c), CCS_ERR_MISMATCH);
    assert_null(c);
    assert_int_equal(take_requests(), 4);
    /* Nothing was stored for that key: asking again fetches again. */
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, other, "platform", AS_OF, &c), CCS_ERR_MISMATCH);
    assert_int_equal(take_requests(), 4);
    ccs_pccs_free(p);
}

static void test_pccs_legacy_header_names(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", NULL);
    atomic_store(&srv.mode, SRV_LEGACY_HEADERS);
    assert_int_equal(get_sgx(p, AS_OF), CCS_OK);
    ccs_pccs_free(p);
}

static void test_pccs_missing_chain_header(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    atomic_store(&srv.mode, SRV_NO_CHAIN);
    assert_int_equal(get_sgx(p, AS_OF), CCS_ERR_NETWORK);
    assert_non_null(strstr(ccs_error_detail(), "TCB-Info-Issuer-Chain"));
    ccs_pccs_free(p);
}

static void test_pccs_body_too_large(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    atomic_store(&srv.mode, SRV_HUGE);
    assert_int_equal(get_sgx(p, AS_OF), CCS_ERR_NETWORK);
    assert_non_null(strstr(ccs_error_detail(), "larger than"));
    ccs_pccs_free(p);
}

static void test_pccs_connection_refused(void **state) {
    (void)state;
    /* A port that was just free: nothing listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd);
    char url[64];
    ccs_pccs *p = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
    assert_int_equal(ccs_pccs_new(url, NULL, &p), CCS_OK);
    assert_int_equal(get_sgx(p, AS_OF), CCS_ERR_NETWORK);
    ccs_pccs_free(p);
}

static void test_pccs_bad_arguments(void **state) {
    (void)state;
    static const char *const bad_urls[] = {"", "ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1:8081",
                                           "http://", "https://pccs.example/?x=1"};
    ccs_pccs *p = NULL;
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        assert_int_equal(ccs_pccs_new(bad_urls[i], NULL, &p), CCS_ERR_INVALID_ARG);
        assert_null(p);
    }
    assert_int_equal(ccs_pccs_new(NULL, NULL, &p), CCS_ERR_INVALID_ARG);
    p = new_pccs("/sgx-v3", NULL);
    ccs_pccs_insecure_skip_tls_verify(p, true); /* plain http: no effect */
    ccs_collateral *c = NULL;
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, sgx_fmspc, "bogus", AS_OF, &c), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_SGX, sgx_fmspc, NULL, AS_OF, &c), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_pccs_get_collateral(p, CCS_TEE_UNKNOWN, sgx_fmspc, "platform", AS_OF, &c),
                     CCS_ERR_INVALID_ARG);
    assert_null(c);
    assert_int_equal(take_requests(), 0);
    ccs_pccs_free(p);
    ccs_pccs_free(NULL);
    ccs_pccs_insecure_skip_tls_verify(NULL, true);
}

/* SQLite file format: PRAGMA user_version is the big-endian u32 at offset 60. */
static void test_pccs_cache_schema_version(void **state) {
    (void)state;
    ccs_pccs *p = new_pccs("/sgx-v3", CACHE_FILE);
    ccs_pccs_free(p);
    ccs_buf db = {0};
    read_cache_file(&db);
    assert_true(db.len >= 100);
    assert_memory_equal(db.ptr + 60, "\0\0\0\1", 4);
    db.ptr[63] = 99;
    assert_int_equal(ccs_file_write(CACHE_FILE, ccs_buf_view(&db)), CCS_OK);
    ccs_buf_free(&db);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    assert_int_equal(ccs_pccs_new(url, CACHE_FILE, &p), CCS_ERR_UNSUPPORTED);
    assert_null(p);
}

static void test_pccs_cache_not_a_database(void **state) {
    (void)state;
    static const char junk[] = "this is not an SQLite database, but it is long enough to look like a header....."
                               "..................................................................";
    assert_int_equal(ccs_file_write(CACHE_FILE, ccs_bytes_str(junk)), CCS_OK);
    char url[64];
    ccs_pccs *p = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    assert_int_equal(ccs_pccs_new(url, CACHE_FILE, &p), CCS_ERR_IO);
    assert_null(p);
    assert_int_equal(ccs_pccs_new(url, CCS_TEST_TMP "/no/such/dir/cache.db", &p), CCS_ERR_IO);
    assert_null(p);
}

int ccs_test_pccs(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pccs_fetch_sgx, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_fetch_tdx, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_cache_hit, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_refetch_after_expiry, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_no_cache, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_http_404_keeps_cache, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_http_500_keeps_cache, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_corrupt_tcb_info_keeps_cache, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_unknown_fmspc, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_wrong_fmspc_served, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_legacy_header_names, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_missing_chain_header, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_body_too_large, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_connection_refused, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_bad_arguments, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_cache_schema_version, reset, reset),
        cmocka_unit_test_setup_teardown(test_pccs_cache_not_a_database, reset, reset),
    };
    return cmocka_run_group_tests_name("pccs", tests, server_start, server_stop);
}
