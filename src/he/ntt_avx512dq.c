/* The negacyclic NTT on AVX-512 with AVX512DQ (vpmullq) for any prime below
 * 2^62, in particular the 60-bit primes the IFMA path cannot take: 64-bit
 * words, the 64-bit Shoup companions of the scalar path, the multiply-high
 * made of four 32 x 32-bit products. The same stages as the IFMA path
 * (ntt_avx512_body.h). Compiled for these instructions by function
 * attributes; called only when cpuid reports them (ccs__he_cpu_has_dq). */
#include <immintrin.h>

#include "he_internal.h"

#define TARGET __attribute__((target("avx512f,avx512dq,avx512vl")))

bool ccs__he_cpu_has_dq(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

#define NTT_IFMA 0
#define NTT_SHOUP(f) f##_s64
#define NTT_SHOUP_NINV(t) (t)->n_inv_s64
#define NTT_NEG(t) (t)->root
#define NTT_FWD_NAME ccs__ntt_forward_dq
#define NTT_INV_NAME ccs__ntt_inverse_dq
#include "ntt_avx512_body.h"
