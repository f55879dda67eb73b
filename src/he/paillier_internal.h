/*
 * paillier_internal.h - private to src/he/paillier*.c: the key structures,
 * the fixed-limb (constant-time) arithmetic mod n^2 and shared helpers.
 */
#ifndef CCS_HE_PAILLIER_INTERNAL_H
#define CCS_HE_PAILLIER_INTERNAL_H

#include "ccs/he_paillier.h"

#define PAILLIER_WINDOW_DEFAULT 6u
#define PAILLIER_WINDOW_MAX 8u

struct ccs_paillier_pub {
    unsigned bits;        /* of n */
    unsigned alpha_bits;  /* fast mode: 224 (n <= 2048) or 256 */
    unsigned window;      /* w: table digits of w bits */
    mpz_t n, n2, hs, half; /* half = (n-1)/2 (signed encoding) */
    mp_size_t nl, l2;     /* limbs of n and of n^2 */
    mp_limb_t *n_limbs;   /* n, nl limbs */
    mp_limb_t *n2_limbs;  /* n^2, l2 limbs (top limb nonzero) */
    /* Fixed-base table: nwin windows of 2^w entries of l2 limbs;
     * entry [i][d] = hs^(d * 2^(w*i)) mod n^2 (entry [i][0] = 1). */
    size_t nwin;
    mp_limb_t *table;
};

struct ccs_paillier_priv {
    ccs_paillier_pub pub;
    /* CRT decryption (Paillier 1999 section 7): hp = L_p(g^(p-1) mod p^2)^-1
     * mod p, likewise hq; qinv = q^-1 mod p. */
    mpz_t p, q, p2, q2, pm1, qm1, hp, hq, qinv;
};

/* Wipes an mpz's limbs (all allocated ones) and clears it. */
void paillier_mpz_clear_secret(mpz_t x);
/* Uniform x in [0, 2^bits) from ccs_random. */
CCS_MUST_USE ccs_status paillier_random_bits(mpz_t x, unsigned bits);
/* Uniform x in [1, bound) from ccs_random (rejection sampling). */
CCS_MUST_USE ccs_status paillier_random_below(mpz_t x, const mpz_t bound);

/* Fills pub from n (odd, of an accepted size, checked by the caller) and hs
 * (NULL: draw h = -x^2 mod n and hs = h^n mod n^2); builds the table. */
CCS_MUST_USE ccs_status paillier_pub_init(ccs_paillier_pub *pub, const mpz_t n, const mpz_t hs,
                                          const ccs_paillier_opts *opts);
void paillier_pub_clear(ccs_paillier_pub *pub);
/* Whether `bits` is an allowed size of n under opts. */
bool paillier_bits_ok(unsigned bits, const ccs_paillier_opts *opts);
/* priv from p, q (checked) and an optional hs. */
CCS_MUST_USE ccs_status paillier_priv_make(const mpz_t p, const mpz_t q, const mpz_t hs,
                                           const ccs_paillier_opts *opts, bool require_equal_size,
                                           ccs_paillier_priv **out);

/* Checks c in [1, n^2). */
CCS_MUST_USE ccs_status paillier_check_ct(const ccs_paillier_pub *pub, const mpz_t c);
/* paillier_check_ct and prime to n (decryption, serialization). */
CCS_MUST_USE ccs_status paillier_check_unit_ct(const ccs_paillier_pub *pub, const mpz_t c);
/* out = Enc(0) in the given mode with fresh randomness (hs^alpha or r^n). */
CCS_MUST_USE ccs_status paillier_noise(const ccs_paillier_pub *pub, ccs_paillier_mode mode, mpz_t out);

#endif
