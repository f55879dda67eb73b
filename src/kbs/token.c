/* ES256 JWTs (RFC 7519 over RFC 7515 compact JWS): the EAR attestation
 * token (specs/kbs-image-ratls.md 1.2) and the admin bearer token. The
 * compact form is simple enough to write and read here, over src/crypto's
 * ECDSA with a key object built once (token_key.c): through libjose, each
 * call imported the JWK again and that import cost more than the signature.
 * Tokens are checked against npm jose in the tests. Parsing is strict and
 * bounded; the key is always the caller's trusted key, never one the token
 * names. */
#include <stdio.h>
#include <string.h>

#include "jose_internal.h"

#ifndef CCS_VERSION_STRING
#define CCS_VERSION_STRING "0.1.0"
#endif

ccs_status ccs_kbs_jwt_sign(const ccs_kbs_token_key *k, const json_t *claims, bool with_jwk, ccs_buf *out) {
    CCS_ENSURE(k != NULL && json_is_object(claims) && out != NULL, CCS_ERR_INVALID_ARG, "jwt: bad arguments");
    char *payload = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    CCS_ENSURE(payload != NULL, CCS_ERR_NOMEM, "jwt: cannot serialise the claims");
    /* RFC 7515 5.1: the signing input is header "." payload, both encoded. */
    ccs_buf input = {0}, sig = {0};
    ccs_status st = ccs_buf_append(&input, ccs__kbs_token_key_header(k, with_jwk).ptr,
                                   ccs__kbs_token_key_header(k, with_jwk).len);
    if (st == CCS_OK) st = ccs_buf_append_str(&input, ".");
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_str(payload), &input);
    if (st == CCS_OK) st = ccs_ecdsa_sign_raw(ccs__kbs_token_key_signer(k), ccs_buf_view(&input), &sig);
    if (st == CCS_OK) st = ccs_buf_append(out, input.ptr, input.len);
    if (st == CCS_OK) st = ccs_buf_append_str(out, ".");
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_buf_view(&sig), out); /* ES256: r||s (RFC 7518 3.4) */
    free(payload);
    ccs_buf_free(&input);
    ccs_buf_free(&sig);
    return st;
}

/* The three parts of a compact JWS: non-empty, no more or fewer dots. */
static ccs_status split_compact(const char *t, size_t len, ccs_bytes part[3]) {
    CCS_ENSURE(t != NULL && len > 0, CCS_ERR_FORMAT, "jwt: empty token");
    CCS_ENSURE(len <= CCS_KBS_JWT_MAX, CCS_ERR_FORMAT, "jwt: %zu bytes (at most %u)", len, CCS_KBS_JWT_MAX);
    size_t start = 0, n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && t[i] != '.') continue;
        CCS_ENSURE(n < 3, CCS_ERR_FORMAT, "jwt: more than three parts (JWE or not compact JWS)");
        CCS_ENSURE(i > start, CCS_ERR_FORMAT, "jwt: part %zu is empty", n + 1);
        part[n++] = ccs_bytes_of(t + start, i - start);
        start = i + 1;
    }
    CCS_ENSURE(n == 3, CCS_ERR_FORMAT, "jwt: %zu parts (header.payload.signature expected)", n);
    return CCS_OK;
}

static ccs_status decode_object(ccs_bytes b64, const char *what, json_t **out) {
    ccs_buf raw = {0};
    ccs_status st = ccs_kbs_b64url_decode((const char *)b64.ptr, b64.len, &raw);
    if (st == CCS_OK) st = ccs_kbs_json_object_parse(ccs_buf_view(&raw), out);
    ccs_buf_free(&raw);
    return st == CCS_OK ? CCS_OK : ccs__kbs_rethrow(st, what);
}

/* RFC 7515 4.1: only ES256; "none" and every other alg, "crit" and the
 * unencoded-payload option are refused; a "jwk" must be the trusted key. */
