/* The resource response: a flattened JSON JWE (RFC 7516 7.2.2) wrapped to the
 * tee-pubkey (specs/kbs-image-ratls.md 1.1, protocol >= 0.2.0), enc A256GCM.
 * libjose does the content encryption; the key wraps go through src/crypto
 * beside it: RSA-OAEP (libjose has none) and ECDH-ES+A256KW on P-256/P-384
 * (jose_ecdh.c: libjose's per-call key import is slower than the ECDH;
 * P-521 stays with libjose). The
 * KBS response type has no unprotected header, so the ephemeral key "epk" is
 * moved into the protected header before the content is encrypted (the
 * protected header is the AAD, RFC 7516 5.1 step 14). */
#include <stdlib.h>
#include <string.h>

#include <jose/jose.h>

#include "kbsproto_internal.h"

#define CEK_LEN 32
#define A256KW_LEN (CEK_LEN + 8)

static json_t *public_copy(const json_t *jwk) {
    if (strcmp(json_string_value(json_object_get(jwk, "kty")), "EC") == 0)
        return json_pack("{s:s,s:O,s:O,s:O}", "kty", "EC", "crv", json_object_get(jwk, "crv"), "x",
                         json_object_get(jwk, "x"), "y", json_object_get(jwk, "y"));
    return json_pack("{s:s,s:O,s:O}", "kty", "RSA", "n", json_object_get(jwk, "n"), "e", json_object_get(jwk, "e"));
}

/* ECDH-ES+A256KW: through jose_ecdh.c on P-256/P-384 (ec, the point the
 * check decoded), through libjose on P-521, which makes the CEK itself. */
static ccs_status wrap_ec(const json_t *key, const ccs_pubkey *ec, json_t *jwe, uint8_t k[CEK_LEN]) {
    if (ec != NULL) return ccs__kbs_ecdh_wrap(ec, json_string_value(json_object_get(key, "crv")), k, jwe);
    json_t *cek = json_object();
    ccs_buf kb = {0};
    ccs_status st = cek != NULL ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    if (st == CCS_OK && !jose_jwe_enc_jwk(NULL, jwe, NULL, key, cek))
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE,
                           "jwe: ECDH-ES+A256KW with this tee-pubkey failed (libjose; is the point on the curve?)");
    if (st == CCS_OK) st = ccs__kbs_b64_member(cek, "k", CEK_LEN, CEK_LEN, &kb);
    if (st == CCS_OK) memcpy(k, kb.ptr, CEK_LEN);
    json_t *prot = json_object_get(jwe, "protected");
    json_t *epk = json_object_get(json_object_get(jwe, "header"), "epk");
    if (st == CCS_OK && (!json_is_object(prot) || !json_is_object(epk)))
        st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "jwe: libjose gave no epk");
    if (st == CCS_OK && (json_object_set(prot, "epk", epk) != 0 || json_object_del(jwe, "header") != 0))
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    ccs_buf_free(&kb);
    ccs__kbs_wipe_jwk(cek);
    json_decref(cek);
    return st;
}

static ccs_status wrap_rsa(const json_t *key, ccs_oaep_hash hash, json_t *jwe, const uint8_t k[CEK_LEN]) {
    ccs_buf n = {0}, e = {0}, ek = {0}, b64 = {0};
    ccs_status st = ccs__kbs_b64_member(key, "n", 256, 1024, &n);
    if (st == CCS_OK) st = ccs__kbs_b64_member(key, "e", 1, 8, &e);
    if (st == CCS_OK) st = ccs_rsa_oaep_encrypt(ccs_buf_view(&n), ccs_buf_view(&e), hash, ccs_bytes_of(k, CEK_LEN), &ek);
    if (st == CCS_OK) st = ccs_kbs_b64url_encode(ccs_buf_view(&ek), &b64);
    if (st == CCS_OK && json_object_set_new(jwe, "encrypted_key", json_string((const char *)b64.ptr)) != 0)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    ccs_buf_free(&n);
    ccs_buf_free(&e);
    ccs_buf_free(&ek);
    ccs_buf_free(&b64);
    return st;
}

/* A256GCM through libjose (RFC 7516 5.1 steps 13-19: it serialises the
 * protected header, which is the AAD, and sets iv, ciphertext and tag). */
