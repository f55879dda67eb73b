/*
 * ccs/he_paillier.h - the Paillier cryptosystem (additively homomorphic), in
 * the style of Intel IPCL: g = n + 1, CRT decryption, and the
 * Damgard-Jurik-Nielsen fast encryption hs^alpha with a short alpha and a
 * fixed-base table built once per public key. Library ccs_he (src/he/
 * paillier*.c). Guide, security notes and benchmark: docs/he.md.
 *
 * Plaintexts and ciphertexts are GMP integers (mpz_t) owned by the caller;
 * keys are opaque. A public key is immutable once made, so one key may be
 * used by several threads at once. Every fallible call returns a ccs_status
 * with the detail in ccs_error_detail().
 *
 * Plaintexts are integers in [0, n). The signed encoding maps v in
 * [-(n-1)/2, (n-1)/2] to v mod n and back (ccs_paillier_encode_signed /
 * _decode_signed), so homomorphic sums and scalar products decode to the
 * signed result as long as it stays in that range.
 */
#ifndef CCS_HE_PAILLIER_H
#define CCS_HE_PAILLIER_H

#include <gmp.h>
#include <stdbool.h>
#include <stddef.h>

#include "ccs/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_PAILLIER_BITS_DEFAULT 2048u /* about 112-bit security */
#define CCS_PAILLIER_BITS_128 3072u     /* about 128-bit security */
/* Sizes accepted only with insecure_small_n (tests): multiples of 16 in
 * [CCS_PAILLIER_INSECURE_MIN, CCS_PAILLIER_BITS_MAX]. */
#define CCS_PAILLIER_INSECURE_MIN 256u
#define CCS_PAILLIER_BITS_MAX 4096u
#define CCS_PAILLIER_SER_VERSION 1u

typedef struct ccs_paillier_pub ccs_paillier_pub;
typedef struct ccs_paillier_priv ccs_paillier_priv;

typedef enum ccs_paillier_mode {
    /* c = (1 + m n) * hs^alpha mod n^2, alpha of 224 bits (n <= 2048) or 256
     * bits (n > 2048) through the fixed-base table: DJN 2010 section 4.2, as
     * IPCL does. The default. */
    CCS_PAILLIER_FAST = 0,
    /* c = (1 + m n) * r^n mod n^2 with r uniform in Z_n^* (textbook Paillier;
     * what other libraries produce). */
    CCS_PAILLIER_STANDARD = 1,
} ccs_paillier_mode;

typedef struct ccs_paillier_opts {
    /* Accept n other than 2048 and 3072 bits (key generation, keys from p and
     * q, deserialization). Tests only. */
    bool insecure_small_n;
    /* Window of the fixed-base table, 1..8 bits; 0 = default (6: 64 entries
     * of n^2 size per window, about 1.3 MiB at n = 2048). */
    unsigned window;
} ccs_paillier_opts;

/* ---- keys (paillier_key.c) ---- */

/* A fresh key pair: p, q random primes of bits/2 bits each, p = q = 3 mod 4,
 * gcd(p-1, q-1) = 2, |p - q| > 2^(bits/2 - 100), n = pq of exactly `bits`
 * bits; h = -x^2 mod n for random x and hs = h^n mod n^2. Randomness from the
 * OS CSPRNG (ccs_random) only. bits: 2048 or 3072 (CCS_ERR_INVALID_ARG
 * otherwise, unless opts->insecure_small_n). opts may be NULL. */
CCS_MUST_USE ccs_status ccs_paillier_keygen(unsigned bits, const ccs_paillier_opts *opts,
                                            ccs_paillier_priv **out);
/* A key pair from given primes p != q (known-answer tests, keys made by other
 * libraries); hs is drawn fresh. CCS_ERR_KEY when p or q is not a probable
 * prime, they differ in size, gcd(n, (p-1)(q-1)) != 1, or n has not the size
 * of an accepted key. */
CCS_MUST_USE ccs_status ccs_paillier_priv_from_pq(const mpz_t p, const mpz_t q,
                                                  const ccs_paillier_opts *opts,
                                                  ccs_paillier_priv **out);
/* A public key from n alone (a key made elsewhere); hs is drawn fresh. */
CCS_MUST_USE ccs_status ccs_paillier_pub_from_n(const mpz_t n, const ccs_paillier_opts *opts,
                                                ccs_paillier_pub **out);
/* The public half, owned by priv (valid until ccs_paillier_priv_free). */
const ccs_paillier_pub *ccs_paillier_priv_pub(const ccs_paillier_priv *priv);
/* An independent copy of a public key (shares nothing with pub). */
CCS_MUST_USE ccs_status ccs_paillier_pub_dup(const ccs_paillier_pub *pub, ccs_paillier_pub **out);
void ccs_paillier_pub_free(ccs_paillier_pub *pub);    /* NULL ok */
void ccs_paillier_priv_free(ccs_paillier_priv *priv); /* wipes p, q, lambda, ...; NULL ok */

unsigned ccs_paillier_pub_bits(const ccs_paillier_pub *pub);
void ccs_paillier_pub_get_n(const ccs_paillier_pub *pub, mpz_t out);
void ccs_paillier_pub_get_hs(const ccs_paillier_pub *pub, mpz_t out);
/* Bits of alpha in fast mode (224 or 256). */
unsigned ccs_paillier_pub_alpha_bits(const ccs_paillier_pub *pub);

/* ---- encryption and decryption (paillier.c) ---- */

/* c = Enc(m), m in [0, n) (CCS_ERR_INVALID_ARG otherwise). The secret
 * randomness (alpha or r) is handled in constant time: table lookups with
 * mpn_sec_tabselect, products with mpn_sec_mul/mpn_sec_div_r, r^n with
 * mpz_powm_sec. c must not alias m. */