static ccs_status check_header(const json_t *hdr, const json_t *trusted) {
    const json_t *alg = json_object_get(hdr, "alg");
    CCS_ENSURE(json_is_string(alg), CCS_ERR_FORMAT, "jwt: header has no \"alg\"");
    CCS_ENSURE(strcmp(json_string_value(alg), "ES256") == 0, CCS_ERR_UNSUPPORTED,
               "jwt: alg \"%s\" refused (ES256 only)", json_string_value(alg));
    CCS_ENSURE(json_object_get(hdr, "crit") == NULL, CCS_ERR_UNSUPPORTED, "jwt: \"crit\" header refused");
    CCS_ENSURE(json_object_get(hdr, "b64") == NULL, CCS_ERR_UNSUPPORTED, "jwt: \"b64\" header refused");
    const json_t *typ = json_object_get(hdr, "typ");
    CCS_ENSURE(typ == NULL || json_is_string(typ), CCS_ERR_FORMAT, "jwt: \"typ\" is not a string");
    const json_t *jwk = json_object_get(hdr, "jwk");
    if (jwk == NULL) return CCS_OK;
    CCS_ENSURE(json_is_object(jwk) && !ccs__kbs_jwk_has_private(jwk), CCS_ERR_FORMAT, "jwt: bad \"jwk\" header");
    static const char *const m[] = {"kty", "crv", "x", "y"};
    for (size_t i = 0; i < 4; i++) {
        const char *a = json_string_value(json_object_get(jwk, m[i]));
        const char *b = json_string_value(json_object_get(trusted, m[i]));
        CCS_ENSURE(a != NULL && b != NULL && strcmp(a, b) == 0, CCS_ERR_UNTRUSTED,
                   "jwt: the \"jwk\" in the header is not the trusted token key");
    }
    return CCS_OK;
}

/* The caller's trusted P-256 JWK as a key (its point checked on the curve). */
static ccs_status trusted_key(const json_t *jwk, ccs_pubkey **out) {
    ccs_buf xy = {0};
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    ccs_status st = crv != NULL && strcmp(crv, "P-256") == 0 ? CCS_OK : CCS_ERR_KEY;
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "x", 32, 32, &xy);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "y", 32, 32, &xy);
    if (st == CCS_OK) st = ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_buf_view(&xy), out);
    ccs_buf_free(&xy);
    if (st != CCS_OK) return ccs_error_set(CCS_ERR_KEY, CCS_HERE, "jwt: trusted key is not a P-256 JWK");
    return CCS_OK;
}

static ccs_status numeric_date(const json_t *claims, const char *name, bool required, json_int_t *out) {
    const json_t *v = json_object_get(claims, name);
    if (v == NULL) {
        CCS_ENSURE(!required, CCS_ERR_FORMAT, "jwt: claim \"%s\" missing", name);
        return CCS_ERR_NOT_FOUND; /* not recorded: absent optional claim */
    }
    CCS_ENSURE(json_is_integer(v), CCS_ERR_FORMAT, "jwt: claim \"%s\" is not an integer NumericDate", name);
    *out = json_integer_value(v);
    return CCS_OK;
}

/* RFC 7519 4.1.4, 4.1.5, 4.1.6 at `now`, with skew seconds of tolerance. */
static ccs_status check_times(const json_t *claims, ccs_time now, int64_t skew) {
    json_int_t exp = 0, nbf = 0, iat = 0;
    CCS_TRY(numeric_date(claims, "exp", true, &exp));
    CCS_ENSURE(now - skew <= exp, CCS_ERR_EXPIRED, "jwt: expired at %lld (now %lld)", (long long)exp, (long long)now);
    ccs_status st = numeric_date(claims, "nbf", false, &nbf);
    if (st != CCS_ERR_NOT_FOUND) {
        CCS_TRY(st);
        CCS_ENSURE(now + skew >= nbf, CCS_ERR_EXPIRED, "jwt: not valid before %lld (now %lld)", (long long)nbf,
                   (long long)now);
    }
    st = numeric_date(claims, "iat", false, &iat);
    if (st != CCS_ERR_NOT_FOUND) {
        CCS_TRY(st);
        CCS_ENSURE(iat <= now + skew, CCS_ERR_EXPIRED, "jwt: issued in the future (%lld, now %lld)", (long long)iat,
                   (long long)now);
    }
    return CCS_OK;
}

ccs_status ccs_kbs_jwt_verify(const char *token, size_t len, const json_t *trusted_jwk, ccs_time now, int64_t skew,
                              json_t **claims) {
    CCS_ENSURE(json_is_object(trusted_jwk) && claims != NULL && skew >= 0, CCS_ERR_INVALID_ARG, "jwt: bad arguments");
    *claims = NULL;
    ccs_bytes part[3];
    CCS_TRY(split_compact(token, len, part));
    json_t *hdr = NULL, *payload = NULL;
    ccs_pubkey *key = NULL;
    ccs_buf sig = {0};
    ccs_status st = decode_object(part[0], "jwt header", &hdr);
    if (st == CCS_OK) st = check_header(hdr, trusted_jwk);
    if (st == CCS_OK) st = ccs_kbs_b64url_decode((const char *)part[2].ptr, part[2].len, &sig);
    if (st == CCS_OK && sig.len != 64)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwt: ES256 signature of %zu bytes (64 expected)", sig.len);
    if (st == CCS_OK) st = decode_object(part[1], "jwt payload", &payload);
    if (st == CCS_OK) st = trusted_key(trusted_jwk, &key);
    /* The signing input is the token as received up to the second dot. */
    if (st == CCS_OK &&
        ccs_ecdsa_verify_raw(key, ccs_bytes_of(token, part[1].len + (size_t)(part[1].ptr - (const uint8_t *)token)),
                             ccs_buf_view(&sig)) != CCS_OK)
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "jwt: signature does not verify with the trusted key");
    if (st == CCS_OK) st = check_times(payload, now, skew);
    json_decref(hdr);
    ccs_pubkey_free(key);
    ccs_buf_free(&sig);
    if (st != CCS_OK) {
        json_decref(payload);
        return st;
    }
    *claims = payload;
    return CCS_OK;
}

