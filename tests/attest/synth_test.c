/*
 * DCAP verifier cases that the recorded real quotes cannot cover, on a test
 * PKI built at test time (synth.c): revocation, expiry, collateral windows,
 * identity mismatches, TCB level selection and convergence, TDX module
 * identities, tampering, caching and concurrent use. Each case asserts the
 * return status, the verdict, the TCB status and the exact list of failed
 * checks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest_tests.h"
#include "ccs/attest.h"
#include "synth.h"

static synth_ctx *g_ctx;

#define FAILS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

/* Verification options of a case; zero values mean: at SYNTH_T, trusting the
 * synthetic root. */
typedef struct vopt {
    ccs_time now;
    unsigned accept;
    bool allow_debug;
    ccs_bytes report_data;
    bool intel_root;              /* do not set insecure_root */
    void (*tamper)(synth_out *o); /* applied to the built evidence before loading */
} vopt;

static void assert_failed(const ccs_dcap_result *r, const char *const *want) {
    size_t n = 0;
    bool ok;
    while (want[n]) n++;
    ok = n == r->n_failed;
    for (size_t i = 0; ok && i < n; i++) ok = strcmp(r->failed[i].name, want[i]) == 0;
    if (ok) return;
    print_message("expected failed checks:");
    for (size_t i = 0; i < n; i++) print_message(" %s", want[i]);
    print_message("\nactual failed checks:\n");
    for (size_t i = 0; i < r->n_failed; i++) print_message("  %s: %s\n", r->failed[i].name, r->failed[i].message);
    fail_msg("failed checks differ");
}

static void assert_outcome(ccs_status st, const ccs_dcap_result *r, ccs_status want_st, ccs_tcb_status want_tcb,
                           const char *const *want) {
    assert_failed(r, want);
    assert_int_equal(st, want_st);
    assert_int_equal(r->pass, want_st == CCS_OK);
    if (r->tcb_status != want_tcb)
        fail_msg("tcb_status %s, expected %s", ccs_tcb_status_name(r->tcb_status), ccs_tcb_status_name(want_tcb));
}

static ccs_dcap_options make_opts(const vopt *vo, const synth_out *o) {
    ccs_dcap_options opt = {0};
    opt.now = vo && vo->now ? vo->now : SYNTH_T;
    if (vo) {
        opt.accept_tcb = vo->accept;
        opt.allow_debug = vo->allow_debug;
        opt.report_data = vo->report_data;
    }
    if (!(vo && vo->intel_root)) opt.insecure_root = o->root;
    return opt;
}

/* Builds the evidence of cfg, loads its collateral, verifies, and checks the
 * outcome. res (optional) receives the result. */
static void verify_case(const synth_config *cfg, const vopt *vo, ccs_status want_st, ccs_tcb_status want_tcb,
                        const char *const *want, ccs_dcap_result *res) {
    synth_out o;
    ccs_collateral *coll = NULL;
    ccs_dcap_result r;
    assert_int_equal(synth_build(g_ctx, cfg, &o), 0);
    if (vo && vo->tamper) vo->tamper(&o);
    assert_int_equal(ccs_collateral_load(&o.raw, &coll), CCS_OK);
    ccs_dcap_options opt = make_opts(vo, &o);
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&o.quote), coll, &opt, &r);
    if (res) *res = r;
    ccs_collateral_free(coll);
    synth_out_free(&o);
    assert_outcome(st, &r, want_st, want_tcb, want);
}

static void sgx_cfg(synth_config *c) { synth_config_default(c, CCS_TEE_SGX); }
static void tdx_cfg(synth_config *c) { synth_config_default(c, CCS_TEE_TDX); }

static ccs_time at(const char *s) {
    ccs_time t = 0;
    assert_int_equal(ccs_time_parse(s, &t), CCS_OK);
    return t;
}

static void assert_advisories(const ccs_dcap_result *r, const char *const *want) {
    size_t n = 0;
    while (want[n]) n++;
    if (r->n_advisories != n) fail_msg("%zu advisories, expected %zu", r->n_advisories, n);
    for (size_t i = 0; i < n; i++) assert_string_equal(r->advisory_ids[i], want[i]);
}

/* ---- baselines -------------------------------------------------------------------------------- */

static void test_sgx_baseline(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.tee, CCS_TEE_SGX);
    assert_int_equal(r.quote_version, 3);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.qe_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.n_advisories, 0);
    assert_false(r.debug);
    assert_memory_equal(r.fmspc, synth_fmspc, 6);
    assert_memory_equal(r.sgx.mr_enclave, c.mr_enclave, 32);
    assert_memory_equal(r.sgx.mr_signer, c.mr_signer, 32);
    assert_memory_equal(r.report_data, c.report_data, 64);
    /* The earliest tcbDate of the matched levels (QE level 2024-03-13). */
    assert_int_equal(r.tcb_date, at("2024-03-13T00:00:00Z"));
    char *json = NULL;
    assert_int_equal(ccs_dcap_result_json(&r, &json), CCS_OK);
    assert_non_null(strstr(json, "UpToDate"));
    free(json);
}

static void test_tdx_baseline(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    tdx_cfg(&c);
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.tee, CCS_TEE_TDX);
    assert_int_equal(r.quote_version, 4);
    assert_int_equal(r.tdx_module_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.qe_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_memory_equal(r.tdx.tee_tcb_svn, c.tee_tcb_svn, 16);
    assert_memory_equal(r.report_data, c.report_data, 64);
    assert_false(r.debug);
}

static void test_tdx_v5_baseline(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    tdx_cfg(&c);
    c.version = 5;
    c.body_type = 3;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.quote_version, 5);
    assert_memory_equal(r.report_data, c.report_data, 64);
    c.body_type = 2;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