CCS_MUST_USE ccs_status ccs_paillier_encrypt(const ccs_paillier_pub *pub, ccs_paillier_mode mode,
                                             const mpz_t m, mpz_t c);
/* count encryptions: c[i] = Enc(m[i]). The scalar backend loops; the batch
 * shape lets a multi-buffer (8-lane IFMA) backend fill its lanes. On error
 * the c[] already written stay, the others are untouched. */
CCS_MUST_USE ccs_status ccs_paillier_encrypt_batch(const ccs_paillier_pub *pub, ccs_paillier_mode mode,
                                                   const mpz_t *m, size_t count, mpz_t *c);
/* Deterministic encryptions for known-answer tests and interop only (never
 * reuse r or alpha): standard mode with a given r in Z_n^*, fast mode with a
 * given alpha in [0, 2^alpha_bits). */
CCS_MUST_USE ccs_status ccs_paillier_encrypt_with_r(const ccs_paillier_pub *pub, const mpz_t m,
                                                    const mpz_t r, mpz_t c);
CCS_MUST_USE ccs_status ccs_paillier_encrypt_with_alpha(const ccs_paillier_pub *pub, const mpz_t m,
                                                        const mpz_t alpha, mpz_t c);
/* m = Dec(c), c in [1, n^2): CRT over p^2 and q^2, exponents p-1 and q-1
 * through mpz_powm_sec. */
CCS_MUST_USE ccs_status ccs_paillier_decrypt(const ccs_paillier_priv *priv, const mpz_t c, mpz_t m);
CCS_MUST_USE ccs_status ccs_paillier_decrypt_batch(const ccs_paillier_priv *priv, const mpz_t *c,
                                                   size_t count, mpz_t *m);

/* ---- homomorphic operations (paillier_ops.c); inputs in [1, n^2) ---- */

/* Dec(out) = Dec(a) + Dec(b) mod n. */
CCS_MUST_USE ccs_status ccs_paillier_add(const ccs_paillier_pub *pub, const mpz_t a, const mpz_t b,
                                         mpz_t out);
/* Dec(out) = Dec(c) + m mod n, m in [0, n). Not re-randomized: out reveals
 * m to whoever knows c (call ccs_paillier_rerandomize before sharing). */
CCS_MUST_USE ccs_status ccs_paillier_add_plain(const ccs_paillier_pub *pub, const mpz_t c,
                                               const mpz_t m, mpz_t out);
/* Dec(out) = k * Dec(c) mod n, any integer k (negative: through c^-1 mod
 * n^2). k is treated as public (mpz_powm). */
CCS_MUST_USE ccs_status ccs_paillier_mul_scalar(const ccs_paillier_pub *pub, const mpz_t c,
                                                const mpz_t k, mpz_t out);
/* Dec(out) = -Dec(c) mod n (c^-1 mod n^2). */
CCS_MUST_USE ccs_status ccs_paillier_neg(const ccs_paillier_pub *pub, const mpz_t c, mpz_t out);
/* Same plaintext, fresh randomness (times Enc(0) in the given mode). */
CCS_MUST_USE ccs_status ccs_paillier_rerandomize(const ccs_paillier_pub *pub, ccs_paillier_mode mode,
                                                 const mpz_t c, mpz_t out);

/* Signed encoding: v in [-(n-1)/2, (n-1)/2] -> v mod n (CCS_ERR_OVERFLOW
 * outside); decode maps m > (n-1)/2 to m - n. */
CCS_MUST_USE ccs_status ccs_paillier_encode_signed(const ccs_paillier_pub *pub, const mpz_t v, mpz_t m);
CCS_MUST_USE ccs_status ccs_paillier_decode_signed(const ccs_paillier_pub *pub, const mpz_t m, mpz_t v);

/* ---- serialization (paillier_ser.c) ----
 * Every object: "CCSP" | u8 version (1) | u8 kind (1 public key, 2 private
 * key, 3 ciphertext) | u16 bits of n | fields, each a u32 length and that many
 * big-endian bytes of fixed size (n: bits/8, p and q: bits/16, hs and c:
 * bits/4). All integers big-endian. Deserialization refuses a wrong magic,
 * version or kind (CCS_ERR_UNSUPPORTED / CCS_ERR_FORMAT), a short input
 * (CCS_ERR_TRUNCATED), trailing bytes (CCS_ERR_TRAILING), a length that is
 * not the fixed size, n not of the declared size, a value >= n^2 or not a
 * unit (CCS_ERR_FORMAT), a size not allowed by opts (CCS_ERR_INVALID_ARG)
 * and a private key whose primes fail the checks (CCS_ERR_KEY). Output is
 * appended to `out`; wipe a serialized private key (ccs_buf_free does). */
CCS_MUST_USE ccs_status ccs_paillier_pub_serialize(const ccs_paillier_pub *pub, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_paillier_pub_deserialize(ccs_bytes in, const ccs_paillier_opts *opts,
                                                     ccs_paillier_pub **out);
CCS_MUST_USE ccs_status ccs_paillier_priv_serialize(const ccs_paillier_priv *priv, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_paillier_priv_deserialize(ccs_bytes in, const ccs_paillier_opts *opts,
                                                      ccs_paillier_priv **out);
CCS_MUST_USE ccs_status ccs_paillier_ct_serialize(const ccs_paillier_pub *pub, const mpz_t c, ccs_buf *out);
/* The ciphertext must belong to pub (same bits, value in [1, n^2), a unit). */
CCS_MUST_USE ccs_status ccs_paillier_ct_deserialize(const ccs_paillier_pub *pub, ccs_bytes in, mpz_t c);

#ifdef __cplusplus
}
#endif
#endif
