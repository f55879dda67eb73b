/*
 * ccs/attest.h - parse and verify attestation evidence.
 *
 * Intel DCAP quotes (SGX quote v3/v4, TDX quote v4/v5) are verified against
 * Intel collateral (TCB Info, QE Identity, PCK and Root CA CRLs, issuer
 * chains) and the pinned Intel SGX Root CA. Three separate steps:
 *
 *   ccs_dcap_quote_parse()      structure only; views into the caller's bytes
 *   ccs_collateral_load*()      parse collateral (nothing verified yet)
 *   ccs_dcap_verify()           every check, at a caller-given time, giving a
 *                               result that names each failed check
 *
 * The verifier does no I/O: collateral comes from the caller, who may load it
 * from a directory, a dcap-qvl collateral JSON object or a PCCS service
 * (ccs_pccs_*, which lives beside the verifier).
 */
#ifndef CCS_ATTEST_H
#define CCS_ATTEST_H

#include <jansson.h>

#include "ccs/core.h"
#include "ccs/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ccs_tee {
    CCS_TEE_UNKNOWN = 0,
    CCS_TEE_SGX = 1,
    CCS_TEE_TDX = 2,
} ccs_tee;

const char *ccs_tee_name(ccs_tee tee); /* "sgx", "tdx", "unknown" */

/* ---- quote layout ------------------------------------------------------------ */

#define CCS_DCAP_HEADER_LEN 48
#define CCS_SGX_REPORT_LEN 384
#define CCS_TDX_REPORT10_LEN 584
#define CCS_TDX_REPORT15_LEN 648
#define CCS_DCAP_TEE_TYPE_SGX 0x00000000u
#define CCS_DCAP_TEE_TYPE_TDX 0x00000081u

/* SGX REPORTBODY (SGX ECDSA Quote Library API, "Enclave Report Body"). */
typedef struct ccs_sgx_report {
    ccs_bytes raw; /* all 384 bytes */
    ccs_bytes cpu_svn, isv_ext_prod_id, attributes, mr_enclave, mr_signer, config_id, isv_family_id,
        report_data;
    uint32_t misc_select;
    uint16_t isv_prod_id, isv_svn, config_svn;
} ccs_sgx_report;

/* TDX TD report body (TDX DCAP Quoting Library API, "TD Quote Body"). */
typedef struct ccs_tdx_report {
    ccs_bytes raw; /* 584 (TDX 1.0) or 648 (TDX 1.5) bytes */
    ccs_bytes tee_tcb_svn, mr_seam, mr_signer_seam, seam_attributes, td_attributes, xfam, mr_td,
        mr_config_id, mr_owner, mr_owner_config, rtmr[4], report_data;
    ccs_bytes tee_tcb_svn2, mr_service_td; /* empty for TDX 1.0 bodies */
} ccs_tdx_report;

/* A parsed DCAP quote: structure only, nothing verified. All views point into
 * the bytes given to ccs_dcap_quote_parse, which must outlive this. */
typedef struct ccs_dcap_quote {
    ccs_tee tee;
    uint16_t version;      /* 3, 4 or 5 */
    uint16_t att_key_type; /* 2 = ECDSA-P256 */
    uint32_t tee_type;
    uint16_t qe_svn, pce_svn;
    ccs_bytes qe_vendor_id, user_data;
    uint16_t body_type; /* v5 body type; for v3/v4: 1 SGX, 2 TDX 1.0 */
    ccs_bytes header, body;
    ccs_bytes signed_data; /* header + (v5 type/size +) body: what the attestation key signs */
    ccs_sgx_report sgx;    /* when tee == SGX */
    ccs_tdx_report tdx;    /* when tee == TDX */
    ccs_bytes signature, att_key; /* 64-byte r||s, 64-byte x||y */
    ccs_sgx_report qe_report;
    ccs_bytes qe_report_signature, qe_auth_data;
    uint16_t cert_type;    /* innermost certification data type (5 = PCK chain) */
    ccs_bytes cert_data;   /* PEM chain: PCK leaf, PCK Platform/Processor CA, Root CA */
    size_t trailing;       /* bytes after the signature data (padding) */
} ccs_dcap_quote;

/* Parses a quote. Tolerates trailing bytes after the signature data (quoting
 * stacks deliver quotes in padded buffers); everything the length fields
 * cover must be present. Errors: CCS_ERR_TRUNCATED, CCS_ERR_TRAILING (bytes
 * left inside the declared signature data), CCS_ERR_UNSUPPORTED (version, key
 * type, TEE type, body type, certification data type), CCS_ERR_FORMAT,
 * CCS_ERR_INVALID_ARG. */
CCS_MUST_USE ccs_status ccs_dcap_quote_parse(ccs_bytes raw, ccs_dcap_quote *out);

/* ---- collateral ---------------------------------------------------------------- */

/* Raw collateral as served by Intel PCS / a PCCS. tcb_info and qe_identity are
 * either the full response body ({"tcbInfo":{...},"signature":"hex"}) with the
 * *_signature member empty, or the exact signed inner object text with the
 * hex signature given separately (the dcap-qvl collateral layout). CRLs are
 * DER, PEM, or hex of DER. Chains are PEM. */
typedef struct ccs_collateral_raw {
    ccs_bytes tcb_info, tcb_info_signature, tcb_info_issuer_chain;
    ccs_bytes qe_identity, qe_identity_signature, qe_identity_issuer_chain;
    ccs_bytes pck_crl, pck_crl_issuer_chain, root_ca_crl;
} ccs_collateral_raw;

typedef struct ccs_collateral ccs_collateral;

/* Parses collateral (copies what it needs; raw may be freed afterwards).
 * Nothing is verified until ccs_dcap_verify. CRLs are optional at parse time
 * (verification then fails with a missing-collateral check). */
CCS_MUST_USE ccs_status ccs_collateral_load(const ccs_collateral_raw *raw, ccs_collateral **out);
/* A directory with tcb_info.json, qe_identity.json, tcb_info_issuer_chain.pem,
 * qe_identity_issuer_chain.pem, pck_crl.der, pck_crl_issuer_chain.pem,
 * root_ca_crl.der (missing CRL files are tolerated at load time). */
CCS_MUST_USE ccs_status ccs_collateral_load_dir(const char *dir, ccs_collateral **out);
/* The dcap-qvl collateral JSON object (keys tcb_info, tcb_info_signature,
 * tcb_info_issuer_chain, qe_identity, ..., pck_crl, root_ca_crl as hex). */
CCS_MUST_USE ccs_status ccs_collateral_load_dcapqvl(ccs_bytes json, ccs_collateral **out);
/* A file: a directory, or a dcap-qvl JSON object. */
CCS_MUST_USE ccs_status ccs_collateral_load_path(const char *path, ccs_collateral **out);
void ccs_collateral_free(ccs_collateral *c);
/* The raw pieces c was loaded from, unchanged (borrowed: valid while c
 * lives; absent pieces are empty). */
