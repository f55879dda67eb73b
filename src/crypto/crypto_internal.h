/*
 * crypto_internal.h - private to src/crypto: the layouts of the opaque
 * objects declared in ccs/crypto.h and small helpers shared by its files.
 */
#ifndef CCS_CRYPTO_INTERNAL_H
#define CCS_CRYPTO_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ccs/crypto.h"

/* Upper bound on certificates in one PEM chain (Intel's are 2 or 3). */
#define CCS_X509_CHAIN_MAX 16

/* A public key. EC keys (P-256/P-384) hold only a ready low-level EC_KEY, so
 * that verification goes straight to ECDSA_do_verify without EVP/provider
 * dispatch (the quote verifier's hot path); other key types hold only an
 * EVP_PKEY. */
struct ccs_pubkey {
    struct ec_key_st *ec; /* EC_KEY, NULL for non-EC keys */
    EVP_PKEY *pkey;       /* non-EC keys only */
    ccs_curve curve;      /* 0 for non-EC keys */
    size_t field_len;     /* 32 or 48 for EC keys */
};

struct ccs_x509 {
    X509 *x;
    unsigned char *der; /* i2d_X509 encoding, OPENSSL_malloc'd */
    size_t der_len;
};

struct ccs_x509_chain {
    ccs_x509 *certs[CCS_X509_CHAIN_MAX];
    size_t n;
};

struct ccs_crl {
    X509_CRL *crl;
};

/* Records a failure of an OpenSSL call: the message plus OpenSSL's reason
 * (the last entry of the thread's error queue), then clears that queue so it
 * does not grow across calls. Returns st. */
ccs_status ccs__ossl_fail(ccs_status st, const char *file, int line, const char *what);
#define CCS_OSSL_BAIL(st, what) return ccs__ossl_fail((st), CCS_HERE, (what))

/* Status for a failed d2i: CCS_ERR_TRUNCATED when OpenSSL says the input ran
 * out (header or content longer than the data), CCS_ERR_FORMAT otherwise.
 * Peeks at, but does not clear, the error queue. */
ccs_status ccs__d2i_status(void);

/* ASN1_TIME (UTCTime or GeneralizedTime) to Unix seconds. */
ccs_status ccs__asn1_time(const ASN1_TIME *t, ccs_time *out);

/* The decoded-certificate cache (x509_cache.c): get returns a new reference
 * or NULL; put takes its own reference. */
X509 *ccs__x509_cache_get(const uint8_t key[32]);
void ccs__x509_cache_put(const uint8_t key[32], X509 *x);

/* Wraps an X509 (takes ownership of one reference) into a ccs_x509. */
ccs_status ccs__x509_wrap(X509 *x, ccs_x509 **out);

/* AES-256-CTR on VAES (aes256ctr_vaes.c), for ccs_aes256ctr when the CPU
 * has it: the AES-NI key schedule; one key-stream block (counter: [0] the
 * high 64 bits, [1] the low, advanced with carry); nb whole blocks. */
bool ccs__cpu_has_vaes512(void);
void ccs__aes256_expand(const uint8_t key[32], uint8_t rk[15][16]);
void ccs__aes256_ctr_block(const uint8_t rk[15][16], uint64_t ctr[2], uint8_t ks[16]);
void ccs__aes256_ctr_vaes(const uint8_t rk[15][16], uint64_t ctr[2], const uint8_t *in, uint8_t *out, size_t nb);

/* SHA-512 of in (digest.c, the low-level path as ccs_sha256/ccs_sha384). */
void ccs_sha512(ccs_bytes in, uint8_t out[static 64]);
/* The ECDSA digest of msg for curve: SHA-256 for P-256, SHA-384 for P-384
 * (digest.c); returns its length. */
size_t ccs__ec_digest(ccs_curve curve, ccs_bytes msg, uint8_t md[static CCS_SHA384_LEN]);

#endif
