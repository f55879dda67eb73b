/* Fuzz target: the session cookie from a Set-Cookie header
 * (ccs_kbs_set_cookie_header / _value, src/kbsproto/cookie.c), which the
 * agent reads from whatever the KBS, or anything posing as one, answers.
 * Whatever comes in: a value taken is non-empty, fits, holds cookie-octets
 * only and appears in the input right after the cookie's name; a refusal
 * leaves the output untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/kbsproto.h"

#define CAP 64

static void check(ccs_status st, const char *in, size_t len, const char *out, const char *before) {
    if (st != CCS_OK) {
        if (st != CCS_ERR_NOT_FOUND && st != CCS_ERR_FORMAT) abort();
        if (strcmp(out, before) != 0) abort();
        return;
    }
    size_t n = strlen(out);
    if (n == 0 || n >= CAP) abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') abort();
    }
    static const char name[] = CCS_KBS_COOKIE "=";
    const char *at = memmem(in, len, name, sizeof name - 1);
    if (at == NULL) abort();
    at += sizeof name - 1;
    while (at < in + len && (*at == ' ' || *at == '\t')) at++; /* not in a valid value, but harmless to skip */
    if ((size_t)(in + len - at) < n || memcmp(at, out, n) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    char out[CAP] = "untouched";
    check(ccs_kbs_set_cookie_header(in, size, out, sizeof out), in, size, out, "untouched");
    char out2[CAP] = "untouched";
    check(ccs_kbs_set_cookie_value(in, size, out2, sizeof out2), in, size, out2, "untouched");
    return 0;
}
