/* EC private keys (P-256, P-384): generation, PEM in and out (files mode
 * 0600), and ECDSA signing, raw r||s (Intel's quote and collateral
 * encoding) or DER (X.509). Used to build the sim platform's PKI; never on
 * a verification path. EVP_PKEY_free clears the private scalar.
 *
 * Signing goes through the key's EC_KEY and ECDSA_do_sign over a one-shot
 * SHA-256/384, as verification does (ecdsa.c): OpenSSL 3's EVP_DigestSign
 * fetches the algorithms and builds a provider context on every call, a
 * fifth of a P-256 signature's time (22-25 against 28-32 us here); the
 * signature itself is the same code (constant-time nonce multiplication). */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY, ECDSA_do_sign: this file's signing only */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "privkey_internal.h"

#define MAX_KEY_PEM 8192

struct ccs_privkey {
    EVP_PKEY *pkey;
    EC_KEY *ec; /* the same key, for signing (EC_KEY_free clears the scalar) */
    ccs_curve curve;
    size_t field_len;
};

static const char *curve_group(ccs_curve c) {
    return c == CCS_CURVE_P256 ? "P-256" : c == CCS_CURVE_P384 ? "P-384" : NULL;
}

/* Wraps pkey (taken) after checking that it is a P-256 or P-384 key. */
ccs_status ccs__privkey_wrap(EVP_PKEY *pkey, ccs_privkey **out) {
    char group[64] = "";
    size_t glen = 0;
    ccs_curve curve = 0;
    if (EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) == 1) {
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) curve = CCS_CURVE_P256;
        if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) curve = CCS_CURVE_P384;
    }
    if (curve == 0) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        CCS_BAIL(CCS_ERR_KEY, "privkey: not a P-256 or P-384 EC key");
    }
    ccs_privkey *k = OPENSSL_zalloc(sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        CCS_BAIL(CCS_ERR_NOMEM, "privkey: allocation failed");
    }
    k->pkey = pkey;
    if ((k->ec = EVP_PKEY_get1_EC_KEY(pkey)) == NULL) {
        ccs_privkey_free(k);
        CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "privkey: cannot use the EC key");
    }
    k->curve = curve;
    k->field_len = curve == CCS_CURVE_P256 ? 32 : 48;
    *out = k;
    return CCS_OK;
}

ccs_status ccs_privkey_generate(ccs_curve curve, ccs_privkey **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "privkey: NULL output");
    *out = NULL;
    const char *g = curve_group(curve);
    CCS_ENSURE(g != NULL, CCS_ERR_UNSUPPORTED, "privkey: unknown curve %d", (int)curve);
    EVP_PKEY *pkey = EVP_EC_gen(g);
    if (pkey == NULL) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "privkey: key generation failed");
    return ccs__privkey_wrap(pkey, out);
}

void ccs_privkey_free(ccs_privkey *k) {
    if (k == NULL) return;
    EVP_PKEY_free(k->pkey);
    EC_KEY_free(k->ec);
    OPENSSL_clear_free(k, sizeof *k);
}

ccs_curve ccs_privkey_curve(const ccs_privkey *k) { return k ? k->curve : 0; }

/* Internal: the EVP_PKEY (x509_build.c signs with it). */
EVP_PKEY *ccs__privkey_evp(const ccs_privkey *k) { return k ? k->pkey : NULL; }

ccs_status ccs_privkey_public(const ccs_privkey *k, ccs_pubkey **out) {
    CCS_ENSURE(k != NULL && out != NULL, CCS_ERR_INVALID_ARG, "privkey: NULL argument");
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pkey, &der);
    if (n <= 0) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "privkey: cannot encode the public key");
    ccs_status st = ccs_pubkey_from_spki(ccs_bytes_of(der, (size_t)n), out);
    OPENSSL_free(der);
    return st;
}

