/* TPM2_MakeCredential in software (TPM 2.0 Part 1, section 24 "Credential
 * Protection"; Part 3, 12.6) and the TPM's key derivation functions KDFa and
 * KDFe (Part 1, 11.4.10).
 *
 * This file calls OpenSSL's EVP directly, an exception to "only src/crypto
 * includes OpenSSL" (DESIGN.md): src/crypto has no RSA-OAEP with a label, no
 * AES-CFB, no HMAC over SHA-2 and no RSA keys from (n, e), and the TPM
 * credential code is their only user. Nothing here is generic: every
 * function is one step of the spec. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tpm_enroll.h"

static const EVP_MD *md_of(uint16_t alg) {
    switch (alg) {
    case CCS_TPM_ALG_SHA256: return EVP_sha256();
    case CCS_TPM_ALG_SHA384: return EVP_sha384();
    case CCS_TPM_ALG_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

static void put_u32(uint8_t p[4], uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* HMAC over the concatenation of n parts (EVP_MAC). */
static ccs_status hmac_parts(uint16_t alg, ccs_bytes key, const ccs_bytes *parts, size_t n, uint8_t out[static 64]) {
    const EVP_MD *md = md_of(alg);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(md ? EVP_MD_get0_name(md) : ""), 0),
        OSSL_PARAM_construct_end(),
    };
    size_t len = 0;
    bool ok = md != NULL && ctx != NULL && EVP_MAC_init(ctx, key.ptr, key.len, params) == 1;
    for (size_t i = 0; ok && i < n; i++)
        if (parts[i].len) ok = EVP_MAC_update(ctx, parts[i].ptr, parts[i].len) == 1;
    ok = ok && EVP_MAC_final(ctx, out, &len, 64) == 1 && len == (size_t)EVP_MD_get_size(md);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    CCS_ENSURE(ok, CCS_ERR_CRYPTO, "tpm: HMAC failed");
    return CCS_OK;
}

ccs_status ccs_tpm_kdfa(uint16_t hash_alg, ccs_bytes key, const char *label, ccs_bytes u, ccs_bytes v, uint8_t *out,
                        size_t out_len) {
    const EVP_MD *md = md_of(hash_alg);
    CCS_ENSURE(md != NULL && out_len > 0 && out_len <= 1024 && key.len <= INT32_MAX, CCS_ERR_INVALID_ARG,
               "tpm: KDFa arguments");
    size_t h = (size_t)EVP_MD_get_size(md), done = 0;
    uint8_t bits[4], ctr[4], block[64];
    put_u32(bits, (uint32_t)(out_len * 8));
    ccs_status st = CCS_OK;
    for (uint32_t i = 1; done < out_len && st == CCS_OK; i++) {
        put_u32(ctr, i);
        /* label with its terminating NUL (Part 1, 11.4.10.2). */
        ccs_bytes parts[] = {ccs_bytes_of(ctr, 4), ccs_bytes_of(label, strlen(label) + 1), u, v, ccs_bytes_of(bits, 4)};
        st = hmac_parts(hash_alg, key, parts, sizeof parts / sizeof parts[0], block);
        size_t take = out_len - done < h ? out_len - done : h;
        if (st == CCS_OK) memcpy(out + done, block, take);
        done += take;
    }
    OPENSSL_cleanse(block, sizeof block);
    return st;
}

ccs_status ccs_tpm_kdfe(uint16_t hash_alg, ccs_bytes z, const char *label, ccs_bytes pu, ccs_bytes pv, uint8_t *out,
                        size_t out_len) {
    const EVP_MD *md = md_of(hash_alg);
    CCS_ENSURE(md != NULL && out_len > 0 && out_len <= 1024, CCS_ERR_INVALID_ARG, "tpm: KDFe arguments");
    size_t h = (size_t)EVP_MD_get_size(md), done = 0;
    uint8_t ctr[4], block[64];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    CCS_ENSURE(ctx != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = CCS_OK;
    for (uint32_t i = 1; done < out_len; i++) {
        unsigned int n = 0;
        put_u32(ctr, i);
        if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, ctr, 4) != 1 ||
            EVP_DigestUpdate(ctx, z.ptr, z.len) != 1 ||
            EVP_DigestUpdate(ctx, label, strlen(label) + 1) != 1 || EVP_DigestUpdate(ctx, pu.ptr, pu.len) != 1 ||
            EVP_DigestUpdate(ctx, pv.ptr, pv.len) != 1 || EVP_DigestFinal_ex(ctx, block, &n) != 1 || n != h) {
            st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: KDFe failed");
            break;
        }
        size_t take = out_len - done < h ? out_len - done : h;
        memcpy(out + done, block, take);
        done += take;
    }
    OPENSSL_cleanse(block, sizeof block);
    EVP_MD_CTX_free(ctx);
    return st;
}

