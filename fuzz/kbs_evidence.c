/* Fuzz target: the KBS's decoding of an attestation request's evidence
 * (primary_evidence JSON per tee; kbs_evidence_decode). The first byte picks
 * the tee, the rest is the JSON value. */
#include <jansson.h>
#include <stdint.h>

#include "server_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const tees[] = {"sgx", "tdx", "sim-sgx", "sim-tdx", "sample", "snp", "csv", "tpm", "sev"};
    if (size < 1) return 0;
    const char *tee = tees[data[0] % (sizeof tees / sizeof tees[0])];
    json_error_t err;
    json_t *v = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (v == NULL) return 0;
    kbs_evidence e;
    if (kbs_evidence_decode(tee, v, &e) == CCS_OK) kbs_evidence_clear(&e);
    json_decref(v);
    return 0;
}
