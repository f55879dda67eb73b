/* CKKS encoding: round trips at every degree, the definition (evaluation at
 * zeta^(5^j)) checked naively, products of encodings decode to products of
 * slots, X -> X^5 rotates and X -> X^-1 conjugates, refusals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he.h"

static double urand(void) { return (double)rand() / RAND_MAX * 2.0 - 1.0; }

static void random_slots(double *z, size_t slots) {
    for (size_t i = 0; i < 2 * slots; i++) z[i] = urand();
}

static double max_err(const double *a, const double *b, size_t count) {
    double m = 0;
    for (size_t i = 0; i < 2 * count; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static void test_round_trips(void **state) {
    (void)state;
    for (size_t n = 1024; n <= 32768; n *= 2) {
        ccs_ckks_encoder *e = NULL;
        assert_int_equal(ccs_ckks_encoder_new(n, &e), CCS_OK);
        size_t s = n / 2;
        double *z = malloc(2 * s * sizeof *z), *back = malloc(2 * s * sizeof *back), *c = malloc(n * sizeof *c);
        int64_t *m = malloc(n * sizeof *m);
        random_slots(z, s);
        assert_int_equal(ccs_ckks_encode(e, z, s, 0x1p40, m), CCS_OK);
        for (size_t i = 0; i < n; i++) c[i] = (double)m[i];
        assert_int_equal(ccs_ckks_decode(e, c, 0x1p40, back), CCS_OK);
        if (max_err(z, back, s) > 1e-7) fail_msg("n=%zu: error %g", n, max_err(z, back, s));
        free(z), free(back), free(c), free(m);
        ccs_ckks_encoder_free(e);
    }
}

/* z_j = m(zeta^(5^j)) / scale, zeta = exp(i pi / n), computed directly. */
static void test_definition(void **state) {
    (void)state;
    const size_t n = 1024, s = n / 2;
    ccs_ckks_encoder *e = NULL;
    assert_int_equal(ccs_ckks_encoder_new(n, &e), CCS_OK);
    double *c = malloc(n * sizeof *c), *z = malloc(2 * s * sizeof *z);
    for (size_t i = 0; i < n; i++) c[i] = (double)(rand() % 2001 - 1000);
    assert_int_equal(ccs_ckks_decode(e, c, 1.0, z), CCS_OK);
    size_t r = 1;
    for (size_t j = 0; j < s; j += 37) {
        double re = 0, im = 0;
        for (size_t k = 0; k < n; k++) {
            double a = M_PI * (double)((r * k) % (2 * n)) / (double)n;
            re += c[k] * cos(a), im += c[k] * sin(a);
        }
        assert_true(fabs(re - z[2 * j]) < 1e-6 * n && fabs(im - z[2 * j + 1]) < 1e-6 * n);
        for (int step = 0; step < 37; step++) r = r * 5 % (2 * n);
    }
    free(c), free(z);
    ccs_ckks_encoder_free(e);
}

/* m'(X) = m(X^g) mod X^n + 1. */
static void automorphism(const int64_t *m, int64_t *out, size_t n, size_t g) {
    for (size_t k = 0; k < n; k++) {
        size_t d = (k * g) % (2 * n);
        if (d < n) out[d] = m[k];
        else out[d - n] = -m[k];
    }
}

static void test_rotation_and_conjugation(void **state) {
    (void)state;
    const size_t n = 2048, s = n / 2;
    ccs_ckks_encoder *e = NULL;
    assert_int_equal(ccs_ckks_encoder_new(n, &e), CCS_OK);
    double *z = malloc(2 * s * sizeof *z), *back = malloc(2 * s * sizeof *back), *c = malloc(n * sizeof *c);
    int64_t *m = malloc(n * sizeof *m), *r = malloc(n * sizeof *r);
    random_slots(z, s);
    assert_int_equal(ccs_ckks_encode(e, z, s, 0x1p40, m), CCS_OK);
    automorphism(m, r, n, 5);
    for (size_t i = 0; i < n; i++) c[i] = (double)r[i];
    assert_int_equal(ccs_ckks_decode(e, c, 0x1p40, back), CCS_OK);
    for (size_t j = 0; j < s; j++) { /* slot j now holds z_(j+1) */
        size_t k = (j + 1) % s;
        assert_true(fabs(back[2 * j] - z[2 * k]) < 1e-7 && fabs(back[2 * j + 1] - z[2 * k + 1]) < 1e-7);
    }
    automorphism(m, r, n, 2 * n - 1);
    for (size_t i = 0; i < n; i++) c[i] = (double)r[i];
    assert_int_equal(ccs_ckks_decode(e, c, 0x1p40, back), CCS_OK);
    for (size_t j = 0; j < s; j++)
        assert_true(fabs(back[2 * j] - z[2 * j]) < 1e-7 && fabs(back[2 * j + 1] + z[2 * j + 1]) < 1e-7);
    free(z), free(back), free(c), free(m), free(r);
    ccs_ckks_encoder_free(e);
}

