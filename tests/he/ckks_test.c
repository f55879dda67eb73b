/* CKKS on the RNS core, with the default N = 8192 parameters (data primes
 * 48, 40, 40, 40 bits + a 50-bit special prime, scale 2^40): encode/decode
 * and decrypt(encrypt(z)) within 2^-20 of z (|z| <= 1), every homomorphic
 * operation against the plaintext complex arithmetic within the bounds
 * below, rotations by 1, -1, 5 and conjugation, a depth-2 and a depth-3
 * computation, mismatched scales/levels refused with CCS_ERR_INVALID_ARG,
 * serialization round trips, malformed objects and insecure parameters
 * refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmp.h>

#include "ccs/he_ckks.h"

/* Stated precision (absolute, per slot, for |z| <= 1 at scale 2^40). */
#define FRESH_BOUND 0x1p-20 /* encode + encrypt + decrypt + decode */
#define OP_BOUND 0x1p-18    /* one multiply + relinearize + rescale, rotations */
#define DEPTH_BOUND 0x1p-14 /* depth 2 and 3 */

static uint64_t rs = 0x5EED5EED1234ABCDull;
static double urand(void) { /* uniform in [-1, 1] */
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-52 - 1.0;
}

typedef struct fx {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_galois_keys *gk;
    size_t slots;
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    ccs_he_params p;
    if (f == NULL || ccs_he_params_default(CCS_HE_CKKS, 8192, &p) != CCS_OK) return -1;
    if (ccs_he_ctx_new(&p, &f->c) != CCS_OK) return -1;
    if (ccs_he_keygen_secret(f->c, &f->sk) != CCS_OK || ccs_he_keygen_public(f->c, f->sk, &f->pk) != CCS_OK ||
        ccs_he_keygen_relin(f->c, f->sk, &f->rk) != CCS_OK)
        return -1;
    int steps[] = {1, -1, 5};
    if (ccs_he_ckks_keygen_galois(f->c, f->sk, steps, 3, true, &f->gk) != CCS_OK) return -1;
    f->slots = ccs_he_ckks_slots(f->c);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    ccs_he_galois_keys_free(f->gk);
    ccs_he_relin_key_free(f->rk);
    ccs_he_public_key_free(f->pk);
    ccs_he_secret_key_free(f->sk);
    ccs_he_ctx_free(f->c);
    free(f);
    return 0;
}

/* x = +-(half + d): the coefficients next to +-(Q-1)/2. */
static void mpz_add_si_(mpz_t x, const mpz_t half, long d, int negate) {
    if (d >= 0) mpz_add_ui(x, half, (unsigned long)d);
    else mpz_sub_ui(x, half, (unsigned long)-d);
    if (negate) mpz_neg(x, x);
}

/* Decoding reconstructs the centered coefficients exactly (mpn sum with the
 * quotient rounded in double precision, re-centered when it is one off):
 * residues of chosen coefficients (0, +-1, around +-(Q-1)/2, random below Q)
 * at levels 2..4, loaded as a plaintext at scale 1, decode to what an mpz CRT
 * followed by the same FFT gives. */
