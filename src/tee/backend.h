/* The backend interface behind ccs/tee.h (private to src/tee). Each
 * backend file defines one `const backend_ops`; backend.c lists them. */
#ifndef CCS_TEE_BACKEND_H
#define CCS_TEE_BACKEND_H

#include "ccs/tee.h"

typedef struct backend_ops {
    ccs_platform platform;
    /* True when the platform is usable here (for detection); may be NULL for
     * backends that are never auto-detected (sim, tpm). */
    bool (*available)(const ccs_tee_config *cfg);
    ccs_status (*open)(const ccs_tee_config *cfg, void **state);
    void (*close)(void *state);
    /* report_data is always exactly 64 bytes here. */
    ccs_status (*evidence)(void *state, const uint8_t report_data[64], ccs_buf *out);
    /* May be NULL (no platform certificates): evidence, and in aux the
     * certificates that come with it (snp: the host's certificate table). */
    ccs_status (*evidence_aux)(void *state, const uint8_t report_data[64], ccs_buf *out, ccs_buf *aux);
    /* May be NULL: the platform offers no sealing key (CCS_ERR_UNSUPPORTED). */
    ccs_status (*seal_key)(void *state, ccs_seal_policy policy, ccs_bytes label, uint8_t key[32]);
    ccs_status (*measurements)(void *state, char **json);
    /* May be NULL: no runtime measurement registers (CCS_ERR_UNSUPPORTED). */
    ccs_status (*extend)(void *state, unsigned index, ccs_bytes data);
} backend_ops;

/* Joins cfg->root (or "/") and an absolute path into out. */
ccs_status ccs_tee_path(const ccs_tee_config *cfg, const char *abs, char *out, size_t cap);

/* Checks of what a kernel interface returned (exposed for replay tests). */
CCS_MUST_USE ccs_status ccs_tdx_check_outblob(ccs_bytes outblob, const uint8_t report_data[64]);
CCS_MUST_USE ccs_status ccs_sgx_check_quote(ccs_bytes quote, const uint8_t report_data[64]);
/* AMD SEV-SNP (snp.c): the report from configfs-tsm (outblob) parses and
 * carries our report data; the SNP_GET_REPORT ioctl response (MSG_REPORT_RSP:
 * status, report_size, 24 reserved bytes, report, padding) is checked the
 * same way and the report copied out. */
CCS_MUST_USE ccs_status ccs_snp_check_report(ccs_bytes report, const uint8_t report_data[64]);
CCS_MUST_USE ccs_status ccs_snp_parse_report_resp(ccs_bytes resp, const uint8_t report_data[64], ccs_buf *report);
/* Hygon CSV (csv.c): the /dev/csv-guest request buffer (user_data || mnonce
 * || SM3(user_data || mnonce), zero-padded to 4096 bytes), and the check of
 * the returned report: it parses, carries our report data and mnonce, and
 * its HMAC verifies with that mnonce. */
void ccs_csv_build_request(const uint8_t user_data[64], const uint8_t mnonce[16],
                           uint8_t buf[static CCS_CSV_REPORT_BUF_LEN]);
CCS_MUST_USE ccs_status ccs_csv_check_report(ccs_bytes report, const uint8_t user_data[64], const uint8_t mnonce[16]);

#endif
