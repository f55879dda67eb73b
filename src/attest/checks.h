/* Failed checks, shared by every verifier's result (private to src/attest). */
#ifndef CCS_ATTEST_CHECKS_H
#define CCS_ATTEST_CHECKS_H

#include <jansson.h>
#include <stdarg.h>

#include "ccs/attest.h"

/* Appends a failed check (name and formatted message) to arr[0..*n) unless
 * `max` are already recorded. */
void ccs_check_vadd(ccs_failed_check *arr, size_t *n, size_t max, const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* The REPORTDATA rule every verifier applies: `expected` (at most 64 bytes)
 * is a prefix of the 64-byte field and the rest of the field is zero. An
 * empty `expected` always matches (no expectation was given). */
bool ccs_report_data_matches(const uint8_t actual[64], ccs_bytes expected);
/* The "failed_checks" JSON array: [{"name", "message"}, ...]. */
json_t *ccs_failed_checks_json(const ccs_failed_check *arr, size_t n);
/* Serialises a result object (indented, member order kept), then frees it. */
CCS_MUST_USE ccs_status ccs_result_dump(json_t *o, char **out);

#endif
