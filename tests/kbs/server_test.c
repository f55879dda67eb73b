/* The KBS server in-process on 127.0.0.1 port 0, driven with libcurl and
 * real sim-sgx evidence: the full RCAR flow, protocol errors, nonce reuse,
 * report-data binding, replay, expiry, appraisal and resource-policy
 * refusals, bearer tokens, the admin API's authentication, malformed and
 * oversized bodies on every endpoint (nothing stored), TLS, and the config
 * file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kbs_tests.h"
#include "server_util.h"

#define assert_kind(r, code, kind)                                                                          \
    do {                                                                                                    \
        if ((r)->status != (code) || strcmp(su_kind(r), (kind)) != 0)                                       \
            fail_msg("got %ld %s (%s), want %d %s", (r)->status, su_kind(r), su_detail(r), (code), (kind)); \
    } while (0)
#define assert_detail_has(r, s)                                                                             \
    do {                                                                                                    \
        if (strstr(su_detail(r), (s)) == NULL) fail_msg("detail \"%s\" lacks \"%s\"", su_detail(r), (s)); \
    } while (0)

static su_server g_srv; /* shared by the group (setup/teardown) */

static int group_setup(void **state) {
    (void)state;
    su_start(&g_srv, "main", NULL);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    su_stop(&g_srv);
    return 0;
}

static long post(const su_server *s, const char *path, const char *cookie, json_t *body, su_resp *r) {
    char *text = json_dumps(body, JSON_COMPACT);
    assert_non_null(text);
    assert_int_equal(su_http(s, path[0] ? "POST" : "POST", path, cookie, NULL, text, strlen(text), r), 0);
    free(text);
    return r->status;
}

/* Every row of every table, through a second connection. */
static char *snapshot(const char *path) {
    static const char *const q[] = {
        "SELECT repository, type, tag, hex(value), updated FROM resources ORDER BY 1, 2, 3",
        "SELECT kind, body FROM policies ORDER BY 1",
        "SELECT tee, name, vals FROM reference_values ORDER BY 1, 2",
        "SELECT id, tee, nonce, nonce_used, state, expires, token FROM sessions ORDER BY 1",
    };
    sqlite3 *db = NULL;
    ccs_buf out = {0};
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const char *t = (const char *)sqlite3_column_text(st, c);
                assert_int_equal(ccs_buf_append_str(&out, t ? t : "NULL"), CCS_OK);
                assert_int_equal(ccs_buf_append_str(&out, "|"), CCS_OK);
            }
        sqlite3_finalize(st);
        assert_int_equal(ccs_buf_append_str(&out, "\n"), CCS_OK);
    }
    sqlite3_close(db);
    return (char *)out.ptr;
}

/* ---- the flow ---- */

static void test_full_flow(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    ccs_buf pt = {0};
    assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
    assert_int_equal(strlen(c.nonce), 44);
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    assert_non_null(body);
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r), 200);
    const char *token = json_string_value(json_object_get(r.json, "token"));
    assert_non_null(token);
    c.token = strdup(token);
    su_resp_clear(&r);

    /* The token is an EAR signed with the KBS token key (jwk header). */
    ccs_kbs_token_key *tk = NULL;
    json_t *claims = NULL;
    ccs_kbs_ear_status st;
    assert_int_equal(ccs_kbs_token_key_load(g_srv.token_key, &tk), CCS_OK);
    json_t *tpub = ccs_kbs_token_key_public(tk);
    assert_int_equal(ccs_kbs_ear_verify(c.token, strlen(c.token), tpub, ccs_time_now(), &claims), CCS_OK);
    assert_int_equal(ccs_kbs_ear_cpu_status(claims, &st), CCS_OK);
    assert_int_equal(st, CCS_KBS_EAR_WARNING); /* the sim platform is a warning, never affirming */
    const json_t *ae = json_object_get(json_object_get(json_object_get(claims, "submods"), "cpu0"),
                                       "ear.veraison.annotated-evidence");
    assert_non_null(json_object_get(json_object_get(ae, "sim-sgx"), "mrenclave"));
    json_decref(claims);
    json_decref(tpub);
    ccs_kbs_token_key_free(tk);

    /* The resource by cookie, and by bearer token: a JWE only our key opens. */
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE "default/keys/k1", c.cookie, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(ccs_kbs_jwe_decrypt(r.json, c.priv, &pt), CCS_OK);
    assert_int_equal(pt.len, strlen(SU_SECRET));
    assert_memory_equal(pt.ptr, SU_SECRET, pt.len);
    ccs_buf_free(&pt);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE "default/keys/k1", NULL, c.token, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(ccs_kbs_jwe_decrypt(r.json, c.priv, &pt), CCS_OK);
    assert_memory_equal(pt.ptr, SU_SECRET, pt.len);
    ccs_buf_free(&pt);
    su_resp_clear(&r);

    /* SHA-256 runtime-data binding is accepted too. */
    su_client c2 = {0};
    assert_int_equal(su_auth(&g_srv, &c2, "sample"), 0);
    json_t *b2 = su_attest_body(&g_srv, SU_MEASUREMENT, c2.nonce, c2.pub, CCS_HASH_SHA256);
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c2.cookie, b2, &r), 200);
    su_resp_clear(&r);
    json_decref(b2);
    su_client_clear(&c2);
    json_decref(body);
    su_client_clear(&c);
}

