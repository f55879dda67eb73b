/* The RNS core: parameter sets and the security table, polynomial
 * arithmetic against schoolbook negacyclic products (through the CRT), the
 * fast base conversion, mod-down with rounding and with the BGV
 * t-correction, the PRNG. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he_rns.h"
#include "rns_internal.h"

static uint64_t rs = 0x1234567887654321ull;
static uint64_t rnd(void) {
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static ccs_he_params small(ccs_he_scheme s, size_t n, size_t L, unsigned bits) {
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    p.scheme = s, p.n = n, p.data_count = L, p.special_bits = bits, p.t = 65537, p.security = 128;
    p.insecure_allow = true;
    for (size_t i = 0; i < L; i++) p.data_bits[i] = bits;
    return p;
}

static void test_params(void **state) {
    (void)state;
    ccs_he_params p;
    ccs_he_ctx *c = NULL;
    for (int s = CCS_HE_BGV; s <= CCS_HE_BFV; s++)
        for (size_t n = 8192; n <= 16384; n *= 2) {
            assert_int_equal(ccs_he_params_default((ccs_he_scheme)s, n, &p), CCS_OK);
            assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
            assert_true(ccs_he_ctx_total_bits(c) <= ccs_he_max_log_q(n, 128));
            assert_true(ccs_he_ctx_batching(c));
            assert_int_equal(ccs_he_ctx_slots(c), n);
            for (size_t i = 0; i <= ccs_he_ctx_levels(c); i++) {
                uint64_t q = ccs_he_ctx_prime(c, i);
                assert_true(q < (1ull << 50) && ccs_he_is_prime(q) && q % (2 * n) == 1);
                for (size_t j = 0; j < i; j++) assert_true(ccs_he_ctx_prime(c, j) != q);
            }
            ccs_he_ctx_free(c);
            c = NULL;
        }
    /* insecure: 5 x 45 bits = 225 > 218 at N = 8192 */
    assert_int_equal(ccs_he_params_default(CCS_HE_BGV, 8192, &p), CCS_OK);
    p.data_bits[0] = 50, p.data_bits[1] = 50;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_POLICY);
    assert_null(c);
    p.security = 192;
    p.data_bits[0] = 43, p.data_bits[1] = 43;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_POLICY);
    p.insecure_allow = true;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    ccs_he_ctx_free(c);
    c = NULL;
    p = small(CCS_HE_BGV, 1024, 2, 30);
    p.insecure_allow = false;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_POLICY);
    /* bad arguments */
    p = small(CCS_HE_BGV, 1024, 2, 30);
    p.data_bits[0] = 51;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    p = small(CCS_HE_BGV, 1000, 2, 30);
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    p = small(CCS_HE_BGV, 1024, 0, 30);
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    p = small(CCS_HE_BGV, 1024, 2, 30);
    p.t = 1;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    p = small((ccs_he_scheme)7, 1024, 2, 30);
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_params_default(CCS_HE_BFV, 4096, &p), CCS_ERR_INVALID_ARG);
    /* t without batching */
    p = small(CCS_HE_BGV, 1024, 2, 30);
    p.t = 256;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    assert_false(ccs_he_ctx_batching(c));
    ccs_he_ctx_free(c);
}

