/* Groups of tests in test_ratls; each returns the number of failures. */
#ifndef CCS_RATLS_TESTS_H
#define CCS_RATLS_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

int ccs_test_ratls_parse(void);  /* parse_test.c: the extension parser on bad input */
int ccs_test_ratls_verify(void); /* verify_test.c: create + verify with the sim platform */
int ccs_test_ratls_tls(void);    /* tls_test.c: TLS 1.3 round trips, refusals, provisioning */
int ccs_test_ratls_tpm(void);    /* tpm_test.c: TPM 2.0 evidence from swtpm, certificates and TLS */
int ccs_test_ratls_endorse(void);       /* endorse_test.c: endorsements embedded, used, refused */
int ccs_test_ratls_endorse_parse(void); /* endorse_parse_test.c: the endorsements parser on bad input */
int ccs_test_ratls_endorse_pccs(void);  /* endorse_pccs_test.c: collateral from a loopback PCCS */
int ccs_test_ratls_snp_csv(void);       /* snp_csv_test.c: SEV-SNP / CSV evidence around recorded reports */

#endif
