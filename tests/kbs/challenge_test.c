/* Stateless session challenges (src/kbs/challenge.c): the cookie round trip,
 * its tag and nonce against independent recomputations and a known answer,
 * expiry, forgeries, every flipped byte and truncation, each field's
 * refusal, and that a refused cookie leaves the caller's session untouched. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ccs/crypto.h"
#include "kbs_internal.h"
#include "kbs_tests.h"

#define NOW 1800000000
#define TTL 300
#define SENTINEL 0xa5

/* 00 01 .. 1f: the key of the known answer (computed outside this code base). */
static void test_key(uint8_t key[static CCS_KBS_CHALLENGE_KEY_LEN]) {
    for (size_t i = 0; i < CCS_KBS_CHALLENGE_KEY_LEN; i++) key[i] = (uint8_t)i;
}

/* A NULL the compiler cannot see, so -Wnonnull lets it reach [static N] parameters. */
static void *opaque_null(void) {
    static void *volatile p = NULL;
    return p;
}

static void issue_ok(const uint8_t *key, const char *tee, ccs_kbs_session *se, char *cookie) {
    memset(se, 0, sizeof *se);
    check_st(ccs_kbs_challenge_issue(key, tee, NOW, TTL, se, cookie), CCS_OK);
}

/* The first 16 bytes of the tag, as hex, over text[0..len), recomputed here. */
static void tag_hex(const uint8_t *key, const char *text, size_t len, char out[static 33]) {
    static const char label[] = "ccs-kbs-challenge-v1"; /* with its NUL */
    ccs_bytes parts[2] = {ccs_bytes_of(label, sizeof label), ccs_bytes_of(text, len)};
    uint8_t mac[CCS_SHA256_LEN];
    ccs_hmac_sha256_v(ccs_bytes_of(key, CCS_KBS_CHALLENGE_KEY_LEN), parts, 2, mac);
    check_st(ccs_hex_encode(ccs_bytes_of(mac, 16), out, 33), CCS_OK);
}

static void assert_nonce_of(const uint8_t *key, const char *id, const char *nonce) {
    static const char label[] = "ccs-kbs-nonce-v1";
    ccs_bytes parts[2] = {ccs_bytes_of(label, sizeof label), ccs_bytes_of(id, strlen(id))};
    uint8_t mac[CCS_SHA256_LEN];
    ccs_hmac_sha256_v(ccs_bytes_of(key, CCS_KBS_CHALLENGE_KEY_LEN), parts, 2, mac);
    ccs_buf b64 = {0};
    check_st(ccs_base64_encode(ccs_bytes_of(mac, sizeof mac), &b64), CCS_OK);
    assert_int_equal(b64.len, 44);
    assert_int_equal(strlen(nonce), 44);
    assert_memory_equal(b64.ptr, nonce, 44);
    ccs_buf_free(&b64);
}

/* id "." expires "." tee "." tag, with the tag this key gives that text:
 * authentic, so a refusal can only come from the field checks. */
static void signed_cookie(const uint8_t *key, const char *id, const char *expires, const char *tee, char *out,
                          size_t cap) {
    int n = snprintf(out, cap, "%s.%s.%s.", id, expires, tee);
    assert_true(n > 0 && (size_t)n + 32 < cap);
    tag_hex(key, out, (size_t)n - 1, out + n);
}

/* Opens cookie, wants status st and detail (when not NULL), and that the
 * caller's session was not written. */
static void open_refused(const uint8_t *key, const char *cookie, ccs_time now, ccs_status st, const char *detail) {
    ccs_kbs_session out, before;
    memset(&out, SENTINEL, sizeof out);
    memset(&before, SENTINEL, sizeof before);
    ccs_status got = ccs_kbs_challenge_open(key, cookie, now, &out);
    if (got != st)
        fail_msg("open \"%s\": got %s, want %s (%s)", cookie, ccs_status_name(got), ccs_status_name(st),
                 ccs_error_detail());
    if (detail != NULL) assert_detail(detail);
    assert_memory_equal(&out, &before, sizeof out);
}

/* Any refusal will do (which one depends on where the damage lands), but
 * never CCS_OK, and the session stays untouched. */
static void open_any_refusal(const uint8_t *key, const char *cookie) {
    ccs_kbs_session out, before;
    memset(&out, SENTINEL, sizeof out);
    memset(&before, SENTINEL, sizeof before);
    if (ccs_kbs_challenge_open(key, cookie, NOW, &out) == CCS_OK) fail_msg("opened a damaged cookie \"%s\"", cookie);
    assert_memory_equal(&out, &before, sizeof out);
}

