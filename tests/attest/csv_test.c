/* Hygon CSV verification against the recorded vectors (tests/data/
 * attestation/csv, MANIFEST.md): the csv-rs report with its full chain, the
 * trustee JSON evidence without HSK/CEK, and tampering of every part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest_tests.h"
#include "csv.h"
#include "testutil.h"

#define CSVRS "csv/csvrs-report-and-certs/"
#define TRUSTEE "csv/trustee-csv-evidence/"

typedef struct fixture {
    ccs_buf report, hrk, hsk, cek, pair, trustee;
    ccs_csv_certs certs; /* hrk, hsk, cek of the csvrs vector */
} fixture;

static fixture fx;

static int setup(void **state) {
    (void)state;
    fx.report = tu_read(CSVRS "report.cert");
    fx.hrk = tu_read(CSVRS "hrk.cert");
    fx.hsk = tu_read(CSVRS "hsk.cert");
    fx.cek = tu_read(CSVRS "cek.cert");
    fx.pair = tu_read(CSVRS "hsk_cek.cert");
    fx.trustee = tu_read(TRUSTEE "evidence.json");
    fx.certs = (ccs_csv_certs){ccs_buf_view(&fx.hrk), ccs_buf_view(&fx.hsk), ccs_buf_view(&fx.cek)};
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ccs_buf *all[] = {&fx.report, &fx.hrk, &fx.hsk, &fx.cek, &fx.pair, &fx.trustee};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ccs_buf_free(all[i]);
    return 0;
}

static void print_failed(const ccs_csv_result *r) {
    for (size_t i = 0; i < r->n_failed; i++) print_message("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
}

static bool has_failed(const ccs_csv_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    return false;
}

/* Verifies and asserts that exactly the named checks failed (none: pass). */
static void expect(ccs_bytes ev, const ccs_csv_certs *certs, const ccs_csv_options *opt, ccs_csv_result *r,
                   const char *const *names, size_t n) {
    ccs_status st = ccs_csv_verify(ev, certs, opt, r);
    bool ok = r->n_failed == n;
    for (size_t i = 0; i < n && ok; i++) ok = has_failed(r, names[i]);
    if (!ok) print_failed(r);
    assert_true(ok);
    assert_int_equal(st, n ? CCS_ERR_VERIFY : CCS_OK);
    assert_int_equal(r->pass, n == 0);
}

#define EXPECT(ev, certs, opt, r, ...)                                                              \
    do {                                                                                            \
        static const char *const names_[] = {__VA_ARGS__};                                          \
        expect((ev), (certs), (opt), (r), names_ + 1, sizeof names_ / sizeof names_[0] - 1);        \
    } while (0)

static void hex_eq(const uint8_t *p, size_t n, const char *want) {
    char buf[129];
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(p, n), buf, sizeof buf), CCS_OK);
    assert_string_equal(buf, want);
}

