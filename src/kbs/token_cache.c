/* Per-loop cache of EAR claims, keyed by the token's bytes (and, in a
 * second table of the same kind, by the cookies of attested sessions).
 * Filled when a bearer token verifies or a session's token is read here; a
 * resource request whose token is cached skips the parse of the payload
 * and, for a bearer token, the ES256 verification: a token byte for byte
 * equal to one this server already verified with the same key (fixed for
 * the server's life) verifies again. What is still checked on every
 * request: the entry's last second (for a token its exp plus the skew
 * verification allows: nbf and iat were checked when the entry was made and
 * only fall further into the past).
 * Bounded: a fixed table, an entry replaced by the next token that hashes to
 * its slot; entries whose exp has passed are dropped when met. The slot comes
 * from the token's last bytes (its signature); the whole token is compared,
 * in constant time (a SHA-256 of each token cost more than the rest of a
 * lookup). Tokens are wiped when dropped. One loop only: no lock. */
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

/* FNV-1a over the last bytes: the ES256 signature, which differs between
 * any two tokens (an attacker choosing collisions only evicts entries). */
static size_t slot_of(const char *token, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = len > 16 ? len - 16 : 0; i < len; i++) h = (h ^ (uint8_t)token[i]) * 16777619u;
    return h % KBS_TOKEN_CACHE_SLOTS;
}

static void entry_clear(kbs_token_entry *e) {
    json_decref(e->claims);
    ccs_kbs_tee_pubkey_free(e->tee_key);
    if (e->token != NULL) ccs_wipe(e->token, e->len);
    free(e->token);
    memset(e, 0, sizeof *e);
}

void kbs_token_cache_clear(kbs_token_cache *c) {
    if (c->slots == NULL) return;
    for (size_t i = 0; i < KBS_TOKEN_CACHE_SLOTS; i++) entry_clear(&c->slots[i]);
    free(c->slots);
    c->slots = NULL;
}

const ccs_kbs_tee_pubkey *kbs_token_cache_put_until(kbs_token_cache *c, const char *key, size_t len, json_t *claims,
                                                    ccs_time until, ccs_kbs_tee_pubkey *tee_key) {
    if (len == 0 || claims == NULL ||
        (c->slots == NULL && (c->slots = calloc(KBS_TOKEN_CACHE_SLOTS, sizeof *c->slots)) == NULL)) {
        ccs_kbs_tee_pubkey_free(tee_key);
        return NULL;
    }
    kbs_token_entry *e = &c->slots[slot_of(key, len)];
    entry_clear(e);
    if ((e->token = malloc(len)) == NULL) {
        ccs_kbs_tee_pubkey_free(tee_key);
        return NULL;
    }
    memcpy(e->token, key, len);
    e->len = len;
    e->until = until;
    e->claims = json_incref(claims);
    e->tee_key = tee_key;
    return tee_key;
}

bool kbs_token_until(const json_t *claims, ccs_time *until) {
    const json_t *exp = json_object_get(claims, "exp");
    if (!json_is_integer(exp) || json_integer_value(exp) > INT64_MAX - CCS_KBS_TOKEN_SKEW) return false;
    *until = (ccs_time)json_integer_value(exp) + CCS_KBS_TOKEN_SKEW;
    return true;
}

void kbs_token_cache_put(kbs_token_cache *c, const char *token, size_t len, json_t *claims) {
    ccs_time until;
    if (kbs_token_until(claims, &until)) (void)kbs_token_cache_put_until(c, token, len, claims, until, NULL);
}

json_t *kbs_token_cache_get(kbs_token_cache *c, const char *token, size_t len, ccs_time now) {
    return kbs_token_cache_get_key(c, token, len, now, NULL);
}

json_t *kbs_token_cache_get_key(kbs_token_cache *c, const char *token, size_t len, ccs_time now,
                                const ccs_kbs_tee_pubkey **tee_key) {
    if (tee_key != NULL) *tee_key = NULL;
    if (c->slots == NULL || len == 0) return NULL;
    kbs_token_entry *e = &c->slots[slot_of(token, len)];
    if (e->claims == NULL || e->len != len || !ccs_ct_eq(ccs_bytes_of(e->token, len), ccs_bytes_of(token, len)))
        return NULL;
    if (now > e->until) {
        entry_clear(e); /* expired: the caller's full path words the refusal */
        return NULL;
    }
    if (tee_key != NULL) *tee_key = e->tee_key;
    return json_incref(e->claims);
}

void kbs_cookie_cache_put(kbs_token_cache *c, const char *cookie, ccs_time session_expires, json_t *claims,
                          ccs_kbs_tee_pubkey *tee_key) {
    ccs_time token_until;
    if (!kbs_token_until(claims, &token_until)) {
        ccs_kbs_tee_pubkey_free(tee_key);
        return;
    }
    ccs_time until = session_expires - 1; /* a session is unusable from its expiry on */
    if (token_until < until) until = token_until;
    (void)kbs_token_cache_put_until(c, cookie, strlen(cookie), claims, until, tee_key);
}