static ccs_status seal(json_t *jwe, const uint8_t k[CEK_LEN], ccs_bytes pt) {
    json_t *cek = json_pack("{s:s,s:o}", "kty", "oct", "k", jose_b64_enc(k, CEK_LEN));
    ccs_status st = cek != NULL ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    if (st == CCS_OK && !jose_jwe_enc_cek(NULL, jwe, cek, pt.len ? pt.ptr : (const void *)"", pt.len))
        st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "jwe: A256GCM encryption failed (libjose)");
    ccs__kbs_wipe_jwk(cek);
    json_decref(cek);
    return st;
}

/* A checked tee-pubkey, decoded once for any number of wraps. */
struct ccs_kbs_tee_pubkey {
    json_t *jwk;     /* the public members only */
    ccs_pubkey *ec;  /* P-256/P-384: the point; NULL for RSA and P-521 */
    bool is_ec, oaep256;
};

ccs_status ccs_kbs_tee_pubkey_open(const json_t *tee_pubkey, ccs_kbs_tee_pubkey **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "tee-pubkey: NULL output");
    *out = NULL;
    ccs_kbs_tee_pubkey *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "tee-pubkey: no memory");
    ccs_status st = ccs__kbs_jwk_public(tee_pubkey, &k->ec);
    if (st == CCS_OK) {
        const char *kalg = json_string_value(json_object_get(tee_pubkey, "alg"));
        k->is_ec = strcmp(json_string_value(json_object_get(tee_pubkey, "kty")), "EC") == 0;
        k->oaep256 = kalg != NULL && strcmp(kalg, "RSA-OAEP-256") == 0;
        if ((k->jwk = public_copy(tee_pubkey)) == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    }
    if (st != CCS_OK) {
        ccs_kbs_tee_pubkey_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

void ccs_kbs_tee_pubkey_free(ccs_kbs_tee_pubkey *k) {
    if (k == NULL) return;
    ccs_pubkey_free(k->ec);
    json_decref(k->jwk);
    free(k);
}

ccs_status ccs_kbs_jwe_encrypt_to(const ccs_kbs_tee_pubkey *tk, ccs_bytes pt, json_t **out) {
    CCS_ENSURE(tk != NULL && out != NULL && (pt.ptr != NULL || pt.len == 0), CCS_ERR_INVALID_ARG,
               "jwe: bad arguments");
    CCS_ENSURE(pt.len <= CCS_KBS_JWE_MAX, CCS_ERR_INVALID_ARG, "jwe: resource of %zu bytes is too large", pt.len);
    *out = NULL;
    const char *alg = tk->is_ec ? "ECDH-ES+A256KW" : tk->oaep256 ? "RSA-OAEP-256" : "RSA-OAEP";
    uint8_t k[CEK_LEN];
    json_t *jwe = json_pack("{s:{s:s,s:s}}", "protected", "alg", alg, "enc", "A256GCM");
    ccs_status st = jwe ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    if (st == CCS_OK) st = ccs_random(k, sizeof k);
    if (st == CCS_OK)
        st = tk->is_ec ? wrap_ec(tk->jwk, tk->ec, jwe, k)
                       : wrap_rsa(tk->jwk, tk->oaep256 ? CCS_OAEP_SHA256 : CCS_OAEP_SHA1, jwe, k);
    if (st == CCS_OK) st = seal(jwe, k, pt);
    if (st == CCS_OK && json_object_size(jwe) != 5)
        st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "jwe: unexpected members from libjose");
    ccs_wipe(k, sizeof k);
    if (st != CCS_OK) {
        json_decref(jwe);
        return st;
    }
    *out = jwe;
    return CCS_OK;
}

ccs_status ccs_kbs_jwe_encrypt(const json_t *tee_pubkey, ccs_bytes pt, json_t **out) {
    CCS_ENSURE(out != NULL && (pt.ptr != NULL || pt.len == 0), CCS_ERR_INVALID_ARG, "jwe: bad arguments");
    *out = NULL;
    ccs_kbs_tee_pubkey *tk = NULL;
    CCS_TRY(ccs_kbs_tee_pubkey_open(tee_pubkey, &tk));
    ccs_status st = ccs_kbs_jwe_encrypt_to(tk, pt, out);
    ccs_kbs_tee_pubkey_free(tk);
    return st;
}

/* ---- decryption (agent side and tests) ---- */

static const char *const MEMBERS[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag", "aad"};

/* The members, their sizes and the protected header, before any crypto. */
static ccs_status check_jwe(const json_t *jwe, const json_t *priv, json_t **hdr_out) {
    CCS_ENSURE(json_is_object(jwe), CCS_ERR_FORMAT, "jwe: not a JSON object");
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)jwe, name, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof MEMBERS / sizeof *MEMBERS; i++) known = known || strcmp(name, MEMBERS[i]) == 0;
        CCS_ENSURE(known, CCS_ERR_FORMAT, "jwe: member \"%s\" not allowed (flattened JWE with a protected header only)",
                   name);
    }
    ccs_buf b = {0};
    json_t *hdr = NULL;
    ccs_status st = ccs__kbs_b64_member(jwe, "protected", 2, 4096, &b);
    if (st == CCS_OK) st = ccs_kbs_json_object_parse(ccs_buf_view(&b), &hdr);
    if (st != CCS_OK) st = ccs__kbs_rethrow(st, "jwe: protected header");
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *enc = json_string_value(json_object_get(hdr, "enc"));
    const char *kty = json_string_value(json_object_get(priv, "kty"));
    bool ec = alg && strcmp(alg, "ECDH-ES+A256KW") == 0;
    bool rsa = alg && (strcmp(alg, "RSA-OAEP") == 0 || strcmp(alg, "RSA-OAEP-256") == 0);
    if (st == CCS_OK && (alg == NULL || enc == NULL))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: protected header needs \"alg\" and \"enc\"");
    else if (st == CCS_OK && !ec && !rsa)
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "jwe: alg \"%s\" (ECDH-ES+A256KW, RSA-OAEP, RSA-OAEP-256)",
                           alg);
    else if (st == CCS_OK && strcmp(enc, "A256GCM") != 0)
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "jwe: enc \"%s\" (A256GCM only)", enc);
    else if (st == CCS_OK && (json_object_get(hdr, "zip") || json_object_get(hdr, "crit")))
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "jwe: \"zip\" and \"crit\" are refused");
    else if (st == CCS_OK && (kty == NULL || strcmp(kty, ec ? "EC" : "RSA") != 0 || !json_object_get(priv, "d")))
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "jwe: %s needs a private %s JWK", alg, ec ? "EC" : "RSA");
    if (st == CCS_OK && ec) {
        const json_t *epk = json_object_get(hdr, "epk");
        const char *crv = json_string_value(json_object_get(epk, "crv"));
        const char *kcrv = json_string_value(json_object_get(priv, "crv"));
        const char *ekty = json_string_value(json_object_get(epk, "kty"));
        size_t fl = ccs__kbs_ec_field_len(crv);
        if (!json_is_object(epk) || fl == 0 || kcrv == NULL || strcmp(crv, kcrv) != 0 ||
            ekty == NULL || strcmp(ekty, "EC") != 0)
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: \"epk\" missing or not an EC key on the key's curve");
        if (st == CCS_OK) st = ccs__kbs_b64_member(epk, "x", fl, fl, &b);
        if (st == CCS_OK) st = ccs__kbs_b64_member(epk, "y", fl, fl, &b);
        if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "encrypted_key", A256KW_LEN, A256KW_LEN, &b);
    } else if (st == CCS_OK) {
        st = ccs__kbs_b64_member(jwe, "encrypted_key", 256, 1024, &b); /* the exact size: ccs_rsa_oaep_decrypt */
    }
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "iv", 12, 12, &b);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "tag", 16, 16, &b);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "ciphertext", 0, CCS_KBS_JWE_MAX, &b);
    if (st == CCS_OK && json_object_get(jwe, "aad")) st = ccs__kbs_b64_member(jwe, "aad", 0, 65536, &b);
    ccs_buf_free(&b);
    if (st != CCS_OK) {
        json_decref(hdr);
        return st;
    }
    *hdr_out = hdr;
    return CCS_OK;
}