static ccs_status rsa_key(ccs_bytes n, uint32_t e, EVP_PKEY **out) {
    *out = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn = BN_bin2bn(n.ptr, (int)n.len, NULL), *be = BN_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    ccs_status st = CCS_OK;
    if (bld == NULL || bn == NULL || be == NULL || BN_set_word(be, e) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1 || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "tpm: RSA key not accepted");
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

ccs_status ccs_tpm_rsa_spki(ccs_bytes n, uint32_t e, ccs_buf *der) {
    CCS_ENSURE(n.len > 0 && n.len <= 512 && der != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    EVP_PKEY *k = NULL;
    CCS_TRY(rsa_key(n, e, &k));
    uint8_t *p = NULL;
    int len = i2d_PUBKEY(k, &p);
    ccs_status st = len > 0 ? ccs_buf_set(der, ccs_bytes_of(p, (size_t)len))
                            : ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: cannot encode an RSA key");
    OPENSSL_free(p);
    EVP_PKEY_free(k);
    return st;
}

ccs_status ccs_tpm_spki_rsa(ccs_bytes spki, uint8_t n[static 512], size_t *n_len, uint32_t *e) {
    const uint8_t *p = spki.ptr;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)spki.len);
    BIGNUM *bn = NULL, *be = NULL;
    ccs_status st = CCS_OK;
    if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "tpm: not an RSA key");
    else if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
             EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &be) != 1 || BN_num_bytes(bn) > 512 ||
             BN_num_bits(be) > 32)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "tpm: unusable RSA key");
    if (st == CCS_OK) {
        *n_len = (size_t)BN_bn2bin(bn, n);
        *e = (uint32_t)BN_get_word(be);
    }
    BN_free(bn);
    BN_free(be);
    EVP_PKEY_free(k);
    return st;
}

/* RSA secret sharing: OAEP with the EK's nameAlg for both hashes and the
 * label "IDENTITY\0" (Part 1, B.10.3). */
static ccs_status share_rsa(const ccs_tpm_public *ek, const uint8_t *seed, size_t seed_len, ccs_tpm_credential *out) {
    EVP_PKEY *k = NULL;
    CCS_TRY(rsa_key(ccs_bytes_of(ek->key, ek->key_len), ek->rsa_exponent ? ek->rsa_exponent : 65537, &k));
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    static const char label[] = "IDENTITY";
    void *lab = OPENSSL_memdup(label, sizeof label);
    size_t n = sizeof out->enc_secret;
    ccs_status st = CCS_OK;
    if (ctx == NULL || lab == NULL || EVP_PKEY_encrypt_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md_of(ek->name_alg)) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md_of(ek->name_alg)) != 1 ||
        EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, lab, (int)sizeof label) != 1)
        st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: RSA-OAEP set-up failed");
    else
        lab = NULL; /* owned by ctx */
    if (st == CCS_OK && EVP_PKEY_encrypt(ctx, out->enc_secret, &n, seed, seed_len) != 1)
        st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: RSA-OAEP encryption failed");
    if (st == CCS_OK) out->enc_secret_len = n;
    OPENSSL_free(lab);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return st;
}

/* ECC secret sharing: an ephemeral key on the EK's curve, Z = x of the shared
 * point, seed = KDFe(nameAlg, Z, "IDENTITY", ephemeral x, EK x); the
 * encrypted secret is the ephemeral point as a TPMS_ECC_POINT (Part 1,
 * C.6.4). */
static ccs_status share_ecc(const ccs_tpm_public *ek, uint8_t *seed, size_t seed_len, ccs_tpm_credential *out) {
    ccs_pubkey *k = NULL;
    uint8_t epk[96], z[48];
    size_t field = ek->key_len / 2;
    CCS_TRY(ccs_tpm_public_key(ek, &k));
    ccs_status st = ccs_ecdh_ephemeral(k, epk, z);
    ccs_pubkey_free(k);
    if (st == CCS_OK)
        st = ccs_tpm_kdfe(ek->name_alg, ccs_bytes_of(z, field), "IDENTITY", ccs_bytes_of(epk, field),
                          ccs_bytes_of(ek->key, field), seed, seed_len);
    ccs_wipe(z, sizeof z);
    if (st != CCS_OK) return st;
    uint8_t *p = out->enc_secret;
    tpm_put_u16(p, (uint16_t)field);
    memcpy(p + 2, epk, field);
    tpm_put_u16(p + 2 + field, (uint16_t)field);
    memcpy(p + 4 + field, epk + field, field);
    out->enc_secret_len = 4 + 2 * field;
    return CCS_OK;
}

