/* Private to the tpm backend (tpm.c, tpm_pcr.c, tpm_ek.c). */
#ifndef CCS_TEE_TPM_H
#define CCS_TEE_TPM_H

#include <tss2/tss2_esys.h>

#include "backend.h"

typedef struct tpm_state {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
    ESYS_TR ak;
    TPM2B_PUBLIC ak_public; /* the AK's public area, as CreatePrimary returned it */
    ccs_buf ak_pem;
    ccs_curve curve;
    TPML_PCR_SELECTION sel; /* what evidence quotes */
    ccs_buf log;            /* crypto-agile event log of this handle's extends */
    size_t n_events;
} tpm_state;

/* Connects through tcti (NULL: the tss2 default), starts the TPM if needed
 * and creates the AK; sel is left empty. */
ccs_status ccs_tpm_session_open(const char *tcti, tpm_state **out);
void ccs_tpm_session_close(tpm_state *s); /* NULL ok */
/* Parses "sha256:0-7,16,23" (NULL: that default) into a selection. */
ccs_status ccs_tpm_parse_pcrs(const char *spec, TPML_PCR_SELECTION *out);
/* Reads every PCR in sel; values[bank][pcr]. */
ccs_status ccs_tpm_read_pcrs(tpm_state *s, const TPML_PCR_SELECTION *sel, uint8_t values[][CCS_TPM_PCRS][64]);
/* {"sha256": {"0": hex, ...}} for the selection. */
ccs_status ccs_tpm_pcrs_json(const TPML_PCR_SELECTION *sel, uint8_t values[][CCS_TPM_PCRS][64], void **json_obj);
ccs_status ccs_tpm_extend(void *state, unsigned index, ccs_bytes data);
ccs_status ccs_tpm_measurements(void *state, char **json);
/* A TSS2 return code as a ccs_status with its decoded text. */
ccs_status ccs_tpm_rc(TSS2_RC rc, const char *what);

#endif