static void test_decode_crt(void **state) {
    fx *f = *state;
    const size_t n = ccs_he_ctx_degree(f->c);
    ccs_he_plaintext *pt = NULL;
    ccs_ckks_encoder *e = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_ckks_encoder_new(n, &e), CCS_OK);
    double *co = malloc(n * sizeof *co), *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    mpz_t Q, half, x, r;
    mpz_inits(Q, half, x, r, NULL);
    gmp_randstate_t g;
    gmp_randinit_default(g);
    for (size_t l = 2; l <= 4; l++) {
        mpz_set_ui(Q, 1);
        for (size_t i = 0; i < l; i++) mpz_mul_ui(Q, Q, ccs_he_ctx_prime(f->c, i));
        mpz_tdiv_q_2exp(half, Q, 1); /* (Q-1)/2: Q is odd */
        ccs_buf b = {0};
        assert_int_equal(ccs_he_ckks_encode(f->c, NULL, 0, 1.0, l, pt), CCS_OK);
        assert_int_equal(ccs_he_plaintext_save(f->c, pt, &b), CCS_OK);
        assert_int_equal(b.len, 49 + l * n * 8);
        uint64_t *rows = calloc(l * n, 8);
        for (size_t z = 0; z < n; z++) {
            long special[] = {0, 1, -1, 2, -2}; /* offsets around 0 and around +-(Q-1)/2 */
            if (z < 5) mpz_set_si(x, special[z]);
            else if (z < 15) mpz_add_si_(x, half, special[(z - 5) % 5], z >= 10);
            else mpz_urandomm(x, g, Q);
            mpz_mod(x, x, Q);
            for (size_t i = 0; i < l; i++) rows[i * n + z] = mpz_fdiv_ui(x, ccs_he_ctx_prime(f->c, i));
            mpz_set(r, x);
            if (mpz_cmp(r, half) > 0) mpz_sub(r, r, Q);
            co[z] = mpz_get_d(r);
        }
        for (size_t i = 0; i < l; i++) {
            ccs_ntt *t = NULL;
            assert_int_equal(ccs_ntt_new(n, ccs_he_ctx_prime(f->c, i), &t), CCS_OK);
            ccs_ntt_forward(t, rows + i * n);
            ccs_ntt_free(t);
        }
        memcpy(b.ptr + 49, rows, l * n * 8); /* little-endian hosts */
        assert_int_equal(ccs_he_plaintext_load(f->c, ccs_buf_view(&b), pt), CCS_OK);
        assert_int_equal(ccs_he_ckks_decode(f->c, pt, got), CCS_OK);
        assert_int_equal(ccs_ckks_decode(e, co, 1.0, want), CCS_OK);
        double mx = 0;
        for (size_t k = 0; k < n; k++) mx = fmax(mx, fabs(want[k]));
        for (size_t k = 0; k < n; k++) assert_true(fabs(got[k] - want[k]) <= 0x1p-40 * mx);
        free(rows);
        ccs_buf_free(&b);
    }
    gmp_randclear(g);
    mpz_clears(Q, half, x, r, NULL);
    free(co), free(want), free(got);
    ccs_ckks_encoder_free(e);
    ccs_he_plaintext_free(pt);
}

static double *rand_vec(size_t slots) {
    double *z = malloc(2 * slots * sizeof *z);
    assert_non_null(z);
    for (size_t i = 0; i < 2 * slots; i++) z[i] = urand();
    return z;
}

static ccs_he_ciphertext *enc(fx *f, const double *z) {
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *ct = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encode(f->c, z, f->slots, 0, 0, pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f->c, &ct), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt(f->c, f->pk, pt, ct), CCS_OK);
    ccs_he_plaintext_free(pt);
    return ct;
}

static double err_of(fx *f, const ccs_he_ciphertext *ct, const double *want) {
    ccs_he_ckks_precision pr;
    assert_int_equal(ccs_he_ckks_measure(f->c, f->sk, ct, want, f->slots, &pr), CCS_OK);
    return pr.max_abs_err;
}

#define ASSERT_BELOW(e, bound)                                                                                        \
    do {                                                                                                              \
        double e_ = (e);                                                                                              \
        if (!(e_ < (bound))) fail_msg("error 2^%.2f not below 2^%.0f", log2(e_), log2(bound));                      \
    } while (0)

