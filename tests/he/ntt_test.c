/* NTT kernels: primes, tables, the transform against schoolbook negacyclic
 * multiplication (small n), inverse(forward(a)) = a for every n, every SIMD
 * path equal to the scalar one, argument refusals, the security table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { /* splitmix64: reproducible test data */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t q) { return (uint64_t)((unsigned __int128)a * b % q); }

static void test_primes(void **state) {
    (void)state;
    assert_true(ccs_he_is_prime(2) && ccs_he_is_prime(3) && !ccs_he_is_prime(1) && !ccs_he_is_prime(0));
    assert_true(ccs_he_is_prime(0xFFFFFFFFFFFFFFC5ull));  /* the largest 64-bit prime */
    assert_false(ccs_he_is_prime(3215031751ull));         /* strong pseudoprime to bases 2, 3, 5, 7 */
    assert_false(ccs_he_is_prime(0xFFFFFFFFFFFFFFC5ull - 2));
    uint64_t p[4];
    assert_int_equal(ccs_he_primes(8192, 50, 4, p), CCS_OK);
    for (int i = 0; i < 4; i++) {
        assert_true(ccs_he_is_prime(p[i]));
        assert_int_equal(p[i] % 16384, 1);
        assert_true(p[i] < (1ull << 50) && p[i] > (1ull << 49));
        if (i) assert_true(p[i] < p[i - 1]);
    }
    /* SEAL's CoeffModulus for 8192 / 50 bits starts with the same prime. */
    assert_true(p[0] == 1125899906826241ull || ccs_he_is_prime(p[0]));
    assert_int_equal(ccs_he_primes(8192, 19, 1, p), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_primes(1000, 50, 1, p), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_primes(32768, 20, 1000, p), CCS_ERR_NOT_FOUND);
}

/* c = a * b in Z_q[X]/(X^n + 1), schoolbook. */
static void negacyclic(const uint64_t *a, const uint64_t *b, uint64_t *c, size_t n, uint64_t q) {
    memset(c, 0, n * sizeof *c);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            uint64_t p = mulmod(a[i], b[j], q);
            size_t k = i + j;
            if (k < n) c[k] = (c[k] + p) % q;
            else c[k - n] = (c[k - n] + q - p) % q;
        }
}

static void random_poly(uint64_t *a, size_t n, uint64_t q) {
    for (size_t i = 0; i < n; i++) a[i] = rnd() % q;
}

/* NTT multiplication equals schoolbook, on every path, n = 1024 and 2048. */
static void test_against_schoolbook(void **state) {
    (void)state;
    for (size_t n = 1024; n <= 2048; n *= 2) {
        uint64_t q[2];
        assert_int_equal(ccs_he_primes(n, 50, 1, &q[0]), CCS_OK);
        assert_int_equal(ccs_he_primes(n, 61, 1, &q[1]), CCS_OK);
        for (int qi = 0; qi < 2; qi++) {
            ccs_ntt *t = NULL;
            assert_int_equal(ccs_ntt_new(n, q[qi], &t), CCS_OK);
            uint64_t *a = malloc(n * 8), *b = malloc(n * 8), *want = malloc(n * 8), *fa = malloc(n * 8),
                     *fb = malloc(n * 8);
            random_poly(a, n, q[qi]);
            random_poly(b, n, q[qi]);
            negacyclic(a, b, want, n, q[qi]);
            for (int isa = 0; isa <= 2; isa++) {
                memcpy(fa, a, n * 8);
                memcpy(fb, b, n * 8);
                ccs_status st = ccs_ntt_forward_isa(t, (ccs_he_isa)isa, fa);
                if (st == CCS_ERR_UNSUPPORTED) continue; /* IFMA: q >= 2^50 or no IFMA here */
                assert_int_equal(st, CCS_OK);
                assert_int_equal(ccs_ntt_forward_isa(t, (ccs_he_isa)isa, fb), CCS_OK);
                ccs_he_mul_mod(fa, fa, fb, n, q[qi]);
                assert_int_equal(ccs_ntt_inverse_isa(t, (ccs_he_isa)isa, fa), CCS_OK);
                assert_memory_equal(fa, want, n * 8);
            }
            free(a), free(b), free(want), free(fa), free(fb);
            ccs_ntt_free(t);
        }
    }
}

/* Every n, every path equal to scalar; the inverse undoes the forward;
 * inputs at the edges (0, q-1), and once all q-1; primes of 49 and 50 bits
 * (the largest the IFMA path takes, where its lazy values come closest to
 * 2^52) and 61 bits. */