/* The dcap-qvl layout: inner object text and hex signature given apart. */
static void test_split_layout(void **state) {
    (void)state;
    synth_config c;
    synth_out o;
    ccs_collateral *coll = NULL;
    ccs_dcap_result r;
    sgx_cfg(&c);
    assert_int_equal(synth_build(g_ctx, &c, &o), 0);
    ccs_collateral_raw raw = o.raw;
    raw.tcb_info = ccs_buf_view(&o.tcb_info_body);
    raw.tcb_info_signature = ccs_buf_view(&o.tcb_info_sig);
    raw.qe_identity = ccs_buf_view(&o.qe_identity_body);
    raw.qe_identity_signature = ccs_buf_view(&o.qe_identity_sig);
    assert_int_equal(ccs_collateral_load(&raw, &coll), CCS_OK);
    ccs_dcap_options opt = make_opts(NULL, &o);
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&o.quote), coll, &opt, &r);
    assert_outcome(st, &r, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    ccs_collateral_free(coll);
    synth_out_free(&o);
}

/* Without insecure_root the pinned Intel root is the anchor: nothing chains. */
static void test_untrusted_root(void **state) {
    (void)state;
    synth_config c;
    vopt vo = {.intel_root = true};
    const char *const *want =
        FAILS(CCS_CHECK_PCK_CHAIN, CCS_CHECK_ROOT_CA_CRL, CCS_CHECK_TCB_INFO_SIGNATURE,
              CCS_CHECK_QE_IDENTITY_SIGNATURE);
    sgx_cfg(&c);
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, want, NULL);
    tdx_cfg(&c);
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, want, NULL);
}

/* The signed bytes are exactly what was served: whitespace and newlines in
 * the inner objects are kept (never re-serialised). */
static void test_json_pretty(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.json_pretty = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    tdx_cfg(&c);
    c.json_pretty = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    /* Hex in either case (FMSPC, PCE ID, MRSIGNER, masks). */
    c.json_lower_hex = true;
    c.pck_fmspc[1] = c.tcb_fmspc[1] = 0xAB;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

/* Quotes delivered in padded buffers verify (shared specs section 2). */
static void pad_zero(synth_out *o) {
    static const uint8_t z[70] = {0};
    assert_int_equal(ccs_buf_append(&o->quote, z, sizeof z), CCS_OK);
}
static void pad_junk(synth_out *o) {
    assert_int_equal(ccs_buf_append(&o->quote, "junk after the signature data", 29), CCS_OK);
}

static void test_quote_padding(void **state) {
    (void)state;
    synth_config c;
    vopt vo = {.tamper = pad_zero};
    tdx_cfg(&c);
    verify_case(&c, &vo, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    vo.tamper = pad_junk;
    verify_case(&c, &vo, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    sgx_cfg(&c);
    verify_case(&c, &vo, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

/* ---- CRLs and certificate validity ------------------------------------------------------------- */

static void test_pck_revoked(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.pck_crl_revoke_pck = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    tdx_cfg(&c);
    c.pck_crl_revoke_pck = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
}

static void test_ca_revoked(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.root_crl_revoke_ca = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_ROOT_CA_CRL), NULL);
}

static void test_tcb_signer_revoked(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.root_crl_revoke_tcb_signer = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN,
                FAILS(CCS_CHECK_TCB_INFO_SIGNATURE, CCS_CHECK_QE_IDENTITY_SIGNATURE), NULL);
}

static void test_pck_crl_window(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.pck_crl_this = SYNTH_T - 40 * SYNTH_DAY;
    c.pck_crl_next = SYNTH_T - SYNTH_DAY; /* expired */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    sgx_cfg(&c);
    c.pck_crl_this = SYNTH_T + 60; /* not yet issued */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    sgx_cfg(&c);
    c.pck_crl_present = false;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    /* [thisUpdate, nextUpdate), as OpenSSL holds a CRL: valid at exactly
     * thisUpdate and the second before nextUpdate, not at nextUpdate. */
    sgx_cfg(&c);
    c.pck_crl_this = SYNTH_T;
    c.pck_crl_next = SYNTH_T + 1;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    sgx_cfg(&c);
    c.pck_crl_this = SYNTH_T - 10 * SYNTH_DAY;
    c.pck_crl_next = SYNTH_T;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
}

static void test_root_crl(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.root_crl_present = false;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_ROOT_CA_CRL), NULL);
    sgx_cfg(&c);
    c.root_crl_this = SYNTH_T - 40 * SYNTH_DAY;
    c.root_crl_next = SYNTH_T - SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_ROOT_CA_CRL), NULL);
}

/* DER CRLs whose last byte is 0x00 or 0x0a load as they are (no trimming). */
static void test_crl_der_tail(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.crl_awkward_tail = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    c.pck_crl_revoke_pck = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
}

static void test_pck_crl_rogue_signer(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.pck_crl_rogue_signer = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    /* A rogue CRL that would also revoke the PCK is still just "not from the CA". */
    c.pck_crl_revoke_pck = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
}

static bool has_failed(const ccs_dcap_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    return false;
}

/* The PCK's real issuer (Platform CA, serial 2) is revoked by the Root CA
 * CRL. The quote's chain is leaf, decoy, real CA, root, where the decoy is
 * another valid, unrevoked "Intel SGX PCK Platform CA" (same name, own key,
 * as after a CA re-key) that did not sign the leaf, and the PCK CRL is the
 * decoy key's (the current CRL after such a re-key). Revocation must be
 * judged on the path that was validated, so this must fail.

 * The verifier admits only PCK, CA and root in the chain, so the decoy
 * makes the chain itself fail. */
static void test_pck_ca_decoy(void **state) {
    (void)state;
    synth_config c;
    synth_out o;
    ccs_collateral *coll = NULL;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.pck_decoy_ca = true;
    c.pck_crl_rogue_signer = true; /* signed by the decoy's key */
    c.root_crl_revoke_ca = true;   /* the real issuer is revoked */
    assert_int_equal(synth_build(g_ctx, &c, &o), 0);
    assert_int_equal(ccs_collateral_load(&o.raw, &coll), CCS_OK);
    ccs_dcap_options opt = make_opts(NULL, &o);
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&o.quote), coll, &opt, &r);
    ccs_collateral_free(coll);
    synth_out_free(&o);
    assert_int_equal(st, CCS_ERR_VERIFY);
    assert_false(r.pass);
    assert_true(has_failed(&r, CCS_CHECK_ROOT_CA_CRL) || has_failed(&r, CCS_CHECK_PCK_CHAIN));
}

