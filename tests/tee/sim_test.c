/* The sim platform: `sim init` in CCS_TEST_TMP, sim-sgx and sim-tdx quotes
 * through the full DCAP verifier (every check runs; passes only with the sim
 * root trusted, UpToDate, with the requested report data and measurement),
 * refused with pck_chain against the Intel root, refresh, file modes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccs/crypto.h"
#include "ccs/tee.h"
#include "tee_tests.h"

#define SIM_DIR CCS_TEST_TMP "/sim"
#define DAY ((ccs_time)86400)

static ccs_time t0;

static int setup(void **state) {
    (void)state;
    t0 = ccs_time_now();
    ccs_status st = ccs_sim_init(SIM_DIR, t0, true);
    if (st != CCS_OK) fprintf(stderr, "sim init: %s\n", ccs_error_detail());
    return st == CCS_OK ? 0 : -1;
}

static void quote_of(ccs_platform p, const char *measured, const uint8_t *rd, size_t rd_len, ccs_buf *q) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = SIM_DIR};
    ccs_backend *b = NULL;
    if (measured) cfg.sim_measurement = ccs_bytes_str(measured);
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open: %s", ccs_error_detail());
    assert_int_equal(ccs_backend_platform(b), p);
    if (ccs_backend_evidence(b, ccs_bytes_of(rd, rd_len), q) != CCS_OK) fail_msg("evidence: %s", ccs_error_detail());
    ccs_backend_free(b);
}

static ccs_status verify(ccs_bytes q, ccs_tee tee, bool trust, ccs_time at, ccs_bytes rd, ccs_dcap_result *res) {
    ccs_x509 *root = NULL;
    ccs_collateral *coll = NULL;
    if (ccs_sim_trust_load(SIM_DIR, tee, &root, &coll) != CCS_OK) fail_msg("trust: %s", ccs_error_detail());
    ccs_dcap_options opt = {.now = at, .report_data = rd, .insecure_root = trust ? root : NULL};
    ccs_status st = ccs_dcap_verify(q, coll, &opt, res);
    ccs_collateral_free(coll);
    ccs_x509_free(root);
    return st;
}

static bool has_failed(const ccs_dcap_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    return false;
}

static void round_trip(ccs_platform p, ccs_tee tee) {
    uint8_t rd[64], m[48];
    ccs_buf q = {0};
    ccs_dcap_result res;
    for (int i = 0; i < 64; i++) rd[i] = (uint8_t)(0xC0 ^ i);
    quote_of(p, "my enclave image", rd, 64, &q);
    ccs_dcap_quote pq;
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&q), &pq), CCS_OK);
    assert_int_equal(pq.version, tee == CCS_TEE_SGX ? 3 : 4);
    assert_int_equal(pq.cert_type, 5);
    assert_int_equal(pq.trailing, 0);
    ccs_status st = verify(ccs_buf_view(&q), tee, true, ccs_time_now(), ccs_bytes_of(rd, 64), &res);
    if (st != CCS_OK) fail_msg("verify: %s", ccs_error_detail());
    assert_true(res.pass);
    assert_int_equal(res.tee, tee);
    assert_int_equal(res.tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(res.qe_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(res.n_advisories, 0);
    assert_memory_equal(res.report_data, rd, 64);
    if (tee == CCS_TEE_SGX) {
        ccs_sha256(ccs_bytes_str("my enclave image"), m);
        assert_memory_equal(res.sgx.mr_enclave, m, 32);
    } else {
        ccs_sha384(ccs_bytes_str("my enclave image"), m);
        assert_memory_equal(res.tdx.mr_td, m, 48);
        assert_int_equal(res.tdx_module_tcb_status, CCS_TCB_UP_TO_DATE);
    }
    /* Another expected report data: refused by the policy check only. */
    rd[0] ^= 1;
    assert_int_equal(verify(ccs_buf_view(&q), tee, true, ccs_time_now(), ccs_bytes_of(rd, 64), &res), CCS_ERR_VERIFY);
    assert_int_equal(res.n_failed, 1);
    assert_string_equal(res.failed[0].name, CCS_CHECK_REPORT_DATA);
    /* Untrusted root (the Intel root pinned by default): pck_chain. */
    assert_int_equal(verify(ccs_buf_view(&q), tee, false, ccs_time_now(), ccs_bytes_of(NULL, 0), &res),
                     CCS_ERR_VERIFY);
    assert_false(res.pass);
    assert_true(has_failed(&res, CCS_CHECK_PCK_CHAIN));
    ccs_buf_free(&q);
}

static void test_sgx_round_trip(void **state) {
    (void)state;
    round_trip(CCS_PLATFORM_SIM_SGX, CCS_TEE_SGX);
}

static void test_tdx_round_trip(void **state) {
    (void)state;
    round_trip(CCS_PLATFORM_SIM_TDX, CCS_TEE_TDX);
}

/* Short report data is zero-padded; the default measurement is stable. */
static void test_default_measurement(void **state) {
    (void)state;
    ccs_buf a = {0}, b = {0};
    ccs_dcap_quote qa, qb;
    ccs_dcap_result res;
    quote_of(CCS_PLATFORM_SIM_SGX, NULL, (const uint8_t *)"nonce", 5, &a);
    quote_of(CCS_PLATFORM_SIM_SGX, NULL, (const uint8_t *)"other", 5, &b);
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&a), &qa), CCS_OK);
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&b), &qb), CCS_OK);
    assert_memory_equal(qa.sgx.mr_enclave.ptr, qb.sgx.mr_enclave.ptr, 32);
    assert_memory_equal(qa.sgx.mr_signer.ptr, qb.sgx.mr_signer.ptr, 32);
    assert_int_equal(verify(ccs_buf_view(&a), CCS_TEE_SGX, true, ccs_time_now(), ccs_bytes_str("nonce"), &res),
                     CCS_OK);
    ccs_buf_free(&a);
    ccs_buf_free(&b);
}