/* RSA-OAEP: unwrap the CEK through src/crypto. A failed unwrap carries on
 * with a random CEK so that it fails like a wrong tag (RFC 7516 11.5). */
static ccs_status unwrap_rsa(const json_t *jwe, const json_t *priv, bool sha256, json_t **cek) {
    static const char *const names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    ccs_buf part[8] = {{0}}, ek = {0}, k = {0};
    ccs_status st = CCS_OK;
    for (size_t i = 0; st == CCS_OK && i < 8; i++) st = ccs__kbs_b64_member(priv, names[i], 1, 1024, &part[i]);
    if (st != CCS_OK) st = ccs__kbs_rethrow(CCS_ERR_KEY, "jwe: private RSA JWK");
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "encrypted_key", 1, 1024, &ek);
    if (st == CCS_OK) {
        ccs_rsa_private_raw raw = {ccs_buf_view(&part[0]), ccs_buf_view(&part[1]), ccs_buf_view(&part[2]),
                                   ccs_buf_view(&part[3]), ccs_buf_view(&part[4]), ccs_buf_view(&part[5]),
                                   ccs_buf_view(&part[6]), ccs_buf_view(&part[7])};
        ccs_status dst = ccs_rsa_oaep_decrypt(&raw, sha256 ? CCS_OAEP_SHA256 : CCS_OAEP_SHA1, ccs_buf_view(&ek), &k);
        /* Size and key errors are public facts, not padding results. */
        if (dst == CCS_ERR_KEY || dst == CCS_ERR_FORMAT || dst == CCS_ERR_NOMEM || dst == CCS_ERR_CRYPTO) st = dst;
        if (st == CCS_OK && (dst != CCS_OK || k.len != CEK_LEN)) {
            k.len = 0;
            st = ccs_buf_reserve(&k, CEK_LEN + 1);
            if (st == CCS_OK) st = ccs_random(k.ptr, CEK_LEN);
            k.len = CEK_LEN;
        }
    }
    if (st == CCS_OK) {
        *cek = json_pack("{s:s,s:o}", "kty", "oct", "k", jose_b64_enc(k.ptr, k.len));
        if (*cek == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    }
    for (size_t i = 0; i < 8; i++) ccs_buf_free(&part[i]);
    ccs_buf_free(&ek);
    ccs_buf_free(&k);
    return st;
}

