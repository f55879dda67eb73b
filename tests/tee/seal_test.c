/* Sealing (ccs_seal / ccs_unseal) on the sim platforms: round trips under
 * both policies; another measurement (MRENCLAVE-like policy) or another
 * signer (MRSIGNER-like policy), another platform secret, another aad, and
 * every tampered or truncated blob are refused with the exact status. */
#include <stdio.h>
#include <string.h>

#include "ccs/crypto.h"
#include "ccs/tee.h"
#include "tee_tests.h"

#define SEAL_DIR CCS_TEST_TMP "/seal-sim"
#define SEAL_DIR2 CCS_TEST_TMP "/seal-sim-2"
#define HDR 9    /* magic, version, policy */
#define FIXED 37 /* header, nonce, tag */

static const char secret[] = "the database password";

static int setup(void **state) {
    (void)state;
    ccs_time now = ccs_time_now();
    if (ccs_sim_init(SEAL_DIR, now, true) != CCS_OK || ccs_sim_init(SEAL_DIR2, now, true) != CCS_OK) {
        fprintf(stderr, "sim init: %s\n", ccs_error_detail());
        return -1;
    }
    return 0;
}

static ccs_backend *open_sim(ccs_platform p, const char *dir, const char *measured, const char *signer) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = dir};
    ccs_backend *b = NULL;
    if (measured) cfg.sim_measurement = ccs_bytes_str(measured);
    if (signer) cfg.sim_signer = ccs_bytes_str(signer);
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open: %s", ccs_error_detail());
    return b;
}

static void seal_with(ccs_backend *b, ccs_seal_policy pol, ccs_bytes aad, ccs_buf *blob) {
    if (ccs_seal(b, pol, ccs_bytes_str(secret), aad, blob) != CCS_OK) fail_msg("seal: %s", ccs_error_detail());
    assert_int_equal(blob->len, FIXED + strlen(secret));
    assert_memory_equal(blob->ptr, "CCSSEAL\x01", 8);
    assert_int_equal(blob->ptr[8], (uint8_t)pol);
}

static ccs_status unseal_with(ccs_backend *b, ccs_bytes blob, ccs_bytes aad) {
    ccs_buf pt = {0};
    ccs_status st = ccs_unseal(b, blob, aad, &pt);
    if (st == CCS_OK) {
        assert_int_equal(pt.len, strlen(secret));
        assert_memory_equal(pt.ptr, secret, pt.len);
    } else {
        assert_int_equal(pt.len, 0);
    }
    ccs_buf_free(&pt);
    return st;
}

static void policies(ccs_platform p) {
    ccs_backend *a = open_sim(p, SEAL_DIR, "app v1", "vendor A");
    ccs_backend *same = open_sim(p, SEAL_DIR, "app v1", "vendor A");
    ccs_backend *upgraded = open_sim(p, SEAL_DIR, "app v2", "vendor A");
    ccs_backend *other_signer = open_sim(p, SEAL_DIR, "app v1", "vendor B");
    ccs_backend *other_platform = open_sim(p, SEAL_DIR2, "app v1", "vendor A");
    ccs_buf m = {0}, s = {0};
    ccs_bytes none = ccs_bytes_of(NULL, 0);
    seal_with(a, CCS_SEAL_MEASUREMENT, none, &m);
    seal_with(a, CCS_SEAL_SIGNER, none, &s);
    /* MRENCLAVE-like: only the same measurement (the signer does not matter). */
    assert_int_equal(unseal_with(same, ccs_buf_view(&m), none), CCS_OK);
    assert_int_equal(unseal_with(other_signer, ccs_buf_view(&m), none), CCS_OK);
    assert_int_equal(unseal_with(upgraded, ccs_buf_view(&m), none), CCS_ERR_SIGNATURE);
    /* MRSIGNER-like: any measurement by the same signer. */
    assert_int_equal(unseal_with(same, ccs_buf_view(&s), none), CCS_OK);
    assert_int_equal(unseal_with(upgraded, ccs_buf_view(&s), none), CCS_OK);
    assert_int_equal(unseal_with(other_signer, ccs_buf_view(&s), none), CCS_ERR_SIGNATURE);
    /* Another sim platform (its own secret). */
    assert_int_equal(unseal_with(other_platform, ccs_buf_view(&m), none), CCS_ERR_SIGNATURE);
    assert_int_equal(unseal_with(other_platform, ccs_buf_view(&s), none), CCS_ERR_SIGNATURE);
    /* Fresh nonces: two seals differ. */
    ccs_buf m2 = {0};
    seal_with(a, CCS_SEAL_MEASUREMENT, none, &m2);
    assert_true(memcmp(m.ptr + HDR, m2.ptr + HDR, 12) != 0);
    ccs_buf_free(&m);
    ccs_buf_free(&m2);
    ccs_buf_free(&s);
    ccs_backend *bs[] = {a, same, upgraded, other_signer, other_platform};
    for (size_t i = 0; i < 5; i++) ccs_backend_free(bs[i]);
}

static void test_policies_sgx(void **state) {
    (void)state;
    policies(CCS_PLATFORM_SIM_SGX);
}

static void test_policies_tdx(void **state) {
    (void)state;
    policies(CCS_PLATFORM_SIM_TDX);
}

