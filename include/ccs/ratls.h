/*
 * ccs/ratls.h - RA-TLS: self-signed X.509 certificates that carry attestation
 * evidence bound to the certificate's key (docs/ratls.md,
 * specs/kbs-image-ratls.md section 4).
 *
 *   ccs_ratls_cert_create()     fresh key, evidence from a tee backend, the cert
 *   ccs_ratls_evidence_parse()  the evidence extension of an untrusted cert
 *                               (structure only: nothing verified)
 *   ccs_ratls_verify_cert()     parse + verify the evidence + check the binding
 *
 * What the report data binds (docs/ratls.md "Key binding"):
 *   TCG tagged evidence (2.23.133.5.4.9): claims = CBOR map
 *     {"pubkey-hash": bstr(CBOR [hash-alg-id, H(SPKI DER)]), "nonce"?: bstr}
 *     with H = SHA-256 (alg id 1) for a P-256 key, SHA-384 (7) for P-384
 *     (SHA-512 = 8 accepted); report_data = SHA-256(claims bytes) || 32 zero bytes.
 *   Legacy raw quote (1.2.840.113741.1337.6 and Gramine's 0.6.9.42...):
 *     report_data[0..32] = SHA-256(SPKI DER).
 *   TPM 2.0 evidence (CCS-private tag CCS_RATLS_TAG_CCS_TPM_CMW): the same
 *     claims and report data; the quote's qualifying data (extraData) is
 *     ccs_tpm_nonce(report_data) = SHA-256(SHA-256(claims) || 32 zero bytes).
 */
#ifndef CCS_RATLS_H
#define CCS_RATLS_H

#include "ccs/attest.h"
#include "ccs/core.h"
#include "ccs/crypto.h"
#include "ccs/tee.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Extension OIDs (dotted). */
#define CCS_RATLS_OID_TCG_EVIDENCE "2.23.133.5.4.9"     /* TCG DICE tagged evidence / CMW */
#define CCS_RATLS_OID_TCG_ENDORSEMENTS "2.23.133.5.4.2" /* tcg-dice-endorsement-manifest */
#define CCS_RATLS_OID_INTEL_QUOTE "1.2.840.113741.1337.6"
/* Gramine's legacy extension: its OID bytes carry an extra "06 09" prefix. */
#define CCS_RATLS_OID_GRAMINE_LEGACY "0.6.9.42.840.113741.1337.6"

/* CBOR tags over [evidence, claims] in the TCG extension. */
#define CCS_RATLS_TAG_GRAMINE_SGX_QUOTE 60000u   /* Gramine / CCC: SGX DCAP quote */
#define CCS_RATLS_TAG_TEE_QUOTE 0x1a7501u        /* rats-tls: Intel TEE (SGX/TDX) DCAP quote */
#define CCS_RATLS_TAG_TEE_REPORT 0x1a7502u       /* rats-tls: TEE report */
#define CCS_RATLS_TAG_SGX_LEGACY_REPORT 0x1a7503u
/* rats-tls: AMD SEV-SNP: the 0x4A0-byte report, optionally followed (CCS)
 * by the host's certificate table (docs/ratls.md "SEV-SNP and CSV evidence"). */
#define CCS_RATLS_TAG_SNP_REPORT 0x1a7504u
#define CCS_RATLS_TAG_SEV_REPORT 0x1a7505u /* rats-tls: AMD SEV (pre-SNP): parsed, never verified */
/* rats-tls: Hygon CSV: the raw report, optionally followed by the chip's
 * HSK (832 bytes) and CEK (2084 bytes), as rats-tls's csv_evidence. */
#define CCS_RATLS_TAG_CSV_REPORT 0x1a7506u
/* CCS-private (CBOR first-come-first-served range, not registered; ASCII
 * "CCS" followed by 0x01): tag([cmw, bstr claims]) where cmw is the CMW
 * array record [CCS_RATLS_TPM_MEDIA_TYPE, bstr TPM evidence JSON]
 * (draft-ietf-rats-msg-wrap). No registered tag exists for TPM evidence in
 * the CCC / rats-tls set; docs/ratls.md "TPM 2.0 evidence". */
