/* The negacyclic NTT on AVX-512 IFMA (vpmadd52luq/vpmadd52huq), for
 * q < 2^50 so that lazy values below 4q fit the 52-bit multiplier inputs.
 * The same butterflies and twiddle order as the scalar path (ntt.c), eight
 * coefficients per vector: stages whose butterflies are 8 or more apart run
 * on whole vectors with one broadcast twiddle; the three stages at distance
 * 4, 2 and 1 regroup two vectors with permutes so that each lane pair is a
 * butterfly, and load their twiddles as a vector. A twiddle product w*y mod q
 * uses w's Shoup companion ws = floor(w 2^52 / q): Q = hi52(ws*y), then
 * w*y - Q*q from two low-52 products, in [0, 2q).
 * Compiled for these instructions by function attributes; called only when
 * cpuid reports them (ccs__he_cpu_has_ifma). */
#include <immintrin.h>

#include "he_internal.h"

#define TARGET __attribute__((target("avx512f,avx512dq,avx512ifma,avx512vl")))

bool ccs__he_cpu_has_ifma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512ifma");
}

#define NTT_IFMA 1
#define NTT_SHOUP(f) f##_s52
#define NTT_SHOUP_NINV(t) (t)->n_inv_s52
#define NTT_NEG(t) (t)->root_n52
#define NTT_FWD_NAME ccs__ntt_forward_ifma
#define NTT_INV_NAME ccs__ntt_inverse_ifma
#include "ntt_avx512_body.h"
