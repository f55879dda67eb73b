/* The verifier on the recorded real quotes: every vector with its expected
 * verdict and TCB status (tests/data MANIFESTs), a flipped byte in each
 * signed region, collateral outside its window, policy options. */
#include <stdlib.h>
#include <string.h>

#include "attest_tests.h"
#include "testutil.h"

#define SGX "sgx/dcapqvl-sgx-v3"
#define TDX4 "tdx/dcapqvl-tdx-v4-uptodate"

typedef struct vvec {
    const char *quote, *collateral, *at;
    ccs_status rc;
    ccs_tcb_status tcb;
    const char *advisories; /* comma-separated, in order */
    const char *failed[4];
} vvec;

static const vvec vectors[] = {
    {SGX "/quote.bin", SGX, "2025-06-19T11:00:00Z", CCS_OK, CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
     "INTEL-SA-00289,INTEL-SA-00615", {0}},
    {SGX "/quote.bin", SGX "/collateral_dcapqvl.json", "2025-06-19T11:00:00Z", CCS_OK,
     CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, "INTEL-SA-00289,INTEL-SA-00615", {0}},
    {SGX "/quote.bin", SGX, "2025-08-01T00:00:00Z", CCS_ERR_VERIFY, CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
     "INTEL-SA-00289,INTEL-SA-00615", {CCS_CHECK_PCK_CRL, CCS_CHECK_TCB_INFO_WINDOW, CCS_CHECK_QE_IDENTITY_WINDOW}},
    {TDX4 "/quote.bin", TDX4, "2025-06-19T11:00:00Z", CCS_OK, CCS_TCB_UP_TO_DATE, "", {0}},
    {TDX4 "/quote.bin", TDX4 "/collateral_dcapqvl.json", "2025-06-19T11:00:00Z", CCS_OK, CCS_TCB_UP_TO_DATE, "",
     {0}},
    {"tdx/dcapqvl-tdx-v5-unsupported-tcb/quote.bin", "tdx/dcapqvl-tdx-v5-unsupported-tcb", "2026-02-19T00:00:00Z",
     CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, "", {CCS_CHECK_TCB_LEVEL}},
    {"tdx/dcapqvl-tdx-v5-unsupported-tcb/quote.bin",
     "tdx/dcapqvl-tdx-v5-unsupported-tcb/collateral_dcapqvl.json", "2026-02-19T00:00:00Z", CCS_ERR_VERIFY,
     CCS_TCB_NOT_SUPPORTED, "", {CCS_CHECK_TCB_LEVEL}},
    {"tdx/dcapqvl-tappd-v4/quote.bin", TDX4, "2025-06-19T11:00:00Z", CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, "",
     {CCS_CHECK_TCB_LEVEL}},
    {"tdx/gotdx-spr-e4-v4-2023/quote.bin", "tdx/gotdx-spr-e4-v4-2023", "2023-07-01T01:00:00Z", CCS_ERR_VERIFY,
     CCS_TCB_NOT_SUPPORTED, "", {CCS_CHECK_TCB_LEVEL}},
    {"tdx/gotdx-spr-e4-v4-2023/quote.bin", "tdx/gotdx-spr-e4-v4-2023/collateral_dcapqvl.json",
     "2023-07-01T01:00:00Z", CCS_ERR_VERIFY, CCS_TCB_NOT_SUPPORTED, "", {CCS_CHECK_TCB_LEVEL}},
};

static size_t count_failed(const char *const *f) {
    size_t n = 0;
    while (n < 4 && f[n]) n++;
    return n;
}

static void check_advisories(const ccs_dcap_result *r, const char *want) {
    char got[512] = "";
    for (size_t i = 0; i < r->n_advisories; i++) {
        if (i) strcat(got, ",");
        strcat(got, r->advisory_ids[i]);
    }
    assert_string_equal(got, want);
}

static void test_real_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const vvec *v = &vectors[i];
        ccs_buf q = tu_read(v->quote);
        ccs_collateral *c = tu_collateral_dir(v->collateral);
        ccs_dcap_options opt = {0};
        ccs_dcap_result r;
        assert_int_equal(ccs_time_parse(v->at, &opt.now), CCS_OK);
        ccs_status st = ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r);
        print_message("%s @ %s: %s %s\n", v->quote, v->at, r.pass ? "pass" : "fail", ccs_tcb_status_name(r.tcb_status));
        tu_print_failed(&r);
        assert_int_equal(st, v->rc);
        assert_int_equal(r.pass, v->rc == CCS_OK);
        assert_int_equal(r.tcb_status, v->tcb);
        check_advisories(&r, v->advisories);
        assert_true(tu_failed_exactly(&r, v->failed, count_failed(v->failed)));
        ccs_collateral_free(c);
        ccs_buf_free(&q);
    }
}

