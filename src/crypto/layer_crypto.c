/* Primitives for encrypted container layers (ocicrypt's
 * AES_256_CTR_HMAC_SHA256) and their key wraps: AES-256-CTR, HMAC-SHA256,
 * the JOSE Concat KDF (RFC 7518 4.6.2), RSA-OAEP decryption with a PEM
 * private key and the modulus/exponent of an RSA public key. Streaming
 * contexts, because layers are large. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crypto_internal.h"

/* ---- AES-256-CTR ---- */

/* With VAES (and not CCS_AES_VAES=0 in the environment) our own kernel
 * (aes256ctr_vaes.c); otherwise OpenSSL's. */
struct ccs_aes256ctr {
    EVP_CIPHER_CTX *c;
    bool vaes;
    uint8_t rk[15][16];
    uint64_t ctr[2]; /* the next counter block: high, low */
    uint8_t ks[16];  /* key stream of a block begun by an uneven update */
    size_t ks_used;  /* bytes of ks used; 16: none left */
};

static bool use_vaes(void) {
    const char *e = getenv("CCS_AES_VAES");
    return !(e != NULL && strcmp(e, "0") == 0) && ccs__cpu_has_vaes512();
}

static uint64_t get64be(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

ccs_status ccs_aes256ctr_new(const uint8_t key[static 32], const uint8_t iv[static 16], ccs_aes256ctr **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "aes-ctr: NULL output");
    ccs_aes256ctr *a = OPENSSL_zalloc(sizeof *a);
    if (a == NULL) CCS_BAIL(CCS_ERR_NOMEM, "aes-ctr: no memory");
    a->vaes = use_vaes();
    if (a->vaes) {
        ccs__aes256_expand(key, a->rk);
        a->ctr[0] = get64be(iv), a->ctr[1] = get64be(iv + 8);
        a->ks_used = 16;
        *out = a;
        return CCS_OK;
    }
    a->c = EVP_CIPHER_CTX_new();
    if (a->c == NULL || EVP_EncryptInit_ex(a->c, EVP_aes_256_ctr(), NULL, key, iv) != 1) {
        ccs_aes256ctr_free(a);
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "aes-ctr: set-up failed");
    }
    *out = a;
    return CCS_OK;
}

static void vaes_update(ccs_aes256ctr *a, const uint8_t *in, size_t len, uint8_t *out) {
    for (; len > 0 && a->ks_used < 16; len--) *out++ = *in++ ^ a->ks[a->ks_used++];
    size_t nb = len / 16;
    if (nb > 0) ccs__aes256_ctr_vaes(a->rk, a->ctr, in, out, nb);
    in += nb * 16, out += nb * 16, len -= nb * 16;
    if (len > 0) {
        ccs__aes256_ctr_block(a->rk, a->ctr, a->ks);
        for (a->ks_used = 0; len > 0; len--) *out++ = *in++ ^ a->ks[a->ks_used++];
    }
}

ccs_status ccs_aes256ctr_update(ccs_aes256ctr *a, const uint8_t *in, size_t len, uint8_t *out) {
    CCS_ENSURE(a != NULL && (len == 0 || (in != NULL && out != NULL)), CCS_ERR_INVALID_ARG, "aes-ctr: bad arguments");
    if (a->vaes) {
        vaes_update(a, in, len, out);
        return CCS_OK;
    }
    while (len > 0) { /* EVP takes int lengths */
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len, n = 0;
        if (EVP_EncryptUpdate(a->c, out, &n, in, chunk) != 1 || n != chunk)
            CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "aes-ctr: update failed");
        in += chunk, out += chunk, len -= (size_t)chunk;
    }
    return CCS_OK;
}

void ccs_aes256ctr_free(ccs_aes256ctr *a) {
    if (a == NULL) return;
    EVP_CIPHER_CTX_free(a->c); /* clears the key schedule */
    OPENSSL_clear_free(a, sizeof *a); /* and ours */
}

/* ---- HMAC-SHA256 ---- */

struct ccs_hmac256 {
    EVP_MAC_CTX *c;
};

ccs_status ccs_hmac256_new(ccs_bytes key, ccs_hmac256 **out) {
    CCS_ENSURE(out != NULL && (key.ptr != NULL || key.len == 0), CCS_ERR_INVALID_ARG, "hmac: bad arguments");
    ccs_hmac256 *h = OPENSSL_zalloc(sizeof *h);
    if (h == NULL) CCS_BAIL(CCS_ERR_NOMEM, "hmac: no memory");
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM ps[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                       OSSL_PARAM_construct_end()};
    static const uint8_t empty[1];
    h->c = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    if (h->c == NULL || EVP_MAC_init(h->c, key.len ? key.ptr : empty, key.len, ps) != 1) {
        ccs_hmac256_free(h);
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "hmac: set-up failed");
    }
    *out = h;
    return CCS_OK;
}

ccs_status ccs_hmac256_update(ccs_hmac256 *h, ccs_bytes data) {
    CCS_ENSURE(h != NULL && (data.ptr != NULL || data.len == 0), CCS_ERR_INVALID_ARG, "hmac: bad arguments");
    if (data.len && EVP_MAC_update(h->c, data.ptr, data.len) != 1) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "hmac: update failed");
    return CCS_OK;
}

ccs_status ccs_hmac256_final(ccs_hmac256 *h, uint8_t out[static 32]) {
    size_t n = 0;
    CCS_ENSURE(h != NULL, CCS_ERR_INVALID_ARG, "hmac: NULL context");
    if (EVP_MAC_final(h->c, out, &n, 32) != 1 || n != 32) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "hmac: final failed");
    return CCS_OK;
}

