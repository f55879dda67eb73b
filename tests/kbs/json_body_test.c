/* Request bodies (src/kbs/json_body.c): the fast path gives exactly what
 * jansson gives (the same tree, or the same status and error text), takes
 * the documents it is meant for (the attestation request), and gives way to
 * jansson for everything it cannot reproduce exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs_tests.h"
#include "server_internal.h"

typedef struct doc {
    const char *text;
    size_t len;  /* 0: strlen(text) */
    bool fast;   /* taken by the fast path */
    bool ok;     /* accepted (by jansson, and so by the KBS) */
    const char *err; /* part of the error text when refused */
} doc;

/* Same result as ccs_kbs_json_object_parse, and the fast path as expected. */
static void check(const doc *d) {
    ccs_bytes t = ccs_bytes_of(d->text, d->len ? d->len : strlen(d->text));
    json_t *a = NULL, *b = NULL;
    ccs_status sa = kbs_json_body_parse(t, &a);
    char da[512];
    snprintf(da, sizeof da, "%s", ccs_error_detail());
    ccs_status sb = ccs_kbs_json_object_parse(t, &b);
    if (sa != sb) fail_msg("%s: status %d, jansson %d", d->text, (int)sa, (int)sb);
    if (sa != CCS_OK && strcmp(da, ccs_error_detail()) != 0)
        fail_msg("%s: error \"%s\", jansson \"%s\"", d->text, da, ccs_error_detail());
    if (sa == CCS_OK && !json_equal(a, b)) fail_msg("%s: another tree than jansson's", d->text);
    if ((sa == CCS_OK) != d->ok) fail_msg("%s: expected %s", d->text, d->ok ? "accepted" : "refused");
    if (!d->ok && d->err != NULL && strstr(da, d->err) == NULL) fail_msg("%s: error \"%s\"", d->text, da);
    json_t *f = kbs_json_body_fast(t);
    if ((f != NULL) != d->fast) fail_msg("%s: fast path %s", d->text, f ? "taken" : "not taken");
    if (f != NULL && !json_equal(f, b)) fail_msg("%s: fast tree differs", d->text);
    json_decref(f);
    json_decref(a);
    json_decref(b);
}

static void test_json_body_table(void **state) {
    (void)state;
    static const doc docs[] = {
        /* What the fast path is for. */
        {"{\"version\":\"0.4.0\",\"tee\":\"sim-sgx\",\"extra-params\":{}}", 0, true, true, NULL},
        {"{\"a\":[true,false,null,\"x\",[],{}],\"b\":{\"c\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}}", 0, true, true, NULL},
        {"{ \"a\" : [ \"b\" , { } ] }\n", 0, true, true, NULL},
        {"{\"k\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00\"}", 0, true, true, NULL},
        {"{}", 0, true, true, NULL},
        /* Refused by both, with jansson's words. */
        {"{\"a\":\"1\",\"a\":\"2\"}", 0, false, false, "duplicate"},
        {"{\"a\":{\"b\":\"1\",\"b\":\"1\"}}", 0, false, false, "duplicate"},
        {"{\"a\":\"x\\u0000y\"}", 0, false, false, NULL},
        {"{\"a\\u0000\":\"x\"}", 0, false, false, NULL},
        {"{\"a\":\"x\x01y\"}", 0, false, false, NULL},
        {"{\"a\":\"x\ny\"}", 0, false, false, NULL},
        {"{\"a\":\"\xff\"}", 0, false, false, NULL},
        {"{\"\xc3\x28\":\"x\"}", 0, false, false, NULL},
        {"{\"a\":\"\xed\xa0\x80\"}", 0, false, false, NULL},
        {"{\"a\":\"\\ud800\"}", 0, false, false, NULL},
        {"{\"a\":\"\\x\"}", 0, false, false, NULL},
        {"{\"version\":\"0.4.0\"}\x01", 0, false, false, NULL},
        {"{\"a\":\"b\"} {}", 0, false, false, NULL},
        {"{\"a\":\"b\"}\0", 10, false, false, NULL},
        {"{\"a\":\"b\",}", 0, false, false, NULL},
        {"{\"a\" \"b\"}", 0, false, false, NULL},
        {"{'a':\"b\"}", 0, false, false, NULL},
        {"{\"a\":tru}", 0, false, false, NULL},
        {"{", 0, false, false, NULL},
        {"", 0, false, false, NULL},
        {"[]", 0, false, false, "not an object"},
        {"\"x\"", 0, false, false, NULL},
        {"\xef\xbb\xbf{}", 0, false, false, NULL},
        /* Numbers: jansson's (integer or real, its range checks). */
        {"{\"v\":1}", 0, false, true, NULL},
        {"{\"v\":1.0,\"w\":-0,\"x\":1e3}", 0, false, true, NULL},
        {"{\"v\":01}", 0, false, false, NULL},
        {"{\"v\":+1}", 0, false, false, NULL},
        {"{\"v\":1.}", 0, false, false, NULL},
        {"{\"v\":99999999999999999999}", 0, false, false, NULL},
        /* Leading whitespace: jansson decides. */
        {" {\"a\":\"b\"}", 0, false, true, NULL},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) check(&docs[i]);
}

/* Nesting: within the grammar check's 64 levels the fast path; deeper,
 * jansson decides (it accepts up to 2048). */
static void test_json_body_depth(void **state) {
    (void)state;
    for (int depth = 2; depth <= 200; depth *= 3) {
        char *t = malloc((size_t)depth * 6 + 16);
        size_t n = 0;
        t[n++] = '{';
        for (int i = 1; i < depth; i++) n += (size_t)sprintf(t + n, "\"a\":{");
        for (int i = 0; i < depth; i++) t[n++] = '}';
        t[n] = 0;
        doc d = {t, n, depth <= 64, true, NULL};
        check(&d);
        free(t);
    }
}

/* An attestation request as the agent sends it, evidence of a few KB. */
static void test_json_body_attest(void **state) {
    (void)state;
    char *b64 = malloc(8001);
    for (int i = 0; i < 8000; i++) b64[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7) % 64];
    b64[8000] = 0;
    json_t *body = json_pack("{s:{s:s,s:{s:s,s:s,s:s,s:s}},s:{s:{s:s},s:s}}", "runtime-data", "nonce",
                             "q0Yl2m6hVt5lq6eTq0Yl2m6hVt5lq6eTq0Yl2m6hVt4=", "tee-pubkey", "kty", "EC", "crv", "P-256",
                             "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y",
                             "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "tee-evidence", "primary_evidence", "quote",
                             b64, "additional_evidence", "{}");
    char *text = json_dumps(body, JSON_COMPACT);
    doc d = {text, 0, true, true, NULL};
    check(&d);
    free(text);
    json_decref(body);
    free(b64);
}

int ccs_test_json_body(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_body_table),
        cmocka_unit_test(test_json_body_depth),
        cmocka_unit_test(test_json_body_attest),
    };
    return cmocka_run_group_tests_name("kbs_json_body", tests, NULL, NULL);
}
