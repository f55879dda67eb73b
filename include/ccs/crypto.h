/*
 * ccs/crypto.h - thin, hard-to-misuse wrappers over OpenSSL 3. Only
 * src/crypto includes OpenSSL headers; everything else calls these.
 *
 * Objects are opaque with _new/_free pairs (or _parse/_free); _free(NULL) is a
 * no-op. Verification functions return CCS_OK only when the check passed;
 * a signature that does not verify is CCS_ERR_SIGNATURE, never CCS_ERR_CRYPTO.
 */
#ifndef CCS_CRYPTO_H
#define CCS_CRYPTO_H

#include "ccs/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_SHA256_LEN 32
#define CCS_SHA384_LEN 48

/* ---- digests ---------------------------------------------------------------- */

void ccs_sha256(ccs_bytes in, uint8_t out[static CCS_SHA256_LEN]);
void ccs_sha384(ccs_bytes in, uint8_t out[static CCS_SHA384_LEN]);
/* SHA-256 over the concatenation of n views (no copy). */
void ccs_sha256_v(const ccs_bytes *parts, size_t n, uint8_t out[static CCS_SHA256_LEN]);
/* HMAC-SHA256 (RFC 2104) under key over the concatenation of n views. */
void ccs_hmac_sha256_v(ccs_bytes key, const ccs_bytes *parts, size_t n, uint8_t out[static CCS_SHA256_LEN]);
/* SHA-256 over data given in pieces: new, update..., final (which starts
 * the stream again), free. */
typedef struct ccs_sha256_stream ccs_sha256_stream;
CCS_MUST_USE ccs_status ccs_sha256_stream_new(ccs_sha256_stream **out);
void ccs_sha256_stream_update(ccs_sha256_stream *s, ccs_bytes data);
void ccs_sha256_stream_final(ccs_sha256_stream *s, uint8_t out[static CCS_SHA256_LEN]);
void ccs_sha256_stream_free(ccs_sha256_stream *s);

/* Constant-time equality (CRYPTO_memcmp) for MACs, tags, nonces, tokens. */
bool ccs_ct_eq(ccs_bytes a, ccs_bytes b);
/* Wipes memory the compiler cannot elide (OPENSSL_cleanse). */
void ccs_wipe(void *p, size_t n);
/* Cryptographically secure random bytes. */
CCS_MUST_USE ccs_status ccs_random(void *out, size_t n);

/* ---- key derivation and authenticated encryption ------------------------------- */

/* HKDF-SHA-256 (RFC 5869): out_len bytes (at most 8160). */
CCS_MUST_USE ccs_status ccs_hkdf_sha256(ccs_bytes salt, ccs_bytes ikm, ccs_bytes info, uint8_t *out, size_t out_len);
/* AES-256-GCM with a 12-byte nonce and a 16-byte tag. Seal appends the
 * ciphertext (same length as pt) to ct; open appends the plaintext to pt and
 * fails with CCS_ERR_SIGNATURE, appending nothing, when the tag is wrong. */
CCS_MUST_USE ccs_status ccs_aes256gcm_seal(const uint8_t key[static 32], const uint8_t nonce[static 12], ccs_bytes aad,
                                           ccs_bytes pt, ccs_buf *ct, uint8_t tag[static 16]);
CCS_MUST_USE ccs_status ccs_aes256gcm_open(const uint8_t key[static 32], const uint8_t nonce[static 12], ccs_bytes aad,
                                           ccs_bytes ct, const uint8_t tag[static 16], ccs_buf *pt);

/* ---- SM2/SM3 (Chinese national standards) ------------------------------------ */

#define CCS_SM3_LEN 32

/* SM3 digest (GB/T 32905-2016). */
void ccs_sm3(ccs_bytes in, uint8_t out[static CCS_SM3_LEN]);
/* HMAC (RFC 2104) with SM3. */
CCS_MUST_USE ccs_status ccs_hmac_sm3(ccs_bytes key, ccs_bytes msg, uint8_t out[static CCS_SM3_LEN]);
/* Verifies an SM2 signature (GB/T 32918.2) with SM3 over
 * SM3(Z_A || msg), Z_A computed from user_id (the signer's distinguishing
 * ID; no default is assumed) and the public key. pub_xy: x||y, 64 bytes
 * big-endian; sig_rs: r||s, 64 bytes big-endian. CCS_OK, CCS_ERR_SIGNATURE
 * (does not verify, or r/s outside [1, n-1]), CCS_ERR_KEY (not a point on
 * the SM2 curve), CCS_ERR_INVALID_ARG. */
