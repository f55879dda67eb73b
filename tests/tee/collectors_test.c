/* Hardware collectors on a machine without the hardware: they refuse with
 * CCS_ERR_UNSUPPORTED; and their handling of what the kernel returns is
 * exercised by replaying recorded evidence through a directory laid out
 * like /sys/kernel/config/tsm and /dev/attestation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "ccs/tee.h"
#include "tee_tests.h"

#define TDX_QUOTE CCS_TEST_DATA "/attestation/tdx/dcapqvl-tdx-v4-uptodate/quote.bin"
#define SGX_QUOTE CCS_TEST_DATA "/attestation/sgx/dcapqvl-sgx-v3/quote.bin"

static void test_unavailable_here(void **state) {
    (void)state;
    static const ccs_platform hw[] = {CCS_PLATFORM_TDX, CCS_PLATFORM_SGX};
    ccs_tee_config cfg = {.root = CCS_TEST_TMP "/empty-root"};
    tee_mkdirs(cfg.root);
    for (size_t i = 0; i < sizeof hw / sizeof hw[0]; i++) {
        ccs_backend *b = NULL;
        cfg.platform = hw[i];
        assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_UNSUPPORTED);
        assert_null(b);
        assert_non_null(strstr(ccs_error_detail(), "not available on this machine"));
    }
    cfg.platform = CCS_PLATFORM_NONE;
    ccs_backend *b = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_UNSUPPORTED);
    assert_non_null(strstr(ccs_error_detail(), "no TEE found"));
}

static void test_platform_names(void **state) {
    (void)state;
    ccs_platform p;
    assert_int_equal(ccs_platform_parse("sim-sgx", &p), CCS_OK);
    assert_int_equal(p, CCS_PLATFORM_SIM_SGX);
    assert_string_equal(ccs_platform_name(CCS_PLATFORM_TDX), "tdx");
    assert_int_equal(ccs_platform_parse("sgx2", &p), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_platform_parse(NULL, &p), CCS_ERR_INVALID_ARG);
}

/* configfs-tsm as the kernel lays it out after mkdir: provider (and
 * generation, inblob, outblob: tee_tsm_start serves each request). */
static const char *fake_tsm(const char *root, const char *provider) {
    static char entry[1100];
    char dev[1100];
    tee_tsm_entry(root, entry, sizeof entry);
    tee_mkdirs(entry);
    snprintf(dev, sizeof dev, "%s/dev", root);
    tee_mkdirs(dev);
    tee_put(dev, "tdx_guest", ccs_bytes_str(""));
    tee_put(entry, "provider", ccs_bytes_str(provider));
    return entry;
}

/* One request served with the report q; returns what the entry's inblob
 * received. */
static ccs_status tsm_evidence(ccs_backend *b, const char *entry, ccs_bytes q, ccs_bytes rd, ccs_buf *ev,
                               ccs_buf *inblob) {
    tee_tsm *t = tee_tsm_start(entry, 7, 8, q);
    ccs_status st = ccs_backend_evidence(b, rd, ev);
    ccs_buf in = tee_tsm_join(t, NULL);
    if (inblob != NULL) *inblob = in;
    else ccs_buf_free(&in);
    return st;
}

static void test_tdx_replay(void **state) {
    (void)state;
    ccs_buf quote = tee_read(TDX_QUOTE);
    const char *root = CCS_TEST_TMP "/tdx-root";
    const char *entry = fake_tsm(root, "tdx_guest\n");
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_TDX, .root = root};
    ccs_backend *b = NULL;
    ccs_buf ev = {0}, in = {0};
    uint8_t rd[64];
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_backend_platform(b), CCS_PLATFORM_TDX);
    /* The recorded quote carries its own report data: ask for exactly that. */
    ccs_dcap_quote q;
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&quote), &q), CCS_OK);
    memcpy(rd, q.tdx.report_data.ptr, 64);
    assert_int_equal(tsm_evidence(b, entry, ccs_buf_view(&quote), ccs_bytes_of(rd, 64), &ev, &in), CCS_OK);
    assert_true(ccs_bytes_eq(ccs_buf_view(&ev), ccs_buf_view(&quote)));
    assert_int_equal(in.len, 64);
    assert_memory_equal(in.ptr, rd, 64);
    ccs_buf_free(&in);
    /* Other report data than the quote carries: refused. */
    rd[0] ^= 1;
    ev.len = 0;
    assert_int_equal(tsm_evidence(b, entry, ccs_buf_view(&quote), ccs_bytes_of(rd, 64), &ev, NULL),
                     CCS_ERR_MISMATCH);
    /* Another writer's inblob between ours and the report (the generation
     * moved by two): the report may answer theirs, so it is asked again;
     * the second request is not crossed and succeeds. */
    rd[0] ^= 1;
    ev.len = 0;
    size_t served = 0;
    const unsigned long once[] = {9, 10}, always[] = {9, 11, 13};
    tee_tsm *t = tee_tsm_serve(entry, 7, once, 2, ccs_buf_view(&quote));
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_of(rd, 64), &ev), CCS_OK);
    in = tee_tsm_join(t, &served);
    assert_int_equal(served, 2);
    assert_int_equal(in.len, 64);
    assert_memory_equal(in.ptr, rd, 64);
    ccs_buf_free(&in);
    assert_true(ccs_bytes_eq(ccs_buf_view(&ev), ccs_buf_view(&quote)));
    /* Crossed every time: refused after three requests. */
    ev.len = 0;
    t = tee_tsm_serve(entry, 7, always, 3, ccs_buf_view(&quote));
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_of(rd, 64), &ev), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "changed by another writer (generation 11 before our write, 13 after"));
    in = tee_tsm_join(t, &served);
    assert_int_equal(served, 3);
    assert_int_equal(in.len, 64);
    ccs_buf_free(&in);
    /* Report data longer than 64 bytes is a caller error (no request made). */
    uint8_t big[65] = {0};
    ev.len = 0;
    assert_int_equal(tsm_evidence(b, entry, ccs_buf_view(&quote), ccs_bytes_of(big, 65), &ev, &in),
                     CCS_ERR_INVALID_ARG);
    assert_int_equal(in.len, 0);
    ccs_buf_free(&in);
    /* No sealing key on TDX. */
    uint8_t key[32];
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("x"), key), CCS_ERR_UNSUPPORTED);
    ccs_backend_free(b);
    ccs_buf_free(&ev);
    ccs_buf_free(&quote);
}

