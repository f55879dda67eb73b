/* The he module's test program: one group per file. */
int test_group_he_ntt(void); /* ntt_test.c */
int test_group_he_paillier(void); /* paillier_test.c */
int test_group_he_ckks_encode(void); /* ckks_encode_test.c */

int test_group_he_rns(void); /* rns_test.c */
int test_group_he_bgv(void); /* bgv_test.c */
int test_group_he_bfv(void); /* bfv_test.c */
int test_group_he_ckks(void); /* ckks_test.c */
int test_group_he_hoist(void); /* hoist_test.c */

int main(void) {
    int failed = 0;
    failed += test_group_he_ntt();
    failed += test_group_he_paillier();
    failed += test_group_he_ckks_encode();
    failed += test_group_he_rns();
    failed += test_group_he_bgv();
    failed += test_group_he_bfv();
    failed += test_group_he_ckks();
    failed += test_group_he_hoist();
    return failed == 0 ? 0 : 1;
}
