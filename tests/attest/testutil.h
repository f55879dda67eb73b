/* Helpers shared by the attest test groups. */
#ifndef CCS_ATTEST_TESTUTIL_H
#define CCS_ATTEST_TESTUTIL_H

#include "ccs/attest.h"

#define ATT_DIR CCS_TEST_DATA "/attestation"
#define T_SGX_ASOF 1750330800 /* 2025-06-19T11:00:00Z */

/* Reads CCS_TEST_DATA/attestation/<rel>; fails the test if unreadable. */
ccs_buf tu_read(const char *rel);
/* Collateral from a folder under CCS_TEST_DATA/attestation. */
ccs_collateral *tu_collateral_dir(const char *rel);
/* Raw collateral read from a folder's files (owned buffers in bufs[9]). */
void tu_raw_from_dir(const char *rel, ccs_collateral_raw *raw, ccs_buf bufs[9]);
void tu_bufs_free(ccs_buf *bufs, size_t n);
/* True when the result lists exactly these failed checks, in any order. */
bool tu_failed_exactly(const ccs_dcap_result *r, const char *const *names, size_t n);
void tu_print_failed(const ccs_dcap_result *r);
/* A verifier's result object (taken) equals its JSON text: what the KBS and
 * the RA-TLS policy read is what the text says. */
void tu_doc_is_text(json_t *doc, const char *js);

#endif
