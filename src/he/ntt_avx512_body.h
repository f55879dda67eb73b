/*
 * ntt_avx512_body.h - private to src/he: the AVX-512 NTT stages, included by
 * ntt_avx512.c (IFMA, 52-bit words, q < 2^50) and ntt_avx512dq.c (AVX512DQ,
 * 64-bit words, q < 2^62) with these macros set:
 *   NTT_IFMA        1 for the IFMA twiddle product, 0 for the DQ one
 *   TARGET          the function attribute naming the instructions
 *   NTT_SHOUP(f)    the Shoup table of twiddle table f (f##_s52 or f##_s64)
 *   NTT_SHOUP_NINV(t)  the Shoup companion of n^-1
 *   NTT_NEG(t)      the table 2^52 - root[k] (IFMA; any table for DQ, unread)
 *   NTT_FWD_NAME, NTT_INV_NAME  the two exported transforms
 * The schedule, the same for both: long-distance stages two per pass
 * (radix 4); once the remaining stages stay inside 16 KiB blocks, each block
 * runs through all of them while in L1; the last three (or four) stages in
 * one pass with composed permutes; the inverse folds n^-1 into its last
 * pass. Butterflies are lazy (values below 4q between stages).
 */
/* The helpers must inline: a call passes the vectors through the stack. */
#define INLINE static inline __attribute__((always_inline))

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
TARGET INLINE __m512i mul_lazy(__m512i y, __m512i w, __m512i ws, const consts *c) {
    __m512i qt = _mm512_madd52hi_epu64(_mm512_setzero_si512(), ws, y); /* a zero idiom, not a register copy */
    __m512i t = _mm512_madd52lo_epu64(_mm512_setzero_si512(), w, y);
    t = _mm512_madd52lo_epu64(t, qt, c->negq);
    return _mm512_and_si512(t, c->mask52);
}
#else
/* The high 64 bits of a 64 x 64-bit product, from four 32 x 32-bit ones
 * (AVX-512 has no 64-bit multiply-high). */
TARGET INLINE __m512i mulhi64(__m512i a, __m512i b, const consts *c) {
    __m512i ah = _mm512_srli_epi64(a, 32), bh = _mm512_srli_epi64(b, 32);
    __m512i ll = _mm512_mul_epu32(a, b), hl = _mm512_mul_epu32(ah, b);
    __m512i lh = _mm512_mul_epu32(a, bh), hh = _mm512_mul_epu32(ah, bh);
    __m512i cross = _mm512_add_epi64(hl, _mm512_srli_epi64(ll, 32));
    __m512i cross2 = _mm512_add_epi64(lh, _mm512_and_si512(cross, c->mask32));
    return _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(cross, 32)), _mm512_srli_epi64(cross2, 32));
}

/* w*y mod q in [0, 2q) for y < 2^64: Q = hi64(ws*y), ws = floor(w 2^64 / q);
 * w*y - Q*q from two low-64 products (AVX512DQ vpmullq). */
TARGET INLINE __m512i mul_lazy(__m512i y, __m512i w, __m512i ws, const consts *c) {
    __m512i qt = mulhi64(ws, y, c);
    return _mm512_sub_epi64(_mm512_mullo_epi64(w, y), _mm512_mullo_epi64(qt, c->q));
}
#endif

/* x in [0, 4q) -> [0, 2q): min(x, x - 2q) as unsigned. */
TARGET INLINE __m512i reduce2q(__m512i x, const consts *c) {
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, c->q2));
}

TARGET INLINE void fwd_bfly(__m512i *x, __m512i *y, __m512i w, __m512i ws, const consts *c) {
    __m512i u = reduce2q(*x, c), v = mul_lazy(*y, w, ws, c);
    *x = _mm512_add_epi64(u, v);
    *y = _mm512_add_epi64(_mm512_sub_epi64(u, v), c->q2);
}

/* The same with x already in [0, 2q) (the first stage: inputs below q). */
TARGET INLINE void fwd_bfly_in2q(__m512i *x, __m512i *y, __m512i w, __m512i ws, const consts *c) {
    __m512i u = *x, v = mul_lazy(*y, w, ws, c);
    *x = _mm512_add_epi64(u, v);
    *y = _mm512_add_epi64(_mm512_sub_epi64(u, v), c->q2);
}