#define CCS_RATLS_TAG_CCS_TPM_CMW 0x43435301u
#define CCS_RATLS_TPM_MEDIA_TYPE "application/vnd.ccs.tpm-evidence+json"

/* Limits on untrusted input (CCS_ERR_OVERFLOW beyond them). */
#define CCS_RATLS_EVIDENCE_MAX (64u * 1024u)
#define CCS_RATLS_CLAIMS_MAX 4096u
#define CCS_RATLS_NONCE_MAX 64u
/* Endorsements (2.23.133.5.4.2): each byte string, and the whole extension. */
#define CCS_RATLS_ENDORSEMENT_ITEM_MAX (128u * 1024u)
#define CCS_RATLS_ENDORSEMENTS_MAX (512u * 1024u)
/* The version emitted: sgx_ql_qve_collateral_t's, major 3 (PCS API v3+)
 * minor 1 (CRLs in raw DER) as the uint32 (major | minor << 16). */
#define CCS_RATLS_ENDORSEMENTS_VERSION 0x00010003u

typedef enum ccs_ratls_format {
    CCS_RATLS_FORMAT_NONE = 0,
    CCS_RATLS_FORMAT_TCG = 1,            /* 2.23.133.5.4.9: CBOR tag over [evidence, claims] */
    CCS_RATLS_FORMAT_INTEL_LEGACY = 2,   /* 1.2.840.113741.1337.6: raw DCAP quote */
    CCS_RATLS_FORMAT_GRAMINE_LEGACY = 3, /* 0.6.9.42.840.113741.1337.6: raw DCAP quote */
} ccs_ratls_format;

/* "tcg", "intel-legacy", "gramine-legacy", "none". */
const char *ccs_ratls_format_name(ccs_ratls_format f);

/* ---- creation -------------------------------------------------------------------- */

typedef struct ccs_ratls_create_options {
    ccs_curve curve;             /* 0: P-256 */
    ccs_bytes nonce;             /* optional "nonce" claim (at most CCS_RATLS_NONCE_MAX bytes) */
    const char *subject_cn;      /* NULL: "CCS RA-TLS" */
    ccs_time now;                /* 0: ccs_time_now(); notBefore = now - 60 s */
    ccs_time validity_s;         /* 0: one day */
    bool no_legacy_sgx_ext;      /* SGX evidence: omit the raw quote under 1.2.840.113741.1337.6 */
    /* Optional: embed this DCAP collateral (its raw pieces, as loaded) as
     * endorsements under 2.23.133.5.4.2 (docs/ratls.md "Endorsements").
     * SGX/TDX evidence only; its TEE must be the quote's; borrowed. */
    const ccs_collateral *endorsements;
} ccs_ratls_create_options;

/* Creates a fresh key on opt->curve and a self-signed certificate for it
 * carrying evidence from backend b (sim-sgx, sim-tdx, sgx, tdx: DCAP quotes;
 * snp: the report, plus the host's certificate table when the backend hands
 * one out (ccs_backend_evidence_aux); csv: the report; tpm: the TPM
 * evidence JSON). SGX quotes get tag 60000, TDX quotes 0x1a7501, SNP
 * 0x1a7504, CSV 0x1a7506, TPM evidence CCS_RATLS_TAG_CCS_TPM_CMW (a CMW
 * record); for SGX a second quote, with report_data = SHA-256(SPKI DER),
 * goes under 1.2.840.113741.1337.6 unless opt->no_legacy_sgx_ext. opt may
 * be NULL. The key is returned in *key (caller frees). Errors:
 * CCS_ERR_UNSUPPORTED for a platform without an RA-TLS tag,
 * CCS_ERR_INVALID_ARG, and the backend's errors. */
CCS_MUST_USE ccs_status ccs_ratls_cert_create(ccs_backend *b, const ccs_ratls_create_options *opt,
                                              ccs_x509 **cert, ccs_privkey **key);

