/*
 * RCAR session challenges that the server does not store (docs/kbs.md
 * "Sessions"). POST /auth hands out a cookie that carries the challenge
 * itself, authenticated with the store's challenge key; nothing is written
 * until the nonce is used at /attest. So an unauthenticated /auth costs no
 * database write (no table to fill by asking), and a challenge survives a
 * restart as long as the key does (the key lives in the store).
 *
 *   cookie = id "." expires "." tee "." tag
 *     id       64 lower-case hex digits: 32 random bytes, the session's name
 *     expires  seconds since the Unix epoch, decimal, no leading zero
 *     tee      the TEE named at /auth, [a-z0-9-]{1,32}
 *     tag      32 lower-case hex digits: the first 16 bytes of
 *              HMAC-SHA256(key, "ccs-kbs-challenge-v1" 0x00 id "." expires "." tee)
 *   nonce  = base64(HMAC-SHA256(key, "ccs-kbs-nonce-v1" 0x00 id))
 *
 * Every field is canonical (one spelling per value), so the tag over the
 * text is a tag over the values. The nonce is derived, not carried: the
 * cookie is shorter, and a nonce can only come from this key and this id.
 * Single use is the store's: the first use of an id inserts its row
 * (store_session.c), and a second finds it there.
 */
#include <stdio.h>
#include <string.h>

#include "ccs/crypto.h"
#include "kbs_internal.h"

#define TAG_LEN 16
#define EXPIRES_DIGITS_MAX 19 /* INT64_MAX has 19 digits */

static const char tag_label[] = "ccs-kbs-challenge-v1"; /* its NUL is part of the MAC input */
static const char nonce_label[] = "ccs-kbs-nonce-v1";

