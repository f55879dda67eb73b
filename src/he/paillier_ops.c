/*
 * paillier_ops.c - homomorphic operations on Paillier ciphertexts and the
 * signed plaintext encoding. Ciphertexts and scalars are public here: plain
 * mpz arithmetic mod n^2.
 */
#include "paillier_internal.h"

ccs_status ccs_paillier_add(const ccs_paillier_pub *pub, const mpz_t a, const mpz_t b, mpz_t out) {
    CCS_ENSURE(pub && a && b && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(paillier_check_ct(pub, a));
    CCS_TRY(paillier_check_ct(pub, b));
    mpz_mul(out, a, b);
    mpz_mod(out, out, pub->n2);
    return CCS_OK;
}

ccs_status ccs_paillier_add_plain(const ccs_paillier_pub *pub, const mpz_t c, const mpz_t m, mpz_t out) {
    CCS_ENSURE(pub && c && m && out && m != out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(paillier_check_ct(pub, c));
    CCS_ENSURE(mpz_sgn(m) >= 0 && mpz_cmp(m, pub->n) < 0, CCS_ERR_INVALID_ARG,
               "paillier: plaintext outside [0, n)");
    mpz_t g;
    mpz_init(g);
    mpz_mul(g, m, pub->n); /* g^m = 1 + m n mod n^2 */
    mpz_add_ui(g, g, 1);
    mpz_mul(out, c, g);
    mpz_mod(out, out, pub->n2);
    mpz_clear(g);
    return CCS_OK;
}

ccs_status ccs_paillier_neg(const ccs_paillier_pub *pub, const mpz_t c, mpz_t out) {
    CCS_ENSURE(pub && c && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(paillier_check_ct(pub, c));
    CCS_ENSURE(mpz_invert(out, c, pub->n2), CCS_ERR_INVALID_ARG, "paillier: ciphertext is not a unit");
    return CCS_OK;
}

ccs_status ccs_paillier_mul_scalar(const ccs_paillier_pub *pub, const mpz_t c, const mpz_t k, mpz_t out) {
    CCS_ENSURE(pub && c && k && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(paillier_check_ct(pub, c));
    mpz_t base, e;
    mpz_inits(base, e, NULL);
    ccs_status st = CCS_OK;
    if (mpz_sgn(k) < 0) { /* c^k = (c^-1)^|k| */
        if (!mpz_invert(base, c, pub->n2))
            st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "paillier: ciphertext is not a unit");
        mpz_neg(e, k);
    } else {
        mpz_set(base, c);
        mpz_set(e, k);
    }
    if (st == CCS_OK) {
        /* Dec(c^e) = e Dec(c) mod n: reduce a long scalar mod n first */
        if (mpz_cmp(e, pub->n) >= 0) mpz_mod(e, e, pub->n);
        mpz_powm(out, base, e, pub->n2);
    }
    mpz_clears(base, e, NULL);
    return st;
}

ccs_status ccs_paillier_rerandomize(const ccs_paillier_pub *pub, ccs_paillier_mode mode, const mpz_t c,
                                    mpz_t out) {
    CCS_ENSURE(pub && c && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(paillier_check_ct(pub, c));
    mpz_t z;
    mpz_init(z);
    ccs_status st = paillier_noise(pub, mode, z);
    if (st == CCS_OK) {
        mpz_mul(out, c, z);
        mpz_mod(out, out, pub->n2);
    }
    mpz_clear(z);
    return st;
}

ccs_status ccs_paillier_encode_signed(const ccs_paillier_pub *pub, const mpz_t v, mpz_t m) {
    CCS_ENSURE(pub && v && m, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_ENSURE(mpz_cmpabs(v, pub->half) <= 0, CCS_ERR_OVERFLOW,
               "paillier: |v| > (n-1)/2 does not fit the signed encoding");
    mpz_mod(m, v, pub->n);
    return CCS_OK;
}

ccs_status ccs_paillier_decode_signed(const ccs_paillier_pub *pub, const mpz_t m, mpz_t v) {
    CCS_ENSURE(pub && m && v, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_ENSURE(mpz_sgn(m) >= 0 && mpz_cmp(m, pub->n) < 0, CCS_ERR_INVALID_ARG,
               "paillier: plaintext outside [0, n)");
    if (mpz_cmp(m, pub->half) > 0) mpz_sub(v, m, pub->n);
    else mpz_set(v, m);
    return CCS_OK;
}