static void test_roundtrip(void **state) {
    fx *f = *state;
    double *z = rand_vec(f->slots), *out = malloc(2 * f->slots * sizeof *out);
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &pt), CCS_OK);
    /* encode/decode alone, at every level */
    for (size_t l = 1; l <= 4; l++) {
        assert_int_equal(ccs_he_ckks_encode(f->c, z, f->slots, 0, l, pt), CCS_OK);
        assert_int_equal(ccs_he_ckks_plaintext_level(pt), l);
        assert_int_equal(ccs_he_ckks_decode(f->c, pt, out), CCS_OK);
        ccs_he_ckks_precision pr;
        assert_int_equal(ccs_he_ckks_precision_report(out, z, f->slots, &pr), CCS_OK);
        ASSERT_BELOW(pr.max_abs_err, 0x1p-30);
    }
    /* public-key and symmetric encryption */
    ccs_he_ciphertext *ct = enc(f, z);
    assert_int_equal(ccs_he_ciphertext_level(ct), 4);
    assert_true(ccs_he_ckks_scale(ct) == 0x1p40);
    ASSERT_BELOW(err_of(f, ct, z), FRESH_BOUND);
    assert_int_equal(ccs_he_ckks_encode(f->c, z, f->slots, 0, 0, pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt_symmetric(f->c, f->sk, pt, ct), CCS_OK);
    ASSERT_BELOW(err_of(f, ct, z), FRESH_BOUND);
    /* at a lower level, and real values */
    double r[3] = {0.5, -0.25, 3.0};
    assert_int_equal(ccs_he_ckks_encode_real(f->c, r, 3, 0, 2, pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt(f->c, f->pk, pt, ct), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_level(ct), 2);
    assert_int_equal(ccs_he_ckks_decrypt(f->c, f->sk, ct, pt), CCS_OK);
    double rv[4096];
    assert_int_equal(ccs_he_ckks_decode_real(f->c, pt, rv), CCS_OK);
    for (size_t i = 0; i < 4096; i++) assert_true(fabs(rv[i] - (i < 3 ? r[i] : 0.0)) < FRESH_BOUND);
    /* a scale above 62-bit coefficients: 2^70 at level 4 (Q ~ 2^170) */
    assert_int_equal(ccs_he_ckks_encode(f->c, z, f->slots, 0x1p70, 4, pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_decode(f->c, pt, out), CCS_OK);
    for (size_t i = 0; i < 2 * f->slots; i++) assert_true(fabs(out[i] - z[i]) < 0x1p-40);
    /* too large for the level: refused */
    assert_int_equal(ccs_he_ckks_encode(f->c, z, f->slots, 0x1p47, 1, pt), CCS_ERR_INVALID_ARG);
    double *big = malloc(f->slots * sizeof *big); /* the constant 2^10: coefficient 0 is 2^50 > q_0 / 2 */
    for (size_t i = 0; i < f->slots; i++) big[i] = 0x1p10;
    assert_int_equal(ccs_he_ckks_encode_real(f->c, big, f->slots, 0x1p40, 1, pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_encode_real(f->c, big, f->slots, 0x1p40, 2, pt), CCS_OK);
    free(big);
    double nan_ = NAN;
    assert_int_equal(ccs_he_ckks_encode_real(f->c, &nan_, 1, 0, 0, pt), CCS_ERR_INVALID_ARG);
    ccs_he_ciphertext_free(ct);
    ccs_he_plaintext_free(pt);
    free(z);
    free(out);
}

static void cmul(double *r, const double *a, const double *b, size_t slots) {
    for (size_t i = 0; i < slots; i++) {
        double re = a[2 * i] * b[2 * i] - a[2 * i + 1] * b[2 * i + 1];
        double im = a[2 * i] * b[2 * i + 1] + a[2 * i + 1] * b[2 * i];
        r[2 * i] = re, r[2 * i + 1] = im;
    }
}

static void test_ops(void **state) {
    fx *f = *state;
    size_t S = f->slots;
    double *x = rand_vec(S), *y = rand_vec(S), *w = malloc(2 * S * sizeof *w);
    ccs_he_ciphertext *a = enc(f, x), *b = enc(f, y), *r = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &r), CCS_OK);
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &pt), CCS_OK);

    assert_int_equal(ccs_he_ckks_add(f->c, a, b, r), CCS_OK);
    for (size_t i = 0; i < 2 * S; i++) w[i] = x[i] + y[i];
    ASSERT_BELOW(err_of(f, r, w), FRESH_BOUND);
    assert_int_equal(ccs_he_ckks_sub(f->c, a, b, r), CCS_OK);
    for (size_t i = 0; i < 2 * S; i++) w[i] = x[i] - y[i];
    ASSERT_BELOW(err_of(f, r, w), FRESH_BOUND);
    assert_int_equal(ccs_he_ckks_negate(f->c, a, r), CCS_OK);
    for (size_t i = 0; i < 2 * S; i++) w[i] = -x[i];
    ASSERT_BELOW(err_of(f, r, w), FRESH_BOUND);
    /* add_plain */
    assert_int_equal(ccs_he_ckks_encode(f->c, y, S, 0, 0, pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_add_plain(f->c, a, pt, r), CCS_OK);
    for (size_t i = 0; i < 2 * S; i++) w[i] = x[i] + y[i];
    ASSERT_BELOW(err_of(f, r, w), FRESH_BOUND);
    /* multiply_plain, then rescale */
    assert_int_equal(ccs_he_ckks_multiply_plain(f->c, a, pt, r), CCS_OK);
    assert_true(ccs_he_ckks_scale(r) == 0x1p80);
    cmul(w, x, y, S);
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    assert_int_equal(ccs_he_ckks_rescale(f->c, r, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_level(r), 3);
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    /* multiply (size 3 decrypts too), relinearize, rescale */
    assert_int_equal(ccs_he_ckks_multiply(f->c, a, b, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_size(r), 3);
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    assert_int_equal(ccs_he_ckks_relinearize(f->c, f->rk, r, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_size(r), 2);
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    assert_int_equal(ccs_he_ckks_rescale(f->c, r, r), CCS_OK);
    double s = ccs_he_ckks_scale(r);
    assert_true(fabs(log2(s) - 40) < 0.01);
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    /* the fused form, aliasing an input */
    ccs_he_ciphertext *a2 = enc(f, x);
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, a2, b, a2), CCS_OK);
    ASSERT_BELOW(err_of(f, a2, w), OP_BOUND);

    /* mismatches refused with the exact status */
    assert_int_equal(ccs_he_ckks_add(f->c, a, r, r), CCS_ERR_INVALID_ARG); /* level 4 vs 3 */
    ccs_he_ciphertext *ad = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &ad), CCS_OK);
    assert_int_equal(ccs_he_ckks_drop_level(f->c, a, ad), CCS_OK); /* level 3, scale 2^40 */
    assert_int_equal(ccs_he_ckks_add(f->c, ad, a2, r), CCS_ERR_INVALID_ARG); /* same level, scale 2^40 vs s */
    assert_int_equal(ccs_he_ckks_multiply(f->c, ad, a, r), CCS_ERR_INVALID_ARG); /* levels */
    assert_int_equal(ccs_he_ckks_add_plain(f->c, a2, pt, r), CCS_ERR_INVALID_ARG); /* scales */
    assert_int_equal(ccs_he_ckks_set_scale(a2, 0x1p40), CCS_OK);
    assert_int_equal(ccs_he_ckks_add(f->c, ad, a2, r), CCS_OK);
    ccs_he_ciphertext *t3 = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &t3), CCS_OK);
    assert_int_equal(ccs_he_ckks_multiply(f->c, a, b, t3), CCS_OK);
    assert_int_equal(ccs_he_ckks_multiply(f->c, t3, a, r), CCS_ERR_INVALID_ARG); /* size 3 */
    assert_int_equal(ccs_he_ckks_multiply(f->c, t3 /* scale 2^80 */, t3, r), CCS_ERR_INVALID_ARG);
    /* the scale would exceed Q: 2^80 x 2^80 at level 4 (~2^170) */
    assert_int_equal(ccs_he_ckks_multiply_plain(f->c, t3, pt, r), CCS_OK); /* 2^120 < 2^169 */
    assert_int_equal(ccs_he_ckks_multiply_plain(f->c, r, pt, r), CCS_OK);  /* 2^160 */
    assert_int_equal(ccs_he_ckks_multiply_plain(f->c, r, pt, r), CCS_ERR_INVALID_ARG);
    ccs_he_ciphertext *l1 = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &l1), CCS_OK);
    assert_int_equal(ccs_he_ckks_drop_level(f->c, ad, l1), CCS_OK);
    assert_int_equal(ccs_he_ckks_drop_level(f->c, l1, l1), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_level(l1), 1);
    assert_int_equal(ccs_he_ckks_rescale(f->c, l1, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_drop_level(f->c, l1, r), CCS_ERR_INVALID_ARG);
    /* the BGV/BFV entry points refuse a CKKS context (they would need t) */
    assert_int_equal(ccs_he_encrypt(f->c, f->pk, pt, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_decrypt(f->c, f->sk, a, pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_multiply(f->c, a, b, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_multiply_plain(f->c, a, pt, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotate_rows(f->c, f->gk, a, 1, r), CCS_ERR_INVALID_ARG);
    uint64_t one = 1;
    assert_int_equal(ccs_he_encode_batch(f->c, &one, 1, pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_add(f->c, ad, a2, r), CCS_OK); /* same scale */
    /* one ulp apart (as two orders of operations give): the same scale for
     * ccs_he_ckks_add and for the core alike */
    assert_int_equal(ccs_he_ckks_set_scale(a2, nextafter(ccs_he_ckks_scale(ad), INFINITY)), CCS_OK);
    assert_int_equal(ccs_he_add(f->c, ad, a2, r), CCS_OK);
    assert_int_equal(ccs_he_ckks_add(f->c, ad, a2, r), CCS_OK);
    assert_int_equal(ccs_he_ckks_set_scale(a2, 0x1p41), CCS_OK);
    assert_int_equal(ccs_he_add(f->c, ad, a2, r), CCS_ERR_INVALID_ARG); /* scales differ */

    ccs_he_ciphertext_free(l1);
    ccs_he_ciphertext_free(t3);
    ccs_he_ciphertext_free(ad);
    ccs_he_ciphertext_free(a2);
    ccs_he_ciphertext_free(a);
    ccs_he_ciphertext_free(b);
    ccs_he_ciphertext_free(r);
    ccs_he_plaintext_free(pt);
    free(x);
    free(y);
    free(w);
}

static void test_rotate(void **state) {
    fx *f = *state;
    size_t S = f->slots;
    double *x = rand_vec(S), *w = malloc(2 * S * sizeof *w);
    ccs_he_ciphertext *a = enc(f, x), *r = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &r), CCS_OK);
    int steps[] = {1, -1, 5};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(ccs_he_ckks_rotate(f->c, f->gk, a, steps[k], r), CCS_OK);
        for (size_t i = 0; i < S; i++) {
            size_t src = (i + (size_t)((long)S + steps[k])) % S;
            w[2 * i] = x[2 * src], w[2 * i + 1] = x[2 * src + 1];
        }
        ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    }
    assert_int_equal(ccs_he_ckks_conjugate(f->c, f->gk, a, r), CCS_OK);
    for (size_t i = 0; i < S; i++) w[2 * i] = x[2 * i], w[2 * i + 1] = -x[2 * i + 1];
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    /* rotation after a rescale (level 3) */
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, a, a, r), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotate(f->c, f->gk, r, 1, r), CCS_OK);
    double *sq = malloc(2 * S * sizeof *sq);
    cmul(sq, x, x, S);
    for (size_t i = 0; i < S; i++) w[2 * i] = sq[2 * ((i + 1) % S)], w[2 * i + 1] = sq[2 * ((i + 1) % S) + 1];
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    /* a step without a key; a size-3 input */
    assert_int_equal(ccs_he_ckks_rotate(f->c, f->gk, a, 2, r), CCS_ERR_NOT_FOUND);
    assert_int_equal(ccs_he_ckks_multiply(f->c, a, a, r), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotate(f->c, f->gk, r, 1, r), CCS_ERR_INVALID_ARG);
    /* rotation by 0 and by a multiple of N/2 is the identity */
    assert_int_equal(ccs_he_ckks_rotate(f->c, f->gk, a, (int)S, r), CCS_OK);
    ASSERT_BELOW(err_of(f, r, x), FRESH_BOUND);
    ccs_he_ciphertext_free(a);
    ccs_he_ciphertext_free(r);
    free(x);
    free(w);
    free(sq);
}