void ccs_collateral_raw_view(const ccs_collateral *c, ccs_collateral_raw *out);
/* TEE the TCB Info is for (from its "id"), and its FMSPC (6 bytes). */
ccs_tee ccs_collateral_tee(const ccs_collateral *c);
CCS_MUST_USE ccs_status ccs_collateral_fmspc(const ccs_collateral *c, uint8_t out[static 6]);
/* The earliest nextUpdate among TCB Info, QE Identity and the CRLs that are
 * present: the collateral must be refreshed by then. */
ccs_time ccs_collateral_expiry(const ccs_collateral *c);

/* ---- verification ------------------------------------------------------------- */

/* Intel TCB statuses (PCS API "tcbStatus"), plus NOT_SUPPORTED for "no TCB
 * level matched" and UNKNOWN when evaluation could not run. */
typedef enum ccs_tcb_status {
    CCS_TCB_UNKNOWN = 0,
    CCS_TCB_UP_TO_DATE,
    CCS_TCB_SW_HARDENING_NEEDED,
    CCS_TCB_CONFIGURATION_NEEDED,
    CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    CCS_TCB_OUT_OF_DATE,
    CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    CCS_TCB_REVOKED,
    CCS_TCB_NOT_SUPPORTED,
} ccs_tcb_status;

#define CCS_TCB_BIT(s) (1u << (s))
/* The default accepted set: UpToDate, SWHardeningNeeded, ConfigurationNeeded,
 * ConfigurationAndSWHardeningNeeded. */
#define CCS_TCB_ACCEPT_DEFAULT                                                         \
    (CCS_TCB_BIT(CCS_TCB_UP_TO_DATE) | CCS_TCB_BIT(CCS_TCB_SW_HARDENING_NEEDED) |      \
     CCS_TCB_BIT(CCS_TCB_CONFIGURATION_NEEDED) |                                       \
     CCS_TCB_BIT(CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED))

/* Intel's spelling ("UpToDate", ...); "TCBLevelNotSupported", "Unknown". */
const char *ccs_tcb_status_name(ccs_tcb_status s);
CCS_MUST_USE ccs_status ccs_tcb_status_parse(const char *name, ccs_tcb_status *out);
/* Parses a comma-separated list of status names into a CCS_TCB_BIT mask. */
CCS_MUST_USE ccs_status ccs_tcb_status_parse_list(const char *list, unsigned *mask);

typedef struct ccs_dcap_options {
    ccs_time now;             /* the time of verification (required) */
    unsigned accept_tcb;      /* CCS_TCB_BIT mask; 0 means CCS_TCB_ACCEPT_DEFAULT */
    bool allow_debug;         /* accept debug enclaves / TDs */
    ccs_bytes report_data;    /* if non-empty: must equal REPORTDATA (up to 64 bytes, prefix) */
    /* Trust this root instead of the compiled-in Intel SGX Root CA. Only for
     * test PKIs and the sim platform; never for production evidence. */
    const ccs_x509 *insecure_root;
} ccs_dcap_options;

/* Stable names of the checks, reported in failed_checks. */
#define CCS_CHECK_QUOTE_FORMAT "quote_format"
#define CCS_CHECK_QUOTE_SIGNATURE "quote_signature"
#define CCS_CHECK_QE_REPORT_SIGNATURE "qe_report_signature"
#define CCS_CHECK_QE_REPORT_DATA "qe_report_data"
#define CCS_CHECK_PCK_CHAIN "pck_chain"
#define CCS_CHECK_PCK_EXTENSIONS "pck_extensions"
#define CCS_CHECK_ROOT_CA_CRL "root_ca_crl"
#define CCS_CHECK_PCK_CRL "pck_crl"
#define CCS_CHECK_TCB_INFO "tcb_info"
#define CCS_CHECK_TCB_INFO_SIGNATURE "tcb_info_signature"
#define CCS_CHECK_TCB_INFO_WINDOW "tcb_info_validity"
#define CCS_CHECK_QE_IDENTITY "qe_identity"
#define CCS_CHECK_QE_IDENTITY_SIGNATURE "qe_identity_signature"
#define CCS_CHECK_QE_IDENTITY_WINDOW "qe_identity_validity"
#define CCS_CHECK_FMSPC "fmspc"
#define CCS_CHECK_PCE_ID "pce_id"
#define CCS_CHECK_TEE_TYPE "tee_type"
#define CCS_CHECK_QE_IDENTITY_MATCH "qe_identity_match"
#define CCS_CHECK_TDX_MODULE "tdx_module"
#define CCS_CHECK_TCB_LEVEL "tcb_level"
#define CCS_CHECK_TCB_STATUS "tcb_status"
#define CCS_CHECK_DEBUG "debug"
#define CCS_CHECK_REPORT_DATA "report_data"

typedef struct ccs_failed_check {
    const char *name; /* one of CCS_CHECK_* */
    char message[200];
} ccs_failed_check;

#define CCS_DCAP_MAX_FAILED 24
#define CCS_DCAP_MAX_ADVISORIES 64

/* The result of a verification. Claims are copied (the quote bytes may be
 * freed). Lower-case hex is produced by ccs_dcap_result_json. */
typedef struct ccs_dcap_result {
    bool pass;
    ccs_tee tee;
    uint16_t quote_version;
    ccs_tcb_status tcb_status;          /* converged: platform, TDX module, QE */
    ccs_tcb_status platform_tcb_status; /* from the TCB Info level */
    ccs_tcb_status qe_tcb_status;       /* from the QE Identity level */
    ccs_tcb_status tdx_module_tcb_status;
    ccs_time tcb_date;                  /* earliest tcbDate of the matched levels; 0 if none */
    char advisory_ids[CCS_DCAP_MAX_ADVISORIES][32];
    size_t n_advisories;
    ccs_failed_check failed[CCS_DCAP_MAX_FAILED];
    size_t n_failed;
    bool debug;
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    /* Claims: the body fields (SGX or TDX), copied. */
    uint8_t report_data[64];
    struct {
        uint8_t mr_enclave[32], mr_signer[32], attributes[16], cpu_svn[16];
        uint16_t isv_prod_id, isv_svn;
        uint32_t misc_select;
    } sgx;
    struct {
        uint8_t tee_tcb_svn[16], mr_seam[48], mr_signer_seam[48], seam_attributes[8], td_attributes[8],
            xfam[8], mr_td[48], mr_config_id[48], mr_owner[48], mr_owner_config[48], rtmr[4][48];
    } tdx;
} ccs_dcap_result;

/* Verifies a quote against collateral at opt->now. Returns CCS_OK when the
 * verdict is pass, CCS_ERR_VERIFY when any check failed (each is listed in
 * the result), CCS_ERR_INVALID_ARG/CCS_ERR_NOMEM otherwise. `out` is filled
 * in all cases except invalid arguments. The collateral object caches what it
 * verified (signatures, chains, PCK certificates), so repeated verification
 * with the same collateral is fast; it is safe to share between threads. */
CCS_MUST_USE ccs_status ccs_dcap_verify(ccs_bytes quote, ccs_collateral *coll, const ccs_dcap_options *opt,
                                        ccs_dcap_result *out);

/* The result as one JSON object (verdict, tee, quote_version, tcb_status,
 * advisory_ids, failed_checks, claims ...). Caller frees with free(). */
