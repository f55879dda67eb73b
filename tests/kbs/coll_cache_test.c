/* The server's collateral cache: one load while fresh, a reload when the
 * watched file changes or the collateral expires, an entry replaced while
 * still in use stays valid until it is put back, a failure is remembered
 * for a while, and concurrent requests for one key load it once. And the
 * check that a quote's PCK chain reaches the Intel root before a PCCS fetch. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include "kbs_tests.h"
#include "server_internal.h"

#define SGX_DIR CCS_TEST_DATA "/attestation/sgx/dcapqvl-sgx-v3"

static int loads;

static ccs_status load_sgx(void *ctx, ccs_x509 **root, ccs_collateral **coll) {
    (void)ctx;
    (void)root;
    __atomic_add_fetch(&loads, 1, __ATOMIC_SEQ_CST); /* also from the single-flight test's threads */
    return ccs_collateral_load_dir(SGX_DIR, coll);
}

static ccs_status load_fail(void *ctx, ccs_x509 **root, ccs_collateral **coll) {
    (void)ctx;
    (void)root;
    (void)coll;
    loads++;
    CCS_BAIL(CCS_ERR_IO, "cannot load");
}

static void test_coll_cache(void **state) {
    (void)state;
    const ccs_time t = 1750330800; /* 2025-06-19T11:00:00Z; expiry 2025-07-19T10:01:18Z */
    char watch[512];
    snprintf(watch, sizeof watch, "%s/watched", CCS_TEST_TMP);
    assert_int_equal(ccs_file_write(watch, ccs_bytes_str("1")), CCS_OK);
    kbs_coll_cache_clear();
    loads = 0;
    kbs_coll_entry *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(kbs_coll_get("k1", watch, t, load_sgx, NULL, &a), CCS_OK);
    assert_int_equal(kbs_coll_get("k1", watch, t + 60, load_sgx, NULL, &b), CCS_OK);
    assert_int_equal(loads, 1);
    assert_ptr_equal(a, b);
    assert_non_null(kbs_coll_collateral(a));
    assert_null(kbs_coll_root(a));
    kbs_coll_put(b);
    /* The watched file changes: reloaded, while `a` is still usable. */
    struct utimbuf ut = {.actime = 1000, .modtime = 1000};
    assert_int_equal(utime(watch, &ut), 0);
    assert_int_equal(kbs_coll_get("k1", watch, t, load_sgx, NULL, &c), CCS_OK);
    assert_int_equal(loads, 2);
    assert_ptr_not_equal(a, c);
    assert_int_equal(ccs_collateral_tee(kbs_coll_collateral(a)), CCS_TEE_SGX); /* still alive */
    kbs_coll_put(a);
    kbs_coll_put(c);
    /* Past the collateral's earliest nextUpdate: reloaded. */
    assert_int_equal(kbs_coll_get("k1", watch, 1752920000, load_sgx, NULL, &a), CCS_OK);
    assert_int_equal(loads, 3);
    kbs_coll_put(a);
    /* Another key is another entry; a failing load is remembered for 10 s
     * (one fetch for a flood of requests), then tried again. */
    assert_int_equal(kbs_coll_get("k2", NULL, t, load_fail, NULL, &a), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "cannot load"));
    assert_null(strstr(ccs_error_detail(), "remembered"));
    assert_int_equal(kbs_coll_get("k2", NULL, t + 9, load_fail, NULL, &a), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "cannot load"));
    assert_non_null(strstr(ccs_error_detail(), "(remembered; retried after 10 s)"));
    assert_int_equal(loads, 4);
    assert_int_equal(kbs_coll_get("k2", NULL, t + 10, load_fail, NULL, &a), CCS_ERR_IO);
    assert_int_equal(loads, 5);
    /* More keys than slots: older entries are replaced, never leaked. */
    for (int i = 0; i < 40; i++) {
        char key[32];
        snprintf(key, sizeof key, "many-%d", i);
        assert_int_equal(kbs_coll_get(key, NULL, t, load_sgx, NULL, &a), CCS_OK);
        kbs_coll_put(a);
    }
    kbs_coll_cache_clear();
}

/* A slow load (a PCCS fetch) for one key: the other threads asking for it
 * wait and share it; a request for another key is not held up. */
static ccs_status load_slow(void *ctx, ccs_x509 **root, ccs_collateral **coll) {
    (void)ctx;
    (void)root;
    __atomic_add_fetch(&loads, 1, __ATOMIC_SEQ_CST);
    usleep(300000);
    return ccs_collateral_load_dir(SGX_DIR, coll);
}

static void *get_slow(void *arg) {
    kbs_coll_entry *e = NULL;
    ccs_status st = kbs_coll_get("slow", NULL, 1750330800, load_slow, NULL, &e);
    *(ccs_status *)arg = st;
    if (st == CCS_OK) kbs_coll_put(e);
    return NULL;
}

static void test_coll_cache_single_flight(void **state) {
    (void)state;
    kbs_coll_cache_clear();
    loads = 0;
    pthread_t t[4];
    ccs_status st[4];
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, get_slow, &st[i]), 0);
    usleep(50000);
    kbs_coll_entry *e = NULL;
    assert_int_equal(kbs_coll_get("fast", NULL, 1750330800, load_sgx, NULL, &e), CCS_OK);
    kbs_coll_put(e);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(st[i], CCS_OK);
    }
    assert_int_equal(__atomic_load_n(&loads, __ATOMIC_SEQ_CST), 2); /* "slow" once for four threads, "fast" once */
    kbs_coll_cache_clear();
}

