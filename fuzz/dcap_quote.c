/* Fuzz target: the DCAP quote parser, the PCK extension parser reached
 * through it, and the verifier's handling of whatever parses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"
#include "pck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_dcap_quote q;
    pck_info info;
    if (ccs_dcap_quote_parse(ccs_bytes_of(data, size), &q) == CCS_OK) {
        /* Every view lies inside the input. */
        if (q.cert_data.ptr < data || q.cert_data.ptr + q.cert_data.len > data + size) __builtin_trap();
        if (q.signed_data.ptr != data || q.signed_data.len > size) __builtin_trap();
        uint8_t fmspc[6];
        const char *ca;
        if (ccs_dcap_quote_pck_info(&q, fmspc, &ca) == CCS_OK && fmspc[0] == 0x42) ca = NULL;
    }
    /* The PCK SGX-extension DER parser on raw bytes too. */
    if (ccs_pck_parse_extensions(ccs_bytes_of(data, size), &info) == CCS_OK && info.pcesvn == 0xffff) return 0;
    return 0;
}