static void test_tdx_wrong_provider_and_garbage(void **state) {
    (void)state;
    ccs_buf quote = tee_read(SGX_QUOTE);
    const char *root = CCS_TEST_TMP "/tdx-root2";
    const char *entry = fake_tsm(root, "sev_guest\n");
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_TDX, .root = root};
    ccs_backend *b = NULL;
    ccs_buf ev = {0}, in = {0};
    uint8_t rd[64] = {0};
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(tsm_evidence(b, entry, ccs_buf_view(&quote), ccs_bytes_of(rd, 64), &ev, &in),
                     CCS_ERR_UNSUPPORTED);
    assert_non_null(strstr(ccs_error_detail(), "sev_guest"));
    assert_int_equal(in.len, 0); /* another provider's entry: nothing written */
    ccs_buf_free(&in);
    ccs_backend_free(b);
    /* The right provider but an SGX quote, then truncated bytes. */
    fake_tsm(root, "tdx_guest");
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(tsm_evidence(b, entry, ccs_buf_view(&quote), ccs_bytes_of(rd, 64), &ev, NULL), CCS_ERR_FORMAT);
    ccs_backend_free(b);
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(tsm_evidence(b, entry, ccs_bytes_of(quote.ptr, 100), ccs_bytes_of(rd, 64), &ev, NULL),
                     CCS_ERR_TRUNCATED);
    ccs_backend_free(b);
    ccs_buf_free(&ev);
    ccs_buf_free(&quote);
}

/* Gramine-style /dev/attestation inside an SGX enclave. */
static void test_sgx_replay(void **state) {
    (void)state;
    ccs_buf quote = tee_read(SGX_QUOTE);
    char att[1024];
    const char *root = CCS_TEST_TMP "/sgx-root";
    snprintf(att, sizeof att, "%s/dev/attestation/keys", root);
    tee_mkdirs(att);
    snprintf(att, sizeof att, "%s/dev/attestation", root);
    tee_put(att, "quote", ccs_buf_view(&quote));
    tee_put(att, "keys/_sgx_mrenclave", ccs_bytes_of("0123456789abcdef", 16));
    tee_put(att, "keys/_sgx_mrsigner", ccs_bytes_of("fedcba9876543210", 16));
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SGX, .root = root};
    ccs_backend *b = NULL;
    ccs_buf ev = {0};
    ccs_dcap_quote q;
    uint8_t rd[64], k1[32], k2[32], k3[32];
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&quote), &q), CCS_OK);
    memcpy(rd, q.sgx.report_data.ptr, 64);
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_of(rd, 64), &ev), CCS_OK);
    assert_true(ccs_bytes_eq(ccs_buf_view(&ev), ccs_buf_view(&quote)));
    /* Sealing keys: distinct per policy and per label, stable per input. */
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("a"), k1), CCS_OK);
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_SIGNER, ccs_bytes_str("a"), k2), CCS_OK);
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("b"), k3), CCS_OK);
    assert_memory_not_equal(k1, k2, 32);
    assert_memory_not_equal(k1, k3, 32);
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("a"), k3), CCS_OK);
    assert_memory_equal(k1, k3, 32);
    assert_int_equal(ccs_backend_seal_key(b, (ccs_seal_policy)9, ccs_bytes_str("a"), k3), CCS_ERR_INVALID_ARG);
    /* A short EGETKEY result is refused. */
    tee_put(att, "keys/_sgx_mrsigner", ccs_bytes_of("short", 5));
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_SIGNER, ccs_bytes_str("a"), k2), CCS_ERR_FORMAT);
    char *js = NULL;
    assert_int_equal(ccs_backend_measurements(b, &js), CCS_ERR_MISMATCH); /* zero report data vs the recorded one */
    free(js);
    ccs_backend_free(b);
    ccs_buf_free(&ev);
    ccs_buf_free(&quote);
}

int ccs_test_collectors(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unavailable_here),
        cmocka_unit_test(test_platform_names),
        cmocka_unit_test(test_tdx_replay),
        cmocka_unit_test(test_tdx_wrong_provider_and_garbage),
        cmocka_unit_test(test_sgx_replay),
    };
    return cmocka_run_group_tests_name("tee_collectors", tests, NULL, NULL);
}
