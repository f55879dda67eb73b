/* Fuzz target: the KBS's request-body parser (src/kbs/json_body.c) against
 * jansson. Whatever the input, kbs_json_body_parse must give what
 * ccs_kbs_json_object_parse gives: the same status, error text and tree; the
 * fast path alone either gives way (NULL) or builds jansson's tree. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes t = ccs_bytes_of(data, size);
    json_t *a = NULL, *b = NULL;
    ccs_status sa = kbs_json_body_parse(t, &a);
    char *da = strdup(ccs_error_detail());
    ccs_status sb = ccs_kbs_json_object_parse(t, &b);
    if (sa != sb) __builtin_trap();
    if (sa != CCS_OK && (da == NULL || strcmp(da, ccs_error_detail()) != 0)) __builtin_trap();
    if (sa == CCS_OK && !json_equal(a, b)) __builtin_trap();
    json_t *f = kbs_json_body_fast(t);
    if (f != NULL && (sb != CCS_OK || !json_equal(f, b))) __builtin_trap();
    json_decref(f);
    json_decref(a);
    json_decref(b);
    free(da);
    return 0;
}