static void test_poly_arith(void **state) {
    (void)state;
    enum { N = 1024 };
    ccs_he_params p = small(CCS_HE_BGV, N, 3, 40);
    ccs_he_ctx *c = NULL;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    static int64_t a[N], b[N], prod[N];
    for (size_t i = 0; i < N; i++) a[i] = (int64_t)(rnd() % 2001) - 1000, b[i] = (int64_t)(rnd() % 2001) - 1000;
    memset(prod, 0, sizeof prod);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            int64_t v = a[i] * b[j];
            if (i + j < N) prod[i + j] += v;
            else prod[i + j - N] -= v;
        }
    ccs_he_poly pa, pb, pr;
    assert_int_equal(ccs_he_poly_alloc(c, 3, true, &pa), CCS_OK);
    assert_int_equal(ccs_he_poly_alloc(c, 3, true, &pb), CCS_OK);
    assert_int_equal(ccs_he_poly_alloc(c, 3, true, &pr), CCS_OK);
    ccs_he_poly_set_i64(c, &pa, a);
    ccs_he_poly_set_i64(c, &pb, b);
    char s[200];
    /* add / sub / neg in coefficient form */
    assert_int_equal(ccs_he_poly_add(c, &pr, &pa, &pb), CCS_OK);
    for (size_t k = 0; k < N; k += 97) {
        assert_int_equal(ccs_he_poly_crt(c, &pr, k, s, sizeof s), CCS_OK);
        assert_int_equal(strtoll(s, NULL, 10), a[k] + b[k]);
    }
    assert_int_equal(ccs_he_poly_sub(c, &pr, &pa, &pb), CCS_OK);
    assert_int_equal(ccs_he_poly_crt(c, &pr, 5, s, sizeof s), CCS_OK);
    assert_int_equal(strtoll(s, NULL, 10), a[5] - b[5]);
    assert_int_equal(ccs_he_poly_neg(c, &pr, &pa), CCS_OK);
    assert_int_equal(ccs_he_poly_crt(c, &pr, 7, s, sizeof s), CCS_OK);
    assert_int_equal(strtoll(s, NULL, 10), -a[7]);
    /* mul needs NTT form */
    assert_int_equal(ccs_he_poly_mul(c, &pr, &pa, &pb), CCS_ERR_INVALID_ARG);
    ccs_he_poly_to_ntt(c, &pa);
    ccs_he_poly_to_ntt(c, &pb);
    pr.ntt = true;
    assert_int_equal(ccs_he_poly_mul(c, &pr, &pa, &pb), CCS_OK);
    ccs_he_poly_from_ntt(c, &pr);
    for (size_t k = 0; k < N; k++) {
        assert_int_equal(ccs_he_poly_crt(c, &pr, k, s, sizeof s), CCS_OK);
        if (strtoll(s, NULL, 10) != prod[k]) fail_msg("coefficient %zu: %s != %lld", k, s, (long long)prod[k]);
    }
    assert_int_equal(ccs_he_poly_crt(c, &pr, 0, s, 2), CCS_ERR_OVERFLOW);
    /* residues of values larger than the primes */
    static int64_t big[N];
    for (size_t i = 0; i < N; i++) big[i] = (int64_t)(rnd() >> 2) * (i & 1 ? -1 : 1);
    ccs_he_poly_set_i64(c, &pr, big);
    for (size_t r = 0; r < pr.count; r++) {
        uint64_t q = ccs_he_ctx_prime(c, pr.idx[r]);
        for (size_t i = 0; i < N; i++) {
            __int128 m = (__int128)big[i] % (__int128)q;
            assert_int_equal(ccs_he_poly_row(&pr, r)[i], (uint64_t)(m < 0 ? m + q : m));
        }
    }
    /* shape mismatch */
    ccs_he_poly small2;
    assert_int_equal(ccs_he_poly_alloc(c, 2, false, &small2), CCS_OK);
    assert_int_equal(ccs_he_poly_add(c, &pr, &pa, &small2), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_poly_alloc(c, 4, false, &small2), CCS_ERR_INVALID_ARG);
    ccs_he_poly_free(&small2);
    ccs_he_poly_free(&pa);
    ccs_he_poly_free(&pb);
    ccs_he_poly_free(&pr);
    ccs_he_ctx_free(c);
}