/* ---- EAR (draft-ietf-rats-ear, Trustee profile) ---- */

const char *ccs_kbs_ear_status_name(ccs_kbs_ear_status s) {
    switch (s) {
    case CCS_KBS_EAR_AFFIRMING: return "affirming";
    case CCS_KBS_EAR_WARNING: return "warning";
    case CCS_KBS_EAR_CONTRAINDICATED: return "contraindicated";
    }
    return NULL;
}

static ccs_status check_trust_vector(const json_t *tv) {
    CCS_ENSURE(json_is_object(tv), CCS_ERR_INVALID_ARG, "ear: trust vector is not an object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)tv, k, v) {
        CCS_ENSURE(json_is_integer(v) && json_integer_value(v) >= -127 && json_integer_value(v) <= 127,
                   CCS_ERR_INVALID_ARG, "ear: trust vector claim \"%s\" is not an integer in -127..127", k);
    }
    return CCS_OK;
}

ccs_status ccs_kbs_ear_issue(const ccs_kbs_token_key *k, const ccs_kbs_ear *ear, ccs_buf *out) {
    return ccs_kbs_ear_issue_claims(k, ear, out, NULL);
}

ccs_status ccs_kbs_ear_issue_claims(const ccs_kbs_token_key *k, const ccs_kbs_ear *ear, ccs_buf *out,
                                    json_t **claims_out) {
    if (claims_out != NULL) *claims_out = NULL;
    CCS_ENSURE(k != NULL && ear != NULL && out != NULL, CCS_ERR_INVALID_ARG, "ear: bad arguments");
    const char *status = ccs_kbs_ear_status_name(ear->status);
    CCS_ENSURE(status != NULL, CCS_ERR_INVALID_ARG, "ear: unknown status %d", (int)ear->status);
    CCS_ENSURE(ear->lifetime_s > 0 && ear->tee != NULL && ear->tee[0] && ear->nonce != NULL &&
                   ear->policy_id != NULL && json_is_object(ear->tee_claims),
               CCS_ERR_INVALID_ARG, "ear: lifetime, tee, nonce, policy id and claims are required");
    CCS_ENSURE(strcmp(ear->tee, "runtime_data_claims") != 0 && strcmp(ear->tee, "init_data_claims") != 0,
               CCS_ERR_INVALID_ARG, "ear: reserved tee name");
    CCS_TRY(check_trust_vector(ear->trust_vector));
    CCS_TRY(ccs_kbs_jwk_check_public(ear->tee_pubkey));
    json_t *evidence = json_pack("{s:O,s:{s:O,s:s}}", ear->tee, ear->tee_claims, "runtime_data_claims", "tee-pubkey",
                                 ear->tee_pubkey, "nonce", ear->nonce);
    /* init_data_claims (specs/kbs-image-ratls.md 1.2): only when the KBS bound init-data. */
    if (evidence != NULL && ear->init_data_claims != NULL &&
        json_object_set(evidence, "init_data_claims", (json_t *)ear->init_data_claims) != 0) {
        json_decref(evidence);
        evidence = NULL;
    }
    json_t *claims = evidence == NULL ? NULL
                                      : json_pack("{s:s,s:I,s:I,s:{s:s,s:s},s:{s:{s:s,s:O,s:s,s:o}}}", "eat_profile",
                                                  CCS_KBS_EAR_PROFILE, "iat", (json_int_t)ear->iat, "exp",
                                                  (json_int_t)(ear->iat + ear->lifetime_s), "ear.verifier-id",
                                                  "developer", "ccs", "build", "ccs-" CCS_VERSION_STRING, "submods",
                                                  "cpu0", "ear.status", status, "ear.trustworthiness-vector",
                                                  ear->trust_vector, "ear.appraisal-policy-id", ear->policy_id,
                                                  "ear.veraison.annotated-evidence", evidence);
    CCS_ENSURE(claims != NULL, CCS_ERR_INVALID_ARG, "ear: cannot build the claims (strings must be UTF-8)");
    ccs_status st = ccs_kbs_jwt_sign(k, claims, true, out);
    if (st == CCS_OK && claims_out != NULL) *claims_out = json_incref(claims);
    json_decref(claims);
    return st;
}

