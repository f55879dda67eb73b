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
 * the session's, which has no skew. */
static void test_put_until(void **state) {
    (void)state;
    kbs_token_cache c = {0};
    const ccs_time now = 1750000000;
    json_t *claims = json_pack("{s:I}", "exp", (json_int_t)(now + 1000));
    static const char ck[] = "0123.1750000100.sim-sgx.abcdef";
    kbs_token_cache_put_until(&c, ck, strlen(ck), claims, now + 99);
    json_t *got = kbs_token_cache_get(&c, ck, strlen(ck), now + 99);
    assert_ptr_equal(got, claims);
    json_decref(got);
    assert_null(kbs_token_cache_get(&c, ck, strlen(ck), now + 100)); /* the session expired */
    assert_null(kbs_token_cache_get(&c, ck, strlen(ck), now)); /* and was dropped */
    kbs_token_cache_put_until(&c, ck, 0, claims, now + 99); /* an empty key is not kept */
    kbs_token_cache_put_until(&c, ck, strlen(ck), NULL, now + 99);
    assert_null(kbs_token_cache_get(&c, ck, strlen(ck), now));
    kbs_token_cache_clear(&c);
    assert_int_equal(claims->refcount, 1);
    json_decref(claims);
}

int ccs_test_token_cache(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_token_cache), cmocka_unit_test(test_put_until)};
    return cmocka_run_group_tests_name("kbs_token_cache", tests, NULL, NULL);
}
