/* Collateral loaders: directory, dcap-qvl JSON, in-memory parts; malformed
 * documents fail with the exact status; truncation never crashes. */
#include <stdlib.h>
#include <string.h>

#include "attest_tests.h"
#include "testutil.h"

#define SGX "sgx/dcapqvl-sgx-v3"
#define TDX4 "tdx/dcapqvl-tdx-v4-uptodate"

static void test_load_forms(void **state) {
    (void)state;
    uint8_t fmspc[6];
    ccs_time expiry;
    ccs_collateral *a = tu_collateral_dir(SGX), *b = tu_collateral_dir(SGX "/collateral_dcapqvl.json");
    ccs_collateral *t = tu_collateral_dir(TDX4);
    assert_int_equal(ccs_collateral_tee(a), CCS_TEE_SGX);
    assert_int_equal(ccs_collateral_tee(b), CCS_TEE_SGX);
    assert_int_equal(ccs_collateral_tee(t), CCS_TEE_TDX);
    assert_int_equal(ccs_collateral_fmspc(a, fmspc), CCS_OK);
    assert_memory_equal(fmspc, "\x00\xa0\x67\x11\x00\x00", 6);
    assert_int_equal(ccs_collateral_fmspc(t, fmspc), CCS_OK);
    assert_memory_equal(fmspc, "\xb0\xc0\x6f\x00\x00\x00", 6);
    /* Earliest nextUpdate: the QE Identity's 2025-07-19T10:01:18Z. */
    assert_int_equal(ccs_time_parse("2025-07-19T10:01:18Z", &expiry), CCS_OK);
    assert_int_equal(ccs_collateral_expiry(a), expiry);
    assert_int_equal(ccs_collateral_expiry(b), expiry);
    ccs_collateral_free(a);
    ccs_collateral_free(b);
    ccs_collateral_free(t);
    ccs_collateral_free(NULL);
}

static void test_missing_pieces(void **state) {
    (void)state;
    ccs_collateral *c = NULL;
    ccs_collateral_raw raw = {0};
    assert_int_equal(ccs_collateral_load(&raw, &c), CCS_ERR_NOT_FOUND);
    assert_null(c);
    assert_int_equal(ccs_collateral_load_dir(CCS_TEST_DATA "/attestation/tdx/trustee-tdx-q4-v4", &c),
                     CCS_ERR_NOT_FOUND);
    assert_int_equal(ccs_collateral_load_path("/nonexistent/collateral", &c), CCS_ERR_IO);
    assert_int_equal(ccs_collateral_load_dcapqvl(ccs_bytes_str("[]"), &c), CCS_ERR_FORMAT);
    assert_int_equal(ccs_collateral_load_dcapqvl(ccs_bytes_str("{\"tcb_info\":\"{}\"}"), &c), CCS_ERR_FORMAT);
}

/* Loads the SGX collateral with the TCB Info text edited (first occurrence of
 * `from` replaced by `to`); returns the load status. */
static ccs_status load_edited(int piece, const char *from, const char *to) {
    ccs_collateral_raw raw;
    ccs_buf bufs[9], edited = {0};
    ccs_collateral *c = NULL;
    tu_raw_from_dir(SGX, &raw, bufs);
    const char *text = (const char *)bufs[piece].ptr;
    const char *at = strstr(text, from);
    if (!at) fail_msg("\"%s\" not in piece %d", from, piece);
    assert_int_equal(ccs_buf_append(&edited, text, (size_t)(at - text)), CCS_OK);
    assert_int_equal(ccs_buf_append_str(&edited, to), CCS_OK);
    assert_int_equal(ccs_buf_append_str(&edited, at + strlen(from)), CCS_OK);
    if (piece == 0) raw.tcb_info = ccs_buf_view(&edited);
    if (piece == 2) raw.qe_identity = ccs_buf_view(&edited);
    if (piece == 4) raw.pck_crl = ccs_buf_view(&edited);
    ccs_status st = ccs_collateral_load(&raw, &c);
    ccs_collateral_free(c);
    ccs_buf_free(&edited);
    tu_bufs_free(bufs, 9);
    return st;
}

