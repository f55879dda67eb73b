/* Paillier (ccs/he_paillier.h): round trips, known answers computed
 * independently (a fixed vector from Python ints, and mpz formulas here),
 * homomorphic identities against plaintext arithmetic mod n, both modes,
 * refusals with exact statuses, serialization and its malformed inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he_paillier.h"

/* Fixed vector (512-bit n, insecure size): p, q = 3 mod 4 found from
 * SHA-512 seeds; c = (n+1)^m r^n mod n^2 with Python integers. */
static const char KAT_P[] = "e1aab114fd35b684709ca95b056d42335179aa9ebd87cfdb00f2424019d337cb";
static const char KAT_Q[] = "ee89fad616184046a72d67a61bcc6c873b597ee8393ea15b7e17b49e6ebea9e3";
static const char KAT_R[] = "4dffd99cbb23bb8fb1894b5665e70979b0af03d1a2752f00667dbd83731068c1f9e1055f0cfb92c3cc46fd778f2792cb0fbf65ecf28fe5e4dc66f5560db4a8d";
static const char KAT_M[] = "54d916a969dd57a028219894e75cd750677a1886e865182b0a529b815f9aec74";
static const char KAT_C[] =
    "6ef8a9c960e2770f893390130354418d80c969f620e810ae2feedbaeed6df84198b1025f3e4991811f96a83d3915bbf2748212d08d44"
    "219472d5027bbdec84b9f3fbb43bb12347ad7d9ed1d3263f1e5ca465b2e60208193400c6e78c3ae5d7b4e7af960817afe36a2ee3c830"
    "f14816677bb565e7b4cba1fa48a370a7763862ef";

static const ccs_paillier_opts INSECURE = {.insecure_small_n = true};