static void test_protocol_errors(void **state) {
    (void)state;
    su_resp r = {0};
    static const struct {
        const char *body;
        int code;
        const char *kind;
    } cases[] = {
        {"{\"version\":\"0.3.0\",\"tee\":\"sgx\"}", 400, CCS_KBS_ERR_PROTOCOL_VERSION},
        {"{\"tee\":\"sgx\"}", 400, CCS_KBS_ERR_PROTOCOL_VERSION},
        {"{\"version\":\"0.4.0\",\"tee\":\"sev\"}", 400, CCS_KBS_ERR_INVALID_REQUEST},
        {"{\"version\":\"0.4.0\"}", 400, CCS_KBS_ERR_INVALID_REQUEST},
        {"{\"version\":\"0.4.0\",\"tee\":\"sgx\",\"extra-params\":7}", 400, CCS_KBS_ERR_INVALID_REQUEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            su_http(&g_srv, "POST", CCS_KBS_PATH_AUTH, NULL, NULL, cases[i].body, strlen(cases[i].body), &r), 0);
        assert_kind(&r, cases[i].code, cases[i].kind);
        su_resp_clear(&r);
    }
    /* Unknown endpoint, wrong method, no cookie, unknown session, bad path. */
    assert_int_equal(su_http(&g_srv, "GET", "/kbs/v0/nope", NULL, NULL, NULL, 0, &r), 0);
    assert_kind(&r, 404, CCS_KBS_ERR_INVALID_PATH);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_AUTH, NULL, NULL, NULL, 0, &r), 0);
    assert_kind(&r, 405, CCS_KBS_ERR_INVALID_REQUEST);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_ATTEST, NULL, NULL, "{}", 2, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_ATTEST,
                             "0000000000000000000000000000000000000000000000000000000000000000", NULL, "{}", 2, &r),
                     0);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE "default/../k1", NULL, NULL, NULL, 0, &r), 0);
    assert_true(r.status == 400 || r.status == 404);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE "default/keys", NULL, NULL, NULL, 0, &r), 0);
    assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
    su_resp_clear(&r);
}

/* ---- binding, replay, expiry ---- */

static void test_nonce_reuse(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r), 200);
    su_resp_clear(&r);
    /* The same request again: the nonce is single-use. */
    post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    assert_detail_has(&r, "already used");
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&c);
}

static void test_report_data_mismatch(void **state) {
    (void)state;
    su_client c = {0}, other = {0};
    su_resp r = {0};
    assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
    assert_int_equal(ccs_kbs_tee_key_generate(&other.priv), CCS_OK);
    assert_int_equal(ccs_kbs_tee_key_public(other.priv, &other.pub), CCS_OK);
    /* Evidence made for another key, presented with ours. */
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, other.pub, CCS_HASH_SHA384);
    json_object_set(json_object_get(body, "runtime-data"), "tee-pubkey", c.pub);
    post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    assert_detail_has(&r, "report_data");
    su_resp_clear(&r);
    json_decref(body);
    /* The refused attempt used the nonce up: good evidence with it is refused too. */
    body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    assert_detail_has(&r, "already used");
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&other);
    su_client_clear(&c);
}

