/* RA-TLS endorsements (2.23.133.5.4.2): sim-sgx and sim-tdx certificates
 * carrying their collateral verify with nothing but the sim root; tampered
 * or foreign endorsements are refused by the DCAP checks; collateral for
 * another TEE is refused at creation; a configured source wins over the
 * endorsements; and the parser refuses truncated, flipped, oversized and
 * mistyped CBOR with the exact status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

#define SIM_DIR CCS_TEST_TMP "/esim"
#define OTHER_DIR CCS_TEST_TMP "/esim_other"
#define ROOT_ONLY CCS_TEST_TMP "/esim_root" /* root_ca.pem and nothing else */

static ccs_time t0;

static int setup(void **state) {
    (void)state;
    ccs_buf root = {0};
    t0 = ccs_time_now();
    mkdir(ROOT_ONLY, 0755);
    ccs_status st = ccs_sim_init(SIM_DIR, t0, true);
    if (st == CCS_OK) st = ccs_sim_init(OTHER_DIR, t0, true);
    if (st == CCS_OK) st = ccs_file_read(SIM_DIR "/root_ca.pem", 1 << 16, &root);
    if (st == CCS_OK) st = ccs_file_write(ROOT_ONLY "/root_ca.pem", ccs_buf_view(&root));
    ccs_buf_free(&root);
    if (st != CCS_OK) fprintf(stderr, "setup: %s\n", ccs_error_detail());
    return st == CCS_OK ? 0 : -1;
}

static ccs_tee tee_of(ccs_platform p) { return p == CCS_PLATFORM_SIM_TDX ? CCS_TEE_TDX : CCS_TEE_SGX; }

static ccs_collateral *sim_coll(const char *dir, ccs_tee tee) {
    ccs_collateral *c = NULL;
    if (ccs_sim_trust_load(dir, tee, NULL, &c) != CCS_OK) fail_msg("collateral: %s", ccs_error_detail());
    return c;
}

static ccs_status create(ccs_platform p, const ccs_collateral *endorse, ccs_x509 **c, ccs_privkey **k) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = SIM_DIR};
    ccs_ratls_create_options o = {.now = t0, .endorsements = endorse};
    ccs_backend *b = NULL;
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open: %s", ccs_error_detail());
    ccs_status st = ccs_ratls_cert_create(b, &o, c, k);
    ccs_backend_free(b);
    return st;
}

static bool has_check(const ccs_ratls_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    for (size_t i = 0; i < r->dcap.n_failed; i++)
        if (strcmp(r->dcap.failed[i].name, name) == 0) return true;
    return false;
}

static ccs_status verify(ccs_bytes der, const char *trust, const char *coll, ccs_ratls_result *r) {
    ccs_ratls_verify_options o = {.now = t0, .insecure_trust_sim_dir = trust, .collateral = coll};
    return ccs_ratls_verify_cert(der, &o, r);
}

static void round_trip(ccs_platform p) {
    ccs_tee tee = tee_of(p);
    ccs_collateral *coll = sim_coll(SIM_DIR, tee);
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    ccs_ratls_evidence e;
    char why[512];
    assert_int_equal(create(p, coll, &c, &k), CCS_OK);
    /* Parsed: the evidence's tag, the version emitted, a creation time. */
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(c), &e), CCS_OK);
    assert_true(e.has_endorsements);
    assert_int_equal(e.endorsements.tag, e.tag);
    assert_int_equal(e.endorsements.version, CCS_RATLS_ENDORSEMENTS_VERSION);
    assert_int_equal(e.endorsements.creation_datetime.len, 20);
    ccs_ratls_evidence_clear(&e);
    /* Only the sim root is trusted: the collateral is the certificate's. */
    ccs_status st = verify(ccs_x509_der(c), ROOT_ONLY, NULL, &r);
    ccs_ratls_result_reasons(&r, why, sizeof why);
    if (st != CCS_OK) fail_msg("verify: %s", why);
    assert_true(r.pass && r.sim);
    assert_string_equal(r.collateral_source, "endorsements");
    assert_int_equal(r.tee, tee);
    /* The cached verifier takes them too. */
    ccs_ratls_verify_options vo = {.now = t0, .insecure_trust_sim_dir = ROOT_ONLY};
    ccs_ratls_verifier *v = NULL;
    assert_int_equal(ccs_ratls_verifier_new(&vo, NULL, &v), CCS_OK);
    assert_int_equal(ccs_ratls_verifier_check(v, ccs_x509_der(c), &r), CCS_OK);
    assert_string_equal(r.collateral_source, "endorsements");
    ccs_ratls_verifier_free(v);
    /* A configured source wins: the sim dir's own, then an explicit path. */
    assert_int_equal(verify(ccs_x509_der(c), SIM_DIR, NULL, &r), CCS_OK);
    assert_string_equal(r.collateral_source, "sim");
    assert_int_equal(verify(ccs_x509_der(c), ROOT_ONLY, tee == CCS_TEE_SGX ? SIM_DIR "/sgx" : SIM_DIR "/tdx", &r),
                     CCS_OK);
    assert_string_equal(r.collateral_source, "collateral");
    /* Without the sim trust the endorsements meet the Intel root: refused. */
    assert_int_equal(verify(ccs_x509_der(c), NULL, NULL, &r), CCS_ERR_VERIFY);
    assert_string_equal(r.collateral_source, "endorsements");
    assert_true(has_check(&r, "pck_chain"));
    assert_true(has_check(&r, "tcb_info_signature"));
    ccs_x509_free(c);
    ccs_privkey_free(k);
    ccs_collateral_free(coll);
}