CCS_MUST_USE ccs_status ccs_sm2_verify(ccs_bytes pub_xy, ccs_bytes user_id, ccs_bytes msg, ccs_bytes sig_rs);

/* ---- public keys and ECDSA ----------------------------------------------- */

typedef enum ccs_curve {
    CCS_CURVE_P256 = 1, /* ECDSA with SHA-256 */
    CCS_CURVE_P384 = 2, /* ECDSA with SHA-384 */
} ccs_curve;

typedef struct ccs_pubkey ccs_pubkey;

/* An EC public key from raw affine coordinates x||y (64 bytes for P-256, 96
 * for P-384) or the SEC1 uncompressed form 04||x||y. The point must be on the
 * curve (CCS_ERR_KEY otherwise). */
CCS_MUST_USE ccs_status ccs_pubkey_from_ec_raw(ccs_curve curve, ccs_bytes xy, ccs_pubkey **out);
/* A public key from DER SubjectPublicKeyInfo. */
CCS_MUST_USE ccs_status ccs_pubkey_from_spki(ccs_bytes der, ccs_pubkey **out);
void ccs_pubkey_free(ccs_pubkey *k);
/* Curve of an EC key, or 0 for other key types. */
ccs_curve ccs_pubkey_curve(const ccs_pubkey *k);
/* Raw x||y of an EC key into out (cap >= 96); *len gets 64 or 96. */
CCS_MUST_USE ccs_status ccs_pubkey_ec_raw(const ccs_pubkey *k, uint8_t *out, size_t cap, size_t *len);

/* Verifies an ECDSA signature over msg (hashed with the curve's digest).
 * raw: r||s big-endian, each exactly the field size (IEEE P1363). */
CCS_MUST_USE ccs_status ccs_ecdsa_verify_raw(const ccs_pubkey *k, ccs_bytes msg, ccs_bytes sig_rs);
/* der: ASN.1 DER Ecdsa-Sig-Value; non-DER (BER) encodings are rejected. */
CCS_MUST_USE ccs_status ccs_ecdsa_verify_der(const ccs_pubkey *k, ccs_bytes msg, ccs_bytes sig_der);
/* Same as _raw but over a digest the caller computed (len = curve digest). */
CCS_MUST_USE ccs_status ccs_ecdsa_verify_digest_raw(const ccs_pubkey *k, ccs_bytes digest, ccs_bytes sig_rs);

/* ---- signatures with a chosen hash and scheme (sig.c) ------------------------ */

typedef enum ccs_hash_alg {
    CCS_HASH_SHA256 = 1,
    CCS_HASH_SHA384 = 2,
    CCS_HASH_SHA512 = 3,
} ccs_hash_alg;

typedef enum ccs_sig_scheme {
    CCS_SIG_ECDSA_RAW = 1, /* r||s, each the field size (P-256/SHA-256, P-384/SHA-384 only) */
    CCS_SIG_ECDSA_DER = 2, /* DER Ecdsa-Sig-Value (same pairings) */
    CCS_SIG_RSA_PKCS1 = 3, /* RSASSA-PKCS1-v1_5 (RFC 8017 section 8.2), at least 2048 bits */
    CCS_SIG_RSA_PSS = 4,   /* RSASSA-PSS, MGF1 with the same hash, salt length = digest length */
} ccs_sig_scheme;

/* Digest length of alg (0 for an unknown one). */
size_t ccs_hash_len(ccs_hash_alg alg);
/* out gets ccs_hash_len(alg) bytes (cap must be at least that); len may be NULL. */
CCS_MUST_USE ccs_status ccs_digest(ccs_hash_alg alg, ccs_bytes in, uint8_t *out, size_t cap, size_t *len);
/* Verifies sig over msg (hashed with `hash`) under scheme. CCS_ERR_SIGNATURE
 * when it does not verify, CCS_ERR_KEY when the key does not fit the scheme,
 * CCS_ERR_UNSUPPORTED for an unknown scheme/hash or an ECDSA curve/hash pair
 * other than P-256/SHA-256 and P-384/SHA-384. */
