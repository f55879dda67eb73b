/* The agent's own protocol pieces: resource URIs (and every malformed form),
 * the report data that binds nonce and tee-pubkey (against digests computed
 * independently with Python hashlib over the RFC 8785 text), the KBS error
 * replies turned into statuses and sanitized details, the ephemeral key and
 * JWE decryption of what the KBS side encrypts. */
#include <string.h>

#include "agent_internal.h"
#include "agent_tests.h"

static void test_uri_valid(void **state) {
    (void)state;
    static const struct {
        const char *uri, *path;
    } ok[] = {
        {"kbs:///default/key/one", "default/key/one"},
        {"kbs://kbs.example:8080/r/t/tag", "r/t/tag"}, /* host and port ignored (CoCo CDH) */
        {"repo/type/tag", "repo/type/tag"},
        {"kbs:///a.b/c_d/e-f.1", "a.b/c_d/e-f.1"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char path[CCS_AGENT_PATH_MAX];
        assert_status(ccs_agent_resource_uri_parse(ok[i].uri, path), CCS_OK);
        assert_string_equal(path, ok[i].path);
    }
}

static void test_uri_invalid(void **state) {
    (void)state;
    char long_c[140];
    memset(long_c, 'a', 129);
    memcpy(long_c + 129, "/t/x", 5);
    const char *bad[] = {
        "",               "kbs:///a/b",       "kbs:///a/b/c/d",   "kbs:///a//c",       "kbs:///../b/c",
        "kbs:///a/b/..",  "kbs:///./b/c",     "kbs:///a/b/c?x=1", "kbs+vault:///a/b/c", "http://x/a/b/c",
        "kbs:///a/b/c%2f", "kbs://host",      "kbs:///a/b/c/",    "kbs:///a/b c/d",    "kbs:///a/b/x..y",
        "/a/b/c",         long_c,             "kbs:///a/b/c#f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[CCS_AGENT_PATH_MAX] = "x";
        ccs_status st = ccs_agent_resource_uri_parse(bad[i], path);
        if (st != CCS_ERR_FORMAT) fail_msg("\"%s\": got %s, want format", bad[i], ccs_status_name(st));
        assert_string_equal(path, "");
    }
}

static void test_report_data(void **state) {
    (void)state;
    json_t *jwk = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "alg", "ECDH-ES+A256KW", "x", "X",
                            "y", "Y");
    uint8_t rd[64], want[64] = {0};
    /* hashlib.sha384(b'{"nonce":"n0nce","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"X","y":"Y"}}') */
    static const char h384[] = "a45b6489b80c4a6155c8998246e2d92083b16adbb1419d3b54b411878b945d4f219b31f212912236dc02e7d0347a90dc";
    static const char h256[] = "266a1742c38312c70c9e6a5fec6e1e814c30ebeab8ad79c887d8029dcc06477d";
    assert_status(agent_report_data("n0nce", jwk, CCS_HASH_SHA384, rd), CCS_OK);
    assert_status(ccs_hex_decode_fixed(h384, 96, want, 48), CCS_OK);
    assert_memory_equal(rd, want, 64); /* zero-padded to 64 */
    memset(want, 0, sizeof want);
    assert_status(agent_report_data("n0nce", jwk, CCS_HASH_SHA256, rd), CCS_OK);
    assert_status(ccs_hex_decode_fixed(h256, 64, want, 32), CCS_OK);
    assert_memory_equal(rd, want, 64);
    /* The KBS's check accepts exactly this. */
    assert_status(ccs_kbs_report_data_check(ccs_bytes_of(want, 32), ccs_bytes_of(rd, 64)), CCS_OK);
    json_decref(jwk);
}

