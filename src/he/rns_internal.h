/*
 * rns_internal.h - private to src/he: the RNS context, keys, ciphertexts,
 * Barrett reduction and the PRNG shared by rns.c, prng.c, keys.c, bgv.c,
 * bfv.c and serial.c.
 */
#ifndef CCS_HE_RNS_INTERNAL_H
#define CCS_HE_RNS_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "ccs/he_rns.h"
#include "he_internal.h"

#define HE_MAXP (CCS_HE_RNS_MAX_PRIMES + 1)
#define HE_MAX_AUX (CCS_HE_RNS_MAX_PRIMES + 4)

/* A prime with its Barrett constant floor(2^128 / q) and NTT tables. */
typedef struct he_mod {
    uint64_t q, r0, r1; /* r1:r0 = floor(2^128 / q) */
    uint64_t r64;       /* floor(2^64 / q) */
    ccs_ntt *ntt;
} he_mod;

static inline void he_mod_init(he_mod *m, uint64_t q) {
    unsigned __int128 d = (~(unsigned __int128)0) / q;
    m->q = q;
    m->r1 = (uint64_t)(d >> 64);
    m->r0 = (uint64_t)d;
    m->r64 = (~(uint64_t)0) / q;
}

static inline uint64_t he_red128(unsigned __int128 x, const he_mod *m) {
    uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
    unsigned __int128 a = (unsigned __int128)lo * m->r0;
    unsigned __int128 b = (unsigned __int128)lo * m->r1;
    unsigned __int128 c = (unsigned __int128)hi * m->r0;
    unsigned __int128 mid = (a >> 64) + (uint64_t)b + (uint64_t)c;
    uint64_t qh = (uint64_t)(b >> 64) + (uint64_t)(c >> 64) + (uint64_t)(mid >> 64) + hi * m->r1;
    uint64_t r = lo - qh * m->q;
    while (r >= m->q) r -= m->q;
    return r;
}
static inline uint64_t he_red64(uint64_t x, const he_mod *m) {
    uint64_t qh = (uint64_t)(((unsigned __int128)x * m->r64) >> 64);
    uint64_t r = x - qh * m->q;
    return r >= m->q ? r - m->q : r;
}
static inline uint64_t he_mmul(uint64_t a, uint64_t b, const he_mod *m) {
    return he_red128((unsigned __int128)a * b, m);
}
/* x w mod q with ws = floor(w 2^64 / q) (Shoup), x < 2^64, result in [0, q). */
static inline uint64_t he_mul_shoup(uint64_t x, uint64_t w, uint64_t ws, uint64_t q) {
    uint64_t hi = (uint64_t)(((unsigned __int128)ws * x) >> 64);
    uint64_t r = w * x - hi * q;
    return r >= q ? r - q : r;
}
static inline uint64_t he_from_i64(int64_t v, uint64_t q) {
    return v < 0 ? q - (uint64_t)(-v) % q : (uint64_t)v % q;
}

/* Exact (HPS) conversion from basis F to basis T, coefficient form:
 * y_i = [x_i (F/f_i)^-1]_{f_i}; v = round(sum y_i / f_i) (64-bit fixed point);
 * out_j = sum y_i [F/f_i]_{t_j} - v [F]_{t_j}. */
typedef struct he_bconv {
    size_t nf, nt;
    const he_mod *from[HE_MAX_AUX], *to[HE_MAX_AUX];
    uint64_t fhat_inv[HE_MAX_AUX];           /* (F/f_i)^-1 mod f_i */
    uint64_t fhat_inv_s[HE_MAX_AUX];         /* its Shoup companion */
    uint64_t vneg[HE_MAX_AUX][HE_MAX_AUX + 1]; /* [j][v] = -v F mod t_j */
    uint64_t inv_fix[HE_MAX_AUX];            /* floor(2^64 / f_i) */
    uint64_t *fhat_mod;                      /* [i * nt + j] = (F/f_i) mod t_j */
    uint64_t f_mod[HE_MAX_AUX];              /* F mod t_j */
    bool from_below_2_50;                    /* every f_i < 2^50 (IFMA may read the y_i) */
} he_bconv;

