/* Failed checks: recording and JSON, the same for every evidence format so
 * the results keep one shape (docs/attest.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

void ccs_check_vadd(ccs_failed_check *arr, size_t *n, size_t max, const char *name, const char *fmt, va_list ap) {
    if (*n >= max) return;
    ccs_failed_check *f = &arr[(*n)++];
    f->name = name;
    vsnprintf(f->message, sizeof f->message, fmt, ap);
}

bool ccs_report_data_matches(const uint8_t actual[64], ccs_bytes expected) {
    if (expected.len == 0) return true;
    return expected.len <= 64 && memcmp(actual, expected.ptr, expected.len) == 0 &&
           ccs_bytes_is_zero(ccs_bytes_of(actual + expected.len, 64 - expected.len));
}

json_t *ccs_failed_checks_json(const ccs_failed_check *arr, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "name", arr[i].name, "message", arr[i].message));
    return a;
}

ccs_status ccs_result_dump(json_t *o, char **out) {
    *out = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}
