/* The crypto module's test program (DESIGN.md: one per module). */
#include <stdio.h>

#include "test_crypto.h"

int test_group_ecdh(void); /* test_ecdh.c */
int test_group_layer_crypto(void); /* test_layer_crypto.c */

void test_read_data(const char *rel, ccs_buf *out) {
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", CCS_TEST_DATA, rel);
    assert_true(n > 0 && (size_t)n < sizeof path);
    ccs_status st = ccs_file_read(path, 16u << 20, out);
    if (st != CCS_OK) fail_msg("cannot read %s: %s", path, ccs_error_detail());
}

ccs_time test_time(const char *rfc3339) {
    ccs_time t = 0;
    assert_int_equal(ccs_time_parse(rfc3339, &t), CCS_OK);
    return t;
}

int main(void) {
    int failed = 0;
    failed += test_group_digest_ecdsa();
    failed += test_group_wycheproof();
    failed += test_group_x509_intel();
    failed += test_group_revocation();
    failed += test_group_parsers();
    failed += test_group_build();
    failed += test_group_kdf_aead();
    failed += test_group_sm();
    failed += test_group_rsa();
    failed += test_group_ecdh();
    failed += test_group_layer_crypto();
    return failed == 0 ? 0 : 1;
}
