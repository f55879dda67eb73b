/* Parsed Intel collateral (private to src/attest). */
#ifndef CCS_ATTEST_COLLATERAL_H
#define CCS_ATTEST_COLLATERAL_H

#include <pthread.h>

#include "ccs/attest.h"
#include "pck.h"

typedef struct adv_list {
    char (*ids)[32];
    size_t n;
} adv_list;

/* One entry of TCB Info "tcbLevels" (PCS API TCB Info v2/v3). */
typedef struct tcb_level {
    uint8_t sgx_comp[16];
    uint16_t pcesvn;
    uint8_t tdx_comp[16];
    bool has_tdx;
    ccs_tcb_status status;
    ccs_time date;
    adv_list adv;
} tcb_level;

/* One entry of an identity's "tcbLevels" (QE identity, TDX module identity). */
typedef struct isv_level {
    uint16_t isvsvn;
    ccs_tcb_status status;
    ccs_time date;
    adv_list adv;
} isv_level;

typedef struct tdx_module_id {
    char id[16];
    uint8_t mrsigner[48];
    uint8_t attributes[8], attributes_mask[8];
    isv_level *levels;
    size_t n_levels;
} tdx_module_id;

typedef struct tcb_info {
    ccs_tee tee;
    int version;
    ccs_time issue_date, next_update;
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    int64_t tcb_type, eval_number;
    tcb_level *levels;
    size_t n_levels;
    bool has_tdx_module;
    uint8_t tdx_mrsigner[48], tdx_attributes[8], tdx_attributes_mask[8];
    tdx_module_id *modules;
    size_t n_modules;
    ccs_buf signed_bytes;
    uint8_t signature[64];
} tcb_info;

typedef struct qe_identity {
    char id[8];
    int version;
    ccs_time issue_date, next_update;
    uint32_t miscselect, miscselect_mask;
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    isv_level *levels;
    size_t n_levels;
    ccs_buf signed_bytes;
    uint8_t signature[64];
} qe_identity;

/* What a verification at some time learned about a signed object and its
 * chain: signatures do not depend on time, so a success holds for every
 * time inside [lo, hi] (the intersection of the validity windows). */
typedef struct verified_span {
    bool done;
    uint8_t root[32]; /* SHA-256 of the trusted root it was checked against */
    ccs_status st;
    ccs_time lo, hi;
    char msg[200];
} verified_span;

#define PCK_CACHE_SIZE 32

/* A time-independent verdict remembered with its message. */
typedef struct memo {
    int state; /* 0 not yet known, 1 ok, -1 failed */
    char msg[160];
} memo;

/* A verified PCK chain, keyed by the exact certification-data bytes and the
 * trusted root. Everything here but the validity window [lo, hi] holds at any
 * time, so it is computed once per entry. */
typedef struct pck_entry {
    bool used;
    ccs_buf cert_data;
    uint8_t root[32];
    ccs_x509_chain *chain;
    ccs_pubkey *leaf_key;
    ccs_time lo, hi;      /* chain validity intersection */
    memo extensions;      /* SGX extensions parse, issuer is chain[1] */
    pck_info info;
    memo ca_not_revoked;  /* Root CA CRL does not list chain[1] */
    memo pck_crl_signed;  /* PCK CRL issued and signed by chain[1] */
    memo pck_not_revoked; /* PCK CRL does not list the PCK */
    /* SHA-256 of the last QE report and signature (384 + 64 bytes) that
     * verified with leaf_key: a platform's QE report is the same in each of
     * its quotes (it binds the attestation key), so its ECDSA check runs
     * once per entry, not per quote (and not under the lock each time). */
    uint8_t qe_report_ok[32];
    bool qe_report_known;
} pck_entry;

struct ccs_collateral {
    tcb_info tcb;
    qe_identity qe;
    ccs_x509_chain *tcb_chain, *qe_chain; /* qe_chain == tcb_chain when identical */
    ccs_crl *pck_crl, *root_crl;
    /* Copies of the pieces it was loaded from (ccs_collateral_raw_view). */
    ccs_buf raw_copy[9];
    ccs_collateral_raw raw;
    /* caches (guarded by lock) */
    pthread_mutex_t lock;
    verified_span tcb_span, qe_span, root_crl_span, signing_chain_span;
    pck_entry pck[PCK_CACHE_SIZE];
    size_t pck_next;
};

void ccs_adv_list_free(adv_list *a);

#endif
