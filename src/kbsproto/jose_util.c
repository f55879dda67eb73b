/* JOSE plumbing shared by token.c and jose_jwe.c: strict base64url (RFC 7515
 * section 2) through libjose, untrusted JSON parsing, and the public-key
 * checks for tee-pubkey JWKs (RFC 7518 section 6). */
#include <stdio.h>
#include <string.h>

#include <jose/jose.h>

#include "kbsproto_internal.h"

ccs_status ccs_kbs_b64url_decode(const char *in, size_t len, ccs_buf *out) {
    return ccs_base64url_decode(in, len, out); /* strict and canonical (core/encode.c) */
}

ccs_status ccs_kbs_b64url_encode(ccs_bytes in, ccs_buf *out) { return ccs_base64url_encode(in, out); }

ccs_status ccs_kbs_json_object_parse(ccs_bytes text, json_t **out) {
    json_error_t err;
    *out = NULL;
    json_t *v = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, &err);
    CCS_ENSURE(v != NULL, CCS_ERR_FORMAT, "JSON: %s (at %d)", err.text, err.position);
    if (!json_is_object(v)) {
        json_decref(v);
        CCS_BAIL(CCS_ERR_FORMAT, "JSON: not an object");
    }
    *out = v;
    return CCS_OK;
}

ccs_status ccs__kbs_b64_member(const json_t *obj, const char *name, size_t min, size_t max, ccs_buf *out) {
    const json_t *v = json_object_get(obj, name);
    CCS_ENSURE(v != NULL, CCS_ERR_FORMAT, "member \"%s\" missing", name);
    CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "member \"%s\" is not a string", name);
    size_t before = out->len;
    ccs_status st = ccs_kbs_b64url_decode(json_string_value(v), json_string_length(v), out);
    if (st != CCS_OK) return ccs__kbs_rethrow(st, name);
    size_t n = out->len - before;
    if (n < min || n > max) {
        out->len = before;
        CCS_BAIL(CCS_ERR_FORMAT, "member \"%s\": %zu bytes (%zu..%zu expected)", name, n, min, max);
    }
    return CCS_OK;
}

size_t ccs__kbs_ec_field_len(const char *crv) {
    if (crv == NULL) return 0;
    if (strcmp(crv, "P-256") == 0) return 32;
    if (strcmp(crv, "P-384") == 0) return 48;
    if (strcmp(crv, "P-521") == 0) return 66;
    return 0;
}

static const char *const PRIVATE_MEMBERS[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

bool ccs__kbs_jwk_has_private(const json_t *jwk) {
    for (size_t i = 0; i < sizeof PRIVATE_MEMBERS / sizeof *PRIVATE_MEMBERS; i++)
        if (json_object_get(jwk, PRIVATE_MEMBERS[i]) != NULL) return true;
    return false;
}

/* The last EC point this thread found on its curve. A KBS checks a
 * tee-pubkey when it reads the attestation request and again when it signs
 * the EAR: the second check of the same point needs no new EC key. */
static _Thread_local struct {
    size_t field_len;
    uint8_t xy[2 * 48];
} last_on_curve;

static bool known_on_curve(size_t fl, ccs_bytes xy) {
    return last_on_curve.field_len == fl && xy.len == 2 * fl && memcmp(last_on_curve.xy, xy.ptr, xy.len) == 0;
}

static void remember_on_curve(size_t fl, ccs_bytes xy) {
    if (xy.len != 2 * fl || xy.len > sizeof last_on_curve.xy) return;
    memcpy(last_on_curve.xy, xy.ptr, xy.len);
    last_on_curve.field_len = fl;
}

ccs_status ccs__kbs_jwk_public(const json_t *jwk, ccs_pubkey **ec) {
    if (ec != NULL) *ec = NULL;
    CCS_ENSURE(json_is_object(jwk), CCS_ERR_KEY, "tee-pubkey: not a JSON object");
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    CCS_ENSURE(kty != NULL, CCS_ERR_KEY, "tee-pubkey: no \"kty\"");
    CCS_ENSURE(json_object_get(jwk, "alg") == NULL || alg != NULL, CCS_ERR_KEY, "tee-pubkey: \"alg\" not a string");
    CCS_ENSURE(!ccs__kbs_jwk_has_private(jwk), CCS_ERR_KEY, "tee-pubkey: has private key members");
    ccs_buf b = {0};
    ccs_status st = CCS_OK;
    if (strcmp(kty, "EC") == 0) {
        size_t fl = ccs__kbs_ec_field_len(json_string_value(json_object_get(jwk, "crv")));
        if (fl == 0)
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "tee-pubkey: EC curve must be P-256, P-384 or P-521");
        else if (alg != NULL && strcmp(alg, "ECDH-ES+A256KW") != 0)
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "tee-pubkey: EC key for \"%s\" (ECDH-ES+A256KW only)",
                               alg);
        if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "x", fl, fl, &b);
        if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "y", fl, fl, &b);
        /* On the curve (P-256/P-384 here; libjose's OpenSSL checks P-521 when it wraps). */
        ccs_pubkey *pk = NULL;
        bool known = st == CCS_OK && ec == NULL && known_on_curve(fl, ccs_buf_view(&b));
        if (st == CCS_OK && fl != 66 && !known &&
            ccs_pubkey_from_ec_raw(fl == 32 ? CCS_CURVE_P256 : CCS_CURVE_P384, ccs_buf_view(&b), &pk) != CCS_OK)
            st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "tee-pubkey: the EC point is not on the curve");
        if (st == CCS_OK && pk != NULL) remember_on_curve(fl, ccs_buf_view(&b));
        if (st == CCS_OK && ec != NULL) *ec = pk;
        else ccs_pubkey_free(pk);
    } else if (strcmp(kty, "RSA") == 0) {
        if (alg != NULL && strcmp(alg, "RSA-OAEP") != 0 && strcmp(alg, "RSA-OAEP-256") != 0)
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                               "tee-pubkey: RSA key for \"%s\" (RSA-OAEP or RSA-OAEP-256 only; RSA1_5 is refused)",
                               alg);
        if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "n", 256, 1024, &b);
        if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "e", 1, 8, &b);
    } else {
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "tee-pubkey: key type \"%s\" (EC or RSA only)", kty);
    }
    ccs_buf_free(&b);
    if (st != CCS_OK && st != CCS_ERR_UNSUPPORTED) return ccs__kbs_rethrow(CCS_ERR_KEY, "tee-pubkey");
    return st;
}

ccs_status ccs_kbs_jwk_check_public(const json_t *jwk) { return ccs__kbs_jwk_public(jwk, NULL); }

ccs_status ccs__kbs_rethrow(ccs_status st, const char *prefix) {
    char detail[400];
    snprintf(detail, sizeof detail, "%s", ccs_error_detail());
    return ccs_error_set(st, CCS_HERE, "%s: %s", prefix, detail);
}

void ccs__kbs_wipe_jwk(json_t *jwk) {
    static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "k"};
    for (size_t i = 0; i < sizeof priv / sizeof *priv; i++) {
        json_t *v = json_object_get(jwk, priv[i]);
        if (json_is_string(v)) ccs_wipe((void *)json_string_value(v), json_string_length(v));
    }
}

void ccs_kbs_jwk_wipe(json_t *jwk) { ccs__kbs_wipe_jwk(jwk); }