/* depth 2: x^2 y (y dropped to meet x^2), then depth 3: (x^2 y)^2 ... x^8-like */
static void test_depth(void **state) {
    fx *f = *state;
    size_t S = f->slots;
    double *x = rand_vec(S), *y = rand_vec(S), *w = malloc(2 * S * sizeof *w);
    ccs_he_ciphertext *a = enc(f, x), *b = enc(f, y), *r = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &r), CCS_OK);
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, a, a, r), CCS_OK); /* x^2, level 3 */
    assert_int_equal(ccs_he_ckks_drop_level(f->c, b, b), CCS_OK);
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, r, b, r), CCS_OK); /* x^2 y, level 2 */
    assert_int_equal(ccs_he_ciphertext_level(r), 2);
    cmul(w, x, x, S);
    cmul(w, w, y, S);
    ASSERT_BELOW(err_of(f, r, w), DEPTH_BOUND);
    /* depth 3: (x^2 y)^2 at level 1 */
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, r, r, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_level(r), 1);
    cmul(w, w, w, S);
    ASSERT_BELOW(err_of(f, r, w), DEPTH_BOUND);
    /* and no further: level 1 cannot be rescaled */
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, r, r, r), CCS_ERR_INVALID_ARG);
    ccs_he_ciphertext_free(a);
    ccs_he_ciphertext_free(b);
    ccs_he_ciphertext_free(r);
    free(x);
    free(y);
    free(w);
}

