/* bench_he_ntt: the NTT kernels, one thread: forward and inverse negacyclic
 * transforms for n = 1024..32768 with a 50-bit prime (the IFMA path's range)
 * and a 60-bit prime (the AVX512DQ and scalar paths), on every path this
 * CPU has, and the element-wise modular multiply. Each figure is the median
 * over --repeat batches of the time per call (after 0.2 s of warm-up), with
 * thread CPU time beside wall time, because this machine is shared; the last line adds the fastest
 * batch of the n = 16384 forward transform. Reference (specs/he.md): Intel
 * HEXL 1.2.6 IFMA, forward n = 16384: 28.5 us, measured on a Zen 4 VM;
 * target <= 25 us. Then the core itself: its clock (a chain of dependent
 * 64-bit multiplies, 3 cycles each) and how many 512-bit IFMA and integer
 * adds it issues per cycle, which give the issue bound of the n = 16384
 * forward transform: its 512-bit arithmetic instructions, counted from the
 * kernel's structure, over the number the core issues per cycle.
 * Usage: bench_he_ntt [--repeat R] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "ccs/he.h"

static double clock_s(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef enum { FWD, INV, MUL } kind;

/* Median over repeat batches of the per-call wall and CPU time (us). */
static double best_cpu; /* the fastest batch of the last measure(), thread CPU */

static void measure(const ccs_ntt *t, ccs_he_isa isa, kind k, uint64_t *a, const uint64_t *b, int repeat,
                    double *wall, double *cpu) {
    size_t n = ccs_ntt_degree(t);
    int calls = (int)(4000000 / n) + 10;
    double w[64], c[64];
    /* warm-up: 0.2 s of the same operation first, so that the core's clock has
     * settled after the previous path (moving between scalar and AVX-512 code
     * changes it for a while on this machine) */
    for (double w0 = clock_s(CLOCK_MONOTONIC); clock_s(CLOCK_MONOTONIC) - w0 < 0.2;)
        for (int i = 0; i < calls; i++) {
            if (k == MUL) {
                if (ccs_he_mul_mod_isa(isa, a, a, b, n, ccs_ntt_modulus(t)) != CCS_OK) exit(2);
            }
            else if ((k == FWD ? ccs_ntt_forward_isa(t, isa, a) : ccs_ntt_inverse_isa(t, isa, a)) != CCS_OK) exit(2);
        }
    for (int r = 0; r < repeat; r++) {
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        for (int i = 0; i < calls; i++) {
            if (k == MUL) {
                if (ccs_he_mul_mod_isa(isa, a, a, b, n, ccs_ntt_modulus(t)) != CCS_OK) exit(2);
            }
            else if ((k == FWD ? ccs_ntt_forward_isa(t, isa, a) : ccs_ntt_inverse_isa(t, isa, a)) != CCS_OK) exit(2);
        }
        w[r] = (clock_s(CLOCK_MONOTONIC) - w0) / calls * 1e6;
        c[r] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) / calls * 1e6;
    }
    qsort(w, (size_t)repeat, sizeof *w, cmp);
    qsort(c, (size_t)repeat, sizeof *c, cmp);
    *wall = w[repeat / 2], *cpu = c[repeat / 2], best_cpu = c[0];
}

/* ---- the core: clock and 512-bit issue rates ---- */

/* The empty asm statements keep every accumulator live and opaque, so the
 * compiler can neither fold the loop nor merge the chains. */
#define OPAQUE8 __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7))

__attribute__((target("avx512f,avx512ifma"), noinline)) static uint64_t ifma_loop(long iters) {
    __m512i a0 = _mm512_set1_epi64(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512i b = _mm512_set1_epi64(3), c = _mm512_set1_epi64(5);
    for (long i = 0; i < iters; i++) {
        a0 = _mm512_madd52lo_epu64(a0, b, c), a1 = _mm512_madd52lo_epu64(a1, b, c);
        a2 = _mm512_madd52lo_epu64(a2, b, c), a3 = _mm512_madd52lo_epu64(a3, b, c);
        a4 = _mm512_madd52lo_epu64(a4, b, c), a5 = _mm512_madd52lo_epu64(a5, b, c);
        a6 = _mm512_madd52lo_epu64(a6, b, c), a7 = _mm512_madd52lo_epu64(a7, b, c);
        OPAQUE8;
    }
    __m512i s = _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)),
                                 _mm512_add_epi64(_mm512_add_epi64(a4, a5), _mm512_add_epi64(a6, a7)));
    return (uint64_t)_mm512_reduce_add_epi64(s);
}

