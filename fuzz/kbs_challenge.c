/* Fuzz target: the KBS's session-challenge cookies (src/kbs/challenge.c).
 * The input is opened as a cookie under a fixed key and time; a cookie that
 * opens must be canonical and well-formed (64 hex id, 44-character nonce,
 * expiry after now), and a refused one must leave the session untouched.
 * Random text almost never carries a valid tag, so inputs whose first byte
 * is even also damage an issued cookie ((position, xor) pairs from the rest
 * of the input): that reaches the tag check, where any change must be
 * refused. The seeds in fuzz/corpus/kbs_challenge use the same key and time. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs_internal.h"

#define NOW 1800000000
#define INPUT_MAX (CCS_KBS_COOKIE_MAX + 16) /* enough to reach the length check */

/* 00 01 .. 1f, as in tests/kbs/challenge_test.c's known answer. */
static const uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

static bool all_of(const char *s, size_t n, const char *set) {
    return strlen(s) == n && strspn(s, set) == n;
}

/* What an opened challenge must be, and that the cookie is its one spelling. */
static void check_opened(const char *cookie, const ccs_kbs_session *se) {
    if (!all_of(se->id, CCS_KBS_SESSION_ID_LEN, "0123456789abcdef")) abort();
    if (!all_of(se->nonce, 44, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")) abort();
    size_t tee_len = strlen(se->tee);
    if (tee_len < 1 || !all_of(se->tee, tee_len, "abcdefghijklmnopqrstuvwxyz0123456789-")) abort();
    if (se->expires <= NOW || se->state != CCS_KBS_SESSION_CHALLENGED || se->token != NULL) abort();
    char prefix[CCS_KBS_COOKIE_MAX + 1];
    int n = snprintf(prefix, sizeof prefix, "%s.%lld.%s.", se->id, (long long)se->expires, se->tee);
    if (n < 0 || strncmp(cookie, prefix, (size_t)n) != 0 || strlen(cookie) != (size_t)n + 32) abort();
}

/* Opens cookie; the session is written only on success. */
static ccs_status open_checked(const char *cookie, ccs_kbs_session *se) {
    ccs_kbs_session before;
    memset(se, 0xa5, sizeof *se);
    memset(&before, 0xa5, sizeof before);
    ccs_status st = ccs_kbs_challenge_open(key, cookie, NOW, se);
    if (st == CCS_OK)
        check_opened(cookie, se);
    else if (memcmp(se, &before, sizeof before) != 0)
        abort();
    return st;
}

/* One cookie per process, so a run is deterministic for the fuzzer. */
static const char *issued(ccs_kbs_session *se) {
    static char cookie[CCS_KBS_COOKIE_MAX + 1];
    static ccs_kbs_session first;
    if (cookie[0] == '\0' && ccs_kbs_challenge_issue(key, "sgx", NOW, 300, &first, cookie) != CCS_OK) abort();
    *se = first;
    return cookie;
}

/* The issued cookie with c[pos % len] ^= x for each (pos, x) of data: only
 * the unchanged cookie may open, and as the issued challenge. */
static void damage_issued(const uint8_t *data, size_t size) {
    ccs_kbs_session want, got;
    const char *orig = issued(&want);
    char c[CCS_KBS_COOKIE_MAX + 1];
    size_t len = strlen(orig);
    memcpy(c, orig, len + 1);
    for (size_t i = 0; i + 1 < size; i += 2) c[data[i] % len] ^= (char)data[i + 1];
    ccs_status st = open_checked(c, &got);
    bool same = memcmp(c, orig, len) == 0;
    if (same != (st == CCS_OK)) abort();
    if (same && (strcmp(got.id, want.id) != 0 || strcmp(got.nonce, want.nonce) != 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > INPUT_MAX) size = INPUT_MAX;
    char cookie[INPUT_MAX + 1];
    memcpy(cookie, data, size);
    cookie[size] = '\0';
    ccs_kbs_session se;
    (void)open_checked(cookie, &se);
    if (size > 0 && data[0] % 2 == 0) damage_issued(data + 1, size - 1);
    return 0;
}