struct ccs_he_ctx {
    ccs_he_params p;
    size_t n, L;
    unsigned log_n, total_bits;
    he_mod m[HE_MAXP]; /* 0..L-1 data, L special */
    he_mod tm;         /* t (ntt only when batching) */
    bool batching;
    size_t *slot_index; /* slot k -> NTT position */
    uint8_t params_id[32];
    /* per level l (1..L): constants for decryption over q_0..q_{l-1} */
    uint64_t qhat_inv[HE_MAXP][HE_MAXP];   /* [l][i] = (Q_l/q_i)^-1 mod q_i */
    uint64_t qhat_mod_t[HE_MAXP][HE_MAXP]; /* [l][i] = (Q_l/q_i) mod t */
    uint64_t q_mod_t[HE_MAXP];             /* [l] = Q_l mod t */
    uint64_t p_mod_q[HE_MAXP];             /* P mod q_i */
    uint64_t p_inv_q[HE_MAXP];             /* P^-1 mod q_i */
    uint64_t qlast_inv[HE_MAXP][HE_MAXP];  /* [l][i] = q_{l-1}^-1 mod q_i */
    he_bconv dec[HE_MAXP];                 /* [l]: q_0..q_{l-1} -> t, exact (BGV decryption) */
    /* BFV */
    uint64_t delta[HE_MAXP];       /* floor(Q/t) mod q_i */
    uint64_t t_over_q_fix[HE_MAXP]; /* floor((t mod q_i) 2^64 / q_i): the fraction of t / q_i */
    uint64_t t_over_q_int[HE_MAXP]; /* floor(t / q_i) (< t): its integer part, 0 unless t > q_i */
    bool t_over_q_has_int;          /* some q_i < t */
    size_t K;                       /* auxiliary primes for the HPS multiply */
    he_mod aux[HE_MAX_AUX];
    he_bconv q_to_b, b_to_q;
    /* scale round(t x / Q) from Q u B into B */
    uint64_t s_qbhat_inv[HE_MAXP];      /* (Q B / q_i)^-1 mod q_i = ((Q/q_i) B)^-1 */
    uint64_t s_qbhat_inv_s[HE_MAXP], s_bhat_inv_s[HE_MAX_AUX], qhat_inv_s[HE_MAXP]; /* Shoup companions */
    uint64_t s_theta[HE_MAXP];          /* frac(t B / q_i) * 2^64, i.e. floor((t B mod q_i) 2^64 / q_i) */
    uint64_t *s_w;                      /* [i * K + j] = floor(t B / q_i) mod b_j */
    uint64_t s_bhat_inv[HE_MAX_AUX];    /* (Q B / b_j)^-1 mod b_j */
    uint64_t s_lambda[HE_MAX_AUX];      /* (t B / b_j) mod b_j */
    ccs_ckks_encoder *ckks;             /* CKKS: the canonical-embedding encoder */
};

/* ---- PRNG (prng.c): AES-256-CTR keyed by a 32-byte seed, counter block
 * (domain, 0). ---- */
typedef struct he_prng {
    ccs_aes256ctr *aes;
    uint8_t buf[4096];
    size_t pos;
} he_prng;
CCS_MUST_USE ccs_status he_prng_init(he_prng *g, const uint8_t seed[32], uint64_t domain);
void he_prng_done(he_prng *g);
CCS_MUST_USE ccs_status he_prng_bytes(he_prng *g, void *out, size_t n);
CCS_MUST_USE ccs_status he_seed_fresh(uint8_t seed[32]);
/* Uniform residues mod each row's prime (any form: uniform is uniform). */
CCS_MUST_USE ccs_status he_sample_uniform(const ccs_he_ctx *c, he_prng *g, ccs_he_poly *p);
/* n small signed coefficients. */
CCS_MUST_USE ccs_status he_sample_ternary(he_prng *g, size_t n, int64_t *out);
CCS_MUST_USE ccs_status he_sample_cbd(he_prng *g, size_t n, int64_t *out);

/* ---- keys ---- */
#define HE_KEY_OF(c, k) (memcmp((k)->params_id, (c)->params_id, 32) == 0)
/* Every key records the params_id of the context it was made for: used
 * with another context, its rows would not match (or not be there). */
struct ccs_he_secret_key {
    uint8_t params_id[32];
    uint8_t seed[32];
    ccs_he_poly s; /* NTT form, rows 0..L-1 and special */
};
struct ccs_he_public_key {
    uint8_t params_id[32];
    uint8_t seed[32];
    ccs_he_poly b, a; /* NTT form, data rows 0..L-1 */
};
/* Hybrid key-switching key: for digit j < L, (b_j, a_j) over all L+1 rows. */
typedef struct he_kswitch {
    uint8_t seed[32];
    uint32_t galois; /* 0 for relinearization */
    ccs_he_poly *b, *a; /* L each */
    uint32_t *perm;     /* Galois keys: the NTT-form permutation */
} he_kswitch;
struct ccs_he_relin_key {
    uint8_t params_id[32];
    he_kswitch k;
};
struct ccs_he_galois_keys {
    uint8_t params_id[32];
    size_t count;
    he_kswitch *k;
};