__attribute__((target("avx512f"), noinline)) static uint64_t add_loop(long iters) {
    __m512i a0 = _mm512_set1_epi64(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512i b = _mm512_set1_epi64(3);
    for (long i = 0; i < iters; i++) {
        a0 = _mm512_add_epi64(a0, b), a1 = _mm512_add_epi64(a1, b), a2 = _mm512_add_epi64(a2, b);
        a3 = _mm512_add_epi64(a3, b), a4 = _mm512_add_epi64(a4, b), a5 = _mm512_add_epi64(a5, b);
        a6 = _mm512_add_epi64(a6, b), a7 = _mm512_add_epi64(a7, b);
        OPAQUE8;
    }
    __m512i s = _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)),
                                 _mm512_add_epi64(_mm512_add_epi64(a4, a5), _mm512_add_epi64(a6, a7)));
    return (uint64_t)_mm512_reduce_add_epi64(s);
}

/* Eight dependent imuls per iteration: 3 cycles each on every x86 core since
 * Sandy Bridge (an add chain is no clock here: Golden Cove folds add-immediate
 * chains at rename). */
__attribute__((noinline)) static uint64_t imul_loop(long iters) {
    uint64_t x = 3;
    for (long i = 0; i < iters; i++)
        __asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0\n\t"
                         "imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0"
                         : "+r"(x));
    return x;
}

/* Median of 5 of each: the clock in GHz and the two issue rates per cycle. */
static void core_rates(double *ghz, double *ifma, double *add) {
    const long iters = 20000000; /* 160 M instructions per measurement */
    double g[5], f[5], d[5];
    volatile uint64_t sink = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        sink += imul_loop(iters);
        double t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        sink += ifma_loop(iters);
        double t2 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        sink += add_loop(iters);
        double t3 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        g[r] = 3.0 * 8 * (double)iters / (t1 - t0) / 1e9;
        f[r] = 8 * (double)iters / (t2 - t1) / 1e9 / g[r];
        d[r] = 8 * (double)iters / (t3 - t2) / 1e9 / g[r];
    }
    (void)sink;
    qsort(g, 5, sizeof *g, cmp), qsort(f, 5, sizeof *f, cmp), qsort(d, 5, sizeof *d, cmp);
    *ghz = g[2], *ifma = f[2], *add = d[2];
}

/* The 512-bit arithmetic instructions of the IFMA forward transform, from
 * the kernel's schedule (ntt_avx512_body.h): a butterfly of 8 lanes is 9
 * (3 IFMA; and, sub and min of the reduction to [0, 2q); add, sub, add), 8
 * when both its outputs feed Y sides (fwd_bfly_to_y, 5 of them IFMA: the
 * second butterfly of each radix-4 pass's first stage, and the upper half of
 * its second stage when the next stage is on whole vectors too), 2 fewer in
 * the first stage (inputs below q, no reduction); per 16 elements of the
 * short pass 8 permutes and 8 for the reduction to [0, q). Loads, stores and
 * twiddle broadcasts issue on other ports. *ifma gets the IFMA among them:
 * where the core issues fewer IFMA than adds per cycle (Zen 5: IFMA on two
 * of its four vector pipes) they bind first. */
static double fwd_vector_ops(size_t n, double *ifma) {
    const double vb = (double)n / 16; /* vector butterflies per stage */
    const unsigned stages = (unsigned)__builtin_ctzll(n);
    const bool with8 = (stages - 3) % 2 == 1;
    double ops = 0, mul = 0;
    bool first = true;
    for (size_t h = n / 2; h >= 16; h /= 4, first = false) {
        ops += vb / 2 * (first ? 7 : 9) + vb / 2 * (first ? 6 : 8), mul += vb / 2 * 3 + vb / 2 * 5;
        ops += h >= 32 ? vb / 2 * 9 + vb / 2 * 8 : vb * 9, mul += h >= 32 ? vb / 2 * 3 + vb / 2 * 5 : vb * 3;
    }
    *ifma = mul + (with8 ? 4 : 3) * vb * 3;
    return ops + (with8 ? 4 : 3) * vb * 9 + (double)n;
}

