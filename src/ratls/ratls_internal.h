/* Private to src/ratls: the CBOR encoders the certificate builder uses and
 * the binding computation shared by the parser and the verifier. */
#ifndef CCS_RATLS_INTERNAL_H
#define CCS_RATLS_INTERNAL_H

#include <cbor.h>

#include "ccs/ratls.h"

/* IANA named-information hash algorithm ids (specs/kbs-image-ratls.md 4). */
#define RATLS_HASH_ID_SHA256 1u
#define RATLS_HASH_ID_SHA384 7u
#define RATLS_HASH_ID_SHA512 8u

/* claims = {"pubkey-hash": bstr(CBOR [alg-id, H(spki)]), "nonce"?: bstr},
 * H chosen by alg; replaces out's contents. */
CCS_MUST_USE ccs_status ratls_claims_encode(ccs_hash_alg alg, ccs_bytes spki, ccs_bytes nonce, ccs_buf *out);
/* tag(evidence_tag, [bstr evidence, bstr claims]); replaces out's contents. */
CCS_MUST_USE ccs_status ratls_tcg_encode(uint64_t tag, ccs_bytes evidence, ccs_bytes claims, ccs_buf *out);
/* tag(tag, [[media_type, bstr evidence], bstr claims]): the evidence as a
 * CMW array record (TPM evidence); replaces out's contents. */
CCS_MUST_USE ccs_status ratls_tcg_encode_cmw(uint64_t tag, const char *media_type, ccs_bytes evidence,
                                             ccs_bytes claims, ccs_buf *out);
/* TPM evidence (tpm.c): the AK trust, loaded from the verify options. */
typedef struct ratls_tpm_trust {
    ccs_pubkey *ak;
    ccs_x509_chain *chain;
    ccs_x509 *root;
} ratls_tpm_trust;
CCS_MUST_USE ccs_status ratls_tpm_trust_load(const ccs_ratls_verify_options *o, ratls_tpm_trust *t);
void ratls_tpm_trust_clear(ratls_tpm_trust *t);
/* Verifies TPM evidence ev (tag CCS_RATLS_TAG_CCS_TPM_CMW) with trust t at
 * now into r->tpm, naming a failure in r->failed. */
void ratls_tpm_verify(const ccs_ratls_evidence *ev, const ratls_tpm_trust *t, ccs_time now, ccs_ratls_result *r);
/* snp_csv.c: SEV-SNP and CSV evidence (docs/ratls.md "SEV-SNP and CSV
 * evidence"). The certificates of an SNP certificate table (views). */
typedef struct ratls_snp_certs {
    ccs_bytes vcek, vlek, ask, ark;
} ratls_snp_certs;
/* The GHCB certificate table: entries {GUID, u32 offset, u32 length} up to
 * an all-zero one, each within the table after the entry list; known GUIDs
 * (either byte order) at most once; others skipped. */
CCS_MUST_USE ccs_status ratls_snp_table_parse(ccs_bytes table, ratls_snp_certs *out);
/* SNP evidence = the 0x4A0-byte report [+ a certificate table]. */
CCS_MUST_USE ccs_status ratls_snp_split(ccs_bytes ev, ccs_bytes *report, ratls_snp_certs *certs);
/* report || table of c's non-empty certificates (VCEK, VLEK, ASK, ARK);
 * the report alone when c is NULL or empty. */
CCS_MUST_USE ccs_status ratls_snp_evidence_build(ccs_bytes report, const ratls_snp_certs *c, ccs_buf *out);
/* CSV evidence = the report (at most one page) [+ HSK 832 + CEK 2084]. */
CCS_MUST_USE ccs_status ratls_csv_split(ccs_bytes ev, ccs_bytes *report, ccs_bytes *hsk, ccs_bytes *cek);
/* The layout check of the evidence under tag (SNP, CSV; CCS_OK for others). */
CCS_MUST_USE ccs_status ratls_evidence_layout_check(uint64_t tag, ccs_bytes ev);
/* Verify SNP / CSV evidence into r->snp / r->csv with the binding
 * ev->report_data, naming failures in r->failed. kds: a KDS client to use
 * when o->snp_kds_url is set (NULL: none). */