static void test_csvrs_full_chain(void **state) {
    (void)state;
    ccs_csv_result r;
    uint8_t rd[64] = "user data";
    EXPECT(ccs_buf_view(&fx.report), &fx.certs, NULL, &r, "");
    assert_string_equal(r.chip_id, "NZA9T14052605");
    assert_memory_equal(r.report_data, rd, 64);
    hex_eq(r.measurement, 32, "1178dadbf826ec7a07444ba358376d81c312cb53d703f9da83b26c1eee2ea052");
    hex_eq(r.mnonce, 16, "67c6697351ff4aec29cdbaabf2fbe346");
    assert_int_equal(r.policy, 0x40000001u);
    assert_false(r.debug);
    assert_int_equal(r.hmac, CCS_CSV_HMAC_VALID);
    assert_int_equal(r.form, CCS_CSV_FORM_RAW);
    assert_int_equal(r.report_version, 1);
    assert_true(ccs_bytes_is_zero(ccs_bytes_of(r.user_pubkey_digest, 32)));
    assert_true(ccs_bytes_is_zero(ccs_bytes_of(r.vm_id, 16)) && ccs_bytes_is_zero(ccs_bytes_of(r.vm_version, 16)));
    assert_int_equal(r.pek_fw_major * 10 + r.pek_fw_minor, 13);
    assert_int_equal(r.cek_fw_major * 10 + r.cek_fw_minor, 11);

    /* The built-in HRK when none is given; HSK || CEK as one file. */
    ccs_csv_certs pair = {{0}, ccs_bytes_of(fx.pair.ptr, 832), ccs_bytes_of(fx.pair.ptr + 832, 2084)};
    EXPECT(ccs_buf_view(&fx.report), &pair, NULL, &r, "");
    /* Expected mnonce and report data, both right. */
    uint8_t mn[16];
    assert_int_equal(ccs_hex_decode_fixed("67c6697351ff4aec29cdbaabf2fbe346", 32, mn, 16), CCS_OK);
    ccs_csv_options o = {.mnonce = ccs_bytes_of(mn, 16), .report_data = ccs_bytes_str("user data")};
    EXPECT(ccs_buf_view(&fx.report), &fx.certs, &o, &r, "");
    /* The firmware's 4096-byte buffer. */
    uint8_t *buf = calloc(1, CCS_CSV_REPORT_BUF_LEN);
    memcpy(buf, fx.report.ptr, fx.report.len);
    EXPECT(ccs_bytes_of(buf, CCS_CSV_REPORT_BUF_LEN), &fx.certs, &o, &r, "");
    free(buf);
}

static void test_load_dir(void **state) {
    (void)state;
    ccs_buf store = {0};
    ccs_csv_certs c;
    ccs_csv_result r;
    assert_int_equal(ccs_csv_certs_load_dir(ATT_DIR "/" CSVRS, &store, &c), CCS_OK);
    assert_int_equal(c.hrk.len, 832);
    assert_int_equal(c.hsk.len, 832);
    assert_int_equal(c.cek.len, 2084);
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "");
    assert_int_equal(ccs_csv_certs_load_dir(ATT_DIR "/" TRUSTEE, &store, &c), CCS_OK);
    assert_int_equal(c.hrk.len, 832);
    assert_int_equal(c.hsk.len + c.cek.len, 0);
    assert_int_equal(ccs_csv_certs_load_dir(ATT_DIR "/csv/no-such-dir", &store, &c), CCS_ERR_IO);
    ccs_buf_free(&store);
}

static void test_trustee(void **state) {
    (void)state;
    ccs_csv_result r;
    ccs_csv_certs hrk_only = {ccs_buf_view(&fx.hrk), {0}, {0}};
    /* PEK -> report verifies; the chain cannot; the HMAC is not checkable. */
    EXPECT(ccs_buf_view(&fx.trustee), &hrk_only, NULL, &r, "", CCS_CHECK_CSV_CHAIN, CCS_CHECK_CSV_REPORT_HMAC);
    assert_non_null(strstr(r.failed[0].message, "missing collateral: HSK/CEK for chip KPA64911240507"));
    assert_int_equal(r.hmac, CCS_CSV_HMAC_NOT_CHECKABLE);
    assert_int_equal(r.form, CCS_CSV_FORM_TRUSTEE);
    assert_string_equal(r.chip_id, "KPA64911240507");
    assert_int_equal(r.policy, 0x45u);
    hex_eq(r.measurement, 32, "ae2a2cf1f41a485fa37bf9ae92f678783c59fbc79de7b5d237743d58f5538034");
    hex_eq(r.mnonce, 16, "ad998a845c45cf30944d1c285629e768");
    assert_true(ccs_bytes_is_zero(ccs_bytes_of(r.report_data, 64)));
    ccs_csv_options o = {.insecure_unchecked_hmac = true};
    EXPECT(ccs_buf_view(&fx.trustee), &hrk_only, &o, &r, "", CCS_CHECK_CSV_CHAIN);
    EXPECT(ccs_buf_view(&fx.trustee), NULL, &o, &r, "", CCS_CHECK_CSV_CHAIN);
    /* Another chip's CEK does not verify this PEK. */
    EXPECT(ccs_buf_view(&fx.trustee), &fx.certs, &o, &r, "", CCS_CHECK_CSV_PEK_SIGNATURE);
}