typedef struct fixture {
    ccs_paillier_priv *small; /* 512-bit, generated */
    ccs_paillier_priv *kat;   /* 512-bit, from KAT_P/KAT_Q */
    ccs_paillier_priv *k2048; /* generated */
    gmp_randstate_t rs;       /* test data only, never keys */
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    gmp_randinit_default(f->rs);
    gmp_randseed_ui(f->rs, 20261126);
    mpz_t p, q;
    mpz_init_set_str(p, KAT_P, 16);
    mpz_init_set_str(q, KAT_Q, 16);
    if (ccs_paillier_keygen(512, &INSECURE, &f->small) != CCS_OK ||
        ccs_paillier_priv_from_pq(p, q, &INSECURE, &f->kat) != CCS_OK ||
        ccs_paillier_keygen(2048, NULL, &f->k2048) != CCS_OK)
        return -1;
    mpz_clears(p, q, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    ccs_paillier_priv_free(f->small);
    ccs_paillier_priv_free(f->kat);
    ccs_paillier_priv_free(f->k2048);
    gmp_randclear(f->rs);
    free(f);
    return 0;
}

static void enc_dec(const ccs_paillier_priv *k, ccs_paillier_mode mode, const mpz_t m) {
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(k);
    mpz_t c, d;
    mpz_inits(c, d, NULL);
    assert_int_equal(ccs_paillier_encrypt(pub, mode, m, c), CCS_OK);
    assert_int_equal(ccs_paillier_decrypt(k, c, d), CCS_OK);
    assert_int_equal(mpz_cmp(d, m), 0);
    mpz_clears(c, d, NULL);
}

static void test_roundtrip(void **state) {
    fixture *f = *state;
    const ccs_paillier_priv *keys[] = {f->small, f->kat, f->k2048};
    mpz_t n, m;
    mpz_inits(n, m, NULL);
    for (size_t i = 0; i < 3; i++) {
        ccs_paillier_pub_get_n(ccs_paillier_priv_pub(keys[i]), n);
        for (int mode = 0; mode < 2; mode++) {
            mpz_set_ui(m, 0);
            enc_dec(keys[i], mode, m);
            mpz_set_ui(m, 1);
            enc_dec(keys[i], mode, m);
            mpz_sub_ui(m, n, 1);
            enc_dec(keys[i], mode, m);
            for (int j = 0; j < 4; j++) {
                mpz_urandomm(m, f->rs, n);
                enc_dec(keys[i], mode, m);
            }
        }
    }
    assert_int_equal(ccs_paillier_pub_bits(ccs_paillier_priv_pub(f->k2048)), 2048);
    assert_int_equal(ccs_paillier_pub_alpha_bits(ccs_paillier_priv_pub(f->k2048)), 224);
    mpz_clears(n, m, NULL);
}

static void test_batch(void **state) {
    fixture *f = *state;
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(f->small);
    mpz_t n, m[9], c[9], d[9];
    mpz_init(n);
    ccs_paillier_pub_get_n(pub, n);
    for (int i = 0; i < 9; i++) {
        mpz_inits(m[i], c[i], d[i], NULL);
        mpz_urandomm(m[i], f->rs, n);
    }
    for (int mode = 0; mode < 2; mode++) {
        assert_int_equal(ccs_paillier_encrypt_batch(pub, mode, m, 9, c), CCS_OK);
        assert_int_equal(ccs_paillier_decrypt_batch(f->small, c, 9, d), CCS_OK);
        for (int i = 0; i < 9; i++) assert_int_equal(mpz_cmp(m[i], d[i]), 0);
    }
    assert_int_equal(ccs_paillier_encrypt_batch(pub, CCS_PAILLIER_FAST, m, 0, c), CCS_OK);
    mpz_set(m[4], n); /* out of range stops the batch */
    assert_int_equal(ccs_paillier_encrypt_batch(pub, CCS_PAILLIER_FAST, m, 9, c), CCS_ERR_INVALID_ARG);
    for (int i = 0; i < 9; i++) mpz_clears(m[i], c[i], d[i], NULL);
    mpz_clear(n);
}

static void test_known_answers(void **state) {
    fixture *f = *state;
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(f->kat);
    mpz_t n, n2, m, r, c, want, t, hs, alpha, d, lambda, mu, p, q;
    mpz_inits(n, n2, m, r, c, want, t, hs, alpha, d, lambda, mu, p, q, NULL);
    mpz_set_str(m, KAT_M, 16);
    mpz_set_str(r, KAT_R, 16);
    mpz_set_str(want, KAT_C, 16);
    ccs_paillier_pub_get_n(pub, n);
    mpz_mul(n2, n, n);
    /* the fixed vector */
    assert_int_equal(ccs_paillier_encrypt_with_r(pub, m, r, c), CCS_OK);
    assert_int_equal(mpz_cmp(c, want), 0);
    assert_int_equal(ccs_paillier_decrypt(f->kat, c, d), CCS_OK);
    assert_int_equal(mpz_cmp(d, m), 0);
    /* g^m r^n with g = n+1, recomputed here for random m, r on the 2048-bit key */
    const ccs_paillier_pub *big = ccs_paillier_priv_pub(f->k2048);
    ccs_paillier_pub_get_n(big, n);
    mpz_mul(n2, n, n);
    for (int i = 0; i < 3; i++) {
        mpz_urandomm(m, f->rs, n);
        mpz_urandomm(r, f->rs, n);
        mpz_add_ui(t, n, 1);
        mpz_powm(want, t, m, n2);
        mpz_powm(t, r, n, n2);
        mpz_mul(want, want, t);
        mpz_mod(want, want, n2);
        assert_int_equal(ccs_paillier_encrypt_with_r(big, m, r, c), CCS_OK);
        assert_int_equal(mpz_cmp(c, want), 0);
        /* fast mode: (1 + m n) hs^alpha */
        ccs_paillier_pub_get_hs(big, hs);
        mpz_urandomb(alpha, f->rs, 224);
        mpz_powm(want, hs, alpha, n2);
        mpz_mul(t, m, n);
        mpz_add_ui(t, t, 1);
        mpz_mul(want, want, t);
        mpz_mod(want, want, n2);
        assert_int_equal(ccs_paillier_encrypt_with_alpha(big, m, alpha, c), CCS_OK);
        assert_int_equal(mpz_cmp(c, want), 0);
    }
    /* CRT decryption agrees with the textbook lambda/mu one (KAT key) */
    mpz_set_str(p, KAT_P, 16);
    mpz_set_str(q, KAT_Q, 16);
    mpz_mul(n, p, q);
    mpz_mul(n2, n, n);
    mpz_sub_ui(p, p, 1);
    mpz_sub_ui(q, q, 1);
    mpz_lcm(lambda, p, q);
    mpz_add_ui(t, n, 1);
    mpz_powm(t, t, lambda, n2);
    mpz_sub_ui(t, t, 1);
    mpz_divexact(t, t, n);
    assert_true(mpz_invert(mu, t, n));
    for (int i = 0; i < 4; i++) {
        mpz_urandomm(m, f->rs, n);
        assert_int_equal(ccs_paillier_encrypt(pub, i & 1, m, c), CCS_OK);
        mpz_powm(t, c, lambda, n2);
        mpz_sub_ui(t, t, 1);
        mpz_divexact(t, t, n);
        mpz_mul(t, t, mu);
        mpz_mod(t, t, n);
        assert_int_equal(mpz_cmp(t, m), 0);
    }
    /* hs is an n-th power: it decrypts to 0 */
    ccs_paillier_pub_get_hs(pub, hs);
    assert_int_equal(ccs_paillier_decrypt(f->kat, hs, d), CCS_OK);
    assert_int_equal(mpz_sgn(d), 0);
    mpz_clears(n, n2, m, r, c, want, t, hs, alpha, d, lambda, mu, p, q, NULL);
}

static void test_modes_and_windows(void **state) {
    fixture *f = *state;
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(f->small);
    mpz_t m, c1, c2, c3, alpha, n, d;
    mpz_inits(m, c1, c2, c3, alpha, n, d, NULL);
    ccs_paillier_pub_get_n(pub, n);
    mpz_urandomm(m, f->rs, n);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, m, c1), CCS_OK);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, m, c2), CCS_OK);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_STANDARD, m, c3), CCS_OK);
    assert_int_not_equal(mpz_cmp(c1, c2), 0); /* probabilistic */
    assert_int_not_equal(mpz_cmp(c1, c3), 0);
    /* every window size gives (1 + m n) hs^alpha for the key's hs (a loaded
     * key draws its own hs: one is never read from the bytes) */
    ccs_buf ser = {0};
    assert_int_equal(ccs_paillier_pub_serialize(pub, &ser), CCS_OK);
    mpz_urandomb(alpha, f->rs, 224);
    for (unsigned w = 1; w <= 8; w++) {
        ccs_paillier_opts o = {.insecure_small_n = true, .window = w};
        ccs_paillier_pub *p2 = NULL;
        assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&ser), &o, &p2), CCS_OK);
        assert_int_equal(ccs_paillier_encrypt_with_alpha(p2, m, alpha, c2), CCS_OK);
        mpz_t n2, hs2;
        mpz_inits(n2, hs2, NULL);
        mpz_mul(n2, n, n);
        ccs_paillier_pub_get_hs(p2, hs2);
        mpz_powm(c1, hs2, alpha, n2);
        mpz_mul(c3, m, n);
        mpz_add_ui(c3, c3, 1);
        mpz_mul(c1, c1, c3);
        mpz_mod(c1, c1, n2);
        assert_int_equal(mpz_cmp(c1, c2), 0);
        assert_int_equal(ccs_paillier_decrypt(f->small, c2, d), CCS_OK);
        assert_int_equal(mpz_cmp(d, m), 0);
        mpz_clears(n2, hs2, NULL);
        ccs_paillier_pub_free(p2);
    }
    ccs_paillier_opts bad = {.insecure_small_n = true, .window = 9};
    ccs_paillier_pub *p3 = NULL;
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&ser), &bad, &p3), CCS_ERR_INVALID_ARG);
    assert_null(p3);
    /* a public key from n alone (fresh hs) encrypts for the same private key */
    assert_int_equal(ccs_paillier_pub_from_n(n, &INSECURE, &p3), CCS_OK);
    for (int mode = 0; mode < 2; mode++) {
        assert_int_equal(ccs_paillier_encrypt(p3, mode, m, c1), CCS_OK);
        assert_int_equal(ccs_paillier_decrypt(f->small, c1, d), CCS_OK);
        assert_int_equal(mpz_cmp(d, m), 0);
    }
    ccs_paillier_pub_free(p3);
    assert_int_equal(ccs_paillier_pub_dup(pub, &p3), CCS_OK);
    assert_int_equal(ccs_paillier_encrypt_with_alpha(p3, m, alpha, c2), CCS_OK);
    assert_int_equal(ccs_paillier_encrypt_with_alpha(pub, m, alpha, c1), CCS_OK);
    assert_int_equal(mpz_cmp(c1, c2), 0);
    ccs_paillier_pub_free(p3);
    ccs_buf_free(&ser);
    mpz_clears(m, c1, c2, c3, alpha, n, d, NULL);
}

