/* RSA-OAEP key transport (RFC 8017 section 7.1) for JWE "RSA-OAEP" (SHA-1,
 * RFC 7518 section 4.3) and "RSA-OAEP-256", from raw JWK key material; and
 * the raw scalar and point of an EC private key read from PEM, so that a JOSE
 * library can sign with a key the operator made with openssl. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crypto_internal.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192

/* JWK integers are unsigned big-endian without leading zero octets (RFC 7518
 * 6.3.1); a leading zero is tolerated only for key components other than n. */
static ccs_status check_modulus(ccs_bytes n) {
    CCS_ENSURE(n.ptr != NULL && n.len > 0 && n.ptr[0] != 0, CCS_ERR_KEY, "rsa: modulus empty or not minimal");
    size_t bits = n.len * 8;
    for (uint8_t top = n.ptr[0]; (top & 0x80) == 0; top = (uint8_t)(top << 1)) bits--;
    CCS_ENSURE(bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS, CCS_ERR_KEY,
               "rsa: modulus of %zu bits (%d..%d accepted)", bits, RSA_MIN_BITS, RSA_MAX_BITS);
    CCS_ENSURE(n.ptr[n.len - 1] & 1, CCS_ERR_KEY, "rsa: even modulus");
    return CCS_OK;
}

static ccs_status check_exponent(ccs_bytes e) {
    CCS_ENSURE(e.ptr != NULL && e.len > 0 && e.len <= 8 && e.ptr[0] != 0, CCS_ERR_KEY, "rsa: bad public exponent");
    CCS_ENSURE((e.ptr[e.len - 1] & 1) && !(e.len == 1 && e.ptr[0] < 3), CCS_ERR_KEY, "rsa: bad public exponent");
    return CCS_OK;
}

typedef struct param {
    const char *name;
    ccs_bytes v;
} param;

/* An EVP_PKEY from big-endian components (public: n, e; private: all). */
static ccs_status rsa_from_params(const param *ps, size_t n, int selection, EVP_PKEY **out) {
    ccs_status st = CCS_OK;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    BIGNUM *bn[8] = {0};
    EVP_PKEY_CTX *ctx = NULL;
    *out = NULL;
    if (bld == NULL || n > 8) {
        st = ccs__ossl_fail(CCS_ERR_NOMEM, CCS_HERE, "rsa: no parameter builder");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (ps[i].v.len == 0 || ps[i].v.len > RSA_MAX_BITS / 8) {
            st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "rsa: key component %s empty or too long", ps[i].name);
            goto done;
        }
        /* Secure, constant-time BIGNUMs: OSSL_PARAM_BLD then puts the private
         * parts in secure memory, which OSSL_PARAM_free clears (it does not
         * clear the ordinary block a plain BIGNUM lands in). */
        bn[i] = BN_secure_new();
        if (bn[i] != NULL) BN_set_flags(bn[i], BN_FLG_CONSTTIME);
        if (bn[i] == NULL || BN_bin2bn(ps[i].v.ptr, (int)ps[i].v.len, bn[i]) == NULL ||
            OSSL_PARAM_BLD_push_BN(bld, ps[i].name, bn[i]) != 1) {
            st = ccs__ossl_fail(CCS_ERR_NOMEM, CCS_HERE, "rsa: parameter");
            goto done;
        }
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, selection, params) != 1 || *out == NULL) {
        st = ccs__ossl_fail(CCS_ERR_KEY, CCS_HERE, "rsa: key not accepted");
        goto done;
    }
done:
    for (size_t i = 0; i < 8; i++) BN_clear_free(bn[i]);
    OSSL_PARAM_free(params); /* clears the secure part (OpenSSL 3.0 has no OSSL_PARAM_clear_free) */
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

static ccs_status oaep_ctx(EVP_PKEY *pkey, ccs_oaep_hash hash, int enc, EVP_PKEY_CTX **out) {
    const EVP_MD *md = hash == CCS_OAEP_SHA1 ? EVP_sha1() : hash == CCS_OAEP_SHA256 ? EVP_sha256() : NULL;
    CCS_ENSURE(md != NULL, CCS_ERR_UNSUPPORTED, "rsa-oaep: unknown hash %d", (int)hash);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL || (enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1) {
        EVP_PKEY_CTX_free(ctx);
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "rsa-oaep: context");
    }
    *out = ctx;
    return CCS_OK;
}