static void test_serial(void **state) {
    fx *f = *state;
    size_t S = f->slots;
    double *x = rand_vec(S);
    ccs_buf b = {0};
    /* params */
    assert_int_equal(ccs_he_params_save(f->c, &b), CCS_OK);
    ccs_he_params p;
    assert_int_equal(ccs_he_params_load(ccs_buf_view(&b), &p), CCS_OK);
    assert_int_equal(p.scheme, CCS_HE_CKKS);
    assert_true(p.scale == 0x1p40);
    assert_int_equal(p.t, 0);
    ccs_he_ctx *c2 = NULL;
    assert_int_equal(ccs_he_ctx_new(&p, &c2), CCS_OK);
    ccs_buf b2 = {0};
    assert_int_equal(ccs_he_params_save(c2, &b2), CCS_OK);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.ptr, b2.ptr, b.len);
    ccs_he_ctx_free(c2);
    ccs_buf_free(&b2);
    /* a bad scale in the params: refused */
    b.ptr[b.len - 1] = 0xFF; /* NaN */
    assert_int_equal(ccs_he_params_load(ccs_buf_view(&b), &p), CCS_ERR_FORMAT);
    b.len -= 8; /* the scale missing */
    assert_int_equal(ccs_he_params_load(ccs_buf_view(&b), &p), CCS_ERR_TRUNCATED);
    ccs_buf_free(&b);

    /* ciphertexts: public-key (full), after a rescale (level 3), symmetric (seeded) */
    ccs_he_ciphertext *a = enc(f, x), *r = NULL, *l = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f->c, &r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f->c, &l), CCS_OK);
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f->c, f->rk, a, a, r), CCS_OK);
    const ccs_he_ciphertext *cts[2] = {a, r};
    double *sq = malloc(2 * S * sizeof *sq);
    cmul(sq, x, x, S);
    const double *want[2] = {x, sq};
    for (size_t k = 0; k < 2; k++) {
        memset(&b, 0, sizeof b);
        assert_int_equal(ccs_he_ciphertext_save(f->c, cts[k], &b), CCS_OK);
        assert_int_equal(ccs_he_ciphertext_load(f->c, ccs_buf_view(&b), l), CCS_OK);
        assert_int_equal(ccs_he_ciphertext_level(l), ccs_he_ciphertext_level(cts[k]));
        assert_true(ccs_he_ckks_scale(l) == ccs_he_ckks_scale(cts[k]));
        ASSERT_BELOW(err_of(f, l, want[k]), OP_BOUND);
        /* a zero scale (cf at offset 4+2+2+32+3) is refused */
        memset(b.ptr + 43, 0, 8);
        assert_int_equal(ccs_he_ciphertext_load(f->c, ccs_buf_view(&b), l), CCS_ERR_FORMAT);
        ccs_buf_free(&b);
    }
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encode(f->c, x, S, 0, 0, pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt_symmetric(f->c, f->sk, pt, a), CCS_OK);
    memset(&b, 0, sizeof b);
    assert_int_equal(ccs_he_ciphertext_save(f->c, a, &b), CCS_OK);
    assert_true(b.len < 4 * 8192 * 8 + 200); /* c0 and the seed only */
    assert_int_equal(ccs_he_ciphertext_load(f->c, ccs_buf_view(&b), l), CCS_OK);
    ASSERT_BELOW(err_of(f, l, x), FRESH_BOUND);
    ccs_buf_free(&b);

    /* plaintexts: level and scale survive; a short or long input is refused */
    assert_int_equal(ccs_he_ckks_encode(f->c, x, S, 0x1p35, 2, pt), CCS_OK);
    memset(&b, 0, sizeof b);
    assert_int_equal(ccs_he_plaintext_save(f->c, pt, &b), CCS_OK);
    ccs_he_plaintext *p2 = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &p2), CCS_OK);
    assert_int_equal(ccs_he_plaintext_load(f->c, ccs_buf_view(&b), p2), CCS_OK);
    assert_int_equal(ccs_he_ckks_plaintext_level(p2), 2);
    assert_true(ccs_he_ckks_plaintext_scale(p2) == 0x1p35);
    double *out = malloc(2 * S * sizeof *out);
    assert_int_equal(ccs_he_ckks_decode(f->c, p2, out), CCS_OK);
    for (size_t i = 0; i < 2 * S; i++) assert_true(fabs(out[i] - x[i]) < 0x1p-25);
    ccs_bytes v = ccs_buf_view(&b);
    v.len -= 1;
    assert_int_equal(ccs_he_plaintext_load(f->c, v, p2), CCS_ERR_TRUNCATED);
    ccs_buf_free(&b);

    /* Galois keys round trip and still rotate */
    memset(&b, 0, sizeof b);
    assert_int_equal(ccs_he_galois_keys_save(f->c, f->gk, &b), CCS_OK);
    ccs_he_galois_keys *gk2 = NULL;
    assert_int_equal(ccs_he_galois_keys_load(f->c, ccs_buf_view(&b), &gk2), CCS_OK);
    ccs_buf_free(&b);
    ccs_he_ciphertext *fresh = enc(f, x);
    assert_int_equal(ccs_he_ckks_rotate(f->c, gk2, fresh, 1, r), CCS_OK);
    double *w = malloc(2 * S * sizeof *w);
    for (size_t i = 0; i < S; i++) w[2 * i] = x[2 * ((i + 1) % S)], w[2 * i + 1] = x[2 * ((i + 1) % S) + 1];
    ASSERT_BELOW(err_of(f, r, w), OP_BOUND);
    ccs_he_galois_keys_free(gk2);
    ccs_he_ciphertext_free(fresh);
    ccs_he_ciphertext_free(a);
    ccs_he_ciphertext_free(r);
    ccs_he_ciphertext_free(l);
    ccs_he_plaintext_free(pt);
    ccs_he_plaintext_free(p2);
    free(x);
    free(sq);
    free(out);
    free(w);
}