static void test_trustee_json_shapes(void **state) {
    (void)state;
    ccs_csv_report rep;
    ccs_buf j = {0};
    assert_int_equal(ccs_csv_report_parse(ccs_buf_view(&fx.trustee), &rep), CCS_OK);
    /* serial_number that is not the report's chip. */
    assert_int_equal(ccs_buf_set(&j, ccs_buf_view(&fx.trustee)), CCS_OK);
    char *sn = strstr((char *)j.ptr, "\"serial_number\":[75,");
    assert_non_null(sn);
    sn[17] = '8'; /* 'K' -> 'U' */
    ccs_csv_result r;
    ccs_csv_options o = {.insecure_unchecked_hmac = true};
    EXPECT(ccs_buf_view(&j), NULL, &o, &r, "", CCS_CHECK_CSV_CHAIN, CCS_CHECK_CSV_CHIP_ID);
    /* Malformed and foreign JSON: report_format. */
    static const char bad_byte[] = "{\"attestation_report\":{\"magic\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"
                                   "\"flags\":0,\"data\":[256]}}";
    const char *bad[] = {"{", "{\"attestation_report\":1}", "{\"attestation_report\":{\"data\":[1,2]}}", "[]",
                         bad_byte};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT(ccs_bytes_str(bad[i]), NULL, NULL, &r, "", CCS_CHECK_CSV_REPORT_FORMAT);
    ccs_buf_free(&j);
}

/* copy = the csvrs report with one byte changed. */
static void flip(uint8_t *copy, size_t off, uint8_t mask) {
    memcpy(copy, fx.report.ptr, CCS_CSV_REPORT_LEN);
    copy[off] ^= mask;
}

static void test_tampering(void **state) {
    (void)state;
    uint8_t b[CCS_CSV_REPORT_LEN];
    ccs_bytes v = ccs_bytes_of(b, sizeof b);
    ccs_csv_result r;
    ccs_csv_options allow = {.allow_debug = true};
    /* Signed TeeInfo: report_data, measure, mnonce. */
    static const size_t signed_offs[] = {0, 40, 70, 127, 150, 179};
    for (size_t i = 0; i < sizeof signed_offs / sizeof signed_offs[0]; i++) {
        flip(b, signed_offs[i], 0x01);
        EXPECT(v, &fx.certs, &allow, &r, "", CCS_CHECK_CSV_REPORT_SIGNATURE);
    }
    /* The mnonce is the HMAC key: changing it also breaks the HMAC. */
    flip(b, 128, 0x01);
    EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_REPORT_SIGNATURE, CCS_CHECK_CSV_REPORT_HMAC);
    /* The policy's NODBG bit: unsigned change, and a debuggable guest. */
    flip(b, 176, 0x01);
    EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_REPORT_SIGNATURE, CCS_CHECK_CSV_DEBUG);
    assert_true(r.debug);
    EXPECT(v, &fx.certs, &allow, &r, "", CCS_CHECK_CSV_REPORT_SIGNATURE);
    /* The report signature's r. */
    flip(b, 200, 0x01);
    EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_REPORT_SIGNATURE);
    /* The PEK's key: its CEK signature, the report signature and the HMAC. */
    flip(b, 336 + 30, 0x01);
    EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_PEK_SIGNATURE, CCS_CHECK_CSV_REPORT_SIGNATURE,
           CCS_CHECK_CSV_REPORT_HMAC);
    /* The CEK's signature on the PEK (slot 0's r). */
    flip(b, 336 + 1044 + 8 + 3, 0x01);
    EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_PEK_SIGNATURE, CCS_CHECK_CSV_REPORT_HMAC);
    /* Chip SN (a printable change), reserved bytes, the HMAC itself. */
    flip(b, 2420 + 1, 0x02);
    EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_REPORT_HMAC);
    static const size_t hmac_offs[] = {2484, 2500, 2515, 2516, 2547};
    for (size_t i = 0; i < sizeof hmac_offs / sizeof hmac_offs[0]; i++) {
        flip(b, hmac_offs[i], 0x80);
        EXPECT(v, &fx.certs, NULL, &r, "", CCS_CHECK_CSV_REPORT_HMAC);
        assert_int_equal(r.hmac, CCS_CSV_HMAC_INVALID);
    }
}

