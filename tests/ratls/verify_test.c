/* RA-TLS create + verify with the sim platform (a sim dir made in
 * CCS_TEST_TMP): sim-sgx and sim-tdx round trips (P-256 and P-384), the
 * legacy SGX extension alone, and refusals: evidence spliced from another
 * certificate, a flipped quote byte, no sim trust, a wrong nonce, expiry. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

#define SIM_DIR CCS_TEST_TMP "/sim"

static ccs_time t0;

static int setup(void **state) {
    (void)state;
    t0 = ccs_time_now();
    ccs_status st = ccs_sim_init(SIM_DIR, t0, true);
    if (st != CCS_OK) fprintf(stderr, "sim init: %s\n", ccs_error_detail());
    return st == CCS_OK ? 0 : -1;
}

static void create(ccs_platform p, const ccs_ratls_create_options *o, ccs_x509 **c, ccs_privkey **k) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = SIM_DIR};
    ccs_backend *b = NULL;
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open: %s", ccs_error_detail());
    if (ccs_ratls_cert_create(b, o, c, k) != CCS_OK) fail_msg("create: %s", ccs_error_detail());
    ccs_backend_free(b);
}

static bool failed(const ccs_ratls_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    for (size_t i = 0; i < r->dcap.n_failed; i++)
        if (strcmp(r->dcap.failed[i].name, name) == 0) return true;
    return false;
}

static ccs_status verify(ccs_bytes der, bool trust, ccs_ratls_result *r) {
    ccs_ratls_verify_options o = {.now = t0, .insecure_trust_sim_dir = trust ? SIM_DIR : NULL};
    return ccs_ratls_verify_cert(der, &o, r);
}

static void round_trip(ccs_platform p, ccs_curve curve, ccs_tee tee) {
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_create_options o = {.curve = curve, .now = t0};
    ccs_ratls_result r;
    ccs_ratls_evidence e;
    create(p, &o, &c, &k);
    assert_int_equal(ccs_privkey_curve(k), curve);
    ccs_status st = verify(ccs_x509_der(c), true, &r);
    if (st != CCS_OK) {
        char why[512];
        ccs_ratls_result_reasons(&r, why, sizeof why);
        fail_msg("verify: %s", why);
    }
    assert_true(r.pass);
    assert_true(r.sim);
    assert_int_equal(r.format, CCS_RATLS_FORMAT_TCG);
    assert_int_equal(r.tee, tee);
    assert_int_equal(r.tag, tee == CCS_TEE_SGX ? 60000u : 0x1a7501u);
    /* The parsed binding: pubkey hash with the key's own digest. */
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(c), &e), CCS_OK);
    assert_int_equal(e.pubkey_hash_alg, curve == CCS_CURVE_P384 ? CCS_HASH_SHA384 : CCS_HASH_SHA256);
    assert_memory_equal(r.dcap.report_data, e.report_data, 64);
    ccs_ratls_evidence_clear(&e);
    /* SGX also carries the raw quote under Intel's OID; TDX does not. */
    ccs_bytes legacy;
    assert_int_equal(ccs_x509_extension(c, CCS_RATLS_OID_INTEL_QUOTE, &legacy),
                     tee == CCS_TEE_SGX ? CCS_OK : CCS_ERR_NOT_FOUND);
    /* Without the sim trust: refused. */
    assert_int_equal(verify(ccs_x509_der(c), false, &r), CCS_ERR_VERIFY);
    assert_false(r.pass);
    assert_true(failed(&r, CCS_RATLS_CHECK_COLLATERAL));
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_sgx_round_trip(void **state) {
    (void)state;
    round_trip(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, CCS_TEE_SGX);
    round_trip(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P384, CCS_TEE_SGX);
}

static void test_tdx_round_trip(void **state) {
    (void)state;
    round_trip(CCS_PLATFORM_SIM_TDX, CCS_CURVE_P256, CCS_TEE_TDX);
    round_trip(CCS_PLATFORM_SIM_TDX, CCS_CURVE_P384, CCS_TEE_TDX);
}

/* A certificate for key k with the given extensions. */
static ccs_x509 *cert_with(const ccs_privkey *k, const ccs_x509_ext *exts, size_t n) {
    ccs_x509 *c = NULL;
    ccs_x509_spec spec = {.subject_cn = "spliced", .serial = 9, .not_before = t0 - 60, .not_after = t0 + 3600,
                          .exts = exts, .n_exts = n};
    assert_int_equal(ccs_x509_build(&spec, k, NULL, k, &c), CCS_OK);
    return c;
}