CCS_MUST_USE ccs_status ccs_dcap_result_json(const ccs_dcap_result *r, char **out);
/* The same object, not serialized: a new reference (NULL when out of memory). */
json_t *ccs_dcap_result_doc(const ccs_dcap_result *r);

/* The compiled-in Intel SGX Root CA (DER). */
ccs_bytes ccs_intel_sgx_root_ca_der(void);

/* ---- evidence formats ----------------------------------------------------------- */

/* The format of a piece of evidence, from its bytes: "sgx", "tdx" (DCAP
 * quotes), "snp", "csv", "tpm", or "unknown". A guess for dispatching only:
 * the chosen verifier still parses strictly. */
const char *ccs_evidence_kind(ccs_bytes evidence);
/* Per-format recognisers used by ccs_evidence_kind (NULL when not that format). */
const char *ccs_evidence_kind_csv(ccs_bytes evidence);
const char *ccs_evidence_kind_tpm(ccs_bytes evidence);

/* ---- AMD SEV-SNP ------------------------------------------------------------------ */

/* The SNP ATTESTATION_REPORT (SEV-SNP Firmware ABI #56860, "ATTESTATION_REPORT
 * Structure"; shared specs section 3), versions 2 to 5, verified with the VCEK
 * or VLEK that signed it, the VCEK -> ASK -> ARK (VLEK -> ASVK -> ARK) chain
 * and the ARK of the report's product, compiled in. Parse, then verify:
 *
 *   ccs_snp_report_parse()      structure only; views into the caller's bytes
 *   ccs_snp_collateral_load*()  the VCEK/VLEK and its issuing chain (not verified)
 *   ccs_snp_verify()            every check at a caller-given time */

#define CCS_SNP_REPORT_LEN 0x4A0
#define CCS_SNP_SIGNED_LEN 0x2A0 /* bytes 0x000..0x29F are signed */

typedef enum ccs_snp_product {
    CCS_SNP_PRODUCT_UNKNOWN = 0,
    CCS_SNP_PRODUCT_MILAN = 1,
    CCS_SNP_PRODUCT_GENOA = 2,
    CCS_SNP_PRODUCT_TURIN = 3,
} ccs_snp_product;

/* "Milan", "Genoa", "Turin", "unknown". */
const char *ccs_snp_product_name(ccs_snp_product p);
/* The pinned ARK certificate (DER) of a product; empty for UNKNOWN. */
ccs_bytes ccs_snp_ark_der(ccs_snp_product p);

/* signer_info bits 2-4 (SIGNING_KEY). */
typedef enum ccs_snp_key {
    CCS_SNP_KEY_VCEK = 0,
    CCS_SNP_KEY_VLEK = 1,
    CCS_SNP_KEY_NONE = 7,
} ccs_snp_key;

/* A TCB_VERSION taken apart. Milan/Genoa: byte 0 boot loader, 1 TEE, 6 SNP,
 * 7 microcode. Turin: 0 FMC, 1 boot loader, 2 TEE, 3 SNP, 7 microcode. */
typedef struct ccs_snp_tcb {
    uint8_t fmc; /* Turin only; 0 otherwise */
    uint8_t bootloader, tee, snp, microcode;
} ccs_snp_tcb;

/* Decodes a TCB_VERSION with the layout of a product (UNKNOWN: Milan's). */
ccs_snp_tcb ccs_snp_tcb_decode(uint64_t raw, ccs_snp_product p);

/* A parsed report: structure only, nothing verified. Views point into the
 * bytes given to ccs_snp_report_parse, which must outlive this. */
typedef struct ccs_snp_report {
    ccs_bytes raw, signed_data; /* all 0x4A0 bytes; the first 0x2A0 */
    uint32_t version, guest_svn, vmpl, signature_algo, signer_info;
    uint64_t policy, current_tcb, platform_info, reported_tcb, committed_tcb, launch_tcb;
    uint64_t launch_mit_vector, current_mit_vector; /* version 5; 0 before */
    ccs_bytes family_id, image_id, report_data, measurement, host_data, id_key_digest, author_key_digest,
        report_id, report_id_ma, chip_id;
    uint8_t cpuid_family, cpuid_model, cpuid_stepping; /* version 3+; 0 in version 2 */
    uint8_t current_build, current_minor, current_major, committed_build, committed_minor, committed_major;
    ccs_snp_key signing_key;
    bool author_key_en, mask_chip_key;
    ccs_bytes sig_r, sig_s; /* 72 bytes each, little-endian */
} ccs_snp_report;

/* Parses a report of exactly 0x4A0 bytes. Errors: CCS_ERR_TRUNCATED /
 * CCS_ERR_TRAILING (length), CCS_ERR_UNSUPPORTED (version, signature
 * algorithm, signing key), CCS_ERR_FORMAT (a reserved field or policy bit
 * that is not as the ABI requires). */
CCS_MUST_USE ccs_status ccs_snp_report_parse(ccs_bytes raw, ccs_snp_report *out);
/* The product named by the report's CPUID family/model (version 3+), or
 * UNKNOWN (version 2, or a CPU this code does not know). */
ccs_snp_product ccs_snp_report_product(const ccs_snp_report *r);

typedef struct ccs_snp_collateral ccs_snp_collateral;

/* The signing key's certificate (VCEK or VLEK, DER or one PEM certificate)
 * and its issuing chain as AMD KDS serves it (PEM: ASK or ASVK, then
 * optionally the ARK). Copies what it needs. Nothing is verified here; the
 * object caches what ccs_snp_verify verified and is safe to share between
 * threads. Errors: CCS_ERR_FORMAT/TRUNCATED/TRAILING for unparsable input. */
CCS_MUST_USE ccs_status ccs_snp_collateral_load(ccs_bytes key_cert, ccs_bytes cert_chain, ccs_snp_collateral **out);
/* A directory with vcek.der (or vlek.der; .pem accepted too) and
 * cert_chain.pem, and optionally crl.der (the ARK's CRL).
 * CCS_ERR_NOT_FOUND when the certificate or the chain is missing. */
CCS_MUST_USE ccs_status ccs_snp_collateral_load_dir(const char *dir, ccs_snp_collateral **out);
void ccs_snp_collateral_free(ccs_snp_collateral *c);
/* Attaches AMD's CRL for the product (KDS /vcek/v1/<product>/crl, DER),
 * replacing any earlier one. Parsed here, judged by ccs_snp_verify:
 * signed by the pinned ARK (RSA-PSS/SHA-384), thisUpdate <= now <
 * nextUpdate, and neither the ASK/ASVK nor the VCEK/VLEK listed. Without a
 * CRL, ccs_snp_verify does not check revocation (result.crl_checked false).
 * Not thread-safe against a concurrent ccs_snp_verify on the same object. */
CCS_MUST_USE ccs_status ccs_snp_collateral_set_crl(ccs_snp_collateral *c, ccs_bytes crl);

