/* The KBS token signing key (ES256, P-256): kept as its private JWK (the
 * file format) and as a ccs_privkey built once, with the JWS protected
 * headers encoded once, so that signing a token is one ECDSA signature (a
 * per-call JWK import, as libjose does, checks the key with a scalar
 * multiplication that costs more than the signature). Also the public
 * verification keys (operator admin key, trusted token key) read from PEM
 * or JWK text. Key files are written with mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jose/jose.h>

#include "jose_internal.h"

#define KEY_FILE_MAX 65536

struct ccs_kbs_token_key {
    json_t *jwk;       /* private: kty, crv, x, y, d */
    ccs_privkey *pk;   /* the same key, for signing */
    ccs_buf header[2]; /* base64url protected header: [0] alg+typ, [1] with "jwk" */
};

void ccs_kbs_token_key_free(ccs_kbs_token_key *k) {
    if (k == NULL) return;
    ccs__kbs_wipe_jwk(k->jwk);
    json_decref(k->jwk);
    ccs_privkey_free(k->pk);
    ccs_buf_free(&k->header[0]);
    ccs_buf_free(&k->header[1]);
    free(k);
}

/* The signing key and the two encoded headers (RFC 7515 4.1.1, 4.1.3). */
static ccs_status prepare(ccs_kbs_token_key *k) {
    ccs_buf d = {0}, xy = {0};
    ccs_status st = ccs__kbs_b64_member(k->jwk, "d", 32, 32, &d);
    if (st == CCS_OK) st = ccs__kbs_b64_member(k->jwk, "x", 32, 32, &xy);
    if (st == CCS_OK) st = ccs__kbs_b64_member(k->jwk, "y", 32, 32, &xy);
    if (st == CCS_OK) st = ccs_privkey_from_ec_raw(CCS_CURVE_P256, ccs_buf_view(&d), ccs_buf_view(&xy), &k->pk);
    if (d.ptr != NULL) ccs_wipe(d.ptr, d.len);
    ccs_buf_free(&d);
    ccs_buf_free(&xy);
    if (st != CCS_OK) return ccs__kbs_rethrow(st, "token key");
    for (int i = 0; st == CCS_OK && i < 2; i++) {
        json_t *hdr = json_pack("{s:s,s:s}", "alg", "ES256", "typ", "JWT");
        if (hdr != NULL && i == 1) json_object_set_new(hdr, "jwk", ccs_kbs_token_key_public(k));
        char *text = hdr != NULL ? json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        st = text != NULL ? ccs_base64url_encode(ccs_bytes_str(text), &k->header[i])
                          : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "token key: no memory");
        free(text);
        json_decref(hdr);
    }
    return st;
}

/* Accepts only a P-256 JWK with x, y and d of the right sizes. */
static ccs_status wrap_jwk(json_t *jwk, ccs_kbs_token_key **out) {
    ccs_buf b = {0};
    ccs_status st = CCS_OK;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    if (kty == NULL || strcmp(kty, "EC") != 0 || crv == NULL || strcmp(crv, "P-256") != 0)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "token key: an EC P-256 JWK is required (ES256)");
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "x", 32, 32, &b);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "y", 32, 32, &b);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "d", 32, 32, &b);
    ccs_buf_free(&b);
    if (st == CCS_OK && !jose_jwk_prm(NULL, jwk, false, "sign"))
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "token key: the JWK does not allow signing");
    ccs_kbs_token_key *k = st == CCS_OK ? calloc(1, sizeof *k) : NULL;
    if (st == CCS_OK && k == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "token key: no memory");
    if (st != CCS_OK) {
        ccs__kbs_wipe_jwk(jwk);
        json_decref(jwk);
        return st;
    }
    k->jwk = jwk;
    if ((st = prepare(k)) != CCS_OK) {
        ccs_kbs_token_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

ccs_status ccs_kbs_token_key_generate(ccs_kbs_token_key **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "token key: NULL output");
    json_t *jwk = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256");
    CCS_ENSURE(jwk != NULL, CCS_ERR_NOMEM, "token key: no memory");
    if (!jose_jwk_gen(NULL, jwk)) {
        json_decref(jwk);
        CCS_BAIL(CCS_ERR_CRYPTO, "token key: generation failed (libjose)");
    }
    return wrap_jwk(jwk, out);
}

/* A private JWK from PEM through src/crypto (only it reads OpenSSL formats). */
static ccs_status jwk_from_pem(ccs_bytes pem, json_t **out) {
    uint8_t d[48], xy[96];
    size_t fl = 0;
    ccs_curve curve = 0;
    ccs_status st = ccs_ec_private_pem_raw(pem, &curve, d, xy, &fl);
    if (st == CCS_OK && curve != CCS_CURVE_P256)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "token key: the PEM key is not P-256 (ES256)");
    json_t *jwk = NULL;
    if (st == CCS_OK) {
        jwk = json_pack("{s:s,s:s,s:o,s:o,s:o}", "kty", "EC", "crv", "P-256", "x", jose_b64_enc(xy, 32), "y",
                        jose_b64_enc(xy + 32, 32), "d", jose_b64_enc(d, 32));
        if (jwk == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "token key: no memory");
    }
    ccs_wipe(d, sizeof d);
    *out = jwk;
    return st;
}

