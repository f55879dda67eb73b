/*
 * ccs/he_ckks.h - the CKKS scheme (approximate arithmetic on complex
 * vectors) on the RNS core of ccs/he_rns.h. Library ccs_he (src/he/ckks.c).
 * Guide: docs/he.md, "CKKS".
 *
 * A CKKS context is an ordinary ccs_he_ctx whose params have scheme
 * CCS_HE_CKKS, t = 0 and a default scale (ccs_he_params_default: 2^40).
 * Keys (ccs_he_keygen_secret/public/relin), ciphertext objects
 * (ccs_he_ciphertext_new/free/copy/level/size) and serialization
 * (ccs_he_*_save/load) are the core's; CKKS plaintexts come from
 * ccs_he_ckks_plaintext_new (they hold level x N residues in NTT form, a
 * level and a scale) and are released with ccs_he_plaintext_free. Galois
 * keys for slot rotations come from ccs_he_ckks_keygen_galois (elements
 * 5^k mod 2N, and 2N-1 for conjugation); the core's ccs_he_keygen_galois
 * makes BGV/BFV row keys (3^k), which CKKS cannot use. The generic
 * evaluator entry points of he_rns.h (ccs_he_encrypt, ccs_he_add, ...) are
 * for BGV and BFV: use the ccs_he_ckks_ ones below for CKKS.
 *
 * Every ciphertext and plaintext carries its scale Delta: the phase
 * c0 + c1 s (mod Q_l) is Delta m + e where m has the slot values z_j at
 * zeta^(5^j). multiply multiplies scales; rescale divides by the last prime
 * q_{l-1} (rounding) and drops it, so the scale becomes Delta^2 / q_{l-1}
 * (~Delta: the 40-bit primes sit just below 2^40). add/sub need equal
 * levels and scales (relative difference <= 2^-30): otherwise
 * CCS_ERR_INVALID_ARG, with the two levels or scales in the error detail.
 * drop_level lowers a ciphertext's level without changing its scale, to
 * meet an operand that was rescaled.
 *
 * Encoding: count <= N/2 complex slots (re, im pairs) times the scale,
 * rounded to integer coefficients (ccs_ckks_encode). Coefficients must fit
 * in 62 bits at the given scale; at larger scales the encoder encodes at
 * scale / 2^k and multiplies each residue by 2^k exactly (the rounding is
 * then to multiples of 2^k: relative error 2^-62, below double precision).
 * So any scale up to 2^80 works while |values| * scale < 2^(log2 Q_l - 1).
 *
 * Precision (defaults, scale 2^40, |z| <= 1, max absolute error per slot):
 * public-key encryption ~2^-23, a rotation adds little, one
 * multiply+relinearize+rescale ~2^-22, depth 3 ~2^-18; docs/he.md has the
 * measured figures.
 */
#ifndef CCS_HE_CKKS_H
#define CCS_HE_CKKS_H

#include "ccs/he_rns.h"