static void test_pck_expired(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.pck_not_after = SYNTH_T - SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), NULL);
    sgx_cfg(&c);
    c.pck_not_before = SYNTH_T + SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), NULL);
    tdx_cfg(&c);
    c.pck_not_after = SYNTH_T - SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), NULL);
}

static void test_tcb_signer_expired(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.tcb_signer_not_after = SYNTH_T - SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN,
                FAILS(CCS_CHECK_TCB_INFO_SIGNATURE, CCS_CHECK_QE_IDENTITY_SIGNATURE), NULL);
}

/* ---- collateral windows and binding -------------------------------------------------------------- */

static void test_tcb_info_window(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.tcb_issue = SYNTH_T + SYNTH_DAY;
    c.tcb_next = SYNTH_T + 31 * SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_TCB_INFO_WINDOW), NULL);
    sgx_cfg(&c);
    c.tcb_issue = SYNTH_T - 40 * SYNTH_DAY;
    c.tcb_next = SYNTH_T - 10 * SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_TCB_INFO_WINDOW), NULL);
}

static void test_qe_identity_window(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.qe_issue = SYNTH_T + SYNTH_DAY;
    c.qe_next = SYNTH_T + 31 * SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_IDENTITY_WINDOW), NULL);
    tdx_cfg(&c);
    c.qe_issue = SYNTH_T - 40 * SYNTH_DAY;
    c.qe_next = SYNTH_T - 10 * SYNTH_DAY;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_IDENTITY_WINDOW), NULL);
}

static void test_fmspc_pce_mismatch(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.tcb_fmspc[5] = 0x01;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_FMSPC), NULL);
    sgx_cfg(&c);
    c.tcb_pce_id[1] = 0x01;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCE_ID), NULL);
    tdx_cfg(&c);
    c.pck_fmspc[0] = 0x01;
    c.pck_pce_id[0] = 0x01;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_FMSPC, CCS_CHECK_PCE_ID), NULL);
}

static void test_wrong_tee_collateral(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.tcb_id = "TDX"; /* a valid, signed TDX TCB Info for an SGX quote */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_TCB_INFO), NULL);
    tdx_cfg(&c);
    c.tcb_id = "SGX";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_TCB_INFO), NULL);
    sgx_cfg(&c);
    c.qe_id = "TD_QE";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_IDENTITY), NULL);
    tdx_cfg(&c);
    c.qe_id = "QE";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_IDENTITY), NULL);
}

/* ---- QE identity ------------------------------------------------------------------------------ */

static void test_qe_identity_mismatch(void **state) {
    (void)state;
    synth_config c;
    const char *const *want = FAILS(CCS_CHECK_QE_IDENTITY_MATCH);
    sgx_cfg(&c);
    c.qe_mrsigner[31] ^= 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, want, NULL);
    sgx_cfg(&c);
    c.qe_isvprodid = 3;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, want, NULL);
    sgx_cfg(&c);
    c.qe_attributes[1] = 0x01; /* under the mask */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, want, NULL);
    sgx_cfg(&c);
    c.qe_miscselect = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, want, NULL);
    /* All four at once: each is reported. */
    sgx_cfg(&c);
    c.qe_mrsigner[0] ^= 1;
    c.qe_isvprodid = 3;
    c.qe_attributes[1] = 0x01;
    c.qe_miscselect = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE,
                FAILS(CCS_CHECK_QE_IDENTITY_MATCH, CCS_CHECK_QE_IDENTITY_MATCH, CCS_CHECK_QE_IDENTITY_MATCH,
                      CCS_CHECK_QE_IDENTITY_MATCH),
                NULL);
    tdx_cfg(&c);
    c.qe_isvprodid = 1; /* the SGX QE's product id in a TD quote */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, want, NULL);
}

static void test_qe_identity_masks(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    c.qe_attributes[0] |= 0x04; /* outside attributesMask FB... */
    c.qe_attributes[9] = 0xFF;  /* outside the mask's upper half */
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    /* MISCSELECT byte order: report u32 1 is JSON "00000001". */
    sgx_cfg(&c);
    c.qe_miscselect = 1;
    c.qei_miscselect = 1;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    sgx_cfg(&c);
    c.qe_miscselect = 0x80000001u;
    c.qei_miscselect_mask = 0x7FFFFFFEu;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

static void test_qe_tcb_levels(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    /* Below every QE level: not supported. */
    sgx_cfg(&c);
    c.qe_isvsvn = 5;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED,
                FAILS(CCS_CHECK_QE_IDENTITY_MATCH, CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.qe_tcb_status, CCS_TCB_NOT_SUPPORTED);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UP_TO_DATE);
    /* QE OutOfDate, platform UpToDate: OutOfDate. */
    sgx_cfg(&c);
    c.qe_isvsvn = 7;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.qe_tcb_status, CCS_TCB_OUT_OF_DATE);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_advisories(&r, FAILS("INTEL-SA-00615"));
    /* QE OutOfDate, platform ConfigurationNeeded: OutOfDateConfigurationNeeded. */
    c.levels[0].status = "ConfigurationNeeded";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, FAILS(CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_CONFIGURATION_NEEDED);
    c.levels[0].status = "ConfigurationAndSWHardeningNeeded";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* Accepting OutOfDate lets it through. */
    c.levels[0].status = "UpToDate";
    vopt vo = {.accept = CCS_TCB_ACCEPT_DEFAULT | CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE)};
    verify_case(&c, &vo, CCS_OK, CCS_TCB_OUT_OF_DATE, NONE, NULL);
    /* QE Revoked: Revoked, whatever the platform says. */
    sgx_cfg(&c);
    c.qe_levels[1].status = "Revoked";
    c.qe_isvsvn = 6;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_REVOKED, FAILS(CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.qe_tcb_status, CCS_TCB_REVOKED);
    /* Above the top level: the top level. */
    sgx_cfg(&c);
    c.qe_isvsvn = 200;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    /* TDX: the TD QE's level converges the same way. */
    tdx_cfg(&c);
    c.qe_isvsvn = 6;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), NULL);
}

/* ---- platform TCB levels ------------------------------------------------------------------------ */

