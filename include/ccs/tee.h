/*
 * ccs/tee.h - the platform backends that produce evidence, derive sealing
 * keys and report measurements: sim (SGX- and TDX-shaped, works everywhere),
 * tpm (TPM 2.0 through tss2 ESYS), and the hardware collectors sgx, tdx
 * (configfs-tsm), snp (/dev/sev-guest or configfs-tsm) and csv
 * (/dev/csv-guest). One interface for all of them.
 */
#ifndef CCS_TEE_H
#define CCS_TEE_H

#include "ccs/attest.h"
#include "ccs/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ccs_platform {
    CCS_PLATFORM_NONE = 0,
    CCS_PLATFORM_SIM_SGX,
    CCS_PLATFORM_SIM_TDX,
    CCS_PLATFORM_SGX,
    CCS_PLATFORM_TDX,
    CCS_PLATFORM_SNP,
    CCS_PLATFORM_CSV,
    CCS_PLATFORM_TPM,
} ccs_platform;

/* "sim-sgx", "sim-tdx", "sgx", "tdx", "snp", "csv", "tpm". */
const char *ccs_platform_name(ccs_platform p);
CCS_MUST_USE ccs_status ccs_platform_parse(const char *name, ccs_platform *out);

typedef struct ccs_tee_config {
    ccs_platform platform; /* NONE: detect the first available hardware platform */
    /* sim: the state directory; NULL means $CCS_SIM_DIR, else
     * ~/.local/share/ccs/sim. */
    const char *sim_dir;
    /* sim: the bytes the sim platform "measures": MRENCLAVE =
     * SHA-256(sim_measurement), MRTD = SHA-384(sim_measurement) (e.g. the
     * contents of an enclave or VM image); empty means the built-in default. */
    ccs_bytes sim_measurement;
    /* sim: the bytes that identify the signer: MRSIGNER = SHA-256(sim_signer)
     * (SGX), MROWNER = SHA-384(sim_signer) (TDX); empty: the built-in default. */
    ccs_bytes sim_signer;
    /* sim: the launch configuration id, as a host sets it when it launches a
     * TD or enclave: the bytes of MRCONFIGID (sim-tdx, at most 48) or
     * CONFIGID (sim-sgx, at most 64), zero-padded; empty: all zero. The KBS
     * binds init-data to it: SHA-384(init-data), `ccs tee quote
     * --config-id-from`, `ccs agent --init-data` (docs/tee.md). Hardware
     * backends ignore it: there the launch sets the field. */
    ccs_bytes sim_config_id;
    /* tpm: a TCTI configuration, e.g. "swtpm:host=127.0.0.1,port=2321";
     * NULL means the tss2 default (device, then tabrmd). */
    const char *tpm_tcti;
    /* tpm: the PCRs to quote, "BANK:LIST" with LIST of indexes and ranges,
     * e.g. "sha256:0-7,16,23"; NULL means "sha256:0-7,16,23". */
    const char *tpm_pcrs;
    /* hardware collectors: a prefix for /sys and /dev paths (tests replay
     * recorded kernel output under a directory); NULL means "/". */
    const char *root;
} ccs_tee_config;

typedef struct ccs_backend ccs_backend;

/* Opens a backend. A hardware backend on a machine without that TEE fails
 * with CCS_ERR_UNSUPPORTED and a "not available on this machine" message. */
CCS_MUST_USE ccs_status ccs_backend_open(const ccs_tee_config *cfg, ccs_backend **out);
void ccs_backend_free(ccs_backend *b);
ccs_platform ccs_backend_platform(const ccs_backend *b);

/* Produces evidence over report_data (at most 64 bytes; shorter input is
 * zero-padded to 64). The evidence is the format ccs attest verify reads
 * for the platform (DCAP quote, SNP report, CSV report, TPM JSON). */
CCS_MUST_USE ccs_status ccs_backend_evidence(ccs_backend *b, ccs_bytes report_data, ccs_buf *evidence);
/* ccs_backend_evidence, and in aux (emptied first) the platform certificates
 * that come with the evidence, when the platform hands any out: snp: the
 * host's certificate table (SEV-SNP GHCB spec, "certificate table": GUID,
 * offset, length entries ending with an all-zero one; VCEK or VLEK, ASK,
 * ARK) from configfs-tsm's auxblob or SNP_GET_EXT_REPORT. Empty for every
 * other platform, and for a host that provides no certificates. */
CCS_MUST_USE ccs_status ccs_backend_evidence_aux(ccs_backend *b, ccs_bytes report_data, ccs_buf *evidence,
                                                 ccs_buf *aux);

typedef enum ccs_seal_policy {
    CCS_SEAL_MEASUREMENT = 1, /* bound to the measurement (MRENCLAVE-like) */
    CCS_SEAL_SIGNER = 2,      /* bound to the signer (MRSIGNER-like) */
} ccs_seal_policy;

/* A 32-byte sealing key for a policy and a caller label (key separation). */
CCS_MUST_USE ccs_status ccs_backend_seal_key(ccs_backend *b, ccs_seal_policy policy, ccs_bytes label,
                                             uint8_t key[static 32]);
