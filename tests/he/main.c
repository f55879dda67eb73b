/* The he module's test program: one group per file. */
int test_group_he_ntt(void); /* ntt_test.c */

int main(void) {
    int failed = 0;
    failed += test_group_he_ntt();
    return failed == 0 ? 0 : 1;
}
