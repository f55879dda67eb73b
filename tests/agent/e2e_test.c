/* The whole RCAR flow against the real KBS (include/ccs/kbs.h) started
 * in-process on 127.0.0.1:0 with a temporary store, the test's sim root
 * trusted (INSECURE, for tests), an attestation policy that allows one
 * sim-sgx MRENCLAVE and a resource policy for sim-sgx; the resource is put
 * through the admin API. Checks: the secret arrives (GetResource, and through
 * the REST endpoint), GetToken, a wrong measurement and an unlisted TEE are
 * refused with the KBS's reason, a missing resource is not_found, and
 * evidence replayed into another session or the same one is refused. */
#include "agent_tests.h"

#ifndef CCS_AGENT_TEST_KBS
int ccs_test_agent_e2e(void) { return 0; }
#else

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "agent_internal.h"
#include "ccs/kbs.h"

#define E2E_DIR CCS_TEST_TMP "/e2e"
#define SECRET "top secret\n"

static ccs_kbs_server *g_kbs;
static pthread_t g_thread;
static char g_url[64];

static void *run_kbs(void *arg) {
    return ccs_kbs_server_run(arg) == CCS_OK ? NULL : arg;
}

static size_t sink(char *p, size_t size, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return size * n;
}

/* POST /kbs/v0/resource/<path> with an admin token: the operator's step. */
static int put_resource(const char *path, const char *value) {
    ccs_buf tok = {0}, auth = {0};
    char url[256];
    if (ccs_kbs_admin_token_mint(E2E_DIR "/admin.key", ccs_time_now(), 300, &tok) != CCS_OK) return -1;
    if (ccs_buf_append_str(&auth, "Authorization: Bearer ") != CCS_OK ||
        ccs_buf_append_str(&auth, (const char *)tok.ptr) != CCS_OK)
        return -1;
    snprintf(url, sizeof url, "%s" CCS_KBS_PATH_RESOURCE "%s", g_url, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, (const char *)auth.ptr);
    h = curl_slist_append(h, "Content-Type: application/octet-stream");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, value);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    ccs_buf_free(&tok);
    ccs_buf_free(&auth);
    return status >= 200 && status < 300 ? 0 : (int)status;
}

static int write_text(const char *path, const char *text) {
    return ccs_file_write(path, ccs_bytes_str(text)) == CCS_OK ? 0 : -1;
}

static int setup(void **state) {
    (void)state;
    mkdir(E2E_DIR, 0700);
    remove(E2E_DIR "/kbs.db");
    uint8_t mr[32];
    size_t len = 0;
    char hex[65], policy[512];
    if (ccs_digest(CCS_HASH_SHA256, ccs_bytes_str("app v1"), mr, sizeof mr, &len) != CCS_OK ||
        ccs_hex_encode(ccs_bytes_of(mr, 32), hex, sizeof hex) != CCS_OK)
        return -1;
    snprintf(policy, sizeof policy,
             "{\"version\":1,\"tees\":{\"sim-sgx\":{\"allow_debug\":true,"
             "\"measurements\":{\"mrenclave\":{\"values\":[\"%s\"]}}}}}",
             hex);
    if (write_text(E2E_DIR "/attestation.json", policy) != 0 ||
        write_text(E2E_DIR "/resource.json",
                   "{\"version\":1,\"rules\":[{\"resources\":\"*/*/*\","
                   "\"allow\":{\"tee\":[\"sim-sgx\"],\"status\":[\"affirming\",\"warning\"]}}]}") != 0)
        return -1;
    remove(E2E_DIR "/admin.key");
    remove(E2E_DIR "/admin.pub");
    if (ccs_kbs_admin_keygen(E2E_DIR "/admin.key", E2E_DIR "/admin.pub") != CCS_OK) return -1;
    ccs_kbs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    ccs_status st = ccs_kbs_config_defaults(&cfg);
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.listen, "127.0.0.1:0");
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.store, E2E_DIR "/kbs.db");
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.token_key, E2E_DIR "/token.jwk");
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.admin_key, E2E_DIR "/admin.pub");
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.insecure_trust_sim_dir, AGENT_SIM_DIR);
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.attestation_policy, E2E_DIR "/attestation.json");
    if (st == CCS_OK) st = ccs_kbs_config_set(&cfg.resource_policy, E2E_DIR "/resource.json");
    cfg.log_level = CCS_KBS_LOG_ERROR;
    if (st == CCS_OK) st = ccs_kbs_server_new(&cfg, &g_kbs);
    ccs_kbs_config_clear(&cfg);
    if (st != CCS_OK) {
        fprintf(stderr, "kbs: %s\n", ccs_error_detail());
        return -1;
    }
    snprintf(g_url, sizeof g_url, "http://127.0.0.1:%u", ccs_kbs_server_port(g_kbs));
    if (pthread_create(&g_thread, NULL, run_kbs, g_kbs) != 0) return -1;
    int rc = put_resource("default/key/one", SECRET);
    if (rc != 0) fprintf(stderr, "put resource: %d\n", rc);
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    if (g_kbs == NULL) return 0;
    ccs_kbs_server_stop(g_kbs);
    pthread_join(g_thread, NULL);
    ccs_kbs_server_free(g_kbs);
    g_kbs = NULL;
    return 0;
}