static void test_homomorphic(void **state) {
    fixture *f = *state;
    const ccs_paillier_priv *keys[] = {f->small, f->k2048};
    mpz_t n, a, b, k, ca, cb, cr, d, want;
    mpz_inits(n, a, b, k, ca, cb, cr, d, want, NULL);
    for (size_t i = 0; i < 2; i++) {
        const ccs_paillier_priv *key = keys[i];
        const ccs_paillier_pub *pub = ccs_paillier_priv_pub(key);
        ccs_paillier_pub_get_n(pub, n);
        for (int rep = 0; rep < 3; rep++) {
            mpz_urandomm(a, f->rs, n);
            mpz_urandomm(b, f->rs, n);
            assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, a, ca), CCS_OK);
            assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_STANDARD, b, cb), CCS_OK);
            /* add */
            assert_int_equal(ccs_paillier_add(pub, ca, cb, cr), CCS_OK);
            assert_int_equal(ccs_paillier_decrypt(key, cr, d), CCS_OK);
            mpz_add(want, a, b);
            mpz_mod(want, want, n);
            assert_int_equal(mpz_cmp(d, want), 0);
            /* add plaintext */
            assert_int_equal(ccs_paillier_add_plain(pub, ca, b, cr), CCS_OK);
            assert_int_equal(ccs_paillier_decrypt(key, cr, d), CCS_OK);
            assert_int_equal(mpz_cmp(d, want), 0);
            /* scalar: small, negative, zero, larger than n */
            const long ks[] = {0, 1, 7, -1, -12345, 65537};
            for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
                mpz_set_si(k, ks[j]);
                assert_int_equal(ccs_paillier_mul_scalar(pub, ca, k, cr), CCS_OK);
                assert_int_equal(ccs_paillier_decrypt(key, cr, d), CCS_OK);
                mpz_mul(want, a, k);
                mpz_mod(want, want, n);
                assert_int_equal(mpz_cmp(d, want), 0);
            }
            mpz_mul(k, n, n);
            mpz_add_ui(k, k, 3);
            mpz_neg(k, k); /* -(n^2 + 3) */
            assert_int_equal(ccs_paillier_mul_scalar(pub, ca, k, cr), CCS_OK);
            assert_int_equal(ccs_paillier_decrypt(key, cr, d), CCS_OK);
            mpz_mul(want, a, k);
            mpz_mod(want, want, n);
            assert_int_equal(mpz_cmp(d, want), 0);
            /* negation and rerandomization */
            assert_int_equal(ccs_paillier_neg(pub, ca, cr), CCS_OK);
            assert_int_equal(ccs_paillier_decrypt(key, cr, d), CCS_OK);
            mpz_neg(want, a);
            mpz_mod(want, want, n);
            assert_int_equal(mpz_cmp(d, want), 0);
            for (int mode = 0; mode < 2; mode++) {
                assert_int_equal(ccs_paillier_rerandomize(pub, mode, ca, cr), CCS_OK);
                assert_int_not_equal(mpz_cmp(cr, ca), 0);
                assert_int_equal(ccs_paillier_decrypt(key, cr, d), CCS_OK);
                assert_int_equal(mpz_cmp(d, a), 0);
            }
        }
    }
    mpz_clears(n, a, b, k, ca, cb, cr, d, want, NULL);
}

