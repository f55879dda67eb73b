/* Multiply-accumulate with reduction for base conversion and HPS scaling:
 *   out[k] = (init[k] + sum_i y[i n + k] c_i) mod q,
 * y < 2^50, c_i < q < 2^50, init < 2^54; at most 15 products per fold. The AVX-512 IFMA path
 * accumulates the low and high 52-bit halves of the products separately
 * (value = hi 2^52 + lo), folds lo's top bits into hi, then reduces
 * hi 2^52 (Shoup with w = 2^52 mod q) and lo's low 52 bits (Shoup with
 * w = 1) and corrects twice: the same residues as the scalar path. */
#include "rns_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* (hi 2^52 + lo) mod q for the accumulators below. */
__attribute__((target("avx512f,avx512ifma"))) static inline __m512i fold_ifma(__m512i lo, __m512i hi, __m512i vq,
                                                                             __m512i v2q, __m512i vw, __m512i vws,
                                                                             __m512i vws1, __m512i mask) {
    const __m512i zero = _mm512_setzero_si512();
    __m512i H = _mm512_add_epi64(hi, _mm512_srli_epi64(lo, 52));
    __m512i L = _mm512_and_si512(lo, mask);
    __m512i qe = _mm512_madd52hi_epu64(zero, H, vws);
    __m512i r1 = _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, H, vw), _mm512_madd52lo_epu64(zero, qe, vq));
    r1 = _mm512_and_si512(r1, mask);
    __m512i qe2 = _mm512_madd52hi_epu64(zero, L, vws1);
    __m512i r2 = _mm512_sub_epi64(L, _mm512_madd52lo_epu64(zero, qe2, vq));
    __m512i r = _mm512_add_epi64(r1, r2); /* < 4q */
    r = _mm512_min_epu64(r, _mm512_sub_epi64(r, v2q));
    return _mm512_min_epu64(r, _mm512_sub_epi64(r, vq));
}

#define FOLD_CONSTANTS(q)                                                                                          \
    const uint64_t w_ = ((uint64_t)1 << 52) % (q);                                                                 \
    const __m512i vq = _mm512_set1_epi64((long long)(q)), v2q = _mm512_set1_epi64((long long)(2 * (q)));           \
    const __m512i vw = _mm512_set1_epi64((long long)w_);                                                           \
    const __m512i vws = _mm512_set1_epi64((long long)(uint64_t)(((unsigned __int128)w_ << 52) / (q)));             \
    const __m512i vws1 = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) / (q)));                                \
    const __m512i mask = _mm512_set1_epi64((long long)((1ull << 52) - 1))

__attribute__((target("avx512f,avx512ifma"))) static void dmacc_ifma(uint64_t *out, const uint64_t *const *a,
                                                                    const uint64_t *const *b, size_t rows, size_t n,
                                                                    const uint64_t *init, uint64_t q) {
    FOLD_CONSTANTS(q);
    const __m512i zero = _mm512_setzero_si512();
    for (size_t k = 0; k < n; k += 8) {
        __m512i lo = init ? _mm512_loadu_si512((const void *)(init + k)) : zero, hi = zero;
        for (size_t i = 0; i < rows; i++) {
            __m512i x = _mm512_loadu_si512((const void *)(a[i] + k)), y = _mm512_loadu_si512((const void *)(b[i] + k));
            lo = _mm512_madd52lo_epu64(lo, x, y);
            hi = _mm512_madd52hi_epu64(hi, x, y);
        }
        _mm512_storeu_si512((void *)(out + k), fold_ifma(lo, hi, vq, v2q, vw, vws, vws1, mask));
    }
}