/* The forward butterfly whose two outputs both go to the Y side of the next
 * stage, that is only into the twiddle product. With IFMA that product reads
 * bits 0..51 of its input and nothing else, so these outputs may carry
 * multiples of 2^52 above their value, and each is made by two accumulating
 * multiplies instead of a product, a mask and an add or two (wn = 2^52 - w):
 *   x' = u + lo52(w y) + lo52(Q (2^52 - q))       = u + (w y - Q q)       mod 2^52
 *   y' = u + 2q + lo52(wn y) + lo52(Q q)           = u + 2q - (w y - Q q)  mod 2^52
 * where w y - Q q lies in [0, 2q) (as in mul_lazy), so both values are below
 * 4q: 8 instructions instead of 9 (6 instead of 7 when x is below 2q). The
 * DQ path has no such slack: its 64-bit words are whole. */
#if NTT_IFMA
TARGET INLINE void fwd_bfly_to_y(__m512i *x, __m512i *y, __m512i w, __m512i wn, __m512i ws, const consts *c,
                                 bool x_in2q) {
    __m512i u = x_in2q ? *x : reduce2q(*x, c);
    __m512i qt = _mm512_madd52hi_epu64(_mm512_setzero_si512(), ws, *y);
    __m512i xo = _mm512_madd52lo_epu64(_mm512_madd52lo_epu64(u, w, *y), qt, c->negq);
    *y = _mm512_madd52lo_epu64(_mm512_madd52lo_epu64(_mm512_add_epi64(u, c->q2), wn, *y), qt, c->q);
    *x = xo;
}
#else
TARGET INLINE void fwd_bfly_to_y(__m512i *x, __m512i *y, __m512i w, __m512i wn, __m512i ws, const consts *c,
                                 bool x_in2q) {
    (void)wn;
    if (x_in2q) fwd_bfly_in2q(x, y, w, ws, c);
    else fwd_bfly(x, y, w, ws, c);
}
#endif

TARGET INLINE void inv_bfly(__m512i *x, __m512i *y, __m512i w, __m512i ws, const consts *c) {
    __m512i u = *x, v = *y;
    *x = reduce2q(_mm512_add_epi64(u, v), c);
    *y = mul_lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), c->q2), w, ws, c);
}

/* The three short-distance stages on a block of 16 elements held in two
 * vectors, in constant geometry: before each forward stage the two vectors
 * are perfectly shuffled (X = a0 b0 a1 b1 a2 b2 a3 b3, Y = a4 b4 ... b7),
 * which pairs distance 4, then 2, then 1 lane for lane, and a last shuffle
 * restores the order; the inverse deinterleaves instead (X = even lanes,
 * Y = odd). In that layout lane L of distance 4 belongs to group L mod 2 and
 * of distance 2 to group L mod 4, so their twiddles are a 128- or 256-bit
 * broadcast straight from the table (stage d's twiddles for the block at k
 * start at n/(2d) + k/(2d)): no permutes for twiddles, and one pair of index
 * vectors for all eight data permutes. */
TARGET INLINE __m512i tw_d4(const uint64_t *t) {
    return _mm512_broadcast_i64x2(_mm_loadu_si128((const __m128i *)t));
}
TARGET INLINE __m512i tw_d2(const uint64_t *t) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)t));
}

/* [0, 4q) -> [0, q) */
TARGET INLINE __m512i reduce4q(__m512i x, const consts *c) {
    x = reduce2q(x, c);
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, c->q));
}

/* The tables and lane patterns of the short stages. */
typedef struct shortc {
    const uint64_t *w8, *w8s, *w4, *w4s, *w2, *w2s, *w1, *w1s;
    __m512i lo, hi; /* forward: interleave; inverse: even, odd */
} shortc;

TARGET INLINE shortc short_consts(size_t n, const uint64_t *tw, const uint64_t *tws, bool inverse) {
    shortc s = {tw + n / 16, tws + n / 16, tw + n / 8, tws + n / 8, tw + n / 4, tws + n / 4, tw + n / 2, tws + n / 2,
                inverse ? _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14) : _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11),
                inverse ? _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15) : _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15)};
    return s;
}

