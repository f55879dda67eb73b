/* The client's ephemeral tee-pubkey (specs/kbs-image-ratls.md 1.1): a fresh
 * EC P-256 key pair for each challenge, held as a private JWK for libjose so
 * that ccs_kbs_jwe_decrypt can unwrap the resource with it. The private
 * scalar never leaves the process unless the caller asks (GetToken). */
#include <string.h>

#include <jose/jose.h>

#include "kbsproto_internal.h"

ccs_status ccs_kbs_tee_key_generate(json_t **private_jwk) {
    CCS_ENSURE(private_jwk != NULL, CCS_ERR_INVALID_ARG, "tee key: NULL output");
    *private_jwk = NULL;
    json_t *jwk = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256");
    CCS_ENSURE(jwk != NULL, CCS_ERR_NOMEM, "tee key: no memory");
    if (!jose_jwk_gen(NULL, jwk)) {
        ccs__kbs_wipe_jwk(jwk);
        json_decref(jwk);
        CCS_BAIL(CCS_ERR_CRYPTO, "tee key: EC P-256 generation failed (libjose)");
    }
    /* Keep the five members, as copies: the original's strings are wiped. */
    const char *x = json_string_value(json_object_get(jwk, "x")), *y = json_string_value(json_object_get(jwk, "y"));
    const char *d = json_string_value(json_object_get(jwk, "d"));
    json_t *clean = x && y && d ? json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x", x, "y", y,
                                            "d", d)
                                : NULL;
    ccs__kbs_wipe_jwk(jwk);
    json_decref(jwk);
    CCS_ENSURE(clean != NULL, CCS_ERR_CRYPTO, "tee key: libjose gave an incomplete EC key");
    *private_jwk = clean;
    return CCS_OK;
}

ccs_status ccs_kbs_tee_key_public(const json_t *private_jwk, json_t **public_jwk) {
    CCS_ENSURE(public_jwk != NULL && json_is_object(private_jwk), CCS_ERR_INVALID_ARG, "tee key: bad arguments");
    *public_jwk = NULL;
    const char *kty = json_string_value(json_object_get(private_jwk, "kty"));
    CCS_ENSURE(kty != NULL && strcmp(kty, "EC") == 0, CCS_ERR_KEY, "tee key: an EC JWK is required");
    json_t *pub = json_pack("{s:s,s:O,s:s,s:O,s:O}", "kty", "EC", "crv", json_object_get(private_jwk, "crv"), "alg",
                            "ECDH-ES+A256KW", "x", json_object_get(private_jwk, "x"), "y",
                            json_object_get(private_jwk, "y"));
    CCS_ENSURE(pub != NULL, CCS_ERR_KEY, "tee key: the JWK lacks crv, x or y");
    ccs_status st = ccs_kbs_jwk_check_public(pub);
    if (st != CCS_OK) {
        json_decref(pub);
        return st;
    }
    *public_jwk = pub;
    return CCS_OK;
}