/* What ccs_ratls_cert_create_with calls for evidence: fill `evidence`
 * (replacing its contents) with evidence whose report data is report_data
 * (64 bytes), in the byte layout of the platform's tag (docs/ratls.md
 * "Formats emitted"): a DCAP quote, the SNP report [+ certificate table],
 * the CSV report [+ HSK + CEK], or the TPM evidence JSON. */
typedef ccs_status (*ccs_ratls_evidence_fn)(void *ctx, ccs_bytes report_data, ccs_buf *evidence);

/* ccs_ratls_cert_create with the evidence from fn(ctx, ...) instead of a
 * backend, for `platform` (which picks the tag; sim-sgx/sgx, sim-tdx/tdx,
 * snp, csv, tpm). ccs_ratls_cert_create is this with the backend. SNP and
 * CSV evidence is checked against its layout (CCS_ERR_FORMAT,
 * CCS_ERR_TRUNCATED). Evidence made for other report data than asked for
 * (recorded evidence, in tests) gives a certificate whose key binding
 * fails at verification. */
CCS_MUST_USE ccs_status ccs_ratls_cert_create_with(ccs_platform platform, ccs_ratls_evidence_fn fn, void *ctx,
                                                   const ccs_ratls_create_options *opt, ccs_x509 **cert,
                                                   ccs_privkey **key);

/* Writes the certificate as PEM to cert_path (mode 0644) and the key as
 * PKCS#8 PEM to key_path (mode 0600). */
CCS_MUST_USE ccs_status ccs_ratls_save(const ccs_x509 *cert, const ccs_privkey *key, const char *cert_path,
                                       const char *key_path);

/* ---- parsing (untrusted) ---------------------------------------------------------- */

/* The endorsements extension (2.23.133.5.4.2; CCC interoperable RA-TLS,
 * specs/kbs-image-ratls.md section 4): the evidence's CBOR tag over
 *   [uint version, bstr tcb_info, bstr tcb_info_issuer_chain, bstr pck_crl,
 *    bstr root_ca_crl, bstr pck_crl_issuer_chain, bstr qe_identity,
 *    bstr qe_identity_issuer_chain, ? creation_datetime]
 * (the sgx_ql_qve_collateral_t pieces; TCB Info and QE Identity are the
 * PCS response bodies {"tcbInfo"|"enclaveIdentity": ..., "signature": hex}).
 * Untrusted: it is only collateral, verified to the trusted root by the
 * DCAP verifier like any other. */
typedef struct ccs_ratls_endorsements {
    uint64_t tag;               /* 60000 or 0x1a7501 */
    uint32_t version;
    ccs_buf tcb_info, tcb_info_issuer_chain, pck_crl, root_ca_crl, pck_crl_issuer_chain;
    ccs_buf qe_identity, qe_identity_issuer_chain;
    ccs_buf creation_datetime;  /* empty when absent (bstr or tstr, at most 64 bytes) */
} ccs_ratls_endorsements;

/* Parses an endorsements extension value. Strict CBOR as for the evidence:
 * one definite item, tag 60000 or 0x1a7501 (CCS_ERR_UNSUPPORTED otherwise),
 * a definite array of 8 or 9 items, version a uint <= UINT32_MAX, the seven
 * pieces non-empty definite byte strings of at most
 * CCS_RATLS_ENDORSEMENT_ITEM_MAX (CCS_ERR_OVERFLOW), the whole at most
 * CCS_RATLS_ENDORSEMENTS_MAX (CCS_ERR_OVERFLOW). Errors as
 * ccs_ratls_evidence_parse. out is cleared on error. */
CCS_MUST_USE ccs_status ccs_ratls_endorsements_parse(ccs_bytes ext, ccs_ratls_endorsements *out);
void ccs_ratls_endorsements_clear(ccs_ratls_endorsements *e);
/* The pieces as ccs_collateral_raw (views into e) for ccs_collateral_load. */
void ccs_ratls_endorsements_raw(const ccs_ratls_endorsements *e, ccs_collateral_raw *out);

