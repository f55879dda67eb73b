/* libFuzzer target: the RA-TLS evidence extension (TCG tagged CBOR over
 * [evidence, claims], with the SEV-SNP layout -- report + GHCB certificate
 * table -- under 0x1a7504 and the CSV one -- report + HSK + CEK -- under
 * 0x1a7506, and for certificates the SNP/CSV verification with what they
 * carry against the pinned AMD/Hygon roots) and the endorsements extension (2.23.133.5.4.2, tag
 * over [version, 7 collateral pieces, ?datetime]; then loaded as collateral
 * as a verifier would) as extension values, and whole certificates (DER)
 * through ccs_ratls_evidence_parse and ccs_ratls_verify_cert (no trust
 * configured: self-signature, validity, parse, quote parse, then refused
 * for want of collateral, without I/O). Invariant: no crash, leak or UB;
 * failures only as a ccs_status; what parsed respects the size limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ccs/ratls.h"

static const uint8_t spki[] = "fuzz SPKI (only hashed)";

static void check(const ccs_ratls_evidence *e) {
    if (e->evidence.len == 0 || e->evidence.len > CCS_RATLS_EVIDENCE_MAX) abort();
    if (e->claims.len > CCS_RATLS_CLAIMS_MAX || e->nonce.len > CCS_RATLS_NONCE_MAX) abort();
    if (e->format == CCS_RATLS_FORMAT_TCG && e->pubkey_hash_len != ccs_hash_len(e->pubkey_hash_alg)) abort();
}

static void check_endorsements(const ccs_ratls_endorsements *n) {
    const ccs_buf *p[] = {&n->tcb_info, &n->tcb_info_issuer_chain, &n->pck_crl, &n->root_ca_crl,
                          &n->pck_crl_issuer_chain, &n->qe_identity, &n->qe_identity_issuer_chain};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (p[i]->len == 0 || p[i]->len > CCS_RATLS_ENDORSEMENT_ITEM_MAX) abort();
    if (n->creation_datetime.len > 64) abort();
    if (n->tag != CCS_RATLS_TAG_GRAMINE_SGX_QUOTE && n->tag != CCS_RATLS_TAG_TEE_QUOTE) abort();
    ccs_collateral_raw raw;
    ccs_collateral *c = NULL;
    ccs_ratls_endorsements_raw(n, &raw);
    if (ccs_collateral_load(&raw, &c) == CCS_OK) ccs_collateral_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_ratls_evidence e;
    ccs_ratls_endorsements n;
    ccs_bytes in = ccs_bytes_of(data, size);
    if (ccs_ratls_endorsements_parse(in, &n) == CCS_OK) check_endorsements(&n);
    ccs_ratls_endorsements_clear(&n);
    if (ccs_ratls_tcg_parse(in, ccs_bytes_of(spki, sizeof spki), &e) == CCS_OK) check(&e);
    ccs_ratls_evidence_clear(&e);
    if (ccs_ratls_evidence_parse(in, &e) == CCS_OK) {
        check(&e);
        if (e.has_endorsements) check_endorsements(&e.endorsements);
    }
    ccs_ratls_evidence_clear(&e);
    static ccs_ratls_result res; /* large; kept off the stack */
    ccs_ratls_verify_options opt = {.now = 1750330800};
    if (ccs_ratls_verify_cert(in, &opt, &res) == CCS_OK) abort(); /* nothing is trusted */
    return 0;
}