ccs_status ccs_kbs_token_key_load(const char *path, ccs_kbs_token_key **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "token key: NULL argument");
    ccs_buf text = {0};
    CCS_TRY(ccs_file_read(path, KEY_FILE_MAX, &text));
    json_t *jwk = NULL;
    ccs_status st;
    if (text.len >= 10 && memmem(text.ptr, text.len, "-----BEGIN", 10) != NULL)
        st = jwk_from_pem(ccs_buf_view(&text), &jwk);
    else
        st = ccs_kbs_json_object_parse(ccs_buf_view(&text), &jwk);
    ccs_buf_free(&text);
    if (st != CCS_OK) return ccs__kbs_rethrow(st, path);
    return wrap_jwk(jwk, out);
}

ccs_status ccs_kbs_token_key_save(const ccs_kbs_token_key *k, const char *path) {
    CCS_ENSURE(k != NULL && path != NULL, CCS_ERR_INVALID_ARG, "token key: NULL argument");
    char *text = json_dumps(k->jwk, JSON_COMPACT | JSON_SORT_KEYS);
    CCS_ENSURE(text != NULL, CCS_ERR_NOMEM, "token key: no memory");
    size_t len = strlen(text);
    ccs_status st = ccs_file_write_private(path, ccs_bytes_of(text, len));
    if (st != CCS_OK) st = ccs_error_set(st, CCS_HERE, "token key: %s", ccs_error_detail());
    ccs_wipe(text, len);
    free(text);
    return st;
}

ccs_status ccs_kbs_token_key_load_or_create(const char *path, ccs_kbs_token_key **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "token key: NULL argument");
    if (access(path, F_OK) == 0) return ccs_kbs_token_key_load(path, out);
    ccs_kbs_token_key *k = NULL;
    CCS_TRY(ccs_kbs_token_key_generate(&k));
    ccs_status st = ccs_kbs_token_key_save(k, path);
    if (st != CCS_OK) {
        ccs_kbs_token_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

json_t *ccs_kbs_token_key_public(const ccs_kbs_token_key *k) {
    if (k == NULL) return NULL;
    return json_pack("{s:s,s:s,s:O,s:O}", "kty", "EC", "crv", "P-256", "x", json_object_get(k->jwk, "x"), "y",
                     json_object_get(k->jwk, "y"));
}

const json_t *ccs__kbs_token_key_jwk(const ccs_kbs_token_key *k) { return k->jwk; }

const ccs_privkey *ccs__kbs_token_key_signer(const ccs_kbs_token_key *k) { return k->pk; }

ccs_bytes ccs__kbs_token_key_header(const ccs_kbs_token_key *k, bool with_jwk) {
    return ccs_buf_view(&k->header[with_jwk ? 1 : 0]);
}

ccs_status ccs_kbs_es256_pubkey_parse(ccs_bytes text, json_t **jwk) {
    CCS_ENSURE(jwk != NULL && text.ptr != NULL && text.len <= KEY_FILE_MAX, CCS_ERR_INVALID_ARG,
               "verification key: bad argument");
    *jwk = NULL;
    if (text.len >= 10 && memmem(text.ptr, text.len, "-----BEGIN", 10) != NULL) {
        ccs_pubkey *pk = NULL;
        uint8_t xy[96];
        size_t len = 0;
        CCS_TRY(ccs_pubkey_from_pem(text, &pk));
        ccs_status st = ccs_pubkey_curve(pk) == CCS_CURVE_P256
                            ? ccs_pubkey_ec_raw(pk, xy, sizeof xy, &len)
                            : ccs_error_set(CCS_ERR_KEY, CCS_HERE, "verification key: not an EC P-256 key (ES256)");
        ccs_pubkey_free(pk);
        CCS_TRY(st);
        *jwk = json_pack("{s:s,s:s,s:o,s:o}", "kty", "EC", "crv", "P-256", "x", jose_b64_enc(xy, 32), "y",
                         jose_b64_enc(xy + 32, 32));
        CCS_ENSURE(*jwk != NULL, CCS_ERR_NOMEM, "verification key: no memory");
        return CCS_OK;
    }
    json_t *v = NULL;
    CCS_TRY(ccs_kbs_json_object_parse(text, &v));
    ccs_buf b = {0};
    const char *kty = json_string_value(json_object_get(v, "kty"));
    const char *crv = json_string_value(json_object_get(v, "crv"));
    ccs_status st = CCS_OK;
    if (kty == NULL || strcmp(kty, "EC") != 0 || crv == NULL || strcmp(crv, "P-256") != 0)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "verification key: an EC P-256 JWK is required (ES256)");
    if (st == CCS_OK && ccs__kbs_jwk_has_private(v))
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "verification key: has private members");
    if (st == CCS_OK) st = ccs__kbs_b64_member(v, "x", 32, 32, &b);
    if (st == CCS_OK) st = ccs__kbs_b64_member(v, "y", 32, 32, &b);
    ccs_buf_free(&b);
    if (st == CCS_OK) {
        *jwk = json_pack("{s:s,s:s,s:O,s:O}", "kty", "EC", "crv", "P-256", "x", json_object_get(v, "x"), "y",
                         json_object_get(v, "y"));
        if (*jwk == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "verification key: no memory");
    }
    json_decref(v);
    return st;
}