static void test_signed(void **state) {
    fixture *f = *state;
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(f->small);
    mpz_t v, m, c1, c2, cr, d, k, n;
    mpz_inits(v, m, c1, c2, cr, d, k, n, NULL);
    mpz_set_si(v, -5);
    assert_int_equal(ccs_paillier_encode_signed(pub, v, m), CCS_OK);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, m, c1), CCS_OK);
    mpz_set_si(v, 3);
    assert_int_equal(ccs_paillier_encode_signed(pub, v, m), CCS_OK);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, m, c2), CCS_OK);
    assert_int_equal(ccs_paillier_add(pub, c1, c2, cr), CCS_OK); /* -2 */
    mpz_set_si(k, -7);
    assert_int_equal(ccs_paillier_mul_scalar(pub, cr, k, cr), CCS_OK); /* 14 */
    assert_int_equal(ccs_paillier_decrypt(f->small, cr, d), CCS_OK);
    assert_int_equal(ccs_paillier_decode_signed(pub, d, v), CCS_OK);
    assert_int_equal(mpz_cmp_si(v, 14), 0);
    assert_int_equal(ccs_paillier_mul_scalar(pub, c1, k, cr), CCS_OK); /* 35 */
    assert_int_equal(ccs_paillier_neg(pub, cr, cr), CCS_OK);            /* -35 */
    assert_int_equal(ccs_paillier_decrypt(f->small, cr, d), CCS_OK);
    assert_int_equal(ccs_paillier_decode_signed(pub, d, v), CCS_OK);
    assert_int_equal(mpz_cmp_si(v, -35), 0);
    /* the range edges */
    ccs_paillier_pub_get_n(pub, n);
    mpz_sub_ui(v, n, 1);
    mpz_fdiv_q_2exp(v, v, 1); /* (n-1)/2 */
    assert_int_equal(ccs_paillier_encode_signed(pub, v, m), CCS_OK);
    assert_int_equal(ccs_paillier_decode_signed(pub, m, d), CCS_OK);
    assert_int_equal(mpz_cmp(d, v), 0);
    mpz_neg(v, v);
    assert_int_equal(ccs_paillier_encode_signed(pub, v, m), CCS_OK);
    assert_int_equal(ccs_paillier_decode_signed(pub, m, d), CCS_OK);
    assert_int_equal(mpz_cmp(d, v), 0);
    mpz_sub_ui(v, v, 1);
    assert_int_equal(ccs_paillier_encode_signed(pub, v, m), CCS_ERR_OVERFLOW);
    assert_int_equal(ccs_paillier_decode_signed(pub, n, d), CCS_ERR_INVALID_ARG);
    mpz_clears(v, m, c1, c2, cr, d, k, n, NULL);
}