ccs_status ccs_privkey_to_pem(const ccs_privkey *k, ccs_buf *out) {
    CCS_ENSURE(k != NULL && out != NULL, CCS_ERR_INVALID_ARG, "privkey: NULL argument");
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "privkey: no BIO");
    char *p = NULL;
    ccs_status st = CCS_OK;
    if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
        st = ccs__ossl_fail(CCS_ERR_CRYPTO, CCS_HERE, "privkey: PEM encoding failed");
    long n = st == CCS_OK ? BIO_get_mem_data(bio, &p) : 0;
    if (st == CCS_OK && n > 0) st = ccs_buf_append(out, p, (size_t)n);
    BIO_free(bio); /* secure-heap BIO: cleared on free */
    return st;
}

/* Refuses encrypted PEM instead of prompting for a passphrase. */
static int no_password(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

ccs_status ccs_privkey_from_pem(ccs_bytes pem, ccs_privkey **out) {
    CCS_ENSURE(out != NULL && (pem.ptr != NULL || pem.len == 0), CCS_ERR_INVALID_ARG, "privkey: NULL argument");
    *out = NULL;
    CCS_ENSURE(pem.len > 0 && pem.len <= MAX_KEY_PEM, CCS_ERR_FORMAT, "privkey: PEM of %zu bytes", pem.len);
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "privkey: no BIO");
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (pkey == NULL) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "privkey: not an unencrypted PEM private key");
    return ccs__privkey_wrap(pkey, out);
}

ccs_status ccs_privkey_save(const ccs_privkey *k, const char *path) {
    CCS_ENSURE(k != NULL && path != NULL, CCS_ERR_INVALID_ARG, "privkey: NULL argument");
    ccs_buf pem = {0};
    CCS_TRY(ccs_privkey_to_pem(k, &pem));
    ccs_status st = ccs_file_write_private(path, ccs_buf_view(&pem)); /* a new 0600 file renamed into place */
    ccs_buf_free(&pem);
    return st;
}

ccs_status ccs_privkey_load(const char *path, ccs_privkey **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "privkey: NULL argument");
    ccs_buf pem = {0};
    ccs_status st = ccs_file_read(path, MAX_KEY_PEM, &pem);
    if (st == CCS_OK) st = ccs_privkey_from_pem(ccs_buf_view(&pem), out);
    ccs_buf_free(&pem);
    return st;
}

/* The ECDSA signature of msg's SHA-256 (P-256) or SHA-384 (P-384). */
static ECDSA_SIG *sign_sig(const ccs_privkey *k, ccs_bytes msg) {
    uint8_t md[CCS_SHA384_LEN];
    size_t mdlen = ccs__ec_digest(k->curve, msg, md);
    return ECDSA_do_sign(md, (int)mdlen, k->ec);
}

ccs_status ccs_ecdsa_sign_der(const ccs_privkey *k, ccs_bytes msg, ccs_buf *sig) {
    CCS_ENSURE(k != NULL && sig != NULL && (msg.ptr != NULL || msg.len == 0), CCS_ERR_INVALID_ARG,
               "ecdsa: NULL argument");
    ECDSA_SIG *s = sign_sig(k, msg);
    if (s == NULL) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "ecdsa: signing failed");
    unsigned char *der = NULL;
    int n = i2d_ECDSA_SIG(s, &der);
    ECDSA_SIG_free(s);
    if (n <= 0) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "ecdsa: cannot encode the signature");
    ccs_status st = ccs_buf_append(sig, der, (size_t)n);
    OPENSSL_free(der);
    return st;
}

ccs_status ccs_ecdsa_sign_raw(const ccs_privkey *k, ccs_bytes msg, ccs_buf *sig) {
    uint8_t rs[96];
    CCS_ENSURE(k != NULL && sig != NULL && (msg.ptr != NULL || msg.len == 0), CCS_ERR_INVALID_ARG,
               "ecdsa: NULL argument");
    size_t fl = k->field_len;
    ECDSA_SIG *s = sign_sig(k, msg);
    if (s == NULL) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "ecdsa: signing failed");
    bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(s), rs, (int)fl) == (int)fl &&
              BN_bn2binpad(ECDSA_SIG_get0_s(s), rs + fl, (int)fl) == (int)fl;
    ECDSA_SIG_free(s);
    if (!ok) CCS_OSSL_BAIL(CCS_ERR_CRYPTO, "ecdsa: cannot encode r||s");
    return ccs_buf_append(sig, rs, 2 * fl);
}