static void test_platform_not_supported(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.pck_pcesvn = 4; /* below both levels' pcesvn (13, 5) */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, FAILS(CCS_CHECK_TCB_LEVEL), &r);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_NOT_SUPPORTED);
    sgx_cfg(&c);
    c.levels[0].sgx[15] = 1; /* component 16 below both levels */
    c.levels[1].sgx[15] = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, FAILS(CCS_CHECK_TCB_LEVEL), NULL);
    /* The quote's CPUSVN is not used for matching: only the PCK's components. */
    sgx_cfg(&c);
    memset(c.pck_cpusvn, 0, 16);
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

static void test_platform_sw_hardening(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.levels[0].status = "SWHardeningNeeded";
    c.levels[0].advisories = "INTEL-SA-00334,INTEL-SA-00615,INTEL-SA-00657";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_SW_HARDENING_NEEDED, NONE, &r);
    assert_advisories(&r, FAILS("INTEL-SA-00334", "INTEL-SA-00615", "INTEL-SA-00657"));
    /* Union with the QE level's advisories, without duplicates (QE first). */
    c.levels[0].status = "ConfigurationAndSWHardeningNeeded";
    c.qe_levels[0].advisories = "INTEL-SA-00615,INTEL-SA-00999";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, NONE, &r);
    assert_advisories(&r, FAILS("INTEL-SA-00615", "INTEL-SA-00999", "INTEL-SA-00334", "INTEL-SA-00657"));
    /* Not accepted when the caller only accepts UpToDate. */
    vopt vo = {.accept = CCS_TCB_BIT(CCS_TCB_UP_TO_DATE)};
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, FAILS(CCS_CHECK_TCB_STATUS),
                NULL);
}

static void test_platform_out_of_date(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.pck_comp[0] = 2; /* below level 0 (3): level 1, OutOfDate */
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_OUT_OF_DATE);
    assert_advisories(&r, FAILS("INTEL-SA-00106", "INTEL-SA-00115"));
    assert_int_equal(r.tcb_date, at("2018-01-04T00:00:00Z"));
    vopt vo = {.accept = CCS_TCB_ACCEPT_DEFAULT | CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE)};
    verify_case(&c, &vo, CCS_OK, CCS_TCB_OUT_OF_DATE, NONE, NULL);
    /* A Revoked level. */
    sgx_cfg(&c);
    c.levels[0].status = "Revoked";
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_REVOKED, FAILS(CCS_CHECK_TCB_STATUS), NULL);
}

static void test_platform_level_order(void **state) {
    (void)state;
    synth_config c;
    sgx_cfg(&c);
    /* Level 0 (worse) matches first; level 1 (better) also matches but is later. */
    c.levels[1] = c.levels[0];
    memset(c.levels[0].sgx, 0, 16);
    c.levels[0].pcesvn = 0;
    c.levels[0].status = "OutOfDate";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* PCESVN below level 0's: level 1. */
    sgx_cfg(&c);
    c.levels[1] = c.levels[0];
    c.levels[0].pcesvn = 14;
    c.levels[1].status = "SWHardeningNeeded";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_SW_HARDENING_NEEDED, NONE, NULL);
    /* One component below level 0's: level 1. */
    sgx_cfg(&c);
    c.levels[1] = c.levels[0];
    c.levels[0].sgx[7] = 4;
    c.levels[1].status = "ConfigurationNeeded";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_CONFIGURATION_NEEDED, NONE, NULL);
}

/* ---- TDX ---------------------------------------------------------------------------------------- */

static void test_tdx_module_identity(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    tdx_cfg(&c);
    c.mr_signer_seam[47] = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_TDX_MODULE), &r);
    assert_int_equal(r.tdx_module_tcb_status, CCS_TCB_UNKNOWN);
    tdx_cfg(&c);
    c.seam_attributes[0] = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_TDX_MODULE), NULL);
    /* Outside the attributes mask it does not matter. */
    tdx_cfg(&c);
    c.seam_attributes[0] = 1;
    c.module_attributes_mask[0] = 0xFE;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    /* No identity for this module version (TDX_02). */
    tdx_cfg(&c);
    c.tee_tcb_svn[1] = 2;
    c.levels[0].tdx[1] = 2;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_TDX_MODULE), NULL);
    /* The identity id is compared case-insensitively. */
    tdx_cfg(&c);
    c.module_id = "tdx_01";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

static void test_tdx_module_levels(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    /* Module SVN (TEE_TCB_SVN[0]) below every module level. */
    tdx_cfg(&c);
    c.tee_tcb_svn[0] = 2;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, FAILS(CCS_CHECK_TDX_MODULE, CCS_CHECK_TCB_STATUS),
                &r);
    assert_int_equal(r.tdx_module_tcb_status, CCS_TCB_NOT_SUPPORTED);
    /* Module OutOfDate: the whole is OutOfDate, with the module's advisories. */
    tdx_cfg(&c);
    c.tee_tcb_svn[0] = 4;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.tdx_module_tcb_status, CCS_TCB_OUT_OF_DATE);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_advisories(&r, FAILS("INTEL-SA-00960"));
    assert_int_equal(r.tcb_date, at("2023-08-09T00:00:00Z"));
    /* Module OutOfDate with platform ConfigurationNeeded. */
    c.levels[0].status = "ConfigurationNeeded";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* Module Revoked. */
    tdx_cfg(&c);
    c.tee_tcb_svn[0] = 4;
    c.module_levels[1].status = "Revoked";
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_REVOKED, FAILS(CCS_CHECK_TCB_STATUS), NULL);
}

static void test_tdx_platform_levels(void **state) {
    (void)state;
    synth_config c;
    /* TEE_TCB_SVN[2] below level 0's tdxtcbcomponents[2]: level 1. */
    tdx_cfg(&c);
    c.levels[1] = c.levels[0];
    c.levels[0].tdx[2] = 3;
    c.levels[1].status = "ConfigurationNeeded";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_CONFIGURATION_NEEDED, NONE, NULL);
    /* With a module identity, bytes 0 and 1 are judged by it, not by the level. */
    tdx_cfg(&c);
    c.levels[0].tdx[0] = 9;
    c.levels[0].tdx[1] = 7;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    /* The SGX components of a TDX level still count. */
    tdx_cfg(&c);
    c.pck_comp[3] = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* Below every level. */
    tdx_cfg(&c);
    c.levels[1].tdx[15] = 1;
    c.levels[0].tdx[15] = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, FAILS(CCS_CHECK_TCB_LEVEL), NULL);
}