/* Verifies `quote` (mutated at off by xor) against `coll` at the SGX as-of time. */
static ccs_status verify_flipped(const char *quote, const char *coll, size_t off, ccs_dcap_result *r) {
    ccs_buf q = tu_read(quote);
    ccs_collateral *c = tu_collateral_dir(coll);
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    if (off != (size_t)-1) q.ptr[off] ^= 0x01;
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&q), c, &opt, r);
    ccs_collateral_free(c);
    ccs_buf_free(&q);
    return st;
}

static void expect_flip(const char *quote, const char *coll, size_t off, const char *const *names, size_t n) {
    ccs_dcap_result r;
    ccs_status st = verify_flipped(quote, coll, off, &r);
    if (!tu_failed_exactly(&r, names, n)) {
        print_message("flip at %zu of %s:\n", off, quote);
        tu_print_failed(&r);
        fail_msg("unexpected failed checks");
    }
    assert_int_equal(st, CCS_ERR_VERIFY);
}

#define EXPECT_FLIP(q, c, off, ...)                                                   \
    do {                                                                              \
        static const char *const names_[] = {__VA_ARGS__};                           \
        expect_flip((q), (c), (off), names_, sizeof names_ / sizeof names_[0]);      \
    } while (0)

static size_t find(const ccs_buf *b, const char *needle, size_t from) {
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= b->len; i++)
        if (memcmp(b->ptr + i, needle, n) == 0) return i;
    fail_msg("\"%s\" not found", needle);
    return 0;
}

static void test_flip_sgx_quote(void **state) {
    (void)state;
    const char *q = SGX "/quote.bin";
    const size_t sig = 436; /* signature data */
    EXPECT_FLIP(q, SGX, 30, CCS_CHECK_QUOTE_SIGNATURE);                /* header: user data */
    EXPECT_FLIP(q, SGX, 48 + 320, CCS_CHECK_QUOTE_SIGNATURE);          /* body: REPORTDATA */
    EXPECT_FLIP(q, SGX, sig + 5, CCS_CHECK_QUOTE_SIGNATURE);           /* quote signature */
    EXPECT_FLIP(q, SGX, sig + 128 + 100, CCS_CHECK_QE_REPORT_SIGNATURE); /* QE report, reserved */
    EXPECT_FLIP(q, SGX, sig + 128 + 320, CCS_CHECK_QE_REPORT_SIGNATURE, CCS_CHECK_QE_REPORT_DATA);
    EXPECT_FLIP(q, SGX, sig + 512 + 7, CCS_CHECK_QE_REPORT_SIGNATURE);   /* QE report signature */
    EXPECT_FLIP(q, SGX, sig + 578 + 3, CCS_CHECK_QE_REPORT_DATA);        /* QE auth data */
    /* Certification data: a byte inside the PCK leaf's base64. */
    ccs_buf b = tu_read(q);
    size_t leaf_end = find(&b, "-----END CERTIFICATE-----", 0);
    ccs_buf_free(&b);
    EXPECT_FLIP(q, SGX, leaf_end - 20, CCS_CHECK_PCK_CHAIN);
}

/* One collateral object for several quotes from one platform: the QE
 * report's verdict is remembered for its exact bytes only, so a changed QE
 * report or signature after a good quote still fails, and the good one still
 * passes after them. */
static void test_qe_report_remembered(void **state) {
    (void)state;
    const size_t sig = 436;
    ccs_buf q = tu_read(SGX "/quote.bin");
    ccs_collateral *c = tu_collateral_dir(SGX);
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    ccs_dcap_result r;
    const size_t flips[] = {sig + 128 + 100, sig + 512 + 7}; /* QE report (reserved), its signature */
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_OK);
    for (size_t i = 0; i < 2; i++) {
        q.ptr[flips[i]] ^= 1;
        assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
        const char *names[] = {CCS_CHECK_QE_REPORT_SIGNATURE};
        assert_true(tu_failed_exactly(&r, names, 1));
        q.ptr[flips[i]] ^= 1;
        assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_OK);
    }
    ccs_collateral_free(c);
    ccs_buf_free(&q);
}