__attribute__((target("avx512f,avx512ifma"))) static void macc_ifma(uint64_t *out, const uint64_t *y, size_t rows,
                                                                   size_t n, const uint64_t *cst,
                                                                   const uint64_t *init, uint64_t q) {
    const uint64_t w = ((uint64_t)1 << 52) % q;
    const uint64_t ws = (uint64_t)(((unsigned __int128)w << 52) / q), ws1 = ((uint64_t)1 << 52) / q;
    const __m512i vq = _mm512_set1_epi64((long long)q), v2q = _mm512_set1_epi64((long long)(2 * q));
    const __m512i vw = _mm512_set1_epi64((long long)w), vws = _mm512_set1_epi64((long long)ws);
    const __m512i vws1 = _mm512_set1_epi64((long long)ws1), mask = _mm512_set1_epi64((long long)((1ull << 52) - 1));
    const __m512i zero = _mm512_setzero_si512();
    __m512i c[HE_MAX_AUX + 1];
    for (size_t i = 0; i < rows; i++) c[i] = _mm512_set1_epi64((long long)cst[i]);
    for (size_t k = 0; k < n; k += 8) {
        __m512i lo = init ? _mm512_loadu_si512((const void *)(init + k)) : zero, hi = zero;
        for (size_t i = 0; i < rows; i++) {
            __m512i yv = _mm512_loadu_si512((const void *)(y + i * n + k));
            lo = _mm512_madd52lo_epu64(lo, yv, c[i]);
            hi = _mm512_madd52hi_epu64(hi, yv, c[i]);
        }
        __m512i H = _mm512_add_epi64(hi, _mm512_srli_epi64(lo, 52));
        __m512i L = _mm512_and_si512(lo, mask);
        __m512i qe = _mm512_madd52hi_epu64(zero, H, vws);
        __m512i r1 = _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, H, vw), _mm512_madd52lo_epu64(zero, qe, vq));
        r1 = _mm512_and_si512(r1, mask);
        __m512i qe2 = _mm512_madd52hi_epu64(zero, L, vws1);
        __m512i r2 = _mm512_sub_epi64(L, _mm512_madd52lo_epu64(zero, qe2, vq));
        __m512i r = _mm512_add_epi64(r1, r2); /* < 4q */
        r = _mm512_min_epu64(r, _mm512_sub_epi64(r, v2q));
        r = _mm512_min_epu64(r, _mm512_sub_epi64(r, vq));
        _mm512_storeu_si512((void *)(out + k), r);
    }
}
#endif

#if defined(__x86_64__)
/* y w mod q in [0, q) for y < 2^52, w < q < 2^50, ws = floor(w 2^52 / q). */
__attribute__((target("avx512f,avx512ifma"))) static inline __m512i mulc_ifma(__m512i y, __m512i w, __m512i ws,
                                                                             __m512i vq, __m512i mask) {
    const __m512i zero = _mm512_setzero_si512();
    __m512i qe = _mm512_madd52hi_epu64(zero, y, ws);
    __m512i r = _mm512_and_si512(_mm512_sub_epi64(_mm512_madd52lo_epu64(zero, y, w), _mm512_madd52lo_epu64(zero, qe, vq)), mask);
    return _mm512_min_epu64(r, _mm512_sub_epi64(r, vq));
}

__attribute__((target("avx512f,avx512ifma"))) static void lift_ifma(uint64_t *d, const uint64_t *x, uint64_t P,
                                                                   uint64_t w, size_t n, uint64_t q) {
    const __m512i vq = _mm512_set1_epi64((long long)q), vP = _mm512_set1_epi64((long long)P);
    const __m512i half = _mm512_set1_epi64((long long)(P >> 1)), one = _mm512_set1_epi64(1);
    const __m512i ws1 = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) / q));
    const __m512i vw = _mm512_set1_epi64((long long)w);
    const __m512i vws = _mm512_set1_epi64((long long)(uint64_t)(((unsigned __int128)w << 52) / q));
    const __m512i mask = _mm512_set1_epi64((long long)((1ull << 52) - 1)), zero = _mm512_setzero_si512();
    for (size_t k = 0; k < n; k += 8) {
        __m512i v = _mm512_loadu_si512((const void *)(x + k));
        __mmask8 neg = _mm512_cmpgt_epu64_mask(v, half);
        v = _mm512_mask_sub_epi64(v, neg, vP, v);
        __m512i r = mulc_ifma(v, one, ws1, vq, mask);
        __mmask8 nz = _mm512_cmpneq_epu64_mask(r, zero);
        r = _mm512_mask_sub_epi64(r, neg & nz, vq, r);
        if (w != 1) r = mulc_ifma(r, vw, vws, vq, mask);
        _mm512_storeu_si512((void *)(d + k), r);
    }
}