typedef struct ccs_snp_options {
    ccs_time now;                /* the time of verification (required) */
    bool allow_debug;            /* accept policy bit 19 (DEBUG) */
    bool allow_migration_agent;  /* accept policy bit 18 (MIGRATE_MA) */
    bool refuse_smt;             /* refuse policy bit 16 (SMT allowed) */
    ccs_bytes report_data;       /* if non-empty: REPORT_DATA prefix (rest must be zero) */
    const ccs_snp_tcb *min_tcb;  /* if set: each reported_tcb component must be >= */
    /* The highest VMPL whose reports are accepted; 0 (the default): VMPL 0
     * only. Software at VMPL 1-3 (a guest OS under an SVSM or a paravisor)
     * gets reports that carry the launch measurement of the VMPL 0 code
     * with report data of its own choosing. 0..3. */
    uint32_t max_vmpl;
} ccs_snp_options;

/* Stable names of the SNP checks (with CCS_CHECK_REPORT_DATA). */
#define CCS_CHECK_SNP_REPORT_FORMAT "report_format"
#define CCS_CHECK_SNP_REPORT_SIGNATURE "report_signature"
#define CCS_CHECK_SNP_SIGNING_KEY "signing_key"
#define CCS_CHECK_SNP_VCEK_CHAIN "vcek_chain"
#define CCS_CHECK_SNP_VCEK_PRODUCT "vcek_product"
#define CCS_CHECK_SNP_VCEK_TCB "vcek_tcb"
#define CCS_CHECK_SNP_VCEK_HWID "vcek_hwid"
#define CCS_CHECK_SNP_POLICY_DEBUG "policy_debug"
#define CCS_CHECK_SNP_POLICY_MIGRATION "policy_migration_agent"
#define CCS_CHECK_SNP_POLICY_SMT "policy_smt"
#define CCS_CHECK_SNP_MIN_TCB "min_tcb"
#define CCS_CHECK_SNP_VMPL "vmpl"
#define CCS_CHECK_SNP_ARK_CRL "ark_crl" /* the ARK's CRL: signature, window, revoked ASK/VCEK */

/* The result of an SNP verification; claims are copied. */
typedef struct ccs_snp_result {
    bool pass;
    uint32_t report_version;
    ccs_failed_check failed[CCS_DCAP_MAX_FAILED];
    size_t n_failed;
    ccs_snp_product product;
    ccs_snp_key signing_key;
    bool debug;
    uint64_t policy, platform_info;
    uint32_t vmpl, guest_svn;
    ccs_snp_tcb reported_tcb, current_tcb, committed_tcb, launch_tcb;
    uint8_t measurement[48], host_data[32], report_data[64], family_id[16], image_id[16], chip_id[64],
        id_key_digest[48], author_key_digest[48], report_id[32];
    bool crl_checked; /* a CRL was given, verified, and lists neither certificate */
} ccs_snp_result;

/* Verifies a report at opt->now. Returns CCS_OK when the verdict is pass,
 * CCS_ERR_VERIFY when any check failed (each is listed in the result),
 * CCS_ERR_INVALID_ARG otherwise; `out` is filled except for invalid
 * arguments. */
CCS_MUST_USE ccs_status ccs_snp_verify(ccs_bytes report, ccs_snp_collateral *coll, const ccs_snp_options *opt,
                                       ccs_snp_result *out);
/* The result as one JSON object (verdict, tee "snp", report_version,
 * failed_checks, claims). Caller frees with free(). */
CCS_MUST_USE ccs_status ccs_snp_result_json(const ccs_snp_result *r, char **out);
/* The same object, not serialized: a new reference (NULL when out of memory). */
json_t *ccs_snp_result_doc(const ccs_snp_result *r);

/* ---- AMD KDS client (snp_kds.c; network I/O, chosen by the caller) ----------------
 * VCEK Certificate and KDS Interface Specification #57230:
 *   {base}/vcek/v1/{Milan|Genoa|Turin}/{hwid}?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..
 *     (Turin: ?fmcSPL=..&blSPL=.. ..., hwid = the first 8 bytes of CHIP_ID)
 *   {base}/vcek/v1/{product}/cert_chain   PEM: ASK, ARK
 *   {base}/vlek/v1/{product}/cert_chain   PEM: ASVK, ARK
 *   {base}/vcek/v1/{product}/crl          DER, signed by the ARK
 * The VCEK is asked for by the report's reported_tcb (never current_tcb).
 * With a cache file (SQLite) VCEKs are kept per (product, hwid, TCB), chains
 * per product, CRLs until their nextUpdate; only pieces of a set that
 * verified are stored. KDS does not serve VLEKs: for a VLEK report the
 * caller supplies the VLEK. Not safe for concurrent use. */

#define CCS_SNP_KDS_DEFAULT_URL "https://kdsintf.amd.com"

typedef struct ccs_snp_kds ccs_snp_kds;

/* base_url NULL: CCS_SNP_KDS_DEFAULT_URL; cache_path NULL: no cache. */
CCS_MUST_USE ccs_status ccs_snp_kds_new(const char *base_url, const char *cache_path, ccs_snp_kds **out);
void ccs_snp_kds_free(ccs_snp_kds *k);
void ccs_snp_kds_insecure_skip_tls_verify(ccs_snp_kds *k, bool skip);

/* The raw pieces for one report, as KDS serves them. */
typedef struct ccs_snp_kds_files {
    ccs_snp_product product;
    bool vlek;         /* a VLEK report: key_cert is empty (KDS has no VLEKs) */
    bool crl_from_cache, key_from_cache;
    ccs_buf key_cert;  /* VCEK, DER */
    ccs_buf cert_chain;/* PEM: ASK (ASVK), ARK */
    ccs_buf crl;       /* DER; empty when KDS has none for the product (HTTP 404) */
} ccs_snp_kds_files;
void ccs_snp_kds_files_free(ccs_snp_kds_files *f);

/* Fetches (or reads from the cache) the VCEK, chain and CRL for a report.
 * product_hint names the product when the report does not (version 2);
 * it must agree with the report otherwise. Each body is checked before use:
 * size limits (64 KiB certificates, 1 MiB CRL), a DER VCEK whose TCB and
 * hwID are those asked for, a two-certificate chain ending at the pinned
 * ARK, a CRL signed by that ARK and current at `now`. Reads the cache but
 * writes nothing to it (see ccs_snp_kds_get_collateral). Errors: CCS_ERR_NOT_FOUND (HTTP
 * 404 for the VCEK: "KDS has no VCEK for this chip/TCB"), CCS_ERR_NETWORK,
 * CCS_ERR_FORMAT (a body that is not what was asked for), CCS_ERR_INVALID_ARG
 * (unknown product, masked chip id). */
CCS_MUST_USE ccs_status ccs_snp_kds_fetch(ccs_snp_kds *k, ccs_bytes report, ccs_snp_product product_hint,
                                          ccs_time now, ccs_snp_kds_files *out);
/* ccs_snp_kds_fetch, then the collateral (with its CRL); vlek_der supplies
 * the VLEK of a VLEK report (ignored otherwise). The set is verified
 * against the report at `now` (chain, signature, TCB, hwID, CRL; not the
 * guest policy) and stored in the cache only when that passes. */
CCS_MUST_USE ccs_status ccs_snp_kds_get_collateral(ccs_snp_kds *k, ccs_bytes report, ccs_snp_product product_hint,
                                                   ccs_bytes vlek_der, ccs_time now, ccs_snp_collateral **out);