static void test_no_trust_with_collateral(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    create(CCS_PLATFORM_SIM_SGX, NULL, &c, &k);
    /* The sim collateral, but the Intel root: the PCK chain does not verify. */
    ccs_ratls_verify_options o = {.now = t0, .collateral = SIM_DIR "/sgx"};
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_ERR_VERIFY);
    assert_false(r.sim);
    assert_true(failed(&r, CCS_CHECK_PCK_CHAIN));
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_spliced(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *b = NULL, *c = NULL;
    ccs_privkey *ka = NULL, *kb = NULL;
    ccs_ratls_result r;
    ccs_ratls_evidence ea, eb;
    create(CCS_PLATFORM_SIM_SGX, NULL, &a, &ka);
    create(CCS_PLATFORM_SIM_SGX, NULL, &b, &kb);

    /* A's whole extension on a certificate for B's key. */
    ccs_bytes ext;
    assert_int_equal(ccs_x509_extension(a, CCS_RATLS_OID_TCG_EVIDENCE, &ext), CCS_OK);
    ccs_x509_ext x = {.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ext};
    c = cert_with(kb, &x, 1);
    assert_int_equal(verify(ccs_x509_der(c), true, &r), CCS_ERR_VERIFY);
    assert_true(failed(&r, CCS_RATLS_CHECK_PUBKEY_HASH));
    ccs_x509_free(c);

    /* B's claims (the right pubkey hash) with A's quote: the report data. */
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(a), &ea), CCS_OK);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(b), &eb), CCS_OK);
    ccs_buf spliced = {0};
    assert_int_equal(ratls_tcg_encode(60000, ccs_buf_view(&ea.evidence), ccs_buf_view(&eb.claims), &spliced), CCS_OK);
    x.der = ccs_buf_view(&spliced);
    c = cert_with(kb, &x, 1);
    assert_int_equal(verify(ccs_x509_der(c), true, &r), CCS_ERR_VERIFY);
    assert_false(failed(&r, CCS_RATLS_CHECK_PUBKEY_HASH));
    assert_true(failed(&r, CCS_CHECK_REPORT_DATA));
    ccs_x509_free(c);

    /* A's legacy raw quote on B's key. */
    assert_int_equal(ccs_x509_extension(a, CCS_RATLS_OID_INTEL_QUOTE, &ext), CCS_OK);
    x = (ccs_x509_ext){.oid = CCS_RATLS_OID_INTEL_QUOTE, .der = ext};
    c = cert_with(kb, &x, 1);
    assert_int_equal(verify(ccs_x509_der(c), true, &r), CCS_ERR_VERIFY);
    assert_int_equal(r.format, CCS_RATLS_FORMAT_INTEL_LEGACY);
    assert_true(failed(&r, CCS_CHECK_REPORT_DATA));
    ccs_x509_free(c);
    /* ... and on A's own key, alone and under Gramine's OID: accepted. */
    c = cert_with(ka, &x, 1);
    assert_int_equal(verify(ccs_x509_der(c), true, &r), CCS_OK);
    assert_int_equal(r.format, CCS_RATLS_FORMAT_INTEL_LEGACY);
    ccs_x509_free(c);
    x.oid = CCS_RATLS_OID_GRAMINE_LEGACY;
    c = cert_with(ka, &x, 1);
    assert_int_equal(verify(ccs_x509_der(c), true, &r), CCS_OK);
    assert_int_equal(r.format, CCS_RATLS_FORMAT_GRAMINE_LEGACY);
    ccs_x509_free(c);

    ccs_buf_free(&spliced);
    ccs_ratls_evidence_clear(&ea);
    ccs_ratls_evidence_clear(&eb);
    ccs_x509_free(a);
    ccs_x509_free(b);
    ccs_privkey_free(ka);
    ccs_privkey_free(kb);
}

