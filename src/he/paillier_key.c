/*
 * paillier_key.c - Paillier keys: generation from the OS CSPRNG, keys from
 * p and q or from n, the DJN fixed-base table, accessors, wiping.
 *
 * DJN public element (Damgard, Jurik, Nielsen, "A generalization of
 * Paillier's public-key system with applications to electronic voting",
 * IJIS 2010, section 4.2; Intel IPCL does the same): with p = q = 3 mod 4,
 * h = -x^2 mod n for random x generates (with overwhelming probability) the
 * cyclic group of Jacobi symbol +1 elements of Z_n^*. hs = h^n mod n^2 is
 * published; an encryption uses hs^alpha = (h^alpha)^n, i.e. the standard
 * Paillier randomness r = h^alpha, with alpha of 2k bits for k-bit security.
 * The ciphertext stays indistinguishable under DCR plus the assumption that
 * h^alpha with short alpha is indistinguishable from a random element of
 * <h> (the short-exponent assumption DJN state; IPCL relies on it too).
 */
#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "paillier_internal.h"

void paillier_mpz_clear_secret(mpz_t x) {
    if (x->_mp_d && x->_mp_alloc > 0) ccs_wipe(x->_mp_d, (size_t)x->_mp_alloc * sizeof(mp_limb_t));
    mpz_clear(x);
}

ccs_status paillier_random_bits(mpz_t x, unsigned bits) {
    size_t nbytes = (bits + 7) / 8;
    uint8_t buf[CCS_PAILLIER_BITS_MAX / 4 + 8];
    CCS_ENSURE(nbytes <= sizeof buf, CCS_ERR_INVALID_ARG, "paillier: %u random bits", bits);
    ccs_status st = ccs_random(buf, nbytes);
    if (st == CCS_OK) {
        if (bits % 8) buf[0] &= (uint8_t)((1u << (bits % 8)) - 1);
        mpz_import(x, nbytes, 1, 1, 1, 0, buf);
    }
    ccs_wipe(buf, sizeof buf);
    return st;
}

ccs_status paillier_random_below(mpz_t x, const mpz_t bound) {
    unsigned bits = (unsigned)mpz_sizeinbase(bound, 2);
    for (int i = 0; i < 256; i++) { /* each try succeeds with probability > 1/2 */
        CCS_TRY(paillier_random_bits(x, bits));
        if (mpz_sgn(x) > 0 && mpz_cmp(x, bound) < 0) return CCS_OK;
    }
    CCS_BAIL(CCS_ERR_CRYPTO, "paillier: random sampling did not terminate");
}

bool paillier_bits_ok(unsigned bits, const ccs_paillier_opts *opts) {
    if (bits == CCS_PAILLIER_BITS_DEFAULT || bits == CCS_PAILLIER_BITS_128) return true;
    return opts && opts->insecure_small_n && bits % 16 == 0 && bits >= CCS_PAILLIER_INSECURE_MIN &&
           bits <= CCS_PAILLIER_BITS_MAX;
}

/* Copies |x| (< B^len) into len limbs, zero padded. */
static void limbs_from_mpz(mp_limb_t *dst, mp_size_t len, const mpz_t x) {
    mp_size_t sz = (mp_size_t)mpz_size(x);
    if (sz > 0) memcpy(dst, mpz_limbs_read(x), (size_t)sz * sizeof(mp_limb_t));
    if (len > sz) memset(dst + sz, 0, (size_t)(len - sz) * sizeof(mp_limb_t));
}

/* table[i][d] = hs^(d * 2^(w i)) mod n^2. Public data: plain mpz arithmetic. */
static ccs_status build_table(ccs_paillier_pub *pub) {
    size_t entries = (size_t)1 << pub->window, total;
    pub->nwin = (pub->alpha_bits + pub->window - 1) / pub->window;
    CCS_TRY(ccs_size_mul(pub->nwin * entries, (size_t)pub->l2, &total));
    CCS_TRY(ccs_size_mul(total, sizeof(mp_limb_t), &total));
    pub->table = malloc(total);
    CCS_ENSURE(pub->table, CCS_ERR_NOMEM, "paillier: table of %zu bytes", total);
    mpz_t base, e;
    mpz_inits(base, e, NULL);
    mpz_set(base, pub->hs);
    for (size_t i = 0; i < pub->nwin; i++) {
        mp_limb_t *win = pub->table + i * entries * (size_t)pub->l2;
        mpz_set_ui(e, 1);
        for (size_t d = 0; d < entries; d++) {
            limbs_from_mpz(win + d * (size_t)pub->l2, pub->l2, e);
            mpz_mul(e, e, base);
            mpz_mod(e, e, pub->n2);
        }
        /* e = base^(2^w): the next window's base */
        mpz_set(base, e);
    }
    mpz_clears(base, e, NULL);
    return CCS_OK;
}

