/* Helpers for the KBS server tests: see server_util.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ccs/tee.h"
#include "kbs_tests.h"
#include "self_signed.h"
#include "server_util.h"

/* A self-signed P-256 certificate for 127.0.0.1 and localhost. */
static void make_tls(const su_server *s, char *cert, char *key, size_t cap) {
    snprintf(cert, cap, "%s/tls.crt", s->dir);
    snprintf(key, cap, "%s/tls.key", s->dir);
    assert_int_equal(tu_self_signed_localhost(cert, key), CCS_OK);
}

static void *run_thread(void *arg) {
    su_server *s = arg;
    ccs_status st = ccs_kbs_server_run(s->srv);
    return (void *)(intptr_t)st;
}

char *su_admin_token(const su_server *s, const char *priv_path, int64_t lifetime_s) {
    ccs_buf b = {0};
    if (ccs_kbs_admin_token_mint(priv_path ? priv_path : s->admin_priv, ccs_time_now(), lifetime_s, &b) != CCS_OK)
        return NULL;
    return (char *)b.ptr;
}

static void mrenclave_hex(const char *measurement, char out[65]) {
    uint8_t d[32];
    ccs_sha256(ccs_bytes_str(measurement), d);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(d, 32), out, 65), CCS_OK);
}

static const char res_policy[] =
    "{\"version\":1,\"rules\":[{\"resources\":\"default/denied/*\",\"deny\":true},"
    "{\"resources\":\"*/*/*\",\"allow\":{\"tee\":[\"sim-sgx\"],\"status\":[\"affirming\",\"warning\"]}}]}";