typedef struct ccs_ratls_evidence {
    ccs_ratls_format format;
    uint64_t tag;                /* TCG: the CBOR tag; 0 for the legacy formats */
    ccs_buf evidence;            /* the quote / report bytes */
    ccs_buf claims;              /* TCG: the claims bytes (what the report data hashes) */
    ccs_hash_alg pubkey_hash_alg;/* TCG: from the "pubkey-hash" claim */
    uint8_t pubkey_hash[64];     /* TCG: the claimed H(SPKI DER) */
    size_t pubkey_hash_len;
    ccs_buf nonce;               /* TCG: the "nonce" claim, if any */
    ccs_buf spki;                /* the certificate's SubjectPublicKeyInfo DER */
    /* The report data the evidence must carry to be bound to this certificate
     * (TCG: SHA-256(claims) || zeros; legacy: SHA-256(SPKI) || zeros). */
    uint8_t report_data[64];
    size_t report_data_cmp;      /* bytes of report_data that are compared: 64 (TCG) or 32 (legacy) */
    bool pubkey_hash_ok;         /* TCG: the claimed hash equals H(SPKI); legacy: true */
    /* Tag CCS_RATLS_TAG_CCS_TPM_CMW: evidence holds the TPM evidence JSON
     * unwrapped from its CMW record, and this is its extraData:
     * ccs_tpm_nonce(report_data). */
    uint8_t tpm_nonce[32];
    /* 2.23.133.5.4.2, when the certificate has it (untrusted collateral;
     * its tag equals the TCG evidence tag). */
    bool has_endorsements;
    ccs_ratls_endorsements endorsements;
} ccs_ratls_evidence;

/* Finds and parses the evidence extension of a DER certificate: the TCG
 * extension first, then 1.2.840.113741.1337.6, then Gramine's legacy OID.
 * Strict CBOR: one definite-length tag over a definite 2-array of byte
 * strings; claims a definite map with text keys, no duplicates, a
 * "pubkey-hash" bstr holding [uint alg-id (1, 7, 8), bstr of that hash's
 * length]; nothing after any item. Errors: CCS_ERR_NOT_FOUND (no evidence
 * extension), CCS_ERR_FORMAT (bad DER/CBOR, wrong types, indefinite lengths,
 * duplicate or missing claims), CCS_ERR_TRAILING, CCS_ERR_UNSUPPORTED (an
 * unknown tag, hash-alg-id, a CMW tag, or a CMW media type other than
 * CCS_RATLS_TPM_MEDIA_TYPE), CCS_ERR_OVERFLOW (evidence over
 * CCS_RATLS_EVIDENCE_MAX, claims over CCS_RATLS_CLAIMS_MAX). Under
 * CCS_RATLS_TAG_CCS_TPM_CMW, and only there, the evidence item is the CMW
 * array record [text CCS_RATLS_TPM_MEDIA_TYPE, bstr] instead of a bstr (the
 * JSON is unwrapped into out->evidence). An endorsements extension
 * (2.23.133.5.4.2), when present, is parsed too (ccs_ratls_endorsements_parse;
 * any error in it fails the whole parse; CCS_ERR_FORMAT when its tag is not
 * the TCG evidence's). out is cleared on error; free with
 * ccs_ratls_evidence_clear. */
CCS_MUST_USE ccs_status ccs_ratls_evidence_parse(ccs_bytes cert_der, ccs_ratls_evidence *out);
void ccs_ratls_evidence_clear(ccs_ratls_evidence *e);

/* The extension value alone (for tests and fuzzing): TCG CBOR bytes. spki
 * is the certificate's SPKI DER (for the binding fields). */
CCS_MUST_USE ccs_status ccs_ratls_tcg_parse(ccs_bytes ext, ccs_bytes spki, ccs_ratls_evidence *out);

/* ---- verification -------------------------------------------------------------------- */

