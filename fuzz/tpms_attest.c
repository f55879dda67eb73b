/* Fuzz target: the TPM 2.0 parsers of untrusted bytes: TPMS_ATTEST,
 * TPMT_SIGNATURE, the crypto-agile event log, and the whole evidence JSON
 * through the verifier. The corpus holds each form from a recorded quote. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"
#include "tpm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    ccs_tpm_attest a;
    if (ccs_tpm_attest_parse(in, &a) == CCS_OK) {
        if (a.magic != CCS_TPM_GENERATED_VALUE || a.type != CCS_TPM_ST_ATTEST_QUOTE) __builtin_trap();
        if (a.n_banks == 0 || a.n_banks > CCS_TPM_MAX_BANKS || a.pcr_digest_len > 64) __builtin_trap();
    }
    tpm_sig sig;
    if (ccs_tpm_sig_parse(in, 32, &sig) == CCS_OK && sig.len > sizeof sig.bytes) __builtin_trap();
    uint8_t pcrs[CCS_TPM_PCRS][32];
    uint32_t touched;
    size_t n;
    if (ccs_tpm_eventlog_replay(in, pcrs, &touched, &n) == CCS_OK && (touched >> CCS_TPM_PCRS) != 0) __builtin_trap();
    if (size && data[0] == '{') {
        static ccs_tpm_result r;
        uint8_t nonce[32] = {0};
        ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, 32)};
        /* No AK is trusted: whatever the input, the verdict is fail. */
        if (ccs_tpm_verify(in, &opt, &r) == CCS_OK || r.pass) __builtin_trap();
    }
    return 0;
}
