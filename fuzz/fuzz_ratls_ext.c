/* libFuzzer target: the RA-TLS evidence extension (TCG tagged CBOR over
 * [evidence, claims]) as an extension value, and whole certificates (DER)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_ratls_evidence e;
    ccs_bytes in = ccs_bytes_of(data, size);
    if (ccs_ratls_tcg_parse(in, ccs_bytes_of(spki, sizeof spki), &e) == CCS_OK) check(&e);
    ccs_ratls_evidence_clear(&e);
    if (ccs_ratls_evidence_parse(in, &e) == CCS_OK) check(&e);
    ccs_ratls_evidence_clear(&e);
    static ccs_ratls_result res; /* large; kept off the stack */
    ccs_ratls_verify_options opt = {.now = 1750330800};
    if (ccs_ratls_verify_cert(in, &opt, &res) == CCS_OK) abort(); /* nothing is trusted */
    return 0;
}