/* Current measurements as a JSON object (caller frees with free()). */
CCS_MUST_USE ccs_status ccs_backend_measurements(ccs_backend *b, char **json);
/* Extends a runtime measurement register with a measured event. tpm: PCR
 * `index` of the sha256 bank by SHA-256(data), recorded (EV_IPL, data as
 * the event) in the crypto-agile event log that evidence from this handle
 * carries. CCS_ERR_UNSUPPORTED where the platform has no such register. */
CCS_MUST_USE ccs_status ccs_backend_extend(ccs_backend *b, unsigned index, ccs_bytes data);

/* Seals plaintext under the backend's key for `policy` (AES-256-GCM, a
 * versioned blob carrying the policy, a random nonce and the tag); unseal
 * fails with CCS_ERR_SIGNATURE under any other measurement/signer. */
CCS_MUST_USE ccs_status ccs_seal(ccs_backend *b, ccs_seal_policy policy, ccs_bytes plaintext, ccs_bytes aad,
                                 ccs_buf *blob);
CCS_MUST_USE ccs_status ccs_unseal(ccs_backend *b, ccs_bytes blob, ccs_bytes aad, ccs_buf *plaintext);

/* ---- TPM 2.0 EK/AK enrollment, the attester's side (tpm_ek.c) --------------------------
 * (docs/tee.md "TPM 2.0 AK enrollment"). Each call connects through tcti
 * (NULL: the tss2 default), as the tpm backend does; the AK is the backend's
 * AK (the same primary key every time), so a certificate issued for it
 * covers the evidence of `ccs tee quote --platform tpm`. */

typedef enum ccs_tpm_ek_kind {
    CCS_TPM_EK_AUTO = 0, /* the EK whose certificate is in NV: RSA if both are */
    CCS_TPM_EK_RSA = 1,  /* RSA 2048, template L-1, certificate at NV 0x01c00002 */
    CCS_TPM_EK_ECC = 2,  /* ECC P-256, template L-2, certificate at NV 0x01c0000a */
} ccs_tpm_ek_kind;

/* Reads the EK certificate from NV (TCG EK Credential Profile 2.0, 2.2.1.4),
 * creates the EK from its default template and checks that its public key
 * is the certificate's (CCS_ERR_MISMATCH otherwise). der gets the
 * certificate; ek_public (may be NULL) the EK's marshalled TPM2B_PUBLIC.
 * CCS_ERR_NOT_FOUND when no (such) EK certificate is in NV. */
CCS_MUST_USE ccs_status ccs_tpm_ek_cert(const char *tcti, ccs_tpm_ek_kind kind, ccs_buf *der, ccs_buf *ek_public);
/* The AK's marshalled TPM2B_PUBLIC (replaces out's contents). */
CCS_MUST_USE ccs_status ccs_tpm_ak_public(const char *tcti, ccs_buf *out);
/* TPM2_ActivateCredential of a credential blob (ccs_tpm_credential_parse)
 * with the AK and the EK (AUTO: chosen as ccs_tpm_ek_cert does, RSA when no
 * certificate is present), the EK authorized by a policy session with
 * PolicySecret(TPM_RH_ENDORSEMENT). secret gets the decrypted credential.
 * CCS_ERR_MISMATCH when the TPM refuses the blob (made for another EK or
 * AK, or altered). */
CCS_MUST_USE ccs_status ccs_tpm_activate(const char *tcti, ccs_tpm_ek_kind kind, ccs_bytes credential_blob,
                                         ccs_buf *secret);

/* ---- the sim platform (docs/tee.md) -------------------------------------------------
 * A locally generated PKI shaped like Intel's (root CA, PCK Platform CA, PCK
 * certificates with the SGX extension, TCB Signing certificate), signed sim
 * TCB Info and QE Identity, CRLs, attestation keys and sealing secrets, all
 * in one directory. Its evidence is refused unless the verifier is told to
 * trust the sim root: that is INSECURE, for development and tests only. */

/* The sim state directory: dir, else $CCS_SIM_DIR, else
 * $HOME/.local/share/ccs/sim. */
CCS_MUST_USE ccs_status ccs_sim_dir(const char *dir, char *out, size_t cap);
/* Creates the sim PKI, collateral (valid for a year from now) and per-platform
 * secrets in dir (created with mode 0700; keys and secrets 0600). Fails with
 * CCS_ERR_INVALID_ARG when dir already holds a sim, unless force. */
CCS_MUST_USE ccs_status ccs_sim_init(const char *dir, ccs_time now, bool force);
/* Re-signs the sim collateral (TCB Info, QE Identity, CRLs) valid for a year
 * from now, keeping every key and certificate. */
CCS_MUST_USE ccs_status ccs_sim_refresh(const char *dir, ccs_time now);
/* INSECURE: loads the sim root CA of dir (for ccs_dcap_options.insecure_root)
 * and the sim collateral for tee (dir/sgx or dir/tdx). Either output may be
 * NULL when not wanted. */
CCS_MUST_USE ccs_status ccs_sim_trust_load(const char *dir, ccs_tee tee, ccs_x509 **root, ccs_collateral **coll);

#ifdef __cplusplus
}
#endif
#endif