/* encode(z1) * encode(z2) in Z_q[X]/(X^n + 1) decodes (scale^2) to z1 * z2. */
static void test_products(void **state) {
    (void)state;
    const size_t n = 1024, s = n / 2;
    const double scale = 0x1p20;
    uint64_t q;
    assert_int_equal(ccs_he_primes(n, 61, 1, &q), CCS_OK);
    ccs_ntt *t = NULL;
    ccs_ckks_encoder *e = NULL;
    assert_int_equal(ccs_ntt_new(n, q, &t), CCS_OK);
    assert_int_equal(ccs_ckks_encoder_new(n, &e), CCS_OK);
    double z1[2 * 512], z2[2 * 512], back[2 * 512], c[1024];
    int64_t m1[1024], m2[1024];
    uint64_t a[1024], b[1024];
    random_slots(z1, s), random_slots(z2, s);
    assert_int_equal(ccs_ckks_encode(e, z1, s, scale, m1), CCS_OK);
    assert_int_equal(ccs_ckks_encode(e, z2, s, scale, m2), CCS_OK);
    for (size_t i = 0; i < n; i++) {
        a[i] = m1[i] < 0 ? q - (uint64_t)(-m1[i]) : (uint64_t)m1[i];
        b[i] = m2[i] < 0 ? q - (uint64_t)(-m2[i]) : (uint64_t)m2[i];
    }
    ccs_ntt_forward(t, a), ccs_ntt_forward(t, b);
    ccs_he_mul_mod(a, a, b, n, q);
    ccs_ntt_inverse(t, a);
    for (size_t i = 0; i < n; i++) c[i] = a[i] > q / 2 ? -(double)(q - a[i]) : (double)a[i];
    assert_int_equal(ccs_ckks_decode(e, c, scale * scale, back), CCS_OK);
    for (size_t j = 0; j < s; j++) {
        double re = z1[2 * j] * z2[2 * j] - z1[2 * j + 1] * z2[2 * j + 1];
        double im = z1[2 * j] * z2[2 * j + 1] + z1[2 * j + 1] * z2[2 * j];
        assert_true(fabs(back[2 * j] - re) < 1e-3 && fabs(back[2 * j + 1] - im) < 1e-3);
    }
    ccs_ntt_free(t);
    ccs_ckks_encoder_free(e);
}

static void test_refusals(void **state) {
    (void)state;
    ccs_ckks_encoder *e = NULL;
    assert_int_equal(ccs_ckks_encoder_new(1000, &e), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ckks_encoder_new(65536, &e), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ckks_encoder_new(8, &e), CCS_OK);
    double z[2 * 4] = {1000, 0, 1, 1, 0, 0, 0, 0};
    int64_t m[8];
    assert_int_equal(ccs_ckks_encode(e, z, 4, 0x1p60, m), CCS_ERR_OVERFLOW);
    assert_int_equal(ccs_ckks_encode(e, z, 5, 0x1p20, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ckks_encode(e, z, 4, NAN, m), CCS_ERR_INVALID_ARG);
    z[1] = INFINITY;
    assert_int_equal(ccs_ckks_encode(e, z, 4, 0x1p20, m), CCS_ERR_INVALID_ARG);
    /* fewer values than slots: the rest are zero */
    z[1] = 0;
    double back[8], c[8];
    assert_int_equal(ccs_ckks_encode(e, z, 2, 0x1p30, m), CCS_OK);
    for (int i = 0; i < 8; i++) c[i] = (double)m[i];
    assert_int_equal(ccs_ckks_decode(e, c, 0x1p30, back), CCS_OK);
    assert_true(fabs(back[0] - 1000) < 1e-6 && fabs(back[2] - 1) < 1e-6 && fabs(back[3] - 1) < 1e-6);
    assert_true(fabs(back[4]) < 1e-6 && fabs(back[7]) < 1e-6);
    ccs_ckks_encoder_free(e);
}

int test_group_he_ckks_encode(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),   cmocka_unit_test(test_definition),
        cmocka_unit_test(test_rotation_and_conjugation), cmocka_unit_test(test_products),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("he/ckks_encode", tests, NULL, NULL);
}