/* TDX 1.0: TEE_TCB_SVN[1] == 0, the top-level tdxModule applies, all 16 bytes compared. */
static void test_tdx10(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    tdx_cfg(&c);
    c.tee_tcb_svn[1] = 0;
    c.levels[0].tdx[1] = 0;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.tdx_module_tcb_status, CCS_TCB_UNKNOWN);
    /* Byte 0 now counts: below level 0's, level 1 (OutOfDate). */
    c.tee_tcb_svn[0] = 4;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* A level for module version 1 is skipped by a 1.0 TD. */
    tdx_cfg(&c);
    c.tee_tcb_svn[1] = 0;
    c.levels[1] = c.levels[0];
    c.levels[1].tdx[1] = 0;
    c.levels[1].status = "SWHardeningNeeded";
    verify_case(&c, NULL, CCS_OK, CCS_TCB_SW_HARDENING_NEEDED, NONE, NULL);
    /* MRSIGNERSEAM against tdxModule. */
    tdx_cfg(&c);
    c.tee_tcb_svn[1] = 0;
    c.levels[0].tdx[1] = 0;
    c.mr_signer_seam[0] = 0x42;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_TDX_MODULE), NULL);
    /* v5 with a TDX 1.0 body. */
    tdx_cfg(&c);
    c.version = 5;
    c.tee_tcb_svn[1] = 0;
    c.levels[0].tdx[1] = 0;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

/* ---- relying-party policy: debug, report data ---------------------------------------------------- */

static void test_debug(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    vopt allow = {.allow_debug = true};
    sgx_cfg(&c);
    c.attributes[0] |= 0x02;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_DEBUG), &r);
    assert_true(r.debug);
    verify_case(&c, &allow, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_true(r.debug);
    tdx_cfg(&c);
    c.td_attributes[0] |= 0x01;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_DEBUG), &r);
    assert_true(r.debug);
    verify_case(&c, &allow, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

static void test_report_data(void **state) {
    (void)state;
    synth_config c;
    uint8_t want[64];
    vopt vo = {0};
    sgx_cfg(&c);
    memcpy(want, c.report_data, 64);
    vo.report_data = ccs_bytes_of(want, 32);
    verify_case(&c, &vo, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    vo.report_data = ccs_bytes_of(want, 64);
    verify_case(&c, &vo, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    want[5] ^= 1;
    vo.report_data = ccs_bytes_of(want, 32);
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_REPORT_DATA), NULL);
    want[5] ^= 1;
    /* A non-zero byte after the expected prefix. */
    c.report_data[40] = 1;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_REPORT_DATA), NULL);
    tdx_cfg(&c);
    verify_case(&c, &vo, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    c.report_data[0] ^= 0xFF;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_REPORT_DATA), NULL);
}

/* ---- tampering ---------------------------------------------------------------------------------- */

static void flip_body(synth_out *o) { o->quote.ptr[o->body_off + 140] ^= 1; } /* MRSIGNER / MRTD */
static void flip_header(synth_out *o) { o->quote.ptr[30] ^= 1; }             /* user data */
static void flip_qe_reserved(synth_out *o) { o->quote.ptr[o->qe_report_off + 24] ^= 1; }
static void flip_qe_report_data(synth_out *o) { o->quote.ptr[o->qe_report_off + 320 + 3] ^= 1; }
static void flip_qe_report_data_tail(synth_out *o) { o->quote.ptr[o->qe_report_off + 320 + 40] ^= 1; }
static void flip_qe_auth(synth_out *o) { o->quote.ptr[o->qe_auth_off + 7] ^= 1; }
static void truncate_quote(synth_out *o) { o->quote.len -= 1; }
static void bad_sig_len(synth_out *o) { o->quote.ptr[o->att_key_off - 64 - 4] += 1; }
static void flip_quote_sig(synth_out *o) { o->quote.ptr[o->att_key_off - 64 + 10] ^= 1; }

/* Changes a digit of tcbEvaluationDataNumber ("...":17 -> 18) in place. */
static void bump_eval_number(ccs_buf *doc) {
    static const char key[] = "\"tcbEvaluationDataNumber\":17";
    uint8_t *p = memmem(doc->ptr, doc->len, key, sizeof key - 1);
    assert_non_null(p);
    p[sizeof key - 2] = '8';
}
static void flip_tcb_info(synth_out *o) { bump_eval_number(&o->tcb_info); }
static void flip_qe_identity(synth_out *o) { bump_eval_number(&o->qe_identity); }

static void test_tamper_quote(void **state) {
    (void)state;
    synth_config c;
    for (int tee = 0; tee < 2; tee++) {
        if (tee == 0)
            sgx_cfg(&c);
        else
            tdx_cfg(&c);
        vopt vo = {.tamper = flip_body};
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QUOTE_SIGNATURE), NULL);
        vo.tamper = flip_header;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QUOTE_SIGNATURE), NULL);
        vo.tamper = flip_quote_sig;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QUOTE_SIGNATURE), NULL);
        vo.tamper = flip_qe_reserved;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_REPORT_SIGNATURE), NULL);
        vo.tamper = flip_qe_report_data;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE,
                    FAILS(CCS_CHECK_QE_REPORT_SIGNATURE, CCS_CHECK_QE_REPORT_DATA), NULL);
        vo.tamper = flip_qe_report_data_tail;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE,
                    FAILS(CCS_CHECK_QE_REPORT_SIGNATURE, CCS_CHECK_QE_REPORT_DATA), NULL);
        vo.tamper = flip_qe_auth;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_REPORT_DATA), NULL);
        /* Structure: the verdict names the format, nothing else runs. */
        vo.tamper = truncate_quote;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_QUOTE_FORMAT), NULL);
        vo.tamper = bad_sig_len;
        verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_QUOTE_FORMAT), NULL);
        /* Another valid key in place of the attestation key. */
        c.swap_att_key = true;
        verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE,
                    FAILS(CCS_CHECK_QE_REPORT_DATA, CCS_CHECK_QUOTE_SIGNATURE), NULL);
    }
}

