/* The KBS admin API (docs/kbs.md "API reference"): resources, the two
 * policies and reference values, each call authorized by an ES256 bearer
 * token signed with the operator's admin key. Invalid input is refused with
 * the parser's message and nothing is stored; bodies are never logged. Also
 * the operator helpers behind `ccs kbs admin keygen|token`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

bool kbs_admin_authorized(kbs_req *r) {
    ccs_kbs_server *s = r->srv;
    size_t len = 0;
    const char *tok = kbs_bearer(r, &len);
    if (r->w->admin_jwk == NULL) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_ADMIN_AUTH, "the admin API is disabled (no admin_key is configured)");
        return false;
    }
    if (tok == NULL) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_ADMIN_AUTH, "an admin bearer token is required (Authorization: Bearer)");
        return false;
    }
    if (ccs_kbs_admin_token_verify(tok, len, r->w->admin_jwk, CCS_KBS_ADMIN_AUDIENCE, ccs_time_now()) != CCS_OK) {
        kbs_log(s, CCS_KBS_LOG_WARN, "admin: %s %s refused: %s", r->method, r->path, ccs_error_detail());
        kbs_reply_error(r, 401, CCS_KBS_ERR_ADMIN_AUTH, "the admin token is not valid: %s", ccs_error_detail());
        return false;
    }
    return true;
}

/* POST (create or replace, raw body) or DELETE a resource. */
void kbs_admin_resource(kbs_req *r, const char *rpath) {
    ccs_kbs_server *s = r->srv;
    char repo[CCS_KBS_COMPONENT_MAX + 1], type[CCS_KBS_COMPONENT_MAX + 1], tag[CCS_KBS_COMPONENT_MAX + 1];
    if (ccs_kbs_resource_path_split(rpath, repo, type, tag) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "resource path: %s", ccs_error_detail());
        return;
    }
    if (strcmp(r->method, "DELETE") == 0) {
        ccs_status st = ccs_kbs_resource_delete(s->store, repo, type, tag);
        if (st == CCS_OK) {
            kbs_log(s, CCS_KBS_LOG_INFO, "admin: deleted resource %s", rpath);
            kbs_reply_ok(r);
        } else if (st == CCS_ERR_NOT_FOUND) {
            kbs_reply_error(r, 404, CCS_KBS_ERR_NOT_FOUND, "resource %s does not exist", rpath);
        } else {
            kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot delete the resource");
        }
        return;
    }
    ccs_buf value = {0};
    if (kbs_body(r, CCS_KBS_MAX_RESOURCE, &value) != CCS_OK) {
        kbs_reply_error(r, 413, CCS_KBS_ERR_PAYLOAD_TOO_LARGE, "%s", ccs_error_detail());
    } else if (ccs_kbs_resource_put(s->store, repo, type, tag, ccs_buf_view(&value), ccs_time_now()) != CCS_OK) {
        kbs_log(s, CCS_KBS_LOG_ERROR, "admin: cannot store resource %s: %s", rpath, ccs_error_detail());
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot store the resource");
    } else {
        kbs_log(s, CCS_KBS_LOG_INFO, "admin: stored resource %s (%zu bytes)", rpath, value.len);
        kbs_reply_ok(r);
    }
    ccs_buf_free(&value);
}

/* GET returns the stored policy document; POST validates and stores one. */
void kbs_admin_policy(kbs_req *r, ccs_kbs_policy_kind kind) {
    ccs_kbs_server *s = r->srv;
    const char *name = ccs_kbs_policy_kind_name(kind);
    if (strcmp(r->method, "GET") == 0) {
        char *text = NULL;
        ccs_status st = ccs_kbs_policy_get(s->store, kind, &text);
        json_t *doc = st == CCS_OK ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
        if (st == CCS_ERR_NOT_FOUND) kbs_reply_error(r, 404, CCS_KBS_ERR_NOT_FOUND, "no %s policy is set", name);
        else if (doc == NULL) kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot read the %s policy", name);
        else kbs_reply_json(r, 200, doc);
        free(text);
        return;
    }
    ccs_buf body = {0};
    if (kbs_body(r, CCS_KBS_POLICY_MAX, &body) != CCS_OK) {
        kbs_reply_error(r, 413, CCS_KBS_ERR_PAYLOAD_TOO_LARGE, "%s", ccs_error_detail());
    } else if (body.len == 0 || memchr(body.ptr, 0, body.len) != NULL) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s policy: expected a JSON document", name);
    } else {
        ccs_status st = ccs_kbs_policy_set(s->store, kind, (const char *)body.ptr, ccs_time_now());
        if (st == CCS_OK) {
            kbs_log(s, CCS_KBS_LOG_INFO, "admin: %s policy set", name);
            kbs_reply_ok(r);
        } else if (st == CCS_ERR_FORMAT || st == CCS_ERR_UNSUPPORTED || st == CCS_ERR_INVALID_ARG) {
            kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", ccs_error_detail());
        } else {
            kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot store the %s policy", name);
        }
    }
    ccs_buf_free(&body);
}