static void test_expectations(void **state) {
    (void)state;
    ccs_csv_result r;
    uint8_t mn[16] = {0x67, 0xc6, 0x69, 0x73};
    ccs_csv_options o = {.mnonce = ccs_bytes_of(mn, 16)};
    EXPECT(ccs_buf_view(&fx.report), &fx.certs, &o, &r, "", CCS_CHECK_CSV_MNONCE);
    o = (ccs_csv_options){.report_data = ccs_bytes_str("user datA")};
    EXPECT(ccs_buf_view(&fx.report), &fx.certs, &o, &r, "", CCS_CHECK_CSV_REPORT_DATA);
    o = (ccs_csv_options){.report_data = ccs_bytes_str("user")}; /* prefix, but the rest is not zero */
    EXPECT(ccs_buf_view(&fx.report), &fx.certs, &o, &r, "", CCS_CHECK_CSV_REPORT_DATA);
    o = (ccs_csv_options){.mnonce = ccs_bytes_of(mn, 15)};
    assert_int_equal(ccs_csv_verify(ccs_buf_view(&fx.report), &fx.certs, &o, &r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_csv_verify(ccs_buf_view(&fx.report), &fx.certs, NULL, NULL), CCS_ERR_INVALID_ARG);
}

static void test_roots_and_chain(void **state) {
    (void)state;
    ccs_csv_result r;
    uint8_t hrk[832];
    /* A foreign HRK (one changed byte; the HSK in its place) is refused. */
    memcpy(hrk, fx.hrk.ptr, sizeof hrk);
    hrk[100] ^= 1;
    ccs_csv_certs c = fx.certs;
    c.hrk = ccs_bytes_of(hrk, sizeof hrk);
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "", CCS_CHECK_CSV_HRK, CCS_CHECK_CSV_CHAIN);
    c.hrk = ccs_buf_view(&fx.hsk);
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "", CCS_CHECK_CSV_HRK, CCS_CHECK_CSV_CHAIN);
    assert_memory_equal(ccs_csv_hygon_hrk().ptr, fx.hrk.ptr, 832);
    /* HSK and CEK swapped, missing, or tampered. */
    c = (ccs_csv_certs){{0}, ccs_buf_view(&fx.cek), ccs_buf_view(&fx.hsk)};
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "", CCS_CHECK_CSV_CHAIN);
    c = (ccs_csv_certs){{0}, ccs_buf_view(&fx.hsk), {0}};
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "", CCS_CHECK_CSV_CHAIN);
    assert_non_null(strstr(r.failed[0].message, "missing collateral: HSK/CEK for chip NZA9T14052605"));
    uint8_t hsk[832], cek[2084];
    memcpy(hsk, fx.hsk.ptr, sizeof hsk);
    memcpy(cek, fx.cek.ptr, sizeof cek);
    c = (ccs_csv_certs){{0}, ccs_bytes_of(hsk, sizeof hsk), ccs_bytes_of(cek, sizeof cek)};
    hsk[300] ^= 1; /* user ID area: signed */
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "", CCS_CHECK_CSV_CHAIN);
    hsk[300] ^= 1;
    cek[500] ^= 1; /* reserved, signed */
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "", CCS_CHECK_CSV_CHAIN);
    cek[500] ^= 1;
    EXPECT(ccs_buf_view(&fx.report), &c, NULL, &r, "");
}

static void test_truncation(void **state) {
    (void)state;
    ccs_csv_result r;
    for (size_t n = 0; n < CCS_CSV_REPORT_LEN; n++) {
        assert_int_equal(ccs_csv_verify(ccs_bytes_of(fx.report.ptr, n), &fx.certs, NULL, &r), CCS_ERR_VERIFY);
        assert_int_equal(r.n_failed, 1);
        assert_string_equal(r.failed[0].name, CCS_CHECK_CSV_REPORT_FORMAT);
    }
    uint8_t *big = calloc(1, CCS_CSV_REPORT_BUF_LEN + 1);
    memcpy(big, fx.report.ptr, fx.report.len);
    EXPECT(ccs_bytes_of(big, CCS_CSV_REPORT_BUF_LEN + 1), &fx.certs, NULL, &r, "", CCS_CHECK_CSV_REPORT_FORMAT);
    free(big);
}