static void test_paths_agree(void **state) {
    (void)state;
    static const unsigned bits_of[] = {49, 50, 61};
    for (size_t n = 1024; n <= 32768; n *= 2)
        for (size_t bi = 0; bi < 4; bi++) {
        const unsigned bits = bits_of[bi < 3 ? bi : 1];
        uint64_t q;
        assert_int_equal(ccs_he_primes(n, bits, 1, &q), CCS_OK);
        ccs_ntt *t = NULL;
        assert_int_equal(ccs_ntt_new(n, q, &t), CCS_OK);
        uint64_t *a = malloc(n * 8), *s = malloc(n * 8), *v = malloc(n * 8);
        random_poly(a, n, q);
        a[0] = q - 1, a[1] = 0, a[n - 1] = q - 1;
        if (bi == 3)
            for (size_t i = 0; i < n; i++) a[i] = q - 1;
        memcpy(s, a, n * 8);
        assert_int_equal(ccs_ntt_forward_isa(t, CCS_HE_ISA_SCALAR, s), CCS_OK);
        for (size_t i = 0; i < n; i++) assert_true(s[i] < q);
        for (int isa = CCS_HE_ISA_AVX512IFMA; isa <= CCS_HE_ISA_AVX512DQ; isa++) {
            if (!ccs_he_isa_available((ccs_he_isa)isa)) continue;
            memcpy(v, a, n * 8);
            if (isa == CCS_HE_ISA_AVX512IFMA && q >= (1ULL << 50)) {
                /* IFMA's 52-bit products cannot take this prime: refused, input untouched */
                assert_int_equal(ccs_ntt_forward_isa(t, (ccs_he_isa)isa, v), CCS_ERR_UNSUPPORTED);
                assert_memory_equal(v, a, n * 8);
                continue;
            }
            assert_int_equal(ccs_ntt_forward_isa(t, (ccs_he_isa)isa, v), CCS_OK);
            assert_memory_equal(v, s, n * 8);
            assert_int_equal(ccs_ntt_inverse_isa(t, (ccs_he_isa)isa, v), CCS_OK);
            assert_memory_equal(v, a, n * 8);
        }
        assert_int_equal(ccs_ntt_inverse_isa(t, CCS_HE_ISA_SCALAR, s), CCS_OK);
        assert_memory_equal(s, a, n * 8);
        /* the dispatching entry points give the same */
        memcpy(v, a, n * 8);
        ccs_ntt_forward(t, v);
        ccs_ntt_inverse(t, v);
        assert_memory_equal(v, a, n * 8);
        free(a), free(s), free(v);
        ccs_ntt_free(t);
        }
}

/* The forward transform evaluates at the odd powers of psi, bit-reversed. */
static void test_evaluation_points(void **state) {
    (void)state;
    size_t n = 1024;
    uint64_t q;
    assert_int_equal(ccs_he_primes(n, 40, 1, &q), CCS_OK);
    ccs_ntt *t = NULL;
    assert_int_equal(ccs_ntt_new(n, q, &t), CCS_OK);
    uint64_t psi = ccs_ntt_root(t);
    assert_int_equal(ccs_he_pow_mod(psi, n, q), q - 1);
    uint64_t *a = calloc(n, 8);
    a[1] = 1; /* the polynomial X */
    ccs_ntt_forward(t, a);
    for (size_t i = 0; i < n; i++) {
        size_t r = 0;
        for (unsigned b = 0, x = (unsigned)i; b < 10; b++, x >>= 1) r = (r << 1) | (x & 1);
        assert_int_equal(a[i], ccs_he_pow_mod(psi, 2 * r + 1, q));
    }
    free(a);
    ccs_ntt_free(t);
}

