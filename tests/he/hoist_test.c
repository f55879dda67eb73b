/* Hoisted rotations (src/he/hoist.c): for BGV and BFV (N = 4096, 3 data
 * primes) the rotation from a precompute and rotate_rows_many decrypt to
 * exactly the plaintext of the plain rotation for steps 1, -1, 5, 100, -7,
 * N/2 - 1, 0 (the identity) and the column swap, at the top level and (BGV)
 * after a modulus switch; for CKKS (the default N = 8192 set) rotations by
 * 1, -1, 3, 5, 17, -100, N/4, N/2 - 1, 0 and conjugation match the plain
 * ones within the rotation bound, at level 4 and after a rescale; outputs
 * that alias the input; refusals with the exact status: a missing key
 * (no output written by _many), a size-3 input, an empty precompute, a
 * precompute or a ciphertext of another context (other levels), a CKKS
 * context in the BGV/BFV entry points and back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/he_ckks.h"

static uint64_t rs = 0x0123456789ABCDEFull;
static uint64_t rnd(void) {
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double urand(void) { return (double)(rnd() >> 11) * 0x1p-52 - 1.0; }

/* ---- BGV / BFV ---- */

typedef struct lfx {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_galois_keys *gk;
    size_t n;
    uint64_t t;
} lfx;

static const int LSTEPS[] = {1, -1, 5, 100, -7, 2047, 0};
#define NLSTEPS (sizeof LSTEPS / sizeof LSTEPS[0])

static void lfx_init(lfx *f, ccs_he_scheme s, size_t primes) {
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    p.scheme = s, p.n = 4096, p.data_count = primes, p.special_bits = 45, p.t = 65537, p.security = 128;
    p.insecure_allow = true;
    for (size_t i = 0; i < primes; i++) p.data_bits[i] = 45;
    memset(f, 0, sizeof *f);
    assert_int_equal(ccs_he_ctx_new(&p, &f->c), CCS_OK);
    assert_int_equal(ccs_he_keygen_secret(f->c, &f->sk), CCS_OK);
    assert_int_equal(ccs_he_keygen_public(f->c, f->sk, &f->pk), CCS_OK);
    assert_int_equal(ccs_he_keygen_galois(f->c, f->sk, LSTEPS, NLSTEPS, true, &f->gk), CCS_OK);
    f->n = p.n, f->t = p.t;
}

static void lfx_free(lfx *f) {
    ccs_he_galois_keys_free(f->gk);
    ccs_he_public_key_free(f->pk);
    ccs_he_secret_key_free(f->sk);
    ccs_he_ctx_free(f->c);
}

static void ldecrypt(lfx *f, const ccs_he_ciphertext *ct, uint64_t *v) {
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_he_decrypt(f->c, f->sk, ct, pt), CCS_OK);
    assert_int_equal(ccs_he_decode_batch(f->c, pt, v), CCS_OK);
    ccs_he_plaintext_free(pt);
}

