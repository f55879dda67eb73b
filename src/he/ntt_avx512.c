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

typedef struct consts {
    __m512i q, q2, negq, mask52, zero;
} consts;

TARGET static inline consts make_consts(uint64_t q) {
    consts c = {_mm512_set1_epi64((long long)q), _mm512_set1_epi64((long long)(2 * q)),
                _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - q)),
                _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1)), _mm512_setzero_si512()};
    return c;
}

/* w*y mod q in [0, 2q) for y < 2^52. */
TARGET static inline __m512i mul_lazy(__m512i y, __m512i w, __m512i ws, const consts *c) {
    __m512i qt = _mm512_madd52hi_epu64(c->zero, ws, y);
    __m512i t = _mm512_madd52lo_epu64(c->zero, w, y);
    t = _mm512_madd52lo_epu64(t, qt, c->negq);
    return _mm512_and_si512(t, c->mask52);
}

/* x in [0, 4q) -> [0, 2q): min(x, x - 2q) as unsigned. */
TARGET static inline __m512i reduce2q(__m512i x, const consts *c) {
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, c->q2));
}

TARGET static inline void fwd_bfly(__m512i *x, __m512i *y, __m512i w, __m512i ws, const consts *c) {
    __m512i u = reduce2q(*x, c), v = mul_lazy(*y, w, ws, c);
    *x = _mm512_add_epi64(u, v);
    *y = _mm512_add_epi64(_mm512_sub_epi64(u, v), c->q2);
}

TARGET static inline void inv_bfly(__m512i *x, __m512i *y, __m512i w, __m512i ws, const consts *c) {
    __m512i u = *x, v = *y;
    *x = reduce2q(_mm512_add_epi64(u, v), c);
    *y = mul_lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), c->q2), w, ws, c);
}

/* Lane regroupings for the butterflies at distance 4, 2 and 1 across a pair
 * of vectors A (elements 0..7) and B (8..15): X takes the first element of
 * each pair, Y the second; the "back" tables undo it. */
typedef struct perm {
    __m512i x, y, back_a, back_b, wi;
} perm;

TARGET static perm perm_for(unsigned dist) {
    perm p;
    if (dist == 4) {
        p.x = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11), p.y = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
        p.back_a = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11), p.back_b = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
        p.wi = _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1);
    } else if (dist == 2) {
        p.x = _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13), p.y = _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
        p.back_a = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), p.back_b = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
        p.wi = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
    } else {
        p.x = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), p.y = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
        p.back_a = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11), p.back_b = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
        p.wi = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    }
    return p;
}

/* The twiddles of the 16 elements at a: 16/(2 dist) consecutive entries of
 * the table from tw, spread over their lanes. */
TARGET static inline __m512i twiddles(const uint64_t *tw, unsigned dist, const perm *p) {
    __m512i raw = dist == 1 ? _mm512_loadu_si512(tw)
                  : dist == 2 ? _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)tw))
                              : _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)tw));
    return _mm512_permutexvar_epi64(p->wi, raw);
}

/* One of the three short-distance stages over the whole array. */
TARGET static void short_stage(uint64_t *a, size_t n, unsigned dist, const uint64_t *w, const uint64_t *ws, bool inverse,
                               bool last, const consts *c) {
    const perm p = perm_for(dist);
    const size_t per16 = 8 / dist; /* butterfly groups (twiddles) per 16 elements */
    for (size_t k = 0; k < n; k += 16) {
        __m512i A = _mm512_loadu_si512(a + k), B = _mm512_loadu_si512(a + k + 8);
        __m512i X = _mm512_permutex2var_epi64(A, p.x, B), Y = _mm512_permutex2var_epi64(A, p.y, B);
        size_t g = k / 16 * per16;
        __m512i W = twiddles(w + g, dist, &p), WS = twiddles(ws + g, dist, &p);
        if (inverse) inv_bfly(&X, &Y, W, WS, c);
        else fwd_bfly(&X, &Y, W, WS, c);
        if (last) { /* [0, 4q) -> [0, q) */
            X = reduce2q(X, c), Y = reduce2q(Y, c);
            X = _mm512_min_epu64(X, _mm512_sub_epi64(X, c->q));
            Y = _mm512_min_epu64(Y, _mm512_sub_epi64(Y, c->q));
        }
        _mm512_storeu_si512(a + k, _mm512_permutex2var_epi64(X, p.back_a, Y));
        _mm512_storeu_si512(a + k + 8, _mm512_permutex2var_epi64(X, p.back_b, Y));
    }
}

TARGET void ccs__ntt_forward_ifma(const ccs_ntt *t, uint64_t *a) {
    const consts c = make_consts(t->q);
    const size_t n = t->n;
    size_t m = 1, h = n >> 1;
    for (; h >= 8; m <<= 1, h >>= 1) {
        for (size_t i = 0; i < m; i++) {
            const __m512i w = _mm512_set1_epi64((long long)t->root[m + i]);
            const __m512i ws = _mm512_set1_epi64((long long)t->root_s52[m + i]);
            uint64_t *x = a + 2 * i * h, *y = x + h;
            for (size_t j = 0; j < h; j += 8) {
                __m512i X = _mm512_loadu_si512(x + j), Y = _mm512_loadu_si512(y + j);
                fwd_bfly(&X, &Y, w, ws, &c);
                _mm512_storeu_si512(x + j, X);
                _mm512_storeu_si512(y + j, Y);
            }
        }
    }
    /* h = 4, 2, 1: m = n/8, n/4, n/2 */
    short_stage(a, n, 4, t->root + n / 8, t->root_s52 + n / 8, false, false, &c);
    short_stage(a, n, 2, t->root + n / 4, t->root_s52 + n / 4, false, false, &c);
    short_stage(a, n, 1, t->root + n / 2, t->root_s52 + n / 2, false, true, &c);
}

TARGET void ccs__ntt_inverse_ifma(const ccs_ntt *t, uint64_t *a) {
    const consts c = make_consts(t->q);
    const size_t n = t->n;
    short_stage(a, n, 1, t->inv_root + n / 2, t->inv_root_s52 + n / 2, true, false, &c);
    short_stage(a, n, 2, t->inv_root + n / 4, t->inv_root_s52 + n / 4, true, false, &c);
    short_stage(a, n, 4, t->inv_root + n / 8, t->inv_root_s52 + n / 8, true, false, &c);
    for (size_t m = n >> 4, h = 8; m >= 1; m >>= 1, h <<= 1) {
        for (size_t i = 0; i < m; i++) {
            const __m512i w = _mm512_set1_epi64((long long)t->inv_root[m + i]);
            const __m512i ws = _mm512_set1_epi64((long long)t->inv_root_s52[m + i]);
            uint64_t *x = a + 2 * i * h, *y = x + h;
            for (size_t j = 0; j < h; j += 8) {
                __m512i X = _mm512_loadu_si512(x + j), Y = _mm512_loadu_si512(y + j);
                inv_bfly(&X, &Y, w, ws, &c);
                _mm512_storeu_si512(x + j, X);
                _mm512_storeu_si512(y + j, Y);
            }
        }
    }
    const __m512i ni = _mm512_set1_epi64((long long)t->n_inv), nis = _mm512_set1_epi64((long long)t->n_inv_s52);
    for (size_t j = 0; j < n; j += 8) {
        __m512i v = mul_lazy(_mm512_loadu_si512(a + j), ni, nis, &c);
        _mm512_storeu_si512(a + j, _mm512_min_epu64(v, _mm512_sub_epi64(v, c.q)));
    }
}