CCS_MUST_USE ccs_status ccs_pubkey_verify(const ccs_pubkey *k, ccs_sig_scheme scheme, ccs_hash_alg hash,
                                          ccs_bytes msg, ccs_bytes sig);
/* A public key from a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block. */
CCS_MUST_USE ccs_status ccs_pubkey_from_pem(ccs_bytes pem, ccs_pubkey **out);
/* The DER SubjectPublicKeyInfo of a key (replaces der's contents). */
CCS_MUST_USE ccs_status ccs_pubkey_spki(const ccs_pubkey *k, ccs_buf *der);
/* The key as a PEM "PUBLIC KEY" block (replaces pem's contents). */
CCS_MUST_USE ccs_status ccs_pubkey_pem(const ccs_pubkey *k, ccs_buf *pem);
/* True when both keys have the same SubjectPublicKeyInfo. */
bool ccs_pubkey_equal(const ccs_pubkey *a, const ccs_pubkey *b);

/* ---- X.509 certificates, chains and CRLs ------------------------------------- */

typedef struct ccs_x509 ccs_x509;
typedef struct ccs_x509_chain ccs_x509_chain; /* ordered list, leaf first */
typedef struct ccs_crl ccs_crl;

/* Parse errors: CCS_ERR_TRUNCATED (input ends inside the DER), CCS_ERR_TRAILING
 * (bytes after it), CCS_ERR_FORMAT (anything else; also PEM without a cert). */
/* Decoded certificates are kept in a process-wide, thread-safe cache keyed
 * by the SHA-256 of their DER (OpenSSL 3.0 decoding is slower than an ECDSA
 * verification); only decoding is cached, never a verification result. */
CCS_MUST_USE ccs_status ccs_x509_parse_der(ccs_bytes der, ccs_x509 **out);
/* Empties the decoded-certificate cache (benchmarks, memory pressure). */
void ccs_x509_cache_clear(void);
CCS_MUST_USE ccs_status ccs_x509_parse_pem(ccs_bytes pem, ccs_x509 **out); /* first cert */
void ccs_x509_free(ccs_x509 *c);
/* DER encoding of the certificate (view valid while c lives). */
ccs_bytes ccs_x509_der(const ccs_x509 *c);
/* The subject public key (caller frees). */
CCS_MUST_USE ccs_status ccs_x509_pubkey(const ccs_x509 *c, ccs_pubkey **out);
/* Subject / issuer common name into out (NUL-terminated, truncation is an error). */
CCS_MUST_USE ccs_status ccs_x509_subject_cn(const ccs_x509 *c, char *out, size_t cap);
CCS_MUST_USE ccs_status ccs_x509_issuer_cn(const ccs_x509 *c, char *out, size_t cap);
/* notBefore/notAfter as Unix seconds. */
CCS_MUST_USE ccs_status ccs_x509_validity(const ccs_x509 *c, ccs_time *not_before, ccs_time *not_after);
/* The DER contents (the extnValue OCTET STRING's content) of the extension
 * with the given dotted OID; CCS_ERR_NOT_FOUND if absent, CCS_ERR_FORMAT if
 * present twice. The view is valid while c lives. */
CCS_MUST_USE ccs_status ccs_x509_extension(const ccs_x509 *c, const char *oid, ccs_bytes *out);
/* True when both certificates have identical DER encodings. */
bool ccs_x509_equal(const ccs_x509 *a, const ccs_x509 *b);

/* Parses every PEM certificate in text (other text and NULs between blocks
 * are ignored); at least one is required. */
CCS_MUST_USE ccs_status ccs_x509_chain_parse_pem(ccs_bytes pem, ccs_x509_chain **out);
void ccs_x509_chain_free(ccs_x509_chain *ch);
size_t ccs_x509_chain_len(const ccs_x509_chain *ch);
const ccs_x509 *ccs_x509_chain_get(const ccs_x509_chain *ch, size_t i);

/* CRL from DER, or PEM (detected by "-----BEGIN"). */
CCS_MUST_USE ccs_status ccs_crl_parse(ccs_bytes data, ccs_crl **out);
void ccs_crl_free(ccs_crl *crl);
/* thisUpdate / nextUpdate as Unix seconds (nextUpdate absent: CCS_ERR_FORMAT). */
CCS_MUST_USE ccs_status ccs_crl_window(const ccs_crl *crl, ccs_time *this_update, ccs_time *next_update);
/* Checks the CRL signature with the issuer's key (CCS_ERR_SIGNATURE) and that
 * issuer names match (CCS_ERR_MISMATCH). */
