/* `ccs tee tpm ...` (tee_tpm_cmd.c) and `ccs attest tpm-challenge|tpm-enroll`
 * (attest_tpm_enroll.c): TPM 2.0 EK/AK enrollment. */
#ifndef CCS_CLI_TPM_H
#define CCS_CLI_TPM_H

#include "ccs/core.h"

int ccs_cli_tee_tpm(int argc, char **argv);
int ccs_cli_attest_tpm_enroll(int argc, char **argv);
/* Writes data to path, created or replaced with mode 0600 (secrets). */
ccs_status ccs_cli_write_private(const char *path, ccs_bytes data);

#endif
