/* AMD KDS for `ccs attest verify --tee snp --kds URL` and `ccs attest
 * fetch-snp` (attest_snp_kds.c). */
#ifndef CCS_CLI_SNP_H
#define CCS_CLI_SNP_H

#include "cli.h"

/* Options of `ccs attest verify` that name a KDS (set while parsing). */
void ccs_cli_snp_kds_set(const char *url, const char *cache, const char *product);
bool ccs_cli_snp_kds_enabled(void);
/* The collateral for a report from the KDS named by the options (and the
 * --kds-cache); prints the reason and returns CLI_USAGE when it fails. */
int ccs_cli_snp_kds_collateral(const verify_args *a, ccs_bytes report, ccs_snp_collateral **out);
/* `ccs attest fetch-snp REPORT [--kds URL] -o DIR`. */
int ccs_cli_attest_fetch_snp(int argc, char **argv);

#endif
