/*
 * synth.h - a synthetic Intel DCAP test PKI and evidence, built at test time
 * with OpenSSL 3: a root CA, a PCK Platform CA, PCK leaves carrying the SGX
 * extension (issued by the PCK Platform CA or the PCK Processor CA), a TCB
 * Signing certificate, Root CA and PCK CRLs, signed TCB Info (version 3, or
 * version 2 for SGX) and QE Identity JSON, and SGX v3 / v4 / v5 and TDX v4 /
 * v5 quotes.
 *
 * Every knob has a default that makes the evidence valid at SYNTH_T; a test
 * changes the knobs of the case it covers. Verify with
 * ccs_dcap_options.insecure_root = out.root.
 */
#ifndef CCS_TEST_SYNTH_H
#define CCS_TEST_SYNTH_H

#include "ccs/attest.h"

#define SYNTH_T ((ccs_time)1750330800) /* 2025-06-19T11:00:00Z */
#define SYNTH_DAY ((ccs_time)86400)

#define SYNTH_MAX_LEVELS 6

/* Keys and the long-lived CA certificates (root, Platform and Processor CA,
 * an unrelated self-signed root), generated once
 * and reused by every build so that evidence from several builds shares one
 * PKI (and a collateral object can be reused across quotes). */
typedef struct synth_ctx synth_ctx;

/* One TCB Info "tcbLevels" entry. advisories: comma-separated IDs or NULL. */
typedef struct synth_tcb_level {
    uint8_t sgx[16];
    uint16_t pcesvn;
    uint8_t tdx[16]; /* TDX TCB Info only */
    const char *status;
    const char *date; /* NULL: "2024-03-13T00:00:00Z" */
    const char *advisories;
} synth_tcb_level;

/* One QE Identity / TDX module identity level. */
typedef struct synth_isv_level {
    uint16_t isvsvn;
    const char *status;
    const char *date;
    const char *advisories;
} synth_isv_level;