/* "Milan"/"Genoa"/"Turin" (any case) to a product; UNKNOWN otherwise. */
ccs_snp_product ccs_snp_product_parse(const char *name);

/* ---- TPM 2.0 quotes (tpm*.c) ------------------------------------------------------ */

/* TPM 2.0 evidence is a JSON object (docs/attest.md "TPM 2.0"):
 *   {"tpms_attest": base64 TPMS_ATTEST, "signature": base64 TPMT_SIGNATURE,
 *    "ak_public": PEM SubjectPublicKeyInfo, "pcrs": {"sha256": {"0": hex, ...}},
 *    "event_log": base64 TCG PC Client crypto-agile log (optional)}
 * Steps as for DCAP: ccs_tpm_attest_parse() (structure only), then
 * ccs_tpm_verify() (every check, a result naming each failed one). */

#define CCS_TPM_PCRS 24
#define CCS_TPM_MAX_BANKS 4
#define CCS_TPM_GENERATED_VALUE 0xff544347u /* TPM_GENERATED_VALUE */
#define CCS_TPM_ST_ATTEST_QUOTE 0x8018u
#define CCS_TPM_ALG_SHA1 0x0004u
#define CCS_TPM_ALG_SHA256 0x000bu
#define CCS_TPM_ALG_SHA384 0x000cu
#define CCS_TPM_ALG_SHA512 0x000du

/* A parsed TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (TPM 2.0 Part 2,
 * section 10.12.12); copied out of the input. */
typedef struct ccs_tpm_attest {
    uint32_t magic;
    uint16_t type;
    uint8_t qualified_signer[68];
    size_t qualified_signer_len;
    uint8_t extra_data[64];
    size_t extra_data_len;
    uint64_t clock;
    uint32_t reset_count, restart_count;
    bool safe;
    uint64_t firmware_version;
    size_t n_banks;
    struct {
        uint16_t hash_alg; /* CCS_TPM_ALG_* */
        uint32_t mask;     /* bit i: PCR i selected */
    } banks[CCS_TPM_MAX_BANKS];
    uint8_t pcr_digest[64];
    size_t pcr_digest_len;
} ccs_tpm_attest;

/* Parses a marshalled TPMS_ATTEST: magic TPM_GENERATED_VALUE, type
 * TPM_ST_ATTEST_QUOTE, known PCR banks (at most CCS_TPM_MAX_BANKS, PCRs
 * 0-23), no trailing bytes. Errors: CCS_ERR_FORMAT, CCS_ERR_TRUNCATED,
 * CCS_ERR_TRAILING, CCS_ERR_UNSUPPORTED. */
CCS_MUST_USE ccs_status ccs_tpm_attest_parse(ccs_bytes raw, ccs_tpm_attest *out);

/* The TPM nonce (extraData) for 64 bytes of report data: SHA-256 of the
 * report data zero-padded to 64 bytes (32 bytes fit every TPM's TPM2B_DATA;
 * 64 need SHA-512 support). report_data.len must be at most 64. */
CCS_MUST_USE ccs_status ccs_tpm_nonce(ccs_bytes report_data, uint8_t out[static 32]);

typedef struct ccs_tpm_options {
    ccs_bytes nonce; /* the expected extraData (required, exact) */
    /* How the AK is trusted (one of the two; neither fails ak_trust):
     * the AK public key itself, or a certificate chain (AK certificate
     * first) verified to ak_root at `now`. */
    const ccs_pubkey *ak;
    const ccs_x509_chain *ak_chain;
    const ccs_x509 *ak_root;
    ccs_time now;
} ccs_tpm_options;

/* Stable names of the TPM checks, reported in failed_checks. */
#define CCS_TPM_CHECK_EVIDENCE_FORMAT "evidence_format"
#define CCS_TPM_CHECK_ATTEST_FORMAT "attest_format"
#define CCS_TPM_CHECK_SIGNATURE "signature"
#define CCS_TPM_CHECK_NONCE "nonce"
#define CCS_TPM_CHECK_PCR_DIGEST "pcr_digest"
#define CCS_TPM_CHECK_EVENT_LOG "event_log"
#define CCS_TPM_CHECK_AK_TRUST "ak_trust"
#define CCS_TPM_MAX_FAILED 8

typedef struct ccs_tpm_result {
    bool pass;
    ccs_failed_check failed[CCS_TPM_MAX_FAILED];
    size_t n_failed;
    bool parsed;            /* attest holds the parsed TPMS_ATTEST */
    ccs_tpm_attest attest;
    uint16_t sig_alg, sig_hash; /* TPM_ALG_ECDSA/RSASSA/RSAPSS and its hash */
    /* Claims: the PCR values the quote covers (only those). */
    size_t n_banks;
    struct {
        uint16_t hash_alg;
        uint32_t mask;
        uint8_t value[CCS_TPM_PCRS][64];
    } pcrs[CCS_TPM_MAX_BANKS];
    bool has_event_log;
    size_t n_events;        /* events in the log */
    uint32_t replayed_mask; /* sha256 PCRs whose value the log reproduces */
} ccs_tpm_result;

/* Verifies TPM evidence (the JSON object above). CCS_OK when the verdict is
 * pass, CCS_ERR_VERIFY when a check failed (named in the result),
 * CCS_ERR_INVALID_ARG otherwise. */
CCS_MUST_USE ccs_status ccs_tpm_verify(ccs_bytes evidence, const ccs_tpm_options *opt, ccs_tpm_result *out);
/* The result as JSON: verdict, tee "tpm", failed_checks, claims. */
CCS_MUST_USE ccs_status ccs_tpm_result_json(const ccs_tpm_result *r, char **out);
/* The same object, not serialized: a new reference (NULL when out of memory). */
json_t *ccs_tpm_result_doc(const ccs_tpm_result *r);

/* Replays a TCG PC Client crypto-agile event log (TCG PC Client Platform
 * Firmware Profile, section 10) into the sha256 bank: pcrs[i] end as the
 * replayed values (initial zeros; StartupLocality honoured), *touched gets
 * the extended PCRs, *n_events the number of events. */
CCS_MUST_USE ccs_status ccs_tpm_eventlog_replay(ccs_bytes log, uint8_t pcrs[CCS_TPM_PCRS][32], uint32_t *touched,
                                                size_t *n_events);

/* ---- TPM 2.0 EK/AK enrollment (tpm_public.c, tpm_credential.c, tpm_enroll.c) ---------
 * Trusting an AK through the TPM's EK certificate (docs/attest.md "TPM 2.0 AK
 * enrollment"): the verifier checks the EK certificate chain, checks that the
 * AK is a restricted fixedTPM signing key, makes a credential for the AK's
 * Name under the EK (TPM2_MakeCredential in software, TPM 2.0 Part 1 section
 * 24), and, once the attester's TPM has returned the secret through
 * TPM2_ActivateCredential, issues an AK certificate that ccs_tpm_verify
 * accepts as ak_chain. */

