/*
 * ntt_avx512_body.h - private to src/he: the AVX-512 NTT stages, included by
 * ntt_avx512.c (IFMA, 52-bit words, q < 2^50) and ntt_avx512dq.c (AVX512DQ,
 * 64-bit words, q < 2^62) with these macros set:
 *   NTT_IFMA        1 for the IFMA twiddle product, 0 for the DQ one
 *   TARGET          the function attribute naming the instructions
 *   NTT_SHOUP(f)    the Shoup table of twiddle table f (f##_s52 or f##_s64)
 *   NTT_SHOUP_NINV(t)  the Shoup companion of n^-1
 *   NTT_FWD_NAME, NTT_INV_NAME  the two exported transforms
 * The stages (radix 4 for long distances, the three short distances in one
 * pass with permutes) and the lazy butterflies are the same for both.
 */
typedef struct consts {
    __m512i q, q2, negq, mask52, zero, mask32;
} consts;

TARGET static inline consts make_consts(uint64_t q) {
    consts c = {_mm512_set1_epi64((long long)q), _mm512_set1_epi64((long long)(2 * q)),
                _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - q)),
                _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1)), _mm512_setzero_si512(),
                _mm512_set1_epi64(0xffffffffll)};
    return c;
}

#if NTT_IFMA
/* w*y mod q in [0, 2q) for y < 2^52: Q = hi52(ws*y), ws = floor(w 2^52 / q). */
TARGET static inline __m512i mul_lazy(__m512i y, __m512i w, __m512i ws, const consts *c) {
    __m512i qt = _mm512_madd52hi_epu64(c->zero, ws, y);
    __m512i t = _mm512_madd52lo_epu64(c->zero, w, y);
    t = _mm512_madd52lo_epu64(t, qt, c->negq);
    return _mm512_and_si512(t, c->mask52);
}
#else
/* The high 64 bits of a 64 x 64-bit product, from four 32 x 32-bit ones
 * (AVX-512 has no 64-bit multiply-high). */
TARGET static inline __m512i mulhi64(__m512i a, __m512i b, const consts *c) {
    __m512i ah = _mm512_srli_epi64(a, 32), bh = _mm512_srli_epi64(b, 32);
    __m512i ll = _mm512_mul_epu32(a, b), hl = _mm512_mul_epu32(ah, b);
    __m512i lh = _mm512_mul_epu32(a, bh), hh = _mm512_mul_epu32(ah, bh);
    __m512i cross = _mm512_add_epi64(hl, _mm512_srli_epi64(ll, 32));
    __m512i cross2 = _mm512_add_epi64(lh, _mm512_and_si512(cross, c->mask32));
    return _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(cross, 32)), _mm512_srli_epi64(cross2, 32));
}

/* w*y mod q in [0, 2q) for y < 2^64: Q = hi64(ws*y), ws = floor(w 2^64 / q);
 * w*y - Q*q from two low-64 products (AVX512DQ vpmullq). */
TARGET static inline __m512i mul_lazy(__m512i y, __m512i w, __m512i ws, const consts *c) {
    __m512i qt = mulhi64(ws, y, c);
    return _mm512_sub_epi64(_mm512_mullo_epi64(w, y), _mm512_mullo_epi64(qt, c->q));
}
#endif

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

/* The three short-distance stages (4, 2, 1 forward; 1, 2, 4 inverse) in one
 * pass: each pair of vectors is loaded once, regrouped for each stage with
 * permutes, and stored once, reduced to [0, q) after the last forward
 * stage. tw/tws: the twiddle tables (forward or inverse). */