static void test_base_conv(void **state) {
    (void)state;
    enum { N = 256 };
    uint64_t from[3], to[2];
    assert_int_equal(ccs_he_primes(1024, 40, 3, from), CCS_OK);
    assert_int_equal(ccs_he_primes(1024, 45, 2, to), CCS_OK);
    static uint64_t in[3 * N], out[2 * N];
    static unsigned __int128 x[N];
    unsigned __int128 F = (unsigned __int128)from[0] * from[1]; /* 80 bits; third prime multiplies below */
    for (size_t k = 0; k < N; k++) {
        x[k] = ((unsigned __int128)rnd() << 32) ^ rnd(); /* < 2^96 */
        for (size_t i = 0; i < 3; i++) in[i * N + k] = (uint64_t)(x[k] % from[i]);
    }
    assert_int_equal(ccs_he_rns_base_conv(in, N, from, 3, to, 2, out), CCS_OK);
    for (size_t j = 0; j < 2; j++) {
        uint64_t Fm = (uint64_t)((F % to[j]) * (from[2] % to[j]) % to[j]);
        for (size_t k = 0; k < N; k++) {
            uint64_t xm = (uint64_t)(x[k] % to[j]);
            bool ok = false;
            for (uint64_t a = 0; a < 3; a++) ok |= (xm + (unsigned __int128)a * Fm) % to[j] == out[j * N + k];
            if (!ok) fail_msg("base conversion: prime %zu coefficient %zu", j, k);
        }
    }
    /* 60-bit sources (above what IFMA reads) into a 40-bit target: every
     * path must give the scalar result. */
    uint64_t from60[2], to40[1];
    assert_int_equal(ccs_he_primes(1024, 60, 2, from60), CCS_OK);
    assert_int_equal(ccs_he_primes(1024, 40, 1, to40), CCS_OK);
    for (size_t k = 0; k < N; k++) {
        x[k] = ((unsigned __int128)(rnd() >> 10) << 64) | rnd(); /* < 2^118 <= the product */
        for (size_t i = 0; i < 2; i++) in[i * N + k] = (uint64_t)(x[k] % from60[i]);
    }
    assert_int_equal(ccs_he_rns_base_conv(in, N, from60, 2, to40, 1, out), CCS_OK);
    uint64_t F60 = (uint64_t)(((unsigned __int128)(from60[0] % to40[0]) * (from60[1] % to40[0])) % to40[0]);
    for (size_t k = 0; k < N; k++) {
        uint64_t xm = (uint64_t)(x[k] % to40[0]);
        bool ok = false;
        for (uint64_t a = 0; a < 3; a++) ok |= (xm + (unsigned __int128)a * F60) % to40[0] == out[k];
        if (!ok) fail_msg("base conversion from 60-bit primes: coefficient %zu", k);
    }
    assert_int_equal(ccs_he_rns_base_conv(in, N, from, 0, to, 2, out), CCS_ERR_INVALID_ARG);
    uint64_t bad[1] = {from[0] + 2};
    assert_int_equal(ccs_he_rns_base_conv(in, N, bad, 1, to, 2, out), CCS_ERR_INVALID_ARG);
}

/* x = y P + r, |r| <= P/2: mod-down gives y; with t-correction y' where
 * x - y' P = 0 mod t and |x - y' P| <= t P / 2. */
static void test_mod_down(void **state) {
    (void)state;
    enum { N = 1024 };
    ccs_he_params p = small(CCS_HE_BGV, N, 2, 40);
    ccs_he_ctx *c = NULL;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    uint64_t P = ccs_he_ctx_prime(c, 2), t = 65537;
    static __int128 x[N];
    static int64_t y[N];
    ccs_he_poly a;
    for (int tc = 0; tc < 2; tc++) {
        assert_int_equal(ccs_he_poly_alloc(c, 2, true, &a), CCS_OK);
        for (size_t k = 0; k < N; k++) {
            y[k] = (int64_t)(rnd() % 2000001) - 1000000;
            __int128 r = (__int128)(rnd() % P) - (__int128)(P / 2);
            x[k] = (__int128)y[k] * P + r;
            for (size_t i = 0; i < 3; i++) {
                uint64_t q = ccs_he_ctx_prime(c, i == 2 ? 2 : i);
                __int128 m = x[k] % (__int128)q;
                ccs_he_poly_row(&a, i)[k] = (uint64_t)(m < 0 ? m + q : m);
            }
        }
        assert_int_equal(ccs_he_poly_mod_down(c, &a, tc ? t : 1), CCS_OK);
        assert_int_equal(a.count, 2);
        assert_false(a.ntt);
        char s[100];
        for (size_t k = 0; k < N; k++) {
            assert_int_equal(ccs_he_poly_crt(c, &a, k, s, sizeof s), CCS_OK);
            long long v = strtoll(s, NULL, 10);
            if (!tc) {
                if (v != y[k]) fail_msg("round(x/P) at %zu: %lld != %lld", k, v, (long long)y[k]);
            } else {
                __int128 d = x[k] - (__int128)v * P;
                assert_true(d % (__int128)t == 0);
                assert_true(d <= (__int128)t * P / 2 + P && d >= -((__int128)t * P / 2) - P);
            }
        }
        ccs_he_poly_free(&a);
    }
    assert_int_equal(ccs_he_poly_alloc(c, 2, false, &a), CCS_OK);
    assert_int_equal(ccs_he_poly_mod_down(c, &a, 1), CCS_ERR_INVALID_ARG); /* no special row */
    ccs_he_poly_free(&a);
    ccs_he_ctx_free(c);
}