#define CCS_TPM_ALG_RSA 0x0001u
#define CCS_TPM_ALG_AES 0x0006u
#define CCS_TPM_ALG_NULL 0x0010u
#define CCS_TPM_ALG_ECC 0x0023u
#define CCS_TPM_ALG_CFB 0x0043u
#define CCS_TPM_ECC_P256 0x0003u
#define CCS_TPM_ECC_P384 0x0004u
/* TPMA_OBJECT bits (TPM 2.0 Part 2, 8.3). */
#define CCS_TPMA_FIXEDTPM 0x00000002u
#define CCS_TPMA_FIXEDPARENT 0x00000010u
#define CCS_TPMA_SENSITIVEDATAORIGIN 0x00000020u
#define CCS_TPMA_USERWITHAUTH 0x00000040u
#define CCS_TPMA_ADMINWITHPOLICY 0x00000080u
#define CCS_TPMA_RESTRICTED 0x00010000u
#define CCS_TPMA_DECRYPT 0x00020000u
#define CCS_TPMA_SIGN 0x00040000u
#define CCS_TPM_MAX_NAME 66       /* nameAlg (2) + SHA-512 */
#define CCS_TPM_MAX_SECRET 64     /* a credential is a TPM2B_DIGEST */
#define CCS_TPM_MAX_ID_OBJECT 132 /* TPMS_ID_OBJECT: TPM2B_DIGEST + TPM2B_DIGEST */
#define CCS_TPM_MAX_ENC_SECRET 512

/* A parsed TPMT_PUBLIC (TPM 2.0 Part 2, 12.2.4) of an RSA or ECC key, with
 * its Name; copied out of the input. */
typedef struct ccs_tpm_public {
    uint16_t type;                        /* CCS_TPM_ALG_RSA or CCS_TPM_ALG_ECC */
    uint16_t name_alg;                    /* CCS_TPM_ALG_SHA256/384/512 */
    uint32_t attributes;                  /* CCS_TPMA_* */
    uint16_t sym_alg, sym_bits, sym_mode; /* parameters.symmetric (CCS_TPM_ALG_NULL: none) */
    uint16_t scheme, scheme_hash;         /* parameters.scheme */
    uint16_t rsa_bits;                    /* RSA: keyBits */
    uint32_t rsa_exponent;                /* RSA: 0 means 65537 */
    uint16_t curve;                       /* ECC: CCS_TPM_ECC_P256/P384 */
    uint8_t key[512];                     /* RSA: modulus; ECC: x||y, each the field size */
    size_t key_len;
    uint8_t name[CCS_TPM_MAX_NAME];       /* nameAlg (big-endian) || H(TPMT_PUBLIC) */
    size_t name_len;
} ccs_tpm_public;

/* Parses a marshalled TPM2B_PUBLIC (what tpm2_createak -u / tpm2_readpublic
 * -o write): the size must cover exactly one TPMT_PUBLIC, in its canonical
 * encoding, of type RSA (1024 to 4096 bits) or ECC (P-256/P-384), with a
 * SHA-256/384/512 nameAlg. Errors: CCS_ERR_TRUNCATED, CCS_ERR_TRAILING,
 * CCS_ERR_FORMAT, CCS_ERR_UNSUPPORTED. */
CCS_MUST_USE ccs_status ccs_tpm_public_parse(ccs_bytes tpm2b_public, ccs_tpm_public *out);
/* The key as a ccs_pubkey (caller frees). */
CCS_MUST_USE ccs_status ccs_tpm_public_key(const ccs_tpm_public *p, ccs_pubkey **out);
/* CCS_OK when p is fit to be an AK: restricted, sign, not decrypt, fixedTPM,
 * fixedParent, sensitiveDataOrigin; CCS_ERR_POLICY naming the first missing
 * attribute otherwise. */
CCS_MUST_USE ccs_status ccs_tpm_ak_check(const ccs_tpm_public *p);
/* The EK public area implied by an EK certificate and the TCG EK Credential
 * Profile's default templates: RSA 2048 (template L-1) or ECC P-256 (L-2),
 * nameAlg SHA-256, AES-128-CFB, the standard policy. CCS_ERR_UNSUPPORTED for
 * any other key. The Name is not computed (not needed to encrypt to it). */
CCS_MUST_USE ccs_status ccs_tpm_ek_from_cert(const ccs_x509 *ek_cert, ccs_tpm_public *out);

/* A credential blob as tpm2-tools writes it (tpm2_makecredential -o, read by
 * tpm2_activatecredential -i): magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT,
 * TPM2B_ENCRYPTED_SECRET, all big-endian. The byte arrays hold the TPM2B
 * contents (without their size). */
typedef struct ccs_tpm_credential {
    uint8_t id_object[CCS_TPM_MAX_ID_OBJECT]; /* integrityHMAC (TPM2B_DIGEST) || encIdentity */
    size_t id_object_len;
    uint8_t enc_secret[CCS_TPM_MAX_ENC_SECRET];
    size_t enc_secret_len;
} ccs_tpm_credential;

/* Parses a credential blob (also checks the TPM2B_ID_OBJECT's inner
 * integrityHMAC size). Errors: CCS_ERR_FORMAT (magic, version, sizes),
 * CCS_ERR_TRUNCATED, CCS_ERR_TRAILING. */
CCS_MUST_USE ccs_status ccs_tpm_credential_parse(ccs_bytes blob, ccs_tpm_credential *out);
/* The blob for c, appended to out. */
CCS_MUST_USE ccs_status ccs_tpm_credential_encode(const ccs_tpm_credential *c, ccs_buf *out);

/* TPM2_MakeCredential in software (TPM 2.0 Part 1, 24; Part 3, 12.6): a
 * random seed shared with the EK ("IDENTITY": RSA-OAEP with the EK's nameAlg
 * and label "IDENTITY\0", or ECDH on the EK's curve and KDFe), the secret
 * encrypted under KDFa(seed, "STORAGE", name) with the EK's symmetric
 * algorithm (AES-CFB, zero IV) and protected by an HMAC keyed with
 * KDFa(seed, "INTEGRITY"). secret: 1 to digest-size-of-nameAlg bytes. The
 * EK must be a restricted decryption key with AES-CFB. */
CCS_MUST_USE ccs_status ccs_tpm_make_credential(const ccs_tpm_public *ek, ccs_bytes name, ccs_bytes secret,
                                                ccs_tpm_credential *out);

/* The verifier's side of enrollment. */
typedef struct ccs_tpm_challenge_options {
    const ccs_x509_chain *ek_ca; /* the trusted EK CA bundle: roots and intermediates */
    ccs_time now;
} ccs_tpm_challenge_options;

/* What the verifier keeps between challenge and enrollment (secret!). */
typedef struct ccs_tpm_challenge_state {
    uint8_t secret[32];
    uint8_t ak_name[CCS_TPM_MAX_NAME];
    size_t ak_name_len;
} ccs_tpm_challenge_state;

/* Checks the EK certificate (DER or PEM) chains to one certificate of
 * opt->ek_ca at opt->now (CCS_ERR_UNTRUSTED "EK certificate does not chain
 * to the given CA", or the chain's own error), that ak_public is an AK
 * (ccs_tpm_ak_check), then makes a credential with a fresh 32-byte secret
 * for the AK's Name under the EK. */
