/* Verification context shared by the verifier's files (private). */
#ifndef CCS_ATTEST_VERIFY_H
#define CCS_ATTEST_VERIFY_H

#include "collateral.h"
#include "pck.h"

typedef struct vctx {
    const ccs_dcap_quote *q;
    ccs_collateral *c;
    const ccs_dcap_options *opt;
    ccs_dcap_result *res;
    const ccs_x509 *root;
    uint8_t root_id[32];
    pck_info pck;
    bool pck_ok;        /* PCK chain verified and extensions parsed */
    bool tcb_info_ok;   /* TCB Info authentic, current, for this TEE/FMSPC/PCE */
    bool qe_identity_ok;
} vctx;

/* Records a failed check in the result (first CCS_DCAP_MAX_FAILED kept). */
void ccs_vfail(vctx *v, const char *check, const char *fmt, ...) CCS_PRINTF(3, 4);

/* Intersection of the validity periods of a chain and the root. */
void ccs_chain_window(const ccs_x509_chain *ch, const ccs_x509 *root, ccs_time *lo, ccs_time *hi);

/* The quote's PCK chain (verify_pck.c): verified to the root and cached in the
 * collateral by its exact bytes; NULL when it does not verify (the failure is
 * recorded). Sets v->pck / v->pck_ok. Called with the collateral locked. */
pck_entry *ccs_verify_pck(vctx *v);
/* Root CA CRL and PCK CRL verdicts on this PCK chain. */
void ccs_check_pck_revocation(vctx *v, pck_entry *e);

/* Content checks of the collateral against the quote, TCB evaluation and
 * status convergence (tcb_eval.c). Signatures are checked before. */
void ccs_check_tcb_info_content(vctx *v);
void ccs_check_qe_identity(vctx *v);
void ccs_evaluate_tcb(vctx *v);

#endif