static ccs_agent *agent_for(ccs_platform p, const char *measured) {
    ccs_agent_config cfg = {.kbs_url = g_url,
                            .tee = {.platform = p, .sim_dir = AGENT_SIM_DIR,
                                    .sim_measurement = ccs_bytes_str(measured)},
                            .timeout_ms = 30000};
    ccs_agent *a = NULL;
    if (ccs_agent_new(&cfg, &a) != CCS_OK) fail_msg("agent: %s", ccs_error_detail());
    return a;
}

static void test_secret(void **state) {
    (void)state;
    ccs_agent *a = agent_for(CCS_PLATFORM_SIM_SGX, "app v1");
    ccs_buf out = {0};
    assert_status(ccs_agent_get_resource(a, "kbs:///default/key/one", &out), CCS_OK);
    assert_int_equal(out.len, strlen(SECRET));
    assert_memory_equal(out.ptr, SECRET, out.len);
    ccs_buf_free(&out);
    /* A resource that does not exist. */
    assert_status(ccs_agent_get_resource(a, "kbs:///default/key/none", &out), CCS_ERR_NOT_FOUND);
    assert_int_equal(out.len, 0);
    ccs_agent_free(a);
}

static void test_token(void **state) {
    (void)state;
    ccs_agent *a = agent_for(CCS_PLATFORM_SIM_SGX, "app v1");
    ccs_buf out = {0};
    assert_status(ccs_agent_get_token(a, &out), CCS_OK);
    json_t *v = NULL;
    assert_status(ccs_kbs_json_object_parse(ccs_buf_view(&out), &v), CCS_OK);
    const char *tok = json_string_value(json_object_get(v, "token"));
    assert_non_null(tok);
    assert_non_null(strchr(strchr(tok, '.') + 1, '.')); /* a compact JWS */
    assert_non_null(json_object_get(json_object_get(v, "tee_keypair"), "d"));
    ccs_kbs_jwk_wipe(json_object_get(v, "tee_keypair"));
    json_decref(v);
    ccs_buf_free(&out);
    ccs_agent_free(a);
}

