/* Private to the TPM 2.0 verifier (tpm_*.c). */
#ifndef CCS_ATTEST_TPM_INTERNAL_H
#define CCS_ATTEST_TPM_INTERNAL_H

#include "ccs/attest.h"

#define TPM_ALG_RSASSA 0x0014u
#define TPM_ALG_RSAPSS 0x0016u
#define TPM_ALG_ECDSA 0x0018u

/* A TPMT_SIGNATURE taken apart: scheme, hash and the signature bytes in the
 * form ccs_pubkey_verify takes (ECDSA: r||s, each left-padded to field_len). */
typedef struct tpm_sig {
    uint16_t alg, hash_alg;
    ccs_sig_scheme scheme;
    ccs_hash_alg hash;
    uint8_t bytes[512];
    size_t len;
} tpm_sig;

/* Unmarshals a TPMT_SIGNATURE (no trailing bytes). field_len: the EC key's
 * coordinate size (0 for RSA keys). */
ccs_status ccs_tpm_sig_parse(ccs_bytes raw, size_t field_len, tpm_sig *out);
/* Digest length of a TPM hash algorithm (0 if unknown) and its ccs_hash_alg. */
size_t ccs_tpm_alg_len(uint16_t alg);
const char *ccs_tpm_alg_name(uint16_t alg);
bool ccs_tpm_alg_parse(const char *name, uint16_t *alg);
/* SHA-1 is accepted as a bank but never for signatures. */
ccs_status ccs_tpm_hash_of(uint16_t alg, ccs_hash_alg *out);

#endif
