/*
 * ccs/he.h - homomorphic encryption foundations: NTT-friendly primes, the
 * negacyclic number-theoretic transform (NTT) over Z_q[X]/(X^N + 1) with
 * run-time dispatch (portable scalar, AVX-512 IFMA for q < 2^50, AVX512DQ for
 * any 60-bit prime), element-wise
 * modular arithmetic, and the HomomorphicEncryption.org security table.
 * Library ccs_he (src/he/). Paillier is ccs/he_paillier.h. Guide: docs/he.md.
 *
 * Every path gives identical results (tested); which one runs is chosen once
 * by cpuid (IFMA where the prime allows it, else DQ) and can be forced with
 * CCS_HE_ISA=scalar|avx512dq|avx512ifma (a path the CPU lacks is never
 * chosen).
 */
#ifndef CCS_HE_H
#define CCS_HE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccs/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_HE_N_MIN 1024u
#define CCS_HE_N_MAX 32768u
#define CCS_HE_Q_BITS_MAX 62u  /* scalar path: lazy values stay below 4q < 2^64 */
#define CCS_HE_IFMA_Q_BITS 50u /* IFMA path: 4q < 2^52 */

typedef enum ccs_he_isa {
    CCS_HE_ISA_SCALAR = 0,
    CCS_HE_ISA_AVX512IFMA = 1, /* q < 2^50 */
    CCS_HE_ISA_AVX512DQ = 2,   /* any q < 2^62 (the NTT; element-wise ops use scalar) */
} ccs_he_isa;

/* The best path this CPU has, or the one CCS_HE_ISA forces (when available). */
ccs_he_isa ccs_he_isa_active(void);
bool ccs_he_isa_available(ccs_he_isa isa);
const char *ccs_he_isa_name(ccs_he_isa isa);

/* Polynomials, ciphertexts and temporaries freed by a thread are kept in
 * that thread's cache (16 blocks, 64 MiB at most) and reused by its next
 * allocations of the same size, so that an operation does not fault fresh
 * pages in each time; the cache is returned to malloc when the thread exits,
 * or now by this call (for the calling thread). What held secrets is wiped
 * before it is cached. */
void ccs_he_thread_cache_release(void);

/* ---- primes (primes.c) ---- */

/* Deterministic primality for 64-bit integers (Miller-Rabin, bases valid
 * for every n < 2^64). */
bool ccs_he_is_prime(uint64_t n);
/* The `count` largest primes below 2^bits with p = 1 mod 2n, in decreasing
 * order. bits 20..62, n a power of two. CCS_ERR_NOT_FOUND when there are not
 * enough. */
CCS_MUST_USE ccs_status ccs_he_primes(size_t n, unsigned bits, size_t count, uint64_t *out);

/* ---- the NTT (ntt.c, ntt_avx512.c) ---- */

typedef struct ccs_ntt ccs_ntt;

/* Tables for degree n (a power of two, CCS_HE_N_MIN..CCS_HE_N_MAX) and prime
 * q = 1 mod 2n below 2^62 (checked). Immutable; shareable between threads. */
CCS_MUST_USE ccs_status ccs_ntt_new(size_t n, uint64_t q, ccs_ntt **out);
void ccs_ntt_free(ccs_ntt *t);
size_t ccs_ntt_degree(const ccs_ntt *t);
uint64_t ccs_ntt_modulus(const ccs_ntt *t);
/* psi, the primitive 2n-th root of unity the tables use. */
uint64_t ccs_ntt_root(const ccs_ntt *t);

/* In-place forward transform: coefficients in [0, q) to evaluations at
 * psi^(2 bitrev(i) + 1), in bit-reversed order, in [0, q). The inverse takes
 * that back. Pointwise products of forward transforms are negacyclic
 * convolutions. The _isa forms run one path (CCS_ERR_UNSUPPORTED when the
 * CPU lacks it, or q is too large for it). */
void ccs_ntt_forward(const ccs_ntt *t, uint64_t *a);
void ccs_ntt_inverse(const ccs_ntt *t, uint64_t *a);
CCS_MUST_USE ccs_status ccs_ntt_forward_isa(const ccs_ntt *t, ccs_he_isa isa, uint64_t *a);
CCS_MUST_USE ccs_status ccs_ntt_inverse_isa(const ccs_ntt *t, ccs_he_isa isa, uint64_t *a);

/* ---- element-wise arithmetic mod q (eltwise.c), inputs in [0, q) ---- */
void ccs_he_add_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q);
void ccs_he_sub_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q);
void ccs_he_mul_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q);
/* One path (the IFMA one needs q < 2^50 and n a multiple of 8). */
CCS_MUST_USE ccs_status ccs_he_mul_mod_isa(ccs_he_isa isa, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n,
                                           uint64_t q);
uint64_t ccs_he_pow_mod(uint64_t b, uint64_t e, uint64_t q);
uint64_t ccs_he_inv_mod(uint64_t a, uint64_t q); /* q prime, a != 0 */

/* ---- CKKS encoding (ckks_encode.c) ----
 * The canonical embedding of Z[X]/(X^n + 1): n/2 complex slots z_j are the
 * values of m(X)/scale at zeta^(5^j), zeta = exp(i pi / n) (and their
 * conjugates at zeta^(-5^j)), so that the automorphism X -> X^5 rotates the
 * slots left by one and X -> X^(2n-1) conjugates them. Computed with the
 * "special" FFT over the rotation group (O(n log n)). */
typedef struct ccs_ckks_encoder ccs_ckks_encoder;

/* n a power of two, 4..CCS_HE_N_MAX. */
CCS_MUST_USE ccs_status ccs_ckks_encoder_new(size_t n, ccs_ckks_encoder **out);
void ccs_ckks_encoder_free(ccs_ckks_encoder *e);
/* count <= n/2 complex values (re, im pairs; missing slots are 0) times
 * scale, rounded to n integer coefficients. CCS_ERR_OVERFLOW when a
 * coefficient would not fit in 62 bits; CCS_ERR_INVALID_ARG for a
 * non-finite value or scale. */
CCS_MUST_USE ccs_status ccs_ckks_encode(const ccs_ckks_encoder *e, const double *re_im, size_t count, double scale,
                                        int64_t *coeffs);
/* The n/2 slots (re, im pairs) of coefficients (as doubles, already
 * centered and reduced by the caller) divided by scale. */
CCS_MUST_USE ccs_status ccs_ckks_decode(const ccs_ckks_encoder *e, const double *coeffs, double scale, double *re_im);

/* ---- security (security.c) ---- */

/* The largest total log2 q (every prime, special primes included) for
 * degree n at 128, 192 or 256 bits of classical security with a ternary
 * secret (HomomorphicEncryption.org standard); 0 for other inputs. */
unsigned ccs_he_max_log_q(size_t n, unsigned security);
/* CCS_OK when a modulus of total_bits bits is within that bound;
 * CCS_ERR_POLICY ("insecure parameters") otherwise, unless insecure_allow. */
CCS_MUST_USE ccs_status ccs_he_security_check(size_t n, unsigned total_bits, unsigned security, bool insecure_allow);

#ifdef __cplusplus
}
#endif
#endif