TARGET INLINE void shuffle2(__m512i *X, __m512i *Y, const shortc *s) {
    __m512i x = _mm512_permutex2var_epi64(*X, s->lo, *Y);
    *Y = _mm512_permutex2var_epi64(*X, s->hi, *Y);
    *X = x;
}

/* Forward distances 4, 2, 1 on the 16 elements at k, held in *A (0-7) and
 * *B (8-15); the result reduced to [0, q). */
TARGET INLINE void fwd3(__m512i *A, __m512i *B, size_t k, const shortc *s, const consts *c) {
    __m512i X = *A, Y = *B;
    shuffle2(&X, &Y, s);
    fwd_bfly(&X, &Y, tw_d4(s->w4 + k / 8), tw_d4(s->w4s + k / 8), c);
    shuffle2(&X, &Y, s);
    fwd_bfly(&X, &Y, tw_d2(s->w2 + k / 4), tw_d2(s->w2s + k / 4), c);
    shuffle2(&X, &Y, s);
    fwd_bfly(&X, &Y, _mm512_loadu_si512(s->w1 + k / 2), _mm512_loadu_si512(s->w1s + k / 2), c);
    X = reduce4q(X, c), Y = reduce4q(Y, c);
    shuffle2(&X, &Y, s);
    *A = X, *B = Y;
}

/* Inverse distances 1, 2, 4. */
TARGET INLINE void inv3(__m512i *A, __m512i *B, size_t k, const shortc *s, const consts *c) {
    __m512i X = *A, Y = *B;
    shuffle2(&X, &Y, s);
    inv_bfly(&X, &Y, _mm512_loadu_si512(s->w1 + k / 2), _mm512_loadu_si512(s->w1s + k / 2), c);
    shuffle2(&X, &Y, s);
    inv_bfly(&X, &Y, tw_d2(s->w2 + k / 4), tw_d2(s->w2s + k / 4), c);
    shuffle2(&X, &Y, s);
    inv_bfly(&X, &Y, tw_d4(s->w4 + k / 8), tw_d4(s->w4s + k / 8), c);
    shuffle2(&X, &Y, s);
    *A = X, *B = Y;
}

/* Distance 8 on 32 elements held in four vectors (with8: so that the long
 * stages pair up into radix-4 passes). */
TARGET INLINE void fwd_d8(__m512i *A, __m512i *B, __m512i *C, __m512i *D, size_t k, const shortc *s,
                          const consts *c) {
    fwd_bfly(A, B, _mm512_set1_epi64((long long)s->w8[k / 16]), _mm512_set1_epi64((long long)s->w8s[k / 16]), c);
    fwd_bfly(C, D, _mm512_set1_epi64((long long)s->w8[k / 16 + 1]), _mm512_set1_epi64((long long)s->w8s[k / 16 + 1]),
             c);
}

TARGET INLINE void inv_d8(__m512i *A, __m512i *B, __m512i *C, __m512i *D, size_t k, const shortc *s,
                          const consts *c) {
    inv_bfly(A, B, _mm512_set1_epi64((long long)s->w8[k / 16]), _mm512_set1_epi64((long long)s->w8s[k / 16]), c);
    inv_bfly(C, D, _mm512_set1_epi64((long long)s->w8[k / 16 + 1]), _mm512_set1_epi64((long long)s->w8s[k / 16 + 1]),
             c);
}

/* The last stages (distance 8 when with8, then 4, 2, 1), one pass over
 * blocks of 64 with IFMA: per 16 elements the stages are one long chain of
 * dependent permutes and products, and four such chains side by side in the
 * instruction stream keep the vector pipes of a Zen 5 core busier than two
 * (forward n = 16384 2-3% faster there). The DQ product needs more
 * registers: two chains, blocks of 32, or the loop spills. */
#define NTT_SHORT_STEP (NTT_IFMA ? 64u : 32u)

