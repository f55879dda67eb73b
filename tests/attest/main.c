/* test_attest: every group of attest tests, one program (DESIGN.md). */
#include <stdio.h>

#include "attest_tests.h"

int main(void) {
    int failed = 0;
    failed += ccs_test_quote();
    failed += ccs_test_collateral();
    failed += ccs_test_verify();
    failed += ccs_test_pccs();
    failed += ccs_test_synth();
    failed += ccs_test_snp();
    failed += ccs_test_csv();
    failed += ccs_test_csv_v2();
    failed += ccs_test_snp_crl();
    failed += ccs_test_snp_kds();
    return failed ? 1 : 0;
}