/* h = -x^2 mod n, hs = h^n mod n^2 (x uniform in Z_n^*). */
static ccs_status draw_hs(const mpz_t n, const mpz_t n2, mpz_t hs) {
    mpz_t x, g;
    mpz_inits(x, g, NULL);
    ccs_status st;
    do {
        st = paillier_random_below(x, n);
        if (st != CCS_OK) break;
        mpz_gcd(g, x, n);
    } while (mpz_cmp_ui(g, 1) != 0);
    if (st == CCS_OK) {
        mpz_mul(x, x, x);
        mpz_mod(x, x, n);
        mpz_sub(x, n, x); /* -x^2 mod n (x^2 mod n != 0: x is a unit) */
        mpz_powm_sec(hs, x, n, n2);
    }
    paillier_mpz_clear_secret(x);
    mpz_clear(g);
    return st;
}

ccs_status paillier_pub_init(ccs_paillier_pub *pub, const mpz_t n, const mpz_t hs,
                             const ccs_paillier_opts *opts) {
    memset(pub, 0, sizeof *pub);
    mpz_inits(pub->n, pub->n2, pub->hs, pub->half, NULL);
    unsigned w = opts && opts->window ? opts->window : PAILLIER_WINDOW_DEFAULT;
    CCS_ENSURE(w <= PAILLIER_WINDOW_MAX, CCS_ERR_INVALID_ARG, "paillier: window %u > %u", w,
               PAILLIER_WINDOW_MAX);
    pub->window = w;
    pub->bits = (unsigned)mpz_sizeinbase(n, 2);
    pub->alpha_bits = pub->bits > 2048 ? 256 : 224;
    mpz_set(pub->n, n);
    mpz_mul(pub->n2, n, n);
    mpz_sub_ui(pub->half, n, 1);
    mpz_fdiv_q_2exp(pub->half, pub->half, 1);
    pub->nl = (mp_size_t)mpz_size(n);
    pub->l2 = (mp_size_t)mpz_size(pub->n2);
    pub->n_limbs = calloc((size_t)pub->nl, sizeof(mp_limb_t));
    pub->n2_limbs = calloc((size_t)pub->l2, sizeof(mp_limb_t));
    CCS_ENSURE(pub->n_limbs && pub->n2_limbs, CCS_ERR_NOMEM, "paillier: key limbs");
    limbs_from_mpz(pub->n_limbs, pub->nl, n);
    limbs_from_mpz(pub->n2_limbs, pub->l2, pub->n2);
    if (hs) mpz_set(pub->hs, hs);
    else CCS_TRY(draw_hs(pub->n, pub->n2, pub->hs));
    return build_table(pub);
}

void paillier_pub_clear(ccs_paillier_pub *pub) {
    free(pub->table);
    free(pub->n_limbs);
    free(pub->n2_limbs);
    mpz_clears(pub->n, pub->n2, pub->hs, pub->half, NULL);
    memset(pub, 0, sizeof *pub);
}

static void priv_clear(ccs_paillier_priv *k) {
    paillier_mpz_clear_secret(k->p);
    paillier_mpz_clear_secret(k->q);
    paillier_mpz_clear_secret(k->p2);
    paillier_mpz_clear_secret(k->q2);
    paillier_mpz_clear_secret(k->pm1);
    paillier_mpz_clear_secret(k->qm1);
    paillier_mpz_clear_secret(k->hp);
    paillier_mpz_clear_secret(k->hq);
    paillier_mpz_clear_secret(k->qinv);
}

/* h = L(g^(r-1) mod r^2)^-1 mod r for g = n + 1 (r = p or q). */
static bool crt_h(const mpz_t n, const mpz_t r, const mpz_t r2, const mpz_t rm1, mpz_t h) {
    mpz_t t;
    mpz_init(t);
    mpz_add_ui(t, n, 1);
    mpz_mod(t, t, r2);
    mpz_powm_sec(t, t, rm1, r2);
    mpz_sub_ui(t, t, 1);
    mpz_divexact(t, t, r);
    bool ok = mpz_invert(h, t, r) != 0;
    paillier_mpz_clear_secret(t);
    return ok;
}