/* /auth writes nothing (the cookie carries the challenge); a cookie that is
 * altered, or not of this KBS, is an unknown session. */
static void test_stateless_auth(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    char *before = snapshot(g_srv.store);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
        if (i < 4) su_client_clear(&c);
    }
    char *after = snapshot(g_srv.store);
    assert_string_equal(before, after);
    free(before);
    free(after);
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    char cookie[sizeof c.cookie];
    size_t n = strlen(c.cookie);
    /* The tee (sim-sgx -> sim-tdx) and one tag digit changed; another key's cookie. */
    memcpy(cookie, c.cookie, sizeof cookie);
    char *tee = strstr(cookie, ".sim-sgx.");
    assert_non_null(tee);
    memcpy(tee + 5, "tdx", 3);
    post(&g_srv, CCS_KBS_PATH_ATTEST, cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    assert_detail_has(&r, "unknown session");
    su_resp_clear(&r);
    memcpy(cookie, c.cookie, sizeof cookie);
    cookie[n - 1] = cookie[n - 1] == '0' ? '1' : '0';
    post(&g_srv, CCS_KBS_PATH_ATTEST, cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    su_resp_clear(&r);
    uint8_t other[CCS_KBS_CHALLENGE_KEY_LEN] = {1};
    ccs_kbs_session ch = {0};
    assert_int_equal(ccs_kbs_challenge_issue(other, "sim-sgx", ccs_time_now(), 60, &ch, cookie), CCS_OK);
    post(&g_srv, CCS_KBS_PATH_ATTEST, cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    su_resp_clear(&r);
    ccs_kbs_session_clear(&ch);
    /* The refusals used nothing up: the real cookie attests. */
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r), 200);
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&c);
}

static void test_replay_in_new_session(void **state) {
    (void)state;
    su_client c1 = {0}, c2 = {0};
    su_resp r = {0};
    assert_int_equal(su_auth(&g_srv, &c1, "sim-sgx"), 0);
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c1.nonce, c1.pub, CCS_HASH_SHA384);
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c1.cookie, body, &r), 200);
    su_resp_clear(&r);
    /* Replayed as is in a new session: the nonce is not the new session's. */
    assert_int_equal(su_auth(&g_srv, &c2, "sim-sgx"), 0);
    post(&g_srv, CCS_KBS_PATH_ATTEST, c2.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    assert_detail_has(&r, "nonce");
    su_resp_clear(&r);
    /* With the new nonce written in: the evidence is bound to the old one. */
    su_client c3 = {0};
    assert_int_equal(su_auth(&g_srv, &c3, "sim-sgx"), 0);
    json_object_set_new(json_object_get(body, "runtime-data"), "nonce", json_string(c3.nonce));
    post(&g_srv, CCS_KBS_PATH_ATTEST, c3.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    assert_detail_has(&r, "report_data");
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&c1);
    su_client_clear(&c2);
    su_client_clear(&c3);
}