ccs_status ccs_kbs_ear_cpu_status(const json_t *claims, ccs_kbs_ear_status *status) {
    const char *s = json_string_value(json_object_get(
        json_object_get(json_object_get(claims, "submods"), "cpu0"), "ear.status"));
    CCS_ENSURE(s != NULL, CCS_ERR_FORMAT, "ear: submods.cpu0 has no \"ear.status\"");
    static const ccs_kbs_ear_status all[] = {CCS_KBS_EAR_AFFIRMING, CCS_KBS_EAR_WARNING,
                                             CCS_KBS_EAR_CONTRAINDICATED};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(s, ccs_kbs_ear_status_name(all[i])) == 0) {
            *status = all[i];
            return CCS_OK;
        }
    CCS_BAIL(CCS_ERR_FORMAT, "ear: unknown status \"%s\"", s);
}

ccs_status ccs_kbs_ear_tee_pubkey(const json_t *claims, const json_t **jwk) {
    const json_t *cpu = json_object_get(json_object_get(claims, "submods"), "cpu0");
    const json_t *k = json_object_get(
        json_object_get(json_object_get(cpu, "ear.veraison.annotated-evidence"), "runtime_data_claims"),
        "tee-pubkey");
    CCS_ENSURE(json_is_object(k), CCS_ERR_NOT_FOUND,
               "ear: no /submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey");
    *jwk = k;
    return CCS_OK;
}

/* The EAR shape of verified (or self-issued) claims; consumes c on failure. */
static ccs_status ear_shape(json_t *c, json_t **claims) {
    const char *profile = json_string_value(json_object_get(c, "eat_profile"));
    ccs_kbs_ear_status s;
    const json_t *jwk = NULL;
    ccs_status st = CCS_OK;
    if (profile == NULL || strcmp(profile, CCS_KBS_EAR_PROFILE) != 0)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ear: eat_profile is not %s", CCS_KBS_EAR_PROFILE);
    else if (!json_is_object(json_object_get(c, "ear.verifier-id")))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ear: no \"ear.verifier-id\"");
    if (st == CCS_OK) st = ccs_kbs_ear_cpu_status(c, &s);
    if (st == CCS_OK) st = ccs_kbs_ear_tee_pubkey(c, &jwk);
    if (st != CCS_OK) {
        json_decref(c);
        return st;
    }
    *claims = c;
    return CCS_OK;
}

ccs_status ccs_kbs_ear_verify(const char *token, size_t len, const json_t *trusted_jwk, ccs_time now,
                              json_t **claims) {
    json_t *c = NULL;
    CCS_ENSURE(claims != NULL, CCS_ERR_INVALID_ARG, "ear: NULL output");
    *claims = NULL;
    CCS_TRY(ccs_kbs_jwt_verify(token, len, trusted_jwk, now, CCS_KBS_TOKEN_SKEW, &c));
    return ear_shape(c, claims);
}

ccs_status ccs_kbs_ear_claims_stored(const char *token, ccs_time now, json_t **claims) {
    CCS_ENSURE(token != NULL && claims != NULL, CCS_ERR_INVALID_ARG, "ear: bad arguments");
    *claims = NULL;
    ccs_bytes part[3];
    CCS_TRY(split_compact(token, strlen(token), part));
    json_t *c = NULL;
    CCS_TRY(decode_object(part[1], "ear payload", &c));
    ccs_status st = check_times(c, now, CCS_KBS_TOKEN_SKEW);
    if (st != CCS_OK) {
        json_decref(c);
        return st;
    }
    return ear_shape(c, claims);
}

/* ---- admin bearer token ---- */

ccs_status ccs_kbs_admin_token_verify(const char *token, size_t len, const json_t *admin_jwk, const char *audience,
                                      ccs_time now) {
    const char *want = audience ? audience : CCS_KBS_ADMIN_AUDIENCE;
    json_t *c = NULL;
    CCS_TRY(ccs_kbs_jwt_verify(token, len, admin_jwk, now, CCS_KBS_TOKEN_SKEW, &c));
    const json_t *aud = json_object_get(c, "aud");
    bool ok = json_is_string(aud) && strcmp(json_string_value(aud), want) == 0;
    for (size_t i = 0; !ok && json_is_array(aud) && i < json_array_size(aud); i++) {
        const char *a = json_string_value(json_array_get(aud, i));
        ok = a != NULL && strcmp(a, want) == 0;
    }
    json_decref(c);
    CCS_ENSURE(ok, CCS_ERR_MISMATCH, "admin token: audience is not \"%s\"", want);
    return CCS_OK;
}