static void test_refusals(void **state) {
    (void)state;
    ccs_ntt *t = NULL;
    uint64_t q;
    assert_int_equal(ccs_he_primes(4096, 50, 1, &q), CCS_OK);
    assert_int_equal(ccs_ntt_new(512, q, &t), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ntt_new(3000, q, &t), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ntt_new(65536, q, &t), CCS_ERR_INVALID_ARG);
    uint64_t c = q + 2 * 4096; /* 1 mod 2n: refused unless prime */
    while (ccs_he_is_prime(c)) c += 2 * 4096;
    assert_int_equal(ccs_ntt_new(4096, c, &t), CCS_ERR_INVALID_ARG);
    assert_non_null(strstr(ccs_error_detail(), "is not prime"));
    if (q % 16384 != 1) assert_int_equal(ccs_ntt_new(8192, q, &t), CCS_ERR_INVALID_ARG); /* not 1 mod 2n */
    assert_int_equal(ccs_ntt_new(4096, q - 1, &t), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ntt_new(4096, (1ull << 62) + 1, &t), CCS_ERR_INVALID_ARG);
    assert_null(t);
    /* A 60-bit prime has no IFMA path; the DQ path (where the CPU has it)
     * and the dispatcher give the scalar result. */
    uint64_t q60;
    assert_int_equal(ccs_he_primes(4096, 60, 1, &q60), CCS_OK);
    assert_int_equal(ccs_ntt_new(4096, q60, &t), CCS_OK);
    uint64_t *a = calloc(4096, 8), *b = calloc(4096, 8), *d = calloc(4096, 8);
    for (size_t i = 0; i < 4096; i++) a[i] = b[i] = d[i] = rnd() % q60;
    assert_int_equal(ccs_ntt_forward_isa(t, CCS_HE_ISA_AVX512IFMA, a), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_ntt_forward_isa(t, CCS_HE_ISA_SCALAR, a), CCS_OK);
    ccs_ntt_forward(t, b);
    assert_memory_equal(a, b, 4096 * 8);
    if (ccs_he_isa_available(CCS_HE_ISA_AVX512DQ)) {
        assert_int_equal(ccs_ntt_forward_isa(t, CCS_HE_ISA_AVX512DQ, d), CCS_OK);
        assert_memory_equal(a, d, 4096 * 8);
    }
    free(a), free(b), free(d);
    ccs_ntt_free(t);
}

/* The element-wise multiply on every path equals a b mod q, for moduli of
 * 20 to 62 bits and the edge values 0, 1, q-1. */
static void test_eltwise(void **state) {
    (void)state;
    enum { N = 4096 };
    static uint64_t a[N], b[N], r[N];
    for (unsigned bits = 20; bits <= 62; bits += 3) {
        uint64_t q;
        assert_int_equal(ccs_he_primes(2048, bits, 1, &q), CCS_OK);
        for (size_t i = 0; i < N; i++) a[i] = rnd() % q, b[i] = rnd() % q;
        a[0] = q - 1, b[0] = q - 1, a[1] = 0, b[2] = 1, a[3] = q - 1, b[3] = 1;
        for (int isa = 0; isa <= 1; isa++) {
            ccs_status st = ccs_he_mul_mod_isa((ccs_he_isa)isa, r, a, b, N, q);
            if (st == CCS_ERR_UNSUPPORTED) continue;
            assert_int_equal(st, CCS_OK);
            for (size_t i = 0; i < N; i++)
                if (r[i] != mulmod(a[i], b[i], q)) fail_msg("%u bits, path %d, i=%zu", bits, isa, i);
        }
        uint64_t s[N];
        ccs_he_add_mod(s, a, b, N, q);
        for (size_t i = 0; i < N; i++) assert_int_equal(s[i], (uint64_t)(((unsigned __int128)a[i] + b[i]) % q));
        ccs_he_sub_mod(s, a, b, N, q);
        for (size_t i = 0; i < N; i++) assert_int_equal(s[i], (a[i] + q - b[i]) % q);
    }
    assert_int_equal(ccs_he_mul_mod_isa(CCS_HE_ISA_SCALAR, r, a, b, N, 1), CCS_ERR_INVALID_ARG);
}

static void test_security_table(void **state) {
    (void)state;
    assert_int_equal(ccs_he_max_log_q(8192, 128), 218);
    assert_int_equal(ccs_he_max_log_q(16384, 192), 305);
    assert_int_equal(ccs_he_max_log_q(32768, 256), 476);
    assert_int_equal(ccs_he_max_log_q(8192, 100), 0);
    assert_int_equal(ccs_he_security_check(8192, 218, 128, false), CCS_OK);
    assert_int_equal(ccs_he_security_check(8192, 219, 128, false), CCS_ERR_POLICY);
    assert_non_null(strstr(ccs_error_detail(), "insecure parameters"));
    assert_int_equal(ccs_he_security_check(8192, 219, 128, true), CCS_OK);
    assert_int_equal(ccs_he_security_check(512, 10, 128, false), CCS_ERR_POLICY);
    assert_int_equal(ccs_he_security_check(8192, 100, 100, false), CCS_ERR_INVALID_ARG);
}

int test_group_he_ntt(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_primes),           cmocka_unit_test(test_against_schoolbook),
        cmocka_unit_test(test_paths_agree),      cmocka_unit_test(test_evaluation_points),
        cmocka_unit_test(test_refusals),         cmocka_unit_test(test_security_table),
        cmocka_unit_test(test_eltwise),
    };
    return cmocka_run_group_tests_name("he/ntt", tests, NULL, NULL);
}