static void assert_opened(const ccs_kbs_session *got, const ccs_kbs_session *issued) {
    assert_string_equal(got->id, issued->id);
    assert_string_equal(got->tee, issued->tee);
    assert_string_equal(got->nonce, issued->nonce);
    assert_int_equal(got->expires, issued->expires);
    assert_int_equal(got->state, CCS_KBS_SESSION_CHALLENGED);
    assert_false(got->nonce_used);
    assert_null(got->token); /* safe to ccs_kbs_session_clear */
    assert_null(got->tee_pubkey);
    assert_null(got->claims);
}

static void test_round_trip(void **state) {
    (void)state;
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    ccs_kbs_session se, se2, got;
    char cookie[CCS_KBS_COOKIE_MAX + 1], cookie2[CCS_KBS_COOKIE_MAX + 1];
    issue_ok(key, "sgx", &se, cookie);
    assert_int_equal(strlen(se.id), CCS_KBS_SESSION_ID_LEN);
    assert_int_equal(se.expires, NOW + TTL);
    assert_int_equal(se.created, NOW);
    assert_int_equal(se.state, CCS_KBS_SESSION_CHALLENGED);
    assert_string_equal(se.tee, "sgx");
    assert_nonce_of(key, se.id, se.nonce);
    memset(&got, SENTINEL, sizeof got);
    check_st(ccs_kbs_challenge_open(key, cookie, NOW, &got), CCS_OK);
    assert_opened(&got, &se);
    /* The text is exactly id.expires.tee.tag, the tag over the rest. */
    char text[CCS_KBS_COOKIE_MAX + 1], tag[33];
    int n = snprintf(text, sizeof text, "%s.%lld.%s", se.id, (long long)se.expires, se.tee);
    tag_hex(key, text, (size_t)n, tag);
    assert_int_equal(strlen(cookie), (size_t)n + 1 + 32);
    assert_memory_equal(cookie, text, (size_t)n);
    assert_int_equal(cookie[n], '.');
    assert_string_equal(cookie + n + 1, tag);
    /* A second challenge: another id, another nonce. */
    issue_ok(key, "sgx", &se2, cookie2);
    assert_string_not_equal(se.id, se2.id);
    assert_string_not_equal(se.nonce, se2.nonce);
    assert_string_not_equal(cookie, cookie2);
}

/* Tag and nonce from Python's hmac module, key 00..1f: the format itself,
 * independent of ccs_hmac_sha256_v. */
static void test_known_answer(void **state) {
    (void)state;
    static const char cookie[] = "00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef.1800000300.sgx."
                                 "bcc350834b2cfd126bccdb688d2fa22f";
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    ccs_kbs_session got;
    memset(&got, SENTINEL, sizeof got);
    check_st(ccs_kbs_challenge_open(key, cookie, NOW, &got), CCS_OK);
    assert_string_equal(got.id, "00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef");
    assert_int_equal(got.expires, 1800000300);
    assert_string_equal(got.tee, "sgx");
    assert_string_equal(got.nonce, "8DmKTqhSF9cpFQIggrxJIshd3xOrWbXqAasM2Nm6+6E=");
    assert_int_equal(got.state, CCS_KBS_SESSION_CHALLENGED);
    char again[CCS_KBS_COOKIE_MAX + 1];
    signed_cookie(key, got.id, "1800000300", "sgx", again, sizeof again);
    assert_string_equal(again, cookie);
}

static void issue_refused(const uint8_t *key, const char *tee, ccs_time now, int64_t ttl, ccs_status st) {
    ccs_kbs_session out, before;
    char cookie[CCS_KBS_COOKIE_MAX + 1];
    memset(&out, SENTINEL, sizeof out);
    memset(&before, SENTINEL, sizeof before);
    ccs_status got = ccs_kbs_challenge_issue(key, tee, now, ttl, &out, cookie);
    if (got != st)
        fail_msg("issue \"%s\" now %lld ttl %lld: got %s, want %s (%s)", tee, (long long)now, (long long)ttl,
                 ccs_status_name(got), ccs_status_name(st), ccs_error_detail());
    assert_memory_equal(&out, &before, sizeof out);
}