typedef struct ccs_ratls_verify_options {
    ccs_time now;                       /* 0: ccs_time_now() */
    /* INSECURE: trust the sim root and the sim collateral of this sim dir. */
    const char *insecure_trust_sim_dir;
    /* DCAP collateral for real quotes: a directory or dcap-qvl JSON. */
    const char *collateral;
    unsigned accept_tcb;                /* CCS_TCB_BIT mask; 0: CCS_TCB_ACCEPT_DEFAULT */
    bool allow_debug;
    ccs_bytes expected_nonce;           /* non-empty: the "nonce" claim must equal it */
    bool ignore_validity;               /* skip the certificate's notBefore/notAfter check */
    /* TPM 2.0 evidence: how the AK is trusted (as `ccs attest verify --tee
     * tpm --collateral DIR`): tpm_ak_pem (the AK public key, PEM), or
     * tpm_ak_chain_pem (AK certificate first) with tpm_ak_root_pem. When
     * none is set, the directory `collateral` is searched for ak.pem, then
     * ak_chain.pem + ak_root.pem. */
    const char *tpm_ak_pem;
    const char *tpm_ak_chain_pem;
    const char *tpm_ak_root_pem;
    /* DCAP collateral from a PCCS / Intel PCS (API v4) at this base URL,
     * optionally cached in the SQLite file pccs_cache (ccs_pccs_*). */
    const char *pccs_url;
    const char *pccs_cache;
    bool insecure_pccs_skip_tls_verify; /* do not verify the PCCS's TLS certificate */
    /* SEV-SNP: the VCEK and its chain from an AMD KDS (ccs_snp_kds_*) at
     * this base URL, optionally cached in the SQLite file snp_kds_cache.
     * SNP sources, first configured wins: collateral (a directory with
     * cert_chain.pem and vcek.der/vlek.der, the certificate's own VCEK/VLEK
     * preferred) > snp_kds_url > the certificate's certificate table. CSV:
     * collateral (hsk_cek.cert) > the HSK and CEK in the certificate. The
     * roots are always the compiled-in AMD ARKs / Hygon HRK. */
    const char *snp_kds_url;
    const char *snp_kds_cache;
    bool insecure_kds_skip_tls_verify;
    uint32_t snp_max_vmpl; /* SEV-SNP: the highest VMPL accepted (ccs_snp_options.max_vmpl); 0: VMPL 0 only */
    /* Collateral sources for DCAP quotes, first configured wins
     * (docs/ratls.md "Collateral sources"): collateral > pccs_url > the
     * trusted sim dir's own collateral > the certificate's endorsements. A
     * configured source that fails is a failure, not a fall-through. */
} ccs_ratls_verify_options;

/* Stable names of the RA-TLS checks (besides the DCAP ones in dcap.failed). */
#define CCS_RATLS_CHECK_FORMAT "ratls_format"
#define CCS_RATLS_CHECK_SIGNATURE "cert_signature"
#define CCS_RATLS_CHECK_VALIDITY "cert_validity"
#define CCS_RATLS_CHECK_PUBKEY_HASH "pubkey_hash"
#define CCS_RATLS_CHECK_NONCE "nonce"
#define CCS_RATLS_CHECK_COLLATERAL "collateral"
#define CCS_RATLS_CHECK_EVIDENCE "evidence"
#define CCS_RATLS_CHECK_AK_TRUST "tpm_ak_trust" /* the AK trust could not be loaded */

#define CCS_RATLS_MAX_FAILED 8

typedef struct ccs_ratls_result {
    bool pass;
    ccs_ratls_format format;
    uint64_t tag;
    ccs_tee tee;                        /* from the quote */
    bool sim;                           /* verified against the (insecure) sim root */
    ccs_failed_check failed[CCS_RATLS_MAX_FAILED];
    size_t n_failed;
    ccs_dcap_result dcap;               /* the DCAP verifier's result (report_data included) */
    bool is_tpm;                        /* TPM 2.0 evidence: tee is UNKNOWN, the verdict is in tpm */
    ccs_tpm_result tpm;                 /* the TPM verifier's result (is_tpm) */
    bool is_snp;                        /* SEV-SNP evidence (tag 0x1a7504): the verdict is in snp */
    ccs_snp_result snp;
    bool is_csv;                        /* Hygon CSV evidence (tag 0x1a7506): the verdict is in csv */
    ccs_csv_result csv;
    /* Where the collateral came from: DCAP "collateral", "pccs", "sim",
     * "endorsements"; SNP "collateral", "kds", "evidence" (the certificate's
     * table); CSV "collateral", "evidence"; NULL (none used). */
    const char *collateral_source;
} ccs_ratls_result;