TARGET static void fwd_short(uint64_t *a, size_t n, size_t k0, size_t k1, const uint64_t *tw, const uint64_t *tws,
                             bool with8, const consts *cp) {
    /* a local copy: the compiler can keep it in registers across the stores to a */
    const consts cl = *cp, *c = &cl;
    const shortc s = short_consts(n, tw, tws, false);
    for (size_t k = k0; k < k1; k += NTT_SHORT_STEP) {
        __m512i A = _mm512_loadu_si512(a + k), B = _mm512_loadu_si512(a + k + 8);
        __m512i C = _mm512_loadu_si512(a + k + 16), D = _mm512_loadu_si512(a + k + 24);
        if (with8) fwd_d8(&A, &B, &C, &D, k, &s, c);
#if NTT_IFMA
        __m512i E = _mm512_loadu_si512(a + k + 32), F = _mm512_loadu_si512(a + k + 40);
        __m512i G = _mm512_loadu_si512(a + k + 48), H = _mm512_loadu_si512(a + k + 56);
        if (with8) fwd_d8(&E, &F, &G, &H, k + 32, &s, c);
        fwd3(&E, &F, k + 32, &s, c);
        fwd3(&G, &H, k + 48, &s, c);
#endif
        fwd3(&A, &B, k, &s, c);
        fwd3(&C, &D, k + 16, &s, c);
        _mm512_storeu_si512(a + k, A), _mm512_storeu_si512(a + k + 8, B);
        _mm512_storeu_si512(a + k + 16, C), _mm512_storeu_si512(a + k + 24, D);
#if NTT_IFMA
        _mm512_storeu_si512(a + k + 32, E), _mm512_storeu_si512(a + k + 40, F);
        _mm512_storeu_si512(a + k + 48, G), _mm512_storeu_si512(a + k + 56, H);
#endif
    }
}

TARGET static void inv_short(uint64_t *a, size_t n, size_t k0, size_t k1, const uint64_t *tw, const uint64_t *tws,
                             bool with8, const consts *cp) {
    /* a local copy: the compiler can keep it in registers across the stores to a */
    const consts cl = *cp, *c = &cl;
    const shortc s = short_consts(n, tw, tws, true);
    for (size_t k = k0; k < k1; k += NTT_SHORT_STEP) {
        __m512i A = _mm512_loadu_si512(a + k), B = _mm512_loadu_si512(a + k + 8);
        __m512i C = _mm512_loadu_si512(a + k + 16), D = _mm512_loadu_si512(a + k + 24);
        inv3(&A, &B, k, &s, c);
        inv3(&C, &D, k + 16, &s, c);
#if NTT_IFMA
        __m512i E = _mm512_loadu_si512(a + k + 32), F = _mm512_loadu_si512(a + k + 40);
        __m512i G = _mm512_loadu_si512(a + k + 48), H = _mm512_loadu_si512(a + k + 56);
        inv3(&E, &F, k + 32, &s, c);
        inv3(&G, &H, k + 48, &s, c);
        if (with8) inv_d8(&E, &F, &G, &H, k + 32, &s, c);
#endif
        if (with8) inv_d8(&A, &B, &C, &D, k, &s, c);
        _mm512_storeu_si512(a + k, A), _mm512_storeu_si512(a + k + 8, B);
        _mm512_storeu_si512(a + k + 16, C), _mm512_storeu_si512(a + k + 24, D);
#if NTT_IFMA
        _mm512_storeu_si512(a + k + 32, E), _mm512_storeu_si512(a + k + 40, F);
        _mm512_storeu_si512(a + k + 48, G), _mm512_storeu_si512(a + k + 56, H);
#endif
    }
}

/* Two forward stages in one pass (distance h, then h/2; h >= 16): each
 * group of four vectors is loaded once and stored once, which halves the
 * traffic through the cache that bounds the long-distance stages. The
 * second butterfly of the first stage feeds only Y sides (fwd_bfly_to_y);
 * so do the second stage's butterflies in the upper half of each group
 * when the next stage also works on whole vectors (h >= 32). */
typedef struct r4tw {
    __m512i w1, w1n, w1s, w2, w2n, w2s, w3, w3n, w3s;
} r4tw;

