/* ECDH-ES+A256KW (RFC 7518 4.6) on P-256 and P-384 through src/crypto:
 * ephemeral-static ECDH, the Concat KDF (NIST SP 800-56A 5.8.1, as RFC 7518
 * 4.6.2 profiles it) and AES-256 key wrap of a fresh content key. libjose
 * does the same, but imports every JWK again with a full key check, which
 * costs more than the key agreement itself on the KBS's resource path;
 * P-521 still goes through libjose (jose_jwe.c). The results are checked
 * against npm jose in the tests, both ways. */
#include <string.h>

#include <jose/jose.h>

#include "kbsproto_internal.h"

#define ALG "ECDH-ES+A256KW"
#define KEK_LEN 32
#define CEK_LEN 32

/* RFC 7518 4.6.2, keydatalen 256 bits: one SHA-256 round (src/crypto). */
static ccs_status concat_kdf(const uint8_t *z, size_t zlen, ccs_bytes apu, ccs_bytes apv, uint8_t kek[KEK_LEN]) {
    return ccs_concat_kdf_sha256(ccs_bytes_of(z, zlen), ALG, apu, apv, KEK_LEN, kek);
}

static ccs_curve curve_of(size_t fl) { return fl == 32 ? CCS_CURVE_P256 : fl == 48 ? CCS_CURVE_P384 : 0; }

/* An EC JWK's point as a key; fl is its field length. */
static ccs_status point_of(const json_t *jwk, size_t fl, ccs_pubkey **out) {
    ccs_buf xy = {0};
    ccs_status st = ccs__kbs_b64_member(jwk, "x", fl, fl, &xy);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwk, "y", fl, fl, &xy);
    if (st == CCS_OK) st = ccs_pubkey_from_ec_raw(curve_of(fl), ccs_buf_view(&xy), out);
    ccs_buf_free(&xy);
    return st;
}

ccs_status ccs__kbs_ecdh_wrap(const ccs_pubkey *peer, const char *crv, const uint8_t k[static CEK_LEN], json_t *jwe) {
    size_t fl = ccs__kbs_ec_field_len(crv);
    CCS_ENSURE(curve_of(fl) != 0, CCS_ERR_UNSUPPORTED, "jwe: ECDH-ES+A256KW here on P-256/P-384 only");
    uint8_t epk[96], z[48], kek[KEK_LEN], wrapped[CEK_LEN + 8];
    ccs_buf ex = {0}, ey = {0}, ek = {0};
    ccs_status st = ccs_ecdh_ephemeral(peer, epk, z);
    if (st == CCS_OK) st = concat_kdf(z, fl, ccs_bytes_of(NULL, 0), ccs_bytes_of(NULL, 0), kek);
    if (st == CCS_OK) st = ccs_aes256kw_wrap(kek, ccs_bytes_of(k, CEK_LEN), wrapped);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(epk, fl), &ex);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(epk + fl, fl), &ey);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(wrapped, sizeof wrapped), &ek);
    if (st == CCS_OK) {
        json_t *prot = json_object_get(jwe, "protected");
        json_t *e = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", crv, "x", (const char *)ex.ptr, "y",
                              (const char *)ey.ptr);
        if (e == NULL || json_object_set_new(prot, "epk", e) != 0 ||
            json_object_set_new(jwe, "encrypted_key", json_string((const char *)ek.ptr)) != 0)
            st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    }
    ccs_wipe(z, sizeof z);
    ccs_wipe(kek, sizeof kek);
    ccs_buf_free(&ex);
    ccs_buf_free(&ey);
    ccs_buf_free(&ek);
    return st;
}

/* An optional base64url header member (apu, apv) into b. */
static ccs_status party_info(const json_t *hdr, const char *name, ccs_buf *b) {
    if (json_object_get(hdr, name) == NULL) return CCS_OK;
    return ccs__kbs_b64_member(hdr, name, 0, 1024, b);
}

ccs_status ccs__kbs_ecdh_unwrap(const json_t *jwe, const json_t *hdr, const json_t *priv, json_t **cek) {
    const json_t *epk = json_object_get(hdr, "epk");
    size_t fl = ccs__kbs_ec_field_len(json_string_value(json_object_get(epk, "crv")));
    if (curve_of(fl) == 0) return CCS_ERR_UNSUPPORTED; /* P-521: libjose */
    ccs_pubkey *peer = NULL;
    ccs_buf d = {0}, ek = {0}, apu = {0}, apv = {0};
    uint8_t z[48], kek[KEK_LEN], k[CEK_LEN];
    ccs_status st = point_of(epk, fl, &peer);
    if (st != CCS_OK) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: \"epk\" is not a point on the curve");
    if (st == CCS_OK && ccs__kbs_b64_member(priv, "d", fl, fl, &d) != CCS_OK)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "jwe: private EC JWK has no %zu-byte \"d\"", fl);
    if (st == CCS_OK) st = party_info(hdr, "apu", &apu);
    if (st == CCS_OK) st = party_info(hdr, "apv", &apv);
    if (st == CCS_OK) st = ccs__kbs_b64_member(jwe, "encrypted_key", CEK_LEN + 8, CEK_LEN + 8, &ek);
    if (st == CCS_OK) st = ccs_ecdh_scalar(ccs_buf_view(&d), peer, z);
    if (st == CCS_OK) st = concat_kdf(z, fl, ccs_buf_view(&apu), ccs_buf_view(&apv), kek);
    if (st == CCS_OK && ccs_aes256kw_unwrap(kek, ccs_buf_view(&ek), k) != CCS_OK)
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE,
                           "jwe: the content key does not unwrap (ECDH-ES+A256KW: wrong key, or altered)");
    if (st == CCS_OK) {
        *cek = json_pack("{s:s,s:o}", "kty", "oct", "k", jose_b64_enc(k, CEK_LEN));
        if (*cek == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    }
    if (d.ptr != NULL) ccs_wipe(d.ptr, d.len);
    ccs_wipe(z, sizeof z);
    ccs_wipe(kek, sizeof kek);
    ccs_wipe(k, sizeof k);
    ccs_pubkey_free(peer);
    ccs_buf_free(&d);
    ccs_buf_free(&ek);
    ccs_buf_free(&apu);
    ccs_buf_free(&apv);
    return st;
}