CCS_MUST_USE ccs_status ccs_tpm_challenge(ccs_bytes ek_cert, ccs_bytes ak_public,
                                          const ccs_tpm_challenge_options *opt, ccs_tpm_credential *cred,
                                          ccs_tpm_challenge_state *state);
/* The state as JSON {"version":1,"secret":hex,"ak_name":hex} and back. */
CCS_MUST_USE ccs_status ccs_tpm_challenge_state_json(const ccs_tpm_challenge_state *s, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_tpm_challenge_state_parse(ccs_bytes json, ccs_tpm_challenge_state *out);

typedef struct ccs_tpm_enroll_options {
    const ccs_x509 *ca_cert;  /* the enrollment CA that issues AK certificates */
    ccs_bytes ca_key_pem;     /* its private key (PEM, unencrypted) */
    ccs_time now;             /* notBefore */
    unsigned days;            /* validity; 0 means 365 */
} ccs_tpm_enroll_options;

/* Accepts the attester's response when it equals the state's secret
 * (constant time; CCS_ERR_MISMATCH otherwise) and ak_public is the AK the
 * challenge was made for (same Name; CCS_ERR_MISMATCH) and still an AK;
 * then issues an AK certificate (PEM appended to cert_pem): subject CN
 * "TPM AK <first 8 bytes of the Name digest in hex>", CA:FALSE,
 * digitalSignature, signed by the CA key with SHA-256. */
CCS_MUST_USE ccs_status ccs_tpm_enroll(const ccs_tpm_challenge_state *state, ccs_bytes response,
                                       ccs_bytes ak_public, const ccs_tpm_enroll_options *opt, ccs_buf *cert_pem);

/* ---- Hygon CSV ---------------------------------------------------------------------- */

/* The Hygon CSV attestation report v1 and v2 (shared specs section 4; the
 * layouts in tests/data/attestation/csv/MANIFEST.md), verified along the SM2 chain
 * HRK (compiled in) -> HSK -> CEK (per chip, from Hygon KDS) -> PEK (in the
 * report) -> report, plus the HMAC-SM3 over the signer block keyed with the
 * guest's mnonce. Certificates carry no dates: no "as of" time is needed.
 *
 *   ccs_csv_report_parse()     structure, with the anonce masking undone
 *   ccs_csv_verify()           every check, a result naming each failed one
 *
 * Evidence is the raw report (2548 bytes, or the firmware's 4096-byte buffer)
 * or the CoCo trustee JSON object (attestation_report.data as a byte array,
 * cert_chain.pek, serial_number). The trustee form was serialized after its
 * signer block was unmasked and its reserved bytes zeroed, so its HMAC cannot
 * be checked (docs/attest.md "Hygon CSV").
 *
 * Report v2 (firmware API 1.4+, the "extended" report) is recognised only by
 * its wrapper: raw evidence that starts with the csv-rs wrapper header
 * ("ATTESTATION_EXT\0" magic, u32 flags: 0 = v1, 1 = v2) before the report,
 * or trustee JSON whose attestation_report has that magic and flags. A bare
 * report (no header) is v1. v2 has no anonce masking, adds build,
 * rtmr_version and five SM3 RTMRs, and is signed over bytes [0, 1024). */

#define CCS_CSV_REPORT_LEN 2548    /* TeeInfo 336 + PEK 2084 + SN 64 + reserved 32 + HMAC 32 */
#define CCS_CSV_REPORT_V2_LEN 3380 /* TeeInfo v2 1168 + PEK 2084 + SN 64 + reserved 32 + HMAC 32 */
#define CCS_CSV_V2_SIGNED_LEN 1024 /* the PEK signs v2 report bytes [0, 1024) */
#define CCS_CSV_EXT_HEADER_LEN 20  /* wrapper header: magic "ATTESTATION_EXT\0" 16 + flags u32 */
#define CCS_CSV_RTMRS 5            /* rtmr0 (= the launch measure) .. rtmr4, SM3 */
#define CCS_CSV_REPORT_BUF_LEN 4096 /* the buffer the firmware fills */
#define CCS_CSV_SIGNED_LEN 180     /* the PEK signs report bytes [0, 180) as stored */
#define CCS_CSV_CA_CERT_LEN 832    /* "ca" format: HRK, HSK */
#define CCS_CSV_CERT_LEN 2084      /* "csv" format: CEK, PEK */

typedef enum ccs_csv_form {
    CCS_CSV_FORM_RAW = 1,     /* firmware output: PEK and SN masked, HMAC checkable */
    CCS_CSV_FORM_TRUSTEE = 2, /* trustee JSON: PEK and SN unmasked, reserved zeroed */
} ccs_csv_form;

/* A parsed report: structure only, nothing verified. Copied out of the input
 * (the trustee form is not a byte string); masked fields are unmasked here. */
typedef struct ccs_csv_report {
    ccs_csv_form form;
    uint32_t version;                   /* 1 or 2 (from the wrapper; bare reports are v1) */
    uint8_t raw[CCS_CSV_REPORT_V2_LEN]; /* as delivered: what the PEK signature and HMAC cover */
    size_t len;                         /* report bytes in raw: CCS_CSV_REPORT_LEN or _V2_LEN */
    size_t trailing;                    /* bytes after the report in its buffer (ignored) */
    uint32_t anonce;                    /* v2: 0 (no masking) */
    uint8_t user_pubkey_digest[32], vm_id[16], vm_version[16], report_data[64], mnonce[16], measure[32];
    uint32_t policy, sig_usage, sig_algo;
    uint32_t build;                  /* v2: firmware build */
    uint16_t rtmr_version;           /* v2 */
    uint8_t rtmr[CCS_CSV_RTMRS][32]; /* v2: rtmr0..rtmr4 */
    uint8_t sig_rs[64];              /* r||s, big-endian */
    uint8_t pek[CCS_CSV_CERT_LEN];   /* the PEK certificate, unmasked */
    char chip_id[65];                /* the chip serial number, unmasked, NUL-terminated; signed by
                                      * nothing (see ccs_csv_result.chip_id) */
    uint8_t mac[32];
    char serial_number[65];          /* trustee form: its "serial_number"; "" otherwise */
} ccs_csv_report;

/* Parses raw or trustee-JSON evidence, v1 or v2. Errors: CCS_ERR_TRUNCATED,
 * CCS_ERR_TRAILING (a report buffer over 4096 bytes), CCS_ERR_UNSUPPORTED
 * (wrapper flags other than 0/1, another signature usage or algorithm),
 * CCS_ERR_FORMAT. */
CCS_MUST_USE ccs_status ccs_csv_report_parse(ccs_bytes evidence, ccs_csv_report *out);

/* The HSK and CEK of the report's chip (Hygon KDS serves them by chip SN,
 * offline as hsk_cek.cert = HSK || CEK) and optionally the HRK, which must
 * be byte-identical to the compiled-in Hygon HRK (an empty hrk means that
 * one). An empty hsk or cek is reported as missing collateral. */
typedef struct ccs_csv_certs {
    ccs_bytes hrk, hsk, cek;
} ccs_csv_certs;

/* The compiled-in Hygon Root Key certificate (832 bytes). */
ccs_bytes ccs_csv_hygon_hrk(void);
/* Reads a directory: hrk.cert (optional), hsk_cek.cert, else hsk.cert and
 * cek.cert (absent files give empty views). The bytes live in *store
 * (caller frees with ccs_buf_free, also on failure). CCS_ERR_FORMAT when hsk_cek.cert is not
 * 832 + 2084 bytes; CCS_ERR_IO when dir cannot be read. */
CCS_MUST_USE ccs_status ccs_csv_certs_load_dir(const char *dir, ccs_buf *store, ccs_csv_certs *out);

typedef struct ccs_csv_options {
    bool allow_debug;      /* accept a guest whose policy allows debugging (NODBG clear) */
    ccs_bytes report_data; /* if non-empty: REPORT_DATA prefix after unmasking (rest must be zero) */
    ccs_bytes mnonce;      /* if non-empty: the 16-byte mnonce the verifier gave the guest */
    /* If non-empty: the expected 32-byte launch measurement. A v1 report's
     * anonce is outside the PEK's signature and unmasks every claim: a
     * changed anonce XORs all of them with the same 4 bytes, and only a
     * pinned measurement (or another claim the caller pins) shows it. */
    ccs_bytes measurement;
    /* Pass evidence whose HMAC cannot be checked (the trustee form). */
    bool insecure_unchecked_hmac;
    /* If non-empty: a CCEL (TCG crypto-agile event log with SM3 digests)
     * replayed into rtmr1..4 (event index i -> rtmr i) and compared with a
     * v2 report. Empty: the trustee form's cc_eventlog, if any, for v2. */
    ccs_bytes event_log;
} ccs_csv_options;

/* Stable names of the CSV checks. */
#define CCS_CHECK_CSV_REPORT_FORMAT "report_format"
#define CCS_CHECK_CSV_HRK "hrk"
#define CCS_CHECK_CSV_CHAIN "csv_chain"
#define CCS_CHECK_CSV_PEK_SIGNATURE "pek_signature"
#define CCS_CHECK_CSV_REPORT_SIGNATURE "report_signature"
#define CCS_CHECK_CSV_REPORT_HMAC "report_hmac"
#define CCS_CHECK_CSV_MNONCE "mnonce"
#define CCS_CHECK_CSV_MEASUREMENT "measurement"
#define CCS_CHECK_CSV_CHIP_ID "chip_id"
#define CCS_CHECK_CSV_DEBUG "debug"
#define CCS_CHECK_CSV_REPORT_DATA "report_data"
#define CCS_CHECK_CSV_EVENT_LOG "event_log" /* the log does not parse, or a v1 report (no RTMRs) */
#define CCS_CHECK_CSV_RTMR "rtmr"           /* a replayed RTMR differs from the report's */

typedef enum ccs_csv_event_log_state {
    CCS_CSV_EVENT_LOG_NONE = 0, /* no log given: RTMRs reported, not checked */
    CCS_CSV_EVENT_LOG_MATCHED,
    CCS_CSV_EVENT_LOG_MISMATCHED,
    CCS_CSV_EVENT_LOG_INVALID,
} ccs_csv_event_log_state;

typedef enum ccs_csv_hmac_state {
    CCS_CSV_HMAC_NOT_RUN = 0,
    CCS_CSV_HMAC_VALID,
    CCS_CSV_HMAC_INVALID,
    CCS_CSV_HMAC_NOT_CHECKABLE, /* trustee form: the firmware's HMAC input is lost */
} ccs_csv_hmac_state;

/* The result of a CSV verification; claims are copied and unmasked. */
typedef struct ccs_csv_result {
    bool pass;
    uint32_t report_version; /* 1 or 2; 0 when the report does not parse */
    ccs_csv_form form;
    ccs_failed_check failed[CCS_DCAP_MAX_FAILED];
    size_t n_failed;
    ccs_csv_hmac_state hmac;
    bool debug;
    uint32_t policy;
    uint8_t measurement[32], report_data[64], user_pubkey_digest[32], vm_id[16], vm_version[16], mnonce[16];
    /* The SN the report carries. Neither the PEK's signature nor the HMAC
     * (keyed by the mnonce, which the report itself holds) authenticates
     * it: it names the chip only when the HSK/CEK were fetched from Hygon
     * KDS for this SN (another SN fetches another chip's CEK, which does
     * not sign this PEK), never when they came with the evidence. */
    char chip_id[65];
    uint8_t pek_fw_major, pek_fw_minor, cek_fw_major, cek_fw_minor; /* cek_*: 0 without a CEK */
    /* v2 only (zero for v1) */
    uint32_t build;
    uint16_t rtmr_version;
    uint8_t rtmr[CCS_CSV_RTMRS][32];
    ccs_csv_event_log_state event_log;
    size_t n_events; /* events replayed (MATCHED/MISMATCHED) */
} ccs_csv_result;

/* Verifies evidence (raw or trustee JSON). Returns CCS_OK when the verdict
 * is pass, CCS_ERR_VERIFY when any check failed (each is listed in the
 * result), CCS_ERR_INVALID_ARG otherwise; `out` is filled except for invalid
 * arguments. */
CCS_MUST_USE ccs_status ccs_csv_verify(ccs_bytes evidence, const ccs_csv_certs *certs, const ccs_csv_options *opt,
                                       ccs_csv_result *out);
/* The result as one JSON object (verdict, tee "csv", report_version,
 * failed_checks, claims). Caller frees with free(). */
CCS_MUST_USE ccs_status ccs_csv_result_json(const ccs_csv_result *r, char **out);
/* The same object, not serialized: a new reference (NULL when out of memory). */
json_t *ccs_csv_result_doc(const ccs_csv_result *r);

/* ---- PCCS / PCS collateral provider (does network I/O) ------------------------------ */

typedef struct ccs_pccs ccs_pccs;

/* base_url: e.g. "https://pccs.example:8081" (the "/sgx/certification/v4"
 * and "/tdx/certification/v4" paths are appended). cache_path: an SQLite
 * file for the on-disk cache, or NULL for no cache. */
CCS_MUST_USE ccs_status ccs_pccs_new(const char *base_url, const char *cache_path, ccs_pccs **out);
void ccs_pccs_free(ccs_pccs *p);
/* Skip TLS certificate verification of the PCCS (self-signed local PCCS). */
void ccs_pccs_insecure_skip_tls_verify(ccs_pccs *p, bool skip);
/* Fetches (or reads from the cache, if still valid at `now`) the collateral
 * for a TEE, FMSPC (6 bytes) and PCK CA ("platform" or "processor"). */
CCS_MUST_USE ccs_status ccs_pccs_get_collateral(ccs_pccs *p, ccs_tee tee, const uint8_t fmspc[static 6],
                                                const char *pck_ca, ccs_time now, ccs_collateral **out);
/* Reads FMSPC and PCK CA type ("platform"/"processor") from a parsed quote's
 * PCK certificate, for choosing collateral. */
CCS_MUST_USE ccs_status ccs_dcap_quote_pck_info(const ccs_dcap_quote *q, uint8_t fmspc[static 6],
                                                const char **pck_ca);

#ifdef __cplusplus
}
#endif
#endif