static void test_tamper_collateral(void **state) {
    (void)state;
    synth_config c;
    vopt vo = {.tamper = flip_tcb_info};
    sgx_cfg(&c);
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_TCB_INFO_SIGNATURE), NULL);
    vo.tamper = flip_qe_identity;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_IDENTITY_SIGNATURE), NULL);
    tdx_cfg(&c);
    vo.tamper = flip_tcb_info;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_TCB_INFO_SIGNATURE), NULL);
}

/* ---- quote and collateral versions, PCK CAs and chains ------------------------------------------- */

/* Parses the quote of cfg (structure only) for the header fields the result
 * does not carry. */
static void parse_built(const synth_config *cfg, ccs_tee tee, uint16_t version, uint16_t body_type) {
    synth_out o;
    ccs_dcap_quote q;
    assert_int_equal(synth_build(g_ctx, cfg, &o), 0);
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&o.quote), &q), CCS_OK);
    assert_int_equal(q.tee, tee);
    assert_int_equal(q.version, version);
    assert_int_equal(q.body_type, body_type);
    assert_int_equal(q.cert_type, 5);
    assert_int_equal(q.qe_auth_data.len, 32);
    assert_int_equal(q.trailing, 0);
    synth_out_free(&o);
}

/* SGX quote v4: header version 4, TEE type 0, the 384-byte enclave body, and
 * signature data whose certification data is type 6 (QE report, its
 * signature, auth data, nested type 5 PCK chain). */
static void test_sgx_v4(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.version = 4;
    parse_built(&c, CCS_TEE_SGX, 4, 1);
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.tee, CCS_TEE_SGX);
    assert_int_equal(r.quote_version, 4);
    assert_memory_equal(r.sgx.mr_enclave, c.mr_enclave, 32);
    assert_memory_equal(r.report_data, c.report_data, 64);
    vopt vo = {.tamper = flip_body};
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QUOTE_SIGNATURE), NULL);
    vo.tamper = flip_qe_auth; /* auth data inside the type-6 certification data */
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_REPORT_DATA), NULL);
    vo.tamper = flip_qe_reserved;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QE_REPORT_SIGNATURE), NULL);
    vo.tamper = truncate_quote;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_QUOTE_FORMAT), NULL);
}

/* Header TEE type TDX (0x81) over an SGX v5 quote's body type 1. */
static void set_tee_tdx(synth_out *o) {
    o->quote.ptr[4] = 0x81;
    o->quote.ptr[5] = o->quote.ptr[6] = o->quote.ptr[7] = 0;
}

/* Quote v5 with body type 1: the SGX enclave body behind u16 type 1 and u32
 * size 384, then type-6 signature data. */
static void test_sgx_v5(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.version = 5;
    parse_built(&c, CCS_TEE_SGX, 5, 1);
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.tee, CCS_TEE_SGX);
    assert_int_equal(r.quote_version, 5);
    assert_memory_equal(r.sgx.mr_signer, c.mr_signer, 32);
    assert_memory_equal(r.report_data, c.report_data, 64);
    /* The body type and size are signed with the body. */
    vopt vo = {.tamper = flip_body};
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_QUOTE_SIGNATURE), NULL);
    /* Body type 1 under a TDX TEE type does not parse. */
    vo.tamper = set_tee_tdx;
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_QUOTE_FORMAT), &r);
    assert_non_null(strstr(r.failed[0].message, "body type"));
}

/* TCB Info version 2 (SGX only): no "id", components as sgxtcbcompNNsvn
 * members of "tcb", signed over the exact bytes served. */
static void test_tcb_info_v2(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.tcb_info_version = 2;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, &r);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.n_advisories, 0);
    /* The same evidence from a v2 document spread over lines. */
    c.json_pretty = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    c.json_pretty = false;
    /* Component 16 above the PCK's in the top level: the next level is chosen. */
    c.levels[0].sgx[15] = 1;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), &r);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_OUT_OF_DATE);
    assert_advisories(&r, FAILS("INTEL-SA-00106", "INTEL-SA-00115"));
    assert_int_equal(r.tcb_date, at("2018-01-04T00:00:00Z"));
    /* Component 1 likewise. */
    sgx_cfg(&c);
    c.tcb_info_version = 2;
    c.levels[0].sgx[0] = 4;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* pcesvn below the top level's (13) but not the second's (5). */
    sgx_cfg(&c);
    c.tcb_info_version = 2;
    c.pck_pcesvn = 12;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_OUT_OF_DATE, FAILS(CCS_CHECK_TCB_STATUS), NULL);
    /* A middle level of three, SWHardeningNeeded. */
    sgx_cfg(&c);
    c.tcb_info_version = 2;
    c.n_levels = 3;
    c.levels[2] = c.levels[1];
    c.levels[1] = c.levels[0];
    c.levels[1].sgx[7] = 2; /* PCK has 3 */
    c.levels[1].status = "SWHardeningNeeded";
    c.levels[1].advisories = "INTEL-SA-00615";
    c.levels[0].sgx[7] = 4;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_SW_HARDENING_NEEDED, NONE, &r);
    assert_advisories(&r, FAILS("INTEL-SA-00615"));
    /* Below every level. */
    c.pck_pcesvn = 4;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, FAILS(CCS_CHECK_TCB_LEVEL), NULL);
    /* Tampered: the signature covers the v2 bytes. */
    sgx_cfg(&c);
    c.tcb_info_version = 2;
    vopt vo = {.tamper = flip_tcb_info};
    verify_case(&c, &vo, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_TCB_INFO_SIGNATURE), NULL);
    /* Version 2 predates TDX: given to a TD quote, it is for the wrong TEE. */
    tdx_cfg(&c);
    c.tcb_info_version = 2;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_TCB_INFO), &r);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_UNKNOWN);
}

/* A PCK issued by the "Intel SGX PCK Processor CA": its CRL is the
 * Processor CA's, and the Platform CA's CRL does not speak for it. */