/* The same measurement on the other sim platform type derives another key. */
static void test_platforms_separate(void **state) {
    (void)state;
    ccs_backend *sgx = open_sim(CCS_PLATFORM_SIM_SGX, SEAL_DIR, NULL, NULL);
    ccs_backend *tdx = open_sim(CCS_PLATFORM_SIM_TDX, SEAL_DIR, NULL, NULL);
    ccs_buf blob = {0};
    seal_with(sgx, CCS_SEAL_SIGNER, ccs_bytes_of(NULL, 0), &blob);
    assert_int_equal(unseal_with(tdx, ccs_buf_view(&blob), ccs_bytes_of(NULL, 0)), CCS_ERR_SIGNATURE);
    uint8_t k1[32], k2[32];
    assert_int_equal(ccs_backend_seal_key(sgx, CCS_SEAL_MEASUREMENT, ccs_bytes_str("a"), k1), CCS_OK);
    assert_int_equal(ccs_backend_seal_key(sgx, CCS_SEAL_MEASUREMENT, ccs_bytes_str("b"), k2), CCS_OK);
    assert_true(memcmp(k1, k2, 32) != 0);
    assert_int_equal(ccs_backend_seal_key(sgx, (ccs_seal_policy)3, ccs_bytes_str("a"), k1), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_seal(sgx, (ccs_seal_policy)0, ccs_bytes_str("x"), ccs_bytes_of(NULL, 0), &blob),
                     CCS_ERR_INVALID_ARG);
    ccs_buf_free(&blob);
    ccs_backend_free(sgx);
    ccs_backend_free(tdx);
}

static void test_aad(void **state) {
    (void)state;
    ccs_backend *b = open_sim(CCS_PLATFORM_SIM_SGX, SEAL_DIR, NULL, NULL);
    ccs_buf blob = {0};
    seal_with(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("label-1"), &blob);
    assert_int_equal(unseal_with(b, ccs_buf_view(&blob), ccs_bytes_str("label-1")), CCS_OK);
    assert_int_equal(unseal_with(b, ccs_buf_view(&blob), ccs_bytes_str("label-2")), CCS_ERR_SIGNATURE);
    assert_int_equal(unseal_with(b, ccs_buf_view(&blob), ccs_bytes_of(NULL, 0)), CCS_ERR_SIGNATURE);
    ccs_buf_free(&blob);
    ccs_backend_free(b);
}

/* Every byte flipped: magic -> format, version -> unsupported, policy ->
 * unsupported (or, switched to the other policy, another key), anything
 * else -> signature. Every truncation: truncated below the fixed part, else
 * signature. Appending a byte moves the tag: signature. */
static void test_tamper_and_truncate(void **state) {
    (void)state;
    ccs_backend *b = open_sim(CCS_PLATFORM_SIM_TDX, SEAL_DIR, NULL, NULL);
    ccs_buf blob = {0}, t = {0};
    ccs_bytes none = ccs_bytes_of(NULL, 0);
    seal_with(b, CCS_SEAL_MEASUREMENT, none, &blob);
    for (size_t i = 0; i < blob.len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&blob)), CCS_OK);
            t.ptr[i] ^= (uint8_t)(1u << bit);
            ccs_status want = i < 7 ? CCS_ERR_FORMAT : i < HDR ? CCS_ERR_UNSUPPORTED : CCS_ERR_SIGNATURE;
            if (i == 8 && t.ptr[8] == CCS_SEAL_SIGNER) want = CCS_ERR_SIGNATURE;
            ccs_status st = unseal_with(b, ccs_buf_view(&t), none);
            if (st != want) fail_msg("byte %zu bit %d: %s, want %s", i, bit, ccs_status_name(st), ccs_status_name(want));
        }
    }
    for (size_t n = 0; n < blob.len; n++) {
        ccs_status st = unseal_with(b, ccs_bytes_of(blob.ptr, n), none);
        ccs_status want = n < FIXED ? CCS_ERR_TRUNCATED : CCS_ERR_SIGNATURE;
        if (st != want) fail_msg("length %zu: %s, want %s", n, ccs_status_name(st), ccs_status_name(want));
    }
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&blob)), CCS_OK);
    assert_int_equal(ccs_buf_append(&t, "", 1), CCS_OK);
    assert_int_equal(unseal_with(b, ccs_buf_view(&t), none), CCS_ERR_SIGNATURE);
    /* Exact statuses for a version 2 blob and an unknown policy. */
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&blob)), CCS_OK);
    t.ptr[7] = 2;
    assert_int_equal(unseal_with(b, ccs_buf_view(&t), none), CCS_ERR_UNSUPPORTED);
    t.ptr[7] = 1;
    t.ptr[8] = 3;
    assert_int_equal(unseal_with(b, ccs_buf_view(&t), none), CCS_ERR_UNSUPPORTED);
    t.ptr[8] = 0;
    assert_int_equal(unseal_with(b, ccs_buf_view(&t), none), CCS_ERR_UNSUPPORTED);
    ccs_buf_free(&t);
    ccs_buf_free(&blob);
    ccs_backend_free(b);
}

static void test_empty_plaintext(void **state) {
    (void)state;
    ccs_backend *b = open_sim(CCS_PLATFORM_SIM_SGX, SEAL_DIR, NULL, NULL);
    ccs_buf blob = {0}, pt = {0};
    assert_int_equal(ccs_seal(b, CCS_SEAL_SIGNER, ccs_bytes_of(NULL, 0), ccs_bytes_of(NULL, 0), &blob), CCS_OK);
    assert_int_equal(blob.len, FIXED);
    assert_int_equal(ccs_unseal(b, ccs_buf_view(&blob), ccs_bytes_of(NULL, 0), &pt), CCS_OK);
    assert_int_equal(pt.len, 0);
    ccs_buf_free(&blob);
    ccs_buf_free(&pt);
    ccs_backend_free(b);
}

int ccs_test_seal(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policies_sgx),        cmocka_unit_test(test_policies_tdx),
        cmocka_unit_test(test_platforms_separate),  cmocka_unit_test(test_aad),
        cmocka_unit_test(test_tamper_and_truncate), cmocka_unit_test(test_empty_plaintext),
    };
    return cmocka_run_group_tests_name("tee/seal", tests, setup, NULL);
}
