/* Element-wise a b mod q on AVX-512 IFMA for q < 2^50 (the Barrett scheme
 * of eltwise.c on 52-bit limbs): x = a b = hi 2^52 + lo from
 * vpmadd52huq/luq; t = floor(x / 2^(L-1)) from the two halves; the
 * quotient from t mu the same way; the remainder from the low 52 bits. */
#include <immintrin.h>

#include "he_internal.h"

#define TARGET __attribute__((target("avx512f,avx512dq,avx512ifma,avx512vl")))

TARGET void ccs__he_mul_mod_ifma(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    const unsigned l = ccs__he_bitlen(q);
    const __m512i vq = _mm512_set1_epi64((long long)q), mu = _mm512_set1_epi64((long long)ccs__he_barrett_mu(q));
    const __m512i negq = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - q));
    const __m512i mask = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1)), z = _mm512_setzero_si512();
    const __m512i s1 = _mm512_set1_epi64(53 - (long long)l), s2 = _mm512_set1_epi64((long long)l - 1);
    const __m512i s3 = _mm512_set1_epi64(51 - (long long)l), s4 = _mm512_set1_epi64((long long)l + 1);
    for (size_t i = 0; i < n; i += 8) {
        __m512i x = _mm512_loadu_si512(a + i), y = _mm512_loadu_si512(b + i);
        __m512i lo = _mm512_madd52lo_epu64(z, x, y), hi = _mm512_madd52hi_epu64(z, x, y);
        /* t = x >> (L-1) < 2^(L+1) */
        __m512i t = _mm512_or_si512(_mm512_sllv_epi64(hi, s1), _mm512_srlv_epi64(lo, s2));
        /* qt = (t mu) >> (L+1) */
        __m512i plo = _mm512_madd52lo_epu64(z, t, mu), phi = _mm512_madd52hi_epu64(z, t, mu);
        __m512i qt = _mm512_or_si512(_mm512_sllv_epi64(phi, s3), _mm512_srlv_epi64(plo, s4));
        /* v = (lo - qt q) mod 2^52, in [0, 3q) */
        __m512i v = _mm512_and_si512(_mm512_madd52lo_epu64(lo, qt, negq), mask);
        v = _mm512_min_epu64(v, _mm512_sub_epi64(v, vq));
        v = _mm512_min_epu64(v, _mm512_sub_epi64(v, vq));
        _mm512_storeu_si512(r + i, v);
    }
}
