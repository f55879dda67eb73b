/* Fuzz target: the JSON raw-member scanner (core/json.c). */
#include <stddef.h>
#include <stdint.h>

#include "ccs/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes v;
    static const char *const keys[] = {"tcbInfo", "enclaveIdentity", "signature", ""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (ccs_json_raw_member(ccs_bytes_of(data, size), keys[i], &v) == CCS_OK) {
            /* The value lies inside the input. */
            if (v.ptr < data || v.ptr + v.len > data + size) __builtin_trap();
        }
    }
    return 0;
}
