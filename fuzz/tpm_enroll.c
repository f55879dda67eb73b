/* Fuzz target: the TPM enrollment parsers of untrusted bytes: TPM2B_PUBLIC
 * (an AK's public area from the attester), the credential blob
 * (TPM2B_ID_OBJECT + TPM2B_ENCRYPTED_SECRET, read by the attester) and the
 * challenge state JSON. The corpus holds an ECC and an RSA AK from swtpm, a
 * credential blob and a state file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    ccs_tpm_public p;
    if (ccs_tpm_public_parse(in, &p) == CCS_OK) {
        if (p.type != CCS_TPM_ALG_RSA && p.type != CCS_TPM_ALG_ECC) __builtin_trap();
        if (p.name_len < 34 || p.name_len > CCS_TPM_MAX_NAME || p.key_len > sizeof p.key) __builtin_trap();
        if (ccs_tpm_ak_check(&p) == CCS_OK && !(p.attributes & CCS_TPMA_RESTRICTED)) __builtin_trap();
        ccs_pubkey *k = NULL;
        if (ccs_tpm_public_key(&p, &k) == CCS_OK && k == NULL) __builtin_trap();
        ccs_pubkey_free(k);
    }
    ccs_tpm_credential c;
    if (ccs_tpm_credential_parse(in, &c) == CCS_OK) {
        if (c.id_object_len > sizeof c.id_object || c.enc_secret_len > sizeof c.enc_secret) __builtin_trap();
        ccs_buf b = {0};
        /* parse then encode gives the input back */
        if (ccs_tpm_credential_encode(&c, &b) != CCS_OK || b.len != size || memcmp(b.ptr, data, size) != 0)
            __builtin_trap();
        ccs_buf_free(&b);
    }
    ccs_tpm_challenge_state s;
    if (ccs_tpm_challenge_state_parse(in, &s) == CCS_OK && s.ak_name_len > CCS_TPM_MAX_NAME) __builtin_trap();
    return 0;
}