/* "tpm", "snp", "csv" for those, else ccs_tee_name(r->tee). */
const char *ccs_ratls_result_tee_name(const ccs_ratls_result *r);

/* Verifies a DER certificate: its self-signature, its validity at now, the
 * evidence extension (ccs_ratls_evidence_parse), the DCAP quote (or TPM
 * quote, with ccs_tpm_verify and the AK trust of the options) with the
 * report data bound to this certificate (see the top of this file), and the
 * pubkey-hash claim. Sim quotes verify only with insecure_trust_sim_dir.
 * Returns CCS_OK when accepted, CCS_ERR_VERIFY when a check failed (named in
 * out->failed, DCAP checks in out->dcap.failed, TPM checks in
 * out->tpm.failed), CCS_ERR_INVALID_ARG. */
CCS_MUST_USE ccs_status ccs_ratls_verify_cert(ccs_bytes cert_der, const ccs_ratls_verify_options *opt,
                                              ccs_ratls_result *out);
/* One line naming every failed check ("name: message; ..."), into buf. */
void ccs_ratls_result_reasons(const ccs_ratls_result *r, char *buf, size_t cap);

/* ==== policy, verifier, TLS, provisioning (tls*.c, policy.c, provision.c) ==========
 * docs/ratls.md "TLS", "Policy", "Secret provisioning". */

/* ---- policy ------------------------------------------------------------------------ */

/* The KBS attestation policy format (docs/kbs.md "Attestation policy"),
 * with reference values given inline instead of from a store. */
typedef struct ccs_ratls_policy ccs_ratls_policy;

/* Parses and validates the policy JSON (CCS_ERR_FORMAT with the JSON path
 * of the problem in ccs_error_detail()). */
CCS_MUST_USE ccs_status ccs_ratls_policy_parse(const char *json, ccs_ratls_policy **out);
/* The same from a file (at most 1 MiB). */
CCS_MUST_USE ccs_status ccs_ratls_policy_load(const char *path, ccs_ratls_policy **out);
/* Adds value_hex to the reference-value set `name` (what a policy's
 * {"ref": name} resolves to); repeated calls add alternatives. name is
 * [A-Za-z0-9._-]{1,64}, value_hex even-length hex of at most 128 bytes. */
CCS_MUST_USE ccs_status ccs_ratls_policy_add_refval(ccs_ratls_policy *p, const char *name, const char *value_hex);
void ccs_ratls_policy_free(ccs_ratls_policy *p);

/* Appraises a result that passed verification against the policy. The TEE
 * entry used is "sgx"/"tdx", or "sim-sgx"/"sim-tdx" when r->sim, "snp" /
 * "csv" (over ccs_snp_result_json / ccs_csv_result_json), or "tpm"
 * (PCR matchers over the quoted PCRs) for TPM evidence. CCS_OK
 * when allowed; CCS_ERR_POLICY when refused, with every reason joined in
 * why ("; "); CCS_ERR_INVALID_ARG, CCS_ERR_NOMEM. */
CCS_MUST_USE ccs_status ccs_ratls_policy_check(const ccs_ratls_policy *p, const ccs_ratls_result *r, char *why,
                                               size_t cap);

#define CCS_RATLS_CHECK_POLICY "policy"

/* ---- verifier: verification options + policy + cached trust ------------------------ */

/* A reusable verification context: the options, an optional policy, and the
 * trust (sim root and collateral, or the collateral path) loaded once and
 * cached. Thread-safe (one mutex). */
typedef struct ccs_ratls_verifier ccs_ratls_verifier;

/* opt's strings are copied; opt->now must be 0 (the clock is read per
 * verification) unless the caller wants a fixed time (tests). policy is
 * borrowed and must outlive the verifier; NULL: no policy. With a policy,
 * the TCB status and debug are judged by the policy (the DCAP step then
 * accepts OutOfDate TCBs and debug, as the KBS does). */