TARGET INLINE void fwd_r4_group(uint64_t *p0, uint64_t *p1, uint64_t *p2, uint64_t *p3, size_t j0, size_t j1,
                                const r4tw *w, bool first, bool to_y, const consts *c) {
    for (size_t j = j0; j < j1; j += 8) {
        __m512i x0 = _mm512_loadu_si512(p0 + j), x1 = _mm512_loadu_si512(p1 + j);
        __m512i x2 = _mm512_loadu_si512(p2 + j), x3 = _mm512_loadu_si512(p3 + j);
        if (first) fwd_bfly_in2q(&x0, &x2, w->w1, w->w1s, c); /* inputs below q: no reduction */
        else fwd_bfly(&x0, &x2, w->w1, w->w1s, c);
        fwd_bfly_to_y(&x1, &x3, w->w1, w->w1n, w->w1s, c, first);
        if (to_y) {
            fwd_bfly_to_y(&x0, &x1, w->w2, w->w2n, w->w2s, c, false);
            fwd_bfly_to_y(&x2, &x3, w->w3, w->w3n, w->w3s, c, false);
        } else {
            fwd_bfly(&x0, &x1, w->w2, w->w2s, c);
            fwd_bfly(&x2, &x3, w->w3, w->w3s, c);
        }
        _mm512_storeu_si512(p0 + j, x0), _mm512_storeu_si512(p1 + j, x1);
        _mm512_storeu_si512(p2 + j, x2), _mm512_storeu_si512(p3 + j, x3);
    }
}

TARGET static inline void fwd_radix4(const ccs_ntt *t, uint64_t *a, size_t m, size_t h, size_t i0, size_t i1,
                                     bool first, const consts *cp) {
    /* a local copy: the compiler can keep it in registers across the stores to a */
    const consts cl = *cp, *c = &cl;
    const size_t q4 = h / 2, jy = h >= 32 ? q4 / 2 : q4; /* from jy on, the outputs feed Y sides */
    for (size_t i = i0; i < i1; i++) {
        const size_t k1 = m + i, k2 = 2 * m + 2 * i, k3 = k2 + 1;
        const r4tw w = {_mm512_set1_epi64((long long)t->root[k1]), _mm512_set1_epi64((long long)NTT_NEG(t)[k1]),
                        _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[k1]), _mm512_set1_epi64((long long)t->root[k2]),
                        _mm512_set1_epi64((long long)NTT_NEG(t)[k2]), _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[k2]),
                        _mm512_set1_epi64((long long)t->root[k3]), _mm512_set1_epi64((long long)NTT_NEG(t)[k3]),
                        _mm512_set1_epi64((long long)t->NTT_SHOUP(root)[k3])};
        uint64_t *p0 = a + 2 * i * h, *p1 = p0 + q4, *p2 = p0 + h, *p3 = p2 + q4;
        if (first) {
            fwd_r4_group(p0, p1, p2, p3, 0, jy, &w, true, false, c);
            fwd_r4_group(p0, p1, p2, p3, jy, q4, &w, true, true, c);
        } else {
            fwd_r4_group(p0, p1, p2, p3, 0, jy, &w, false, false, c);
            fwd_r4_group(p0, p1, p2, p3, jy, q4, &w, false, true, c);
        }
    }
}

/* Elements per cache block: once the stages left work within blocks this
 * size (16 KiB, a third of L1), each block runs through all of them before
 * the next is touched, so only the first passes stream through L2. */
#define NTT_BLOCK 2048u

TARGET void NTT_FWD_NAME(const ccs_ntt *t, uint64_t *a) {
    const consts c = make_consts(t->q);
    const size_t n = t->n, blk = n < NTT_BLOCK ? n : NTT_BLOCK;
    size_t m = 1, h = n >> 1;
    if (2 * h > blk) fwd_radix4(t, a, m, h, 0, m, true, &c), m <<= 2, h >>= 2;
    for (; h >= 16 && 2 * h > blk; m <<= 2, h >>= 2) fwd_radix4(t, a, m, h, 0, m, false, &c);
    for (size_t b = 0; b < n; b += blk) {
        size_t mb = m, hb = h;
        for (; hb >= 16; mb <<= 2, hb >>= 2)
            fwd_radix4(t, a, mb, hb, b / (2 * hb), (b + blk) / (2 * hb), mb == 1, &c);
        fwd_short(a, n, b, b + blk, t->root, t->NTT_SHOUP(root), hb == 8, &c); /* h = (8,) 4, 2, 1 */
    }
}

