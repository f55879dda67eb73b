/* The per-loop cache of EAR claims (src/kbs/token_cache.c): found only by
 * the exact token bytes, dropped once expired, bounded (an entry replaced by
 * the next token of its slot), references counted. */
#include <stdio.h>
#include <string.h>

#include "kbs_tests.h"
#include "server_internal.h"

static void test_token_cache(void **state) {
    (void)state;
    kbs_token_cache c = {0};
    const ccs_time now = 1800000000;
    json_t *claims = json_pack("{s:I,s:s}", "exp", (json_int_t)(now + 100), "k", "v");
    const char *tok = "aaaa.bbbb.cccc";
    assert_null(kbs_token_cache_get(&c, tok, strlen(tok), now)); /* empty */
    kbs_token_cache_put(&c, tok, strlen(tok), claims);
    json_t *got = kbs_token_cache_get(&c, tok, strlen(tok), now);
    assert_ptr_equal(got, claims);
    json_decref(got);
    /* Other bytes, a prefix, a longer token: misses. */
    assert_null(kbs_token_cache_get(&c, "aaaa.bbbb.cccd", 14, now));
    assert_null(kbs_token_cache_get(&c, tok, strlen(tok) - 1, now));
    assert_null(kbs_token_cache_get(&c, "aaaa.bbbb.ccccd", 15, now));
    /* Until exp plus the verification skew, then dropped. */
    got = kbs_token_cache_get(&c, tok, strlen(tok), now + 100 + CCS_KBS_TOKEN_SKEW);
    assert_non_null(got);
    json_decref(got);
    assert_null(kbs_token_cache_get(&c, tok, strlen(tok), now + 101 + CCS_KBS_TOKEN_SKEW));
    assert_null(kbs_token_cache_get(&c, tok, strlen(tok), now)); /* gone */
    /* Claims without an integer exp are not kept. */
    json_t *noexp = json_pack("{s:s}", "k", "v");
    kbs_token_cache_put(&c, tok, strlen(tok), noexp);
    assert_null(kbs_token_cache_get(&c, tok, strlen(tok), now));
    /* Many more tokens than slots: bounded, each found or missed, no leak. */
    char t[32];
    for (int i = 0; i < 3 * KBS_TOKEN_CACHE_SLOTS; i++) {
        snprintf(t, sizeof t, "t%d", i);
        kbs_token_cache_put(&c, t, strlen(t), claims);
    }
    size_t found = 0;
    for (int i = 0; i < 3 * KBS_TOKEN_CACHE_SLOTS; i++) {
        snprintf(t, sizeof t, "t%d", i);
        json_t *g = kbs_token_cache_get(&c, t, strlen(t), now);
        if (g != NULL) {
            assert_ptr_equal(g, claims);
            found++;
        }
        json_decref(g);
    }
    assert_true(found > 0 && found <= KBS_TOKEN_CACHE_SLOTS);
    kbs_token_cache_clear(&c);
    kbs_token_cache_clear(&c); /* twice is harmless */
    assert_int_equal(claims->refcount, 1);
    json_decref(claims);
    json_decref(noexp);
}

/* Entries under other keys (session cookies) kept until an exact second:
 * the session's, which has no skew; with the opened tee-pubkey they own. */
static ccs_kbs_tee_pubkey *open_key(void) {
    json_t *priv = NULL, *pub = NULL;
    ccs_kbs_tee_pubkey *k = NULL;
    assert_int_equal(ccs_kbs_tee_key_generate(&priv), CCS_OK);
    assert_int_equal(ccs_kbs_tee_key_public(priv, &pub), CCS_OK);
    assert_int_equal(ccs_kbs_tee_pubkey_open(pub, &k), CCS_OK);
    ccs_kbs_jwk_wipe(priv);
    json_decref(priv);
    json_decref(pub);
    return k;
}

static void test_put_until(void **state) {
    (void)state;
    kbs_token_cache c = {0};
    const ccs_time now = 1750000000;
    json_t *claims = json_pack("{s:I}", "exp", (json_int_t)(now + 1000));
    static const char ck[] = "0123.1750000100.sim-sgx.abcdef";
    ccs_kbs_tee_pubkey *k = open_key();
    const ccs_kbs_tee_pubkey *got_key = NULL;
    kbs_token_cache_put_until(&c, ck, strlen(ck), claims, now + 99, k);
    json_t *got = kbs_token_cache_get_key(&c, ck, strlen(ck), now + 99, &got_key);
    assert_ptr_equal(got, claims);
    assert_ptr_equal(got_key, k);
    json_decref(got);
    got = kbs_token_cache_get(&c, ck, strlen(ck), now + 99);
    assert_ptr_equal(got, claims);
    json_decref(got);
    assert_null(kbs_token_cache_get_key(&c, ck, strlen(ck), now + 100, &got_key)); /* the session expired */
    assert_null(got_key);
    assert_null(kbs_token_cache_get(&c, ck, strlen(ck), now)); /* and was dropped, with its key */
    /* Refused entries free the key they were given (LeakSanitizer checks). */
    kbs_token_cache_put_until(&c, ck, 0, claims, now + 99, open_key()); /* an empty key is not kept */
    kbs_token_cache_put_until(&c, ck, strlen(ck), NULL, now + 99, open_key());
    assert_null(kbs_token_cache_get(&c, ck, strlen(ck), now));
    /* A replaced entry frees its key; an entry without one gives NULL. */
    kbs_token_cache_put_until(&c, ck, strlen(ck), claims, now + 99, open_key());
    kbs_token_cache_put_until(&c, ck, strlen(ck), claims, now + 99, NULL);
    got = kbs_token_cache_get_key(&c, ck, strlen(ck), now, &got_key);
    assert_ptr_equal(got, claims);
    assert_null(got_key);
    json_decref(got);
    kbs_token_cache_clear(&c);
    assert_int_equal(claims->refcount, 1);
    json_decref(claims);
}

int ccs_test_token_cache(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_token_cache), cmocka_unit_test(test_put_until)};
    return cmocka_run_group_tests_name("kbs_token_cache", tests, NULL, NULL);
}