static void test_expired_session(void **state) {
    (void)state;
    su_server s;
    su_opts o = {.session_timeout_s = 1};
    su_client c = {0};
    su_resp r = {0};
    su_start(&s, "expiry", &o);
    /* An attested session reads the resource by cookie (the loop then
     * keeps its claims under the cookie)... */
    su_client a = {0};
    assert_int_equal(su_auth(&s, &a, "sim-sgx"), 0);
    json_t *ab = su_attest_body(&s, SU_MEASUREMENT, a.nonce, a.pub, CCS_HASH_SHA384);
    assert_int_equal(post(&s, CCS_KBS_PATH_ATTEST, a.cookie, ab, &r), 200);
    su_resp_clear(&r);
    json_decref(ab);
    assert_int_equal(su_http(&s, "GET", CCS_KBS_PATH_RESOURCE "default/keys/k1", a.cookie, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    assert_int_equal(su_auth(&s, &c, "sim-sgx"), 0);
    json_t *body = su_attest_body(&s, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    sleep(2);
    post(&s, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    assert_detail_has(&r, "expired");
    su_resp_clear(&r);
    /* ...until the session expires, though its token has not. */
    assert_int_equal(su_http(&s, "GET", CCS_KBS_PATH_RESOURCE "default/keys/k1", a.cookie, NULL, NULL, 0, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    assert_detail_has(&r, "expired");
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&c);
    su_client_clear(&a);
    su_stop(&s);
}

/* ---- appraisal and resource policy ---- */

/* Each loop caches the parsed policies by their text: a policy posted
 * through the admin API applies to the very next request, whatever loop
 * serves it, and putting the old text back restores the old behaviour. */
static void policy_post(const char *path, const char *text) {
    char *tok = su_admin_token(&g_srv, NULL, 600);
    su_resp r = {0};
    assert_non_null(tok);
    assert_int_equal(su_http(&g_srv, "POST", path, NULL, tok, text, strlen(text), &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    free(tok);
}

static void test_policy_updates_apply(void **state) {
    (void)state;
    static const char deny_all[] = "{\"version\":1,\"rules\":[{\"resources\":\"*/*/*\",\"deny\":true}]}";
    static const char allow[] =
        "{\"version\":1,\"rules\":[{\"resources\":\"default/denied/*\",\"deny\":true},"
        "{\"resources\":\"*/*/*\",\"allow\":{\"tee\":[\"sim-sgx\"],\"status\":[\"affirming\",\"warning\"]}}]}";
    static const char att_other[] =
        "{\"version\":1,\"tees\":{\"sim-tdx\":{\"allow_debug\":true}}}";
    static const char att[] =
        "{\"version\":1,\"tees\":{\"sim-sgx\":{\"allow_debug\":true,\"accept_tcb\":[\"UpToDate\","
        "\"SWHardeningNeeded\",\"ConfigurationNeeded\",\"ConfigurationAndSWHardeningNeeded\"],"
        "\"measurements\":{\"mrenclave\":{\"ref\":\"sim-sgx.mrenclave\"}}}}}";
    ccs_buf pt = {0};
    for (int i = 0; i < 4; i++) assert_int_equal(su_flow(&g_srv, "default/keys/k1", &pt), 200); /* warm every loop */
    policy_post(CCS_KBS_PATH_RESOURCE_POLICY, deny_all);
    for (int i = 0; i < 4; i++) assert_int_equal(su_flow(&g_srv, "default/keys/k1", &pt), 403);
    policy_post(CCS_KBS_PATH_RESOURCE_POLICY, allow);
    policy_post(CCS_KBS_PATH_ATTESTATION_POLICY, att_other);
    for (int i = 0; i < 4; i++) assert_int_equal(su_flow(&g_srv, "default/keys/k1", &pt), 401);
    policy_post(CCS_KBS_PATH_ATTESTATION_POLICY, att);
    for (int i = 0; i < 4; i++) assert_int_equal(su_flow(&g_srv, "default/keys/k1", &pt), 200);
    ccs_buf_free(&pt);
}

static void test_refusals(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    ccs_buf pt = {0};
    /* A measurement that is not in the reference values. */
    assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
    json_t *body = su_attest_body(&g_srv, "some other enclave", c.nonce, c.pub, CCS_HASH_SHA384);
    post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    assert_detail_has(&r, "mrenclave");
    assert_detail_has(&r, "sim-sgx.mrenclave");
    su_resp_clear(&r);
    json_decref(body);
    /* That session never attested: no resource. */
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE "default/keys/k1", c.cookie, NULL, NULL, 0, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_UNAUTHENTICATED);
    su_resp_clear(&r);
    su_client_clear(&c);
    /* Denied by the resource policy; missing resource. */
    assert_int_equal(su_flow(&g_srv, "default/denied/x", &pt), 403);
    assert_int_equal(su_flow(&g_srv, "default/keys/missing", &pt), 404);
    assert_int_equal(su_flow(&g_srv, "default/keys/k1", &pt), 200);
    assert_memory_equal(pt.ptr, SU_SECRET, pt.len);
    ccs_buf_free(&pt);
    /* tee sgx (real DCAP) without collateral configured. */
    assert_int_equal(su_auth(&g_srv, &c, "sgx"), 0);
    body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 401, CCS_KBS_ERR_ATTESTATION);
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&c);
}

static void test_bearer_tokens(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r), 200);
    char *token = strdup(json_string_value(json_object_get(r.json, "token")));
    su_resp_clear(&r);
    const char *path = CCS_KBS_PATH_RESOURCE "default/keys/k1";
    /* Tampered: one payload character changed. */
    char *bad = strdup(token);
    char *dot = strchr(bad, '.');
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    assert_int_equal(su_http(&g_srv, "GET", path, NULL, bad, NULL, 0, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_TOKEN);
    su_resp_clear(&r);
    free(bad);
    /* Expired, and signed by another key: made with the EAR issuer. */
    ccs_kbs_token_key *tk = NULL, *other = NULL;
    ccs_buf t1 = {0}, t2 = {0};
    json_t *claims = json_pack("{s:s}", "mrenclave", "00");
    json_t *tv = json_pack("{s:i}", "instance-identity", 2);
    ccs_kbs_ear ear = {.status = CCS_KBS_EAR_AFFIRMING, .trust_vector = tv, .policy_id = "default",
                       .tee = "sim-sgx", .tee_claims = claims, .nonce = c.nonce, .tee_pubkey = c.pub,
                       .iat = ccs_time_now() - 1000, .lifetime_s = 10};
    assert_int_equal(ccs_kbs_token_key_load(g_srv.token_key, &tk), CCS_OK);
    assert_int_equal(ccs_kbs_ear_issue(tk, &ear, &t1), CCS_OK);
    ear.iat = ccs_time_now();
    ear.lifetime_s = 300;
    assert_int_equal(ccs_kbs_token_key_generate(&other), CCS_OK);
    assert_int_equal(ccs_kbs_ear_issue(other, &ear, &t2), CCS_OK);
    assert_int_equal(su_http(&g_srv, "GET", path, NULL, (const char *)t1.ptr, NULL, 0, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_TOKEN);
    assert_detail_has(&r, "exp");
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", path, NULL, (const char *)t2.ptr, NULL, 0, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_TOKEN);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", path, NULL, token, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    /* The genuine token is now in the loop's cache: altered copies of it are
     * still verified, and refused. */
    static const char *const alter[] = {"payload", "signature", "truncated", "longer"};
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(token);
        char *t = calloc(1, n + 2);
        memcpy(t, token, n);
        if (i == 0) t[strchr(t, '.') - t + 5] ^= 1;
        if (i == 1) t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
        if (i == 2) t[n - 1] = 0;
        if (i == 3) t[n] = 'A';
        assert_int_equal(su_http(&g_srv, "GET", path, NULL, t, NULL, 0, &r), 0);
        if (r.status != 401) fail_msg("%s token: %ld", alter[i], r.status);
        assert_kind(&r, 401, CCS_KBS_ERR_TOKEN);
        su_resp_clear(&r);
        free(t);
    }
    /* Read again from the cache (claims and the opened tee-pubkey): each read a
     * fresh JWE, with its own ephemeral key, that the tee key opens. */
    char *epk[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        ccs_buf pt = {0};
        assert_int_equal(su_http(&g_srv, "GET", path, NULL, token, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(ccs_kbs_jwe_decrypt(r.json, c.priv, &pt), CCS_OK);
        assert_int_equal(pt.len, strlen(SU_SECRET));
        assert_memory_equal(pt.ptr, SU_SECRET, pt.len);
        epk[i] = strdup(json_string_value(json_object_get(r.json, "protected")));
        ccs_buf_free(&pt);
        su_resp_clear(&r);
    }
    assert_string_not_equal(epk[0], epk[1]);
    free(epk[0]);
    free(epk[1]);
    ccs_buf_free(&t1);
    ccs_buf_free(&t2);
    json_decref(claims);
    json_decref(tv);
    ccs_kbs_token_key_free(tk);
    ccs_kbs_token_key_free(other);
    free(token);
    json_decref(body);
    su_client_clear(&c);
}

/* ---- the admin API ---- */

static void test_admin_auth(void **state) {
    (void)state;
    su_resp r = {0};
    char other_priv[700], other_pub[700];
    snprintf(other_priv, sizeof other_priv, "%s/other.key", g_srv.dir);
    snprintf(other_pub, sizeof other_pub, "%s/other.pub", g_srv.dir);
    assert_int_equal(ccs_kbs_admin_keygen(other_priv, other_pub), CCS_OK);
    char *wrong_key = su_admin_token(&g_srv, other_priv, 600);
    char *good = su_admin_token(&g_srv, NULL, 600);
    char *before = snapshot(g_srv.store);
    const char *const paths[] = {CCS_KBS_PATH_RESOURCE "default/keys/k9", CCS_KBS_PATH_ATTESTATION_POLICY,
                                 CCS_KBS_PATH_RESOURCE_POLICY, CCS_KBS_PATH_REFERENCE_VALUE};
    const char *const tokens[] = {NULL, "garbage", "a.b.c", wrong_key};
    for (size_t p = 0; p < 4; p++)
        for (size_t t = 0; t < 4; t++) {
            assert_int_equal(su_http(&g_srv, "POST", paths[p], NULL, tokens[t], "{}", 2, &r), 0);
            assert_kind(&r, 401, CCS_KBS_ERR_ADMIN_AUTH);
            su_resp_clear(&r);
        }
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE_POLICY, NULL, wrong_key, NULL, 0, &r), 0);
    assert_kind(&r, 401, CCS_KBS_ERR_ADMIN_AUTH);
    su_resp_clear(&r);
    char *after = snapshot(g_srv.store);
    assert_string_equal(before, after);
    /* GET of a policy and of reference values with the right token. */
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_RESOURCE_POLICY, NULL, good, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "GET", CCS_KBS_PATH_REFERENCE_VALUE "/sim-sgx/mrenclave", NULL, good, NULL, 0, &r),
                     0);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "values")), 1);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "DELETE", CCS_KBS_PATH_REFERENCE_VALUE "/sim-sgx/none", NULL, good, NULL, 0, &r),
                     0);
    assert_kind(&r, 404, CCS_KBS_ERR_NOT_FOUND);
    su_resp_clear(&r);
    free(before);
    free(after);
    free(wrong_key);
    free(good);
}

