/* Private to src/ratls: the CBOR encoders the certificate builder uses and
 * the binding computation shared by the parser and the verifier. */
#ifndef CCS_RATLS_INTERNAL_H
#define CCS_RATLS_INTERNAL_H

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
/* report_data = SHA-256(claims) || 32 zero bytes (the TCG/CCC binding). */
void ratls_tcg_report_data(ccs_bytes claims, uint8_t out[static 64]);
/* report_data = SHA-256(spki) || 32 zero bytes (the legacy binding). */
void ratls_legacy_report_data(ccs_bytes spki, uint8_t out[static 64]);
/* Verifies the certificate's signature with its own key (selfsig.c):
 * CCS_ERR_SIGNATURE, CCS_ERR_FORMAT, CCS_ERR_UNSUPPORTED (algorithm). */
CCS_MUST_USE ccs_status ratls_check_self_signature(const ccs_x509 *c);

#endif
