/* The SEV-SNP collector without SNP hardware: it refuses to open here; its
 * checks of what the kernel returns run on the recorded reports, both as a
 * configfs-tsm outblob (replayed through a directory laid out like
 * /sys/kernel/config/tsm and /dev) and as an SNP_GET_REPORT response. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "ccs/tee.h"
#include "tee_tests.h"

#define SNP_DATA CCS_TEST_DATA "/attestation/snp"

static const char *const reports[] = {
    SNP_DATA "/trustee-milan-vcek/report.bin",
    SNP_DATA "/trustee-milan-vlek/report.bin",
    SNP_DATA "/azure-genoa-vcek/report.bin",
    SNP_DATA "/azure-milan-vcek/report.bin",
};

static void test_snp_unavailable_here(void **state) {
    (void)state;
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SNP, .root = CCS_TEST_TMP "/snp-empty-root"};
    ccs_backend *b = NULL;
    tee_mkdirs(cfg.root);
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_UNSUPPORTED);
    assert_null(b);
    assert_non_null(strstr(ccs_error_detail(), "SEV-SNP is not available on this machine"));
    /* And on this machine itself, unless it is an SNP guest. */
    struct stat st;
    cfg.root = NULL;
    if (stat("/dev/sev-guest", &st) != 0) {
        assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_UNSUPPORTED);
        assert_non_null(strstr(ccs_error_detail(), "SEV-SNP is not available on this machine"));
    }
}

static void test_snp_check_report(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        ccs_buf r = tee_read(reports[i]);
        uint8_t rd[64];
        memcpy(rd, r.ptr + 0x50, 64);
        assert_int_equal(ccs_snp_check_report(ccs_buf_view(&r), rd), CCS_OK);
        rd[63] ^= 1;
        assert_int_equal(ccs_snp_check_report(ccs_buf_view(&r), rd), CCS_ERR_MISMATCH);
        rd[63] ^= 1;
        assert_int_equal(ccs_snp_check_report(ccs_bytes_of(r.ptr, r.len - 1), rd), CCS_ERR_TRUNCATED);
        ccs_buf_free(&r);
    }
}

/* MSG_REPORT_RSP in the 4000-byte response buffer of the ioctl. */
static void test_snp_ioctl_response(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        ccs_buf r = tee_read(reports[i]), out = {0};
        uint8_t resp[4000] = {0}, rd[64];
        memcpy(rd, r.ptr + 0x50, 64);
        resp[4] = 0xa0; /* report_size 0x4A0, little-endian */
        resp[5] = 0x04;
        memcpy(resp + 32, r.ptr, r.len);
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, sizeof resp), rd, &out), CCS_OK);
        assert_int_equal(out.len, CCS_SNP_REPORT_LEN);
        assert_memory_equal(out.ptr, r.ptr, r.len);
        out.len = 0;
        /* Exactly header + report is enough; one byte less is not. */
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, 32 + 0x4A0), rd, &out), CCS_OK);
        out.len = 0;
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, 32 + 0x49F), rd, &out), CCS_ERR_TRUNCATED);
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, 7), rd, &out), CCS_ERR_TRUNCATED);
        resp[0] = 0x16; /* firmware status: invalid parameter */
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, sizeof resp), rd, &out), CCS_ERR_IO);
        resp[0] = 0;
        resp[4] = 0xa1;
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, sizeof resp), rd, &out), CCS_ERR_FORMAT);
        resp[4] = 0xa0;
        resp[32] = 9; /* report version 9 */
        assert_int_equal(ccs_snp_parse_report_resp(ccs_bytes_of(resp, sizeof resp), rd, &out), CCS_ERR_UNSUPPORTED);
        assert_int_equal(out.len, 0);
        ccs_buf_free(&out);
        ccs_buf_free(&r);
    }
}

/* configfs-tsm with provider sev_guest, replayed: the backend opens (the
 * guest device exists under the root), and evidence is the outblob. */
static void test_snp_tsm_replay(void **state) {
    (void)state;
    const char *root = CCS_TEST_TMP "/snp-root";
    char entry[1100], dev[1100];
    ccs_buf r = tee_read(reports[2]), ev = {0};
    tee_tsm_entry(root, entry, sizeof entry);
    snprintf(dev, sizeof dev, "%s/dev", root);
    tee_mkdirs(entry);
    tee_mkdirs(dev);
    tee_put(dev, "sev-guest", ccs_bytes_str(""));
    tee_put(entry, "provider", ccs_bytes_str("sev_guest\n"));
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SNP, .root = root};
    ccs_backend *b = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_backend_platform(b), CCS_PLATFORM_SNP);
    tee_tsm *t = tee_tsm_start(entry, 3, 4, ccs_buf_view(&r));
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_of(r.ptr + 0x50, 64), &ev), CCS_OK);
    ccs_buf in = tee_tsm_join(t, NULL);
    assert_int_equal(in.len, 64);
    assert_memory_equal(in.ptr, r.ptr + 0x50, 64);
    ccs_buf_free(&in);
    assert_int_equal(ev.len, r.len);
    assert_memory_equal(ev.ptr, r.ptr, r.len);
    ev.len = 0;
    /* Other report data than the outblob carries: refused. */
    t = tee_tsm_start(entry, 4, 5, ccs_buf_view(&r));
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_str("nonce"), &ev), CCS_ERR_MISMATCH);
    in = tee_tsm_join(t, NULL);
    ccs_buf_free(&in);
    uint8_t key[32];
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("x"), key), CCS_ERR_UNSUPPORTED);
    /* Another provider: configfs-tsm is not SNP's, so the collector falls
     * back to the SNP_GET_REPORT ioctl, which the replayed device (a plain
     * file) refuses. */
    tee_put(entry, "provider", ccs_bytes_str("tdx_guest\n"));
    t = tee_tsm_start(entry, 5, 6, ccs_buf_view(&r));
    assert_int_equal(ccs_backend_evidence(b, ccs_bytes_of(r.ptr + 0x50, 64), &ev), CCS_ERR_IO);
    in = tee_tsm_join(t, NULL);
    assert_int_equal(in.len, 0); /* another provider's entry: nothing written */
    ccs_buf_free(&in);
    assert_int_equal(ev.len, 0);
    ccs_backend_free(b);
    ccs_buf_free(&ev);
    ccs_buf_free(&r);
}

int ccs_test_snp_collector(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snp_unavailable_here),
        cmocka_unit_test(test_snp_check_report),
        cmocka_unit_test(test_snp_ioctl_response),
        cmocka_unit_test(test_snp_tsm_replay),
    };
    return cmocka_run_group_tests_name("tee_snp", tests, NULL, NULL);
}
