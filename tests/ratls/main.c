/* test_ratls: every group of ratls tests, one program (DESIGN.md). */
#include "ratls_tests.h"

int main(void) {
    int failed = 0;
    failed += ccs_test_ratls_parse();
    failed += ccs_test_ratls_verify();
    failed += ccs_test_ratls_tls();
    failed += ccs_test_ratls_tpm();
    failed += ccs_test_ratls_endorse();
    failed += ccs_test_ratls_endorse_parse();
    failed += ccs_test_ratls_endorse_pccs();
    failed += ccs_test_ratls_snp_csv();
    return failed ? 1 : 0;
}