/* Malformed and oversized bodies on every endpoint: a clear 4xx, nothing
 * stored (the attestation nonce is not consumed either). */
static void test_bad_bodies(void **state) {
    (void)state;
    su_client c = {0};
    su_resp r = {0};
    char *tok = su_admin_token(&g_srv, NULL, 600);
    assert_int_equal(su_auth(&g_srv, &c, "sim-sgx"), 0);
    size_t big_n = CCS_KBS_MAX_BODY + 10;
    char *big = malloc(CCS_KBS_MAX_RESOURCE + 10);
    memset(big, ' ', CCS_KBS_MAX_RESOURCE + 10);
    big[0] = '{';
    char *before = snapshot(g_srv.store);
    static const char *const bad_json[] = {
        "", "{", "[]", "\"x\"", "{\"a\":1,\"a\":2}", "{\"version\":\"0.4.0\"}\x01",
    };
    const char *const json_paths[] = {CCS_KBS_PATH_AUTH, CCS_KBS_PATH_ATTEST, CCS_KBS_PATH_ATTESTATION_POLICY,
                                      CCS_KBS_PATH_RESOURCE_POLICY, CCS_KBS_PATH_REFERENCE_VALUE};
    for (size_t p = 0; p < 5; p++) {
        const char *ck = p == 1 ? c.cookie : NULL, *bt = p >= 2 ? tok : NULL;
        for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
            assert_int_equal(su_http(&g_srv, "POST", json_paths[p], ck, bt, bad_json[i], strlen(bad_json[i]), &r), 0);
            if (r.status != 400) fail_msg("%s with \"%s\": %ld %s", json_paths[p], bad_json[i], r.status, su_detail(&r));
            assert_non_null(r.json);
            su_resp_clear(&r);
        }
        assert_int_equal(su_http(&g_srv, "POST", json_paths[p], ck, bt, big, big_n, &r), 0);
        assert_kind(&r, 413, CCS_KBS_ERR_PAYLOAD_TOO_LARGE);
        su_resp_clear(&r);
    }
    /* Attestation requests of the wrong shape. */
    static const char *const bad_attest[] = {
        "{\"tee-evidence\":{\"primary_evidence\":{\"quote\":\"AA==\"}}}",
        "{\"runtime-data\":{\"nonce\":\"x\"},\"tee-evidence\":{}}",
        "{\"runtime-data\":{\"nonce\":\"x\",\"tee-pubkey\":{\"kty\":\"oct\",\"k\":\"AAAA\"}},\"tee-evidence\":{}}",
    };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            su_http(&g_srv, "POST", CCS_KBS_PATH_ATTEST, c.cookie, NULL, bad_attest[i], strlen(bad_attest[i]), &r), 0);
        assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
        su_resp_clear(&r);
    }
    json_t *body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    json_object_set_new(json_object_get(json_object_get(body, "tee-evidence"), "primary_evidence"), "quote",
                        json_string("not base64!"));
    post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
    assert_detail_has(&r, "primary_evidence.quote");
    su_resp_clear(&r);
    json_decref(body);
    /* Policies with errors: the parser's message, nothing stored. */
    const char *bad_pol = "{\"version\":1,\"tees\":{\"sgx\":{\"alow_debug\":true}}}";
    assert_int_equal(
        su_http(&g_srv, "POST", CCS_KBS_PATH_ATTESTATION_POLICY, NULL, tok, bad_pol, strlen(bad_pol), &r), 0);
    assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
    assert_detail_has(&r, "tees.sgx.alow_debug: unknown key");
    su_resp_clear(&r);
    const char *bad_rpol = "{\"version\":1,\"rules\":[{\"resources\":\"a/b\",\"allow\":{}}]}";
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_RESOURCE_POLICY, NULL, tok, bad_rpol, strlen(bad_rpol), &r),
                     0);
    assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
    assert_detail_has(&r, "rules[0].resources");
    su_resp_clear(&r);
    const char *bad_rv = "{\"tee\":\"SGX!\",\"name\":\"m\",\"values\":[\"00\"]}";
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_REFERENCE_VALUE, NULL, tok, bad_rv, strlen(bad_rv), &r), 0);
    assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
    su_resp_clear(&r);
    /* Resource uploads: bad path, too large. */
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_RESOURCE "a/../b", NULL, tok, "x", 1, &r), 0);
    assert_true(r.status == 400 || r.status == 404);
    su_resp_clear(&r);
    assert_int_equal(su_http(&g_srv, "POST", CCS_KBS_PATH_RESOURCE "a/b", NULL, tok, "x", 1, &r), 0);
    assert_kind(&r, 400, CCS_KBS_ERR_INVALID_REQUEST);
    su_resp_clear(&r);
    assert_int_equal(
        su_http(&g_srv, "POST", CCS_KBS_PATH_RESOURCE "default/keys/big", NULL, tok, big, CCS_KBS_MAX_RESOURCE + 1, &r),
        0);
    assert_kind(&r, 413, CCS_KBS_ERR_PAYLOAD_TOO_LARGE);
    su_resp_clear(&r);
    char *after = snapshot(g_srv.store);
    assert_string_equal(before, after);
    /* And the session still attests: its nonce was never consumed. */
    body = su_attest_body(&g_srv, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384);
    assert_int_equal(post(&g_srv, CCS_KBS_PATH_ATTEST, c.cookie, body, &r), 200);
    su_resp_clear(&r);
    json_decref(body);
    free(before);
    free(after);
    free(big);
    free(tok);
    su_client_clear(&c);
}

