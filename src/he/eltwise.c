/* Element-wise arithmetic mod q on residues in [0, q). The multiply uses
 * Barrett reduction (no division): with L the bit length of q,
 * mu = floor(2^2L / q), and for x = a b < q^2 the quotient estimate
 * Q = floor(floor(x / 2^(L-1)) mu / 2^(L+1)) is at most 2 below x / q, so
 * x - Q q lands in [0, 3q) and two conditional subtractions finish. The
 * AVX-512 IFMA path (eltwise_avx512.c, q < 2^50) computes the same. */
#include "he_internal.h"

void ccs_he_add_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    for (size_t i = 0; i < n; i++) {
        uint64_t s = a[i] + b[i];
        r[i] = s >= q ? s - q : s;
    }
}

void ccs_he_sub_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    for (size_t i = 0; i < n; i++) r[i] = a[i] >= b[i] ? a[i] - b[i] : a[i] + q - b[i];
}

unsigned ccs__he_bitlen(uint64_t q) { return 64u - (unsigned)__builtin_clzll(q); }

uint64_t ccs__he_barrett_mu(uint64_t q) {
    unsigned l = ccs__he_bitlen(q);
    return (uint64_t)(((unsigned __int128)1 << (2 * l)) / q);
}

static void mul_scalar(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    const unsigned l = ccs__he_bitlen(q);
    const uint64_t mu = ccs__he_barrett_mu(q);
    for (size_t i = 0; i < n; i++) {
        unsigned __int128 x = (unsigned __int128)a[i] * b[i];
        uint64_t t = (uint64_t)(x >> (l - 1));
        uint64_t qt = (uint64_t)(((unsigned __int128)t * mu) >> (l + 1));
        uint64_t v = (uint64_t)x - qt * q;
        v = v >= q ? v - q : v;
        r[i] = v >= q ? v - q : v;
    }
}

void ccs_he_mul_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    if (ccs_he_isa_active() == CCS_HE_ISA_AVX512IFMA && q < ((uint64_t)1 << CCS_HE_IFMA_Q_BITS) && n % 8 == 0)
        ccs__he_mul_mod_ifma(r, a, b, n, q);
    else
        mul_scalar(r, a, b, n, q);
}

ccs_status ccs_he_mul_mod_isa(ccs_he_isa isa, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    CCS_ENSURE(r != NULL && a != NULL && b != NULL && q > 1 && q < ((uint64_t)1 << CCS_HE_Q_BITS_MAX), CCS_ERR_INVALID_ARG,
               "he: bad arguments");
    if (isa == CCS_HE_ISA_SCALAR) {
        mul_scalar(r, a, b, n, q);
        return CCS_OK;
    }
    CCS_ENSURE(isa == CCS_HE_ISA_AVX512IFMA, CCS_ERR_UNSUPPORTED, "he: no %s element-wise path (scalar or IFMA)",
               ccs_he_isa_name(isa));
    CCS_ENSURE(ccs_he_isa_available(isa) && q < ((uint64_t)1 << CCS_HE_IFMA_Q_BITS) && n % 8 == 0, CCS_ERR_UNSUPPORTED,
               "he: the %s path is not available (CPU, modulus or length)", ccs_he_isa_name(isa));
    ccs__he_mul_mod_ifma(r, a, b, n, q);
    return CCS_OK;
}