static void test_cert_parsers(void **state) {
    (void)state;
    csv_cert c;
    assert_int_equal(ccs_csv_ca_cert_parse(ccs_bytes_of(fx.hsk.ptr, 831), &c), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_csv_ca_cert_parse(ccs_bytes_of(fx.pair.ptr, 833), &c), CCS_ERR_TRAILING);
    assert_int_equal(ccs_csv_cert_parse(ccs_bytes_of(fx.cek.ptr, 2083), &c), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_csv_ca_cert_parse(ccs_buf_view(&fx.hsk), &c), CCS_OK);
    assert_int_equal(c.key_usage, CSV_USAGE_HSK);
    assert_int_equal((int)c.user_id.len, 13);
    assert_memory_equal(c.user_id.ptr, "HYGON-SSD-HSK", 13);
    assert_int_equal(ccs_csv_cert_parse(ccs_buf_view(&fx.cek), &c), CCS_OK);
    assert_int_equal(c.key_usage, CSV_USAGE_CEK);
    assert_true(c.sig[1].empty);
    uint8_t cek[2084];
    memcpy(cek, fx.cek.ptr, sizeof cek);
    cek[20 + 40] = 1; /* above the low 32 bytes of Qx */
    assert_int_equal(ccs_csv_cert_parse(ccs_bytes_of(cek, sizeof cek), &c), CCS_ERR_FORMAT);
    memcpy(cek, fx.cek.ptr, sizeof cek);
    cek[16] = 2; /* curve */
    assert_int_equal(ccs_csv_cert_parse(ccs_bytes_of(cek, sizeof cek), &c), CCS_ERR_UNSUPPORTED);
    memcpy(cek, fx.cek.ptr, sizeof cek);
    cek[164] = 255; /* user-ID length */
    assert_int_equal(ccs_csv_cert_parse(ccs_bytes_of(cek, sizeof cek), &c), CCS_ERR_FORMAT);
}

static void test_json_and_detect(void **state) {
    (void)state;
    ccs_csv_result r;
    char *js = NULL;
    assert_string_equal(ccs_evidence_kind(ccs_buf_view(&fx.report)), "csv");
    assert_string_equal(ccs_evidence_kind(ccs_buf_view(&fx.trustee)), "csv");
    EXPECT(ccs_buf_view(&fx.report), &fx.certs, NULL, &r, "");
    assert_int_equal(ccs_csv_result_json(&r, &js), CCS_OK);
    tu_doc_is_text(ccs_csv_result_doc(&r), js);
    assert_non_null(strstr(js, "\"verdict\": \"pass\""));
    assert_non_null(strstr(js, "\"tee\": \"csv\""));
    assert_non_null(strstr(js, "\"chip_id\": \"NZA9T14052605\""));
    assert_non_null(strstr(js, "\"policy\": 1073741825"));
    assert_non_null(strstr(js, "\"nodbg\": true"));
    assert_non_null(strstr(js, "\"report_hmac\": \"valid\""));
    free(js);
    EXPECT(ccs_bytes_str("garbage"), NULL, NULL, &r, "", CCS_CHECK_CSV_REPORT_FORMAT);
    assert_int_equal(ccs_csv_result_json(&r, &js), CCS_OK);
    assert_non_null(strstr(js, "\"verdict\": \"fail\""));
    assert_null(strstr(js, "claims"));
    free(js);
}

int ccs_test_csv(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csvrs_full_chain), cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_trustee),          cmocka_unit_test(test_trustee_json_shapes),
        cmocka_unit_test(test_tampering),        cmocka_unit_test(test_expectations),
        cmocka_unit_test(test_roots_and_chain),  cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_cert_parsers),     cmocka_unit_test(test_json_and_detect),
    };
    return cmocka_run_group_tests_name("attest/csv", tests, setup, teardown);
}
