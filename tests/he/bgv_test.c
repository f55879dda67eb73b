/* BGV, and the scheme-generic tests that bfv_test.c runs for BFV too (the
 * scheme comes in through the cmocka state): decrypt(encrypt(m)) = m with
 * the public and the secret key, batching and coefficient encoding, every
 * homomorphic operation against the plaintext computation mod t (slot-wise),
 * rotations, modulus switching (BGV), the noise budget, serialization round
 * trips and malformed serialized objects refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he_rns.h"

static uint64_t rs = 0xA5A5A5A55A5A5A5Aull;
static uint64_t rnd(void) {
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct fx {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_galois_keys *gk;
    size_t n;
    uint64_t t;
} fx;

/* N = 4096, 3 data primes of 45 bits + a 45-bit special prime (insecure
 * for speed is not needed: 180 <= 218 at 4096? no, 109 is the bound, so
 * insecure_allow), t = 65537. */
static void fx_init(fx *f, ccs_he_scheme s) {
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    p.scheme = s, p.n = 4096, p.data_count = 3, p.special_bits = 45, p.t = 65537, p.security = 128;
    p.insecure_allow = true;
    for (int i = 0; i < 3; i++) p.data_bits[i] = 45;
    memset(f, 0, sizeof *f);
    assert_int_equal(ccs_he_ctx_new(&p, &f->c), CCS_OK);
    assert_int_equal(ccs_he_keygen_secret(f->c, &f->sk), CCS_OK);
    assert_int_equal(ccs_he_keygen_public(f->c, f->sk, &f->pk), CCS_OK);
    assert_int_equal(ccs_he_keygen_relin(f->c, f->sk, &f->rk), CCS_OK);
    int steps[] = {1, -1, 5, 100};
    assert_int_equal(ccs_he_keygen_galois(f->c, f->sk, steps, 4, true, &f->gk), CCS_OK);
    f->n = p.n, f->t = p.t;
}

static void fx_free(fx *f) {
    ccs_he_galois_keys_free(f->gk);
    ccs_he_relin_key_free(f->rk);
    ccs_he_public_key_free(f->pk);
    ccs_he_secret_key_free(f->sk);
    ccs_he_ctx_free(f->c);
}

static void random_vals(uint64_t *v, size_t n, uint64_t t) {
    for (size_t i = 0; i < n; i++) v[i] = rnd() % t;
}

static ccs_he_ciphertext *enc(fx *f, const uint64_t *v, bool sym) {
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *ct = NULL;
    assert_int_equal(ccs_he_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f->c, &ct), CCS_OK);
    assert_int_equal(ccs_he_encode_batch(f->c, v, f->n, pt), CCS_OK);
    if (sym) assert_int_equal(ccs_he_encrypt_symmetric(f->c, f->sk, pt, ct), CCS_OK);
    else assert_int_equal(ccs_he_encrypt(f->c, f->pk, pt, ct), CCS_OK);
    ccs_he_plaintext_free(pt);
    return ct;
}

static void check(fx *f, const ccs_he_ciphertext *ct, const uint64_t *want, const char *what) {
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_he_decrypt(f->c, f->sk, ct, pt), CCS_OK);
    uint64_t *got = malloc(f->n * sizeof *got);
    assert_int_equal(ccs_he_decode_batch(f->c, pt, got), CCS_OK);
    for (size_t i = 0; i < f->n; i++)
        if (got[i] != want[i]) fail_msg("%s: slot %zu: %llu != %llu", what, i, (unsigned long long)got[i],
                                        (unsigned long long)want[i]);
    free(got);
    ccs_he_plaintext_free(pt);
}

static ccs_he_scheme scheme_of(void **state) { return *(ccs_he_scheme *)*state; }

