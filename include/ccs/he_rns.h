/*
 * ccs/he_rns.h - the RNS polynomial core and the BGV and BFV schemes.
 * Library ccs_he (src/he/rns*.c, prng.c, keys.c, bgv.c, bfv.c, serial.c).
 * Guide: docs/he.md, "BGV and BFV".
 *
 * A context (ccs_he_ctx) is built once from a parameter set: ring degree N,
 * a chain of data primes q_0..q_{L-1}, one special prime P for hybrid key
 * switching (SEAL's layout: the decomposition digits are the data primes),
 * and the plain modulus t. All primes come from ccs_he_primes below 2^50
 * so the AVX-512 IFMA NTT applies. The total log2(q_0..q_{L-1} P) is checked
 * against the HomomorphicEncryption.org table; insecure sets are refused
 * (CCS_ERR_POLICY) unless insecure_allow is set. The context is immutable
 * and may be shared between threads.
 *
 * Randomness: every key generation and encryption draws a 32-byte seed from
 * the OS CSPRNG (ccs_random) and expands it with AES-256-CTR (prng.c), so the
 * uniform "a" parts of public keys, key-switching keys and symmetric
 * ciphertexts serialize as their seed. Secret keys are ternary (uniform in
 * {-1, 0, 1}); errors are centered binomial with eta = 21 (sigma = sqrt(10.5)
 * = 3.24, bound 21), the distribution's standard stand-in for the discrete
 * Gaussian with sigma 3.2.
 *
 * Ciphertexts live in NTT form over the data primes of their level. BGV
 * carries a correction factor (the plaintext scale in Z_t that modulus
 * switching introduces) that decryption removes. BFV multiplies with the
 * HPS basis extension (Halevi-Polyakov-Shoup 2019) implemented without
 * floating point: the fractional sums use 64-bit fixed point.
 *
 * Objects are opaque, caller-owned, made with _new and released with _free;
 * evaluator outputs are caller-allocated and may alias inputs.
 * Errors: CCS_ERR_INVALID_ARG (bad argument, mismatched levels/sizes, a
 * feature the parameters lack such as batching), CCS_ERR_POLICY (insecure
 * parameters), CCS_ERR_NOMEM, CCS_ERR_NOT_FOUND (no Galois key for a step,
 * not enough primes), CCS_ERR_CRYPTO (randomness), and for deserialization
 * CCS_ERR_TRUNCATED / CCS_ERR_TRAILING / CCS_ERR_FORMAT /
 * CCS_ERR_UNSUPPORTED (version) / CCS_ERR_MISMATCH (other parameters).
 */
#ifndef CCS_HE_RNS_H
#define CCS_HE_RNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccs/core.h"
#include "ccs/he.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_HE_RNS_MAX_PRIMES 16u /* data primes */
#define CCS_HE_RNS_PRIME_BITS_MAX 50u
#define CCS_HE_SER_VERSION 1u

typedef enum ccs_he_scheme {
    CCS_HE_BGV = 1,
    CCS_HE_BFV = 2,
    CCS_HE_CKKS = 3, /* approximate arithmetic: include/ccs/he_ckks.h */
} ccs_he_scheme;

typedef struct ccs_he_params {
    ccs_he_scheme scheme;
    size_t n;                                    /* ring degree, power of two 1024..32768 */
    size_t data_count;                           /* L, 1..CCS_HE_RNS_MAX_PRIMES */
    unsigned data_bits[CCS_HE_RNS_MAX_PRIMES];   /* each 20..50 */
    unsigned special_bits;                       /* 20..50 */
    uint64_t t;                                  /* plain modulus, 2..2^40; batching when prime and 1 mod 2N */
    unsigned security;                           /* 128, 192 or 256 */
    bool insecure_allow;                         /* skip the security table (tests only) */
    double scale;                                /* CKKS: default encoding scale (2^0..2^80); t is 0 */
} ccs_he_params;

/* Defaults: N = 8192: 4 data primes (43, 43, 43, 44 bits) + a 44-bit special
 * prime = 217 bits <= 218; N = 16384: 8 x 48 + 49 = 433 <= 438. t =
 * 65537 (batching). CKKS: t = 0 (unused), scale 2^40, N = 8192: data
 * primes (48, 40, 40, 40) + a 50-bit special prime = 218 bits (depth 3);
 * N = 16384: (48, 8 x 40) + 50 = 418 bits (depth 8). Other n:
 * CCS_ERR_INVALID_ARG. */
CCS_MUST_USE ccs_status ccs_he_params_default(ccs_he_scheme scheme, size_t n, ccs_he_params *out);