TARGET static void short_stages(uint64_t *a, size_t n, const uint64_t *tw, const uint64_t *tws, bool inverse,
                                const consts *c) {
    static const unsigned fwd_order[3] = {4, 2, 1}, inv_order[3] = {1, 2, 4};
    const unsigned *order = inverse ? inv_order : fwd_order;
    perm p[3];
    for (int s = 0; s < 3; s++) p[s] = perm_for(order[s]);
    for (size_t k = 0; k < n; k += 16) {
        __m512i A = _mm512_loadu_si512(a + k), B = _mm512_loadu_si512(a + k + 8);
        for (int s = 0; s < 3; s++) {
            const unsigned d = order[s];
            const size_t m = n / (2 * d), g = m + k / (2 * d); /* the stage's first twiddle here */
            __m512i X = _mm512_permutex2var_epi64(A, p[s].x, B), Y = _mm512_permutex2var_epi64(A, p[s].y, B);
            __m512i W = twiddles(tw + g, d, &p[s]), WS = twiddles(tws + g, d, &p[s]);
            if (inverse) inv_bfly(&X, &Y, W, WS, c);
            else fwd_bfly(&X, &Y, W, WS, c);
            if (!inverse && s == 2) { /* [0, 4q) -> [0, q) */
                X = reduce2q(X, c), Y = reduce2q(Y, c);
                X = _mm512_min_epu64(X, _mm512_sub_epi64(X, c->q));
                Y = _mm512_min_epu64(Y, _mm512_sub_epi64(Y, c->q));
            }
            A = _mm512_permutex2var_epi64(X, p[s].back_a, Y);
            B = _mm512_permutex2var_epi64(X, p[s].back_b, Y);
        }
        _mm512_storeu_si512(a + k, A);
        _mm512_storeu_si512(a + k + 8, B);
    }
}

/* Two forward stages in one pass (distance h, then h/2; h >= 16): each
 * group of four vectors is loaded once and stored once, which halves the
 * traffic through the cache that bounds the long-distance stages. */
TARGET static void fwd_radix4(const ccs_ntt *t, uint64_t *a, size_t m, size_t h, const consts *c) {
    const size_t q4 = h / 2;
    for (size_t i = 0; i < m; i++) {
        const __m512i w1 = _mm512_set1_epi64((long long)t->root[m + i]);
        const __m512i w1s = _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[m + i]);
        const __m512i w2 = _mm512_set1_epi64((long long)t->root[2 * m + 2 * i]);
        const __m512i w2s = _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[2 * m + 2 * i]);
        const __m512i w3 = _mm512_set1_epi64((long long)t->root[2 * m + 2 * i + 1]);
        const __m512i w3s = _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[2 * m + 2 * i + 1]);
        uint64_t *p0 = a + 2 * i * h, *p1 = p0 + q4, *p2 = p0 + h, *p3 = p2 + q4;
        for (size_t j = 0; j < q4; j += 8) {
            __m512i x0 = _mm512_loadu_si512(p0 + j), x1 = _mm512_loadu_si512(p1 + j);
            __m512i x2 = _mm512_loadu_si512(p2 + j), x3 = _mm512_loadu_si512(p3 + j);
            fwd_bfly(&x0, &x2, w1, w1s, c);
            fwd_bfly(&x1, &x3, w1, w1s, c);
            fwd_bfly(&x0, &x1, w2, w2s, c);
            fwd_bfly(&x2, &x3, w3, w3s, c);
            _mm512_storeu_si512(p0 + j, x0), _mm512_storeu_si512(p1 + j, x1);
            _mm512_storeu_si512(p2 + j, x2), _mm512_storeu_si512(p3 + j, x3);
        }
    }
}

/* One forward stage at distance h >= 8. */
TARGET static void fwd_radix2(const ccs_ntt *t, uint64_t *a, size_t m, size_t h, const consts *c) {
    for (size_t i = 0; i < m; i++) {
        const __m512i w = _mm512_set1_epi64((long long)t->root[m + i]);
        const __m512i ws = _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[m + i]);
        uint64_t *x = a + 2 * i * h, *y = x + h;
        for (size_t j = 0; j < h; j += 8) {
            __m512i X = _mm512_loadu_si512(x + j), Y = _mm512_loadu_si512(y + j);
            fwd_bfly(&X, &Y, w, ws, c);
            _mm512_storeu_si512(x + j, X);
            _mm512_storeu_si512(y + j, Y);
        }
    }
}