static void test_refusals(void **state) {
    fixture *f = *state;
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(f->small);
    ccs_paillier_priv *k = NULL;
    /* sizes */
    const unsigned bad_bits[] = {0, 512, 1024, 2047, 2050, 4096, 1536};
    for (size_t i = 0; i < sizeof bad_bits / sizeof bad_bits[0]; i++) {
        assert_int_equal(ccs_paillier_keygen(bad_bits[i], NULL, &k), CCS_ERR_INVALID_ARG);
        assert_null(k);
    }
    assert_int_equal(ccs_paillier_keygen(520, &INSECURE, &k), CCS_ERR_INVALID_ARG); /* not a multiple of 16 */
    assert_int_equal(ccs_paillier_keygen(128, &INSECURE, &k), CCS_ERR_INVALID_ARG);
    mpz_t p, q, m, c, n, n2, r, t;
    mpz_inits(p, q, m, c, n, n2, r, t, NULL);
    mpz_set_str(p, KAT_P, 16);
    mpz_set_str(q, KAT_Q, 16);
    assert_int_equal(ccs_paillier_priv_from_pq(p, q, NULL, &k), CCS_ERR_INVALID_ARG); /* 512 bits */
    assert_int_equal(ccs_paillier_priv_from_pq(p, p, &INSECURE, &k), CCS_ERR_KEY);
    mpz_add_ui(t, q, 4); /* usually composite */
    if (!mpz_probab_prime_p(t, 30)) assert_int_equal(ccs_paillier_priv_from_pq(p, t, &INSECURE, &k), CCS_ERR_KEY);
    mpz_nextprime(t, q);
    mpz_fdiv_q_2exp(t, t, 8); /* unbalanced */
    mpz_nextprime(t, t);
    assert_int_not_equal(ccs_paillier_priv_from_pq(p, t, &INSECURE, &k), CCS_OK);
    assert_null(k);
    mpz_mul(n, p, q);
    assert_int_equal(ccs_paillier_pub_from_n(n, NULL, NULL), CCS_ERR_INVALID_ARG);
    ccs_paillier_pub *pp = NULL;
    assert_int_equal(ccs_paillier_pub_from_n(n, NULL, &pp), CCS_ERR_INVALID_ARG);
    mpz_mul(t, p, p);
    assert_int_equal(ccs_paillier_pub_from_n(t, &INSECURE, &pp), CCS_ERR_KEY); /* a square */
    /* plaintext and ciphertext ranges */
    ccs_paillier_pub_get_n(pub, n);
    mpz_mul(n2, n, n);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, n, c), CCS_ERR_INVALID_ARG);
    mpz_set_si(m, -1);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_STANDARD, m, c), CCS_ERR_INVALID_ARG);
    mpz_set_ui(m, 1);
    assert_int_equal(ccs_paillier_encrypt(pub, (ccs_paillier_mode)7, m, c), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, m, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_encrypt(NULL, CCS_PAILLIER_FAST, m, c), CCS_ERR_INVALID_ARG);
    mpz_set_ui(r, 0);
    assert_int_equal(ccs_paillier_encrypt_with_r(pub, m, r, c), CCS_ERR_INVALID_ARG);
    mpz_set_str(r, KAT_P, 16); /* not a unit of the KAT key */
    assert_int_equal(ccs_paillier_encrypt_with_r(ccs_paillier_priv_pub(f->kat), m, r, c), CCS_ERR_INVALID_ARG);
    mpz_setbit(r, 230);
    assert_int_equal(ccs_paillier_encrypt_with_alpha(pub, m, r, c), CCS_ERR_INVALID_ARG);
    mpz_set_ui(c, 0);
    assert_int_equal(ccs_paillier_decrypt(f->small, c, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_add(pub, c, c, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_neg(pub, c, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_decrypt(f->small, n2, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_mul_scalar(pub, n2, r, m), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_add_plain(pub, n, n, m), CCS_ERR_INVALID_ARG);
    /* a non-unit in range (3n) is neither decrypted nor written out */
    mpz_mul_ui(t, n, 3);
    assert_int_equal(ccs_paillier_decrypt(f->small, t, m), CCS_ERR_INVALID_ARG);
    {
        ccs_buf w = {0};
        assert_int_equal(ccs_paillier_ct_serialize(pub, t, &w), CCS_ERR_INVALID_ARG);
        assert_int_equal(w.len, 0);
        ccs_buf_free(&w);
    }
    /* -k of a non-unit ciphertext (n is one, in range) */
    mpz_set_si(t, -2);
    assert_int_equal(ccs_paillier_mul_scalar(pub, n, t, m), CCS_ERR_INVALID_ARG);
    mpz_clears(p, q, m, c, n, n2, r, t, NULL);
    ccs_paillier_pub_free(NULL);
    ccs_paillier_priv_free(NULL);
}

/* -- serialization -- */

static void test_serialize(void **state) {
    fixture *f = *state;
    const ccs_paillier_priv *key = f->small;
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(key);
    ccs_buf spub = {0}, spriv = {0}, sct = {0};
    mpz_t m, c, d, n, hs, x;
    mpz_inits(m, c, d, n, hs, x, NULL);
    ccs_paillier_pub_get_n(pub, n);
    mpz_urandomm(m, f->rs, n);
    assert_int_equal(ccs_paillier_encrypt(pub, CCS_PAILLIER_FAST, m, c), CCS_OK);
    assert_int_equal(ccs_paillier_pub_serialize(pub, &spub), CCS_OK);
    assert_int_equal(ccs_paillier_priv_serialize(key, &spriv), CCS_OK);
    assert_int_equal(ccs_paillier_ct_serialize(pub, c, &sct), CCS_OK);
    assert_int_equal(spub.len, 8 + 4 + 64 + 4 + 128);
    assert_int_equal(spriv.len, spub.len + 4 + 64);
    assert_int_equal(sct.len, 8 + 4 + 128);
    static const uint8_t head[] = {'C', 'C', 'S', 'P', 1, 3, 0x02, 0x00, 0, 0, 0, 128};
    assert_memory_equal(sct.ptr, head, sizeof head);

    /* round trips */
    ccs_paillier_pub *pub2 = NULL;
    ccs_paillier_priv *key2 = NULL;
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&spub), &INSECURE, &pub2), CCS_OK);
    assert_int_equal(ccs_paillier_priv_deserialize(ccs_buf_view(&spriv), &INSECURE, &key2), CCS_OK);
    /* hs is drawn anew, not read: another one, as good (it decrypts to 0) */
    ccs_paillier_pub_get_hs(pub2, hs);
    ccs_paillier_pub_get_hs(pub, x);
    assert_int_not_equal(mpz_cmp(hs, x), 0);
    assert_int_equal(ccs_paillier_decrypt(key2, hs, d), CCS_OK);
    assert_int_equal(mpz_sgn(d), 0);
    assert_int_equal(ccs_paillier_ct_deserialize(pub2, ccs_buf_view(&sct), x), CCS_OK);
    assert_int_equal(mpz_cmp(x, c), 0);
    assert_int_equal(ccs_paillier_decrypt(key2, x, d), CCS_OK);
    assert_int_equal(mpz_cmp(d, m), 0);
    ccs_buf again = {0};
    assert_int_equal(ccs_paillier_priv_serialize(key2, &again), CCS_OK);
    assert_int_equal(again.len, spriv.len);
    ccs_paillier_priv *key3 = NULL;
    assert_int_equal(ccs_paillier_priv_deserialize(ccs_buf_view(&again), &INSECURE, &key3), CCS_OK);
    assert_int_equal(ccs_paillier_decrypt(key3, c, d), CCS_OK);
    assert_int_equal(mpz_cmp(d, m), 0);
    ccs_paillier_priv_free(key3);
    ccs_buf_free(&again);
    /* A key whose hs has order 2 (n^2 - 1): its hs is not used, so a FAST
     * ciphertext under it is not +-(1 + m n), which anyone could read. */
    {
        mpz_t n2, weak, e;
        mpz_inits(n2, weak, e, NULL);
        mpz_mul(n2, n, n);
        mpz_sub_ui(weak, n2, 1);
        ccs_buf w = {0};
        assert_int_equal(ccs_buf_append(&w, spub.ptr, spub.len), CCS_OK);
        size_t hb = (size_t)mpz_sizeinbase(n, 2) / 4; /* hs: the last field, bits/4 bytes big-endian */
        mpz_export(w.ptr + w.len - hb, NULL, 1, 1, 1, 0, weak);
        ccs_paillier_pub *wk = NULL;
        assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&w), &INSECURE, &wk), CCS_OK);
        ccs_paillier_pub_get_hs(wk, e);
        assert_int_not_equal(mpz_cmp(e, weak), 0);
        assert_int_equal(ccs_paillier_encrypt(wk, CCS_PAILLIER_FAST, m, x), CCS_OK);
        mpz_mul(e, m, n);
        mpz_add_ui(e, e, 1);
        assert_int_not_equal(mpz_cmp(x, e), 0);
        mpz_sub(e, n2, e);
        assert_int_not_equal(mpz_cmp(x, e), 0);
        assert_int_equal(ccs_paillier_decrypt(key, x, d), CCS_OK);
        assert_int_equal(mpz_cmp(d, m), 0);
        ccs_paillier_pub_free(wk);
        ccs_buf_free(&w);
        mpz_clears(n2, weak, e, NULL);
    }
    ccs_paillier_pub_free(pub2);
    ccs_paillier_priv_free(key2);
    pub2 = NULL;
    key2 = NULL;

    /* insecure sizes refused without the option */
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&spub), NULL, &pub2), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_paillier_priv_deserialize(ccs_buf_view(&spriv), NULL, &key2), CCS_ERR_INVALID_ARG);

    /* every truncation */
    for (size_t len = 0; len < sct.len; len++)
        assert_int_equal(ccs_paillier_ct_deserialize(pub, ccs_bytes_of(sct.ptr, len), x), CCS_ERR_TRUNCATED);
    for (size_t len = 0; len < spub.len; len += 7)
        assert_int_equal(ccs_paillier_pub_deserialize(ccs_bytes_of(spub.ptr, len), &INSECURE, &pub2),
                         CCS_ERR_TRUNCATED);
    for (size_t len = 0; len < spriv.len; len += 5)
        assert_int_equal(ccs_paillier_priv_deserialize(ccs_bytes_of(spriv.ptr, len), &INSECURE, &key2),
                         CCS_ERR_TRUNCATED);
    /* trailing bytes */
    ccs_buf t = {0};
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&sct)), CCS_OK);
    assert_int_equal(ccs_buf_append(&t, "", 1), CCS_OK);
    assert_int_equal(ccs_paillier_ct_deserialize(pub, ccs_buf_view(&t), x), CCS_ERR_TRAILING);
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&spub)), CCS_OK);
    assert_int_equal(ccs_buf_append(&t, "", 1), CCS_OK);
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&t), &INSECURE, &pub2), CCS_ERR_TRAILING);

    /* header bytes: magic, version, kind, bits */
    struct { size_t off; uint8_t val; ccs_status want; } hdr[] = {
        {0, 'X', CCS_ERR_FORMAT},      {3, 'Q', CCS_ERR_FORMAT}, {4, 2, CCS_ERR_UNSUPPORTED},
        {4, 0, CCS_ERR_UNSUPPORTED},   {5, 1, CCS_ERR_FORMAT},   {5, 2, CCS_ERR_FORMAT},
        {6, 0x08, CCS_ERR_FORMAT},     /* 2048-bit ciphertext for a 512-bit key */
        {7, 0x08, CCS_ERR_INVALID_ARG}, /* 520 bits */
        {11, 127, CCS_ERR_FORMAT},     {10, 1, CCS_ERR_FORMAT},  /* field length */
    };
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++) {
        assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&sct)), CCS_OK);
        t.ptr[hdr[i].off] = hdr[i].val;
        assert_int_equal(ccs_paillier_ct_deserialize(pub, ccs_buf_view(&t), x), hdr[i].want);
    }
    /* values: c >= n^2, c = 0, c a multiple of a factor (not a unit) */
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&sct)), CCS_OK);
    memset(t.ptr + 12, 0xff, 128);
    assert_int_equal(ccs_paillier_ct_deserialize(pub, ccs_buf_view(&t), x), CCS_ERR_FORMAT);
    memset(t.ptr + 12, 0, 128);
    assert_int_equal(ccs_paillier_ct_deserialize(pub, ccs_buf_view(&t), x), CCS_ERR_FORMAT);
    ccs_buf nct = {0};
    assert_int_equal(ccs_paillier_ct_serialize(pub, n, &nct), CCS_ERR_INVALID_ARG); /* in range, yet not a unit */
    assert_int_equal(ccs_buf_set(&nct, ccs_buf_view(&sct)), CCS_OK);                 /* so written by hand */
    memset(nct.ptr + 12, 0, nct.len - 12);
    mpz_export(nct.ptr + nct.len - (mpz_sizeinbase(n, 2) + 7) / 8, NULL, 1, 1, 1, 0, n);
    assert_int_equal(ccs_paillier_ct_deserialize(pub, ccs_buf_view(&nct), x), CCS_ERR_FORMAT);
    ccs_buf_free(&nct);
    /* flipped bytes anywhere in the ciphertext: refused or another valid value, never a crash */
    for (size_t i = 0; i < sct.len; i++) {
        assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&sct)), CCS_OK);
        t.ptr[i] ^= 0x5a;
        ccs_status st = ccs_paillier_ct_deserialize(pub, ccs_buf_view(&t), x);
        if (i < 12) assert_int_not_equal(st, CCS_OK);
        else if (st == CCS_OK) assert_int_not_equal(mpz_cmp(x, c), 0);
    }
    /* keys: n with the top bit cleared (not of the declared size), even n, p not dividing n, hs = 1 */
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&spub)), CCS_OK);
    t.ptr[12] &= 0x7f;
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&t), &INSECURE, &pub2), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&spub)), CCS_OK);
    t.ptr[12 + 63] &= 0xfe;
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&t), &INSECURE, &pub2), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&spub)), CCS_OK);
    memset(t.ptr + 12 + 64 + 4, 0, 128);
    t.ptr[spub.len - 1] = 1;
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&t), &INSECURE, &pub2), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&spriv)), CCS_OK);
    t.ptr[t.len - 1] ^= 2;
    assert_int_equal(ccs_paillier_priv_deserialize(ccs_buf_view(&t), &INSECURE, &key2), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&t, ccs_buf_view(&spriv)), CCS_OK);
    t.ptr[5] = 1; /* a private key read as a public one */
    assert_int_equal(ccs_paillier_pub_deserialize(ccs_buf_view(&spriv), &INSECURE, &pub2), CCS_ERR_FORMAT);
    assert_int_equal(ccs_paillier_priv_deserialize(ccs_buf_view(&spub), &INSECURE, &key2), CCS_ERR_FORMAT);
    assert_null(pub2);
    assert_null(key2);
    ccs_buf_free(&t);
    ccs_buf_free(&spub);
    ccs_buf_free(&spriv);
    ccs_buf_free(&sct);
    mpz_clears(m, c, d, n, hs, x, NULL);
}