static void test_flip_tdx_quote(void **state) {
    (void)state;
    const char *q = TDX4 "/quote.bin";
    const size_t sig = 636;
    EXPECT_FLIP(q, TDX4, 20, CCS_CHECK_QUOTE_SIGNATURE);                    /* header */
    EXPECT_FLIP(q, TDX4, 48 + 136, CCS_CHECK_QUOTE_SIGNATURE);              /* MRTD */
    EXPECT_FLIP(q, TDX4, 48 + 583, CCS_CHECK_QUOTE_SIGNATURE);              /* last body byte */
    EXPECT_FLIP(q, TDX4, sig + 128 + 6 + 100, CCS_CHECK_QE_REPORT_SIGNATURE); /* QE report */
    EXPECT_FLIP(q, TDX4, sig + 128 + 6 + 384 + 64 + 2 + 1, CCS_CHECK_QE_REPORT_DATA); /* QE auth data */
    /* Padding after the signature data is not covered and not parsed. */
    ccs_buf b = tu_read(q);
    size_t last = b.len - 1;
    ccs_buf_free(&b);
    ccs_dcap_result r;
    assert_int_equal(verify_flipped(q, TDX4, last, &r), CCS_OK);
}

/* Collateral with one byte of one piece flipped, loaded from memory. */
static void expect_coll_flip(int piece, const char *needle, int delta, const char *check) {
    ccs_collateral_raw raw;
    ccs_buf bufs[9];
    ccs_collateral *c = NULL;
    ccs_buf q = tu_read(SGX "/quote.bin");
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    ccs_dcap_result r;
    tu_raw_from_dir(SGX, &raw, bufs);
    size_t off = needle ? find(&bufs[piece], needle, 0) + strlen(needle) : bufs[piece].len - 1;
    bufs[piece].ptr[off] = (uint8_t)(bufs[piece].ptr[off] + delta);
    assert_int_equal(ccs_collateral_load(&raw, &c), CCS_OK);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
    const char *names[1] = {check};
    if (!tu_failed_exactly(&r, names, 1)) {
        tu_print_failed(&r);
        fail_msg("expected only %s", check);
    }
    ccs_collateral_free(c);
    tu_bufs_free(bufs, 9);
    ccs_buf_free(&q);
}

static void test_flip_collateral(void **state) {
    (void)state;
    /* Still valid JSON, but not the bytes Intel signed. */
    expect_coll_flip(0, "\"tcbEvaluationDataNumber\":1", 1, CCS_CHECK_TCB_INFO_SIGNATURE);
    expect_coll_flip(2, "\"tcbEvaluationDataNumber\":1", 1, CCS_CHECK_QE_IDENTITY_SIGNATURE);
    expect_coll_flip(0, "\"signature\":\"9", 1, CCS_CHECK_TCB_INFO_SIGNATURE);
    /* Last byte of each CRL: inside the DER signature's s value. */
    expect_coll_flip(4, NULL, 1, CCS_CHECK_PCK_CRL);
    expect_coll_flip(6, NULL, 1, CCS_CHECK_ROOT_CA_CRL);
}

static void expect_at(const char *at, const char *const *names, size_t n) {
    ccs_buf q = tu_read(SGX "/quote.bin");
    ccs_collateral *c = tu_collateral_dir(SGX);
    ccs_dcap_options opt = {0};
    ccs_dcap_result r;
    assert_int_equal(ccs_time_parse(at, &opt.now), CCS_OK);
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r);
    if (!tu_failed_exactly(&r, names, n)) {
        print_message("at %s:\n", at);
        tu_print_failed(&r);
        fail_msg("unexpected failed checks");
    }
    assert_int_equal(st, n ? CCS_ERR_VERIFY : CCS_OK);
    ccs_collateral_free(c);
    ccs_buf_free(&q);
}

static void test_windows(void **state) {
    (void)state;
    static const char *const tcb[] = {CCS_CHECK_TCB_INFO_WINDOW};
    static const char *const qe[] = {CCS_CHECK_QE_IDENTITY_WINDOW};
    static const char *const qe_crl[] = {CCS_CHECK_PCK_CRL, CCS_CHECK_QE_IDENTITY_WINDOW};
    expect_at("2025-06-19T10:56:11Z", NULL, 0);  /* TCB Info issueDate: inclusive */
    expect_at("2025-06-19T10:56:10Z", tcb, 1);   /* one second before */
    expect_at("2025-07-19T10:01:18Z", NULL, 0);  /* QE Identity nextUpdate: inclusive */
    expect_at("2025-07-19T10:01:19Z", qe, 1);
    expect_at("2025-07-19T10:30:00Z", qe_crl, 2); /* and the PCK CRL expired at 10:23:18 */
}