/* ---- TLS and the config file ---- */

static void test_tls(void **state) {
    (void)state;
    su_server s;
    su_opts o = {.tls = true};
    ccs_buf pt = {0};
    su_start(&s, "tls", &o);
    assert_int_equal(su_flow(&s, "default/keys/k1", &pt), 200);
    assert_memory_equal(pt.ptr, SU_SECRET, pt.len);
    ccs_buf_free(&pt);
    su_stop(&s);
}

static void test_config(void **state) {
    (void)state;
    char path[600];
    ccs_kbs_config cfg = {0};
    snprintf(path, sizeof path, "%s/config-%d.json", CCS_TEST_TMP, (int)getpid());
    static const struct {
        const char *text, *detail;
    } bad[] = {
        {"{\"listen\":7}", "listen: expected a non-empty string"},
        {"{\"tls\":{\"cert\":\"c.pem\"}}", "tls: both \"cert\" and \"key\" are required"},
        {"{\"tls\":{\"crt\":\"c.pem\"}}", "tls.crt: unknown key"},
        {"{\"collateral\":{\"snp\":{\"vcekdir\":\"x\"}}}", "collateral.snp.vcekdir: unknown key"},
        {"{\"session_timeout\":0}", "session_timeout: expected an integer number of seconds, 1..2592000"},
        {"{\"log_level\":\"loud\"}", "log_level: expected one of: error, warn, info, debug"},
        {"{\"policies\":{\"attestation\":[]}}", "policies.attestation: expected a non-empty string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ccs_file_write(path, ccs_bytes_str(bad[i].text)), CCS_OK);
        assert_int_equal(ccs_kbs_config_load(path, &cfg), CCS_ERR_FORMAT);
        if (strncmp(ccs_error_detail(), bad[i].detail, strlen(bad[i].detail)) != 0)
            fail_msg("\"%s\": detail \"%s\", want \"%s\"", bad[i].text, ccs_error_detail(), bad[i].detail);
    }
    const char *good = "{\"listen\":\"127.0.0.1:0\",\"store\":\"kbs.db\",\"tls\":{\"cert\":\"/etc/c.pem\",\"key\":"
                       "\"k.pem\"},\"session_timeout\":60,\"log_level\":\"warn\",\"collateral\":{\"dcap\":"
                       "{\"pccs_url\":\"https://pccs:8081\",\"pccs_cache\":\"cache.db\"}},\"policies\":"
                       "{\"resource\":\"r.json\"}}";
    assert_int_equal(ccs_file_write(path, ccs_bytes_str(good)), CCS_OK);
    assert_int_equal(ccs_kbs_config_load(path, &cfg), CCS_OK);
    assert_string_equal(cfg.tls_cert, "/etc/c.pem");
    char want[700];
    snprintf(want, sizeof want, "%s/k.pem", CCS_TEST_TMP); /* relative to the file */
    assert_string_equal(cfg.tls_key, want);
    assert_int_equal(cfg.session_timeout_s, 60);
    assert_int_equal(cfg.token_lifetime_s, 300);
    assert_int_equal(cfg.log_level, CCS_KBS_LOG_WARN);
    assert_string_equal(cfg.dcap_pccs_url, "https://pccs:8081");
    ccs_kbs_config_clear(&cfg);
    /* Non-loopback plain HTTP is refused. */
    assert_int_equal(ccs_kbs_config_defaults(&cfg), CCS_OK);
    assert_int_equal(ccs_kbs_config_set(&cfg.listen, "0.0.0.0:0"), CCS_OK);
    snprintf(want, sizeof want, "%s/cfg-%d.db", CCS_TEST_TMP, (int)getpid());
    assert_int_equal(ccs_kbs_config_set(&cfg.store, want), CCS_OK);
    snprintf(want, sizeof want, "%s/cfg-%d.jwk", CCS_TEST_TMP, (int)getpid());
    assert_int_equal(ccs_kbs_config_set(&cfg.token_key, want), CCS_OK);
    cfg.log_level = CCS_KBS_LOG_ERROR;
    ccs_kbs_server *s = NULL;
    assert_int_equal(ccs_kbs_server_new(&cfg, &s), CCS_ERR_POLICY);
    assert_null(s);
    /* A name that only starts like a loopback address is not one. */
    assert_int_equal(ccs_kbs_config_set(&cfg.listen, "127.example.invalid:0"), CCS_OK);
    assert_int_equal(ccs_kbs_server_new(&cfg, &s), CCS_ERR_POLICY);
    assert_null(s);
    ccs_kbs_config_clear(&cfg);
}

int ccs_test_server(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_flow),
        cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_nonce_reuse),
        cmocka_unit_test(test_report_data_mismatch),
        cmocka_unit_test(test_stateless_auth),
        cmocka_unit_test(test_replay_in_new_session),
        cmocka_unit_test(test_expired_session),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_policy_updates_apply),
        cmocka_unit_test(test_bearer_tokens),
        cmocka_unit_test(test_admin_auth),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests_name("kbs_server", tests, group_setup, group_teardown);
}
