/* BFV: the scheme-generic tests of bgv_test.c run with a BFV context (HPS
 * multiply), and BFV specifics (no modulus switching; non-batching t). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he_rns.h"

void he_test_roundtrip(void **state);
void he_test_ops(void **state);
void he_test_rotate(void **state);
void he_test_noise(void **state);
void he_test_serial(void **state);
void he_test_default_8192(void **state);

/* A context with secret, public and relinearization keys, a plaintext and
 * two ciphertexts. */
typedef struct bfv_fix {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_plaintext *pt;
    ccs_he_ciphertext *a, *b;
} bfv_fix;

static void fix_open(const ccs_he_params *p, bfv_fix *f) {
    memset(f, 0, sizeof *f);
    assert_int_equal(ccs_he_ctx_new(p, &f->c), CCS_OK);
    assert_int_equal(ccs_he_keygen_secret(f->c, &f->sk), CCS_OK);
    assert_int_equal(ccs_he_keygen_public(f->c, f->sk, &f->pk), CCS_OK);
    assert_int_equal(ccs_he_keygen_relin(f->c, f->sk, &f->rk), CCS_OK);
    assert_int_equal(ccs_he_plaintext_new(f->c, &f->pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f->c, &f->a), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f->c, &f->b), CCS_OK);
}

static void fix_close(bfv_fix *f) {
    ccs_he_plaintext_free(f->pt);
    ccs_he_ciphertext_free(f->a);
    ccs_he_ciphertext_free(f->b);
    ccs_he_relin_key_free(f->rk);
    ccs_he_public_key_free(f->pk);
    ccs_he_secret_key_free(f->sk);
    ccs_he_ctx_free(f->c);
}