typedef struct ccs_he_ctx ccs_he_ctx;
CCS_MUST_USE ccs_status ccs_he_ctx_new(const ccs_he_params *p, ccs_he_ctx **out);
void ccs_he_ctx_free(ccs_he_ctx *c);
const ccs_he_params *ccs_he_ctx_params(const ccs_he_ctx *c);
size_t ccs_he_ctx_degree(const ccs_he_ctx *c);
size_t ccs_he_ctx_levels(const ccs_he_ctx *c);              /* L */
uint64_t ccs_he_ctx_prime(const ccs_he_ctx *c, size_t i);   /* i < L: data prime; i == L: special */
unsigned ccs_he_ctx_total_bits(const ccs_he_ctx *c);        /* sum of log2 of every prime */
bool ccs_he_ctx_batching(const ccs_he_ctx *c);
size_t ccs_he_ctx_slots(const ccs_he_ctx *c);               /* N when batching, else 0 */

/* ---- RNS polynomials (rns.c) ----
 * count residue rows of n coefficients, row i modulo prime index idx[i]
 * (0..L-1 data, L special), 64-byte aligned, in NTT or coefficient form. */
typedef struct ccs_he_poly {
    size_t n, count;
    uint8_t idx[CCS_HE_RNS_MAX_PRIMES + 1];
    bool ntt;
    uint64_t *c; /* count x n */
} ccs_he_poly;

/* Rows for data primes 0..count-1, plus the special prime when special. */
CCS_MUST_USE ccs_status ccs_he_poly_alloc(const ccs_he_ctx *c, size_t count, bool special, ccs_he_poly *p);
void ccs_he_poly_free(ccs_he_poly *p);
uint64_t *ccs_he_poly_row(const ccs_he_poly *p, size_t i);
/* Residues of small signed coefficients (coefficient form). */
void ccs_he_poly_set_i64(const ccs_he_ctx *c, ccs_he_poly *p, const int64_t *coeffs);
void ccs_he_poly_to_ntt(const ccs_he_ctx *c, ccs_he_poly *p);
void ccs_he_poly_from_ntt(const ccs_he_ctx *c, ccs_he_poly *p);
/* r = a op b; same rows and form (mul: NTT form). r may alias. */
CCS_MUST_USE ccs_status ccs_he_poly_add(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a, const ccs_he_poly *b);
CCS_MUST_USE ccs_status ccs_he_poly_sub(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a, const ccs_he_poly *b);
CCS_MUST_USE ccs_status ccs_he_poly_neg(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a);
CCS_MUST_USE ccs_status ccs_he_poly_mul(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a, const ccs_he_poly *b);
/* Coefficient k (coefficient form) as the centered integer of the CRT of
 * the rows, in decimal ("-123"); for tests. CCS_ERR_OVERFLOW when cap is short. */
CCS_MUST_USE ccs_status ccs_he_poly_crt(const ccs_he_ctx *c, const ccs_he_poly *p, size_t k, char *out, size_t cap);
/* Fast (approximate) base conversion, coefficient form: x given by residues
 * in[i*n..] mod from[i] (i < nf) becomes sum_i [x_i (F/f_i)^-1]_{f_i} (F/f_i)
 * mod to[j], i.e. x + a F with 0 <= a < nf (the mod-up of hybrid key switching). */
CCS_MUST_USE ccs_status ccs_he_rns_base_conv(const uint64_t *in, size_t n, const uint64_t *from, size_t nf,
                                             const uint64_t *to, size_t nt, uint64_t *out);
/* Mod-down: p has data rows 0..l-1 and the special row last (either form);
 * it becomes round(p / P) over the data rows (t_corr = 1), or for BGV
 * (p - d) / P with d = p mod P and d = 0 mod t_corr. Same form as given. */
CCS_MUST_USE ccs_status ccs_he_poly_mod_down(const ccs_he_ctx *c, ccs_he_poly *p, uint64_t t_corr);

/* ---- keys (keys.c) ---- */
typedef struct ccs_he_secret_key ccs_he_secret_key;
typedef struct ccs_he_public_key ccs_he_public_key;
typedef struct ccs_he_relin_key ccs_he_relin_key;
typedef struct ccs_he_galois_keys ccs_he_galois_keys;

CCS_MUST_USE ccs_status ccs_he_keygen_secret(const ccs_he_ctx *c, ccs_he_secret_key **out);
CCS_MUST_USE ccs_status ccs_he_keygen_public(const ccs_he_ctx *c, const ccs_he_secret_key *sk, ccs_he_public_key **out);
CCS_MUST_USE ccs_status ccs_he_keygen_relin(const ccs_he_ctx *c, const ccs_he_secret_key *sk, ccs_he_relin_key **out);
/* Keys for row rotations by each of steps[] (positive: left; |step| <
 * N/2) and, when columns, for swapping the two rows. */
CCS_MUST_USE ccs_status ccs_he_keygen_galois(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const int *steps,
                                            size_t count, bool columns, ccs_he_galois_keys **out);