static ccs_status aes_cfb(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t *out) {
    static const uint8_t iv[16] = {0};
    const EVP_CIPHER *c = key_len == 16 ? EVP_aes_128_cfb128() : key_len == 32 ? EVP_aes_256_cfb128() : NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    ccs_status st = CCS_OK;
    if (c == NULL || ctx == NULL || EVP_EncryptInit_ex(ctx, c, NULL, key, iv) != 1 ||
        EVP_EncryptUpdate(ctx, out, &n, in, (int)len) != 1 || EVP_EncryptFinal_ex(ctx, out + n, &m) != 1 ||
        (size_t)(n + m) != len)
        st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: AES-CFB failed");
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

ccs_status ccs_tpm_make_credential(const ccs_tpm_public *ek, ccs_bytes name, ccs_bytes secret,
                                   ccs_tpm_credential *out) {
    CCS_ENSURE(ek != NULL && out != NULL && name.ptr != NULL && secret.ptr != NULL, CCS_ERR_INVALID_ARG,
               "invalid argument");
    memset(out, 0, sizeof *out);
    size_t h = ccs_tpm_name_hash_len(ek->name_alg);
    CCS_ENSURE(h != 0, CCS_ERR_UNSUPPORTED, "tpm: EK nameAlg 0x%04x", ek->name_alg);
    CCS_ENSURE((ek->attributes & CCS_TPMA_RESTRICTED) && (ek->attributes & CCS_TPMA_DECRYPT), CCS_ERR_KEY,
               "tpm: the EK is not a restricted decryption key");
    CCS_ENSURE(ek->sym_alg == CCS_TPM_ALG_AES && ek->sym_mode == CCS_TPM_ALG_CFB &&
                   (ek->sym_bits == 128 || ek->sym_bits == 256),
               CCS_ERR_UNSUPPORTED, "tpm: the EK's symmetric algorithm is not AES-128/256-CFB");
    CCS_ENSURE(secret.len > 0 && secret.len <= h, CCS_ERR_INVALID_ARG, "tpm: a credential of %zu bytes (1 to %zu)",
               secret.len, h);
    CCS_ENSURE(name.len > 2 && name.len == 2 + ccs_tpm_name_hash_len((uint16_t)(name.ptr[0] << 8 | name.ptr[1])),
               CCS_ERR_INVALID_ARG, "tpm: a Name of %zu bytes", name.len);
    uint8_t seed[64], sym[32], hmac_key[64], plain[2 + CCS_TPM_MAX_SECRET], *id = out->id_object;
    ccs_status st = ccs_random(seed, h);
    if (st == CCS_OK) st = ek->type == CCS_TPM_ALG_RSA ? share_rsa(ek, seed, h, out) : share_ecc(ek, seed, h, out);
    if (st == CCS_OK)
        st = ccs_tpm_kdfa(ek->name_alg, ccs_bytes_of(seed, h), "STORAGE", name, ccs_bytes_of(NULL, 0), sym,
                          ek->sym_bits / 8u);
    if (st == CCS_OK)
        st = ccs_tpm_kdfa(ek->name_alg, ccs_bytes_of(seed, h), "INTEGRITY", ccs_bytes_of(NULL, 0),
                          ccs_bytes_of(NULL, 0), hmac_key, h);
    /* encIdentity = CFB(marshalled TPM2B_DIGEST of the secret); then
     * integrityHMAC = HMAC(encIdentity || name) (Part 1, 24.4-24.5). */
    size_t plen = 2 + secret.len;
    uint8_t *enc = id + 2 + h;
    tpm_put_u16(plain, (uint16_t)secret.len);
    memcpy(plain + 2, secret.ptr, secret.len);
    if (st == CCS_OK) st = aes_cfb(sym, ek->sym_bits / 8u, plain, plen, enc);
    if (st == CCS_OK) {
        uint8_t mac[64];
        ccs_bytes parts[] = {ccs_bytes_of(enc, plen), name};
        st = hmac_parts(ek->name_alg, ccs_bytes_of(hmac_key, h), parts, 2, mac);
        if (st == CCS_OK) memcpy(id + 2, mac, h);
    }
    tpm_put_u16(id, (uint16_t)h);
    out->id_object_len = 2 + h + plen;
    ccs_wipe(seed, sizeof seed);
    ccs_wipe(sym, sizeof sym);
    ccs_wipe(hmac_key, sizeof hmac_key);
    ccs_wipe(plain, sizeof plain);
    if (st != CCS_OK) memset(out, 0, sizeof *out);
    return st;
}