__attribute__((target("avx512f,avx512ifma"))) static void submul_ifma(uint64_t *r, const uint64_t *a,
                                                                     const uint64_t *b, uint64_t w, size_t n,
                                                                     uint64_t q) {
    const __m512i vq = _mm512_set1_epi64((long long)q), vw = _mm512_set1_epi64((long long)w);
    const __m512i vws = _mm512_set1_epi64((long long)(uint64_t)(((unsigned __int128)w << 52) / q));
    const __m512i mask = _mm512_set1_epi64((long long)((1ull << 52) - 1));
    for (size_t k = 0; k < n; k += 8) {
        __m512i x = _mm512_loadu_si512((const void *)(a + k)), y = _mm512_loadu_si512((const void *)(b + k));
        __m512i d = _mm512_add_epi64(_mm512_sub_epi64(x, y), vq); /* (0, 2q) */
        _mm512_storeu_si512((void *)(r + k), mulc_ifma(d, vw, vws, vq, mask));
    }
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512ifma"))) static void prep_ifma(uint64_t *y, const uint64_t *in, size_t nf,
                                                                   size_t n, const he_bconv *b, bool exact) {
    const __m512i mask = _mm512_set1_epi64((long long)((1ull << 52) - 1)), zero = _mm512_setzero_si512();
    __m512i vw[HE_MAX_AUX], vws[HE_MAX_AUX], vq[HE_MAX_AUX], vc[HE_MAX_AUX];
    unsigned sh = 64;
    for (size_t i = 0; i < nf; i++) {
        unsigned bits = 64u - (unsigned)__builtin_clzll(b->from[i]->q);
        if (bits - 2 < sh) sh = bits - 2;
    }
    for (size_t i = 0; i < nf; i++) {
        uint64_t q = b->from[i]->q, w = b->fhat_inv[i];
        vq[i] = _mm512_set1_epi64((long long)q);
        vw[i] = _mm512_set1_epi64((long long)w);
        vws[i] = _mm512_set1_epi64((long long)(uint64_t)(((unsigned __int128)w << 52) / q));
        vc[i] = _mm512_set1_epi64((long long)(uint64_t)(((unsigned __int128)1 << (52 + sh)) / q));
    }
    const __m512i half = _mm512_set1_epi64((long long)(1ull << (sh - 1))), vmax = _mm512_set1_epi64((long long)nf);
    for (size_t k = 0; k < n; k += 8) {
        __m512i acc = half;
        for (size_t i = 0; i < nf; i++) {
            __m512i x = _mm512_loadu_si512((const void *)(in + i * n + k));
            __m512i r = mulc_ifma(x, vw[i], vws[i], vq[i], mask);
            _mm512_storeu_si512((void *)(y + i * n + k), r);
            acc = _mm512_madd52hi_epu64(acc, r, vc[i]);
        }
        if (exact) {
            __m512i v = _mm512_min_epu64(_mm512_srli_epi64(acc, sh), vmax);
            _mm512_storeu_si512((void *)(y + nf * n + k), v);
        }
    }
    (void)zero;
}
#endif

