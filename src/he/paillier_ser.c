/*
 * paillier_ser.c - versioned, length-prefixed big-endian encodings of
 * Paillier keys and ciphertexts (format in ccs/he_paillier.h), and their
 * fail-closed parsers (untrusted bytes: bounded reader, fixed sizes).
 */
#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "paillier_internal.h"

enum { KIND_PUB = 1, KIND_PRIV = 2, KIND_CT = 3 };
static const uint8_t MAGIC[4] = {'C', 'C', 'S', 'P'};

static ccs_status put_header(ccs_buf *out, uint8_t kind, unsigned bits) {
    uint8_t h[8] = {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], CCS_PAILLIER_SER_VERSION, kind,
                    (uint8_t)(bits >> 8), (uint8_t)bits};
    return ccs_buf_append(out, h, sizeof h);
}

/* u32 length, then x in exactly len big-endian bytes. */
static ccs_status put_field(ccs_buf *out, const mpz_t x, size_t len) {
    CCS_ENSURE(mpz_sgn(x) >= 0 && (mpz_sgn(x) == 0 || (mpz_sizeinbase(x, 2) + 7) / 8 <= len),
               CCS_ERR_INTERNAL, "paillier: field does not fit %zu bytes", len);
    uint8_t *buf = calloc(1, len + 4);
    CCS_ENSURE(buf, CCS_ERR_NOMEM, "paillier: field");
    buf[0] = (uint8_t)(len >> 24);
    buf[1] = (uint8_t)(len >> 16);
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
    size_t cnt = mpz_sgn(x) ? (mpz_sizeinbase(x, 2) + 7) / 8 : 0;
    if (cnt) mpz_export(buf + 4 + (len - cnt), NULL, 1, 1, 1, 0, x);
    ccs_status st = ccs_buf_append(out, buf, len + 4);
    ccs_wipe(buf, len + 4); /* may hold p */
    free(buf);
    return st;
}

/* Reads the header; returns bits (checked against opts). */
static ccs_status get_header(ccs_reader *r, uint8_t kind, const ccs_paillier_opts *opts, unsigned *bits) {
    ccs_bytes h;
    CCS_TRY(ccs_reader_bytes(r, 8, &h));
    CCS_ENSURE(memcmp(h.ptr, MAGIC, 4) == 0, CCS_ERR_FORMAT, "paillier: not a CCSP object");
    CCS_ENSURE(h.ptr[4] == CCS_PAILLIER_SER_VERSION, CCS_ERR_UNSUPPORTED, "paillier: version %u", h.ptr[4]);
    CCS_ENSURE(h.ptr[5] == kind, CCS_ERR_FORMAT, "paillier: object kind %u, expected %u", h.ptr[5], kind);
    *bits = (unsigned)h.ptr[6] << 8 | h.ptr[7];
    CCS_ENSURE(paillier_bits_ok(*bits, opts), CCS_ERR_INVALID_ARG, "paillier: n of %u bits refused", *bits);
    return CCS_OK;
}

static ccs_status get_field(ccs_reader *r, size_t len, mpz_t x) {
    ccs_bytes b;
    CCS_TRY(ccs_reader_bytes(r, 4, &b));
    uint32_t l = (uint32_t)b.ptr[0] << 24 | (uint32_t)b.ptr[1] << 16 | (uint32_t)b.ptr[2] << 8 | b.ptr[3];
    CCS_ENSURE(l == len, CCS_ERR_FORMAT, "paillier: field of %u bytes, expected %zu", l, len);
    CCS_TRY(ccs_reader_bytes(r, len, &b));
    mpz_import(x, len, 1, 1, 1, 0, b.ptr);
    return CCS_OK;
}

/* n: exactly `bits` bits, odd, not a square. */
static ccs_status check_n(const mpz_t n, unsigned bits) {
    CCS_ENSURE(mpz_sgn(n) > 0 && mpz_sizeinbase(n, 2) == bits && mpz_odd_p(n) && !mpz_perfect_square_p(n),
               CCS_ERR_FORMAT, "paillier: n is not a %u-bit odd non-square", bits);
    return CCS_OK;
}

/* x in [min, n^2) and a unit mod n. */
static ccs_status check_unit(const mpz_t x, unsigned long min, const mpz_t n, const mpz_t n2, const char *what) {
    mpz_t t;
    mpz_init(t);
    bool ok = mpz_cmp_ui(x, min) >= 0 && mpz_cmp(x, n2) < 0;
    if (ok) {
        mpz_gcd(t, x, n);
        ok = mpz_cmp_ui(t, 1) == 0;
    }
    mpz_clear(t);
    CCS_ENSURE(ok, CCS_ERR_FORMAT, "paillier: %s is not a unit in [%lu, n^2)", what, min);
    return CCS_OK;
}

