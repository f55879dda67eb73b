/* Evidence with the sim backend: the primary_evidence shape for each
 * platform, GetEvidence over caller data (the DCAP quote's REPORTDATA is the
 * data, zero-padded), and the /attest body: runtime data with the public key
 * only, evidence bound to H(JCS(runtime data)), a fresh key each time. */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "agent_tests.h"
#include "ccs/attest.h"

static ccs_agent *sim_agent(ccs_platform p, const char *kbs) {
    ccs_agent_config cfg = {.kbs_url = kbs, .tee = {.platform = p, .sim_dir = AGENT_SIM_DIR}};
    ccs_agent *a = NULL;
    if (ccs_agent_new(&cfg, &a) != CCS_OK) fail_msg("agent: %s", ccs_error_detail());
    return a;
}

/* The report data of the DCAP quote in {"quote": b64}. */
static void quote_report_data(const json_t *ev, ccs_buf *quote, uint8_t rd[64]) {
    const char *b64 = json_string_value(json_object_get(ev, "quote"));
    assert_non_null(b64);
    assert_int_equal(json_object_size(ev), 1);
    assert_status(ccs_base64_decode(b64, strlen(b64), quote), CCS_OK);
    ccs_dcap_quote q;
    assert_status(ccs_dcap_quote_parse(ccs_buf_view(quote), &q), CCS_OK);
    ccs_bytes r = q.tee == CCS_TEE_SGX ? q.sgx.report_data : q.tdx.report_data;
    assert_int_equal(r.len, 64);
    memcpy(rd, r.ptr, 64);
}

static void test_get_evidence(void **state) {
    (void)state;
    const ccs_platform ps[] = {CCS_PLATFORM_SIM_SGX, CCS_PLATFORM_SIM_TDX};
    for (size_t i = 0; i < 2; i++) {
        ccs_agent *a = sim_agent(ps[i], NULL);
        assert_string_equal(ccs_agent_tee(a), ccs_platform_name(ps[i]));
        ccs_buf out = {0}, quote = {0};
        assert_status(ccs_agent_get_evidence(a, ccs_bytes_str("hello"), &out), CCS_OK);
        json_t *ev = NULL;
        assert_status(ccs_kbs_json_object_parse(ccs_buf_view(&out), &ev), CCS_OK);
        uint8_t rd[64], want[64] = {'h', 'e', 'l', 'l', 'o'};
        quote_report_data(ev, &quote, rd);
        assert_memory_equal(rd, want, 64);
        uint8_t big[65] = {0};
        assert_status(ccs_agent_get_evidence(a, ccs_bytes_of(big, sizeof big), &out), CCS_ERR_INVALID_ARG);
        json_decref(ev);
        ccs_buf_free(&out);
        ccs_buf_free(&quote);
        ccs_agent_free(a);
    }
}

static void test_shapes(void **state) {
    (void)state;
    json_t *ev = NULL;
    const uint8_t raw[3] = {1, 2, 3};
    assert_status(agent_primary_evidence(CCS_PLATFORM_SNP, ccs_bytes_of(raw, 3), &ev), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(ev, "report")), "AQID");
    assert_int_equal(json_object_size(ev), 1);
    json_decref(ev);
    assert_status(agent_primary_evidence(CCS_PLATFORM_CSV, ccs_bytes_of(raw, 3), &ev), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(ev, "report")), "AQID");
    json_decref(ev);
    assert_status(agent_primary_evidence(CCS_PLATFORM_TDX, ccs_bytes_of(raw, 3), &ev), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(ev, "quote")), "AQID");
    json_decref(ev);
    /* TPM evidence is JSON text, sent as an object. */
    assert_status(agent_primary_evidence(CCS_PLATFORM_TPM, ccs_bytes_str("{\"quote\":\"x\",\"pcrs\":{}}"), &ev), CCS_OK);
    assert_true(json_is_object(json_object_get(ev, "pcrs")));
    json_decref(ev);
    ev = NULL;
    assert_status(agent_primary_evidence(CCS_PLATFORM_TPM, ccs_bytes_str("not json"), &ev), CCS_ERR_FORMAT);
    assert_status(agent_primary_evidence(CCS_PLATFORM_TPM, ccs_bytes_str("[1]"), &ev), CCS_ERR_FORMAT);
    assert_status(agent_primary_evidence(CCS_PLATFORM_NONE, ccs_bytes_of(raw, 3), &ev), CCS_ERR_UNSUPPORTED);
    assert_status(agent_primary_evidence(CCS_PLATFORM_SNP, ccs_bytes_of(raw, 0), &ev), CCS_ERR_INVALID_ARG);
    assert_null(ev);
}

