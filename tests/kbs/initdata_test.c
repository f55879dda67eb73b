/* init-data binding through the in-process KBS with real sim evidence
 * (docs/kbs.md "Init-data"): a sim-tdx or sim-sgx quote launched with config
 * id = SHA-384(init-data) is accepted and its EAR carries init_data_claims
 * (the JSON document; the digest for TOML); another document is refused
 * naming mr_config_id / config_id; init-data against a zero field is
 * refused; no init-data against a non-zero field is noted, not refused;
 * oversized and malformed init-data is 413/400 with the nonce left unused;
 * a policy with "init_data": {"required", "digests"} refuses what it must. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs_tests.h"
#include "server_util.h"

#define DOC "{\"aa.toml\":\"[token_configs]\",\"policy.rego\":\"package agent_policy\"}"
#define INIT_MAX (64u << 10) /* KBS_INIT_DATA_MAX (server_internal.h) */
#define TOML "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n"

static su_server g_srv;
static char g_mrtd[97];

static void set_policy(const char *path, const char *text) {
    char *tok = su_admin_token(&g_srv, NULL, 600);
    su_resp r = {0};
    assert_non_null(tok);
    assert_int_equal(su_http(&g_srv, "POST", path, NULL, tok, text, strlen(text), &r), 0);
    if (r.status != 200) fail_msg("%s: %ld %s", path, r.status, su_detail(&r));
    su_resp_clear(&r);
    free(tok);
}

/* The attestation policy: sim-sgx as su_start sets it, sim-tdx by MRTD, and
 * `extra` inside the sim-tdx entry. */
static void attestation_policy(const char *extra) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"version\":1,\"tees\":{\"sim-sgx\":{\"allow_debug\":true,\"measurements\":{\"mrenclave\":{\"ref\":"
             "\"sim-sgx.mrenclave\"}}},\"sim-tdx\":{\"allow_debug\":true,\"measurements\":{\"mr_td\":{\"values\":"
             "[\"%s\"]}}%s}}}",
             g_mrtd, extra);
    set_policy(CCS_KBS_PATH_ATTESTATION_POLICY, text);
}

static int group_setup(void **state) {
    (void)state;
    uint8_t mrtd[48];
    su_start(&g_srv, "initdata", NULL);
    ccs_sha384(ccs_bytes_str(SU_MEASUREMENT), mrtd);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(mrtd, 48), g_mrtd, sizeof g_mrtd), CCS_OK);
    attestation_policy("");
    set_policy(CCS_KBS_PATH_RESOURCE_POLICY,
               "{\"version\":1,\"rules\":[{\"resources\":\"*/*/*\",\"allow\":{\"tee\":[\"sim-sgx\",\"sim-tdx\"],"
               "\"status\":[\"affirming\",\"warning\"]}}]}");
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    su_stop(&g_srv);
    return 0;
}

/* One attestation: a fresh session for platform, evidence launched with
 * config id = SHA-384(launched) (NULL: zero), init-data `init` added to the
 * body as is (NULL: none). r gets the reply; *claims (may be NULL) the EAR's
 * init_data_claims when it was issued (or NULL). */
static long attest(ccs_platform platform, const char *launched, json_t *init, su_resp *r, json_t **claims) {
    su_client c = {0};
    uint8_t cid[48];
    ccs_bytes config_id = ccs_bytes_of(NULL, 0);
    if (launched != NULL) {
        ccs_sha384(ccs_bytes_str(launched), cid);
        config_id = ccs_bytes_of(cid, sizeof cid);
    }
    assert_int_equal(su_auth(&g_srv, &c, ccs_platform_name(platform)), 0);
    json_t *body = su_attest_body_ex(&g_srv, platform, SU_MEASUREMENT, config_id, c.nonce, c.pub, CCS_HASH_SHA384);
    assert_non_null(body);
    if (init != NULL) json_object_set_new(body, "init-data", init);
    char *text = json_dumps(body, JSON_COMPACT);
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_ATTEST, c.cookie, NULL, text, strlen(text), r), 0);
    free(text);
    json_decref(body);
    if (claims != NULL) {
        *claims = NULL;
        const char *token = json_string_value(json_object_get(r->json, "token"));
        json_t *all = NULL;
        if (token != NULL && ccs_kbs_ear_claims_stored(token, ccs_time_now(), &all) == CCS_OK) {
            const json_t *ae = json_object_get(json_object_get(json_object_get(all, "submods"), "cpu0"),
                                               "ear.veraison.annotated-evidence");
            *claims = json_incref(json_object_get(ae, "init_data_claims"));
            json_decref(all);
        }
    }
    su_client_clear(&c);
    return r->status;
}