CCS_MUST_USE ccs_status ccs_crl_verify(const ccs_crl *crl, const ccs_x509 *issuer);
/* CCS_ERR_REVOKED when cert's serial is listed; CCS_ERR_MISMATCH when the CRL
 * is not from cert's issuer (by name). */
CCS_MUST_USE ccs_status ccs_crl_check(const ccs_crl *crl, const ccs_x509 *cert);

/* Verifies that chain[0] (the leaf) chains through chain[1..] to the pinned
 * root at time `at`, using OpenSSL's path validation (signatures, validity
 * periods, CA basic constraints, key usage, name chaining). A root that
 * appears in `chain` is ignored as a trust anchor: only `root` is trusted.
 * If crls is non-NULL, each certificate below the root must be covered by a
 * CRL from its issuer in crls, valid at `at`, and not list it.
 * Errors: CCS_ERR_UNTRUSTED (does not reach the root), CCS_ERR_EXPIRED
 * (certificate or CRL outside its window; as in OpenSSL, the notAfter /
 * nextUpdate second itself is outside), CCS_ERR_REVOKED, CCS_ERR_SIGNATURE,
 * CCS_ERR_NOT_FOUND (crls given but one is missing), CCS_ERR_CERT (anything
 * else); ccs_error_detail() has OpenSSL's reason and the failing depth. */
CCS_MUST_USE ccs_status ccs_x509_verify_chain(const ccs_x509_chain *chain, const ccs_x509 *root,
                                              const ccs_crl *const *crls, size_t ncrls, ccs_time at);

/* ---- private keys, signing, building certificates and CRLs ------------------------
 * For the sim platform's PKI (src/tee/sim*) and tests: not on any verification
 * path. Private keys are wiped when freed and saved with mode 0600. */

typedef struct ccs_privkey ccs_privkey;

/* A fresh EC key pair on `curve`. */
CCS_MUST_USE ccs_status ccs_privkey_generate(ccs_curve curve, ccs_privkey **out);
void ccs_privkey_free(ccs_privkey *k); /* wipes the private scalar; NULL ok */
ccs_curve ccs_privkey_curve(const ccs_privkey *k);
/* The public half (caller frees). */
CCS_MUST_USE ccs_status ccs_privkey_public(const ccs_privkey *k, ccs_pubkey **out);
/* Unencrypted PKCS#8 PEM ("PRIVATE KEY"), appended to out (wipe it after use). */
CCS_MUST_USE ccs_status ccs_privkey_to_pem(const ccs_privkey *k, ccs_buf *out);
/* An EC private key from PEM (PKCS#8 or SEC1 "EC PRIVATE KEY"), unencrypted. */
CCS_MUST_USE ccs_status ccs_privkey_from_pem(ccs_bytes pem, ccs_privkey **out);
/* Writes the PEM to path, created or replaced with mode 0600. */
CCS_MUST_USE ccs_status ccs_privkey_save(const ccs_privkey *k, const char *path);
CCS_MUST_USE ccs_status ccs_privkey_load(const char *path, ccs_privkey **out);

/* ECDSA over msg, hashed with the curve's digest. raw: r||s big-endian
 * (64 or 96 bytes) appended to sig; der: an Ecdsa-Sig-Value appended to sig. */
CCS_MUST_USE ccs_status ccs_ecdsa_sign_raw(const ccs_privkey *k, ccs_bytes msg, ccs_buf *sig);
CCS_MUST_USE ccs_status ccs_ecdsa_sign_der(const ccs_privkey *k, ccs_bytes msg, ccs_buf *sig);

/* keyUsage bits for ccs_x509_spec.key_usage. */
#define CCS_KU_DIGITAL_SIGNATURE 0x01u
#define CCS_KU_NON_REPUDIATION 0x02u
#define CCS_KU_KEY_CERT_SIGN 0x04u
#define CCS_KU_CRL_SIGN 0x08u

/* An extension by dotted OID with the given DER contents (the extnValue). */
typedef struct ccs_x509_ext {
    const char *oid;
    ccs_bytes der;
    bool critical;
} ccs_x509_ext;

