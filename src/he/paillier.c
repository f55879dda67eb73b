/*
 * paillier.c - Paillier encryption (fast DJN mode and standard mode) and CRT
 * decryption. Spec: docs/he.md; ../shared/specs/he.md sections 2d, 4, 6, 7.
 *
 * Encryption computes c = (1 + m n) * R mod n^2 where R = hs^alpha (fast) or
 * r^n (standard). Everything that touches the secret randomness or m runs on
 * fixed-size limb vectors through GMP's side-channel-silent mpn_sec_*
 * functions: the fixed-base table lookup (mpn_sec_tabselect scans the whole
 * window), products (mpn_sec_mul) and reductions mod n^2 (mpn_sec_div_r);
 * r^n uses mpz_powm_sec. The result c is public and becomes an mpz.
 */
#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "paillier_internal.h"

/* Scratch for one encryption (several, in a batch); wiped when freed. */
typedef struct enc_scratch {
    mp_limb_t *acc, *sel, *prod, *t, *mpad, *alpha, *tp;
    size_t total; /* limbs */
    mp_size_t alpha_limbs;
} enc_scratch;

static ccs_status scratch_new(const ccs_paillier_pub *pub, enc_scratch *s) {
    mp_size_t l2 = pub->l2, nl = pub->nl;
    mp_size_t itch = mpn_sec_mul_itch(l2, l2);
    if (mpn_sec_mul_itch(nl, nl) > itch) itch = mpn_sec_mul_itch(nl, nl);
    if (mpn_sec_div_r_itch(2 * l2, l2) > itch) itch = mpn_sec_div_r_itch(2 * l2, l2);
    s->alpha_limbs = (mp_size_t)((pub->alpha_bits + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS);
    s->total = (size_t)(l2 * 5 + nl + s->alpha_limbs + itch);
    mp_limb_t *p = calloc(s->total, sizeof(mp_limb_t));
    CCS_ENSURE(p, CCS_ERR_NOMEM, "paillier: scratch");
    s->acc = p;
    s->sel = s->acc + l2;
    s->prod = s->sel + l2;
    s->t = s->prod + 2 * l2;
    s->mpad = s->t + l2;
    s->alpha = s->mpad + nl;
    s->tp = s->alpha + s->alpha_limbs;
    return CCS_OK;
}

static void scratch_free(enc_scratch *s) {
    if (s->acc) {
        ccs_wipe(s->acc, s->total * sizeof(mp_limb_t));
        free(s->acc);
    }
    memset(s, 0, sizeof *s);
}

static void copy_limbs(mp_limb_t *dst, mp_size_t len, const mpz_t x) {
    mp_size_t sz = (mp_size_t)mpz_size(x);
    if (sz > len) sz = len; /* callers checked x < B^len */
    if (sz > 0) memcpy(dst, mpz_limbs_read(x), (size_t)sz * sizeof(mp_limb_t));
    if (len > sz) memset(dst + sz, 0, (size_t)(len - sz) * sizeof(mp_limb_t));
}

/* r = a * b mod n^2; a, b, r of l2 limbs (r may alias a or b). */
static void mulmod_ct(const ccs_paillier_pub *pub, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                      enc_scratch *s) {
    mp_size_t l2 = pub->l2;
    mpn_sec_mul(s->prod, a, l2, b, l2, s->tp);
    mpn_sec_div_r(s->prod, 2 * l2, pub->n2_limbs, l2, s->tp);
    memcpy(r, s->prod, (size_t)l2 * sizeof(mp_limb_t));
}

/* acc = hs^alpha mod n^2 from the table: one constant-time select and one
 * product per window of w bits (nwin - 1 products in all). */
static void fixed_base(const ccs_paillier_pub *pub, enc_scratch *s) {
    unsigned w = pub->window;
    size_t entries = (size_t)1 << w;
    mp_limb_t mask = ((mp_limb_t)1 << w) - 1;
    for (size_t i = 0; i < pub->nwin; i++) {
        size_t bit = i * w, limb = bit / GMP_NUMB_BITS, off = bit % GMP_NUMB_BITS;
        mp_limb_t d = s->alpha[limb] >> off;
        if (off + w > GMP_NUMB_BITS && (mp_size_t)limb + 1 < s->alpha_limbs)
            d |= s->alpha[limb + 1] << (GMP_NUMB_BITS - off);
        d &= mask;
        const mp_limb_t *win = pub->table + i * entries * (size_t)pub->l2;
        if (i == 0) {
            mpn_sec_tabselect(s->acc, win, pub->l2, (mp_size_t)entries, (mp_size_t)d);
        } else {
            mpn_sec_tabselect(s->sel, win, pub->l2, (mp_size_t)entries, (mp_size_t)d);
            mulmod_ct(pub, s->acc, s->acc, s->sel, s);
        }
    }
}

/* c = (1 + m n) * acc mod n^2; m < n checked by the caller. */
static void finish(const ccs_paillier_pub *pub, const mpz_t m, mpz_t c, enc_scratch *s) {
    mp_size_t nl = pub->nl, l2 = pub->l2;
    copy_limbs(s->mpad, nl, m);
    mpn_sec_mul(s->prod, s->mpad, nl, pub->n_limbs, nl, s->tp); /* 2 nl >= l2 limbs, < n^2 */
    memcpy(s->t, s->prod, (size_t)l2 * sizeof(mp_limb_t));
    mpn_add_1(s->t, s->t, l2, 1); /* m n + 1 < n^2: no carry out */
    mulmod_ct(pub, s->acc, s->t, s->acc, s);
    mp_limb_t *dst = mpz_limbs_write(c, l2);
    memcpy(dst, s->acc, (size_t)l2 * sizeof(mp_limb_t));
    mpz_limbs_finish(c, l2);
}

static ccs_status check_m(const ccs_paillier_pub *pub, const mpz_t m) {
    CCS_ENSURE(mpz_sgn(m) >= 0 && mpz_cmp(m, pub->n) < 0, CCS_ERR_INVALID_ARG,
               "paillier: plaintext outside [0, n) (use the signed encoding for negatives)");
    return CCS_OK;
}

/* One encryption with fresh randomness, scratch given. */
static ccs_status encrypt_one(const ccs_paillier_pub *pub, ccs_paillier_mode mode, const mpz_t m, mpz_t c,
                              enc_scratch *s) {
    CCS_TRY(check_m(pub, m));
    if (mode == CCS_PAILLIER_FAST) {
        CCS_TRY(ccs_random(s->alpha, (size_t)s->alpha_limbs * sizeof(mp_limb_t)));
        unsigned top = pub->alpha_bits % GMP_NUMB_BITS;
        if (top) s->alpha[s->alpha_limbs - 1] &= ((mp_limb_t)1 << top) - 1;
        fixed_base(pub, s);
    } else if (mode == CCS_PAILLIER_STANDARD) {
        mpz_t r;
        mpz_init(r);
        /* r uniform in [1, n); a non-unit r would reveal a factor of n and
         * occurs with probability < 2^-1000: not tested (gcd is not constant time). */
        ccs_status st = paillier_random_below(r, pub->n);
        if (st == CCS_OK) {
            mpz_powm_sec(r, r, pub->n, pub->n2);
            copy_limbs(s->acc, pub->l2, r);
        }
        paillier_mpz_clear_secret(r);
        CCS_TRY(st);
    } else {
        CCS_BAIL(CCS_ERR_INVALID_ARG, "paillier: unknown mode %d", (int)mode);
    }
    finish(pub, m, c, s);
    return CCS_OK;
}

ccs_status ccs_paillier_encrypt(const ccs_paillier_pub *pub, ccs_paillier_mode mode, const mpz_t m, mpz_t c) {
    CCS_ENSURE(pub && m && c && m != c, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    enc_scratch s;
    CCS_TRY(scratch_new(pub, &s));
    ccs_status st = encrypt_one(pub, mode, m, c, &s);
    scratch_free(&s);
    return st;
}

ccs_status ccs_paillier_encrypt_batch(const ccs_paillier_pub *pub, ccs_paillier_mode mode, const mpz_t *m,
                                      size_t count, mpz_t *c) {
    CCS_ENSURE(pub && (count == 0 || (m && c)), CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    enc_scratch s;
    CCS_TRY(scratch_new(pub, &s));
    ccs_status st = CCS_OK;
    /* scalar backend: one lane at a time (an 8-lane mbx backend slots in here) */
    for (size_t i = 0; i < count && st == CCS_OK; i++) st = encrypt_one(pub, mode, m[i], c[i], &s);
    scratch_free(&s);
    return st;
}

ccs_status ccs_paillier_encrypt_with_r(const ccs_paillier_pub *pub, const mpz_t m, const mpz_t r, mpz_t c) {
    CCS_ENSURE(pub && m && r && c && m != c, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(check_m(pub, m));
    CCS_ENSURE(mpz_sgn(r) > 0 && mpz_cmp(r, pub->n) < 0, CCS_ERR_INVALID_ARG, "paillier: r outside [1, n)");
    mpz_t t;
    mpz_init(t);
    mpz_gcd(t, r, pub->n);
    bool unit = mpz_cmp_ui(t, 1) == 0;
    enc_scratch s = {0};
    ccs_status st = unit ? scratch_new(pub, &s)
                         : ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "paillier: r is not a unit mod n");
    if (st == CCS_OK) {
        mpz_powm_sec(t, r, pub->n, pub->n2);
        copy_limbs(s.acc, pub->l2, t);
        finish(pub, m, c, &s);
    }
    scratch_free(&s);
    paillier_mpz_clear_secret(t);
    return st;
}

ccs_status ccs_paillier_encrypt_with_alpha(const ccs_paillier_pub *pub, const mpz_t m, const mpz_t alpha,
                                           mpz_t c) {
    CCS_ENSURE(pub && m && alpha && c && m != c, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(check_m(pub, m));
    CCS_ENSURE(mpz_sgn(alpha) >= 0 && mpz_sizeinbase(alpha, 2) <= pub->alpha_bits, CCS_ERR_INVALID_ARG,
               "paillier: alpha outside [0, 2^%u)", pub->alpha_bits);
    enc_scratch s;
    CCS_TRY(scratch_new(pub, &s));
    copy_limbs(s.alpha, s.alpha_limbs, alpha);
    fixed_base(pub, &s);
    finish(pub, m, c, &s);
    scratch_free(&s);
    return CCS_OK;
}

ccs_status paillier_noise(const ccs_paillier_pub *pub, ccs_paillier_mode mode, mpz_t out) {
    mpz_t zero;
    mpz_init(zero);
    ccs_status st = ccs_paillier_encrypt(pub, mode, zero, out);
    mpz_clear(zero);
    return st;
}

ccs_status paillier_check_ct(const ccs_paillier_pub *pub, const mpz_t c) {
    CCS_ENSURE(mpz_sgn(c) > 0 && mpz_cmp(c, pub->n2) < 0, CCS_ERR_INVALID_ARG,
               "paillier: ciphertext outside [1, n^2)");
    return CCS_OK;
}

/* A ciphertext that is decrypted or written out is also a unit: prime to n,
 * as ccs_paillier_ct_deserialize demands. (Sums and products of what passed
 * it are units too; the gcd would cost more than the operation itself.) */
ccs_status paillier_check_unit_ct(const ccs_paillier_pub *pub, const mpz_t c) {
    CCS_TRY(paillier_check_ct(pub, c));
    mpz_t g;
    mpz_init(g);
    mpz_gcd(g, c, pub->n);
    bool unit = mpz_cmp_ui(g, 1) == 0;
    mpz_clear(g);
    CCS_ENSURE(unit, CCS_ERR_INVALID_ARG, "paillier: ciphertext not prime to n");
    return CCS_OK;
}

/* m_r = L_r(c^(r-1) mod r^2) * h_r mod r (r = p or q). */
static void decrypt_half(const mpz_t c, const mpz_t r, const mpz_t r2, const mpz_t rm1, const mpz_t h,
                         mpz_t out) {
    mpz_mod(out, c, r2);
    mpz_powm_sec(out, out, rm1, r2);
    mpz_sub_ui(out, out, 1);
    mpz_divexact(out, out, r);
    mpz_mul(out, out, h);
    mpz_mod(out, out, r);
}

static ccs_status decrypt_one(const ccs_paillier_priv *k, const mpz_t c, mpz_t m, mpz_t mp, mpz_t mq) {
    CCS_TRY(paillier_check_unit_ct(&k->pub, c));
    decrypt_half(c, k->p, k->p2, k->pm1, k->hp, mp);
    decrypt_half(c, k->q, k->q2, k->qm1, k->hq, mq);
    /* Garner: m = mq + q * ((mp - mq) q^-1 mod p) */
    mpz_sub(mp, mp, mq);
    mpz_mul(mp, mp, k->qinv);
    mpz_mod(mp, mp, k->p);
    mpz_mul(mp, mp, k->q);
    mpz_add(m, mp, mq);
    return CCS_OK;
}

ccs_status ccs_paillier_decrypt(const ccs_paillier_priv *priv, const mpz_t c, mpz_t m) {
    return ccs_paillier_decrypt_batch(priv, (const mpz_t *)c, 1, (mpz_t *)m);
}

ccs_status ccs_paillier_decrypt_batch(const ccs_paillier_priv *priv, const mpz_t *c, size_t count, mpz_t *m) {
    CCS_ENSURE(priv && (count == 0 || (c && m)), CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    mpz_t mp, mq;
    mpz_inits(mp, mq, NULL);
    ccs_status st = CCS_OK;
    for (size_t i = 0; i < count && st == CCS_OK; i++) st = decrypt_one(priv, c[i], m[i], mp, mq);
    paillier_mpz_clear_secret(mp);
    paillier_mpz_clear_secret(mq);
    return st;
}