static void test_pck_processor_ca(void **state) {
    (void)state;
    synth_config c;
    synth_out o;
    ccs_dcap_quote q;
    uint8_t fmspc[6];
    const char *pck_ca = NULL;
    sgx_cfg(&c);
    c.pck_processor_ca = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    /* Collateral selection reads the CA type from the PCK. */
    assert_int_equal(synth_build(g_ctx, &c, &o), 0);
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&o.quote), &q), CCS_OK);
    assert_int_equal(ccs_dcap_quote_pck_info(&q, fmspc, &pck_ca), CCS_OK);
    assert_string_equal(pck_ca, "processor");
    assert_memory_equal(fmspc, synth_fmspc, 6);
    synth_out_free(&o);
    /* The Platform CA's CRL (valid, but another CA's) instead. */
    c.pck_crl_from_platform = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    /* The Processor CA's name, another key. */
    c.pck_crl_from_platform = false;
    c.pck_crl_rogue_signer = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    /* Revocation by the Processor CA's CRL and of the Processor CA by the root. */
    sgx_cfg(&c);
    c.pck_processor_ca = true;
    c.pck_crl_revoke_pck = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    sgx_cfg(&c);
    c.pck_processor_ca = true;
    c.root_crl_revoke_ca = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_ROOT_CA_CRL), NULL);
    /* A TD quote, and an SGX v4 quote, with a Processor CA PCK. */
    tdx_cfg(&c);
    c.pck_processor_ca = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    c.pck_crl_from_platform = true;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL), NULL);
    sgx_cfg(&c);
    c.version = 4;
    c.pck_processor_ca = true;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

/* The quote's PCK chain: PCK, CA and optionally the trusted root; nothing
 * more, and no other root. */
static void test_pck_chain_shape(void **state) {
    (void)state;
    synth_config c;
    ccs_dcap_result r;
    sgx_cfg(&c);
    c.pck_chain_shape = SYNTH_CHAIN_NO_ROOT;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
    c.pck_chain_shape = SYNTH_CHAIN_EXTRA;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), &r);
    assert_non_null(strstr(r.failed[0].message, "4 certificates"));
    c.pck_chain_shape = SYNTH_CHAIN_OTHER_ROOT;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), &r);
    assert_non_null(strstr(r.failed[0].message, "root"));
    tdx_cfg(&c);
    c.pck_chain_shape = SYNTH_CHAIN_EXTRA;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), NULL);
    c.pck_chain_shape = SYNTH_CHAIN_OTHER_ROOT;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), NULL);
    /* With a Processor CA PCK as well. */
    sgx_cfg(&c);
    c.pck_processor_ca = true;
    c.pck_chain_shape = SYNTH_CHAIN_OTHER_ROOT;
    verify_case(&c, NULL, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN), NULL);
    c.pck_chain_shape = SYNTH_CHAIN_NO_ROOT;
    verify_case(&c, NULL, CCS_OK, CCS_TCB_UP_TO_DATE, NONE, NULL);
}

/* ---- caching ------------------------------------------------------------------------------------ */

typedef struct loaded {
    synth_out o;
    ccs_collateral *coll;
} loaded;

static void load(const synth_config *c, loaded *l) {
    assert_int_equal(synth_build(g_ctx, c, &l->o), 0);
    assert_int_equal(ccs_collateral_load(&l->o.raw, &l->coll), CCS_OK);
}
static void unload(loaded *l) {
    ccs_collateral_free(l->coll);
    synth_out_free(&l->o);
}
static void verify_with(const synth_out *q, ccs_collateral *coll, const ccs_x509 *root, ccs_time now,
                        ccs_status want_st, ccs_tcb_status want_tcb, const char *const *want) {
    ccs_dcap_options opt = {.now = now, .insecure_root = root};
    ccs_dcap_result r;
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&q->quote), coll, &opt, &r);
    assert_outcome(st, &r, want_st, want_tcb, want);
}

static void test_cache_repeat_and_expiry(void **state) {
    (void)state;
    synth_config c;
    loaded l, fresh;
    const ccs_time later = SYNTH_T + 60 * SYNTH_DAY;
    const char *const *stale =
        FAILS(CCS_CHECK_ROOT_CA_CRL, CCS_CHECK_PCK_CRL, CCS_CHECK_TCB_INFO_WINDOW, CCS_CHECK_QE_IDENTITY_WINDOW);
    sgx_cfg(&c);
    load(&c, &l);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    /* Outside the collateral's windows the cached verification does not help. */
    verify_with(&l.o, l.coll, l.o.root, later, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, stale);
    load(&c, &fresh);
    verify_with(&fresh.o, fresh.coll, fresh.o.root, later, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, stale);
    unload(&fresh);
    /* And back inside, it passes again. */
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    unload(&l);
}

static void test_cache_cert_expiry(void **state) {
    (void)state;
    synth_config c;
    loaded l;
    const ccs_time later = SYNTH_T + 20 * SYNTH_DAY; /* CRLs and collateral still current */
    /* The PCK expires between two verifications with the same collateral. */
    sgx_cfg(&c);
    c.pck_not_after = SYNTH_T + 10 * SYNTH_DAY;
    load(&c, &l);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&l.o, l.coll, l.o.root, later, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN));
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    /* Its notAfter second is outside, cached or not (OpenSSL's rule). */
    verify_with(&l.o, l.coll, l.o.root, c.pck_not_after - 1, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&l.o, l.coll, l.o.root, c.pck_not_after, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN));
    unload(&l);
    load(&c, &l); /* fresh: nothing cached */
    verify_with(&l.o, l.coll, l.o.root, c.pck_not_after, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN));
    unload(&l);
    /* The TCB Signing certificate expires likewise. */
    sgx_cfg(&c);
    c.tcb_signer_not_after = SYNTH_T + 10 * SYNTH_DAY;
    load(&c, &l);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&l.o, l.coll, l.o.root, later, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN,
                FAILS(CCS_CHECK_TCB_INFO_SIGNATURE, CCS_CHECK_QE_IDENTITY_SIGNATURE));
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&l.o, l.coll, l.o.root, c.tcb_signer_not_after, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN,
                FAILS(CCS_CHECK_TCB_INFO_SIGNATURE, CCS_CHECK_QE_IDENTITY_SIGNATURE));
    unload(&l);
    /* A PCK not yet valid at first, valid later: the earlier failure is not cached. */
    sgx_cfg(&c);
    c.pck_not_before = SYNTH_T + 5 * SYNTH_DAY;
    load(&c, &l);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, FAILS(CCS_CHECK_PCK_CHAIN));
    verify_with(&l.o, l.coll, l.o.root, later, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    unload(&l);
}

