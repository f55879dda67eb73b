/* Per-thread error detail (DESIGN.md "Errors"). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ccs/core.h"

static _Thread_local ccs_status last_status;
static _Thread_local char last_detail[512];

const char *ccs_status_name(ccs_status st) {
    switch (st) {
    case CCS_OK: return "ok";
    case CCS_ERR_INVALID_ARG: return "invalid_argument";
    case CCS_ERR_NOMEM: return "out_of_memory";
    case CCS_ERR_TRUNCATED: return "truncated";
    case CCS_ERR_TRAILING: return "trailing_bytes";
    case CCS_ERR_OVERFLOW: return "overflow";
    case CCS_ERR_FORMAT: return "format";
    case CCS_ERR_UNSUPPORTED: return "unsupported";
    case CCS_ERR_IO: return "io";
    case CCS_ERR_NOT_FOUND: return "not_found";
    case CCS_ERR_NETWORK: return "network";
    case CCS_ERR_INTERNAL: return "internal";
    case CCS_ERR_CRYPTO: return "crypto";
    case CCS_ERR_SIGNATURE: return "bad_signature";
    case CCS_ERR_CERT: return "bad_certificate";
    case CCS_ERR_REVOKED: return "revoked";
    case CCS_ERR_EXPIRED: return "expired";
    case CCS_ERR_UNTRUSTED: return "untrusted";
    case CCS_ERR_KEY: return "bad_key";
    case CCS_ERR_MISMATCH: return "mismatch";
    case CCS_ERR_TCB: return "tcb";
    case CCS_ERR_POLICY: return "policy";
    case CCS_ERR_VERIFY: return "verification_failed";
    default: return "unknown";
    }
}

const char *ccs_error_detail(void) { return last_detail; }
ccs_status ccs_error_last(void) { return last_status; }

void ccs_error_clear(void) {
    last_status = CCS_OK;
    last_detail[0] = '\0';
}

ccs_status ccs_error_set(ccs_status st, const char *file, int line, const char *fmt, ...) {
    /* Formatted into a local buffer first: callers may pass the current
     * detail (ccs_error_detail()) as an argument to wrap it. */
    char buf[sizeof last_detail];
    va_list ap;
    int n = 0;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf[0] = '\0';
        n = 0;
    }
    if (file != NULL && (size_t)n < sizeof buf) {
        const char *base = strrchr(file, '/');
        snprintf(buf + n, sizeof buf - (size_t)n, " (%s:%d)", base ? base + 1 : file, line);
    }
    memcpy(last_detail, buf, sizeof buf);
    last_status = st;
    return st;
}