/* hoisted (from p and from _many) against the plain rotation of a, every step */
static void lcompare(lfx *f, ccs_he_ciphertext *a, ccs_he_rotation_precomp *p) {
    uint64_t *want = malloc(f->n * 8), *got = malloc(f->n * 8), *x = malloc(f->n * 8);
    ccs_he_ciphertext *r = NULL, *outs[NLSTEPS + 1];
    assert_int_equal(ccs_he_ciphertext_new(f->c, &r), CCS_OK);
    for (size_t i = 0; i <= NLSTEPS; i++) assert_int_equal(ccs_he_ciphertext_new(f->c, &outs[i]), CCS_OK);
    ldecrypt(f, a, x);
    assert_int_equal(ccs_he_rotation_precompute(f->c, a, p), CCS_OK);
    assert_int_equal(ccs_he_rotation_precomp_level(p), ccs_he_ciphertext_level(a));
    assert_int_equal(ccs_he_rotate_rows_many(f->c, f->gk, a, LSTEPS, NLSTEPS, outs), CCS_OK);
    size_t half = f->n / 2;
    for (size_t k = 0; k <= NLSTEPS; k++) {
        if (k < NLSTEPS) {
            assert_int_equal(ccs_he_rotate_rows(f->c, f->gk, a, LSTEPS[k], r), CCS_OK);
        } else {
            assert_int_equal(ccs_he_rotate_columns(f->c, f->gk, a, r), CCS_OK);
        }
        ldecrypt(f, r, want);
        for (size_t i = 0; i < f->n; i++) { /* the plain rotation is right */
            size_t row = i / half, col = i % half, src;
            if (k < NLSTEPS) src = row * half + (col + (size_t)((long)half + LSTEPS[k])) % half;
            else src = (1 - row) * half + col;
            assert_int_equal(want[i], x[src]);
        }
        ccs_he_ciphertext *h = outs[0];
        if (k < NLSTEPS) assert_int_equal(ccs_he_rotate_rows_hoisted(f->c, f->gk, p, LSTEPS[k], h), CCS_OK);
        else assert_int_equal(ccs_he_rotate_columns_hoisted(f->c, f->gk, p, h), CCS_OK);
        assert_int_equal(ccs_he_ciphertext_level(h), ccs_he_ciphertext_level(a));
        ldecrypt(f, h, got);
        assert_memory_equal(got, want, f->n * 8);
        if (k < NLSTEPS && k > 0) {
            ldecrypt(f, outs[k], got);
            assert_memory_equal(got, want, f->n * 8);
        }
    }
    ccs_he_ciphertext_free(r);
    for (size_t i = 0; i <= NLSTEPS; i++) ccs_he_ciphertext_free(outs[i]);
    free(want), free(got), free(x);
}

static void lattice_case(ccs_he_scheme s) {
    lfx f;
    lfx_init(&f, s, 3);
    uint64_t *v = malloc(f.n * 8);
    for (size_t i = 0; i < f.n; i++) v[i] = rnd() % f.t;
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *a = NULL;
    ccs_he_rotation_precomp *p = NULL;
    assert_int_equal(ccs_he_plaintext_new(f.c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &a), CCS_OK);
    assert_int_equal(ccs_he_encode_batch(f.c, v, f.n, pt), CCS_OK);
    assert_int_equal(ccs_he_encrypt(f.c, f.pk, pt, a), CCS_OK);
    assert_int_equal(ccs_he_rotation_precomp_new(f.c, &p), CCS_OK);
    assert_int_equal(ccs_he_rotation_precomp_level(p), 0);
    lcompare(&f, a, p);
    if (s == CCS_HE_BGV) { /* a lower level; the precompute is refilled */
        assert_int_equal(ccs_he_mod_switch(f.c, a, a), CCS_OK);
        lcompare(&f, a, p);
    }
    /* _many with outs aliasing the input: outs[0] = a rotated by 1, outs[1] = a by -1 */
    uint64_t *x = malloc(f.n * 8), *y = malloc(f.n * 8), *z = malloc(f.n * 8);
    ccs_he_ciphertext *b = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f.c, &b), CCS_OK);
    ldecrypt(&f, a, x);
    int st2[] = {1, -1};
    ccs_he_ciphertext *ab[] = {a, b};
    assert_int_equal(ccs_he_rotate_rows_many(f.c, f.gk, a, st2, 2, ab), CCS_OK);
    ldecrypt(&f, a, y);
    ldecrypt(&f, b, z);
    size_t half = f.n / 2;
    for (size_t i = 0; i < f.n; i++) {
        size_t row = i / half, col = i % half;
        assert_int_equal(y[i], x[row * half + (col + 1) % half]);
        assert_int_equal(z[i], x[row * half + (col + half - 1) % half]);
    }
    free(x), free(y), free(z);
    ccs_he_ciphertext_free(b);
    ccs_he_rotation_precomp_free(p);
    ccs_he_ciphertext_free(a);
    ccs_he_plaintext_free(pt);
    free(v);
    lfx_free(&f);
}

static void test_bgv(void **state) {
    (void)state;
    lattice_case(CCS_HE_BGV);
}

static void test_bfv(void **state) {
    (void)state;
    lattice_case(CCS_HE_BFV);
}

/* ---- CKKS ---- */

#define OP_BOUND 0x1p-18 /* a rotation: ckks_test.c */