static void test_policy_options(void **state) {
    (void)state;
    ccs_buf q = tu_read(SGX "/quote.bin");
    ccs_collateral *c = tu_collateral_dir(SGX);
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    ccs_dcap_result r;
    uint8_t rd[64];
    memcpy(rd, q.ptr + 368, 64);
    /* Expected REPORTDATA: the whole 64 bytes match. */
    opt.report_data = ccs_bytes_of(rd, 64);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_OK);
    rd[63] ^= 1;
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
    assert_string_equal(r.failed[0].name, CCS_CHECK_REPORT_DATA);
    rd[63] ^= 1;
    /* A 32-byte prefix: accepted only when the rest of REPORTDATA is zero. */
    opt.report_data = ccs_bytes_of(rd, 32);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), ccs_bytes_is_zero(ccs_bytes_of(rd + 32, 32))
                                                                         ? CCS_OK
                                                                         : CCS_ERR_VERIFY);
    opt.report_data = ccs_bytes_of(NULL, 0);
    /* Accepted TCB statuses. */
    opt.accept_tcb = CCS_TCB_BIT(CCS_TCB_UP_TO_DATE);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
    assert_int_equal(r.n_failed, 1);
    assert_string_equal(r.failed[0].name, CCS_CHECK_TCB_STATUS);
    assert_int_equal(ccs_tcb_status_parse_list("UpToDate, ConfigurationAndSWHardeningNeeded", &opt.accept_tcb),
                     CCS_OK);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_OK);
    assert_int_equal(ccs_tcb_status_parse_list("UpToDate,Bogus", &opt.accept_tcb), CCS_ERR_FORMAT);
    assert_int_equal(ccs_tcb_status_parse_list("", &opt.accept_tcb), CCS_ERR_FORMAT);
    ccs_collateral_free(c);
    ccs_buf_free(&q);
}

/* The trustee TD (OutOfDate platform, TDX_03 module) with the 2025 signing
 * chain; the only CRLs at hand are the sgx-v3 set (wrong CA and expired). */
static void test_trustee_q6(void **state) {
    (void)state;
    ccs_collateral_raw raw;
    ccs_buf bufs[9];
    ccs_collateral *c = NULL;
    ccs_buf q = tu_read("tdx/trustee-tdx-q6-v4/quote.bin");
    ccs_dcap_options opt = {0};
    ccs_dcap_result r;
    tu_raw_from_dir(SGX, &raw, bufs);
    bufs[7] = tu_read("tdx/trustee-tdx-q6-v4/tcb_info.json");
    bufs[8] = tu_read("tdx/trustee-tdx-q6-v4/qe_identity.json");
    raw.tcb_info = ccs_buf_view(&bufs[7]);
    raw.qe_identity = ccs_buf_view(&bufs[8]);
    assert_int_equal(ccs_collateral_load(&raw, &c), CCS_OK);
    assert_int_equal(ccs_time_parse("2025-10-29T00:00:00Z", &opt.now), CCS_OK);
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
    assert_int_equal(r.platform_tcb_status, CCS_TCB_OUT_OF_DATE);
    assert_int_equal(r.tdx_module_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.qe_tcb_status, CCS_TCB_UP_TO_DATE);
    assert_int_equal(r.tcb_status, CCS_TCB_OUT_OF_DATE);
    static const char *const want[] = {CCS_CHECK_PCK_CRL, CCS_CHECK_TCB_STATUS};
    assert_true(tu_failed_exactly(&r, want, 2));
    ccs_collateral_free(c);
    tu_bufs_free(bufs, 9);
    ccs_buf_free(&q);
}

static void test_wrong_tee_collateral(void **state) {
    (void)state;
    ccs_buf q = tu_read(SGX "/quote.bin");
    ccs_collateral *c = tu_collateral_dir(TDX4);
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    ccs_dcap_result r;
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
    /* The TDX collateral's PCK CRL is the Processor CA's; this PCK is the Platform CA's. */
    static const char *const want[] = {CCS_CHECK_PCK_CRL, CCS_CHECK_TCB_INFO, CCS_CHECK_FMSPC, CCS_CHECK_QE_IDENTITY};
    if (!tu_failed_exactly(&r, want, 4)) {
        tu_print_failed(&r);
        fail();
    }
    assert_int_equal(r.tcb_status, CCS_TCB_UNKNOWN);
    ccs_collateral_free(c);
    ccs_buf_free(&q);
}