static bool is_lower_hex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
static bool is_tee_char(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

/* The bytes up to the next '.' (moved past), or the rest when last. */
static ccs_status next_field(ccs_reader *r, bool last, const char *name, ccs_bytes *f) {
    ccs_bytes rest = ccs_bytes_of(r->ptr + r->off, ccs_reader_remaining(r));
    const uint8_t *dot = memchr(rest.ptr, '.', rest.len);
    if (last) {
        CCS_ENSURE(dot == NULL, CCS_ERR_TRAILING, "session cookie: more than four fields");
        *f = ccs_reader_rest(r);
        return CCS_OK;
    }
    CCS_ENSURE(dot != NULL, CCS_ERR_TRUNCATED, "session cookie: ends before the %s field", name);
    CCS_TRY(ccs_reader_bytes(r, (size_t)(dot - rest.ptr), f));
    return ccs_reader_skip(r, 1);
}

static ccs_status parse_id(ccs_bytes f, char out[static CCS_KBS_SESSION_ID_LEN + 1]) {
    CCS_ENSURE(f.len == CCS_KBS_SESSION_ID_LEN, CCS_ERR_FORMAT, "session cookie: id: expected %d hex digits, got %zu",
               CCS_KBS_SESSION_ID_LEN, f.len);
    for (size_t i = 0; i < f.len; i++)
        CCS_ENSURE(is_lower_hex(f.ptr[i]), CCS_ERR_FORMAT, "session cookie: id: not lower-case hex");
    memcpy(out, f.ptr, f.len);
    out[f.len] = '\0';
    return CCS_OK;
}

static ccs_status parse_expires(ccs_bytes f, ccs_time *out) {
    CCS_ENSURE(f.len >= 1 && f.len <= EXPIRES_DIGITS_MAX, CCS_ERR_FORMAT,
               "session cookie: expires: expected 1 to %d digits", EXPIRES_DIGITS_MAX);
    CCS_ENSURE(f.ptr[0] != '0', CCS_ERR_FORMAT, "session cookie: expires: leading zero");
    uint64_t v = 0;
    for (size_t i = 0; i < f.len; i++) {
        CCS_ENSURE(f.ptr[i] >= '0' && f.ptr[i] <= '9', CCS_ERR_FORMAT, "session cookie: expires: not a number");
        v = v * 10 + (uint64_t)(f.ptr[i] - '0'); /* 19 digits fit in 64 bits */
    }
    CCS_ENSURE(v <= (uint64_t)INT64_MAX, CCS_ERR_FORMAT, "session cookie: expires: out of range");
    *out = (ccs_time)v;
    return CCS_OK;
}

static ccs_status parse_tee(ccs_bytes f, char out[static CCS_KBS_TEE_NAME_MAX + 1]) {
    CCS_ENSURE(f.len >= 1 && f.len <= CCS_KBS_TEE_NAME_MAX, CCS_ERR_FORMAT,
               "session cookie: tee: expected 1 to %d characters", CCS_KBS_TEE_NAME_MAX);
    for (size_t i = 0; i < f.len; i++)
        CCS_ENSURE(is_tee_char(f.ptr[i]), CCS_ERR_FORMAT, "session cookie: tee: expected [a-z0-9-]");
    memcpy(out, f.ptr, f.len);
    out[f.len] = '\0';
    return CCS_OK;
}

static ccs_status parse_tag(ccs_bytes f, uint8_t out[static TAG_LEN]) {
    CCS_ENSURE(f.len == 2 * TAG_LEN, CCS_ERR_FORMAT, "session cookie: tag: expected %d hex digits, got %zu",
               2 * TAG_LEN, f.len);
    for (size_t i = 0; i < f.len; i++)
        CCS_ENSURE(is_lower_hex(f.ptr[i]), CCS_ERR_FORMAT, "session cookie: tag: not lower-case hex");
    return ccs_hex_decode_fixed((const char *)f.ptr, f.len, out, TAG_LEN);
}

/* The tag over the text "id.expires.tee". */
static void tag_of(const uint8_t key[static CCS_KBS_CHALLENGE_KEY_LEN], ccs_bytes signed_text,
                   uint8_t out[static TAG_LEN]) {
    uint8_t mac[CCS_SHA256_LEN];
    ccs_bytes parts[2] = {ccs_bytes_of(tag_label, sizeof tag_label), signed_text};
    ccs_hmac_sha256_v(ccs_bytes_of(key, CCS_KBS_CHALLENGE_KEY_LEN), parts, 2, mac);
    memcpy(out, mac, TAG_LEN);
    ccs_wipe(mac, sizeof mac);
}

static ccs_status nonce_of(const uint8_t key[static CCS_KBS_CHALLENGE_KEY_LEN], const char *id,
                           char out[static 48]) {
    uint8_t mac[CCS_SHA256_LEN];
    ccs_bytes parts[2] = {ccs_bytes_of(nonce_label, sizeof nonce_label), ccs_bytes_of(id, CCS_KBS_SESSION_ID_LEN)};
    ccs_hmac_sha256_v(ccs_bytes_of(key, CCS_KBS_CHALLENGE_KEY_LEN), parts, 2, mac);
    ccs_buf b64 = {0};
    ccs_status st = ccs_base64_encode(ccs_bytes_of(mac, sizeof mac), &b64);
    if (st == CCS_OK && b64.len >= 48) st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "nonce encoding too long");
    if (st == CCS_OK) {
        memcpy(out, b64.ptr, b64.len);
        out[b64.len] = '\0';
    }
    ccs_buf_free(&b64);
    return st;
}