struct ccs_he_plaintext {
    size_t n;
    size_t rows; /* rows of n words allocated (1; CKKS: L), all wiped on free */
    uint64_t *c; /* coefficients mod t; CKKS: level x n residues, NTT form */
    size_t level; /* CKKS: data primes in use (0: not a CKKS plaintext) */
    double scale; /* CKKS */
};
struct ccs_he_ciphertext {
    size_t n, cap_rows; /* rows allocated per poly (L) */
    size_t level, size;
    uint64_t cf;        /* BGV: the phase holds cf * m; CKKS: the scale's IEEE-754 binary64 bits */
    bool seeded;
    uint8_t seed[32];
    uint64_t *d;        /* 3 polys x cap_rows x n */
};
static inline uint64_t *he_ct_row(const ccs_he_ciphertext *ct, size_t k, size_t i) {
    return ct->d + (k * ct->cap_rows + i) * ct->n;
}

/* rns.c helpers */
void *he_alloc(size_t bytes); /* 64-byte aligned, zeroed */
void *he_alloc_raw(size_t bytes); /* 64-byte aligned, uninitialised (scratch) */
void he_free(void *p);            /* for both: back to the thread's cache (rns.c) */
void he_pool_stats(size_t *blocks, size_t *bytes); /* the calling thread's cache (tests) */
/* A per-thread scratch buffer that survives between calls (hot paths do not
 * fault fresh pages in every time). Slots: 0 BFV multiply, 1 key switching,
 * 2 base conversion, 3 rotation, 4 base-conversion offsets, 5 the decomposition
 * of rotate_many (hoist.c). NULL when out of memory. Not wiped
 * unless he_scratch_wipe: decryption wipes what it used. */
enum { HE_SCR_BFV = 0, HE_SCR_KS = 1, HE_SCR_BCONV = 2, HE_SCR_ROT = 3, HE_SCR_INIT = 4, HE_SCR_HOIST = 5, HE_SCR_SLOTS = 6 };
void *he_scratch(unsigned slot, size_t bytes);
void he_scratch_wipe(unsigned slot); /* after secret-dependent data passed through */
const he_mod *he_row_mod(const ccs_he_ctx *c, const ccs_he_poly *p, size_t i);
CCS_MUST_USE ccs_status he_bconv_init(he_bconv *b, const he_mod *from, size_t nf, const he_mod *to, size_t nt);
void he_bconv_free(he_bconv *b);
/* in: nf rows, out: nt rows, coefficient form; exact (rounded v) when exact. */
void he_bconv_apply(const he_bconv *b, const uint64_t *in, uint64_t *out, size_t n, bool exact);
/* out[k] = (init[k] + sum_i y[i n + k] cst[i]) mod q; y, cst < 2^50, rows <=
 * HE_MAX_AUX + 1, init < 2^54 or NULL (rns_avx512.c: IFMA or scalar). */
void he_macc(uint64_t *out, const uint64_t *y, size_t rows, size_t n, const uint64_t *cst, const uint64_t *init,
             const he_mod *m);
/* out[k] = sum_i a[i][k] b[i][k] mod q; inputs < q < 2^50 (IFMA) or < 2^64 and rows <= 64. out may be a[i]. */
void he_dyadic_macc(uint64_t *out, const uint64_t *const *a, const uint64_t *const *b, size_t rows, size_t n,
                    const he_mod *m);
/* d = ([x]_P centered, reduced mod q) * w mod q; x < P. */
void he_lift_centered(uint64_t *d, const uint64_t *x, uint64_t P, uint64_t w, size_t n, const he_mod *m);
/* r = (a - b) * w mod q; a, b < q. r may alias. */
void he_sub_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, uint64_t w, size_t n, const he_mod *m);
/* IFMA first half of he_bconv_apply: y rows = [x_i (F/f_i)^-1]_{f_i}, and
 * when exact row nf = v = round(sum y_i / f_i) (52-bit fixed point, error
 * below 2^-13). false when the path does not apply (then nothing is written). */
bool he_bconv_prep(uint64_t *y, const uint64_t *in, size_t n, const he_bconv *b, bool exact);
/* r = a +- b mod q with AVX-512 when the active path has it; false otherwise. */
bool he_addsub_simd(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q, bool sub);
void he_dyadic_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, const he_mod *m);
void he_dyadic_muladd(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, const he_mod *m);
void he_add(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q);
void he_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q);
void he_scalar_mul(uint64_t *r, const uint64_t *a, uint64_t s, size_t n, const he_mod *m);
/* Divide a set of rows (data 0..l-1, then the modulus last) by last, in NTT
 * form: rows[i] = (rows[i] - d) * last^-1, d = x mod last, d = 0 mod tc. */
void he_divide_last(const ccs_he_ctx *c, uint64_t *rows, size_t l, const he_mod *last, const uint64_t *last_inv,
                    uint64_t tc, uint64_t *scratch);