CCS_MUST_USE ccs_status ccs_ratls_verifier_new(const ccs_ratls_verify_options *opt, const ccs_ratls_policy *policy,
                                               ccs_ratls_verifier **out);
void ccs_ratls_verifier_free(ccs_ratls_verifier *v);

/* ccs_ratls_verify_cert with the cached trust, then the policy (a refusal is
 * the failed check "policy"). CCS_OK accepted, CCS_ERR_VERIFY refused (out
 * names every failed check), other errors when it could not run. */
CCS_MUST_USE ccs_status ccs_ratls_verifier_check(ccs_ratls_verifier *v, ccs_bytes cert_der, ccs_ratls_result *out);

/* ---- TLS over OpenSSL 3 ------------------------------------------------------------- */

typedef enum ccs_ratls_role { CCS_RATLS_CLIENT = 1, CCS_RATLS_SERVER = 2 } ccs_ratls_role;

typedef struct ccs_ratls_tls_options {
    /* The peer's RA-TLS certificate is checked with this verifier (borrowed;
     * must outlive the context). Client: required. Server: NULL is one-way
     * RA-TLS (no client certificate requested); non-NULL is mutual RA-TLS: a
     * client certificate is required and must pass. */
    ccs_ratls_verifier *peer_verifier;
    /* Server with a verifier: complete the handshake with a client whose
     * certificate fails (a missing one is still refused) so that the
     * application can send the refusal reasons; ccs_ratls_conn_peer_ok()
     * then says false and the application must not trust the peer. */
    bool defer_peer_refusal;
} ccs_ratls_tls_options;

/* A TLS 1.3-only context (OpenSSL SSL_CTX) with an RA-TLS certificate and
 * its key (ccs_ratls_cert_create output; ECDSA P-256 or P-384). Server:
 * cert and key required. Client: cert and key may be NULL (one-way: the
 * client presents no certificate). */
typedef struct ccs_ratls_tls ccs_ratls_tls;
CCS_MUST_USE ccs_status ccs_ratls_tls_new(ccs_ratls_role role, const ccs_x509 *cert, const ccs_privkey *key,
                                          const ccs_ratls_tls_options *opt, ccs_ratls_tls **out);
void ccs_ratls_tls_free(ccs_ratls_tls *t);
/* The SSL_CTX * (for callers that drive OpenSSL themselves: SSL_new on it
 * gets the RA-TLS verify callback; check ccs_ratls_ssl_peer_ok after the
 * handshake). Owned by t. */
void *ccs_ratls_tls_ssl_ctx(ccs_ratls_tls *t);

/* Installs the RA-TLS verify callback on an OpenSSL SSL_CTX * the caller
 * made (verifier borrowed; must outlive ctx). require_peer_cert: servers
 * request a client certificate and refuse a handshake without one. */
CCS_MUST_USE ccs_status ccs_ratls_ssl_ctx_install(void *ssl_ctx, ccs_ratls_verifier *v, bool require_peer_cert);
/* After a handshake on an SSL * of such a context: true only when the
 * peer's certificate passed RA-TLS verification (and the policy). If r is
 * not NULL it gets a copy of the peer's result. */
bool ccs_ratls_ssl_peer_ok(const void *ssl, ccs_ratls_result *r);

/* One TLS connection over a connected socket (not closed by the conn).
 * Errors are kept on the object (libtls style): ccs_ratls_conn_error(). */
typedef struct ccs_ratls_conn ccs_ratls_conn;
CCS_MUST_USE ccs_status ccs_ratls_conn_new(ccs_ratls_tls *t, int fd, ccs_ratls_conn **out);
void ccs_ratls_conn_free(ccs_ratls_conn *c);
/* Runs the handshake (blocking). CCS_ERR_VERIFY when the peer's RA-TLS
 * certificate was refused (the reasons in ccs_ratls_conn_error and
 * ccs_ratls_conn_peer_result), CCS_ERR_NETWORK for a TLS failure or a peer
 * that refused us (its alert in the error). */