static void test_prng(void **state) {
    (void)state;
    uint8_t seed[32] = {1, 2, 3};
    he_prng g1, g2;
    uint8_t a[1000], b[1000];
    assert_int_equal(he_prng_init(&g1, seed, 5), CCS_OK);
    assert_int_equal(he_prng_init(&g2, seed, 5), CCS_OK);
    assert_int_equal(he_prng_bytes(&g1, a, sizeof a), CCS_OK);
    assert_int_equal(he_prng_bytes(&g2, b, sizeof b), CCS_OK);
    assert_memory_equal(a, b, sizeof a);
    he_prng_done(&g2);
    assert_int_equal(he_prng_init(&g2, seed, 6), CCS_OK);
    assert_int_equal(he_prng_bytes(&g2, b, sizeof b), CCS_OK);
    assert_memory_not_equal(a, b, sizeof a);
    enum { M = 100000 };
    static int64_t e[M];
    assert_int_equal(he_sample_cbd(&g1, M, e), CCS_OK);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < M; i++) {
        assert_true(e[i] >= -21 && e[i] <= 21);
        sum += (double)e[i], sq += (double)(e[i] * e[i]);
    }
    assert_true(sum / M > -0.1 && sum / M < 0.1);
    assert_true(sq / M > 9.5 && sq / M < 11.5); /* variance 10.5 */
    assert_int_equal(he_sample_ternary(&g1, M, e), CCS_OK);
    size_t cnt[3] = {0};
    for (size_t i = 0; i < M; i++) {
        assert_true(e[i] >= -1 && e[i] <= 1);
        cnt[e[i] + 1]++;
    }
    for (int i = 0; i < 3; i++) assert_true(cnt[i] > M / 3 - 1500 && cnt[i] < M / 3 + 1500);
    he_prng_done(&g1);
    he_prng_done(&g2);
}

/* The multiply-accumulate kernels (IFMA or scalar, as the CPU and CCS_HE_ISA
 * choose) against 128-bit arithmetic, with edge values q - 1. */
static void test_macc(void **state) {
    (void)state;
    enum { N = 1024, R = 21 };
    static uint64_t a[R][N], b[R][N], out[N], init[N];
    unsigned bits[] = {20, 30, 43, 49, 50};
    for (size_t bi = 0; bi < 5; bi++) {
        uint64_t q;
        assert_int_equal(ccs_he_primes(1024, bits[bi], 1, &q), CCS_OK);
        if (bits[bi] == 50) q = (1ull << 50) - 27; /* any modulus below 2^50 */
        he_mod m;
        he_mod_init(&m, q);
        const uint64_t *pa[R], *pb[R];
        uint64_t cst[R];
        for (size_t i = 0; i < R; i++) {
            for (size_t k = 0; k < N; k++) a[i][k] = rnd() % q, b[i][k] = rnd() % q;
            a[i][0] = b[i][0] = q - 1;
            a[i][1] = (1ull << 50) - 1; /* he_macc takes y < 2^50 */
            pa[i] = a[i], pb[i] = b[i];
            cst[i] = i == 0 ? q - 1 : rnd() % q;
        }
        for (size_t k = 0; k < N; k++) init[k] = rnd() >> 10;
        for (size_t rows = 1; rows <= R; rows += rows < 14 ? 5 : 1) {
            a[0][1] = q - 1;
            he_dyadic_macc(out, pa, pb, rows, N, &m);
            for (size_t k = 0; k < N; k++) {
                unsigned __int128 s = 0;
                for (size_t i = 0; i < rows; i++) s += (unsigned __int128)a[i][k] * b[i][k];
                if (out[k] != (uint64_t)(s % q)) fail_msg("dyadic_macc q=%llu rows=%zu k=%zu", (unsigned long long)q, rows, k);
            }
            a[0][1] = (1ull << 50) - 1;
            he_macc(out, a[0], rows, N, cst, init, &m);
            for (size_t k = 0; k < N; k++) {
                unsigned __int128 s = init[k];
                for (size_t i = 0; i < rows; i++) s += (unsigned __int128)a[i][k] * cst[i];
                if (out[k] != (uint64_t)(s % q)) fail_msg("macc q=%llu rows=%zu k=%zu", (unsigned long long)q, rows, k);
            }
        }
    }
}