static const int CSTEPS[] = {1, -1, 3, 5, 17, -100, 1024, 4095, 0};
#define NCSTEPS (sizeof CSTEPS / sizeof CSTEPS[0])

typedef struct cfx {
    ccs_he_ctx *c;
    ccs_he_secret_key *sk;
    ccs_he_public_key *pk;
    ccs_he_relin_key *rk;
    ccs_he_galois_keys *gk;
    size_t slots;
} cfx;

static void cfx_init(cfx *f) {
    ccs_he_params p;
    memset(f, 0, sizeof *f);
    assert_int_equal(ccs_he_params_default(CCS_HE_CKKS, 8192, &p), CCS_OK);
    assert_int_equal(ccs_he_ctx_new(&p, &f->c), CCS_OK);
    assert_int_equal(ccs_he_keygen_secret(f->c, &f->sk), CCS_OK);
    assert_int_equal(ccs_he_keygen_public(f->c, f->sk, &f->pk), CCS_OK);
    assert_int_equal(ccs_he_keygen_relin(f->c, f->sk, &f->rk), CCS_OK);
    assert_int_equal(ccs_he_ckks_keygen_galois(f->c, f->sk, CSTEPS, NCSTEPS, true, &f->gk), CCS_OK);
    f->slots = ccs_he_ckks_slots(f->c);
}

static void cfx_free(cfx *f) {
    ccs_he_galois_keys_free(f->gk);
    ccs_he_relin_key_free(f->rk);
    ccs_he_public_key_free(f->pk);
    ccs_he_secret_key_free(f->sk);
    ccs_he_ctx_free(f->c);
}

static void cdecrypt(cfx *f, const ccs_he_ciphertext *ct, double *z) {
    ccs_he_plaintext *pt = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f->c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_decrypt(f->c, f->sk, ct, pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_decode(f->c, pt, z), CCS_OK);
    ccs_he_plaintext_free(pt);
}

static double maxdiff(const double *a, const double *b, size_t count) {
    double m = 0;
    for (size_t i = 0; i < count; i++) {
        double e = fabs(a[i] - b[i]);
        if (!(e <= m)) m = e;
    }
    return m;
}

#define ASSERT_BELOW(e, bound)                                                                                        \
    do {                                                                                                              \
        double e_ = (e);                                                                                              \
        if (!(e_ < (bound))) fail_msg("error 2^%.2f not below 2^%.0f", log2(e_), log2(bound));                      \
    } while (0)

/* every step and conjugation: hoisted (precompute and _many) vs plain vs expected */
static void ccompare(cfx *f, const ccs_he_ciphertext *a, const double *x, ccs_he_rotation_precomp *p) {
    size_t S = f->slots;
    double *want = malloc(2 * S * sizeof *want), *plain = malloc(2 * S * sizeof *plain),
           *got = malloc(2 * S * sizeof *got);
    ccs_he_ciphertext *r = NULL, *h = NULL, *outs[NCSTEPS];
    assert_int_equal(ccs_he_ciphertext_new(f->c, &r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f->c, &h), CCS_OK);
    for (size_t i = 0; i < NCSTEPS; i++) assert_int_equal(ccs_he_ciphertext_new(f->c, &outs[i]), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotation_precompute(f->c, a, p), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotate_many(f->c, f->gk, a, CSTEPS, NCSTEPS, outs), CCS_OK);
    for (size_t k = 0; k <= NCSTEPS; k++) {
        if (k < NCSTEPS) {
            assert_int_equal(ccs_he_ckks_rotate(f->c, f->gk, a, CSTEPS[k], r), CCS_OK);
            assert_int_equal(ccs_he_ckks_rotate_hoisted(f->c, f->gk, p, CSTEPS[k], h), CCS_OK);
            for (size_t i = 0; i < S; i++) {
                size_t src = (i + (size_t)((long)S + CSTEPS[k])) % S;
                want[2 * i] = x[2 * src], want[2 * i + 1] = x[2 * src + 1];
            }
        } else {
            assert_int_equal(ccs_he_ckks_conjugate(f->c, f->gk, a, r), CCS_OK);
            assert_int_equal(ccs_he_ckks_conjugate_hoisted(f->c, f->gk, p, h), CCS_OK);
            for (size_t i = 0; i < S; i++) want[2 * i] = x[2 * i], want[2 * i + 1] = -x[2 * i + 1];
        }
        assert_int_equal(ccs_he_ciphertext_level(h), ccs_he_ciphertext_level(a));
        assert_true(ccs_he_ckks_scale(h) == ccs_he_ckks_scale(a));
        cdecrypt(f, r, plain);
        cdecrypt(f, h, got);
        ASSERT_BELOW(maxdiff(plain, want, 2 * S), OP_BOUND);
        ASSERT_BELOW(maxdiff(got, want, 2 * S), OP_BOUND);
        ASSERT_BELOW(maxdiff(got, plain, 2 * S), OP_BOUND);
        if (k < NCSTEPS) {
            cdecrypt(f, outs[k], got);
            ASSERT_BELOW(maxdiff(got, want, 2 * S), OP_BOUND);
        }
    }
    ccs_he_ciphertext_free(r);
    ccs_he_ciphertext_free(h);
    for (size_t i = 0; i < NCSTEPS; i++) ccs_he_ciphertext_free(outs[i]);
    free(want), free(plain), free(got);
}