static json_t *init_data(const char *format, const char *body) {
    return json_pack("{s:s,s:s}", "format", format, "body", body);
}

#define assert_refused(r, code, kind, has)                                                                  \
    do {                                                                                                    \
        if ((r)->status != (code) || strcmp(su_kind(r), (kind)) != 0 || strstr(su_detail(r), (has)) == NULL) \
            fail_msg("got %ld %s (%s), want %d %s with \"%s\"", (r)->status, su_kind(r), su_detail(r), (code), \
                     (kind), (has));                                                                        \
    } while (0)

static void test_bound_json_and_toml(void **state) {
    (void)state;
    su_resp r = {0};
    json_t *claims = NULL, *doc = json_loads(DOC, 0, NULL);
    /* sim-tdx, json: init_data_claims is the document. */
    assert_int_equal(attest(CCS_PLATFORM_SIM_TDX, DOC, init_data("json", DOC), &r, &claims), 200);
    assert_non_null(claims);
    assert_true(json_equal(claims, doc));
    json_decref(claims);
    su_resp_clear(&r);
    /* sim-sgx, toml: CONFIGID is the SHA-384 digest zero-padded; the claims carry the digest. */
    uint8_t d[48];
    char hex[97];
    ccs_sha384(ccs_bytes_str(TOML), d);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(d, 48), hex, sizeof hex), CCS_OK);
    assert_int_equal(attest(CCS_PLATFORM_SIM_SGX, TOML, init_data("toml", TOML), &r, &claims), 200);
    assert_string_equal(json_string_value(json_object_get(claims, "format")), "toml");
    assert_string_equal(json_string_value(json_object_get(claims, "algorithm")), "sha384");
    assert_string_equal(json_string_value(json_object_get(claims, "digest")), hex);
    json_decref(claims);
    su_resp_clear(&r);
    /* "init-data": null is no init-data. */
    assert_int_equal(attest(CCS_PLATFORM_SIM_TDX, NULL, json_null(), &r, &claims), 200);
    assert_null(claims);
    su_resp_clear(&r);
    json_decref(doc);
}

static void test_mismatch_and_zero(void **state) {
    (void)state;
    su_resp r = {0};
    /* Another document than the launched one: the field is named. */
    attest(CCS_PLATFORM_SIM_TDX, DOC, init_data("json", "{\"other\":1}"), &r, NULL);
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "init-data digest does not match mr_config_id");
    su_resp_clear(&r);
    attest(CCS_PLATFORM_SIM_SGX, TOML, init_data("toml", TOML "x"), &r, NULL);
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "init-data digest does not match config_id");
    su_resp_clear(&r);
    /* The same bytes under another format still bind (the digest is of the body). */
    attest(CCS_PLATFORM_SIM_TDX, DOC, init_data("toml", DOC), &r, NULL);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    /* init-data, but launched without: a zero field. */
    attest(CCS_PLATFORM_SIM_TDX, NULL, init_data("json", DOC), &r, NULL);
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "mr_config_id is zero");
    su_resp_clear(&r);
    attest(CCS_PLATFORM_SIM_SGX, NULL, init_data("json", DOC), &r, NULL);
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "config_id is zero");
    su_resp_clear(&r);
    /* Launched with init-data, none sent: accepted, the field noted. */
    json_t *claims = NULL;
    assert_int_equal(attest(CCS_PLATFORM_SIM_TDX, DOC, NULL, &r, &claims), 200);
    assert_string_equal(json_string_value(json_object_get(claims, "format")), "none");
    assert_string_equal(json_string_value(json_object_get(claims, "field")), "mr_config_id");
    assert_int_equal(strlen(json_string_value(json_object_get(claims, "value"))), 96);
    json_decref(claims);
    su_resp_clear(&r);
}