static void test_kbs_errors(void **state) {
    (void)state;
    static const struct {
        long http;
        const char *body;
        ccs_status want;
        const char *detail;
    } v[] = {
        {401, "{\"type\":\"" CCS_KBS_ERROR_TYPE_PREFIX "AttestationError\",\"detail\":\"mr_enclave not allowed\"}",
         CCS_ERR_POLICY, "HTTP 401 AttestationError: mr_enclave not allowed"},
        {403, "{\"type\":\"" CCS_KBS_ERROR_TYPE_PREFIX "PolicyDeny\",\"detail\":\"rule 1 denies\"}", CCS_ERR_POLICY,
         "HTTP 403 PolicyDeny: rule 1 denies"},
        {404, "{\"type\":\"" CCS_KBS_ERROR_TYPE_PREFIX "ResourceNotFound\",\"detail\":\"a/b/c\"}", CCS_ERR_NOT_FOUND,
         "HTTP 404 ResourceNotFound: a/b/c"},
        {400, "{\"type\":\"" CCS_KBS_ERROR_TYPE_PREFIX "ProtocolVersion\",\"detail\":\"want 0.4.0\"}",
         CCS_ERR_UNSUPPORTED, "HTTP 400 ProtocolVersion: want 0.4.0"},
        {400, "{\"type\":\"" CCS_KBS_ERROR_TYPE_PREFIX "InvalidRequest\",\"detail\":\"x\"}", CCS_ERR_FORMAT,
         "HTTP 400 InvalidRequest: x"},
        {500, "oops", CCS_ERR_NETWORK, "HTTP 500"},
        {401, "{\"type\":\"https://other.example/E\",\"detail\":\"line1\\nline2\\u0007\"}", CCS_ERR_POLICY,
         "HTTP 401: line1?line2?"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        assert_status(agent_http_error(v[i].http, ccs_bytes_str(v[i].body), "POST /kbs/v0/attest"), v[i].want);
        if (strstr(ccs_error_detail(), v[i].detail) == NULL)
            fail_msg("case %zu: detail \"%s\" lacks \"%s\"", i, ccs_error_detail(), v[i].detail);
    }
    /* A long detail is cut (bounded), with "..." */
    char body[2048];
    char big[1500];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    snprintf(body, sizeof body, "{\"detail\":\"%s\"}", big);
    assert_status(agent_http_error(403, ccs_bytes_str(body), "GET x"), CCS_ERR_POLICY);
    assert_true(strlen(ccs_error_detail()) < 400);
    assert_non_null(strstr(ccs_error_detail(), "AAA..."));
}

static void test_tee_key_and_jwe(void **state) {
    (void)state;
    json_t *key = NULL, *pub = NULL, *other = NULL, *jwe = NULL;
    assert_status(ccs_kbs_tee_key_generate(&key), CCS_OK);
    assert_status(ccs_kbs_tee_key_public(key, &pub), CCS_OK);
    assert_null(json_object_get(pub, "d"));
    assert_string_equal(json_string_value(json_object_get(pub, "alg")), "ECDH-ES+A256KW");
    assert_non_null(json_object_get(key, "d"));
    /* What the KBS sends (ccs_kbs_jwe_encrypt), decrypted as the agent does. */
    static const char secret[] = "the secret \x00 with a NUL";
    assert_status(ccs_kbs_jwe_encrypt(pub, ccs_bytes_of(secret, sizeof secret), &jwe), CCS_OK);
    ccs_buf pt = {0};
    assert_status(ccs_kbs_jwe_decrypt(jwe, key, &pt), CCS_OK);
    assert_int_equal(pt.len, sizeof secret);
    assert_memory_equal(pt.ptr, secret, sizeof secret);
    ccs_buf_free(&pt);
    /* Another key pair cannot open it. */
    assert_status(ccs_kbs_tee_key_generate(&other), CCS_OK);
    assert_status(ccs_kbs_jwe_decrypt(jwe, other, &pt), CCS_ERR_SIGNATURE);
    assert_int_equal(pt.len, 0);
    /* Two generations differ. */
    assert_false(json_equal(json_object_get(key, "d"), json_object_get(other, "d")));
    ccs_kbs_jwk_wipe(key);
    ccs_kbs_jwk_wipe(other);
    json_decref(key);
    json_decref(other);
    json_decref(pub);
    json_decref(jwe);
}

static void test_sanitize(void **state) {
    (void)state;
    char out[8];
    agent_sanitize("ab\x01\xff", 4, out, sizeof out);
    assert_string_equal(out, "ab??");
    agent_sanitize("abcdefghijkl", 12, out, sizeof out);
    assert_string_equal(out, "abcd...");
}

int ccs_test_agent_proto(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_valid),   cmocka_unit_test(test_uri_invalid),
        cmocka_unit_test(test_report_data), cmocka_unit_test(test_kbs_errors),
        cmocka_unit_test(test_tee_key_and_jwe), cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests_name("agent_proto", tests, NULL, NULL);
}