static void refval_set(kbs_req *r) {
    ccs_kbs_server *s = r->srv;
    json_t *body = kbs_body_json(r);
    if (body == NULL) return;
    const char *tee = json_string_value(json_object_get(body, "tee"));
    const char *name = json_string_value(json_object_get(body, "name"));
    const json_t *values = json_object_get(body, "values");
    char *vtext = values != NULL ? json_dumps(values, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (tee == NULL || name == NULL || vtext == NULL || json_object_size(body) != 3) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST,
                        "expected {\"tee\": string, \"name\": string, \"values\": [strings]}");
    } else {
        ccs_status st = ccs_kbs_refval_set(s->store, tee, name, vtext, ccs_time_now());
        if (st == CCS_OK) {
            kbs_log(s, CCS_KBS_LOG_INFO, "admin: reference values %s.%s set", tee, name);
            kbs_reply_ok(r);
        } else if (st == CCS_ERR_FORMAT || st == CCS_ERR_INVALID_ARG || st == CCS_ERR_OVERFLOW) {
            kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", ccs_error_detail());
        } else {
            kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot store the reference values");
        }
    }
    free(vtext);
    json_decref(body);
}

/* POST /reference-value {"tee","name","values"}; GET or DELETE
 * /reference-value/<tee>/<name>. */
void kbs_admin_refval(kbs_req *r, const char *rest) {
    ccs_kbs_server *s = r->srv;
    if (strcmp(r->method, "POST") == 0) {
        refval_set(r);
        return;
    }
    char tee[CCS_KBS_TEE_NAME_MAX + 1];
    const char *slash = strchr(rest, '/');
    size_t tl = slash ? (size_t)(slash - rest) : 0;
    if (slash == NULL || tl == 0 || tl > CCS_KBS_TEE_NAME_MAX || strchr(slash + 1, '/') != NULL || !slash[1]) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "expected %s/<tee>/<name>", CCS_KBS_PATH_REFERENCE_VALUE);
        return;
    }
    memcpy(tee, rest, tl);
    tee[tl] = '\0';
    const char *name = slash + 1;
    ccs_status st;
    char *vals = NULL;
    if (strcmp(r->method, "GET") == 0) {
        st = ccs_kbs_refval_get(s->store, tee, name, &vals);
        json_t *arr = st == CCS_OK ? json_loads(vals, 0, NULL) : NULL;
        if (arr != NULL) kbs_reply_json(r, 200, json_pack("{s:s,s:s,s:o}", "tee", tee, "name", name, "values", arr));
        free(vals);
    } else {
        st = ccs_kbs_refval_delete(s->store, tee, name);
        if (st == CCS_OK) {
            kbs_log(s, CCS_KBS_LOG_INFO, "admin: reference values %s.%s deleted", tee, name);
            kbs_reply_ok(r);
        }
    }
    if (r->status != 0) return;
    if (st == CCS_ERR_NOT_FOUND)
        kbs_reply_error(r, 404, CCS_KBS_ERR_NOT_FOUND, "no reference values %s.%s", tee, name);
    else if (st == CCS_ERR_FORMAT || st == CCS_ERR_INVALID_ARG)
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", ccs_error_detail());
    else
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot read the reference values");
}

/* ---- operator helpers ---- */

ccs_status ccs_kbs_admin_keygen(const char *priv_path, const char *pub_path) {
    CCS_ENSURE(priv_path != NULL && pub_path != NULL, CCS_ERR_INVALID_ARG, "admin keygen: bad arguments");
    ccs_privkey *k = NULL;
    ccs_pubkey *pub = NULL;
    ccs_buf pem = {0};
    ccs_status st = ccs_privkey_generate(CCS_CURVE_P256, &k);
    if (st == CCS_OK) st = ccs_privkey_save(k, priv_path);
    if (st == CCS_OK) st = ccs_privkey_public(k, &pub);
    if (st == CCS_OK) st = ccs_pubkey_pem(pub, &pem);
    if (st == CCS_OK) st = ccs_file_write(pub_path, ccs_buf_view(&pem));
    ccs_buf_free(&pem);
    ccs_pubkey_free(pub);
    ccs_privkey_free(k);
    return st;
}

ccs_status ccs_kbs_admin_token_mint(const char *key_path, ccs_time now, int64_t lifetime_s, ccs_buf *out) {
    CCS_ENSURE(key_path != NULL && out != NULL && lifetime_s > 0, CCS_ERR_INVALID_ARG, "admin token: bad arguments");
    ccs_kbs_token_key *k = NULL;
    CCS_TRY(ccs_kbs_token_key_load(key_path, &k));
    json_t *claims = json_pack("{s:s,s:I,s:I}", "aud", CCS_KBS_ADMIN_AUDIENCE, "iat", (json_int_t)now, "exp",
                               (json_int_t)(now + lifetime_s));
    ccs_status st = claims != NULL ? ccs_kbs_jwt_sign(k, claims, false, out)
                                   : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    json_decref(claims);
    ccs_kbs_token_key_free(k);
    return st;
}