static void test_refused(void **state) {
    (void)state;
    ccs_buf out = {0};
    ccs_agent *a = agent_for(CCS_PLATFORM_SIM_SGX, "app v2");
    assert_status(ccs_agent_get_resource(a, "kbs:///default/key/one", &out), CCS_ERR_POLICY);
    /* The KBS's reason, surfaced. */
    if (strstr(ccs_error_detail(), "mrenclave") == NULL) fail_msg("detail: %s", ccs_error_detail());
    assert_int_equal(out.len, 0);
    ccs_agent_free(a);
    a = agent_for(CCS_PLATFORM_SIM_TDX, "app v1");
    assert_status(ccs_agent_get_resource(a, "kbs:///default/key/one", &out), CCS_ERR_POLICY);
    if (strstr(ccs_error_detail(), "sim-tdx") == NULL) fail_msg("detail: %s", ccs_error_detail());
    ccs_agent_free(a);
}

static void test_replay(void **state) {
    (void)state;
    ccs_agent *a = agent_for(CCS_PLATFORM_SIM_SGX, "app v1");
    agent_session s1 = {0}, s2 = {0};
    ccs_buf body = {0}, out = {0};
    assert_status(agent_rcar_auth(a, &s1), CCS_OK);
    assert_status(agent_rcar_attest_body(a, &s1, &body), CCS_OK);
    assert_status(agent_rcar_attest_send(&s1, &body), CCS_OK);
    /* The same evidence again in its own session: the nonce is spent. */
    assert_status(agent_rcar_attest_send(&s1, &body), CCS_ERR_POLICY);
    if (strstr(ccs_error_detail(), "nonce") == NULL) fail_msg("detail: %s", ccs_error_detail());
    /* ... and in a new session: another nonce. */
    assert_status(agent_rcar_auth(a, &s2), CCS_OK);
    assert_status(agent_rcar_attest_send(&s2, &body), CCS_ERR_POLICY);
    if (strstr(ccs_error_detail(), "nonce") == NULL) fail_msg("detail: %s", ccs_error_detail());
    /* That session was never attested: no resource, even with the key. */
    s2.key = json_incref(s1.key);
    assert_status(agent_rcar_resource(&s2, "default/key/one", &out), CCS_ERR_POLICY);
    assert_int_equal(out.len, 0);
    /* The first session still works. */
    assert_status(agent_rcar_resource(&s1, "default/key/one", &out), CCS_OK);
    assert_memory_equal(out.ptr, SECRET, out.len);
    ccs_buf_free(&out);
    ccs_buf_free(&body);
    agent_session_clear(&s1);
    agent_session_clear(&s2);
    ccs_agent_free(a);
}

static void *serve_agent(void *arg) {
    return ccs_agent_server_run(arg) == CCS_OK ? NULL : arg;
}

static void test_rest(void **state) {
    (void)state;
    ccs_agent *a = agent_for(CCS_PLATFORM_SIM_SGX, "app v1");
    ccs_agent_server *s = NULL;
    assert_status(ccs_agent_server_new(a, "127.0.0.1:0", &s), CCS_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve_agent, s), 0);
    ccs_buf b = {0};
    uint16_t port = ccs_agent_server_port(s);
    assert_int_equal(agent_test_http_get(port, "/cdh/resource/default/key/one", NULL, &b), 200);
    assert_int_equal(b.len, strlen(SECRET));
    assert_memory_equal(b.ptr, SECRET, b.len);
    b.len = 0;
    assert_int_equal(agent_test_http_get(port, "/cdh/resource/default/key/none", NULL, &b), 404);
    b.len = 0;
    assert_int_equal(agent_test_http_get(port, "/aa/token?token_type=kbs", NULL, &b), 200);
    assert_non_null(strstr((const char *)b.ptr, "\"tee_keypair\""));
    ccs_buf_free(&b);
    ccs_agent_server_stop(s);
    assert_int_equal(pthread_join(th, NULL), 0);
    ccs_agent_server_free(s);
    ccs_agent_free(a);
}

int ccs_test_agent_e2e(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret), cmocka_unit_test(test_token), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_replay), cmocka_unit_test(test_rest),
    };
    return cmocka_run_group_tests_name("agent_e2e", tests, setup, teardown);
}
#endif