void ccs_he_secret_key_free(ccs_he_secret_key *k); /* wipes */
void ccs_he_public_key_free(ccs_he_public_key *k);
void ccs_he_relin_key_free(ccs_he_relin_key *k);
void ccs_he_galois_keys_free(ccs_he_galois_keys *k);

/* ---- plaintexts and ciphertexts ---- */
typedef struct ccs_he_plaintext ccs_he_plaintext;
typedef struct ccs_he_ciphertext ccs_he_ciphertext;
CCS_MUST_USE ccs_status ccs_he_plaintext_new(const ccs_he_ctx *c, ccs_he_plaintext **out);
void ccs_he_plaintext_free(ccs_he_plaintext *p);
CCS_MUST_USE ccs_status ccs_he_ciphertext_new(const ccs_he_ctx *c, ccs_he_ciphertext **out);
void ccs_he_ciphertext_free(ccs_he_ciphertext *ct);
size_t ccs_he_ciphertext_level(const ccs_he_ciphertext *ct); /* data primes in use */
size_t ccs_he_ciphertext_size(const ccs_he_ciphertext *ct);  /* 2, or 3 after a multiply */
CCS_MUST_USE ccs_status ccs_he_ciphertext_copy(ccs_he_ciphertext *dst, const ccs_he_ciphertext *src);

/* Encoders. Batch: count <= N values mod t into the 2 x N/2 slot matrix
 * (row 0 = values[0..N/2), row 1 = values[N/2..N)); needs batching.
 * Coefficients: count <= N values mod t as polynomial coefficients. Values
 * >= t are refused (CCS_ERR_INVALID_ARG). Decoders write N values. */
CCS_MUST_USE ccs_status ccs_he_encode_batch(const ccs_he_ctx *c, const uint64_t *values, size_t count, ccs_he_plaintext *pt);
CCS_MUST_USE ccs_status ccs_he_decode_batch(const ccs_he_ctx *c, const ccs_he_plaintext *pt, uint64_t *values);
CCS_MUST_USE ccs_status ccs_he_encode_coeffs(const ccs_he_ctx *c, const uint64_t *coeffs, size_t count, ccs_he_plaintext *pt);
CCS_MUST_USE ccs_status ccs_he_decode_coeffs(const ccs_he_ctx *c, const ccs_he_plaintext *pt, uint64_t *coeffs);

/* ---- encryption and evaluation (bgv.c / bfv.c, by the context's scheme) ---- */
CCS_MUST_USE ccs_status ccs_he_encrypt(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_plaintext *pt,
                                      ccs_he_ciphertext *out);
