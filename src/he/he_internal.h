/*
 * he_internal.h - private to src/he: 64-bit modular helpers and the NTT
 * tables shared by the scalar and AVX-512 paths.
 */
#ifndef CCS_HE_INTERNAL_H
#define CCS_HE_INTERNAL_H

#include "ccs/he.h"

static inline uint64_t he_mulmod(uint64_t a, uint64_t b, uint64_t q) {
    return (uint64_t)(((unsigned __int128)a * b) % q);
}

/* floor(w * 2^bits / q), the Shoup companion of w (w < q). */
static inline uint64_t he_shoup(uint64_t w, uint64_t q, unsigned bits) {
    return (uint64_t)(((unsigned __int128)w << bits) / q);
}

struct ccs_ntt {
    size_t n;
    unsigned log_n;
    uint64_t q, psi, n_inv;
    /* root[k] = psi^bitrev(k) (k = 1..n-1); inv_root[k] = root[k]^-1; each
     * with its Shoup companion for 64-bit words (_s64) and, when q < 2^50,
     * for 52-bit IFMA words (_s52). n_inv_s64/52 likewise. 64-byte aligned. */
    uint64_t *root, *root_s64, *root_s52, *inv_root, *inv_root_s64, *inv_root_s52;
    uint64_t *root_n52; /* 2^52 - root[k] when q < 2^50 (the IFMA forward butterflies that feed Y sides) */
    uint64_t n_inv_s64, n_inv_s52;
};

/* The AVX-512 IFMA transforms (ntt_avx512.c); q < 2^50, n >= 1024. */
void ccs__ntt_forward_ifma(const ccs_ntt *t, uint64_t *a);
void ccs__ntt_inverse_ifma(const ccs_ntt *t, uint64_t *a);
bool ccs__he_cpu_has_ifma(void);
/* The AVX512DQ transforms (ntt_avx512dq.c); any q < 2^62, n >= 1024. */
void ccs__ntt_forward_dq(const ccs_ntt *t, uint64_t *a);
void ccs__ntt_inverse_dq(const ccs_ntt *t, uint64_t *a);
bool ccs__he_cpu_has_dq(void);
/* Barrett constants (eltwise.c) and the IFMA element-wise multiply. */
unsigned ccs__he_bitlen(uint64_t q);
uint64_t ccs__he_barrett_mu(uint64_t q);
void ccs__he_mul_mod_ifma(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q);

#endif
