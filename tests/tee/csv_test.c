/* The Hygon CSV collector without the hardware: it refuses; its request
 * buffer matches csv-rs; and its check of what /dev/csv-guest returns is
 * exercised by replaying the recorded csv-rs report (made with report data
 * "user data" and mnonce 67c6697351ff4aec29cdbaabf2fbe346). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "ccs/tee.h"
#include "tee_tests.h"

#define CSV_REPORT CCS_TEST_DATA "/attestation/csv/csvrs-report-and-certs/report.cert"

static const uint8_t recorded_mnonce[16] = {0x67, 0xc6, 0x69, 0x73, 0x51, 0xff, 0x4a, 0xec,
                                            0x29, 0xcd, 0xba, 0xab, 0xf2, 0xfb, 0xe3, 0x46};

static void test_csv_unavailable(void **state) {
    (void)state;
    ccs_backend *b = NULL;
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_CSV, .root = CCS_TEST_TMP "/csv-empty-root"};
    mkdir(cfg.root, 0700);
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_UNSUPPORTED);
    assert_null(b);
    assert_non_null(strstr(ccs_error_detail(), "CSV is not available on this machine"));
}

/* csv-rs src/api/guest/types.rs test "report_req::test_new". */
static void test_csv_request(void **state) {
    (void)state;
    static const uint8_t data[64] = {
        103, 198, 105, 115, 81,  255, 74,  236, 41,  205, 186, 171, 242, 251, 227, 70,  124, 194, 84,  248, 27, 232,
        231, 141, 118, 90,  46,  99,  51,  159, 201, 154, 102, 50,  13,  183, 49,  88,  163, 90,  37,  93,  5,  23,
        88,  233, 94,  212, 171, 178, 205, 198, 155, 180, 84,  17,  14,  130, 116, 65,  33,  61,  220, 135};
    static const uint8_t mnonce[16] = {112, 233, 62, 161, 65, 225, 252, 103, 62, 1, 126, 151, 234, 220, 107, 150};
    static const uint8_t hash[32] = {19,  76,  8,   98,  33,  246, 247, 155, 28, 21,  245, 185, 118, 74,  162, 128,
                                     82,  15,  160, 233, 212, 130, 106, 177, 89, 6,   119, 243, 130, 21,  3,   153};
    uint8_t *buf = malloc(CCS_CSV_REPORT_BUF_LEN);
    ccs_csv_build_request(data, mnonce, buf);
    assert_memory_equal(buf, data, 64);
    assert_memory_equal(buf + 64, mnonce, 16);
    assert_memory_equal(buf + 80, hash, 32);
    assert_true(ccs_bytes_is_zero(ccs_bytes_of(buf + 112, CCS_CSV_REPORT_BUF_LEN - 112)));
    free(buf);
}

static void test_csv_replay(void **state) {
    (void)state;
    ccs_buf rep = {0};
    uint8_t ud[64] = "user data", other[16];
    assert_int_equal(ccs_file_read(CSV_REPORT, 1u << 16, &rep), CCS_OK);
    /* As the kernel returns it: the report in a 4096-byte page. */
    uint8_t *page = calloc(1, CCS_CSV_REPORT_BUF_LEN);
    memcpy(page, rep.ptr, rep.len);
    ccs_bytes pv = ccs_bytes_of(page, CCS_CSV_REPORT_BUF_LEN);
    assert_int_equal(ccs_csv_check_report(pv, ud, recorded_mnonce), CCS_OK);
    assert_int_equal(ccs_csv_check_report(ccs_buf_view(&rep), ud, recorded_mnonce), CCS_OK);
    memcpy(other, recorded_mnonce, 16);
    other[15] ^= 1;
    assert_int_equal(ccs_csv_check_report(pv, ud, other), CCS_ERR_MISMATCH);
    ud[0] = 'U';
    assert_int_equal(ccs_csv_check_report(pv, ud, recorded_mnonce), CCS_ERR_MISMATCH);
    ud[0] = 'u';
    page[2500] ^= 1; /* reserved bytes: HMAC input */
    assert_int_equal(ccs_csv_check_report(pv, ud, recorded_mnonce), CCS_ERR_SIGNATURE);
    page[2500] ^= 1;
    memset(page + 180, 0, 8); /* sig_usage/sig_algo: not a v1 report */
    assert_int_equal(ccs_csv_check_report(pv, ud, recorded_mnonce), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_csv_check_report(ccs_bytes_of(page, 100), ud, recorded_mnonce), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_csv_check_report(ccs_bytes_str("{\"a\":1}"), ud, recorded_mnonce), CCS_ERR_FORMAT);
    free(page);
    ccs_buf_free(&rep);
}

/* A device node that is not the CSV driver: the ioctl fails cleanly. */
static void test_csv_not_a_driver(void **state) {
    (void)state;
    ccs_backend *b = NULL;
    ccs_buf ev = {0};
    char dev[1024];
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_CSV, .root = CCS_TEST_TMP "/csv-fake-root"};
    mkdir(cfg.root, 0700);
    snprintf(dev, sizeof dev, "%s/dev", cfg.root);
    mkdir(dev, 0700);
    snprintf(dev, sizeof dev, "%s/dev/csv-guest", cfg.root);
    assert_int_equal(ccs_file_write(dev, ccs_bytes_str("not a device")), CCS_OK);
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_backend_platform(b), CCS_PLATFORM_CSV);
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_str("nonce"), &ev), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "CSV_CMD_GET_REPORT"));
    assert_int_equal(ev.len, 0);
    ccs_backend_free(b);
}

int ccs_test_csv_collector(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_unavailable),
        cmocka_unit_test(test_csv_request),
        cmocka_unit_test(test_csv_replay),
        cmocka_unit_test(test_csv_not_a_driver),
    };
    return cmocka_run_group_tests_name("tee/csv", tests, NULL, NULL);
}