/* A256GCM with AAD = ASCII(protected) [|| "." || ASCII(aad)] (RFC 7516 5.2
 * step 14-15). Through src/crypto: libjose 11 returns no plaintext at all for
 * an empty ciphertext. */
static ccs_status open_content(const json_t *jwe, const json_t *cek, ccs_buf *pt) {
    ccs_buf k = {0}, iv = {0}, tag = {0}, ct = {0}, aad = {0};
    ccs_status st = ccs__kbs_b64_member(cek, "k", 32, 32, &k);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "iv", 12, 12, &iv);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "tag", 16, 16, &tag);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "ciphertext", 0, CCS_KBS_JWE_MAX, &ct);
    if (st == CCS_OK) st = ccs_buf_append_str(&aad, json_string_value(json_object_get(jwe, "protected")));
    const json_t *extra = json_object_get(jwe, "aad");
    if (st == CCS_OK && extra != NULL) st = ccs_buf_append_str(&aad, ".");
    if (st == CCS_OK && extra != NULL) st = ccs_buf_append_str(&aad, json_string_value(extra));
    if (st == CCS_OK) {
        st = ccs_aes256gcm_open(k.ptr, iv.ptr, ccs_buf_view(&aad), ccs_buf_view(&ct), tag.ptr, pt);
        if (st == CCS_ERR_SIGNATURE)
            st = ccs_error_set(st, CCS_HERE, "jwe: does not decrypt (wrong key, or the JWE was altered)");
    }
    ccs_buf_free(&k);
    ccs_buf_free(&iv);
    ccs_buf_free(&tag);
    ccs_buf_free(&ct);
    ccs_buf_free(&aad);
    return st;
}

ccs_status ccs_kbs_jwe_decrypt(const json_t *jwe, const json_t *private_jwk, ccs_buf *pt) {
    CCS_ENSURE(json_is_object(private_jwk) && pt != NULL, CCS_ERR_INVALID_ARG, "jwe: bad arguments");
    json_t *hdr = NULL, *cek = NULL;
    CCS_TRY(check_jwe(jwe, private_jwk, &hdr));
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    ccs_status st = CCS_OK;
    if (strcmp(alg, "ECDH-ES+A256KW") == 0) {
        st = ccs__kbs_ecdh_unwrap(jwe, hdr, private_jwk, &cek); /* P-256, P-384 */
        if (st == CCS_ERR_UNSUPPORTED) st = CCS_OK, cek = jose_jwe_dec_jwk(NULL, jwe, NULL, private_jwk);
        if (st == CCS_OK && cek == NULL)
            st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE,
                               "jwe: the content key does not unwrap (ECDH-ES+A256KW: wrong key, or altered)");
    } else {
        st = unwrap_rsa(jwe, private_jwk, strcmp(alg, "RSA-OAEP-256") == 0, &cek);
    }
    if (st == CCS_OK) st = open_content(jwe, cek, pt);
    ccs__kbs_wipe_jwk(cek);
    json_decref(cek);
    json_decref(hdr);
    return st;
}