static void test_sgx_round_trip(void **state) {
    (void)state;
    round_trip(CCS_PLATFORM_SIM_SGX);
}

static void test_tdx_round_trip(void **state) {
    (void)state;
    round_trip(CCS_PLATFORM_SIM_TDX);
}

/* No endorsements and no collateral source: the collateral check fails. */
static void test_none(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    assert_int_equal(create(CCS_PLATFORM_SIM_SGX, NULL, &c, &k), CCS_OK);
    assert_int_equal(verify(ccs_x509_der(c), ROOT_ONLY, NULL, &r), CCS_ERR_VERIFY);
    assert_true(has_check(&r, CCS_RATLS_CHECK_COLLATERAL));
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

/* Collateral whose TCB Info text was changed after signing (a level made
 * better than it is) is carried faithfully, and the DCAP verifier refuses
 * its signature. */
static void test_tampered(void **state) {
    (void)state;
    ccs_collateral *coll = sim_coll(SIM_DIR, CCS_TEE_SGX), *bad = NULL;
    ccs_collateral_raw raw;
    ccs_buf tcb = {0};
    ccs_collateral_raw_view(coll, &raw);
    assert_int_equal(ccs_buf_set(&tcb, raw.tcb_info), CCS_OK);
    char *n = memmem(tcb.ptr, tcb.len, "\"tcbEvaluationDataNumber\":17", 28);
    assert_non_null(n);
    n[27] = '8';
    raw.tcb_info = ccs_buf_view(&tcb);
    assert_int_equal(ccs_collateral_load(&raw, &bad), CCS_OK);
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    assert_int_equal(create(CCS_PLATFORM_SIM_SGX, bad, &c, &k), CCS_OK);
    assert_int_equal(verify(ccs_x509_der(c), ROOT_ONLY, NULL, &r), CCS_ERR_VERIFY);
    assert_string_equal(r.collateral_source, "endorsements");
    assert_true(has_check(&r, CCS_RATLS_CHECK_EVIDENCE));
    assert_true(has_check(&r, "tcb_info_signature"));
    assert_false(has_check(&r, "qe_identity_signature"));
    ccs_x509_free(c);
    ccs_privkey_free(k);
    ccs_collateral_free(bad);
    ccs_collateral_free(coll);
    ccs_buf_free(&tcb);
}

/* Collateral of another sim root: every signed piece fails to chain. */
static void test_foreign(void **state) {
    (void)state;
    ccs_collateral *other = sim_coll(OTHER_DIR, CCS_TEE_TDX);
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    assert_int_equal(create(CCS_PLATFORM_SIM_TDX, other, &c, &k), CCS_OK);
    assert_int_equal(verify(ccs_x509_der(c), ROOT_ONLY, NULL, &r), CCS_ERR_VERIFY);
    assert_true(has_check(&r, "tcb_info_signature"));
    assert_true(has_check(&r, "qe_identity_signature"));
    ccs_x509_free(c);
    ccs_privkey_free(k);
    ccs_collateral_free(other);
}

/* TDX collateral for an SGX quote is refused when the certificate is made. */
static void test_wrong_tee(void **state) {
    (void)state;
    ccs_collateral *tdx = sim_coll(SIM_DIR, CCS_TEE_TDX);
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    assert_int_equal(create(CCS_PLATFORM_SIM_SGX, tdx, &c, &k), CCS_ERR_MISMATCH);
    assert_null(c);
    assert_null(k);
    ccs_collateral_free(tdx);
}

/* A certificate whose endorsements carry TCB Info for another TEE than its
 * quote (tests/data/ratls/MANIFEST.md; found by fuzz_ratls_ext: the refusal
 * read the collateral after freeing it): the collateral check fails with
 * both TEEs named. */
static void test_endorsements_other_tee(void **state) {
    (void)state;
    ccs_buf der = {0};
    assert_int_equal(ccs_file_read(CCS_TEST_DATA "/ratls/endorse_other_tee.der", 1 << 20, &der), CCS_OK);
    ccs_ratls_verify_options o = {.now = 1750330800};
    static ccs_ratls_result r;
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, &r), CCS_ERR_VERIFY);
    assert_string_equal(r.collateral_source, "endorsements");
    const char *msg = NULL;
    for (size_t i = 0; i < r.n_failed; i++)
        if (strcmp(r.failed[i].name, CCS_RATLS_CHECK_COLLATERAL) == 0) msg = r.failed[i].message;
    assert_non_null(msg);
    assert_non_null(strstr(msg, "endorsements: the TCB Info is for sgx, the quote is tdx")); /* + file:line in debug builds */
    ccs_buf_free(&der);
}

int ccs_test_ratls_endorse(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_round_trip), cmocka_unit_test(test_tdx_round_trip), cmocka_unit_test(test_none),
        cmocka_unit_test(test_tampered),       cmocka_unit_test(test_foreign),        cmocka_unit_test(test_wrong_tee),
        cmocka_unit_test(test_endorsements_other_tee),
    };
    return cmocka_run_group_tests_name("ratls_endorse", tests, setup, NULL);
}
