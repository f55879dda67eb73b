/* Groups of tests in test_attest; each returns the number of failures. */
#ifndef CCS_ATTEST_TESTS_H
#define CCS_ATTEST_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

int ccs_test_quote(void);
int ccs_test_collateral(void);
int ccs_test_verify(void);
int ccs_test_pccs(void);
int ccs_test_synth(void);
int ccs_test_snp(void);
int ccs_test_csv(void);
int ccs_test_csv_v2(void);
int ccs_test_snp_crl(void);
int ccs_test_snp_kds(void);

#endif