static void test_keygen_3072(void **state) {
    (void)state;
    ccs_paillier_priv *k = NULL;
    assert_int_equal(ccs_paillier_keygen(3072, NULL, &k), CCS_OK);
    const ccs_paillier_pub *pub = ccs_paillier_priv_pub(k);
    assert_int_equal(ccs_paillier_pub_bits(pub), 3072);
    assert_int_equal(ccs_paillier_pub_alpha_bits(pub), 256);
    mpz_t m, n;
    mpz_inits(m, n, NULL);
    ccs_paillier_pub_get_n(pub, n);
    mpz_sub_ui(m, n, 2);
    enc_dec(k, CCS_PAILLIER_FAST, m);
    enc_dec(k, CCS_PAILLIER_STANDARD, m);
    ccs_buf s = {0};
    assert_int_equal(ccs_paillier_priv_serialize(k, &s), CCS_OK);
    ccs_paillier_priv *k2 = NULL;
    assert_int_equal(ccs_paillier_priv_deserialize(ccs_buf_view(&s), NULL, &k2), CCS_OK);
    enc_dec(k2, CCS_PAILLIER_FAST, m);
    ccs_buf_free(&s);
    ccs_paillier_priv_free(k2);
    mpz_clears(m, n, NULL);
    ccs_paillier_priv_free(k);
}

int test_group_he_paillier(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_batch),
        cmocka_unit_test(test_known_answers), cmocka_unit_test(test_modes_and_windows),
        cmocka_unit_test(test_homomorphic), cmocka_unit_test(test_signed),
        cmocka_unit_test(test_refusals),    cmocka_unit_test(test_serialize),
        cmocka_unit_test(test_keygen_3072),
    };
    return cmocka_run_group_tests_name("he/paillier", tests, setup, teardown);
}
