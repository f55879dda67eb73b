/* Groups of tests in test_tee; each returns the number of failures. */
#ifndef CCS_TEE_TESTS_H
#define CCS_TEE_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

int ccs_test_collectors(void);
int ccs_test_snp_collector(void); /* snp_test.c */
int ccs_test_tpm(void); /* tpm_test.c: swtpm */
int ccs_test_sim(void);  /* sim_test.c */
int ccs_test_seal(void); /* seal_test.c */
int ccs_test_csv_collector(void); /* csv_test.c */

#endif