static void admin_setup(su_server *s) {
    char *tok = su_admin_token(s, NULL, 600);
    char mr[65], body[512];
    su_resp r = {0};
    assert_non_null(tok);
    const char *att =
        "{\"version\":1,\"tees\":{\"sim-sgx\":{\"allow_debug\":true,\"accept_tcb\":[\"UpToDate\","
        "\"SWHardeningNeeded\",\"ConfigurationNeeded\",\"ConfigurationAndSWHardeningNeeded\"],"
        "\"measurements\":{\"mrenclave\":{\"ref\":\"sim-sgx.mrenclave\"}}}}}";
    assert_int_equal(su_http(s, "POST", CCS_KBS_PATH_ATTESTATION_POLICY, NULL, tok, att, strlen(att), &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    assert_int_equal(su_http(s, "POST", CCS_KBS_PATH_RESOURCE_POLICY, NULL, tok, res_policy, strlen(res_policy), &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    mrenclave_hex(SU_MEASUREMENT, mr);
    snprintf(body, sizeof body, "{\"tee\":\"sim-sgx\",\"name\":\"mrenclave\",\"values\":[\"%s\"]}", mr);
    assert_int_equal(su_http(s, "POST", CCS_KBS_PATH_REFERENCE_VALUE, NULL, tok, body, strlen(body), &r), 0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    assert_int_equal(su_http(s, "POST", CCS_KBS_PATH_RESOURCE "default/keys/k1", NULL, tok, SU_SECRET,
                             strlen(SU_SECRET), &r),
                     0);
    assert_int_equal(r.status, 200);
    su_resp_clear(&r);
    free(tok);
}

void su_start(su_server *s, const char *name, const su_opts *o) {
    static const su_opts none = {0};
    if (o == NULL) o = &none;
    signal(SIGPIPE, SIG_IGN); /* as ccs kbs serve does: a client may leave mid-reply */
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s/server-%d-%s", CCS_TEST_TMP, (int)getpid(), name);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(mkdir(s->dir, 0700), 0);
    snprintf(s->sim_dir, sizeof s->sim_dir, "%s/sim", s->dir);
    snprintf(s->store, sizeof s->store, "%s/kbs.db", s->dir);
    snprintf(s->token_key, sizeof s->token_key, "%s/token-key.jwk", s->dir);
    snprintf(s->admin_priv, sizeof s->admin_priv, "%s/admin.key", s->dir);
    snprintf(s->admin_pub, sizeof s->admin_pub, "%s/admin.pub", s->dir);
    assert_int_equal(ccs_sim_init(s->sim_dir, ccs_time_now(), true), CCS_OK);
    assert_int_equal(ccs_kbs_admin_keygen(s->admin_priv, s->admin_pub), CCS_OK);
    assert_int_equal(ccs_kbs_config_defaults(&s->cfg), CCS_OK);
    assert_int_equal(ccs_kbs_config_set(&s->cfg.listen, "127.0.0.1:0"), CCS_OK);
    assert_int_equal(ccs_kbs_config_set(&s->cfg.store, s->store), CCS_OK);
    assert_int_equal(ccs_kbs_config_set(&s->cfg.token_key, s->token_key), CCS_OK);
    assert_int_equal(ccs_kbs_config_set(&s->cfg.admin_key, s->admin_pub), CCS_OK);
    assert_int_equal(ccs_kbs_config_set(&s->cfg.insecure_trust_sim_dir, s->sim_dir), CCS_OK);
    s->cfg.log_level = getenv("CCS_TEST_KBS_LOG") ? CCS_KBS_LOG_DEBUG : CCS_KBS_LOG_ERROR;
    if (o->session_timeout_s) s->cfg.session_timeout_s = o->session_timeout_s;
    if (o->workers) s->cfg.workers = o->workers;
    if (o->max_connections) s->cfg.max_connections = o->max_connections;
    if (o->request_timeout_s) s->cfg.request_timeout_s = o->request_timeout_s;
    if (o->tls) {
        char cert[700], key[700];
        make_tls(s, cert, key, sizeof cert);
        assert_int_equal(ccs_kbs_config_set(&s->cfg.tls_cert, cert), CCS_OK);
        assert_int_equal(ccs_kbs_config_set(&s->cfg.tls_key, key), CCS_OK);
    }
    if (ccs_kbs_server_new(&s->cfg, &s->srv) != CCS_OK) fail_msg("server_new: %s", ccs_error_detail());
    snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%u", o->tls ? "https" : "http",
             (unsigned)ccs_kbs_server_port(s->srv));
    assert_int_equal(pthread_create(&s->thread, NULL, run_thread, s), 0);
    s->running = true;
    if (!o->no_policies) admin_setup(s);
}

void su_stop(su_server *s) {
    if (s->running) {
        void *rv = NULL;
        ccs_kbs_server_stop(s->srv);
        assert_int_equal(pthread_join(s->thread, &rv), 0);
        assert_int_equal((intptr_t)rv, CCS_OK);
        s->running = false;
    }
    ccs_kbs_server_free(s->srv);
    s->srv = NULL;
    ccs_kbs_config_clear(&s->cfg);
}

/* ---- HTTP ---- */

void su_resp_clear(su_resp *r) {
    ccs_buf_free(&r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    su_resp *r = arg;
    return ccs_buf_append(&r->body, p, size * n) == CCS_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
    su_resp *r = arg;
    char v[sizeof r->cookie];
    if (ccs_kbs_set_cookie_header(p, size * n, v, sizeof v) == CCS_OK) memcpy(r->cookie, v, sizeof v);
    return size * n;
}

int su_http(const su_server *s, const char *method, const char *path, const char *cookie, const char *bearer,
            const void *body, size_t len, su_resp *out) {
    char url[2048], ck[CCS_KBS_COOKIE_MAX + 32];
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "%s%s", s->url, path);
    CURL *c = curl_easy_init();
    if (c == NULL) return -1;
    struct curl_slist *h = NULL;
    char *auth = NULL;
    if (bearer != NULL) {
        size_t n = strlen(bearer) + 32;
        auth = malloc(n);
        snprintf(auth, n, "Authorization: Bearer %s", bearer);
        h = curl_slist_append(h, auth);
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (cookie != NULL) {
        snprintf(ck, sizeof ck, "%s=%s", CCS_KBS_COOKIE, cookie);
        curl_easy_setopt(c, CURLOPT_COOKIE, ck);
    }
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (strncmp(s->url, "https", 5) == 0) curl_easy_setopt(c, CURLOPT_CAINFO, s->cfg.tls_cert);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(auth);
    if (ccs_buf_append(&out->body, "", 1) == CCS_OK) out->body.len--;
    if (out->body.len > 0) out->json = json_loadb((const char *)out->body.ptr, out->body.len, 0, NULL);
    return (int)cc;
}

const char *su_kind(const su_resp *r) {
    const char *t = json_string_value(json_object_get(r->json, "type"));
    size_t n = strlen(CCS_KBS_ERROR_TYPE_PREFIX);
    return t != NULL && strncmp(t, CCS_KBS_ERROR_TYPE_PREFIX, n) == 0 ? t + n : "";
}

const char *su_detail(const su_resp *r) {
    const char *d = json_string_value(json_object_get(r->json, "detail"));
    return d ? d : "";
}

/* ---- the protocol ---- */

void su_client_clear(su_client *c) {
    if (c->priv) ccs_kbs_jwk_wipe(c->priv);
    json_decref(c->priv);
    json_decref(c->pub);
    free(c->token);
    memset(c, 0, sizeof *c);
}

int su_auth(const su_server *s, su_client *c, const char *tee) {
    char body[128];
    su_resp r;
    if (c->priv == NULL && (ccs_kbs_tee_key_generate(&c->priv) != CCS_OK ||
                            ccs_kbs_tee_key_public(c->priv, &c->pub) != CCS_OK))
        return -1;
    snprintf(body, sizeof body, "{\"version\":\"%s\",\"tee\":\"%s\",\"extra-params\":{}}", CCS_KBS_PROTOCOL_VERSION,
             tee);
    int rc = su_http(s, "POST", CCS_KBS_PATH_AUTH, NULL, NULL, body, strlen(body), &r);
    const char *nonce = json_string_value(json_object_get(r.json, "nonce"));
    if (rc == 0 && r.status == 200 && nonce != NULL && r.cookie[0]) {
        snprintf(c->nonce, sizeof c->nonce, "%s", nonce);
        memcpy(c->cookie, r.cookie, sizeof c->cookie);
        rc = 0;
    } else {
        rc = r.status ? (int)r.status : -1;
    }
    su_resp_clear(&r);
    return rc;
}

json_t *su_attest_body(const su_server *s, const char *measurement, const char *nonce, const json_t *pub,
                       ccs_hash_alg alg) {
    return su_attest_body_ex(s, CCS_PLATFORM_SIM_SGX, measurement, ccs_bytes_of(NULL, 0), nonce, pub, alg);
}

json_t *su_attest_body_ex(const su_server *s, ccs_platform platform, const char *measurement, ccs_bytes config_id,
                          const char *nonce, const json_t *pub, ccs_hash_alg alg) {
    uint8_t rd[64];
    size_t len = 0;
    ccs_buf ev = {0}, b64 = {0};
    ccs_backend *b = NULL;
    ccs_tee_config tc = {.platform = platform, .sim_dir = s->sim_dir,
                         .sim_measurement = ccs_bytes_str(measurement), .sim_config_id = config_id};
    json_t *body = NULL;
    if (ccs_kbs_runtime_data_hash(nonce, pub, alg, rd, &len) == CCS_OK && ccs_backend_open(&tc, &b) == CCS_OK &&
        ccs_backend_evidence(b, ccs_bytes_of(rd, len), &ev) == CCS_OK &&
        ccs_base64_encode(ccs_buf_view(&ev), &b64) == CCS_OK && ccs_buf_append(&b64, "", 1) == CCS_OK)
        body = json_pack("{s:{s:s,s:O},s:{s:{s:s},s:s}}", "runtime-data", "nonce", nonce, "tee-pubkey", pub,
                         "tee-evidence", "primary_evidence", "quote", (const char *)b64.ptr, "additional_evidence",
                         "{}");
    ccs_backend_free(b);
    ccs_buf_free(&ev);
    ccs_buf_free(&b64);
    return body;
}

static long post_json(const su_server *s, const char *path, const char *cookie, json_t *body, su_resp *r) {
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int rc = text ? su_http(s, "POST", path, cookie, NULL, text, strlen(text), r) : -1;
    free(text);
    return rc == 0 ? r->status : -1;
}

long su_flow(const su_server *s, const char *path, ccs_buf *out) {
    su_client c = {0};
    su_resp r = {0};
    char full[512];
    long status = su_auth(s, &c, "sim-sgx") == 0 ? 200 : 400;
    json_t *body = status == 200 ? su_attest_body(s, SU_MEASUREMENT, c.nonce, c.pub, CCS_HASH_SHA384) : NULL;
    if (status == 200) status = post_json(s, CCS_KBS_PATH_ATTEST, c.cookie, body, &r);
    su_resp_clear(&r);
    snprintf(full, sizeof full, "%s%s", CCS_KBS_PATH_RESOURCE, path);
    if (status == 200 && su_http(s, "GET", full, c.cookie, NULL, NULL, 0, &r) != 0) status = -1;
    else if (status == 200) status = r.status;
    if (status == 200 && ccs_kbs_jwe_decrypt(r.json, c.priv, out) != CCS_OK) status = -2;
    su_resp_clear(&r);
    json_decref(body);
    su_client_clear(&c);
    return status;
}