/* Symmetric: "a" comes from a fresh seed, so the ciphertext serializes as c0 and the seed. */
CCS_MUST_USE ccs_status ccs_he_encrypt_symmetric(const ccs_he_ctx *c, const ccs_he_secret_key *sk,
                                                const ccs_he_plaintext *pt, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_decrypt(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct,
                                      ccs_he_plaintext *out);
/* Invariant noise budget in bits (SEAL's definition): log2(q) - log2 of the
 * largest |coefficient| of the decryption noise - 1, where the noise is
 * [c(s)]_q (BGV) or [t c(s)]_q (BFV); 0 when exhausted. */
CCS_MUST_USE ccs_status ccs_he_noise_budget(const ccs_he_ctx *c, const ccs_he_secret_key *sk,
                                           const ccs_he_ciphertext *ct, int *bits);
CCS_MUST_USE ccs_status ccs_he_add(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                  ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_sub(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                  ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_negate(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_add_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_plaintext *p,
                                        ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_multiply_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                             const ccs_he_plaintext *p, ccs_he_ciphertext *out);
/* Size-2 inputs at the same level; the output has size 3. */
CCS_MUST_USE ccs_status ccs_he_multiply(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                       ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_relinearize(const ccs_he_ctx *c, const ccs_he_relin_key *rk, const ccs_he_ciphertext *a,
                                          ccs_he_ciphertext *out);
/* BGV only: drop the last data prime (with the t-scaled correction). */
CCS_MUST_USE ccs_status ccs_he_mod_switch(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out);
/* Rotate both rows left by step (the key for step must exist); swap rows. */
CCS_MUST_USE ccs_status ccs_he_rotate_rows(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                          const ccs_he_ciphertext *a, int step, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_rotate_columns(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                             const ccs_he_ciphertext *a, ccs_he_ciphertext *out);

/* ---- hoisted rotations (hoist.c) ----
 * Several rotations of one ciphertext share most of their key-switching
 * work (Halevi-Shoup hoisting): the decomposition of c1 into digits extended
 * to every prime and the special prime (l inverse and l^2 forward NTTs at
 * level l) does not depend on the rotation, so a precompute does it once
 * and each rotation from it only permutes the digits, takes the inner
 * products with its key and divides by P (2 inverse + 2l forward NTTs).
 * Worth it from two rotations of the same ciphertext on (BSGS baby steps,
 * many shifts of one input); a chain where each rotation acts on the
 * previous result (rotate-and-sum) cannot use it.
 *
 * The results decrypt to exactly the plaintext of the plain rotation; the
 * ciphertexts differ from it in their noise (the digits of tau(c1) are
 * taken in (-q_j, q_j) instead of [0, q_j)).
 *
 * A precompute is made with _new, filled from a size-2 ciphertext by
 * ccs_he_rotation_precompute (refilling reuses its memory), and holds c0
 * and the (l + 1) x l extended digits: l (l + 2) N words, 1.5 MiB at
 * N = 8192, l = 4. It is a copy: the ciphertext may change or be freed
 * afterwards. It belongs to its context and is not serializable (it is
 * derived data, cheaper to recompute than to move: save the ciphertext).
 * One precompute may serve several threads at once (the rotations only
 * read it); filling it is not thread-safe. */
typedef struct ccs_he_rotation_precomp ccs_he_rotation_precomp;
CCS_MUST_USE ccs_status ccs_he_rotation_precomp_new(const ccs_he_ctx *c, ccs_he_rotation_precomp **out);
void ccs_he_rotation_precomp_free(ccs_he_rotation_precomp *p);
size_t ccs_he_rotation_precomp_level(const ccs_he_rotation_precomp *p); /* 0 while empty */
/* BGV/BFV (a CKKS context takes ccs_he_ckks_rotation_precompute). Size-3
 * input: CCS_ERR_INVALID_ARG (relinearize first). */
CCS_MUST_USE ccs_status ccs_he_rotation_precompute(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                                  ccs_he_rotation_precomp *p);
/* As ccs_he_rotate_rows / _columns of the ciphertext p was filled from
 * (step 0: a copy). CCS_ERR_NOT_FOUND without the key; CCS_ERR_INVALID_ARG
 * for an empty precompute or one of another context. */
CCS_MUST_USE ccs_status ccs_he_rotate_rows_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                                  const ccs_he_rotation_precomp *p, int step, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_rotate_columns_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                                     const ccs_he_rotation_precomp *p, ccs_he_ciphertext *out);
/* outs[i] = a rotated by steps[i] (0: a copy), one decomposition for all;
 * outs may alias a. Every key is looked up first: when one is missing
 * (CCS_ERR_NOT_FOUND) no output is written. */
CCS_MUST_USE ccs_status ccs_he_rotate_rows_many(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                               const ccs_he_ciphertext *a, const int *steps, size_t count,
                                               ccs_he_ciphertext *const *outs);

/* ---- serialization (serial.c) ----
 * Every object: "CCHE", u16 version, u16 type, then (all but params) the
 * 32-byte SHA-256 id of the serialized params, then the body, little-endian.
 * Loads check every length, every residue < its modulus, and the params id. */
CCS_MUST_USE ccs_status ccs_he_params_save(const ccs_he_ctx *c, ccs_buf *out);
/* Refuses (CCS_ERR_POLICY) a record marked insecure_allow: whoever sent it
 * does not decide this reader's security level. */
CCS_MUST_USE ccs_status ccs_he_params_load(ccs_bytes in, ccs_he_params *out);
/* The same, accepting a record marked insecure_allow (its sizes below the
 * HomomorphicEncryption.org table): tests and experiments only. */
CCS_MUST_USE ccs_status ccs_he_params_load_insecure(ccs_bytes in, ccs_he_params *out);
CCS_MUST_USE ccs_status ccs_he_secret_key_save(const ccs_he_ctx *c, const ccs_he_secret_key *k, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_he_secret_key_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_secret_key **out);
CCS_MUST_USE ccs_status ccs_he_public_key_save(const ccs_he_ctx *c, const ccs_he_public_key *k, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_he_public_key_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_public_key **out);
CCS_MUST_USE ccs_status ccs_he_relin_key_save(const ccs_he_ctx *c, const ccs_he_relin_key *k, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_he_relin_key_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_relin_key **out);
CCS_MUST_USE ccs_status ccs_he_galois_keys_save(const ccs_he_ctx *c, const ccs_he_galois_keys *k, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_he_galois_keys_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_galois_keys **out);
CCS_MUST_USE ccs_status ccs_he_ciphertext_save(const ccs_he_ctx *c, const ccs_he_ciphertext *ct, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_he_ciphertext_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_plaintext_save(const ccs_he_ctx *c, const ccs_he_plaintext *pt, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_he_plaintext_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_plaintext *out);

#ifdef __cplusplus
}
#endif
#endif