static void test_ckks(void **state) {
    (void)state;
    cfx f;
    cfx_init(&f);
    size_t S = f.slots;
    double *x = malloc(2 * S * sizeof *x), *sq = malloc(2 * S * sizeof *sq);
    for (size_t i = 0; i < 2 * S; i++) x[i] = urand();
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *a = NULL;
    ccs_he_rotation_precomp *p = NULL;
    assert_int_equal(ccs_he_ckks_plaintext_new(f.c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encode(f.c, x, S, 0, 0, pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &a), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt(f.c, f.pk, pt, a), CCS_OK);
    assert_int_equal(ccs_he_rotation_precomp_new(f.c, &p), CCS_OK);
    ccompare(&f, a, x, p);
    /* after a rescale: level 3, the precompute refilled */
    assert_int_equal(ccs_he_ckks_mul_relin_rescale(f.c, f.rk, a, a, a), CCS_OK);
    for (size_t i = 0; i < S; i++) {
        sq[2 * i] = x[2 * i] * x[2 * i] - x[2 * i + 1] * x[2 * i + 1];
        sq[2 * i + 1] = 2 * x[2 * i] * x[2 * i + 1];
    }
    ccompare(&f, a, sq, p);
    assert_int_equal(ccs_he_rotation_precomp_level(p), 3);
    /* outs aliasing the input */
    ccs_he_ciphertext *b = NULL;
    assert_int_equal(ccs_he_ciphertext_new(f.c, &b), CCS_OK);
    int st2[] = {1, -1};
    ccs_he_ciphertext *ab[] = {a, b};
    assert_int_equal(ccs_he_ckks_rotate_many(f.c, f.gk, a, st2, 2, ab), CCS_OK);
    double *got = malloc(2 * S * sizeof *got), *want = malloc(2 * S * sizeof *want);
    cdecrypt(&f, a, got);
    for (size_t i = 0; i < S; i++) want[2 * i] = sq[2 * ((i + 1) % S)], want[2 * i + 1] = sq[2 * ((i + 1) % S) + 1];
    ASSERT_BELOW(maxdiff(got, want, 2 * S), OP_BOUND);
    cdecrypt(&f, b, got);
    for (size_t i = 0; i < S; i++)
        want[2 * i] = sq[2 * ((i + S - 1) % S)], want[2 * i + 1] = sq[2 * ((i + S - 1) % S) + 1];
    ASSERT_BELOW(maxdiff(got, want, 2 * S), OP_BOUND);
    free(got), free(want);
    ccs_he_ciphertext_free(b);
    ccs_he_rotation_precomp_free(p);
    ccs_he_ciphertext_free(a);
    ccs_he_plaintext_free(pt);
    free(x), free(sq);
    cfx_free(&f);
}

/* ---- refusals ---- */

static void test_refusals(void **state) {
    (void)state;
    cfx f;
    cfx_init(&f);
    lfx g;
    lfx_init(&g, CCS_HE_BGV, 3);
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *a = NULL, *r = NULL, *r3 = NULL, *ga = NULL;
    ccs_he_rotation_precomp *p = NULL, *gp = NULL;
    double z[4] = {0.5, -0.25, 0.125, 1};
    assert_int_equal(ccs_he_ckks_plaintext_new(f.c, &pt), CCS_OK);
    assert_int_equal(ccs_he_ckks_encode(f.c, z, 2, 0, 0, pt), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &a), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &r), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(f.c, &r3), CCS_OK);
    assert_int_equal(ccs_he_ckks_encrypt(f.c, f.pk, pt, a), CCS_OK);
    assert_int_equal(ccs_he_rotation_precomp_new(f.c, &p), CCS_OK);
    /* an empty precompute */
    assert_int_equal(ccs_he_ckks_rotate_hoisted(f.c, f.gk, p, 1, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_rotate_hoisted(f.c, f.gk, NULL, 1, r), CCS_ERR_INVALID_ARG);
    /* a size-3 input */
    assert_int_equal(ccs_he_ckks_multiply(f.c, a, a, r3), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotation_precompute(f.c, r3, p), CCS_ERR_INVALID_ARG);
    ccs_he_ciphertext *o1[] = {r};
    int one = 1;
    assert_int_equal(ccs_he_ckks_rotate_many(f.c, f.gk, r3, &one, 1, o1), CCS_ERR_INVALID_ARG);
    /* a missing key: NOT_FOUND, and _many writes no output */
    assert_int_equal(ccs_he_ckks_rotation_precompute(f.c, a, p), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotate_hoisted(f.c, f.gk, p, 2, r), CCS_ERR_NOT_FOUND);
    ccs_he_galois_keys *noconj = NULL;
    assert_int_equal(ccs_he_ckks_keygen_galois(f.c, f.sk, &one, 1, false, &noconj), CCS_OK);
    assert_int_equal(ccs_he_ckks_conjugate_hoisted(f.c, noconj, p, r), CCS_ERR_NOT_FOUND);
    ccs_he_galois_keys_free(noconj);
    assert_int_equal(ccs_he_ciphertext_copy(r, r3), CCS_OK);
    int st[] = {1, 2};
    ccs_he_ciphertext *o2[] = {r, r};
    assert_int_equal(ccs_he_ckks_rotate_many(f.c, f.gk, a, st, 2, o2), CCS_ERR_NOT_FOUND);
    assert_int_equal(ccs_he_ciphertext_size(r), 3); /* untouched */
    /* a BGV precompute in CKKS calls, CKKS in BGV calls, a ciphertext of another context (3 levels, not 4) */
    assert_int_equal(ccs_he_rotation_precomp_new(g.c, &gp), CCS_OK);
    assert_int_equal(ccs_he_ciphertext_new(g.c, &ga), CCS_OK);
    assert_int_equal(ccs_he_rotation_precompute(g.c, ga, gp), CCS_OK);
    assert_int_equal(ccs_he_ckks_rotate_hoisted(f.c, f.gk, gp, 1, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotate_rows_hoisted(g.c, g.gk, p, 1, ga), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotate_rows_hoisted(f.c, f.gk, p, 1, r), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotation_precompute(f.c, a, p), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_rotation_precompute(g.c, ga, gp), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_ckks_rotation_precompute(f.c, ga, p), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotation_precompute(g.c, a, gp), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotate_rows_many(g.c, g.gk, a, &one, 1, o1), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_he_rotate_rows_hoisted(g.c, g.gk, gp, 3, ga), CCS_ERR_NOT_FOUND);
    ccs_he_rotation_precomp_free(NULL);
    ccs_he_rotation_precomp_free(gp);
    ccs_he_rotation_precomp_free(p);
    ccs_he_ciphertext_free(ga);
    ccs_he_ciphertext_free(a);
    ccs_he_ciphertext_free(r);
    ccs_he_ciphertext_free(r3);
    ccs_he_plaintext_free(pt);
    lfx_free(&g);
    cfx_free(&f);
}

int test_group_he_hoist(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgv),
        cmocka_unit_test(test_bfv),
        cmocka_unit_test(test_ckks),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("he/hoist", tests, NULL, NULL);
}