void he_test_roundtrip(void **state) {
    fx f;
    fx_init(&f, scheme_of(state));
    uint64_t *v = calloc(f.n, 8);
    random_vals(v, f.n, f.t);
    v[0] = 0, v[1] = f.t - 1, v[2] = 1;
    for (int sym = 0; sym < 2; sym++) {
        ccs_he_ciphertext *ct = enc(&f, v, sym);
        assert_int_equal(ccs_he_ciphertext_level(ct), 3);
        assert_int_equal(ccs_he_ciphertext_size(ct), 2);
        check(&f, ct, v, sym ? "symmetric" : "public key");
        int b = 0;
        assert_int_equal(ccs_he_noise_budget(f.c, f.sk, ct, &b), CCS_OK);
        assert_true(b > 60);
        ccs_he_ciphertext_free(ct);
    }
    /* coefficient encoding */
    ccs_he_plaintext *pt = NULL, *out = NULL;
    ccs_he_ciphertext *ct = NULL;
    assert_int_equal(ccs_he_plaintext_new(f.c, &pt), CCS_OK);
    assert_int_equal(ccs_he_plaintext_new(f.c, &out), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &ct), CCS_OK);
    assert_int_equal(ccs_he_encode_coeffs(f.c, v, 100, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(f.c, f.pk, pt, ct), CCS_OK);
    assert_int_equal(ccs_he_decrypt(f.c, f.sk, ct, out), CCS_OK);
    uint64_t *w = calloc(f.n, 8);
    assert_int_equal(ccs_he_decode_coeffs(f.c, out, w), CCS_OK);
    assert_memory_equal(w, v, 100 * 8);
    for (size_t i = 100; i < f.n; i++) assert_int_equal(w[i], 0);
    /* x^1 * x^(n-1) = -1: negacyclic through ct x pt */
    uint64_t one[4096] = {0};
    one[1] = 1;
    assert_int_equal(ccs_he_encode_coeffs(f.c, one, f.n, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(f.c, f.pk, pt, ct), CCS_OK);
    one[1] = 0, one[f.n - 1] = 1;
    assert_int_equal(ccs_he_encode_coeffs(f.c, one, f.n, pt), CCS_OK);
    assert_int_equal(ccs_he_multiply_plain(f.c, ct, pt, ct), CCS_OK);
    assert_int_equal(ccs_he_decrypt(f.c, f.sk, ct, out), CCS_OK);
    assert_int_equal(ccs_he_decode_coeffs(f.c, out, w), CCS_OK);
    assert_int_equal(w[0], f.t - 1);
    for (size_t i = 1; i < f.n; i++) assert_int_equal(w[i], 0);
    /* refusals */
    v[0] = f.t;
    assert_int_equal(ccs_he_encode_batch(f.c, v, f.n, pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_encode_coeffs(f.c, v, f.n, pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_encode_batch(f.c, v, f.n + 1, pt), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_encrypt(f.c, NULL, pt, ct), CCS_ERR_INVALID_ARG);
    free(w);
    free(v);
    ccs_he_ciphertext_free(ct);
    ccs_he_plaintext_free(pt);
    ccs_he_plaintext_free(out);
    fx_free(&f);
}

void he_test_ops(void **state) {
    fx f;
    fx_init(&f, scheme_of(state));
    size_t n = f.n;
    uint64_t t = f.t, *a = calloc(n, 8), *b = calloc(n, 8), *w = calloc(n, 8);
    random_vals(a, n, t);
    random_vals(b, n, t);
    ccs_he_ciphertext *ca = enc(&f, a, false), *cb = enc(&f, b, true), *r = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f.c, &r), CCS_OK);
    assert_int_equal(ccs_he_add(f.c, ca, cb, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = (a[i] + b[i]) % t;
    check(&f, r, w, "add");
    assert_int_equal(ccs_he_sub(f.c, ca, cb, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = (a[i] + t - b[i]) % t;
    check(&f, r, w, "sub");
    assert_int_equal(ccs_he_negate(f.c, ca, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = (t - a[i]) % t;
    check(&f, r, w, "negate");
    ccs_he_plaintext *pb = NULL;
    assert_int_equal(ccs_he_plaintext_new(f.c, &pb), CCS_OK);
    assert_int_equal(ccs_he_encode_batch(f.c, b, n, pb), CCS_OK);
    assert_int_equal(ccs_he_add_plain(f.c, ca, pb, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = (a[i] + b[i]) % t;
    check(&f, r, w, "add_plain");
    assert_int_equal(ccs_he_multiply_plain(f.c, ca, pb, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = a[i] * b[i] % t;
    check(&f, r, w, "multiply_plain");
    assert_int_equal(ccs_he_multiply(f.c, ca, cb, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_size(r), 3);
    check(&f, r, w, "multiply (size 3)");
    assert_int_equal(ccs_he_relinearize(f.c, f.rk, r, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_size(r), 2);
    check(&f, r, w, "multiply + relinearize");
    /* (a*b) + a, in place */
    assert_int_equal(ccs_he_add(f.c, r, ca, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = (w[i] + a[i]) % t;
    check(&f, r, w, "a*b + a");
    /* a size-3 operand in add */
    ccs_he_ciphertext *r3 = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f.c, &r3), CCS_OK);
    assert_int_equal(ccs_he_multiply(f.c, ca, ca, r3), CCS_OK);
    assert_int_equal(ccs_he_sub(f.c, cb, r3, r3), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = (b[i] + t - a[i] * a[i] % t) % t;
    check(&f, r3, w, "b - a^2 (size 3)");
    assert_int_equal(ccs_he_multiply(f.c, r3, ca, r), CCS_ERR_INVALID_ARG); /* size 3 */
    assert_int_equal(ccs_he_rotate_rows(f.c, f.gk, r3, 1, r), CCS_ERR_INVALID_ARG);
    ccs_he_ciphertext_free(r3);
    ccs_he_plaintext_free(pb);
    ccs_he_ciphertext_free(ca);
    ccs_he_ciphertext_free(cb);
    ccs_he_ciphertext_free(r);
    free(a), free(b), free(w);
    fx_free(&f);
}

void he_test_rotate(void **state) {
    fx f;
    fx_init(&f, scheme_of(state));
    size_t n = f.n, h = n / 2;
    uint64_t *a = calloc(n, 8), *w = calloc(n, 8);
    random_vals(a, n, f.t);
    ccs_he_ciphertext *ca = enc(&f, a, false), *r = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f.c, &r), CCS_OK);
    int steps[] = {1, -1, 5, 100, 0};
    for (size_t s = 0; s < 5; s++) {
        assert_int_equal(ccs_he_rotate_rows(f.c, f.gk, ca, steps[s], r), CCS_OK);
        for (size_t row = 0; row < 2; row++)
            for (size_t i = 0; i < h; i++)
                w[row * h + i] = a[row * h + ((i + (size_t)((long)h + steps[s])) % h)];
        check(&f, r, w, "rotate rows");
    }
    assert_int_equal(ccs_he_rotate_columns(f.c, f.gk, ca, r), CCS_OK);
    for (size_t i = 0; i < h; i++) w[i] = a[h + i], w[h + i] = a[i];
    check(&f, r, w, "rotate columns");
    assert_int_equal(ccs_he_rotate_rows(f.c, f.gk, ca, 2, r), CCS_ERR_NOT_FOUND);
    free(a), free(w);
    ccs_he_ciphertext_free(ca);
    ccs_he_ciphertext_free(r);
    fx_free(&f);
}

/* Squaring until the budget runs out: the budget decreases, and decryption
 * is right while it is positive. */
void he_test_noise(void **state) {
    fx f;
    ccs_he_scheme s = scheme_of(state);
    fx_init(&f, s);
    size_t n = f.n;
    uint64_t t = f.t, *a = calloc(n, 8);
    random_vals(a, n, t);
    ccs_he_ciphertext *ca = enc(&f, a, false);
    int prev = 0;
    assert_int_equal(ccs_he_noise_budget(f.c, f.sk, ca, &prev), CCS_OK);
    int rounds = 0;
    for (; rounds < 8; rounds++) {
        assert_int_equal(ccs_he_multiply(f.c, ca, ca, ca), CCS_OK);
        assert_int_equal(ccs_he_relinearize(f.c, f.rk, ca, ca), CCS_OK);
        for (size_t i = 0; i < n; i++) a[i] = a[i] * a[i] % t;
        if (s == CCS_HE_BGV && ccs_he_ciphertext_level(ca) > 1) assert_int_equal(ccs_he_mod_switch(f.c, ca, ca), CCS_OK);
        int b = 0;
        assert_int_equal(ccs_he_noise_budget(f.c, f.sk, ca, &b), CCS_OK);
        if (b == 0) break;
        assert_true(b < prev);
        prev = b;
        check(&f, ca, a, "repeated squaring");
    }
    assert_true(rounds >= 1);
    free(a);
    ccs_he_ciphertext_free(ca);
    fx_free(&f);
}

static void test_mod_switch(void **state) {
    fx f;
    fx_init(&f, CCS_HE_BGV);
    (void)state;
    size_t n = f.n;
    uint64_t t = f.t, *a = calloc(n, 8), *b = calloc(n, 8), *w = calloc(n, 8);
    random_vals(a, n, t);
    random_vals(b, n, t);
    ccs_he_ciphertext *ca = enc(&f, a, false), *cb = enc(&f, b, false), *r = NULL, *s = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f.c, &r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &s), CCS_OK);
    assert_int_equal(ccs_he_mod_switch(f.c, ca, r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_level(r), 2);
    check(&f, r, a, "mod switch");
    assert_int_equal(ccs_he_add(f.c, r, cb, s), CCS_ERR_INVALID_ARG); /* levels differ */
    assert_int_equal(ccs_he_mod_switch(f.c, cb, s), CCS_OK);
    assert_int_equal(ccs_he_multiply(f.c, r, s, r), CCS_OK);
    assert_int_equal(ccs_he_relinearize(f.c, f.rk, r, r), CCS_OK);
    for (size_t i = 0; i < n; i++) w[i] = a[i] * b[i] % t;
    check(&f, r, w, "mod switch, multiply, relinearize at level 2");
    assert_int_equal(ccs_he_rotate_rows(f.c, f.gk, r, 1, s), CCS_OK);
    uint64_t *w2 = calloc(n, 8);
    for (size_t row = 0; row < 2; row++)
        for (size_t i = 0; i < n / 2; i++) w2[row * n / 2 + i] = w[row * n / 2 + (i + 1) % (n / 2)];
    check(&f, s, w2, "rotate at level 2");
    /* different correction factors: (a*b at level 2, cf = q2^-2) + (a at level 2, cf = q2^-1) */
    assert_int_equal(ccs_he_mod_switch(f.c, ca, s), CCS_OK);
    assert_int_equal(ccs_he_add(f.c, r, s, s), CCS_OK);
    for (size_t i = 0; i < n; i++) w2[i] = (w[i] + a[i]) % t;
    check(&f, s, w2, "add with different correction factors");
    assert_int_equal(ccs_he_mod_switch(f.c, s, s), CCS_OK);
    assert_int_equal(ccs_he_mod_switch(f.c, s, s), CCS_ERR_INVALID_ARG); /* level 1 */
    check(&f, s, w2, "level 1");
    free(a), free(b), free(w), free(w2);
    ccs_he_ciphertext_free(ca);
    ccs_he_ciphertext_free(cb);
    ccs_he_ciphertext_free(r);
    ccs_he_ciphertext_free(s);
    fx_free(&f);
}

static void flip_refused(const ccs_buf *b, ccs_status (*load)(const void *, ccs_bytes), const void *arg) {
    uint8_t *copy = malloc(b->len);
    memcpy(copy, b->ptr, b->len);
    /* truncations */
    size_t cuts[] = {0, 3, 8, 39, 40, b->len / 2, b->len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        if (cuts[i] < b->len) assert_int_not_equal(load(arg, ccs_bytes_of(copy, cuts[i])), CCS_OK);
    /* trailing byte */
    uint8_t *longer = malloc(b->len + 1);
    memcpy(longer, b->ptr, b->len);
    longer[b->len] = 0;
    assert_int_equal(load(arg, ccs_bytes_of(longer, b->len + 1)), CCS_ERR_TRAILING);
    free(longer);
    /* flipped bytes in the header, the params id */
    size_t flips[] = {0, 4, 6, 8, 20}; /* 20: inside the params id (params: inside t, valid) */
    for (size_t i = 0; i < sizeof flips / sizeof *flips - (arg == NULL); i++) {
        copy[flips[i]] ^= 0x40;
        assert_int_not_equal(load(arg, ccs_bytes_of(copy, b->len)), CCS_OK);
        copy[flips[i]] ^= 0x40;
    }
    assert_int_equal(load(arg, ccs_bytes_of(copy, b->len)), CCS_OK);
    free(copy);
}

typedef struct la {
    fx *f;
    ccs_he_ciphertext *ct;
} la;
static ccs_status load_ct(const void *p, ccs_bytes in) {
    const la *x = p;
    return ccs_he_ciphertext_load(x->f->c, in, x->ct);
}
static ccs_status load_pk(const void *p, ccs_bytes in) {
    ccs_he_public_key *k = NULL;
    ccs_status st = ccs_he_public_key_load(((const la *)p)->f->c, in, &k);
    ccs_he_public_key_free(k);
    return st;
}
static ccs_status load_rk(const void *p, ccs_bytes in) {
    ccs_he_relin_key *k = NULL;
    ccs_status st = ccs_he_relin_key_load(((const la *)p)->f->c, in, &k);
    ccs_he_relin_key_free(k);
    return st;
}
static ccs_status load_sk(const void *p, ccs_bytes in) {
    ccs_he_secret_key *k = NULL;
    ccs_status st = ccs_he_secret_key_load(((const la *)p)->f->c, in, &k);
    ccs_he_secret_key_free(k);
    return st;
}
static ccs_status load_params(const void *p, ccs_bytes in) {
    (void)p;
    ccs_he_params x;
    return ccs_he_params_load_insecure(in, &x);
}

void he_test_serial(void **state) {
    fx f;
    ccs_he_scheme sch = scheme_of(state);
    fx_init(&f, sch);
    size_t n = f.n;
    uint64_t *a = calloc(n, 8), *w = calloc(n, 8);
    random_vals(a, n, f.t);
    ccs_buf b = {0};
    /* params */
    assert_int_equal(ccs_he_params_save(f.c, &b), CCS_OK);
    ccs_he_params p;
    /* the fixture's parameters are insecure_allow: refused unless opted in */
    assert_int_equal(ccs_he_params_load(ccs_buf_view(&b), &p), CCS_ERR_POLICY);
    assert_non_null(strstr(ccs_error_detail(), "marked insecure_allow"));
    assert_int_equal(ccs_he_params_load_insecure(ccs_buf_view(&b), &p), CCS_OK);
    assert_int_equal(p.n, n);
    assert_int_equal(p.scheme, sch);
    assert_int_equal(p.data_count, 3);
    flip_refused(&b, load_params, NULL);
    b.ptr[b.len - 1] ^= 1; /* a prime that these parameters do not make */
    assert_int_equal(ccs_he_params_load_insecure(ccs_buf_view(&b), &p), CCS_ERR_FORMAT);
    ccs_buf_free(&b);
    /* keys: reload and use */
    ccs_he_secret_key *sk2 = NULL;
    ccs_he_public_key *pk2 = NULL;
    ccs_he_relin_key *rk2 = NULL;
    ccs_he_galois_keys *gk2 = NULL;
    la arg = {&f, NULL};
    assert_int_equal(ccs_he_secret_key_save(f.c, f.sk, &b), CCS_OK);
    assert_int_equal(ccs_he_secret_key_load(f.c, ccs_buf_view(&b), &sk2), CCS_OK);
    flip_refused(&b, load_sk, &arg);
    ccs_buf_free(&b);
    assert_int_equal(ccs_he_public_key_save(f.c, f.pk, &b), CCS_OK);
    assert_int_equal(b.len, 8 + 32 + 32 + 3 * n * 8); /* a travels as its seed */
    assert_int_equal(ccs_he_public_key_load(f.c, ccs_buf_view(&b), &pk2), CCS_OK);
    flip_refused(&b, load_pk, &arg);
    /* a residue >= q */
    memset(b.ptr + b.len - 8, 0xff, 8);
    assert_int_equal(load_pk(&arg, ccs_buf_view(&b)), CCS_ERR_FORMAT);
    ccs_buf_free(&b);
    assert_int_equal(ccs_he_relin_key_save(f.c, f.rk, &b), CCS_OK);
    assert_int_equal(ccs_he_relin_key_load(f.c, ccs_buf_view(&b), &rk2), CCS_OK);
    flip_refused(&b, load_rk, &arg);
    ccs_buf_free(&b);
    assert_int_equal(ccs_he_galois_keys_save(f.c, f.gk, &b), CCS_OK);
    assert_int_equal(ccs_he_galois_keys_load(f.c, ccs_buf_view(&b), &gk2), CCS_OK);
    ccs_he_galois_keys *gk3 = NULL;
    assert_int_equal(ccs_he_galois_keys_load(f.c, ccs_bytes_of(b.ptr, b.len - 1), &gk3), CCS_ERR_TRUNCATED);
    ccs_buf_free(&b);
    /* ciphertext made with the reloaded public key, decrypted with the reloaded secret key */
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *ct = NULL, *ct2 = NULL;
    assert_int_equal(ccs_he_plaintext_new(f.c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &ct), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &ct2), CCS_OK);
    assert_int_equal(ccs_he_encode_batch(f.c, a, n, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(f.c, pk2, pt, ct), CCS_OK);
    assert_int_equal(ccs_he_multiply(f.c, ct, ct, ct), CCS_OK);
    assert_int_equal(ccs_he_relinearize(f.c, rk2, ct, ct), CCS_OK);
    assert_int_equal(ccs_he_rotate_rows(f.c, gk2, ct, 1, ct), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_save(f.c, ct, &b), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_load(f.c, ccs_buf_view(&b), ct2), CCS_OK);
    arg.ct = ct2;
    flip_refused(&b, load_ct, &arg);
    ccs_buf_free(&b);
    ccs_he_plaintext *out = NULL;
    assert_int_equal(ccs_he_plaintext_new(f.c, &out), CCS_OK);
    assert_int_equal(ccs_he_decrypt(f.c, sk2, ct2, out), CCS_OK);
    assert_int_equal(ccs_he_decode_batch(f.c, out, w), CCS_OK);
    for (size_t row = 0; row < 2; row++)
        for (size_t i = 0; i < n / 2; i++) {
            uint64_t x = a[row * n / 2 + (i + 1) % (n / 2)];
            assert_int_equal(w[row * n / 2 + i], x * x % f.t);
        }
    /* symmetric ciphertexts serialize with their seed: about half the size */
    assert_int_equal(ccs_he_encrypt_symmetric(f.c, f.sk, pt, ct), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_save(f.c, ct, &b), CCS_OK);
    assert_int_equal(b.len, 8 + 32 + 11 + 32 + 3 * n * 8);
    assert_int_equal(ccs_he_ciphertext_load(f.c, ccs_buf_view(&b), ct2), CCS_OK);
    flip_refused(&b, load_ct, &arg);
    assert_int_equal(ccs_he_decrypt(f.c, f.sk, ct2, out), CCS_OK);
    assert_int_equal(ccs_he_decode_batch(f.c, out, w), CCS_OK);
    assert_memory_equal(w, a, n * 8);
    /* malformed header fields */
    b.ptr[40] = 9; /* level */
    assert_int_equal(ccs_he_ciphertext_load(f.c, ccs_buf_view(&b), ct2), CCS_ERR_FORMAT);
    b.ptr[40] = 3, b.ptr[41] = 4; /* size */
    assert_int_equal(ccs_he_ciphertext_load(f.c, ccs_buf_view(&b), ct2), CCS_ERR_FORMAT);
    b.ptr[41] = 2, b.ptr[42] = 2; /* seeded flag */
    assert_int_equal(ccs_he_ciphertext_load(f.c, ccs_buf_view(&b), ct2), CCS_ERR_FORMAT);
    b.ptr[42] = 1;
    b.ptr[4] = 2; /* version */
    assert_int_equal(ccs_he_ciphertext_load(f.c, ccs_buf_view(&b), ct2), CCS_ERR_UNSUPPORTED);
    ccs_buf_free(&b);
    /* plaintext */
    assert_int_equal(ccs_he_plaintext_save(f.c, pt, &b), CCS_OK);
    assert_int_equal(ccs_he_plaintext_load(f.c, ccs_buf_view(&b), out), CCS_OK);
    assert_int_equal(ccs_he_decode_batch(f.c, out, w), CCS_OK);
    assert_memory_equal(w, a, n * 8);
    assert_int_equal(ccs_he_plaintext_load(f.c, ccs_bytes_of(b.ptr, b.len - 1), out), CCS_ERR_TRUNCATED);
    memset(b.ptr + 40, 0xff, 8);
    assert_int_equal(ccs_he_plaintext_load(f.c, ccs_buf_view(&b), out), CCS_ERR_FORMAT);
    ccs_buf_free(&b);
    /* another parameter set's objects are refused */
    ccs_he_params q;
    assert_int_equal(ccs_he_params_default(sch, 8192, &q), CCS_OK);
    ccs_he_ctx *c2 = NULL;
    assert_int_equal(ccs_he_ctx_new(&q, &c2), CCS_OK);
    assert_int_equal(ccs_he_secret_key_save(f.c, f.sk, &b), CCS_OK);
    ccs_he_secret_key *sk3 = NULL;
    assert_int_equal(ccs_he_secret_key_load(c2, ccs_buf_view(&b), &sk3), CCS_ERR_MISMATCH);
    ccs_buf_free(&b);
    ccs_he_ctx_free(c2);
    ccs_he_plaintext_free(pt);
    ccs_he_plaintext_free(out);
    ccs_he_ciphertext_free(ct);
    ccs_he_ciphertext_free(ct2);
    ccs_he_secret_key_free(sk2);
    ccs_he_public_key_free(pk2);
    ccs_he_relin_key_free(rk2);
    ccs_he_galois_keys_free(gk2);
    free(a), free(w);
    fx_free(&f);
}

/* The default 128-bit set at N = 8192: encrypt, multiply, relinearize,
 * rotate, (BGV) mod switch. */
void he_test_default_8192(void **state) {
    ccs_he_scheme s = scheme_of(state);
    ccs_he_params p;
    fx f;
    memset(&f, 0, sizeof f);
    assert_int_equal(ccs_he_params_default(s, 8192, &p), CCS_OK);
    assert_int_equal(ccs_he_ctx_new(&p, &f.c), CCS_OK);
    f.n = 8192, f.t = p.t;
    assert_int_equal(ccs_he_keygen_secret(f.c, &f.sk), CCS_OK);
    assert_int_equal(ccs_he_keygen_public(f.c, f.sk, &f.pk), CCS_OK);
    assert_int_equal(ccs_he_keygen_relin(f.c, f.sk, &f.rk), CCS_OK);
    int steps[] = {3};
    assert_int_equal(ccs_he_keygen_galois(f.c, f.sk, steps, 1, false, &f.gk), CCS_OK);
    uint64_t *a = calloc(f.n, 8), *b = calloc(f.n, 8), *w = calloc(f.n, 8);
    random_vals(a, f.n, f.t);
    random_vals(b, f.n, f.t);
    ccs_he_ciphertext *ca = enc(&f, a, false), *cb = enc(&f, b, false);
    assert_int_equal(ccs_he_multiply(f.c, ca, cb, ca), CCS_OK);
    assert_int_equal(ccs_he_relinearize(f.c, f.rk, ca, ca), CCS_OK);
    if (s == CCS_HE_BGV) assert_int_equal(ccs_he_mod_switch(f.c, ca, ca), CCS_OK);
    assert_int_equal(ccs_he_rotate_rows(f.c, f.gk, ca, 3, ca), CCS_OK);
    size_t h = f.n / 2;
    for (size_t row = 0; row < 2; row++)
        for (size_t i = 0; i < h; i++) {
            size_t j = row * h + (i + 3) % h;
            w[row * h + i] = a[j] * b[j] % f.t;
        }
    check(&f, ca, w, "N = 8192");
    int bud = 0;
    assert_int_equal(ccs_he_noise_budget(f.c, f.sk, ca, &bud), CCS_OK);
    assert_true(bud > 20);
    free(a), free(b), free(w);
    ccs_he_ciphertext_free(ca);
    ccs_he_ciphertext_free(cb);
    fx_free(&f);
}

static ccs_he_scheme bgv = CCS_HE_BGV;

int test_group_he_bgv(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(he_test_roundtrip, &bgv), cmocka_unit_test_prestate(he_test_ops, &bgv),
        cmocka_unit_test_prestate(he_test_rotate, &bgv),    cmocka_unit_test(test_mod_switch),
        cmocka_unit_test_prestate(he_test_noise, &bgv),     cmocka_unit_test_prestate(he_test_serial, &bgv),
        cmocka_unit_test_prestate(he_test_default_8192, &bgv),
    };
    return cmocka_run_group_tests_name("he/bgv", tests, NULL, NULL);
}