typedef struct ccs_x509_spec {
    const char *subject_cn, *subject_o; /* subject (and, self-signed, issuer) name: CN, O */
    uint64_t serial;                    /* > 0 */
    ccs_time not_before, not_after;
    bool ca;                            /* critical basicConstraints CA:TRUE (else CA:FALSE) */
    int path_len;                       /* CA only: pathLenConstraint, or -1 for none */
    unsigned key_usage;                 /* CCS_KU_* bits (critical); 0: no keyUsage */
    const ccs_x509_ext *exts;           /* further extensions, added in order */
    size_t n_exts;
} ccs_x509_spec;

/* Builds a v3 certificate for subject_key, with subject/authority key
 * identifiers, signed by issuer_key (ECDSA with SHA-256 for P-256, SHA-384
 * for P-384). issuer NULL: self-signed (issuer_key must be subject_key). */
CCS_MUST_USE ccs_status ccs_x509_build(const ccs_x509_spec *spec, const ccs_privkey *subject_key,
                                       const ccs_x509 *issuer, const ccs_privkey *issuer_key, ccs_x509 **out);
/* A v2 CRL (with CRL number and authority key identifier) issued by
 * issuer/issuer_key, listing the given serials; DER appended to der. */
CCS_MUST_USE ccs_status ccs_crl_build(const ccs_x509 *issuer, const ccs_privkey *issuer_key, ccs_time this_update,
                                      ccs_time next_update, uint64_t crl_number, const uint64_t *revoked,
                                      size_t n_revoked, ccs_buf *der);
/* PEM ("-----BEGIN <label>-----", 64-column base64) of der, appended to out. */
CCS_MUST_USE ccs_status ccs_pem_encode(const char *label, ccs_bytes der, ccs_buf *out);
/* The certificate as PEM, appended to out. */
CCS_MUST_USE ccs_status ccs_x509_to_pem(const ccs_x509 *c, ccs_buf *out);

/* ---- RSA-OAEP key transport and raw key material for JOSE (rsa_oaep.c) -------
 * For the KBS resource JWE (RFC 7518 4.3: "RSA-OAEP" is SHA-1 with MGF1-SHA-1,
 * "RSA-OAEP-256" SHA-256 with MGF1-SHA-256). Keys come as the big-endian
 * integers of a JWK; moduli of 2048..8192 bits. */

typedef enum ccs_oaep_hash {
    CCS_OAEP_SHA1 = 1,
    CCS_OAEP_SHA256 = 2,
} ccs_oaep_hash;

typedef struct ccs_rsa_private_raw {
    ccs_bytes n, e, d, p, q, dp, dq, qi;
} ccs_rsa_private_raw;

/* Encrypts pt (a content key) to the public key (n, e); appended to ct. */
CCS_MUST_USE ccs_status ccs_rsa_oaep_encrypt(ccs_bytes n, ccs_bytes e, ccs_oaep_hash hash, ccs_bytes pt, ccs_buf *ct);
/* Decrypts; CCS_ERR_SIGNATURE (nothing appended) when it does not decrypt. */
CCS_MUST_USE ccs_status ccs_rsa_oaep_decrypt(const ccs_rsa_private_raw *k, ccs_oaep_hash hash, ccs_bytes ct,
                                             ccs_buf *pt);
/* The private scalar d and public x||y of an unencrypted EC private key in
 * PEM (PKCS#8 or SEC1), P-256 or P-384; *field_len gets 32 or 48. The caller
 * wipes d. */
CCS_MUST_USE ccs_status ccs_ec_private_pem_raw(ccs_bytes pem, ccs_curve *curve, uint8_t d[static 48],
                                               uint8_t xy[static 96], size_t *field_len);

/* ---- ECDH and AES key wrap for JOSE ECDH-ES+A256KW (ecdh.c) -----------------
 * peer keys come from ccs_pubkey_* (on-curve checked); Z is the x coordinate
 * of the shared point, field size (32 or 48 bytes). Callers wipe z. */

/* A fresh ephemeral key on peer's curve: its public x||y to epk_xy (2 x
 * field size) and the shared secret to z. */
CCS_MUST_USE ccs_status ccs_ecdh_ephemeral(const ccs_pubkey *peer, uint8_t epk_xy[static 96], uint8_t z[static 48]);
/* The shared secret of the private scalar d (big-endian, field size) and peer. */
CCS_MUST_USE ccs_status ccs_ecdh_scalar(ccs_bytes d, const ccs_pubkey *peer, uint8_t z[static 48]);
/* RFC 3394 AES-256 key wrap: out gets key.len + 8 bytes. */
CCS_MUST_USE ccs_status ccs_aes256kw_wrap(const uint8_t kek[static 32], ccs_bytes key, uint8_t *out);
/* Unwraps (out gets wrapped.len - 8 bytes); CCS_ERR_SIGNATURE when the
 * integrity check fails (wrong key or altered data). */