/* NTT-domain position of the evaluation at psi^e (e odd < 2N). */
static inline size_t he_ntt_pos(const ccs_he_ctx *c, uint64_t e) {
    size_t x = (size_t)((e - 1) >> 1), r = 0;
    for (unsigned i = 0; i < c->log_n; i++, x >>= 1) r = (r << 1) | (x & 1);
    return r;
}
/* perm[i] = source position for X -> X^g in NTT form. */
void he_galois_perm(const ccs_he_ctx *c, uint32_t g, size_t *perm);
CCS_MUST_USE ccs_status he_kswitch_set_perm(const ccs_he_ctx *c, he_kswitch *k); /* from k->galois */
uint32_t he_galois_elt(const ccs_he_ctx *c, int step); /* 3^step mod 2N; 2N-1 for step "columns" */

/* keys.c */
CCS_MUST_USE ccs_status he_kswitch_gen(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_poly *target,
                                       const uint8_t seed[32], he_kswitch *k);
CCS_MUST_USE ccs_status he_kswitch_expand(const ccs_he_ctx *c, he_kswitch *k); /* alloc + a_j from seed */
void he_kswitch_free(he_kswitch *k);
/* c0 += <decomp(d), b>, c1 += <decomp(d), a> at level l; d NTT form l rows. */
CCS_MUST_USE ccs_status he_kswitch_apply(const ccs_he_ctx *c, const he_kswitch *k, const uint64_t *d, size_t l,
                                         uint64_t *c0, uint64_t *c1);
CCS_MUST_USE ccs_status he_sk_expand(const ccs_he_ctx *c, ccs_he_secret_key *sk); /* s from seed */
CCS_MUST_USE ccs_status he_pk_expand_a(const ccs_he_ctx *c, ccs_he_public_key *pk);

/* hoist.c: hoisted rotations (the callers check the context, the
 * ciphertext and its size). */
CCS_MUST_USE ccs_status he_hoist_precompute(const ccs_he_ctx *c, const ccs_he_ciphertext *a,
                                            ccs_he_rotation_precomp *p);
/* k NULL: the identity. */
CCS_MUST_USE ccs_status he_hoist_apply(const ccs_he_ctx *c, const ccs_he_rotation_precomp *p, const he_kswitch *k,
                                       ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status he_hoist_check(const ccs_he_ctx *c, const ccs_he_rotation_precomp *p);
const he_kswitch *he_galois_find(const ccs_he_galois_keys *gk, uint32_t g); /* NULL when absent */
/* One decomposition of a, then outs[i] = the automorphism elts[i] of a (1: a copy). */
CCS_MUST_USE ccs_status he_hoist_many(const ccs_he_ctx *c, const ccs_he_galois_keys *gk, const ccs_he_ciphertext *a,
                                      const uint32_t *elts, size_t count, ccs_he_ciphertext *const *outs);

/* shared scheme helpers (bgv.c) */
CCS_MUST_USE ccs_status he_ct_prepare(const ccs_he_ctx *c, ccs_he_ciphertext *ct, size_t level, size_t size);
/* phase = c0 + c1 s (+ c2 s^2), coefficient form, level rows. */
CCS_MUST_USE ccs_status he_phase(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_he_ciphertext *ct,
                                 uint64_t *out);
CCS_MUST_USE ccs_status he_encrypt_core(const ccs_he_ctx *c, const ccs_he_public_key *pk, const ccs_he_secret_key *sk,
                                        ccs_he_ciphertext *out);
/* m lifted centered into NTT form over l rows, times the per-row scalar mult (NULL: 1). */
void he_plain_lift(const ccs_he_ctx *c, const ccs_he_plaintext *pt, size_t l, const uint64_t *mult, uint64_t *rows);

/* bfv.c */
CCS_MUST_USE ccs_status he_bfv_multiply(const ccs_he_ctx *c, const ccs_he_ciphertext *a, const ccs_he_ciphertext *b,
                                        ccs_he_ciphertext *out);
CCS_MUST_USE ccs_status he_bfv_decrypt_phase(const ccs_he_ctx *c, uint64_t *phase, ccs_he_plaintext *out);
CCS_MUST_USE ccs_status he_bfv_init(ccs_he_ctx *c); /* aux basis and HPS constants */



/* a^-1 mod m for any modulus m (extended Euclid); 0 when not invertible. */
static inline uint64_t he_inv_any(uint64_t a, uint64_t m) {
    __int128 t0 = 0, t1 = 1, r0 = (__int128)m, r1 = (__int128)(a % m);
    while (r1 != 0) {
        __int128 q = r0 / r1, x;
        x = r0 - q * r1, r0 = r1, r1 = x;
        x = t0 - q * t1, t0 = t1, t1 = x;
    }
    if (r0 != 1) return 0;
    return (uint64_t)(t0 < 0 ? t0 + (__int128)m : t0);
}
#endif