static void test_issue_refusals(void **state) {
    (void)state;
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    issue_refused(key, "SGX", NOW, TTL, CCS_ERR_FORMAT);
    assert_detail("challenge: TEE name must be [a-z0-9-]{1,32}");
    issue_refused(key, "", NOW, TTL, CCS_ERR_FORMAT);
    issue_refused(key, "abcdefghijklmnopqrstuvwxyz0123456", NOW, TTL, CCS_ERR_FORMAT); /* 33 */
    issue_refused(key, "a b", NOW, TTL, CCS_ERR_FORMAT);
    issue_refused(key, "sgx", NOW, 0, CCS_ERR_INVALID_ARG);
    assert_detail("challenge: bad lifetime");
    issue_refused(key, "sgx", NOW, -1, CCS_ERR_INVALID_ARG);
    issue_refused(key, "sgx", NOW, INT64_MIN, CCS_ERR_INVALID_ARG);
    issue_refused(key, "sgx", INT64_MAX - 10, 11, CCS_ERR_INVALID_ARG); /* now + ttl overflows */
    issue_refused(key, "sgx", INT64_MAX, INT64_MAX, CCS_ERR_INVALID_ARG);
    issue_refused(key, "sgx", -1, TTL, CCS_ERR_INVALID_ARG);
    assert_detail("challenge: negative time");
}

/* The longest cookie: a 32-character tee expiring at INT64_MAX is exactly
 * CCS_KBS_COOKIE_MAX bytes, and it opens. */
static void test_longest(void **state) {
    (void)state;
    static const char tee32[] = "abcdefghijklmnopqrstuvwxyz012345";
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    ccs_kbs_session se, got;
    char cookie[CCS_KBS_COOKIE_MAX + 1];
    memset(&se, 0, sizeof se);
    check_st(ccs_kbs_challenge_issue(key, tee32, INT64_MAX - 10, 10, &se, cookie), CCS_OK);
    assert_int_equal(se.expires, INT64_MAX);
    assert_int_equal(strlen(cookie), CCS_KBS_COOKIE_MAX);
    check_st(ccs_kbs_challenge_open(key, cookie, NOW, &got), CCS_OK);
    assert_opened(&got, &se);
    /* One byte more is refused before it is parsed. */
    char longer[CCS_KBS_COOKIE_MAX + 2];
    snprintf(longer, sizeof longer, "%s0", cookie);
    open_refused(key, longer, NOW, CCS_ERR_FORMAT, "session cookie: longer than 150 bytes");
}

static void test_expiry(void **state) {
    (void)state;
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    ccs_kbs_session se, got;
    char cookie[CCS_KBS_COOKIE_MAX + 1];
    issue_ok(key, "tdx", &se, cookie);
    check_st(ccs_kbs_challenge_open(key, cookie, NOW + TTL - 1, &got), CCS_OK);
    open_refused(key, cookie, NOW + TTL, CCS_ERR_EXPIRED, "the session has expired");
    open_refused(key, cookie, NOW + TTL + 1, CCS_ERR_EXPIRED, "the session has expired");
    open_refused(key, cookie, INT64_MAX, CCS_ERR_EXPIRED, "the session has expired");
}

/* cookie with its expires field replaced, the tag kept. */
static void with_expires(const char *cookie, const char *expires, char *out, size_t cap) {
    const char *e = strchr(cookie, '.') + 1, *t = strchr(e, '.');
    snprintf(out, cap, "%.*s%s%s", (int)(e - cookie), cookie, expires, t);
}