static void test_malformed_tcb_info(void **state) {
    (void)state;
    assert_int_equal(load_edited(0, "\"version\":3", "\"version\":4"), CCS_ERR_UNSUPPORTED);
    assert_int_equal(load_edited(0, "\"id\":\"SGX\"", "\"id\":\"SEV\""), CCS_ERR_UNSUPPORTED);
    assert_int_equal(load_edited(0, "\"tcbStatus\":\"SWHardeningNeeded\"", "\"tcbStatus\":\"Fine\""),
                     CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "\"tcbStatus\":\"SWHardeningNeeded\"", "\"tcbStatus\":\"uptodate\""),
                     CCS_ERR_FORMAT); /* statuses are case-sensitive */
    assert_int_equal(load_edited(0, "\"fmspc\":\"00A067110000\"", "\"fmspc\":\"00A0671100\""), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "\"fmspc\":\"00A067110000\"", "\"fmspc\":\"00A06711000G\""), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "\"fmspc\"", "\"fmspx\""), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "{\"svn\":11},", ""), CCS_ERR_FORMAT); /* 15 components */
    assert_int_equal(load_edited(0, "{\"svn\":11}", "{\"svn\":256}"), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "{\"svn\":11}", "{\"svn\":-1}"), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "\"issueDate\":\"2025-06-19T10:56:11Z\"", "\"issueDate\":\"2025-06-19\""),
                     CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "\"tcbType\":0", "\"tcbType\":1"), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "\"pceId\":\"0000\"", "\"pceId\":\"0000\",\"pceId\":\"0000\""),
                     CCS_ERR_FORMAT); /* duplicate member */
    assert_int_equal(load_edited(0, "\"signature\":\"", "\"signature\":\"00"), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(0, "{\"tcbInfo\":", "{\"tcbInfo\":{},\"x\":"), CCS_ERR_FORMAT);
}

static void test_malformed_qe_identity(void **state) {
    (void)state;
    assert_int_equal(load_edited(2, "\"version\":2", "\"version\":1"), CCS_ERR_UNSUPPORTED);
    assert_int_equal(load_edited(2, "\"id\":\"QE\"", "\"id\":\"XE\""), CCS_ERR_UNSUPPORTED);
    assert_int_equal(load_edited(2, "\"miscselect\":\"00000000\"", "\"miscselect\":\"000000\""), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(2, "\"tcbLevels\":[", "\"tcbLevels\":[],\"x\":["), CCS_ERR_FORMAT);
    assert_int_equal(load_edited(2, "\"isvprodid\":1", "\"isvprodid\":70000"), CCS_ERR_FORMAT);
}

static void test_truncated_dcapqvl(void **state) {
    (void)state;
    ccs_buf b = tu_read(SGX "/collateral_dcapqvl.json");
    /* Every prefix that is not the whole document fails cleanly. Step 7 keeps
     * the run short under ASan; the fuzz target covers the rest. */
    for (size_t n = 0; n + 1 < b.len; n += 7) {
        ccs_collateral *c = NULL;
        ccs_status st = ccs_collateral_load_dcapqvl(ccs_bytes_of(b.ptr, n), &c);
        if (st == CCS_OK) fail_msg("prefix %zu loaded", n);
        assert_null(c);
    }
    ccs_buf_free(&b);
}

static void test_crl_forms(void **state) {
    (void)state;
    /* CRLs as DER (directory) and hex (dcap-qvl JSON) were covered above;
     * garbage is refused at load time. */
    assert_int_equal(load_edited(4, "", "garbage"), CCS_ERR_FORMAT);
}

int ccs_test_collateral(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_forms),          cmocka_unit_test(test_missing_pieces),
        cmocka_unit_test(test_malformed_tcb_info),  cmocka_unit_test(test_malformed_qe_identity),
        cmocka_unit_test(test_truncated_dcapqvl),   cmocka_unit_test(test_crl_forms),
    };
    return cmocka_run_group_tests_name("attest_collateral", tests, NULL, NULL);
}