int main(int argc, char **argv) {
    int repeat = 11;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else {
            printf("usage: bench_he_ntt [--repeat R]   (R odd, 1..63; default 11)\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (repeat < 1 || repeat > 63) return 2;
    printf("NTT kernels, one thread, median of %d batches (us per call: wall / thread CPU); active path: %s\n",
           repeat, ccs_he_isa_name(ccs_he_isa_active()));
    printf("%-6s %-5s %-11s %20s %20s\n", "n", "q", "path", "forward", "inverse");
    double f16384 = 0, f16384_best = 0;
    for (size_t n = 1024; n <= 32768; n *= 2) {
        for (unsigned bits = 50; bits <= 60; bits += 10) {
            uint64_t q;
            ccs_ntt *t = NULL;
            if (ccs_he_primes(n, bits, 1, &q) != CCS_OK || ccs_ntt_new(n, q, &t) != CCS_OK) return 2;
            uint64_t *a = aligned_alloc(64, n * 8), *b = aligned_alloc(64, n * 8);
            for (size_t i = 0; i < n; i++) a[i] = (uint64_t)rand() % q, b[i] = (uint64_t)rand() % q;
            for (int isa = 0; isa <= 2; isa++) {
                if (ccs_ntt_forward_isa(t, (ccs_he_isa)isa, a) != CCS_OK) continue;
                double fw, fc, iw, ic;
                measure(t, (ccs_he_isa)isa, FWD, a, b, repeat, &fw, &fc);
                if (n == 16384 && bits == 50 && isa == 1) f16384_best = best_cpu;
                measure(t, (ccs_he_isa)isa, INV, a, b, repeat, &iw, &ic);
                printf("%-6zu %2ub   %-11s %9.2f / %7.2f %9.2f / %7.2f\n", n, bits, ccs_he_isa_name((ccs_he_isa)isa),
                       fw, fc, iw, ic);
                if (n == 16384 && bits == 50 && isa == 1) f16384 = fc;
            }
            for (int isa = 0; bits == 50 && (n == 8192 || n == 16384) && isa <= 1; isa++) {
                if (!ccs_he_isa_available((ccs_he_isa)isa)) continue;
                double mw, mc;
                measure(t, (ccs_he_isa)isa, MUL, a, b, repeat, &mw, &mc);
                printf("%-6zu %2ub   %-11s %9.2f / %7.2f   (element-wise mulmod)\n", n, bits,
                       ccs_he_isa_name((ccs_he_isa)isa), mw, mc);
            }
            free(a), free(b);
            ccs_ntt_free(t);
        }
    }
    if (f16384 > 0)
        printf("forward n=16384, 50-bit prime, IFMA: %.2f us thread CPU (median; fastest batch %.2f us)\n"
               "  HEXL 1.2.6 IFMA in specs/he.md: 28.5 us, measured on a Zen 4 VM; target <= 25 us: %s\n",
               f16384, f16384_best, f16384 <= 25.0 ? "met" : "NOT met");
    if (f16384 > 0 && ccs_he_isa_available(CCS_HE_ISA_AVX512IFMA)) {
        double ghz, ifma, add;
        core_rates(&ghz, &ifma, &add);
        double nmul, ops = fwd_vector_ops(16384, &nmul);
        double cycles = ops / add > nmul / ifma ? ops / add : nmul / ifma, us = cycles / ghz / 1e3;
        printf("core: %.2f GHz (dependent imul chain); 512-bit IFMA %.2f and vpaddq %.2f per cycle\n"
               "  the forward n=16384 transform issues ~%.0f 512-bit arithmetic instructions, %.0f of them IFMA:\n"
               "  at these rates >= %.0f cycles (bound by %s), %.1f us at this clock; the median above is\n"
               "  %.0f%% of that bound's speed\n",
               ghz, ifma, add, ops, nmul, cycles, ops / add > nmul / ifma ? "all 512-bit instructions" : "the IFMA",
               us, 100.0 * us / f16384);
    }
    return 0;
}