/* Objects of one context refused by another with more primes (same n):
 * a plaintext (fewer rows), and every kind of key (another params_id). */
static void test_other_context(void **state) {
    (void)state;
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    p.scheme = CCS_HE_CKKS, p.n = 1024, p.security = 128, p.insecure_allow = true, p.scale = 0x1p30;
    p.data_count = 1, p.data_bits[0] = 45, p.special_bits = 45;
    ccs_he_ctx *a = NULL, *b = NULL;
    assert_int_equal(ccs_he_ctx_new(&p, &a), CCS_OK);
    p.data_count = 3, p.data_bits[1] = p.data_bits[2] = 40;
    assert_int_equal(ccs_he_ctx_new(&p, &b), CCS_OK);
    ccs_he_plaintext *pa = NULL, *pb = NULL;
    ccs_he_ciphertext *cb = NULL;
    ccs_he_secret_key *sa = NULL, *sb = NULL;
    ccs_he_public_key *ka = NULL;
    ccs_he_relin_key *ra = NULL;
    ccs_he_galois_keys *ga = NULL;
    const int step = 1;
    assert_int_equal(ccs_he_ckks_plaintext_new(a, &pa), CCS_OK);
    assert_int_equal(ccs_he_ckks_plaintext_new(b, &pb), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(b, &cb), CCS_OK);
    assert_int_equal(ccs_he_keygen_secret(a, &sa), CCS_OK);
    assert_int_equal(ccs_he_keygen_secret(b, &sb), CCS_OK);
    assert_int_equal(ccs_he_keygen_public(a, sa, &ka), CCS_OK);
    assert_int_equal(ccs_he_keygen_relin(a, sa, &ra), CCS_OK);
    assert_int_equal(ccs_he_ckks_keygen_galois(a, sa, &step, 1, false, &ga), CCS_OK);
    double v[2] = {0.5, 0.25};
    assert_int_equal(ccs_he_ckks_encode(b, v, 1, 0, 0, pa), CCS_ERR_INVALID_ARG);
    assert_non_null(strstr(ccs_error_detail(), "not a CKKS plaintext of this context"));
    assert_int_equal(ccs_he_ckks_encode(b, v, 1, 0, 0, pb), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt(b, ka, pb, cb), CCS_ERR_INVALID_ARG);
    assert_non_null(strstr(ccs_error_detail(), "of another context"));
    assert_int_equal(ccs_he_ckks_encrypt_symmetric(b, sa, pb, cb), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_keygen_public(b, sa, &ka), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_encrypt_symmetric(b, sb, pb, cb), CCS_OK);
    assert_int_equal(ccs_he_ckks_decrypt(b, sa, cb, pb), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_relinearize(b, ra, cb, cb), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_rotate(b, ga, cb, 1, cb), CCS_ERR_INVALID_ARG);
    ccs_he_galois_keys_free(ga);
    ccs_he_relin_key_free(ra);
    ccs_he_public_key_free(ka);
    ccs_he_secret_key_free(sa);
    ccs_he_secret_key_free(sb);
    ccs_he_ciphertext_free(cb);
    ccs_he_plaintext_free(pa);
    ccs_he_plaintext_free(pb);
    ccs_he_ctx_free(a);
    ccs_he_ctx_free(b);
}

