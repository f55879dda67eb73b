/* Cosign-style signatures (specs section 2.2): ECDSA P-256 with SHA-256
 * over the exact payload bytes, the DER signature base64-encoded in the
 * layer annotation dev.cosignproject.cosign/signature. Only public keys
 * (sigstoreSigned keyPath/keyData) are supported; Fulcio certificates and
 * Rekor bundles are refused when the policy is parsed. */
#include <stdio.h>
#include <string.h>

#include "image_internal.h"
#include "sig_internal.h"

ccs_status ccs_image_sign_cosign(const ccs_privkey *k, ccs_bytes payload, ccs_buf *sig_der) {
    CCS_ENSURE(k != NULL && sig_der != NULL && payload.ptr != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_ENSURE(ccs_privkey_curve(k) == CCS_CURVE_P256, CCS_ERR_KEY, "image: cosign signing needs an EC P-256 key");
    return ccs_ecdsa_sign_der(k, payload, sig_der);
}

ccs_status ccs__image_cosign_verify(ccs_pubkey *const *keys, size_t nkeys, ccs_bytes payload, ccs_bytes sig_der,
                                    size_t *which) {
    CCS_ENSURE(keys != NULL || nkeys == 0, CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_ENSURE(sig_der.len > 0, CCS_ERR_SIGNATURE, "cosign signature: empty");
    for (size_t i = 0; i < nkeys; i++) {
        ccs_status st = ccs_pubkey_verify(keys[i], CCS_SIG_ECDSA_DER, CCS_HASH_SHA256, payload, sig_der);
        if (st == CCS_OK) {
            if (which) *which = i;
            return CCS_OK;
        }
    }
    CCS_BAIL(CCS_ERR_SIGNATURE, "no signature by a key the policy trusts");
}