static void test_attest_body(void **state) {
    (void)state;
    ccs_agent *a = sim_agent(CCS_PLATFORM_SIM_SGX, "http://127.0.0.1:9");
    agent_session s = {0};
    s.nonce = strdup("bm9uY2U=");
    s.alg = CCS_HASH_SHA384;
    ccs_buf body = {0}, quote = {0};
    assert_status(agent_rcar_attest_body(a, &s, &body), CCS_OK);
    json_t *b = NULL;
    assert_status(ccs_kbs_json_object_parse(ccs_buf_view(&body), &b), CCS_OK);
    const json_t *rt = json_object_get(b, "runtime-data");
    const json_t *pub = json_object_get(rt, "tee-pubkey");
    assert_string_equal(json_string_value(json_object_get(rt, "nonce")), "bm9uY2U=");
    assert_null(json_object_get(pub, "d")); /* never the private key */
    assert_null(strstr((const char *)body.ptr, json_string_value(json_object_get(s.key, "d"))));
    assert_status(ccs_kbs_jwk_check_public(pub), CCS_OK);
    assert_true(json_equal(pub, s.pubkey));
    const json_t *te = json_object_get(b, "tee-evidence");
    assert_string_equal(json_string_value(json_object_get(te, "additional_evidence")), "");
    uint8_t rd[64], want[64];
    quote_report_data(json_object_get(te, "primary_evidence"), &quote, rd);
    assert_status(agent_report_data("bm9uY2U=", pub, CCS_HASH_SHA384, want), CCS_OK);
    assert_memory_equal(rd, want, 64);
    /* A second body: a new key pair. */
    char *x1 = strdup(json_string_value(json_object_get(pub, "x")));
    ccs_buf body2 = {0};
    assert_status(agent_rcar_attest_body(a, &s, &body2), CCS_OK);
    assert_string_not_equal(x1, json_string_value(json_object_get(s.pubkey, "x")));
    free(x1);
    json_decref(b);
    ccs_buf_free(&body);
    ccs_buf_free(&body2);
    ccs_buf_free(&quote);
    agent_session_clear(&s);
    ccs_agent_free(a);
}

/* --init-data: the body carries it, and the sim launches with config id =
 * SHA-384(init-data) (MRCONFIGID of the sim-tdx quote). Bad configs refused. */
