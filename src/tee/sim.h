/* The sim platform (private to src/tee): directory layout, the fixed
 * identities of the sim platforms, and the pieces shared by sim_pki.c
 * (PKI and collateral), sim_quote.c (quotes) and sim.c (the backends).
 *
 * Layout of a sim directory (docs/tee.md):
 *   root_ca.pem  platform_ca.pem  tcb_signing.pem   public certificates
 *   sgx/ tdx/    collateral as ccs_collateral_load_dir reads it, plus
 *                pck_chain.pem (PCK, Platform CA, root) and qe_report.bin
 *   private/     (0700) CA, TCB signing, PCK and attestation keys, sealing
 *                secrets (0600)
 */
#ifndef CCS_TEE_SIM_H
#define CCS_TEE_SIM_H

#include "backend.h"
#include "ccs/crypto.h"

#define SIM_PATH_MAX 4096
#define SIM_QE_AUTH_LEN 32

/* One sim platform: the TCB its PCK certificate and collateral describe. */
typedef struct sim_platform {
    ccs_tee tee;
    const char *name;        /* "sgx", "tdx": the subdirectory */
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    uint8_t comp[16];        /* SGX TCB components of the PCK */
    uint16_t pcesvn;
    uint8_t tee_tcb_svn[16]; /* TDX: TEE_TCB_SVN (module SVN, module major version, ...) */
    uint16_t qe_prod_id, qe_svn;
    uint64_t pck_serial;
} sim_platform;

extern const sim_platform ccs_sim_sgx, ccs_sim_tdx;
extern const uint8_t ccs_sim_qe_mrsigner[32];
extern const uint8_t ccs_sim_qe_vendor[16];
extern const uint8_t ccs_sim_qe_attributes[16];
extern const uint8_t ccs_sim_mr_signer_seam[48];

const sim_platform *ccs_sim_platform(ccs_tee tee);

/* The sim CAs: root, PCK Platform CA, TCB Signing certificate, with keys. */
typedef struct sim_cas {
    ccs_privkey *root_key, *ca_key, *tcb_key;
    ccs_x509 *root, *ca, *tcb;
} sim_cas;
void ccs_sim_cas_free(sim_cas *c);

#define SIM_COLLATERAL_DAYS 365
/* Signs and writes the collateral of platform p into dir/<p->name>/ (TCB
 * Info, QE Identity, issuer chains, PCK and Root CA CRLs), valid from a day
 * before now to SIM_COLLATERAL_DAYS after it (sim_collateral.c). */
CCS_MUST_USE ccs_status ccs_sim_write_collateral(const char *dir, const sim_cas *cas, const sim_platform *p,
                                                 ccs_time now);

/* dir/rel into out. */
CCS_MUST_USE ccs_status ccs_sim_path(char *out, size_t cap, const char *dir, const char *rel);
/* Writes a file with mode 0600 (created or replaced). */
CCS_MUST_USE ccs_status ccs_sim_write_private(const char *path, ccs_bytes data);

/* Raw x||y of a P-256 attestation key. */
CCS_MUST_USE ccs_status ccs_sim_att_pub(const ccs_privkey *att_key, uint8_t out[64]);
/* The body of a QE report certification (QE report || its signature ||
 * u16 auth size || auth data), as it goes into a quote. */
CCS_MUST_USE ccs_status ccs_sim_qe_blob(const sim_platform *p, const ccs_privkey *pck_key,
                                        const ccs_privkey *att_key, ccs_buf *out);

/* What a sim quote carries. */
typedef struct sim_identity {
    uint8_t mr_enclave[32], mr_signer[32]; /* SGX */
    uint8_t mr_td[48], mr_owner[48];       /* TDX */
    uint8_t config_id[64];                 /* CONFIGID (SGX, 64) / MRCONFIGID (TDX, first 48) */
} sim_identity;

/* Hashes the configured measurement and signer (or the defaults). */
void ccs_sim_identity(const ccs_tee_config *cfg, sim_identity *id);

/* A quote over report_data: SGX v3 or TDX v4, signed with att_key; qe_blob
 * from ccs_sim_qe_blob, pck_pem the PCK chain (certification data type 5). */
CCS_MUST_USE ccs_status ccs_sim_quote(const sim_platform *p, const sim_identity *id, const uint8_t report_data[64],
                                      const ccs_privkey *att_key, const uint8_t att_pub[64], ccs_bytes qe_blob,
                                      ccs_bytes pck_pem, ccs_buf *out);

#endif