/* The window in which every certificate of a PEM chain is valid. */
static void chain_window(ccs_bytes pem, ccs_time *from, ccs_time *until) {
    ccs_x509_chain *ch = NULL;
    assert_int_equal(ccs_x509_chain_parse_pem(pem, &ch), CCS_OK);
    *from = INT64_MIN, *until = INT64_MAX;
    for (size_t i = 0; i < ccs_x509_chain_len(ch); i++) {
        ccs_time nb, na;
        assert_int_equal(ccs_x509_validity(ccs_x509_chain_get(ch, i), &nb, &na), CCS_OK);
        if (nb > *from) *from = nb;
        if (na < *until) *until = na;
    }
    ccs_x509_chain_free(ch);
}

/* The check before a PCCS fetch: a real quote's PCK chain reaches the Intel
 * root and is then remembered, within its certificates' validity only; a
 * changed chain is checked (and refused) every time. */
static void test_pck_chain_genuine(void **state) {
    (void)state;
    const ccs_time t = 1750330800;
    ccs_buf quote = {0};
    assert_int_equal(ccs_file_read(SGX_DIR "/quote.bin", 1u << 20, &quote), CCS_OK);
    ccs_dcap_quote q;
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&quote), &q), CCS_OK);
    ccs_time from, until;
    chain_window(q.cert_data, &from, &until);
    assert_true(from < t && t < until);
    kbs_pck_chain_forget();
    size_t n = kbs_pck_chain_verifications();
    assert_int_equal(kbs_pck_chain_genuine(q.cert_data, t), CCS_OK);
    assert_int_equal(kbs_pck_chain_verifications(), n + 1);
    assert_int_equal(kbs_pck_chain_genuine(q.cert_data, t + 86400), CCS_OK); /* remembered */
    assert_int_equal(kbs_pck_chain_verifications(), n + 1);
    /* Outside the window: checked again, and expired or not yet valid. */
    assert_int_equal(kbs_pck_chain_genuine(q.cert_data, until + 1), CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "the quote's PCK chain: "));
    assert_int_equal(kbs_pck_chain_genuine(q.cert_data, from - 1), CCS_ERR_EXPIRED);
    assert_int_equal(kbs_pck_chain_verifications(), n + 3);
    assert_int_equal(kbs_pck_chain_genuine(q.cert_data, t), CCS_OK);
    assert_int_equal(kbs_pck_chain_verifications(), n + 3);
    /* One byte of the leaf's signature changed: refused, each time checked. */
    ccs_buf changed = {0};
    assert_int_equal(ccs_buf_append(&changed, q.cert_data.ptr, q.cert_data.len), CCS_OK);
    const char *end = strstr((const char *)changed.ptr, "-----END CERTIFICATE-----");
    assert_non_null(end);
    char *b = (char *)end - 10;
    *b = *b == 'A' ? 'B' : 'A';
    for (int i = 0; i < 2; i++) {
        ccs_status st = kbs_pck_chain_genuine(ccs_buf_view(&changed), t);
        assert_int_equal(st, CCS_ERR_SIGNATURE);
        assert_non_null(strstr(ccs_error_detail(), "the quote's PCK chain: x509: chain verification failed at depth 0"));
    }
    assert_int_equal(kbs_pck_chain_verifications(), n + 5);
    /* Through the KBS's verification with a PCCS that is not listening: the
     * changed chain never gets to a fetch; the real one does (and fails to
     * connect). */
    ccs_kbs_config cfg = {.dcap_pccs_url = "http://127.0.0.1:1"};
    json_t *pub = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x",
                            "WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis", "y",
                            "y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE");
    for (int i = 0; i < 2; i++) {
        ccs_buf ev = {0};
        assert_int_equal(ccs_buf_append(&ev, quote.ptr, quote.len), CCS_OK);
        if (i == 0) {
            size_t off = (size_t)((const uint8_t *)b - changed.ptr) + (size_t)(q.cert_data.ptr - quote.ptr);
            ev.ptr[off] = (uint8_t)*b;
        }
        ccs_buf b64 = {0};
        assert_int_equal(ccs_base64_encode(ccs_buf_view(&ev), &b64), CCS_OK);
        json_t *primary = json_pack("{s:s%}", "quote", (const char *)b64.ptr, b64.len);
        kbs_evidence e;
        assert_int_equal(kbs_evidence_decode("sgx", primary, &e), CCS_OK);
        kbs_verified v = {0};
        ccs_status st = kbs_evidence_verify(&cfg, &e, "bm9uY2U", pub, t, &v);
        assert_int_not_equal(st, CCS_OK);
        if (i == 0) assert_non_null(strstr(ccs_error_detail(), "the quote's PCK chain: "));
        else assert_non_null(strstr(ccs_error_detail(), "PCCS GET /sgx/certification/v4/tcb?fmspc=00A067110000"));
        kbs_verified_clear(&v);
        kbs_evidence_clear(&e);
        json_decref(primary);
        ccs_buf_free(&b64);
        ccs_buf_free(&ev);
    }
    json_decref(pub);
    kbs_coll_cache_clear();
    kbs_pck_chain_forget();
    ccs_buf_free(&changed);
    ccs_buf_free(&quote);
}

int ccs_test_coll_cache(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_coll_cache), cmocka_unit_test(test_coll_cache_single_flight),
                                       cmocka_unit_test(test_pck_chain_genuine)};
    return cmocka_run_group_tests_name("kbs_coll_cache", tests, NULL, NULL);
}