static void test_flipped_quote(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *c = NULL;
    ccs_privkey *ka = NULL;
    ccs_ratls_result r;
    ccs_ratls_evidence ea;
    create(CCS_PLATFORM_SIM_TDX, NULL, &a, &ka);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(a), &ea), CCS_OK);
    ea.evidence.ptr[48 + 200] ^= 1; /* inside the TD report body */
    ccs_buf ext = {0};
    assert_int_equal(ratls_tcg_encode(0x1a7501, ccs_buf_view(&ea.evidence), ccs_buf_view(&ea.claims), &ext), CCS_OK);
    ccs_x509_ext x = {.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ccs_buf_view(&ext)};
    c = cert_with(ka, &x, 1);
    assert_int_equal(verify(ccs_x509_der(c), true, &r), CCS_ERR_VERIFY);
    assert_true(failed(&r, CCS_CHECK_QUOTE_SIGNATURE));
    ccs_x509_free(c);
    ccs_buf_free(&ext);
    ccs_ratls_evidence_clear(&ea);
    ccs_x509_free(a);
    ccs_privkey_free(ka);
}

static void test_nonce_and_validity(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result r;
    ccs_ratls_create_options co = {.nonce = ccs_bytes_str("session-1"), .now = t0, .validity_s = 600};
    create(CCS_PLATFORM_SIM_SGX, &co, &c, &k);
    ccs_ratls_verify_options o = {.now = t0, .insecure_trust_sim_dir = SIM_DIR,
                                  .expected_nonce = ccs_bytes_str("session-1")};
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_OK);
    o.expected_nonce = ccs_bytes_str("session-2");
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_ERR_VERIFY);
    assert_true(failed(&r, CCS_RATLS_CHECK_NONCE));
    o.expected_nonce = ccs_bytes_of(NULL, 0);
    o.now = t0 + 601;
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_ERR_VERIFY);
    assert_true(failed(&r, CCS_RATLS_CHECK_VALIDITY));
    o.ignore_validity = true;
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, &r), CCS_OK);
    /* A flipped signature byte (the DER's last byte: inside s). */
    ccs_buf bad = {0};
    assert_int_equal(ccs_buf_set(&bad, ccs_x509_der(c)), CCS_OK);
    bad.ptr[bad.len - 1] ^= 1;
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&bad), &o, &r), CCS_ERR_VERIFY);
    assert_true(failed(&r, CCS_RATLS_CHECK_SIGNATURE));
    assert_int_equal(r.n_failed, 1);
    ccs_buf_free(&bad);
    /* Not a certificate at all. */
    assert_int_equal(ccs_ratls_verify_cert(ccs_bytes_str("junk"), &o, &r), CCS_ERR_VERIFY);
    assert_true(failed(&r, CCS_RATLS_CHECK_FORMAT));
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_save_modes(void **state) {
    (void)state;
    ccs_x509 *c = NULL, *back = NULL;
    ccs_privkey *k = NULL;
    struct stat sb;
    create(CCS_PLATFORM_SIM_SGX, NULL, &c, &k);
    assert_int_equal(ccs_ratls_save(c, k, CCS_TEST_TMP "/cert.pem", CCS_TEST_TMP "/key.pem"), CCS_OK);
    assert_int_equal(stat(CCS_TEST_TMP "/key.pem", &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    ccs_buf pem = {0};
    assert_int_equal(ccs_file_read(CCS_TEST_TMP "/cert.pem", 1 << 20, &pem), CCS_OK);
    assert_int_equal(ccs_x509_parse_pem(ccs_buf_view(&pem), &back), CCS_OK);
    assert_true(ccs_x509_equal(c, back));
    ccs_buf_free(&pem);
    ccs_x509_free(back);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_unsupported_platform(void **state) {
    (void)state;
    /* Argument guards (a TPM backend would need a TPM: its refusal,
     * CCS_ERR_UNSUPPORTED, is not exercised here). */
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    assert_int_equal(ccs_ratls_cert_create(NULL, NULL, &c, &k), CCS_ERR_INVALID_ARG);
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = SIM_DIR};
    ccs_backend *b = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    ccs_ratls_create_options o = {.curve = (ccs_curve)9};
    assert_int_equal(ccs_ratls_cert_create(b, &o, &c, &k), CCS_ERR_INVALID_ARG);
    ccs_backend_free(b);
}

int ccs_test_ratls_verify(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_round_trip),   cmocka_unit_test(test_tdx_round_trip),
        cmocka_unit_test(test_no_trust_with_collateral), cmocka_unit_test(test_spliced),
        cmocka_unit_test(test_flipped_quote),    cmocka_unit_test(test_nonce_and_validity),
        cmocka_unit_test(test_save_modes),       cmocka_unit_test(test_unsupported_platform),
    };
    return cmocka_run_group_tests_name("ratls/verify", tests, setup, NULL);
}