/* The per-thread cache of freed blocks (rns.c): the same size comes back
 * (the same block, zeroed by he_alloc), at most 16 blocks and 64 MiB are
 * kept (the oldest go first), a block over 64 MiB is not kept, and
 * ccs_he_thread_cache_release empties it. */
static void test_pool(void **state) {
    (void)state;
    size_t nb, bytes;
    ccs_he_thread_cache_release();
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 0);
    assert_int_equal(bytes, 0);
    uint8_t *p1 = he_alloc_raw(100000);
    assert_non_null(p1);
    assert_int_equal((uintptr_t)p1 % 64, 0);
    memset(p1, 0xab, 100000);
    he_free(p1);
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 1);
    assert_int_equal(bytes, 100032); /* rounded up to 64 */
    uint8_t *p2 = he_alloc(99999);   /* the same rounded size: the same block, zeroed */
    assert_ptr_equal(p2, p1);
    for (size_t i = 0; i < 99999; i++) assert_int_equal(p2[i], 0);
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 0);
    uint8_t *p3 = he_alloc_raw(100096); /* another size: not that block */
    assert_ptr_not_equal(p3, p2);
    he_free(p2);
    he_free(p3);
    ccs_he_thread_cache_release();
    void *v[20];
    size_t want = 0;
    for (size_t i = 0; i < 20; i++) assert_non_null(v[i] = he_alloc_raw(4096 * (i + 1)));
    for (size_t i = 0; i < 20; i++) he_free(v[i]);
    for (size_t i = 4; i < 20; i++) want += 4096 * (i + 1);
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 16);
    assert_int_equal(bytes, want);
    ccs_he_thread_cache_release();
    void *big = he_alloc_raw((size_t)65 << 20);
    assert_non_null(big);
    he_free(big);
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 0);
    for (size_t i = 0; i < 5; i++) assert_non_null(v[i] = he_alloc_raw((size_t)20 << 20));
    for (size_t i = 0; i < 5; i++) he_free(v[i]);
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 3);
    assert_int_equal(bytes, (size_t)60 << 20);
    ccs_he_thread_cache_release();
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb + bytes, 0);
}

static void *free_in_thread(void *arg) {
    size_t *seen = calloc(2, sizeof *seen);
    ccs_he_ciphertext_free(arg); /* made by another thread */
    if (seen) he_pool_stats(&seen[0], &seen[1]);
    return seen; /* the thread's cache goes at its exit */
}

/* A ciphertext made in one thread and freed in another: its block goes to
 * the freeing thread's cache, the maker's is untouched, and the maker goes on. */
static void test_pool_threads(void **state) {
    (void)state;
    ccs_he_params p = small(CCS_HE_BGV, 1024, 2, 30);
    ccs_he_ctx *c = NULL;
    ccs_he_ciphertext *ct = NULL;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(c, &ct), CCS_OK);
    ccs_he_thread_cache_release();
    pthread_t t;
    void *ret = NULL;
    assert_int_equal(pthread_create(&t, NULL, free_in_thread, ct), 0);
    assert_int_equal(pthread_join(t, &ret), 0);
    size_t *seen = ret, nb, bytes;
    assert_non_null(seen);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 3 * 2 * 1024 * sizeof(uint64_t)); /* 3 polys x L rows x n */
    free(seen);
    he_pool_stats(&nb, &bytes);
    assert_int_equal(nb, 0);
    assert_int_equal(ccs_he_ciphertext_new(c, &ct), CCS_OK);
    ccs_he_ciphertext_free(ct);
    ccs_he_ctx_free(c);
    ccs_he_thread_cache_release();
}

int test_group_he_rns(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool),      cmocka_unit_test(test_pool_threads),
        cmocka_unit_test(test_params),    cmocka_unit_test(test_poly_arith), cmocka_unit_test(test_base_conv),
        cmocka_unit_test(test_mod_down), cmocka_unit_test(test_prng),    cmocka_unit_test(test_macc),
    };
    return cmocka_run_group_tests_name("he/rns", tests, NULL, NULL);
}