void ccs_hmac256_free(ccs_hmac256 *h) {
    if (h == NULL) return;
    EVP_MAC_CTX_free(h->c);
    OPENSSL_free(h);
}

/* ---- JOSE Concat KDF ---- */

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

ccs_status ccs_concat_kdf_sha256(ccs_bytes z, const char *alg, ccs_bytes apu, ccs_bytes apv, size_t out_len,
                                 uint8_t *out) {
    CCS_ENSURE(z.ptr != NULL && z.len > 0 && alg != NULL && out != NULL && out_len > 0 && out_len <= 64,
               CCS_ERR_INVALID_ARG, "concat kdf: bad arguments");
    CCS_ENSURE(apu.len <= 1024 && apv.len <= 1024, CCS_ERR_INVALID_ARG, "concat kdf: party info too long");
    size_t alen = strlen(alg);
    uint8_t be[4];
    for (uint32_t round = 1, done = 0; done < out_len; round++) {
        uint8_t md[32];
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        bool ok = m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1;
        put32(be, round);
        ok = ok && EVP_DigestUpdate(m, be, 4) == 1 && EVP_DigestUpdate(m, z.ptr, z.len) == 1;
        put32(be, (uint32_t)alen);
        ok = ok && EVP_DigestUpdate(m, be, 4) == 1 && EVP_DigestUpdate(m, alg, alen) == 1;
        put32(be, (uint32_t)apu.len);
        ok = ok && EVP_DigestUpdate(m, be, 4) == 1 && (apu.len == 0 || EVP_DigestUpdate(m, apu.ptr, apu.len) == 1);
        put32(be, (uint32_t)apv.len);
        ok = ok && EVP_DigestUpdate(m, be, 4) == 1 && (apv.len == 0 || EVP_DigestUpdate(m, apv.ptr, apv.len) == 1);
        put32(be, (uint32_t)(out_len * 8));
        ok = ok && EVP_DigestUpdate(m, be, 4) == 1 && EVP_DigestFinal_ex(m, md, NULL) == 1;
        EVP_MD_CTX_free(m);
        if (!ok) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "concat kdf: digest failed");
        size_t take = out_len - done < 32 ? out_len - done : 32;
        memcpy(out + done, md, take);
        ccs_wipe(md, sizeof md);
        done += (uint32_t)take;
    }
    return CCS_OK;
}

/* ---- RSA key material from PEM ---- */

static int no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

ccs_status ccs_rsa_oaep_decrypt_pem(ccs_bytes pem, ccs_oaep_hash hash, ccs_bytes ct, ccs_buf *pt) {
    CCS_ENSURE(pem.ptr != NULL && pem.len > 0 && pem.len <= 65536 && pt != NULL, CCS_ERR_INVALID_ARG,
               "rsa-oaep: bad arguments");
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "rsa-oaep: no BIO");
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (pkey == NULL) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "rsa-oaep: no unencrypted private key in the PEM");
    ccs_status st = CCS_OK;
    EVP_PKEY_CTX *c = NULL;
    size_t len = 0;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "rsa-oaep: not an RSA key");
    else if ((size_t)EVP_PKEY_get_size(pkey) != ct.len)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "rsa-oaep: ciphertext of %zu bytes for a %d-byte modulus", ct.len,
                           EVP_PKEY_get_size(pkey));
    if (st == CCS_OK) {
        const EVP_MD *md = hash == CCS_OAEP_SHA256 ? EVP_sha256() : EVP_sha1();
        c = EVP_PKEY_CTX_new(pkey, NULL);
        if (c == NULL || EVP_PKEY_decrypt_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_oaep_md(c, md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) != 1 ||
            EVP_PKEY_decrypt(c, NULL, &len, ct.ptr, ct.len) != 1)
            st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "rsa-oaep: set-up failed");
    }
    if (st == CCS_OK) st = ccs_buf_reserve(pt, len + 1);
    if (st == CCS_OK && EVP_PKEY_decrypt(c, pt->ptr + pt->len, &len, ct.ptr, ct.len) != 1) {
        ERR_clear_error();
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "rsa-oaep: decryption failed (wrong key, or altered data)");
    }
    if (st == CCS_OK) {
        pt->len += len;
        pt->ptr[pt->len] = 0;
    }
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pkey);
    return st;
}

ccs_status ccs_pubkey_rsa_raw(const ccs_pubkey *k, ccs_buf *n, ccs_buf *e) {
    CCS_ENSURE(k != NULL && n != NULL && e != NULL, CCS_ERR_INVALID_ARG, "rsa: bad arguments");
    CCS_ENSURE(k->pkey != NULL && EVP_PKEY_get_base_id(k->pkey) == EVP_PKEY_RSA, CCS_ERR_KEY, "rsa: not an RSA key");
    BIGNUM *bn = NULL, *be = NULL;
    ccs_status st = CCS_OK;
    if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
        EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &be) != 1)
        st = ccs__ossl_fail(CCS_ERR_KEY, CCS_HERE, "rsa: cannot read n and e");
    if (st == CCS_OK) st = ccs_buf_reserve(n, n->len + (size_t)BN_num_bytes(bn) + 1);
    if (st == CCS_OK) n->len += (size_t)BN_bn2bin(bn, n->ptr + n->len);
    if (st == CCS_OK) st = ccs_buf_reserve(e, e->len + (size_t)BN_num_bytes(be) + 1);
    if (st == CCS_OK) e->len += (size_t)BN_bn2bin(be, e->ptr + e->len);
    BN_free(bn);
    BN_free(be);
    return st;
}
