/* The RCAR flow against a KBS (specs/kbs-image-ratls.md 1.1, protocol
 * 0.4.0): Request (POST /auth), Challenge (nonce + cookie), Attestation
 * (POST /attest with evidence over H(JCS(runtime data))), Response (GET
 * /resource, a JWE wrapped to the fresh tee-pubkey). */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

void agent_session_clear(agent_session *s) {
    if (s == NULL) return;
    agent_http_free(s->http);
    free(s->nonce);
    ccs_kbs_jwk_wipe(s->key);
    json_decref(s->key);
    json_decref(s->pubkey);
    ccs_buf_free(&s->token);
    memset(s, 0, sizeof *s);
}

static ccs_status dump(const json_t *v, ccs_buf *out) {
    char *text = json_dumps(v, JSON_COMPACT);
    CCS_ENSURE(text != NULL, CCS_ERR_NOMEM, "kbs client: no memory");
    ccs_status st = ccs_buf_append_str(out, text);
    ccs_wipe(text, strlen(text));
    free(text);
    return st;
}

/* The challenge: {"nonce":"..","extra-params":{"selected-hash-algorithm"?}}. */
ccs_status agent_parse_challenge(agent_session *s, ccs_bytes reply) {
    json_t *c = NULL;
    ccs_status st = ccs_kbs_json_object_parse(reply, &c);
    if (st != CCS_OK) return ccs_error_set(st, CCS_HERE, "kbs: challenge: %s", ccs_error_detail());
    const json_t *nonce = json_object_get(c, "nonce");
    const json_t *extra = json_object_get(c, "extra-params");
    const json_t *sel = json_object_get(extra, "selected-hash-algorithm");
    size_t n = json_string_length(nonce);
    if (!json_is_string(nonce) || n == 0 || n > AGENT_MAX_NONCE || strlen(json_string_value(nonce)) != n)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "kbs: challenge: \"nonce\" missing, empty or over %d bytes",
                           AGENT_MAX_NONCE);
    else if (extra != NULL && !json_is_object(extra) && !json_is_null(extra))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "kbs: challenge: \"extra-params\" is not an object");
    else if (sel != NULL && !json_is_string(sel))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "kbs: challenge: \"selected-hash-algorithm\" is not a string");
    s->alg = CCS_HASH_SHA384; /* the default when the KBS selects nothing */
    if (st == CCS_OK && sel != NULL) {
        const char *name = json_string_value(sel);
        /* Only what we offered: a KBS may not pick something else. */
        if (strcmp(name, "sha384") == 0) s->alg = CCS_HASH_SHA384;
        else if (strcmp(name, "sha256") == 0) s->alg = CCS_HASH_SHA256;
        else {
            char clean[40];
            agent_sanitize(name, strlen(name), clean, sizeof clean);
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                               "kbs: challenge selects hash \"%s\" (we offered sha384, sha256)", clean);
        }
    }
    if (st == CCS_OK && (s->nonce = strdup(json_string_value(nonce))) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "kbs client: no memory");
    json_decref(c);
    return st;
}

ccs_status agent_rcar_auth(ccs_agent *a, agent_session *s) {
    CCS_ENSURE(a != NULL && s != NULL && s->http == NULL, CCS_ERR_INVALID_ARG, "kbs client: bad arguments");
    CCS_ENSURE(a->kbs_url != NULL, CCS_ERR_INVALID_ARG, "kbs client: no KBS URL configured");
    CCS_TRY(agent_http_open(a, &s->http));
    json_t *req = json_pack("{s:s,s:s,s:{s:[s,s]}}", "version", CCS_KBS_PROTOCOL_VERSION, "tee", ccs_agent_tee(a),
                            "extra-params", "supported-hash-algorithms", "sha384", "sha256");
    CCS_ENSURE(req != NULL, CCS_ERR_NOMEM, "kbs client: no memory");
    ccs_buf body = {0}, reply = {0};
    ccs_status st = dump(req, &body);
    json_decref(req);
    if (st == CCS_OK) st = agent_http_call(s->http, CCS_KBS_PATH_AUTH, &body, AGENT_MAX_REPLY, &reply);
    if (st == CCS_OK) st = agent_parse_challenge(s, ccs_buf_view(&reply));
    if (st == CCS_OK && agent_http_cookie(s->http)[0] == 0)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "kbs: /auth set no " CCS_KBS_COOKIE " cookie");
    ccs_buf_free(&body);
    ccs_buf_free(&reply);
    return st;
}