static void test_forgeries(void **state) {
    (void)state;
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN], other[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    test_key(other);
    other[CCS_KBS_CHALLENGE_KEY_LEN - 1] ^= 1;
    ccs_kbs_session se;
    char cookie[CCS_KBS_COOKIE_MAX + 1], forged[CCS_KBS_COOKIE_MAX + 1];
    issue_ok(key, "sgx", &se, cookie);
    open_refused(other, cookie, NOW, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
    /* A later expiry, or an earlier one: the tag is checked first, so a
     * forged cookie is never reported as merely expired. */
    with_expires(cookie, "1800000301", forged, sizeof forged);
    open_refused(key, forged, NOW, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
    with_expires(cookie, "9223372036854775807", forged, sizeof forged);
    open_refused(key, forged, NOW, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
    with_expires(cookie, "1", forged, sizeof forged);
    open_refused(key, forged, NOW, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
    /* Another TEE under the same tag. */
    snprintf(forged, sizeof forged, "%s", cookie);
    char *tee = strstr(forged, ".sgx.");
    assert_non_null(tee);
    memcpy(tee + 1, "tdx", 3);
    open_refused(key, forged, NOW, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
    /* The tag of another challenge. */
    ccs_kbs_session se2;
    char cookie2[CCS_KBS_COOKIE_MAX + 1];
    issue_ok(key, "sgx", &se2, cookie2);
    snprintf(forged, sizeof forged, "%.*s%s", (int)(strrchr(cookie, '.') - cookie), cookie, strrchr(cookie2, '.'));
    open_refused(key, forged, NOW, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
}

static void test_flips_and_truncations(void **state) {
    (void)state;
    static const uint8_t xors[] = {0x01, 0x02, 0x20, 0x40, 0x80, 0xff};
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    ccs_kbs_session se;
    char cookie[CCS_KBS_COOKIE_MAX + 1], c[CCS_KBS_COOKIE_MAX + 1];
    issue_ok(key, "amd-sev-snp", &se, cookie);
    size_t len = strlen(cookie);
    for (size_t i = 0; i < len; i++) {
        for (size_t x = 0; x < sizeof xors; x++) {
            memcpy(c, cookie, len + 1);
            c[i] = (char)((uint8_t)c[i] ^ xors[x]); /* never NUL: cookie bytes are printable */
            open_any_refusal(key, c);
        }
    }
    for (size_t n = 0; n < len; n++) {
        memcpy(c, cookie, n);
        c[n] = '\0';
        open_any_refusal(key, c);
    }
}

/* id, expires, tee: each refused even under an authentic tag. */
static void field_refused(const char *id, const char *expires, const char *tee, ccs_status st, const char *detail) {
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    char c[512];
    signed_cookie(key, id, expires, tee, c, sizeof c);
    open_refused(key, c, NOW, st, detail);
}

#define ID "00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef"

static void test_id_field(void **state) {
    (void)state;
    field_refused("00112233445566778899AABBCCDDEEFF0123456789abcdef0123456789abcdef", "1800000300", "sgx",
                  CCS_ERR_FORMAT, "session cookie: id: not lower-case hex");
    field_refused("00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdeg", "1800000300", "sgx",
                  CCS_ERR_FORMAT, "session cookie: id: not lower-case hex");
    field_refused(&ID[1], "1800000300", "sgx", CCS_ERR_FORMAT, "session cookie: id: expected 64 hex digits, got 63");
    field_refused(ID "0", "1800000300", "sgx", CCS_ERR_FORMAT, "session cookie: id: expected 64 hex digits, got 65");
    field_refused("", "1800000300", "sgx", CCS_ERR_FORMAT, "session cookie: id: expected 64 hex digits, got 0");
}

static void test_expires_field(void **state) {
    (void)state;
    field_refused(ID, "01800000300", "sgx", CCS_ERR_FORMAT, "session cookie: expires: leading zero");
    field_refused(ID, "0", "sgx", CCS_ERR_FORMAT, "session cookie: expires: leading zero");
    field_refused(ID, "18000003x0", "sgx", CCS_ERR_FORMAT, "session cookie: expires: not a number");
    field_refused(ID, "-1", "sgx", CCS_ERR_FORMAT, "session cookie: expires: not a number");
    field_refused(ID, "+1800000300", "sgx", CCS_ERR_FORMAT, "session cookie: expires: not a number");
    field_refused(ID, " 1800000300", "sgx", CCS_ERR_FORMAT, "session cookie: expires: not a number");
    field_refused(ID, "18446744073709551616", "sgx", CCS_ERR_FORMAT, /* 20 digits */
                  "session cookie: expires: expected 1 to 19 digits");
    field_refused(ID, "9223372036854775808", "sgx", CCS_ERR_FORMAT, "session cookie: expires: out of range");
    field_refused(ID, "9999999999999999999", "sgx", CCS_ERR_FORMAT, "session cookie: expires: out of range");
    field_refused(ID, "", "sgx", CCS_ERR_FORMAT, "session cookie: expires: expected 1 to 19 digits");
    /* INT64_MAX itself is a valid expiry. */
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    char c[CCS_KBS_COOKIE_MAX + 1];
    ccs_kbs_session got;
    signed_cookie(key, ID, "9223372036854775807", "sgx", c, sizeof c);
    check_st(ccs_kbs_challenge_open(key, c, NOW, &got), CCS_OK);
    assert_int_equal(got.expires, INT64_MAX);
}

static void test_tee_field(void **state) {
    (void)state;
    field_refused(ID, "1800000300", "Sgx", CCS_ERR_FORMAT, "session cookie: tee: expected [a-z0-9-]");
    field_refused(ID, "1800000300", "amd_sev", CCS_ERR_FORMAT, "session cookie: tee: expected [a-z0-9-]");
    field_refused(ID, "1800000300", "a b", CCS_ERR_FORMAT, "session cookie: tee: expected [a-z0-9-]");
    field_refused(ID, "1800000300", "", CCS_ERR_FORMAT, "session cookie: tee: expected 1 to 32 characters");
    field_refused(ID, "1800000300", "abcdefghijklmnopqrstuvwxyz0123456", CCS_ERR_FORMAT,
                  "session cookie: tee: expected 1 to 32 characters");
}

/* A valid cookie's tag replaced by tag. */
static void tag_refused(const char *tag, ccs_status st, const char *detail) {
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    char c[512];
    snprintf(c, sizeof c, "%s.1800000300.sgx.%s", ID, tag);
    open_refused(key, c, NOW, st, detail);
}

static void test_tag_field(void **state) {
    (void)state;
    tag_refused("BCC350834B2CFD126BCCDB688D2FA22F", CCS_ERR_FORMAT, "session cookie: tag: not lower-case hex");
    tag_refused("bcc350834b2cfd126bccdb688d2fa22F", CCS_ERR_FORMAT, "session cookie: tag: not lower-case hex");
    tag_refused("bcc350834b2cfd126bccdb688d2fa22g", CCS_ERR_FORMAT, "session cookie: tag: not lower-case hex");
    tag_refused("bcc350834b2cfd126bccdb688d2fa22", CCS_ERR_FORMAT,
                "session cookie: tag: expected 32 hex digits, got 31");
    tag_refused("bcc350834b2cfd126bccdb688d2fa22f0", CCS_ERR_FORMAT,
                "session cookie: tag: expected 32 hex digits, got 33");
    tag_refused("", CCS_ERR_FORMAT, "session cookie: tag: expected 32 hex digits, got 0");
    tag_refused("bcc350834b2cfd126bccdb688d2fa22e", CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
}

static void test_structure(void **state) {
    (void)state;
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    open_refused(key, "", NOW, CCS_ERR_TRUNCATED, "session cookie: ends before the expires field");
    open_refused(key, ID, NOW, CCS_ERR_TRUNCATED, "session cookie: ends before the expires field");
    open_refused(key, ID ".1800000300", NOW, CCS_ERR_TRUNCATED, "session cookie: ends before the tee field");
    open_refused(key, ID ".1800000300.sgx", NOW, CCS_ERR_TRUNCATED, "session cookie: ends before the tag field");
    open_refused(key, ID ".1800000300.sgx.bcc350834b2cfd126bccdb688d2fa22f.x", NOW, CCS_ERR_TRAILING,
                 "session cookie: more than four fields");
    open_refused(key, ID ".1800000300.sgx.bcc350834b2cfd126bccdb688d2fa22f.", NOW, CCS_ERR_TRAILING,
                 "session cookie: more than four fields");
    open_refused(key, "...", NOW, CCS_ERR_FORMAT, "session cookie: id: expected 64 hex digits, got 0");
    char c[CCS_KBS_COOKIE_MAX + 64];
    memset(c, 'a', sizeof c - 1);
    c[sizeof c - 1] = '\0';
    open_refused(key, c, NOW, CCS_ERR_FORMAT, "session cookie: longer than 150 bytes");
}

static void test_null_args(void **state) {
    (void)state;
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    test_key(key);
    ccs_kbs_session se;
    char cookie[CCS_KBS_COOKIE_MAX + 1];
    check_st(ccs_kbs_challenge_issue(key, opaque_null(), NOW, TTL, &se, cookie), CCS_ERR_INVALID_ARG);
    assert_detail("challenge: NULL argument");
    check_st(ccs_kbs_challenge_issue(key, "sgx", NOW, TTL, opaque_null(), cookie), CCS_ERR_INVALID_ARG);
    issue_ok(key, "sgx", &se, cookie);
    check_st(ccs_kbs_challenge_open(key, opaque_null(), NOW, &se), CCS_ERR_INVALID_ARG);
    assert_detail("challenge: NULL argument");
    check_st(ccs_kbs_challenge_open(key, cookie, NOW, opaque_null()), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_challenge_issue(opaque_null(), "sgx", NOW, TTL, &se, cookie), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_challenge_issue(key, "sgx", NOW, TTL, &se, opaque_null()), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_challenge_open(opaque_null(), cookie, NOW, &se), CCS_ERR_INVALID_ARG);
    assert_detail("challenge: NULL argument");
}

int ccs_test_challenge(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_issue_refusals),
        cmocka_unit_test(test_longest),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_forgeries),
        cmocka_unit_test(test_flips_and_truncations),
        cmocka_unit_test(test_id_field),
        cmocka_unit_test(test_expires_field),
        cmocka_unit_test(test_tee_field),
        cmocka_unit_test(test_tag_field),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_null_args),
    };
    return cmocka_run_group_tests_name("kbs_challenge", tests, NULL, NULL);
}