ccs_status ccs_rsa_oaep_encrypt(ccs_bytes n, ccs_bytes e, ccs_oaep_hash hash, ccs_bytes pt, ccs_buf *ct) {
    CCS_ENSURE(ct != NULL && (pt.ptr != NULL || pt.len == 0), CCS_ERR_INVALID_ARG, "rsa-oaep: bad arguments");
    CCS_TRY(check_modulus(n));
    CCS_TRY(check_exponent(e));
    param ps[] = {{OSSL_PKEY_PARAM_RSA_N, n}, {OSSL_PKEY_PARAM_RSA_E, e}};
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    CCS_TRY(rsa_from_params(ps, 2, EVP_PKEY_PUBLIC_KEY, &pkey));
    ccs_status st = oaep_ctx(pkey, hash, 1, &ctx);
    size_t len = 0;
    if (st == CCS_OK && EVP_PKEY_encrypt(ctx, NULL, &len, pt.ptr, pt.len) != 1)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "rsa-oaep: encryption (plaintext too long for the key?)");
    if (st == CCS_OK) st = ccs_buf_reserve(ct, len + 1);
    if (st == CCS_OK && EVP_PKEY_encrypt(ctx, ct->ptr + ct->len, &len, pt.ptr, pt.len) != 1)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "rsa-oaep: encryption failed");
    if (st == CCS_OK) {
        ct->len += len;
        ct->ptr[ct->len] = 0;
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return st;
}

ccs_status ccs_rsa_oaep_decrypt(const ccs_rsa_private_raw *k, ccs_oaep_hash hash, ccs_bytes ct, ccs_buf *pt) {
    CCS_ENSURE(k != NULL && pt != NULL, CCS_ERR_INVALID_ARG, "rsa-oaep: bad arguments");
    CCS_TRY(check_modulus(k->n));
    CCS_TRY(check_exponent(k->e));
    CCS_ENSURE(ct.len == k->n.len, CCS_ERR_FORMAT, "rsa-oaep: ciphertext of %zu bytes for a %zu-byte modulus", ct.len,
               k->n.len);
    param ps[] = {
        {OSSL_PKEY_PARAM_RSA_N, k->n},         {OSSL_PKEY_PARAM_RSA_E, k->e},
        {OSSL_PKEY_PARAM_RSA_D, k->d},         {OSSL_PKEY_PARAM_RSA_FACTOR1, k->p},
        {OSSL_PKEY_PARAM_RSA_FACTOR2, k->q},   {OSSL_PKEY_PARAM_RSA_EXPONENT1, k->dp},
        {OSSL_PKEY_PARAM_RSA_EXPONENT2, k->dq}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, k->qi},
    };
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    CCS_TRY(rsa_from_params(ps, 8, EVP_PKEY_KEYPAIR, &pkey));
    ccs_status st = oaep_ctx(pkey, hash, 0, &ctx);
    size_t len = 0;
    if (st == CCS_OK && EVP_PKEY_decrypt(ctx, NULL, &len, ct.ptr, ct.len) != 1)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "rsa-oaep: decryption");
    if (st == CCS_OK) st = ccs_buf_reserve(pt, len + 1);
    if (st == CCS_OK && EVP_PKEY_decrypt(ctx, pt->ptr + pt->len, &len, ct.ptr, ct.len) != 1) {
        ccs_wipe(pt->ptr + pt->len, len);
        st = ccs__ossl_fail(CCS_ERR_SIGNATURE, CCS_HERE, "rsa-oaep: decryption failed (wrong key, or altered data)");
    }
    if (st == CCS_OK) {
        pt->len += len;
        pt->ptr[pt->len] = 0;
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return st;
}

/* Never prompt for a passphrase: encrypted PEM is refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

ccs_status ccs_ec_private_pem_raw(ccs_bytes pem, ccs_curve *curve, uint8_t d[static 48], uint8_t xy[static 96],
                                  size_t *field_len) {
    CCS_ENSURE(pem.ptr != NULL && pem.len > 0 && pem.len <= 65536, CCS_ERR_INVALID_ARG, "ec key: bad PEM size");
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "ec key: no BIO");
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (pkey == NULL) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "ec key: no unencrypted private key in the PEM");
    ccs_status st = CCS_OK;
    char group[32] = {0};
    uint8_t pub[1 + 96];
    size_t publen = 0, fl = 0;
    BIGNUM *priv = NULL;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "ec key: not an EC key");
        goto done;
    }
    if (strcmp(group, "prime256v1") == 0) {
        *curve = CCS_CURVE_P256, fl = 32;
    } else if (strcmp(group, "secp384r1") == 0) {
        *curve = CCS_CURVE_P384, fl = 48;
    } else {
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "ec key: curve %s not supported", group);
        goto done;
    }
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv) != 1 ||
        BN_bn2binpad(priv, d, (int)fl) != (int)fl ||
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &publen) != 1 ||
        publen != 1 + 2 * fl || pub[0] != 0x04) {
        st = ccs__ossl_fail(CCS_ERR_KEY, CCS_HERE, "ec key: cannot read the key components");
        goto done;
    }
    memcpy(xy, pub + 1, 2 * fl);
    *field_len = fl;
done:
    BN_clear_free(priv);
    EVP_PKEY_free(pkey);
    return st;
}