CCS_MUST_USE ccs_status ccs_aes256kw_unwrap(const uint8_t kek[static 32], ccs_bytes wrapped, uint8_t *out);
/* An EC private key from its scalar d and public x||y (a JWK's d, x, y);
 * CCS_ERR_KEY unless x||y = d*G. */
CCS_MUST_USE ccs_status ccs_privkey_from_ec_raw(ccs_curve curve, ccs_bytes d, ccs_bytes xy, ccs_privkey **out);

/* ---- encrypted container layers (layer_crypto.c) ---------------------------
 * ocicrypt's AES_256_CTR_HMAC_SHA256 and the JWE key wraps of its recipients.
 * Streaming contexts: layers are large. */

/* With VAES (AVX-512) an own kernel, about twice OpenSSL 3.0's speed;
 * CCS_AES_VAES=0 in the environment forces OpenSSL's. The counter is the
 * whole 16-byte block, big-endian, carried across all 128 bits. */
typedef struct ccs_aes256ctr ccs_aes256ctr;
/* iv: the whole initial 128-bit counter block. */
CCS_MUST_USE ccs_status ccs_aes256ctr_new(const uint8_t key[static 32], const uint8_t iv[static 16],
                                          ccs_aes256ctr **out);
/* Encrypts or decrypts (the same in CTR) len bytes; in and out may be equal. */
CCS_MUST_USE ccs_status ccs_aes256ctr_update(ccs_aes256ctr *a, const uint8_t *in, size_t len, uint8_t *out);
void ccs_aes256ctr_free(ccs_aes256ctr *a);

typedef struct ccs_hmac256 ccs_hmac256;
CCS_MUST_USE ccs_status ccs_hmac256_new(ccs_bytes key, ccs_hmac256 **out);
CCS_MUST_USE ccs_status ccs_hmac256_update(ccs_hmac256 *h, ccs_bytes data);
CCS_MUST_USE ccs_status ccs_hmac256_final(ccs_hmac256 *h, uint8_t out[static 32]);
void ccs_hmac256_free(ccs_hmac256 *h);

/* RFC 7518 4.6.2 Concat KDF with SHA-256: out_len (<= 64) bytes from Z, the
 * AlgorithmID string (alg, or enc for direct ECDH-ES) and PartyU/VInfo. */
CCS_MUST_USE ccs_status ccs_concat_kdf_sha256(ccs_bytes z, const char *alg, ccs_bytes apu, ccs_bytes apv,
                                              size_t out_len, uint8_t *out);
/* RSA-OAEP decryption with an unencrypted PEM private key (PKCS#8 or PKCS#1);
 * CCS_ERR_SIGNATURE when it does not decrypt. */
CCS_MUST_USE ccs_status ccs_rsa_oaep_decrypt_pem(ccs_bytes pem, ccs_oaep_hash hash, ccs_bytes ct, ccs_buf *pt);
/* The big-endian modulus and exponent of an RSA public key (appended). */
CCS_MUST_USE ccs_status ccs_pubkey_rsa_raw(const ccs_pubkey *k, ccs_buf *n, ccs_buf *e);

/* ---- TLS server contexts for libevent (tls.c) --------------------------------
 * The only OpenSSL SSL code: a server context from PEM files (TLS 1.2+), and
 * the per-connection OpenSSL bufferevent that evhttp_set_bevcb wants. */

typedef struct ccs_tls_server ccs_tls_server;
struct bufferevent;
struct event_base;

/* cert_path: PEM chain, leaf first; key_path: the leaf's private key (PEM). */
CCS_MUST_USE ccs_status ccs_tls_server_new(const char *cert_path, const char *key_path, ccs_tls_server **out);
void ccs_tls_server_free(ccs_tls_server *t);
/* A new accepting TLS bufferevent on base (fd -1: evhttp sets it), or NULL. */
struct bufferevent *ccs_tls_bufferevent_new(ccs_tls_server *t, struct event_base *base);

#ifdef __cplusplus
}
#endif
#endif