TARGET void NTT_FWD_NAME(const ccs_ntt *t, uint64_t *a) {
    const consts c = make_consts(t->q);
    const size_t n = t->n;
    size_t m = 1, h = n >> 1;
    for (; h >= 16; m <<= 2, h >>= 2) fwd_radix4(t, a, m, h, &c);
    for (; h >= 8; m <<= 1, h >>= 1) fwd_radix2(t, a, m, h, &c);
    short_stages(a, n, t->root, t->NTT_SHOUP(root), false, &c); /* h = 4, 2, 1 */
}

/* Two inverse stages in one pass: distance h then 2h (blocks of 4h). */
TARGET static void inv_radix4(const ccs_ntt *t, uint64_t *a, size_t m, size_t h, const consts *c) {
    for (size_t i = 0; i < m / 2; i++) {
        const __m512i wa = _mm512_set1_epi64((long long)t->inv_root[m + 2 * i]);
        const __m512i was = _mm512_set1_epi64((long long)t->NTT_SHOUP(inv_root)[m + 2 * i]);
        const __m512i wb = _mm512_set1_epi64((long long)t->inv_root[m + 2 * i + 1]);
        const __m512i wbs = _mm512_set1_epi64((long long)t->NTT_SHOUP(inv_root)[m + 2 * i + 1]);
        const __m512i wc = _mm512_set1_epi64((long long)t->inv_root[m / 2 + i]);
        const __m512i wcs = _mm512_set1_epi64((long long)t->NTT_SHOUP(inv_root)[m / 2 + i]);
        uint64_t *p0 = a + 4 * i * h, *p1 = p0 + h, *p2 = p1 + h, *p3 = p2 + h;
        for (size_t j = 0; j < h; j += 8) {
            __m512i x0 = _mm512_loadu_si512(p0 + j), x1 = _mm512_loadu_si512(p1 + j);
            __m512i x2 = _mm512_loadu_si512(p2 + j), x3 = _mm512_loadu_si512(p3 + j);
            inv_bfly(&x0, &x1, wa, was, c);
            inv_bfly(&x2, &x3, wb, wbs, c);
            inv_bfly(&x0, &x2, wc, wcs, c);
            inv_bfly(&x1, &x3, wc, wcs, c);
            _mm512_storeu_si512(p0 + j, x0), _mm512_storeu_si512(p1 + j, x1);
            _mm512_storeu_si512(p2 + j, x2), _mm512_storeu_si512(p3 + j, x3);
        }
    }
}

TARGET static void inv_radix2(const ccs_ntt *t, uint64_t *a, size_t m, size_t h, const consts *c) {
    for (size_t i = 0; i < m; i++) {
        const __m512i w = _mm512_set1_epi64((long long)t->inv_root[m + i]);
        const __m512i ws = _mm512_set1_epi64((long long)t->NTT_SHOUP(inv_root)[m + i]);
        uint64_t *x = a + 2 * i * h, *y = x + h;
        for (size_t j = 0; j < h; j += 8) {
            __m512i X = _mm512_loadu_si512(x + j), Y = _mm512_loadu_si512(y + j);
            inv_bfly(&X, &Y, w, ws, c);
            _mm512_storeu_si512(x + j, X);
            _mm512_storeu_si512(y + j, Y);
        }
    }
}

TARGET void NTT_INV_NAME(const ccs_ntt *t, uint64_t *a) {
    const consts c = make_consts(t->q);
    const size_t n = t->n;
    short_stages(a, n, t->inv_root, t->NTT_SHOUP(inv_root), true, &c); /* h = 1, 2, 4 */
    size_t m = n >> 4, h = 8;
    for (; m >= 2; m >>= 2, h <<= 2) inv_radix4(t, a, m, h, &c);
    for (; m >= 1; m >>= 1, h <<= 1) inv_radix2(t, a, m, h, &c);
    const __m512i ni = _mm512_set1_epi64((long long)t->n_inv), nis = _mm512_set1_epi64((long long)NTT_SHOUP_NINV(t));
    for (size_t j = 0; j < n; j += 8) {
        __m512i v = mul_lazy(_mm512_loadu_si512(a + j), ni, nis, &c);
        _mm512_storeu_si512(a + j, _mm512_min_epu64(v, _mm512_sub_epi64(v, c.q)));
    }
}
