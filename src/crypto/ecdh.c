/* ECDH on P-256/P-384 for JOSE ECDH-ES+A256KW (RFC 7518 4.6; the key wrap
 * is aes256kw.c), and EC private keys from raw scalars (JWK "d"). The key
 * agreement uses the low-level EC_KEY path, as ecdsa.c does: the provider
 * dispatch of EVP_PKEY_derive and the key export that
 * EVP_PKEY_get0_EC_KEY makes cost more than the scalar multiplication at the
 * KBS's request rate. Peer points come from ccs_pubkey, which has checked
 * that they are on the curve (invalid-curve attacks). */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY/ECDH_compute_key: this file only */

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "privkey_internal.h"

/* Z = x coordinate of d*Q, big-endian, field size (SEC 1 3.3.1). */
static ccs_status derive(const EC_KEY *mine, const ccs_pubkey *peer, uint8_t *z) {
    int n = ECDH_compute_key(z, peer->field_len, EC_KEY_get0_public_key(peer->ec), mine, NULL);
    if (n != (int)peer->field_len) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "ecdh: key agreement failed");
    return CCS_OK;
}

static ccs_status check_peer(const ccs_pubkey *peer) {
    CCS_ENSURE(peer != NULL && peer->ec != NULL && peer->curve != 0, CCS_ERR_KEY,
               "ecdh: the peer key is not a P-256/P-384 key");
    return CCS_OK;
}

ccs_status ccs_ecdh_ephemeral(const ccs_pubkey *peer, uint8_t epk_xy[static 96], uint8_t z[static 48]) {
    CCS_TRY(check_peer(peer));
    EC_KEY *e = EC_KEY_new();
    ccs_status st = CCS_OK;
    uint8_t oct[1 + 96];
    size_t fl = peer->field_len;
    if (e == NULL || EC_KEY_set_group(e, EC_KEY_get0_group(peer->ec)) != 1 || EC_KEY_generate_key(e) != 1)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "ecdh: ephemeral key generation failed");
    if (st == CCS_OK && EC_POINT_point2oct(EC_KEY_get0_group(e), EC_KEY_get0_public_key(e),
                                           POINT_CONVERSION_UNCOMPRESSED, oct, sizeof oct, NULL) != 1 + 2 * fl)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "ecdh: cannot encode the ephemeral key");
    if (st == CCS_OK) st = derive(e, peer, z);
    if (st == CCS_OK) memcpy(epk_xy, oct + 1, 2 * fl);
    EC_KEY_free(e); /* clears the ephemeral scalar */
    return st;
}

ccs_status ccs_ecdh_scalar(ccs_bytes d, const ccs_pubkey *peer, uint8_t z[static 48]) {
    CCS_TRY(check_peer(peer));
    CCS_ENSURE(d.ptr != NULL && d.len == peer->field_len, CCS_ERR_KEY,
               "ecdh: private scalar of %zu bytes for a %zu-byte curve", d.len, peer->field_len);
    EC_KEY *k = EC_KEY_new();
    BIGNUM *bn = BN_secure_new();
    ccs_status st = CCS_OK;
    if (k == NULL || bn == NULL || EC_KEY_set_group(k, EC_KEY_get0_group(peer->ec)) != 1)
        st = ccs__ossl_fail(CCS_ERR_NOMEM, CCS_HERE, "ecdh: allocation failed");
    if (st == CCS_OK) BN_set_flags(bn, BN_FLG_CONSTTIME);
    if (st == CCS_OK && BN_bin2bn(d.ptr, (int)d.len, bn) == NULL)
        st = ccs__ossl_fail(CCS_ERR_NOMEM, CCS_HERE, "ecdh: allocation failed");
    if (st == CCS_OK && (BN_is_zero(bn) || BN_cmp(bn, EC_GROUP_get0_order(EC_KEY_get0_group(k))) >= 0))
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "ecdh: private scalar out of range [1, n-1]");
    if (st == CCS_OK && EC_KEY_set_private_key(k, bn) != 1)
        st = ccs__ossl_fail(CCS_ERR_KEY, CCS_HERE, "ecdh: bad private scalar");
    if (st == CCS_OK) st = derive(k, peer, z);
    BN_clear_free(bn);
    EC_KEY_free(k);
    return st;
}

/* ---- private keys from raw scalars ---- */

ccs_status ccs_privkey_from_ec_raw(ccs_curve curve, ccs_bytes d, ccs_bytes xy, ccs_privkey **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "privkey: NULL output");
    *out = NULL;
    size_t fl = curve == CCS_CURVE_P256 ? 32 : curve == CCS_CURVE_P384 ? 48 : 0;
    CCS_ENSURE(fl != 0, CCS_ERR_UNSUPPORTED, "privkey: unknown curve %d", (int)curve);
    CCS_ENSURE(d.ptr != NULL && d.len == fl && xy.ptr != NULL && xy.len == 2 * fl, CCS_ERR_KEY,
               "privkey: d must be %zu bytes and x||y %zu bytes", fl, 2 * fl);
    uint8_t oct[1 + 96];
    oct[0] = 0x04;
    memcpy(oct + 1, xy.ptr, xy.len);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    BIGNUM *bn = BN_secure_new();
    OSSL_PARAM *p = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    bool ok = b != NULL && bn != NULL && c != NULL && BN_bin2bn(d.ptr, (int)d.len, bn) != NULL &&
              OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
                                              curve == CCS_CURVE_P256 ? "P-256" : "P-384", 0) == 1 &&
              OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, bn) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, oct, 1 + 2 * fl) == 1 &&
              (p = OSSL_PARAM_BLD_to_param(b)) != NULL && EVP_PKEY_fromdata_init(c) == 1 &&
              EVP_PKEY_fromdata(c, &pkey, EVP_PKEY_KEYPAIR, p) == 1;
    OSSL_PARAM_free(p); /* built from a secure BIGNUM: OSSL_PARAM_BLD uses secure memory */
    OSSL_PARAM_BLD_free(b);
    BN_clear_free(bn);
    EVP_PKEY_CTX_free(c);
    if (!ok) {
        EVP_PKEY_free(pkey);
        CCS_OSSL_BAIL(CCS_ERR_KEY, "privkey: not a valid EC key pair");
    }
    /* x||y must be d*G: a JWK whose halves disagree would sign with one key
     * and advertise another. */
    EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    ok = chk != NULL && EVP_PKEY_pairwise_check(chk) == 1;
    EVP_PKEY_CTX_free(chk);
    if (!ok) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        CCS_BAIL(CCS_ERR_KEY, "privkey: the public point is not d*G");
    }
    return ccs__privkey_wrap(pkey, out);
}
