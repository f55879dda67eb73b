/* test_tee: every group of tee tests, one program (DESIGN.md). */
#include "tee_tests.h"

int main(void) {
    int failed = 0;
    failed += ccs_test_collectors();
    failed += ccs_test_snp_collector();
    failed += ccs_test_tpm();
    failed += ccs_test_sim();
    failed += ccs_test_seal();
    failed += ccs_test_csv_collector();
    return failed ? 1 : 0;
}