static void test_bad_init_data(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    assert_int_equal(su_auth(&g_srv, &c, "sim-tdx"), 0);
    uint8_t cid[48];
    ccs_sha384(ccs_bytes_str(DOC), cid);
    json_t *good = su_attest_body_ex(&g_srv, CCS_PLATFORM_SIM_TDX, SU_MEASUREMENT, ccs_bytes_of(cid, 48), c.nonce,
                                     c.pub, CCS_HASH_SHA384);
    char *big = malloc(INIT_MAX + 2);
    memset(big, 'a', INIT_MAX + 1);
    big[INIT_MAX + 1] = '\0';
    static const struct {
        const char *init; /* JSON text of "init-data" */
        long status;
        const char *has;
    } bad[] = {
        {"\"x\"", 400, "init-data: expected an object"},
        {"{\"format\":\"yaml\",\"body\":\"a\"}", 400, "init-data.format"},
        {"{\"body\":\"a\"}", 400, "init-data.format"},
        {"{\"format\":\"json\",\"body\":{}}", 400, "init-data.body: expected a string"},
        {"{\"format\":\"json\",\"body\":\"a\",\"digest\":\"x\"}", 400, "unknown member"},
        {"{\"format\":\"json\",\"body\":\"\"}", 400, "init-data.body: empty"},
        {"{\"format\":\"toml\",\"body\":\"a\\u0000b\"}", 400, "NUL"},
        {"{\"format\":\"json\",\"body\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}", 400, "duplicate"},
        {"{\"format\":\"json\",\"body\":\"[1]\"}", 400, "not an object"},
        {"{\"format\":\"json\",\"body\":\"{\\\"a\\\":\"}", 400, "init-data.body: JSON"},
    };
    for (size_t i = 0; i <= sizeof bad / sizeof bad[0]; i++) {
        json_t *body = json_deep_copy(good);
        long want = 413;
        const char *has = "init-data.body:";
        if (i < sizeof bad / sizeof bad[0]) {
            json_object_set_new(body, "init-data", json_loads(bad[i].init, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
            want = bad[i].status;
            has = bad[i].has;
        } else {
            json_object_set_new(body, "init-data", init_data("toml", big)); /* 64 KiB + 1 */
        }
        char *text = json_dumps(body, JSON_COMPACT);
        assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_ATTEST, c.cookie, NULL, text, strlen(text), &r), 0);
        if (r.status != want || strstr(su_detail(&r), has) == NULL)
            fail_msg("case %zu: %ld %s, want %ld with \"%s\"", i, r.status, su_detail(&r), want, has);
        su_resp_clear(&r);
        free(text);
        json_decref(body);
    }
    /* Nothing was stored: the session's nonce is still unused. */
    json_object_set_new(good, "init-data", init_data("json", DOC));
    char *text = json_dumps(good, JSON_COMPACT);
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_ATTEST, c.cookie, NULL, text, strlen(text), &r), 0);
    if (r.status != 200) fail_msg("after the bad requests: %ld %s", r.status, su_detail(&r));
    su_resp_clear(&r);
    free(text);
    free(big);
    json_decref(good);
    su_client_clear(&c);
}

static void test_policy_requires(void **state) {
    (void)state;
    su_resp r = {0};
    uint8_t d[48];
    char hex[97], extra[256];
    ccs_sha384(ccs_bytes_str(DOC), d);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(d, 48), hex, sizeof hex), CCS_OK);
    attestation_policy(",\"init_data\":{\"required\":true}");
    attest(CCS_PLATFORM_SIM_TDX, NULL, NULL, &r, NULL);
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "requires init-data");
    su_resp_clear(&r);
    attest(CCS_PLATFORM_SIM_TDX, DOC, NULL, &r, NULL); /* launched with it, but not sent */
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "requires init-data");
    su_resp_clear(&r);
    assert_int_equal(attest(CCS_PLATFORM_SIM_TDX, DOC, init_data("json", DOC), &r, NULL), 200);
    su_resp_clear(&r);
    /* Only the reference digest. */
    snprintf(extra, sizeof extra, ",\"init_data\":{\"required\":true,\"digests\":{\"values\":[\"%s\"]}}", hex);
    attestation_policy(extra);
    assert_int_equal(attest(CCS_PLATFORM_SIM_TDX, DOC, init_data("json", DOC), &r, NULL), 200);
    su_resp_clear(&r);
    attest(CCS_PLATFORM_SIM_TDX, TOML, init_data("toml", TOML), &r, NULL);
    assert_refused(&r, 401, CCS_KBS_ERR_ATTESTATION, "is not among the policy's values");
    su_resp_clear(&r);
    /* sim-sgx has no rule: unchanged. */
    assert_int_equal(attest(CCS_PLATFORM_SIM_SGX, NULL, NULL, &r, NULL), 200);
    su_resp_clear(&r);
    attestation_policy("");
}

int ccs_test_initdata(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_json_and_toml),
        cmocka_unit_test(test_mismatch_and_zero),
        cmocka_unit_test(test_bad_init_data),
        cmocka_unit_test(test_policy_requires),
    };
    return cmocka_run_group_tests_name("kbs_initdata", tests, group_setup, group_teardown);
}