ccs_status agent_rcar_attest_body(ccs_agent *a, agent_session *s, ccs_buf *body) {
    CCS_ENSURE(a != NULL && s != NULL && s->nonce != NULL && body != NULL, CCS_ERR_INVALID_ARG,
               "kbs client: attest before auth");
    /* A fresh key for each challenge; the private part stays here. */
    ccs_kbs_jwk_wipe(s->key);
    json_decref(s->key);
    json_decref(s->pubkey);
    s->key = s->pubkey = NULL;
    CCS_TRY(ccs_kbs_tee_key_generate(&s->key));
    CCS_TRY(ccs_kbs_tee_key_public(s->key, &s->pubkey));
    uint8_t rd[64];
    json_t *ev = NULL;
    CCS_TRY(agent_report_data(s->nonce, s->pubkey, s->alg, rd));
    CCS_TRY(agent_evidence_json(a, ccs_bytes_of(rd, sizeof rd), &ev));
    /* additional_evidence: JSON text of a map tee -> evidence; none here. */
    json_t *req = json_pack("{s:{s:s,s:O},s:{s:o,s:s}}", "runtime-data", "nonce", s->nonce, "tee-pubkey", s->pubkey,
                            "tee-evidence", "primary_evidence", ev, "additional_evidence", "");
    CCS_ENSURE(req != NULL, CCS_ERR_NOMEM, "kbs client: no memory");
    ccs_status st = CCS_OK;
    if (a->init_data.len > 0) {
        /* init-data: {"format","body"} in plaintext; the KBS hashes it. */
        json_t *init = json_pack("{s:s,s:s%}", "format", a->init_format, "body", (const char *)a->init_data.ptr,
                                 a->init_data.len);
        if (init == NULL || json_object_set_new(req, "init-data", init) != 0)
            st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "kbs client: the init-data is not UTF-8 text");
    }
    if (st == CCS_OK) st = dump(req, body);
    json_decref(req);
    return st;
}

ccs_status agent_rcar_attest_send(agent_session *s, const ccs_buf *body) {
    CCS_ENSURE(s != NULL && s->http != NULL && body != NULL, CCS_ERR_INVALID_ARG, "kbs client: attest before auth");
    ccs_buf reply = {0};
    json_t *r = NULL;
    ccs_status st = agent_http_call(s->http, CCS_KBS_PATH_ATTEST, body, AGENT_MAX_REPLY, &reply);
    if (st == CCS_OK && (st = ccs_kbs_json_object_parse(ccs_buf_view(&reply), &r)) != CCS_OK)
        st = ccs_error_set(st, CCS_HERE, "kbs: attestation reply: %s", ccs_error_detail());
    const json_t *tok = json_object_get(r, "token");
    size_t n = json_string_length(tok);
    if (st == CCS_OK && (!json_is_string(tok) || n == 0 || n > CCS_KBS_JWT_MAX))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "kbs: attestation reply has no usable \"token\"");
    if (st == CCS_OK) {
        ccs_buf_free(&s->token);
        st = ccs_buf_append(&s->token, json_string_value(tok), n);
    }
    if (st == CCS_OK) s->token.ptr[s->token.len] = 0;
    if (tok != NULL) ccs_wipe((void *)json_string_value(tok), n);
    json_decref(r);
    ccs_buf_free(&reply);
    return st;
}

ccs_status agent_rcar_attest(ccs_agent *a, agent_session *s) {
    ccs_buf body = {0};
    ccs_status st = agent_rcar_auth(a, s);
    if (st == CCS_OK) st = agent_rcar_attest_body(a, s, &body);
    if (st == CCS_OK) st = agent_rcar_attest_send(s, &body);
    ccs_buf_free(&body);
    return st;
}

ccs_status agent_rcar_resource(agent_session *s, const char *path, ccs_buf *out) {
    CCS_ENSURE(s != NULL && s->http != NULL && s->key != NULL && path != NULL && out != NULL, CCS_ERR_INVALID_ARG,
               "kbs client: resource before attestation");
    ccs_buf url = {0}, reply = {0};
    json_t *jwe = NULL;
    ccs_status st = ccs_buf_append_str(&url, CCS_KBS_PATH_RESOURCE);
    if (st == CCS_OK) st = ccs_buf_append_str(&url, path);
    if (st == CCS_OK) st = agent_http_call(s->http, (const char *)url.ptr, NULL, AGENT_MAX_JWE, &reply);
    if (st == CCS_OK && (st = ccs_kbs_json_object_parse(ccs_buf_view(&reply), &jwe)) != CCS_OK)
        st = ccs_error_set(st, CCS_HERE, "kbs: resource reply is not a JWE: %s", ccs_error_detail());
    size_t start = out->len;
    if (st == CCS_OK && (st = ccs_kbs_jwe_decrypt(jwe, s->key, out)) != CCS_OK) {
        st = ccs_error_set(st, CCS_HERE, "kbs: resource %s: %s", path, ccs_error_detail());
        if (out->len > start) ccs_wipe(out->ptr + start, out->len - start);
        out->len = start;
    }
    json_decref(jwe);
    ccs_buf_free(&reply);
    ccs_buf_free(&url);
    return st;
}