ccs_status ccs_paillier_pub_serialize(const ccs_paillier_pub *pub, ccs_buf *out) {
    CCS_ENSURE(pub && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(put_header(out, KIND_PUB, pub->bits));
    CCS_TRY(put_field(out, pub->n, pub->bits / 8));
    return put_field(out, pub->hs, pub->bits / 4);
}

/* n and hs of a key, checked as a unit (the format); the callers do not
 * use this hs: no public check shows that it generates a large subgroup
 * (hs = n^2 - 1, of order 2, makes every FAST-mode ciphertext readable by
 * anyone), so each loader draws its own, as IPCL derives hs locally. */
static ccs_status get_n_hs(ccs_reader *r, unsigned bits, mpz_t n, mpz_t hs) {
    CCS_TRY(get_field(r, bits / 8, n));
    CCS_TRY(check_n(n, bits));
    CCS_TRY(get_field(r, bits / 4, hs));
    mpz_t n2;
    mpz_init(n2);
    mpz_mul(n2, n, n);
    ccs_status st = check_unit(hs, 2, n, n2, "hs");
    mpz_clear(n2);
    return st;
}

ccs_status ccs_paillier_pub_deserialize(ccs_bytes in, const ccs_paillier_opts *opts, ccs_paillier_pub **out) {
    CCS_ENSURE(out, CCS_ERR_INVALID_ARG, "paillier: out is NULL");
    *out = NULL;
    ccs_reader r;
    ccs_reader_init(&r, in);
    unsigned bits;
    CCS_TRY(get_header(&r, KIND_PUB, opts, &bits));
    mpz_t n, hs;
    mpz_inits(n, hs, NULL);
    ccs_paillier_pub *pub = NULL;
    ccs_status st = get_n_hs(&r, bits, n, hs);
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st == CCS_OK) {
        pub = calloc(1, sizeof *pub);
        st = pub ? paillier_pub_init(pub, n, NULL, opts) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "paillier");
    }
    mpz_clears(n, hs, NULL);
    if (st != CCS_OK) {
        ccs_paillier_pub_free(pub);
        return st;
    }
    *out = pub;
    return CCS_OK;
}

ccs_status ccs_paillier_priv_serialize(const ccs_paillier_priv *priv, ccs_buf *out) {
    CCS_ENSURE(priv && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    size_t start = out->len;
    CCS_TRY(ccs_paillier_pub_serialize(&priv->pub, out));
    out->ptr[start + 5] = KIND_PRIV; /* the public key's layout, then p */
    return put_field(out, priv->p, priv->pub.bits / 8);
}

ccs_status ccs_paillier_priv_deserialize(ccs_bytes in, const ccs_paillier_opts *opts, ccs_paillier_priv **out) {
    CCS_ENSURE(out, CCS_ERR_INVALID_ARG, "paillier: out is NULL");
    *out = NULL;
    ccs_reader r;
    ccs_reader_init(&r, in);
    unsigned bits;
    CCS_TRY(get_header(&r, KIND_PRIV, opts, &bits));
    mpz_t n, hs, p, q;
    mpz_inits(n, hs, p, q, NULL);
    ccs_status st = get_n_hs(&r, bits, n, hs);
    if (st == CCS_OK) st = get_field(&r, bits / 8, p);
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st == CCS_OK && (mpz_cmp_ui(p, 1) <= 0 || mpz_cmp(p, n) >= 0 || !mpz_divisible_p(n, p)))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "paillier: p does not divide n");
    if (st == CCS_OK) {
        mpz_divexact(q, n, p);
        st = paillier_priv_make(p, q, NULL, opts, false, out);
    }
    mpz_clears(n, hs, NULL);
    paillier_mpz_clear_secret(p);
    paillier_mpz_clear_secret(q);
    return st;
}

ccs_status ccs_paillier_ct_serialize(const ccs_paillier_pub *pub, const mpz_t c, ccs_buf *out) {
    CCS_ENSURE(pub && c && out, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    CCS_TRY(paillier_check_unit_ct(pub, c));
    CCS_TRY(put_header(out, KIND_CT, pub->bits));
    return put_field(out, c, pub->bits / 4);
}

ccs_status ccs_paillier_ct_deserialize(const ccs_paillier_pub *pub, ccs_bytes in, mpz_t c) {
    CCS_ENSURE(pub && c, CCS_ERR_INVALID_ARG, "paillier: bad arguments");
    ccs_reader r;
    ccs_reader_init(&r, in);
    ccs_paillier_opts any = {.insecure_small_n = true};
    unsigned bits;
    CCS_TRY(get_header(&r, KIND_CT, &any, &bits));
    CCS_ENSURE(bits == pub->bits, CCS_ERR_FORMAT, "paillier: ciphertext for a %u-bit n, key has %u", bits,
               pub->bits);
    mpz_t x;
    mpz_init(x);
    ccs_status st = get_field(&r, bits / 4, x);
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st == CCS_OK) st = check_unit(x, 1, pub->n, pub->n2, "ciphertext");
    if (st == CCS_OK) mpz_set(c, x);
    mpz_clear(x);
    return st;
}