typedef struct synth_config {
    ccs_tee tee;
    uint16_t version;   /* 3, 4 or 5 (SGX); 4 or 5 (TDX). v4 and v5 wrap the QE
                           report in certification data type 6. */
    uint16_t body_type; /* v5 TDX only: 2 (TDX 1.0 body) or 3 (TDX 1.5 body);
                           a v5 SGX quote always has body type 1 */

    /* The enclave (SGX) or TD (TDX) report body. */
    uint8_t attributes[16]; /* SGX ATTRIBUTES (DEBUG = byte 0 bit 1) */
    uint8_t mr_enclave[32], mr_signer[32];
    uint8_t report_data[64];
    uint8_t tee_tcb_svn[16], mr_signer_seam[48], seam_attributes[8], td_attributes[8]; /* TDX */

    /* The QE report and the attestation key. */
    uint8_t qe_mrsigner[32];
    uint16_t qe_isvprodid, qe_isvsvn;
    uint32_t qe_miscselect;
    uint8_t qe_attributes[16];
    uint8_t qe_auth_data[32];
    bool swap_att_key; /* put another valid key in the quote after signing */

    /* The PCK leaf. */
    int pck_key;      /* 0 or 1: which of two PCK keys (and serials) */
    uint8_t pck_comp[16];
    uint16_t pck_pcesvn;
    uint8_t pck_cpusvn[16];
    uint8_t pck_pce_id[2];
    uint8_t pck_fmspc[6];
    ccs_time pck_not_before, pck_not_after;
    /* Issue the PCK from the "Intel SGX PCK Processor CA" (its own key, signed
     * by the root) instead of the Platform CA: the quote's chain, the PCK CRL
     * and its issuer chain are then the Processor CA's. */
    bool pck_processor_ca;
    /* With pck_processor_ca: serve the Platform CA's (valid) PCK CRL and
     * issuer chain instead, i.e. the CRL of a CA that did not issue the PCK. */
    bool pck_crl_from_platform;
    /* The PEM chain in the quote. */
    enum {
        SYNTH_CHAIN_FULL = 0,   /* PCK, CA, root */
        SYNTH_CHAIN_NO_ROOT,    /* PCK, CA */
        SYNTH_CHAIN_EXTRA,      /* PCK, CA, root, TCB Signing certificate */
        SYNTH_CHAIN_OTHER_ROOT, /* PCK, CA, another self-signed "Intel SGX Root CA" */
    } pck_chain_shape;
    /* The TCB Signing certificate. */
    ccs_time tcb_signer_not_before, tcb_signer_not_after;

    /* CRLs. */
    bool pck_crl_present;
    ccs_time pck_crl_this, pck_crl_next;
    bool pck_crl_revoke_pck;   /* list the PCK leaf */
    bool pck_crl_rogue_signer; /* right issuer name, signed by another key */
    bool root_crl_present;
    ccs_time root_crl_this, root_crl_next;
    bool root_crl_revoke_ca;         /* list the PCK's CA (Platform or Processor) */
    bool root_crl_revoke_tcb_signer; /* list the TCB Signing certificate */
    /* Put a second, unrevoked "Intel SGX PCK Platform CA" (same name, its
     * own key, signed by the root) into the quote's chain right after the
     * leaf, before the CA that really issued the leaf. With
     * pck_crl_rogue_signer the PCK CRL is signed by that decoy's key. */
    bool pck_decoy_ca;
    /* Re-sign until the DER of the PCK CRL ends in 0x00 and that of the Root
     * CA CRL in 0x0a (bytes a text trimmer might wrongly strip). */
    bool crl_awkward_tail;

    /* Spread the signed JSON bodies over lines ("key": value, newlines after
     * commas), as a server may serve them: only the exact bytes are signed. */
    bool json_pretty;
    bool json_lower_hex; /* fmspc, pceId, mrsigner, masks ... in lower case */

    /* TCB Info. */
    int tcb_info_version; /* 3; or 2: no "id", no TDX parts, components as
                             "sgxtcbcomp01svn".."sgxtcbcomp16svn" in "tcb" */
    const char *tcb_id;   /* "SGX" / "TDX" (version 3) */
    ccs_time tcb_issue, tcb_next;
    uint8_t tcb_fmspc[6], tcb_pce_id[2];
    int tcb_eval_num;
    synth_tcb_level levels[SYNTH_MAX_LEVELS];
    size_t n_levels;
    /* TDX TCB Info: tdxModule and the "TDX_01" module identity. */
    uint8_t module_mrsigner[48], module_attributes[8], module_attributes_mask[8];
    const char *module_id;
    synth_isv_level module_levels[SYNTH_MAX_LEVELS];
    size_t n_module_levels;

    /* QE Identity. */
    const char *qe_id; /* "QE" / "TD_QE" */
    ccs_time qe_issue, qe_next;
    uint8_t qei_mrsigner[32];
    uint16_t qei_isvprodid;
    uint32_t qei_miscselect, qei_miscselect_mask;
    uint8_t qei_attributes[16], qei_attributes_mask[16];
    synth_isv_level qe_levels[SYNTH_MAX_LEVELS];
    size_t n_qe_levels;
} synth_config;

/* What a build produces. All buffers are owned; raw's views point into them,
 * so a test may flip bytes of quote / tcb_info / qe_identity in place. */
typedef struct synth_out {
    ccs_buf quote;
    ccs_buf tcb_info, qe_identity;          /* {"tcbInfo":...,"signature":"hex"} */
    ccs_buf tcb_info_body, tcb_info_sig;    /* the split (dcap-qvl) layout */
    ccs_buf qe_identity_body, qe_identity_sig;
    ccs_buf tcb_chain, qe_chain, pck_crl, pck_crl_chain, root_crl, pck_chain;
    ccs_collateral_raw raw; /* full-document layout */
    ccs_x509 *root;         /* for ccs_dcap_options.insecure_root */
    /* Offsets into quote. */
    size_t body_off, body_len, att_key_off, qe_report_off, qe_auth_off;
} synth_out;

/* Default FMSPC and QE MRSIGNER of synth_config_default. */
extern const uint8_t synth_fmspc[6];
extern const uint8_t synth_qe_mrsigner[32];

/* Returns 0 on success. */
int synth_ctx_new(synth_ctx **out);
void synth_ctx_free(synth_ctx *ctx);

/* A configuration for which every check passes at SYNTH_T with status
 * UpToDate. tee: CCS_TEE_SGX (quote v3) or CCS_TEE_TDX (quote v4, module
 * TDX_01). */
void synth_config_default(synth_config *cfg, ccs_tee tee);

/* Builds evidence and collateral; returns 0 on success. */
int synth_build(synth_ctx *ctx, const synth_config *cfg, synth_out *out);
void synth_out_free(synth_out *out);

#endif