static void test_init_data(void **state) {
    (void)state;
    static const char doc[] = "{\"aa.toml\":\"x\"}";
    ccs_agent_config cfg = {.kbs_url = "http://127.0.0.1:9",
                            .tee = {.platform = CCS_PLATFORM_SIM_TDX, .sim_dir = AGENT_SIM_DIR},
                            .init_data = ccs_bytes_str(doc), .init_data_format = "json"};
    ccs_agent *a = NULL;
    assert_status(ccs_agent_new(&cfg, &a), CCS_OK);
    agent_session s = {0};
    s.nonce = strdup("bm9uY2U=");
    s.alg = CCS_HASH_SHA384;
    ccs_buf body = {0}, raw = {0};
    assert_status(agent_rcar_attest_body(a, &s, &body), CCS_OK);
    json_t *b = NULL;
    assert_status(ccs_kbs_json_object_parse(ccs_buf_view(&body), &b), CCS_OK);
    const json_t *init = json_object_get(b, "init-data");
    assert_string_equal(json_string_value(json_object_get(init, "format")), "json");
    assert_string_equal(json_string_value(json_object_get(init, "body")), doc);
    const char *q = json_string_value(json_object_get(json_object_get(json_object_get(b, "tee-evidence"),
                                                                      "primary_evidence"), "quote"));
    assert_non_null(q);
    assert_status(ccs_base64_decode(q, strlen(q), &raw), CCS_OK);
    ccs_dcap_quote parsed;
    uint8_t want[48];
    assert_status(ccs_dcap_quote_parse(ccs_buf_view(&raw), &parsed), CCS_OK);
    ccs_sha384(ccs_bytes_str(doc), want);
    assert_int_equal(parsed.tdx.mr_config_id.len, 48);
    assert_memory_equal(parsed.tdx.mr_config_id.ptr, want, 48);
    json_decref(b);
    ccs_buf_free(&body);
    ccs_buf_free(&raw);
    agent_session_clear(&s);
    ccs_agent_free(a);
    /* Without init-data: no member, a zero MRCONFIGID (the default toml format is unused). */
    a = sim_agent(CCS_PLATFORM_SIM_TDX, "http://127.0.0.1:9");
    agent_session s2 = {0};
    s2.nonce = strdup("bm9uY2U=");
    s2.alg = CCS_HASH_SHA384;
    assert_status(agent_rcar_attest_body(a, &s2, &body), CCS_OK);
    assert_null(strstr((const char *)body.ptr, "init-data"));
    ccs_buf_free(&body);
    agent_session_clear(&s2);
    ccs_agent_free(a);
    /* A bad format, too large, a NUL byte. */
    static char big[CCS_AGENT_INIT_DATA_MAX + 1];
    memset(big, 'a', sizeof big);
    ccs_agent_config bad[3] = {cfg, cfg, cfg};
    bad[0].init_data_format = "yaml";
    bad[1].init_data = ccs_bytes_of(big, sizeof big);
    bad[2].init_data = ccs_bytes_of("a\0b", 3);
    for (size_t i = 0; i < 3; i++) {
        a = NULL;
        assert_status(ccs_agent_new(&bad[i], &a), CCS_ERR_INVALID_ARG);
        assert_null(a);
    }
}

static void test_config(void **state) {
    (void)state;
    const char *bad[] = {"ftp://x", "http://x?y=1", "127.0.0.1:8080", "http://a b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ccs_agent_config cfg = {.kbs_url = bad[i], .tee = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = AGENT_SIM_DIR}};
        ccs_agent *a = NULL;
        assert_status(ccs_agent_new(&cfg, &a), CCS_ERR_INVALID_ARG);
        assert_null(a);
    }
    ccs_agent *a = sim_agent(CCS_PLATFORM_SIM_SGX, "http://127.0.0.1:1/kbs/v0/");
    assert_string_equal(a->kbs_url, "http://127.0.0.1:1");
    /* No KBS listening: a network error, no retries. */
    ccs_buf out = {0};
    assert_status(ccs_agent_get_resource(a, "kbs:///a/b/c", &out), CCS_ERR_NETWORK);
    assert_status(ccs_agent_get_resource(a, "kbs:///a/b", &out), CCS_ERR_FORMAT);
    assert_int_equal(out.len, 0);
    ccs_agent_free(a);
    /* No KBS configured. */
    a = sim_agent(CCS_PLATFORM_SIM_SGX, NULL);
    assert_status(ccs_agent_get_token(a, &out), CCS_ERR_INVALID_ARG);
    ccs_agent_free(a);
}

int ccs_test_agent_evidence(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_evidence),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_attest_body),
        cmocka_unit_test(test_init_data),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests_name("agent_evidence", tests, NULL, NULL);
}