static void test_params(void **state) {
    (void)state;
    ccs_he_params p;
    ccs_he_ctx *c = NULL;
    /* defaults are secure: 218 bits at 8192, 418 at 16384 */
    assert_int_equal(ccs_he_params_default(CCS_HE_CKKS, 8192, &p), CCS_OK);
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    assert_true(ccs_he_ctx_total_bits(c) <= 218);
    assert_int_equal(ccs_he_ckks_slots(c), 4096);
    ccs_he_ctx_free(c);
    assert_int_equal(ccs_he_params_default(CCS_HE_CKKS, 16384, &p), CCS_OK);
    assert_int_equal(p.data_count, 9);
    assert_int_equal(ccs_he_params_default(CCS_HE_CKKS, 4096, &p), CCS_ERR_INVALID_ARG);
    /* insecure: N = 4096 with 218 bits */
    assert_int_equal(ccs_he_params_default(CCS_HE_CKKS, 8192, &p), CCS_OK);
    p.n = 4096;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_POLICY);
    assert_null(c);
    p.insecure_allow = true;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    ccs_he_ctx_free(c);
    c = NULL;
    /* CKKS takes no t; the scale must be sane */
    assert_int_equal(ccs_he_params_default(CCS_HE_CKKS, 8192, &p), CCS_OK);
    p.t = 65537;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    p.t = 0, p.scale = 0.5;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    p.scale = NAN;
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_ERR_INVALID_ARG);
    /* the CKKS entry points refuse other schemes' contexts */
    assert_int_equal(ccs_he_params_default(CCS_HE_BGV, 8192, &p), CCS_OK);
    assert_int_equal(ccs_he_ctx_new(&p, &c), CCS_OK);
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(c, &pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_slots(c), 0);
    ccs_he_ctx_free(c);
    /* precision report */
    double g[4] = {1, 0, 0.5, 0.25}, w[4] = {1, 0, 0.5, 0.25 + 0x1p-20};
    ccs_he_ckks_precision pr;
    assert_int_equal(ccs_he_ckks_precision_report(g, w, 2, &pr), CCS_OK);
    assert_true(pr.max_abs_err == 0x1p-20 && pr.bits == 20.0 && pr.log2_max_err == -20.0);
    assert_int_equal(ccs_he_ckks_precision_report(g, g, 2, &pr), CCS_OK);
    assert_true(isinf(pr.bits) && pr.bits > 0);
}

int test_group_he_ckks(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_decode_crt), cmocka_unit_test(test_ops),    cmocka_unit_test(test_rotate),
        cmocka_unit_test(test_depth),     cmocka_unit_test(test_serial), cmocka_unit_test(test_params), cmocka_unit_test(test_other_context),
    };
    return cmocka_run_group_tests_name("he/ckks", tests, setup, teardown);
}