ccs_status paillier_priv_make(const mpz_t p_in, const mpz_t q_in, const mpz_t hs,
                              const ccs_paillier_opts *opts, bool require_equal_size,
                              ccs_paillier_priv **out) {
    *out = NULL;
    CCS_ENSURE(mpz_sgn(p_in) > 0 && mpz_sgn(q_in) > 0 && mpz_cmp(p_in, q_in) != 0, CCS_ERR_KEY,
               "paillier: p and q must be distinct positive primes");
    ccs_paillier_priv *k = calloc(1, sizeof *k);
    CCS_ENSURE(k, CCS_ERR_NOMEM, "paillier: private key");
    mpz_inits(k->p, k->q, k->p2, k->q2, k->pm1, k->qm1, k->hp, k->hq, k->qinv, NULL);
    mpz_t n, t;
    mpz_inits(n, t, NULL);
    ccs_status st = CCS_OK;
    bool pub_inited = false;
    mpz_set(k->p, p_in);
    mpz_set(k->q, q_in);
    mpz_mul(n, k->p, k->q);
    unsigned bits = (unsigned)mpz_sizeinbase(n, 2);
    size_t pb = mpz_sizeinbase(k->p, 2), qb = mpz_sizeinbase(k->q, 2);
    if (!paillier_bits_ok(bits, opts)) {
        st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "paillier: n of %u bits not allowed", bits);
        goto done;
    }
    /* keys from elsewhere (paillier-bigint) may have |p| = |q| + 1 */
    if ((require_equal_size && (pb != bits / 2 || qb != bits / 2)) || pb + 2 < bits / 2 ||
        qb + 2 < bits / 2) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "paillier: p (%zu bits) and q (%zu bits) unbalanced",
                           pb, qb);
        goto done;
    }
    if (!mpz_probab_prime_p(k->p, 32) || !mpz_probab_prime_p(k->q, 32)) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "paillier: p or q is not prime");
        goto done;
    }
    mpz_sub_ui(k->pm1, k->p, 1);
    mpz_sub_ui(k->qm1, k->q, 1);
    mpz_mul(t, k->pm1, k->qm1);
    mpz_gcd(t, t, n);
    if (mpz_cmp_ui(t, 1) != 0) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "paillier: gcd(pq, (p-1)(q-1)) != 1");
        goto done;
    }
    /* |p - q| > 2^(bits/2 - 100) (FIPS 186-5 A.1.3 style; Fermat factoring) */
    mpz_sub(t, k->p, k->q);
    if (mpz_sizeinbase(t, 2) <= bits / 2 - 100) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "paillier: p and q too close");
        goto done;
    }
    mpz_mul(k->p2, k->p, k->p);
    mpz_mul(k->q2, k->q, k->q);
    if (!crt_h(n, k->p, k->p2, k->pm1, k->hp) || !crt_h(n, k->q, k->q2, k->qm1, k->hq) ||
        !mpz_invert(k->qinv, k->q, k->p)) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "paillier: CRT constants do not exist");
        goto done;
    }
    pub_inited = true;
    st = paillier_pub_init(&k->pub, n, hs, opts);