bool he_bconv_prep(uint64_t *y, const uint64_t *in, size_t n, const he_bconv *b, bool exact) {
#if defined(__x86_64__)
    if ((n & 7) != 0 || ccs_he_isa_active() != CCS_HE_ISA_AVX512IFMA) return false;
    for (size_t i = 0; i < b->nf; i++)
        if (b->from[i]->q >= ((uint64_t)1 << 50) || b->from[i]->q < ((uint64_t)1 << 20)) return false;
    for (size_t j = 0; j < b->nt; j++)
        if (b->to[j]->q >= ((uint64_t)1 << 50)) return false;
    prep_ifma(y, in, b->nf, n, b, exact);
    return true;
#else
    (void)y, (void)in, (void)n, (void)b, (void)exact;
    return false;
#endif
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void addsub_avx512(uint64_t *r, const uint64_t *a, const uint64_t *b,
                                                            size_t n, uint64_t q, bool sub) {
    const __m512i vq = _mm512_set1_epi64((long long)q);
    for (size_t k = 0; k < n; k += 8) {
        __m512i x = _mm512_loadu_si512((const void *)(a + k)), y = _mm512_loadu_si512((const void *)(b + k));
        __m512i s = sub ? _mm512_add_epi64(_mm512_sub_epi64(x, y), vq) : _mm512_add_epi64(x, y); /* < 2q */
        _mm512_storeu_si512((void *)(r + k), _mm512_min_epu64(s, _mm512_sub_epi64(s, vq)));
    }
}
#endif

/* The IFMA path implies AVX-512F; any q < 2^63. */
bool he_addsub_simd(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q, bool sub) {
#if defined(__x86_64__)
    if ((n & 7) == 0 && q < ((uint64_t)1 << 63) && ccs_he_isa_active() == CCS_HE_ISA_AVX512IFMA) {
        addsub_avx512(r, a, b, n, q, sub);
        return true;
    }
#endif
    (void)r, (void)a, (void)b, (void)n, (void)q, (void)sub;
    return false;
}

static bool ifma_ok(size_t n, uint64_t q) {
    return (n & 7) == 0 && q < ((uint64_t)1 << 50) && ccs_he_isa_active() == CCS_HE_ISA_AVX512IFMA;
}

void he_lift_centered(uint64_t *d, const uint64_t *x, uint64_t P, uint64_t w, size_t n, const he_mod *mp) {
#if defined(__x86_64__)
    if (ifma_ok(n, mp->q) && P < ((uint64_t)1 << 50)) {
        lift_ifma(d, x, P, w, n, mp->q);
        return;
    }
#endif
    const he_mod m = *mp;
    const uint64_t half = P >> 1, ws = he_shoup(w, m.q, 64);
    for (size_t k = 0; k < n; k++) {
        uint64_t r;
        if (x[k] <= half) {
            r = he_red64(x[k], &m);
        } else {
            r = he_red64(P - x[k], &m);
            r = r ? m.q - r : 0;
        }
        d[k] = w == 1 ? r : he_mul_shoup(r, w, ws, m.q);
    }
}

void he_sub_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, uint64_t w, size_t n, const he_mod *mp) {
#if defined(__x86_64__)
    if (ifma_ok(n, mp->q)) {
        submul_ifma(r, a, b, w, n, mp->q);
        return;
    }
#endif
    const uint64_t q = mp->q, ws = he_shoup(w, q, 64);
    for (size_t k = 0; k < n; k++) {
        uint64_t d = a[k] >= b[k] ? a[k] - b[k] : a[k] + q - b[k];
        r[k] = he_mul_shoup(d, w, ws, q);
    }
}

void he_dyadic_macc(uint64_t *out, const uint64_t *const *a, const uint64_t *const *b, size_t rows, size_t n,
                    const he_mod *mp) {
#if defined(__x86_64__)
    if (rows <= 64 && (n & 7) == 0 && mp->q < ((uint64_t)1 << 50) && ccs_he_isa_active() == CCS_HE_ISA_AVX512IFMA) {
        /* at most 15 products per fold keeps the high half below 2^52 */
        for (size_t i = 0; i < rows; i += 15)
            dmacc_ifma(out, a + i, b + i, rows - i < 15 ? rows - i : 15, n, i ? out : NULL, mp->q);
        return;
    }
#endif
    const he_mod m = *mp;
    for (size_t k = 0; k < n; k++) {
        unsigned __int128 acc = 0;
        for (size_t i = 0; i < rows; i++) acc += (unsigned __int128)a[i][k] * b[i][k];
        out[k] = he_red128(acc, &m);
    }
}

void he_macc(uint64_t *out, const uint64_t *y, size_t rows, size_t n, const uint64_t *cst, const uint64_t *init,
             const he_mod *mp) {
#if defined(__x86_64__)
    if (rows <= HE_MAX_AUX + 1 && (n & 7) == 0 && mp->q < ((uint64_t)1 << 50) &&
        ccs_he_isa_active() == CCS_HE_ISA_AVX512IFMA) {
        /* at most 15 products per fold keeps the high half below 2^52 */
        for (size_t i = 0; i < rows; i += 15)
            macc_ifma(out, y + i * n, rows - i < 15 ? rows - i : 15, n, cst + i, i ? out : init, mp->q);
        return;
    }
#endif
    const he_mod m = *mp;
    uint64_t cc[HE_MAX_AUX + 1];
    for (size_t i = 0; i < rows; i++) cc[i] = cst[i];
    for (size_t k = 0; k < n; k++) {
        unsigned __int128 acc = init ? init[k] : 0;
        for (size_t i = 0; i < rows; i++) acc += (unsigned __int128)y[i * n + k] * cc[i];
        out[k] = he_red128(acc, &m);
    }
}
