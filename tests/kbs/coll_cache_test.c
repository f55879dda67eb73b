/* The server's collateral cache: one load while fresh, a reload when the
 * watched file changes or the collateral expires, an entry replaced while
 * still in use stays valid until it is put back, a failure is remembered
 * for a while, and concurrent requests for one key load it once. */
#include <pthread.h>
#include <stdio.h>
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

int ccs_test_coll_cache(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_coll_cache), cmocka_unit_test(test_coll_cache_single_flight)};
    return cmocka_run_group_tests_name("kbs_coll_cache", tests, NULL, NULL);
}