void ratls_snp_verify(const ccs_ratls_evidence *ev, const ccs_ratls_verify_options *o, ccs_snp_kds *kds,
                      ccs_time now, ccs_ratls_result *r);
void ratls_csv_verify(const ccs_ratls_evidence *ev, const ccs_ratls_verify_options *o, ccs_ratls_result *r);
/* A KDS client for o->snp_kds_url (*out NULL when none is configured). */
CCS_MUST_USE ccs_status ratls_snp_kds_open(const ccs_ratls_verify_options *o, ccs_snp_kds **out);
/* The verdict of the evidence verifier the result used. */
bool ratls_result_evidence_pass(const ccs_ratls_result *r);
/* report_data = SHA-256(claims) || 32 zero bytes (the TCG/CCC binding). */
void ratls_tcg_report_data(ccs_bytes claims, uint8_t out[static 64]);
/* report_data = SHA-256(spki) || 32 zero bytes (the legacy binding). */
void ratls_legacy_report_data(ccs_bytes spki, uint8_t out[static 64]);
/* Verifies the certificate's signature with its own key (selfsig.c):
 * CCS_ERR_SIGNATURE, CCS_ERR_FORMAT, CCS_ERR_UNSUPPORTED (algorithm). */
CCS_MUST_USE ccs_status ratls_check_self_signature(const ccs_x509 *c);

/* ext.c's strict CBOR helpers, shared with endorse.c: one complete item
 * spanning all of in (counts and indefinite lengths prescanned), and a
 * definite byte string of at most max bytes (a view into it). */
CCS_MUST_USE ccs_status ratls_cbor_load_exact(ccs_bytes in, const char *what, cbor_item_t **out);
CCS_MUST_USE ccs_status ratls_cbor_bstr(const cbor_item_t *it, const char *what, size_t max, ccs_bytes *out);
/* endorse.c: tag(tag, [version, pieces...]) from collateral's raw pieces;
 * replaces out's contents. */
CCS_MUST_USE ccs_status ratls_endorsements_encode(uint64_t tag, const ccs_collateral *coll, ccs_time now,
                                                  ccs_buf *out);
/* endorse.c: parses the certificate's 2.23.133.5.4.2, if any, into ev
 * (after the evidence: its tag must equal a TCG evidence tag). */
CCS_MUST_USE ccs_status ratls_endorsements_from_cert(const ccs_x509 *c, ccs_ratls_evidence *ev);
/* coll_source.c: collateral from the certificate's endorsements (checked
 * against the quote's TEE), and from a PCCS for the quote's FMSPC / PCK CA. */
CCS_MUST_USE ccs_status ratls_collateral_from_endorsements(const ccs_ratls_evidence *ev, ccs_tee tee,
                                                           ccs_collateral **out);
CCS_MUST_USE ccs_status ratls_collateral_from_pccs(ccs_pccs *p, const ccs_dcap_quote *q, ccs_time now,
                                                   ccs_collateral **out);
/* coll_source.c: the root and collateral for a DCAP quote, from the first
 * configured source (docs/ratls.md "Collateral sources"). pccs: a client
 * to use (NULL: one is made from o->pccs_url when set). *root is NULL for
 * the Intel root. Sets r->sim and r->collateral_source. */
CCS_MUST_USE ccs_status ratls_collateral_pick(const ccs_ratls_verify_options *o, ccs_pccs *pccs,
                                              const ccs_dcap_quote *q, const ccs_ratls_evidence *ev, ccs_time now,
                                              ccs_x509 **root, ccs_collateral **coll, ccs_ratls_result *r);

#endif