ccs_status ccs_kbs_challenge_issue(const uint8_t *key, const char *tee, ccs_time now,
                                   int64_t ttl, ccs_kbs_session *out, char *cookie) {
    CCS_ENSURE(key != NULL && tee != NULL && out != NULL && cookie != NULL, CCS_ERR_INVALID_ARG,
               "challenge: NULL argument");
    CCS_ENSURE(now >= 0, CCS_ERR_INVALID_ARG, "challenge: negative time");
    CCS_ENSURE(ttl > 0 && ttl <= INT64_MAX - now, CCS_ERR_INVALID_ARG, "challenge: bad lifetime");
    ccs_kbs_session se = {0};
    if (parse_tee(ccs_bytes_str(tee), se.tee) != CCS_OK)
        CCS_BAIL(CCS_ERR_FORMAT, "challenge: TEE name must be [a-z0-9-]{1,%d}", CCS_KBS_TEE_NAME_MAX);
    uint8_t r[CCS_KBS_SESSION_ID_LEN / 2];
    CCS_TRY(ccs_random(r, sizeof r));
    ccs_status st = ccs_hex_encode(ccs_bytes_of(r, sizeof r), se.id, sizeof se.id);
    se.state = CCS_KBS_SESSION_CHALLENGED;
    se.created = now;
    se.expires = now + ttl;
    int n = snprintf(cookie, CCS_KBS_COOKIE_MAX + 1, "%s.%lld.%s.", se.id, (long long)se.expires, se.tee);
    if (st == CCS_OK && (n < 0 || (size_t)n + 2 * TAG_LEN > CCS_KBS_COOKIE_MAX))
        st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "challenge: cookie too long");
    uint8_t tag[TAG_LEN];
    if (st == CCS_OK) {
        tag_of(key, ccs_bytes_of(cookie, (size_t)n - 1), tag);
        st = ccs_hex_encode(ccs_bytes_of(tag, sizeof tag), cookie + n, CCS_KBS_COOKIE_MAX + 1 - (size_t)n);
    }
    if (st == CCS_OK) st = nonce_of(key, se.id, se.nonce);
    if (st == CCS_OK) *out = se;
    ccs_wipe(r, sizeof r);
    return st;
}

ccs_status ccs_kbs_challenge_open(const uint8_t *key, const char *cookie,
                                  ccs_time now, ccs_kbs_session *out) {
    CCS_ENSURE(key != NULL && cookie != NULL && out != NULL, CCS_ERR_INVALID_ARG, "challenge: NULL argument");
    size_t len = strnlen(cookie, CCS_KBS_COOKIE_MAX + 1);
    CCS_ENSURE(len <= CCS_KBS_COOKIE_MAX, CCS_ERR_FORMAT, "session cookie: longer than %d bytes", CCS_KBS_COOKIE_MAX);
    ccs_kbs_session se = {0};
    ccs_reader r;
    ccs_bytes f_id, f_exp, f_tee, f_tag;
    uint8_t tag[TAG_LEN], want[TAG_LEN];
    ccs_reader_init(&r, ccs_bytes_of(cookie, len));
    CCS_TRY(next_field(&r, false, "expires", &f_id));
    CCS_TRY(parse_id(f_id, se.id));
    CCS_TRY(next_field(&r, false, "tee", &f_exp));
    CCS_TRY(parse_expires(f_exp, &se.expires));
    CCS_TRY(next_field(&r, false, "tag", &f_tee));
    CCS_TRY(parse_tee(f_tee, se.tee));
    CCS_TRY(next_field(&r, true, "tag", &f_tag));
    CCS_TRY(parse_tag(f_tag, tag));
    tag_of(key, ccs_bytes_of(cookie, (size_t)(f_tag.ptr - (const uint8_t *)cookie) - 1), want);
    bool ok = ccs_ct_eq(ccs_bytes_of(tag, TAG_LEN), ccs_bytes_of(want, TAG_LEN));
    ccs_wipe(want, sizeof want);
    CCS_ENSURE(ok, CCS_ERR_SIGNATURE, "session cookie: not issued by this KBS");
    CCS_ENSURE(se.expires > now, CCS_ERR_EXPIRED, "the session has expired");
    se.state = CCS_KBS_SESSION_CHALLENGED;
    CCS_TRY(nonce_of(key, se.id, se.nonce));
    *out = se;
    return CCS_OK;
}