/* t = 2^16 (no batching): coefficient encoding, multiply; mod switch refused. */
static void test_bfv_coeffs(void **state) {
    (void)state;
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    p.scheme = CCS_HE_BFV, p.n = 2048, p.data_count = 2, p.data_bits[0] = p.data_bits[1] = 45;
    p.special_bits = 45, p.t = 1 << 16, p.security = 128, p.insecure_allow = true;
    bfv_fix f;
    fix_open(&p, &f);
    ccs_he_ctx *c = f.c;
    assert_false(ccs_he_ctx_batching(c));
    ccs_he_secret_key *sk = f.sk;
    ccs_he_public_key *pk = f.pk;
    ccs_he_relin_key *rk = f.rk;
    ccs_he_plaintext *pt = f.pt;
    ccs_he_ciphertext *a = f.a, *b = f.b;
    uint64_t v[2048] = {0}, w[2048];
    assert_int_equal(ccs_he_encode_batch(c, v, 1, pt), CCS_ERR_INVALID_ARG);
    /* (3 + 2x) * (5 + x^2047) = 15 + 10x + 3x^2047 + 2x^2048 = 13 + 10x + 3x^2047 */
    v[0] = 3, v[1] = 2;
    assert_int_equal(ccs_he_encode_coeffs(c, v, 2048, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(c, pk, pt, a), CCS_OK);
    memset(v, 0, sizeof v);
    v[0] = 5, v[2047] = 1;
    assert_int_equal(ccs_he_encode_coeffs(c, v, 2048, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt_symmetric(c, sk, pt, b), CCS_OK);
    assert_int_equal(ccs_he_multiply(c, a, b, a), CCS_OK);
    assert_int_equal(ccs_he_relinearize(c, rk, a, a), CCS_OK);
    assert_int_equal(ccs_he_decrypt(c, sk, a, pt), CCS_OK);
    assert_int_equal(ccs_he_decode_coeffs(c, pt, w), CCS_OK);
    assert_int_equal(w[0], 13);
    assert_int_equal(w[1], 10);
    assert_int_equal(w[2047], 3);
    for (size_t i = 2; i < 2047; i++) assert_int_equal(w[i], 0);
    assert_int_equal(ccs_he_mod_switch(c, a, a), CCS_ERR_INVALID_ARG);
    fix_close(&f);
}

/* t above the data primes (a 33-bit t, 30-bit primes): t / q_i has an
 * integer part, which decryption keeps apart from its fixed-point fraction;
 * every path (scalar and SIMD alike) decrypts, adds and multiplies right. */
static void test_bfv_t_above_primes(void **state) {
    (void)state;
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    uint64_t t;
    assert_int_equal(ccs_he_primes(1024, 33, 1, &t), CCS_OK);
    p.scheme = CCS_HE_BFV, p.n = 1024, p.data_count = 3, p.data_bits[0] = p.data_bits[1] = p.data_bits[2] = 30;
    p.special_bits = 30, p.t = t, p.security = 128, p.insecure_allow = true;
    bfv_fix f;
    fix_open(&p, &f);
    ccs_he_ctx *c = f.c;
    ccs_he_secret_key *sk = f.sk;
    ccs_he_public_key *pk = f.pk;
    ccs_he_relin_key *rk = f.rk;
    ccs_he_plaintext *pt = f.pt;
    ccs_he_ciphertext *a = f.a, *b = f.b;
    uint64_t v[1024] = {1, 2, 3, t - 1}, w[1024];
    assert_int_equal(ccs_he_encode_coeffs(c, v, 4, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(c, pk, pt, a), CCS_OK);
    assert_int_equal(ccs_he_decrypt(c, sk, a, pt), CCS_OK);
    assert_int_equal(ccs_he_decode_coeffs(c, pt, w), CCS_OK);
    assert_int_equal(w[0], 1);
    assert_int_equal(w[1], 2);
    assert_int_equal(w[2], 3);
    assert_int_equal(w[3], t - 1);
    for (size_t i = 4; i < 1024; i++) assert_int_equal(w[i], 0);
    /* (1 + 2x + 3x^2 - x^3) + (t - 2) = t - 1 + 2x + 3x^2 - x^3; times 7 */
    memset(v, 0, sizeof v);
    v[0] = t - 2;
    assert_int_equal(ccs_he_encode_coeffs(c, v, 1, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt_symmetric(c, sk, pt, b), CCS_OK);
    assert_int_equal(ccs_he_add(c, a, b, a), CCS_OK);
    v[0] = 7;
    assert_int_equal(ccs_he_encode_coeffs(c, v, 1, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(c, pk, pt, b), CCS_OK);
    assert_int_equal(ccs_he_multiply(c, a, b, a), CCS_OK);
    assert_int_equal(ccs_he_relinearize(c, rk, a, a), CCS_OK);
    assert_int_equal(ccs_he_decrypt(c, sk, a, pt), CCS_OK);
    assert_int_equal(ccs_he_decode_coeffs(c, pt, w), CCS_OK);
    assert_int_equal(w[0], t - 7);
    assert_int_equal(w[1], 14);
    assert_int_equal(w[2], 21);
    assert_int_equal(w[3], t - 7);
    fix_close(&f);
}

/* A long chain (14 data primes of 50 bits; 16 auxiliary primes for HPS):
 * the accumulations fold in groups of 15 products. */
static void test_bfv_long_chain(void **state) {
    (void)state;
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    p.scheme = CCS_HE_BFV, p.n = 2048, p.data_count = 14, p.special_bits = 50, p.t = 65537, p.security = 128;
    p.insecure_allow = true;
    for (size_t i = 0; i < 14; i++) p.data_bits[i] = 50;
    bfv_fix f;
    fix_open(&p, &f);
    ccs_he_ctx *c = f.c;
    ccs_he_secret_key *sk = f.sk;
    ccs_he_plaintext *pt = f.pt;
    ccs_he_ciphertext *a = f.a;
    static uint64_t v[2048], w[2048];
    for (size_t i = 0; i < 2048; i++) v[i] = (i * 40503u + 7) % 65537;
    assert_int_equal(ccs_he_encode_batch(c, v, 2048, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(c, f.pk, pt, a), CCS_OK);
    for (int r = 0; r < 3; r++) {
        assert_int_equal(ccs_he_multiply(c, a, a, a), CCS_OK);
        assert_int_equal(ccs_he_relinearize(c, f.rk, a, a), CCS_OK);
        for (size_t i = 0; i < 2048; i++) v[i] = v[i] * v[i] % 65537;
    }
    assert_int_equal(ccs_he_decrypt(c, sk, a, pt), CCS_OK);
    assert_int_equal(ccs_he_decode_batch(c, pt, w), CCS_OK);
    assert_memory_equal(v, w, sizeof v);
    int b = 0;
    assert_int_equal(ccs_he_noise_budget(c, sk, a, &b), CCS_OK);
    assert_true(b > 100);
    fix_close(&f);
}

static ccs_he_scheme bfv = CCS_HE_BFV;

int test_group_he_bfv(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(he_test_roundtrip, &bfv), cmocka_unit_test_prestate(he_test_ops, &bfv),
        cmocka_unit_test_prestate(he_test_rotate, &bfv),    cmocka_unit_test_prestate(he_test_noise, &bfv),
        cmocka_unit_test_prestate(he_test_serial, &bfv),    cmocka_unit_test_prestate(he_test_default_8192, &bfv),
        cmocka_unit_test(test_bfv_coeffs), cmocka_unit_test(test_bfv_t_above_primes),                  cmocka_unit_test(test_bfv_long_chain),
    };
    return cmocka_run_group_tests_name("he/bfv", tests, NULL, NULL);
}
