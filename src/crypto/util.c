/* Constant-time compare, wiping, randomness, and the OpenSSL error and time
 * helpers shared by the crypto files. */
#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "crypto_internal.h"

bool ccs_ct_eq(ccs_bytes a, ccs_bytes b) {
    if (a.len != b.len) return false;
    if (a.len == 0) return true;
    return CRYPTO_memcmp(a.ptr, b.ptr, a.len) == 0;
}

void ccs_wipe(void *p, size_t n) {
    if (p != NULL && n > 0) OPENSSL_cleanse(p, n);
}

ccs_status ccs_random(void *out, size_t n) {
    CCS_ENSURE(out != NULL || n == 0, CCS_ERR_INVALID_ARG, "random: NULL output");
    uint8_t *p = out;
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "RAND_bytes failed");
        p += chunk;
        n -= (size_t)chunk;
    }
    return CCS_OK;
}

ccs_status ccs__ossl_fail(ccs_status st, const char *file, int line, const char *what) {
    unsigned long e = ERR_peek_last_error();
    char reason[256];
    reason[0] = '\0';
    if (e != 0) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    if (reason[0] != '\0') return ccs_error_set(st, file, line, "%s: %s", what, reason);
    return ccs_error_set(st, file, line, "%s", what);
}

ccs_status ccs__d2i_status(void) {
    /* The oldest queue entry is the decoder's root cause; the later ones are
     * generic "nested asn1 error" wrappers. */
    unsigned long code = ERR_peek_error();
    if (code != 0 && ERR_GET_LIB(code) == ERR_LIB_ASN1) {
        int r = ERR_GET_REASON(code);
        if (r == ASN1_R_TOO_LONG || r == ASN1_R_HEADER_TOO_LONG || r == ASN1_R_NOT_ENOUGH_DATA)
            return CCS_ERR_TRUNCATED;
    }
    return CCS_ERR_FORMAT;
}

ccs_status ccs__asn1_time(const ASN1_TIME *t, ccs_time *out) {
    struct tm tm;
    CCS_ENSURE(t != NULL, CCS_ERR_FORMAT, "time field absent");
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(t, &tm) != 1) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "malformed ASN.1 time");
    *out = ccs_time_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
                               (unsigned)tm.tm_hour, (unsigned)tm.tm_min, (unsigned)tm.tm_sec);
    return CCS_OK;
}