/* Tampering with the signed quote body is caught by the quote signature. */
static void test_tampered(void **state) {
    (void)state;
    ccs_buf q = {0};
    ccs_dcap_result res;
    quote_of(CCS_PLATFORM_SIM_TDX, NULL, (const uint8_t *)"x", 1, &q);
    q.ptr[48 + 136] ^= 1; /* MRTD */
    assert_int_equal(verify(ccs_buf_view(&q), CCS_TEE_TDX, true, ccs_time_now(), ccs_bytes_of(NULL, 0), &res),
                     CCS_ERR_VERIFY);
    assert_int_equal(res.n_failed, 1);
    assert_string_equal(res.failed[0].name, CCS_CHECK_QUOTE_SIGNATURE);
    ccs_buf_free(&q);
}

/* The collateral is valid for a year; refresh re-signs it. */
static void test_expiry_and_refresh(void **state) {
    (void)state;
    ccs_buf q = {0};
    ccs_dcap_result res;
    quote_of(CCS_PLATFORM_SIM_SGX, NULL, (const uint8_t *)"x", 1, &q);
    ccs_time later = t0 + 400 * DAY;
    assert_int_equal(verify(ccs_buf_view(&q), CCS_TEE_SGX, true, later, ccs_bytes_of(NULL, 0), &res), CCS_ERR_VERIFY);
    assert_true(has_failed(&res, CCS_CHECK_TCB_INFO_WINDOW));
    assert_true(has_failed(&res, CCS_CHECK_PCK_CRL));
    assert_int_equal(ccs_sim_refresh(SIM_DIR, t0 + 300 * DAY), CCS_OK);
    if (verify(ccs_buf_view(&q), CCS_TEE_SGX, true, later, ccs_bytes_of(NULL, 0), &res) != CCS_OK)
        fail_msg("after refresh: %s", ccs_error_detail());
    assert_int_equal(ccs_sim_refresh(SIM_DIR, t0), CCS_OK);
    ccs_buf_free(&q);
}

static void test_init_refuses_existing(void **state) {
    (void)state;
    assert_int_equal(ccs_sim_init(SIM_DIR, t0, false), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_sim_refresh(CCS_TEST_TMP "/no-such-sim", t0), CCS_ERR_IO);
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = CCS_TEST_TMP "/no-such-sim"};
    ccs_backend *b = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_IO);
    assert_null(b);
    /* A directory others may write into is not used for keys and roots. */
    const char *shared = CCS_TEST_TMP "/sim-shared";
    (void)rmdir(shared);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    assert_int_equal(ccs_sim_init(shared, t0, true), CCS_ERR_POLICY);
    assert_non_null(strstr(ccs_error_detail(), "is writable by group or others (mode 777)"));
    assert_int_equal(rmdir(shared), 0);
}

static void test_file_modes_and_layout(void **state) {
    (void)state;
    static const char *const secret[] = {"private/root_ca.key",        "private/platform_ca.key",
                                         "private/tcb_signing.key",    "private/sgx_pck.key",
                                         "private/sgx_attestation.key", "private/sgx_seal_secret",
                                         "private/tdx_pck.key",        "private/tdx_seal_secret"};
    struct stat sb;
    char path[512];
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", SIM_DIR, secret[i]);
        assert_int_equal(stat(path, &sb), 0);
        if ((sb.st_mode & 0777) != 0600) fail_msg("%s has mode %o", secret[i], sb.st_mode & 0777);
    }
    assert_int_equal(stat(SIM_DIR "/private", &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* Each platform directory is a collateral directory. */
    ccs_collateral *c = NULL;
    uint8_t fmspc[6];
    assert_int_equal(ccs_collateral_load_dir(SIM_DIR "/tdx", &c), CCS_OK);
    assert_int_equal(ccs_collateral_tee(c), CCS_TEE_TDX);
    assert_int_equal(ccs_collateral_fmspc(c, fmspc), CCS_OK);
    assert_memory_equal(fmspc, ((uint8_t[]){0xCC, 0x51, 0, 0, 0, 2}), 6);
    assert_true(ccs_collateral_expiry(c) > t0 + 360 * DAY);
    ccs_collateral_free(c);
}

static void test_measurements(void **state) {
    (void)state;
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_TDX, .sim_dir = SIM_DIR};
    ccs_backend *b = NULL;
    char *js = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_backend_measurements(b, &js), CCS_OK);
    assert_non_null(strstr(js, "\"mr_td\""));
    assert_non_null(strstr(js, "\"insecure\": true"));
    free(js);
    ccs_backend_free(b);
}

int ccs_test_sim(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_round_trip),      cmocka_unit_test(test_tdx_round_trip),
        cmocka_unit_test(test_default_measurement), cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_expiry_and_refresh),  cmocka_unit_test(test_init_refuses_existing),
        cmocka_unit_test(test_file_modes_and_layout), cmocka_unit_test(test_measurements),
    };
    return cmocka_run_group_tests_name("tee/sim", tests, setup, NULL);
}
