/* SGX extensions of a PCK certificate (private to src/attest). */
#ifndef CCS_ATTEST_PCK_H
#define CCS_ATTEST_PCK_H

#include "ccs/attest.h"

typedef struct pck_info {
    uint8_t comp[16]; /* SGX TCB component SVNs (.2.1 .. .2.16) */
    uint16_t pcesvn;  /* .2.17 */
    uint8_t cpusvn[16];
    uint8_t pce_id[2];
    uint8_t fmspc[6];
    bool processor_ca; /* issued by the Processor CA (else Platform CA) */
} pck_info;

/* Parses the content of extension 1.2.840.113741.1.13.1 (SGX PCK Certificate
 * and CRL Profile, "SGX Extensions"). Untrusted input; DER only. */
CCS_MUST_USE ccs_status ccs_pck_parse_extensions(ccs_bytes ext, pck_info *out);
/* Reads the extension and issuer of a PCK leaf certificate. */
CCS_MUST_USE ccs_status ccs_pck_info_from_cert(const ccs_x509 *leaf, pck_info *out);

#endif