/* Two inverse stages in one pass: distance h then 2h (blocks of 4h). */
TARGET static void inv_radix4(const ccs_ntt *t, uint64_t *a, size_t m, size_t h, size_t i0, size_t i1,
                              const consts *cp) {
    /* a local copy: the compiler can keep it in registers across the stores to a */
    const consts cl = *cp, *c = &cl;
    for (size_t i = i0; i < i1; i++) {
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

/* The last inverse pass (distances n/4 and n/2) with n^-1 folded in: the
 * sums are multiplied by n^-1 and the last twiddle by n^-1 ahead of time,
 * which saves a pass over the data; results in [0, q). */
TARGET static void inv_last(const ccs_ntt *t, uint64_t *a, const consts *cp) {
    const consts cl = *cp, *c = &cl;
    const size_t h = t->n / 4;
    const uint64_t q = t->q, wn = (uint64_t)((unsigned __int128)t->inv_root[1] * t->n_inv % q);
    const __m512i wa = _mm512_set1_epi64((long long)t->inv_root[2]);
    const __m512i was = _mm512_set1_epi64((long long)t->NTT_SHOUP(inv_root)[2]);
    const __m512i wb = _mm512_set1_epi64((long long)t->inv_root[3]);
    const __m512i wbs = _mm512_set1_epi64((long long)t->NTT_SHOUP(inv_root)[3]);
    const __m512i wc = _mm512_set1_epi64((long long)wn);
    const __m512i wcs = _mm512_set1_epi64((long long)(((unsigned __int128)wn << (NTT_IFMA ? 52 : 64)) / q));
    const __m512i ni = _mm512_set1_epi64((long long)t->n_inv), nis = _mm512_set1_epi64((long long)NTT_SHOUP_NINV(t));
    uint64_t *p0 = a, *p1 = p0 + h, *p2 = p1 + h, *p3 = p2 + h;
    for (size_t j = 0; j < h; j += 8) {
        __m512i x0 = _mm512_loadu_si512(p0 + j), x1 = _mm512_loadu_si512(p1 + j);
        __m512i x2 = _mm512_loadu_si512(p2 + j), x3 = _mm512_loadu_si512(p3 + j);
        inv_bfly(&x0, &x1, wa, was, c);
        inv_bfly(&x2, &x3, wb, wbs, c);
        /* the last butterflies: x = (u + v) n^-1, y = (u - v) w n^-1 */
        __m512i y0 = mul_lazy(_mm512_add_epi64(_mm512_sub_epi64(x0, x2), c->q2), wc, wcs, c);
        __m512i y1 = mul_lazy(_mm512_add_epi64(_mm512_sub_epi64(x1, x3), c->q2), wc, wcs, c);
        x0 = mul_lazy(_mm512_add_epi64(x0, x2), ni, nis, c);
        x1 = mul_lazy(_mm512_add_epi64(x1, x3), ni, nis, c);
        _mm512_storeu_si512(p0 + j, _mm512_min_epu64(x0, _mm512_sub_epi64(x0, c->q)));
        _mm512_storeu_si512(p1 + j, _mm512_min_epu64(x1, _mm512_sub_epi64(x1, c->q)));
        _mm512_storeu_si512(p2 + j, _mm512_min_epu64(y0, _mm512_sub_epi64(y0, c->q)));
        _mm512_storeu_si512(p3 + j, _mm512_min_epu64(y1, _mm512_sub_epi64(y1, c->q)));
    }
}

TARGET void NTT_INV_NAME(const ccs_ntt *t, uint64_t *a) {
    const consts c = make_consts(t->q);
    const size_t n = t->n, blk = n < NTT_BLOCK ? n : NTT_BLOCK;
    /* the long stages pair up when log2(n) - 3 is even; else distance 8 joins the short pass */
    const bool with8 = (__builtin_ctzll(n) - 3) % 2 == 1;
    const size_t m0 = with8 ? n >> 5 : n >> 4, h0 = with8 ? 16 : 8;
    size_t m = m0, h = h0;
    for (size_t b = 0; b < n; b += blk) {
        inv_short(a, n, b, b + blk, t->inv_root, t->NTT_SHOUP(inv_root), with8, &c); /* h = 1, 2, 4 (, 8) */
        for (m = m0, h = h0; m > 2 && 4 * h <= blk; m >>= 2, h <<= 2)
            inv_radix4(t, a, m, h, b / (4 * h), (b + blk) / (4 * h), &c);
    }
    for (; m > 2; m >>= 2, h <<= 2) inv_radix4(t, a, m, h, 0, m / 2, &c);
    inv_last(t, a, &c); /* m = 2: distances n/4, n/2 */
}