#ifdef __cplusplus
extern "C" {
#endif

size_t ccs_he_ckks_slots(const ccs_he_ctx *c); /* N/2 for CKKS, 0 otherwise */

/* A plaintext for a CKKS context (level L, the default scale, zero). */
CCS_MUST_USE ccs_status ccs_he_ckks_plaintext_new(const ccs_he_ctx *c, ccs_he_plaintext **out);
size_t ccs_he_ckks_plaintext_level(const ccs_he_plaintext *pt);
double ccs_he_ckks_plaintext_scale(const ccs_he_plaintext *pt);
double ccs_he_ckks_scale(const ccs_he_ciphertext *ct);
/* Overrides the recorded scale (e.g. to snap a rescaled 2^80/q back to 2^40
 * when the error of doing so is acceptable); scale >= 1, finite. */
CCS_MUST_USE ccs_status ccs_he_ckks_set_scale(ccs_he_ciphertext *ct, double scale);

/* Encode count <= N/2 complex values (re, im pairs; missing slots 0) at
 * level (1..L; 0 = L) and scale (0 = the params' scale). The real form
 * takes count real values (imaginary parts 0). CCS_ERR_INVALID_ARG for
 * non-finite values, a bad level/scale, or values too large for Q_level. */
CCS_MUST_USE ccs_status ccs_he_ckks_encode(const ccs_he_ctx *c, const double *re_im, size_t count, double scale,
                                           size_t level, ccs_he_plaintext *pt);
CCS_MUST_USE ccs_status ccs_he_ckks_encode_real(const ccs_he_ctx *c, const double *values, size_t count, double scale,
                                                size_t level, ccs_he_plaintext *pt);
/* Decode all N/2 slots: re_im gets N values (re, im pairs); real: N/2 values. */
CCS_MUST_USE ccs_status ccs_he_ckks_decode(const ccs_he_ctx *c, const ccs_he_plaintext *pt, double *re_im);
CCS_MUST_USE ccs_status ccs_he_ckks_decode_real(const ccs_he_ctx *c, const ccs_he_plaintext *pt, double *values);

/* Encryption at the plaintext's level and scale. Symmetric: a from a fresh
 * seed (the ciphertext serializes as c0 and the seed when at level L). */
CCS_MUST_USE ccs_status ccs_he_ckks_encrypt(const ccs_he_ctx *c, const ccs_he_public_key *pk,
                                            const ccs_he_plaintext *pt, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_encrypt_symmetric(const ccs_he_ctx *c, const ccs_he_secret_key *sk,
                                                      const ccs_he_plaintext *pt, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_decrypt(const ccs_he_ctx *c, const ccs_he_secret_key *sk,
                                            const ccs_he_ciphertext *ct, ccs_he_plaintext *out);

/* Evaluation. Outputs are caller-allocated (ccs_he_ciphertext_new) and may
 * alias inputs. Operands must be at the same level (and, for add/sub, the
 * same scale): CCS_ERR_INVALID_ARG otherwise. */
CCS_MUST_USE ccs_status ccs_he_ckks_add(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                        ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_sub(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                        ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_negate(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_add_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                              const ccs_he_plaintext *p, ccs_he_ciphertext *out);
/* Scales multiply. */
CCS_MUST_USE ccs_status ccs_he_ckks_multiply_plain(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                                   const ccs_he_plaintext *p, ccs_he_ciphertext *out);
/* Size-2 inputs; the output has size 3 and the product of the scales. */
CCS_MUST_USE ccs_status ccs_he_ckks_multiply(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                             const ccs_he_ciphertext *b, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_relinearize(const ccs_he_ctx *c, const ccs_he_relin_key *rk,
                                                const ccs_he_ciphertext *a, ccs_he_ciphertext *out);
/* Divide by the last prime with rounding and drop it (level >= 2). */
CCS_MUST_USE ccs_status ccs_he_ckks_rescale(const ccs_he_ctx *c, const ccs_he_ciphertext *a, ccs_he_ciphertext *out);
/* multiply, relinearize and rescale in one call (out may alias). */
CCS_MUST_USE ccs_status ccs_he_ckks_mul_relin_rescale(const ccs_he_ctx *c, const ccs_he_relin_key *rk,
                                                      const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                                      ccs_he_ciphertext *out);
/* Drop the last prime without dividing (scale unchanged; level >= 2). */
CCS_MUST_USE ccs_status ccs_he_ckks_drop_level(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                               ccs_he_ciphertext *out);

/* Galois keys for slot rotations by each of steps[] (positive: left;
 * taken mod N/2) and, when conjugate, for complex conjugation. */
CCS_MUST_USE ccs_status ccs_he_ckks_keygen_galois(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const int *steps,
                                                  size_t count, bool conjugate, ccs_he_galois_keys **out);
/* Slot j of out = slot j + step of a (left rotation); CCS_ERR_NOT_FOUND
 * without the key. */
CCS_MUST_USE ccs_status ccs_he_ckks_rotate(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                           const ccs_he_ciphertext *a, int step, ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_conjugate(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                              const ccs_he_ciphertext *a, ccs_he_ciphertext *out);

/* Hoisted rotations (ccs/he_rns.h, "hoisted rotations"): a precompute
 * (ccs_he_rotation_precomp_new) filled once from a size-2 ciphertext serves
 * any number of rotations and conjugations of it; each then costs about a
 * third of a plain rotation's NTTs. The results carry the input's level and
 * scale and decrypt to the plain rotation's values within its precision
 * (they are not bit-identical: the key-switching noise differs). The
 * precompute is not serializable. Refusals: a size-3 input or a non-CKKS
 * context (CCS_ERR_INVALID_ARG), a missing key (CCS_ERR_NOT_FOUND), an
 * empty precompute or one of another context (CCS_ERR_INVALID_ARG). */
CCS_MUST_USE ccs_status ccs_he_ckks_rotation_precompute(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                                        ccs_he_rotation_precomp *p);
CCS_MUST_USE ccs_status ccs_he_ckks_rotate_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                                   const ccs_he_rotation_precomp *p, int step,
                                                   ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status ccs_he_ckks_conjugate_hoisted(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                                      const ccs_he_rotation_precomp *p, ccs_he_ciphertext *out);
/* outs[i] = a rotated by steps[i] (0: a copy) with one decomposition; outs
 * may alias a; when a key is missing no output is written. */
CCS_MUST_USE ccs_status ccs_he_ckks_rotate_many(const ccs_he_ctx *c, const ccs_he_galois_keys *gk,
                                                const ccs_he_ciphertext *a, const int *steps, size_t count,
                                                ccs_he_ciphertext *const *outs);

/* Precision: got and want are count complex values (re, im pairs). */
typedef struct ccs_he_ckks_precision {
    double max_abs_err;  /* max over slots of |got - want| */
    double mean_abs_err;
    double log2_max_err; /* log2(max_abs_err); -INFINITY when exact */
    double bits;         /* -log2(max_abs_err): bits of precision */
} ccs_he_ckks_precision;
CCS_MUST_USE ccs_status ccs_he_ckks_precision_report(const double *got, const double *want, size_t count,
                                                     ccs_he_ckks_precision *out);
/* Decrypt, decode and compare the first count slots against want. */
CCS_MUST_USE ccs_status ccs_he_ckks_measure(const ccs_he_ctx *c, const ccs_he_secret_key *sk,
                                            const ccs_he_ciphertext *ct, const double *want, size_t count,
                                            ccs_he_ckks_precision *out);

#ifdef __cplusplus
}
#endif
#endif