done:
    paillier_mpz_clear_secret(t);
    mpz_clear(n);
    if (st != CCS_OK) {
        if (pub_inited) paillier_pub_clear(&k->pub);
        priv_clear(k);
        free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

/* A random prime of exactly `bits` bits with the top two bits set and
 * p = 3 mod 4: a random start from ccs_random, then the next candidates
 * p + 4, p + 8, ... (incremental search, as OpenSSL's RSA keygen). */
static ccs_status gen_prime(unsigned bits, mpz_t p) {
    for (int tries = 0; tries < 64; tries++) {
        CCS_TRY(paillier_random_bits(p, bits));
        mpz_setbit(p, bits - 1);
        mpz_setbit(p, bits - 2);
        mpz_setbit(p, 0);
        mpz_setbit(p, 1);
        for (unsigned i = 0; i < 40 * bits; i++) {
            if (mpz_sizeinbase(p, 2) != bits) break;
            if (mpz_probab_prime_p(p, 32)) return CCS_OK;
            mpz_add_ui(p, p, 4);
        }
    }
    CCS_BAIL(CCS_ERR_CRYPTO, "paillier: no prime found");
}

ccs_status ccs_paillier_keygen(unsigned bits, const ccs_paillier_opts *opts, ccs_paillier_priv **out) {
    CCS_ENSURE(out, CCS_ERR_INVALID_ARG, "paillier: out is NULL");
    *out = NULL;
    CCS_ENSURE(paillier_bits_ok(bits, opts), CCS_ERR_INVALID_ARG,
               "paillier: n of %u bits refused (2048 or 3072; others need insecure_small_n)", bits);
    mpz_t p, q, g, pm1, qm1;
    mpz_inits(p, q, g, pm1, qm1, NULL);
    ccs_status st = CCS_ERR_CRYPTO;
    for (int tries = 0; tries < 64; tries++) {
        if ((st = gen_prime(bits / 2, p)) != CCS_OK || (st = gen_prime(bits / 2, q)) != CCS_OK) break;
        if (mpz_cmp(p, q) == 0) continue;
        /* DJN: gcd(p-1, q-1) = 2, so <-x^2> is the whole Jacobi-symbol-1 group */
        mpz_sub_ui(pm1, p, 1);
        mpz_sub_ui(qm1, q, 1);
        mpz_gcd(g, pm1, qm1);
        if (mpz_cmp_ui(g, 2) != 0) continue;
        st = paillier_priv_make(p, q, NULL, opts, true, out);
        if (st != CCS_ERR_KEY) break; /* CCS_ERR_KEY: p, q too close; draw again */
    }
    paillier_mpz_clear_secret(p);
    paillier_mpz_clear_secret(q);
    paillier_mpz_clear_secret(g);
    paillier_mpz_clear_secret(pm1);
    paillier_mpz_clear_secret(qm1);
    return st;
}

ccs_status ccs_paillier_priv_from_pq(const mpz_t p, const mpz_t q, const ccs_paillier_opts *opts,
                                     ccs_paillier_priv **out) {
    CCS_ENSURE(out && p && q, CCS_ERR_INVALID_ARG, "paillier: NULL argument");
    return paillier_priv_make(p, q, NULL, opts, false, out);
}

ccs_status ccs_paillier_pub_from_n(const mpz_t n, const ccs_paillier_opts *opts, ccs_paillier_pub **out) {
    CCS_ENSURE(out && n, CCS_ERR_INVALID_ARG, "paillier: NULL argument");
    *out = NULL;
    unsigned bits = mpz_sgn(n) > 0 ? (unsigned)mpz_sizeinbase(n, 2) : 0;
    CCS_ENSURE(paillier_bits_ok(bits, opts), CCS_ERR_INVALID_ARG, "paillier: n of %u bits refused", bits);
    CCS_ENSURE(mpz_odd_p(n) && !mpz_perfect_square_p(n), CCS_ERR_KEY, "paillier: n is not an RSA modulus");
    ccs_paillier_pub *pub = calloc(1, sizeof *pub);
    CCS_ENSURE(pub, CCS_ERR_NOMEM, "paillier: public key");
    ccs_status st = paillier_pub_init(pub, n, NULL, opts);
    if (st != CCS_OK) {
        ccs_paillier_pub_free(pub);
        return st;
    }
    *out = pub;
    return CCS_OK;
}

ccs_status ccs_paillier_pub_dup(const ccs_paillier_pub *pub, ccs_paillier_pub **out) {
    CCS_ENSURE(pub && out, CCS_ERR_INVALID_ARG, "paillier: NULL argument");
    *out = NULL;
    ccs_paillier_pub *d = calloc(1, sizeof *d);
    CCS_ENSURE(d, CCS_ERR_NOMEM, "paillier: public key");
    ccs_paillier_opts o = {.insecure_small_n = true, .window = pub->window};
    ccs_status st = paillier_pub_init(d, pub->n, pub->hs, &o);
    if (st != CCS_OK) {
        ccs_paillier_pub_free(d);
        return st;
    }
    *out = d;
    return CCS_OK;
}

const ccs_paillier_pub *ccs_paillier_priv_pub(const ccs_paillier_priv *priv) {
    return priv ? &priv->pub : NULL;
}

void ccs_paillier_pub_free(ccs_paillier_pub *pub) {
    if (!pub) return;
    paillier_pub_clear(pub);
    free(pub);
}

void ccs_paillier_priv_free(ccs_paillier_priv *priv) {
    if (!priv) return;
    paillier_pub_clear(&priv->pub);
    priv_clear(priv);
    ccs_wipe(priv, sizeof *priv);
    free(priv);
}

unsigned ccs_paillier_pub_bits(const ccs_paillier_pub *pub) { return pub->bits; }
unsigned ccs_paillier_pub_alpha_bits(const ccs_paillier_pub *pub) { return pub->alpha_bits; }
void ccs_paillier_pub_get_n(const ccs_paillier_pub *pub, mpz_t out) { mpz_set(out, pub->n); }
void ccs_paillier_pub_get_hs(const ccs_paillier_pub *pub, mpz_t out) { mpz_set(out, pub->hs); }