static void test_garbage_quote_gives_result(void **state) {
    (void)state;
    ccs_collateral *c = tu_collateral_dir(SGX);
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    ccs_dcap_result r;
    assert_int_equal(ccs_dcap_verify(ccs_bytes_of("\x03\x00", 2), c, &opt, &r), CCS_ERR_VERIFY);
    assert_int_equal(r.n_failed, 1);
    assert_string_equal(r.failed[0].name, CCS_CHECK_QUOTE_FORMAT);
    assert_false(r.pass);
    assert_int_equal(ccs_dcap_verify(ccs_bytes_of("", 0), NULL, &opt, &r), CCS_ERR_INVALID_ARG);
    ccs_collateral_free(c);
}

static void test_result_json(void **state) {
    (void)state;
    ccs_buf q = tu_read(TDX4 "/quote.bin");
    ccs_collateral *c = tu_collateral_dir(TDX4);
    ccs_dcap_options opt = {.now = T_SGX_ASOF};
    ccs_dcap_result r;
    char *js = NULL;
    assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_OK);
    assert_int_equal(ccs_dcap_result_json(&r, &js), CCS_OK);
    tu_doc_is_text(ccs_dcap_result_doc(&r), js);
    assert_non_null(strstr(js, "\"verdict\": \"pass\""));
    assert_non_null(strstr(js, "\"tcb_status\": \"UpToDate\""));
    assert_non_null(strstr(js, "\"fmspc\": \"b0c06f000000\""));
    assert_non_null(strstr(js, "\"mr_td\": \"91eb2b44d141d4ec"));
    assert_non_null(strstr(js, "\"rtmr3\""));
    assert_non_null(strstr(js, "\"failed_checks\": []"));
    free(js);
    ccs_collateral_free(c);
    ccs_buf_free(&q);
}

/* Vectors without their own collateral: against another platform's TDX
 * collateral at a time their PCK chains are valid, every signature, chain
 * and CRL check passes; only the FMSPC binding (and the debug policy for the
 * debug TD) fails. */
static void test_parse_only_vectors_signatures(void **state) {
    (void)state;
    static const char *const quotes[] = {"tdx/gotdx-cos113-v4-padded/quote.bin", "tdx/trustee-tdx-q4-v4/quote.bin",
                                         "tdx/trustee-tdx-q5-v5/quote.bin", "tdx/trustee-azure-tdx-v4/quote.bin",
                                         "tdx/trustee-tdx-q6-v4/quote.bin"};
    static const char *const fmspc_only[] = {CCS_CHECK_FMSPC};
    static const char *const fmspc_debug[] = {CCS_CHECK_FMSPC, CCS_CHECK_DEBUG};
    ccs_collateral *c = tu_collateral_dir(TDX4);
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
        ccs_buf q = tu_read(quotes[i]);
        ccs_dcap_options opt = {.now = T_SGX_ASOF};
        ccs_dcap_result r;
        bool debug_td = strstr(quotes[i], "q4") != NULL;
        assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
        if (!tu_failed_exactly(&r, debug_td ? fmspc_debug : fmspc_only, debug_td ? 2 : 1)) {
            print_message("%s:\n", quotes[i]);
            tu_print_failed(&r);
            fail();
        }
        assert_int_equal(r.debug, debug_td);
        assert_int_equal(r.tcb_status, CCS_TCB_UNKNOWN); /* TCB Info is another platform's */
        opt.allow_debug = true;
        assert_int_equal(ccs_dcap_verify(ccs_buf_view(&q), c, &opt, &r), CCS_ERR_VERIFY);
        assert_true(tu_failed_exactly(&r, fmspc_only, 1));
        ccs_buf_free(&q);
    }
    ccs_collateral_free(c);
}

int ccs_test_verify(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_vectors),     cmocka_unit_test(test_flip_sgx_quote), cmocka_unit_test(test_qe_report_remembered),
        cmocka_unit_test(test_flip_tdx_quote),   cmocka_unit_test(test_flip_collateral),
        cmocka_unit_test(test_windows),          cmocka_unit_test(test_policy_options),
        cmocka_unit_test(test_trustee_q6),       cmocka_unit_test(test_wrong_tee_collateral),
        cmocka_unit_test(test_garbage_quote_gives_result), cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_parse_only_vectors_signatures),
    };
    return cmocka_run_group_tests_name("attest_verify", tests, NULL, NULL);
}