/* What was verified against one root is not reused for another. */
static void test_cache_root_switch(void **state) {
    (void)state;
    synth_config c;
    loaded l;
    const char *const *untrusted =
        FAILS(CCS_CHECK_PCK_CHAIN, CCS_CHECK_ROOT_CA_CRL, CCS_CHECK_TCB_INFO_SIGNATURE,
              CCS_CHECK_QE_IDENTITY_SIGNATURE);
    sgx_cfg(&c);
    load(&c, &l);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&l.o, l.coll, NULL, SYNTH_T, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, untrusted);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    unload(&l);
    load(&c, &l);
    verify_with(&l.o, l.coll, NULL, SYNTH_T, CCS_ERR_VERIFY, CCS_TCB_UNKNOWN, untrusted);
    verify_with(&l.o, l.coll, l.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    unload(&l);
}

/* One collateral object, quotes from two PCK certificates of the same CA. */
static void test_cache_two_pcks(void **state) {
    (void)state;
    synth_config c;
    loaded a, b;
    sgx_cfg(&c);
    load(&c, &a);
    c.pck_key = 1;
    c.pck_crl_revoke_pck = true; /* b's collateral revokes b's PCK */
    load(&c, &b);
    verify_with(&a.o, a.coll, a.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&b.o, a.coll, a.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&a.o, a.coll, a.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&a.o, b.coll, a.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    verify_with(&b.o, b.coll, a.o.root, SYNTH_T, CCS_ERR_VERIFY, CCS_TCB_UP_TO_DATE, FAILS(CCS_CHECK_PCK_CRL));
    verify_with(&b.o, a.coll, b.o.root, SYNTH_T, CCS_OK, CCS_TCB_UP_TO_DATE, NONE);
    unload(&a);
    unload(&b);
}

/* ---- threads ---------------------------------------------------------------------------------- */

typedef struct worker {
    const loaded *l;
    int passed;
} worker;

static void *verify_many(void *arg) {
    worker *w = arg;
    for (int i = 0; i < 50; i++) {
        ccs_dcap_options opt = {.now = SYNTH_T + i, .insecure_root = w->l->o.root};
        ccs_dcap_result r;
        if (ccs_dcap_verify(ccs_buf_view(&w->l->o.quote), w->l->coll, &opt, &r) == CCS_OK && r.pass &&
            r.tcb_status == CCS_TCB_UP_TO_DATE && r.n_failed == 0)
            w->passed++;
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    synth_config c;
    loaded l;
    pthread_t th[4];
    worker w[4];
    tdx_cfg(&c);
    load(&c, &l);
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){&l, 0};
        assert_int_equal(pthread_create(&th[i], NULL, verify_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(w[i].passed, 50);
    unload(&l);
}

/* ---- group ---------------------------------------------------------------------------------- */

static int group_setup(void **state) {
    (void)state;
    return synth_ctx_new(&g_ctx);
}

static int group_teardown(void **state) {
    (void)state;
    synth_ctx_free(g_ctx);
    g_ctx = NULL;
    return 0;
}

int ccs_test_synth(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_baseline),
        cmocka_unit_test(test_tdx_baseline),
        cmocka_unit_test(test_tdx_v5_baseline),
        cmocka_unit_test(test_split_layout),
        cmocka_unit_test(test_json_pretty),
        cmocka_unit_test(test_quote_padding),
        cmocka_unit_test(test_untrusted_root),
        cmocka_unit_test(test_pck_revoked),
        cmocka_unit_test(test_ca_revoked),
        cmocka_unit_test(test_tcb_signer_revoked),
        cmocka_unit_test(test_pck_crl_window),
        cmocka_unit_test(test_root_crl),
        cmocka_unit_test(test_crl_der_tail),
        cmocka_unit_test(test_pck_crl_rogue_signer),
        cmocka_unit_test(test_pck_ca_decoy),
        cmocka_unit_test(test_pck_expired),
        cmocka_unit_test(test_tcb_signer_expired),
        cmocka_unit_test(test_tcb_info_window),
        cmocka_unit_test(test_qe_identity_window),
        cmocka_unit_test(test_fmspc_pce_mismatch),
        cmocka_unit_test(test_wrong_tee_collateral),
        cmocka_unit_test(test_qe_identity_mismatch),
        cmocka_unit_test(test_qe_identity_masks),
        cmocka_unit_test(test_qe_tcb_levels),
        cmocka_unit_test(test_platform_not_supported),
        cmocka_unit_test(test_platform_sw_hardening),
        cmocka_unit_test(test_platform_out_of_date),
        cmocka_unit_test(test_platform_level_order),
        cmocka_unit_test(test_tdx_module_identity),
        cmocka_unit_test(test_tdx_module_levels),
        cmocka_unit_test(test_tdx_platform_levels),
        cmocka_unit_test(test_tdx10),
        cmocka_unit_test(test_debug),
        cmocka_unit_test(test_report_data),
        cmocka_unit_test(test_tamper_quote),
        cmocka_unit_test(test_tamper_collateral),
        cmocka_unit_test(test_sgx_v4),
        cmocka_unit_test(test_sgx_v5),
        cmocka_unit_test(test_tcb_info_v2),
        cmocka_unit_test(test_pck_processor_ca),
        cmocka_unit_test(test_pck_chain_shape),
        cmocka_unit_test(test_cache_repeat_and_expiry),
        cmocka_unit_test(test_cache_cert_expiry),
        cmocka_unit_test(test_cache_root_switch),
        cmocka_unit_test(test_cache_two_pcks),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("synth", tests, group_setup, group_teardown);
}