CCS_MUST_USE ccs_status ccs_ratls_conn_handshake(ccs_ratls_conn *c);
/* Reads up to cap bytes; *n = 0 at a clean end of stream (close_notify). */
CCS_MUST_USE ccs_status ccs_ratls_conn_read(ccs_ratls_conn *c, void *buf, size_t cap, size_t *n);
/* Reads exactly len bytes (CCS_ERR_TRUNCATED at an early end of stream). */
CCS_MUST_USE ccs_status ccs_ratls_conn_read_full(ccs_ratls_conn *c, void *buf, size_t len);
CCS_MUST_USE ccs_status ccs_ratls_conn_write(ccs_ratls_conn *c, const void *buf, size_t len);
/* Sends close_notify (best effort). */
void ccs_ratls_conn_close(ccs_ratls_conn *c);
/* The last error on this connection ("" when none). */
const char *ccs_ratls_conn_error(const ccs_ratls_conn *c);
/* The peer's verification result (NULL when the peer was not verified). */
const ccs_ratls_result *ccs_ratls_conn_peer_result(const ccs_ratls_conn *c);
/* True when the peer's RA-TLS certificate passed (false for one-way servers). */
bool ccs_ratls_conn_peer_ok(const ccs_ratls_conn *c);

/* ---- secret provisioning (provision.c; docs/ratls.md "Secret provisioning") ----------
 * Over a mutual RA-TLS connection, records of
 *   u8 version (1) | u8 type | u32 big-endian length | payload
 * client -> server: type 1 GET, payload = the secret's name ([A-Za-z0-9._-],
 *   1..128 bytes, not "." or "..");
 * server -> client: type 2 SECRET (payload = the secret, at most
 *   CCS_RATLS_SECRET_MAX) or type 3 ERROR (payload = a UTF-8 message). */
#define CCS_RATLS_PROV_VERSION 1u
#define CCS_RATLS_PROV_GET 1u
#define CCS_RATLS_PROV_SECRET 2u
#define CCS_RATLS_PROV_ERROR 3u
#define CCS_RATLS_SECRET_MAX (1u << 20)
#define CCS_RATLS_SECRET_NAME_MAX 128u
#define CCS_RATLS_PROV_ERROR_MAX 2048u

/* True when name is a valid secret name (see above). */
bool ccs_ratls_secret_name_ok(const char *name);

typedef struct ccs_ratls_provision_request {
    const char *server;             /* "HOST:PORT" */
    const char *name;               /* the secret's name */
    ccs_backend *backend;           /* evidence for the client's fresh RA-TLS certificate */
    ccs_ratls_verifier *server_verifier; /* checks the server's RA-TLS certificate (required) */
    ccs_curve curve;                /* 0: P-256 */
    int timeout_ms;                 /* connect/read timeout; 0: 10 s */
    const ccs_collateral *endorsements; /* optional: embedded in the client's certificate (2.23.133.5.4.2) */
} ccs_ratls_provision_request;

/* Makes a fresh RA-TLS certificate with req->backend, connects, runs mutual
 * RA-TLS (verifying the server with req->server_verifier), asks for
 * req->name and returns the secret in *secret (caller frees with
 * ccs_buf_free, which wipes). CCS_ERR_POLICY with the server's message when
 * the server refused (an ERROR record); CCS_ERR_VERIFY when the server's
 * certificate was refused; CCS_ERR_NETWORK; CCS_ERR_INVALID_ARG. */
CCS_MUST_USE ccs_status ccs_ratls_provision_fetch(const ccs_ratls_provision_request *req, ccs_buf *secret);

/* Server side of one connection after the handshake: reads one GET, sends
 * the secret secrets_dir/NAME when the peer passed (ccs_ratls_conn_peer_ok),
 * else an ERROR record with the reasons. *served (may be NULL) says whether
 * a secret was sent; why (may be NULL) gets a one-line log message. */
CCS_MUST_USE ccs_status ccs_ratls_provision_serve(ccs_ratls_conn *c, const char *secrets_dir, bool *served, char *why,
                                                  size_t cap);

#ifdef __cplusplus
}
#endif
#endif
