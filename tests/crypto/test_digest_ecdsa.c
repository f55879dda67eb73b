/* Digests, constant-time compare, randomness, public keys and ECDSA
 * (beyond the Wycheproof vectors: argument and length errors, round trips
 * against OpenSSL-made signatures). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "test_crypto.h"

static void hex_eq(const uint8_t *got, size_t n, const char *want_hex) {
    char hex[2 * 64 + 1];
    assert_true(2 * n < sizeof hex);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(got, n), hex, sizeof hex), CCS_OK);
    assert_string_equal(hex, want_hex);
}

static void test_sha_kat(void **state) {
    (void)state;
    uint8_t d256[CCS_SHA256_LEN], d384[CCS_SHA384_LEN];
    /* FIPS 180-2 appendix B.1 / D.1. */
    ccs_sha256(ccs_bytes_str("abc"), d256);
    hex_eq(d256, sizeof d256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ccs_sha384(ccs_bytes_str("abc"), d384);
    hex_eq(d384, sizeof d384,
           "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    ccs_sha256(ccs_bytes_of(NULL, 0), d256);
    hex_eq(d256, sizeof d256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    uint8_t v[CCS_SHA256_LEN];
    ccs_bytes parts[] = {ccs_bytes_str("a"), ccs_bytes_of(NULL, 0), ccs_bytes_str("bc")};
    ccs_sha256_v(parts, 3, v);
    ccs_sha256(ccs_bytes_str("abc"), d256);
    assert_memory_equal(v, d256, sizeof v);
    ccs_sha256_v(NULL, 0, v);
    hex_eq(v, sizeof v, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ccs_sha384(ccs_bytes_of(NULL, 0), d384);
    hex_eq(d384, sizeof d384,
           "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
}

/* ccs_digest: the same digests by algorithm (FIPS 180-2 "abc"), its
 * output length, and its refusals. */
static void test_digest_by_alg(void **state) {
    (void)state;
    uint8_t d[64];
    size_t n = 0;
    assert_int_equal(ccs_digest(CCS_HASH_SHA256, ccs_bytes_str("abc"), d, sizeof d, &n), CCS_OK);
    hex_eq(d, n, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(ccs_digest(CCS_HASH_SHA384, ccs_bytes_str("abc"), d, sizeof d, &n), CCS_OK);
    hex_eq(d, n,
           "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    assert_int_equal(ccs_digest(CCS_HASH_SHA512, ccs_bytes_str("abc"), d, sizeof d, &n), CCS_OK);
    hex_eq(d, n,
           "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
           "454d4423643ce80e2a9ac94fa54ca49f");
    assert_int_equal(ccs_digest(CCS_HASH_SHA512, ccs_bytes_of(NULL, 0), d, sizeof d, &n), CCS_OK);
    hex_eq(d, n,
           "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f"
           "63b931bd47417a81a538327af927da3e");
    assert_int_equal(ccs_digest((ccs_hash_alg)99, ccs_bytes_str("abc"), d, sizeof d, &n), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_digest(CCS_HASH_SHA384, ccs_bytes_str("abc"), d, 47, &n), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_digest(CCS_HASH_SHA256, ccs_bytes_of(NULL, 3), d, sizeof d, &n), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_digest(CCS_HASH_SHA256, ccs_bytes_str("abc"), NULL, 32, &n), CCS_ERR_INVALID_ARG);
}

static void test_ct_eq_wipe_random(void **state) {
    (void)state;
    assert_true(ccs_ct_eq(ccs_bytes_str("abc"), ccs_bytes_str("abc")));
    assert_false(ccs_ct_eq(ccs_bytes_str("abc"), ccs_bytes_str("abd")));
    assert_false(ccs_ct_eq(ccs_bytes_str("abc"), ccs_bytes_str("abcd")));
    assert_true(ccs_ct_eq(ccs_bytes_of(NULL, 0), ccs_bytes_str("")));

    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(ccs_random(a, sizeof a), CCS_OK);
    assert_int_equal(ccs_random(b, sizeof b), CCS_OK);
    assert_false(ccs_bytes_is_zero(ccs_bytes_of(a, sizeof a)));
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(ccs_random(NULL, 0), CCS_OK);
    assert_int_equal(ccs_random(NULL, 1), CCS_ERR_INVALID_ARG);
    ccs_wipe(a, sizeof a);
    assert_true(ccs_bytes_is_zero(ccs_bytes_of(a, sizeof a)));
    ccs_wipe(NULL, 5);
}

/* A fresh OpenSSL key on `group` ("P-256"/"P-384") with its raw x||y. */
static EVP_PKEY *gen_key(const char *group, uint8_t *xy, size_t *xylen) {
    EVP_PKEY *k = EVP_EC_gen(group);
    assert_non_null(k);
    uint8_t pub[1 + 96];
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &n), 1);
    assert_int_equal(pub[0], 0x04);
    memcpy(xy, pub + 1, n - 1);
    *xylen = n - 1;
    return k;
}

/* Signs msg with OpenSSL; returns DER into der and raw r||s into rs. */
static void sign(EVP_PKEY *k, const EVP_MD *md, ccs_bytes msg, uint8_t *der, size_t *derlen, uint8_t *rs,
                 size_t flen) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_DigestSignInit(c, NULL, md, NULL, k), 1);
    assert_int_equal(EVP_DigestSign(c, der, derlen, msg.ptr, msg.len), 1);
    EVP_MD_CTX_free(c);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)*derlen);
    assert_non_null(sig);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, (int)flen), (int)flen);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + flen, (int)flen), (int)flen);
    ECDSA_SIG_free(sig);
}

static void roundtrip(const char *group, ccs_curve curve, size_t flen, const EVP_MD *md) {
    uint8_t xy[96], der[128], rs[96], out[96], digest[48];
    size_t xylen = 0, derlen = sizeof der, outlen = 0;
    EVP_PKEY *k = gen_key(group, xy, &xylen);
    assert_int_equal(xylen, 2 * flen);
    ccs_bytes msg = ccs_bytes_str("attestation report body");
    sign(k, md, msg, der, &derlen, rs, flen);

    ccs_pubkey *pk = NULL, *pk65 = NULL, *spki = NULL;
    assert_int_equal(ccs_pubkey_from_ec_raw(curve, ccs_bytes_of(xy, xylen), &pk), CCS_OK);
    assert_int_equal(ccs_pubkey_curve(pk), curve);
    assert_int_equal(ccs_pubkey_ec_raw(pk, out, sizeof out, &outlen), CCS_OK);
    assert_int_equal(outlen, xylen);
    assert_memory_equal(out, xy, xylen);
    assert_int_equal(ccs_pubkey_ec_raw(pk, out, xylen - 1, &outlen), CCS_ERR_INVALID_ARG);

    uint8_t sec1[97];
    sec1[0] = 0x04;
    memcpy(sec1 + 1, xy, xylen);
    assert_int_equal(ccs_pubkey_from_ec_raw(curve, ccs_bytes_of(sec1, xylen + 1), &pk65), CCS_OK);
    unsigned char *spki_der = NULL;
    int spki_len = i2d_PUBKEY(k, &spki_der);
    assert_true(spki_len > 0);
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of(spki_der, (size_t)spki_len), &spki), CCS_OK);
    assert_int_equal(ccs_pubkey_curve(spki), curve);
    OPENSSL_free(spki_der);

    const ccs_pubkey *keys[] = {pk, pk65, spki};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ccs_ecdsa_verify_raw(keys[i], msg, ccs_bytes_of(rs, 2 * flen)), CCS_OK);
        assert_int_equal(ccs_ecdsa_verify_der(keys[i], msg, ccs_bytes_of(der, derlen)), CCS_OK);
        if (curve == CCS_CURVE_P256)
            ccs_sha256(msg, digest);
        else
            ccs_sha384(msg, digest);
        assert_int_equal(ccs_ecdsa_verify_digest_raw(keys[i], ccs_bytes_of(digest, flen == 32 ? 32 : 48),
                                                     ccs_bytes_of(rs, 2 * flen)),
                         CCS_OK);
        /* Wrong digest length, wrong signature length. */
        assert_int_equal(ccs_ecdsa_verify_digest_raw(keys[i], ccs_bytes_of(digest, 20), ccs_bytes_of(rs, 2 * flen)),
                         CCS_ERR_INVALID_ARG);
        assert_int_equal(ccs_ecdsa_verify_raw(keys[i], msg, ccs_bytes_of(rs, 2 * flen - 1)), CCS_ERR_INVALID_ARG);
        assert_int_equal(ccs_ecdsa_verify_raw(keys[i], msg, ccs_bytes_of(der, derlen)),
                         derlen == 2 * flen ? CCS_ERR_SIGNATURE : CCS_ERR_INVALID_ARG);
        /* Another message. */
        assert_int_equal(ccs_ecdsa_verify_raw(keys[i], ccs_bytes_str("other"), ccs_bytes_of(rs, 2 * flen)),
                         CCS_ERR_SIGNATURE);
        assert_int_equal(ccs_ecdsa_verify_der(keys[i], ccs_bytes_str("other"), ccs_bytes_of(der, derlen)),
                         CCS_ERR_SIGNATURE);
    }

    /* Trailing byte after the DER signature; a BER long-form length. */
    der[derlen] = 0;
    assert_int_equal(ccs_ecdsa_verify_der(pk, msg, ccs_bytes_of(der, derlen + 1)), CCS_ERR_SIGNATURE);
    uint8_t ber[130];
    ber[0] = 0x30;
    ber[1] = 0x81;
    memcpy(ber + 2, der + 1, derlen - 1);
    assert_int_equal(ccs_ecdsa_verify_der(pk, msg, ccs_bytes_of(ber, derlen + 1)), CCS_ERR_SIGNATURE);

    /* r = 0; r = n (the curve order); s flipped. */
    uint8_t bad[96];
    memcpy(bad, rs, 2 * flen);
    memset(bad, 0, flen);
    assert_int_equal(ccs_ecdsa_verify_raw(pk, msg, ccs_bytes_of(bad, 2 * flen)), CCS_ERR_SIGNATURE);
    BIGNUM *order = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_ORDER, &order), 1);
    assert_int_equal(BN_bn2binpad(order, bad, (int)flen), (int)flen);
    assert_int_equal(ccs_ecdsa_verify_raw(pk, msg, ccs_bytes_of(bad, 2 * flen)), CCS_ERR_SIGNATURE);
    BN_free(order);
    memcpy(bad, rs, 2 * flen);
    bad[2 * flen - 1] ^= 1;
    assert_int_equal(ccs_ecdsa_verify_raw(pk, msg, ccs_bytes_of(bad, 2 * flen)), CCS_ERR_SIGNATURE);

    ccs_pubkey_free(pk);
    ccs_pubkey_free(pk65);
    ccs_pubkey_free(spki);
    EVP_PKEY_free(k);
}

static void test_ecdsa_roundtrip(void **state) {
    (void)state;
    roundtrip("P-256", CCS_CURVE_P256, 32, EVP_sha256());
    roundtrip("P-384", CCS_CURVE_P384, 48, EVP_sha384());
}

static void test_pubkey_errors(void **state) {
    (void)state;
    uint8_t xy[64] = {0};
    ccs_pubkey *k = (ccs_pubkey *)&xy; /* must be reset to NULL on failure */
    /* (0,0) is not on P-256. */
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(xy, 64), &k), CCS_ERR_KEY);
    assert_null(k);
    /* A valid key, one coordinate bit flipped: off the curve. */
    uint8_t good[96];
    size_t n = 0;
    EVP_PKEY *ek = gen_key("P-256", good, &n);
    good[63] ^= 1;
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(good, 64), &k), CCS_ERR_KEY);
    good[63] ^= 1;
    /* Lengths and curve mix-ups. */
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(good, 63), &k), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P384, ccs_bytes_of(good, 64), &k), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_pubkey_from_ec_raw((ccs_curve)7, ccs_bytes_of(good, 64), &k), CCS_ERR_UNSUPPORTED);
    /* 0 is no curve: refused before any length is derived from it. */
    assert_int_equal(ccs_pubkey_from_ec_raw((ccs_curve)0, ccs_bytes_of(good, 64), &k), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_pubkey_from_ec_raw((ccs_curve)0, ccs_bytes_of(NULL, 0), &k), CCS_ERR_UNSUPPORTED);
    uint8_t compressed[65];
    compressed[0] = 0x02;
    memcpy(compressed + 1, good, 64);
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(compressed, 65), &k), CCS_ERR_INVALID_ARG);
    EVP_PKEY_free(ek);

    /* SPKI: truncated, trailing byte, garbage. */
    ek = EVP_EC_gen("P-256");
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(ek, &der);
    assert_true(len > 0);
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of(der, (size_t)len - 1), &k), CCS_ERR_TRUNCATED);
    uint8_t longer[200];
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of(longer, (size_t)len + 1), &k), CCS_ERR_TRAILING);
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_str("garbage"), &k), CCS_ERR_TRUNCATED); /* len 0x61 */
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of("\x02\x01\x05", 3), &k), CCS_ERR_FORMAT);
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of(NULL, 0), &k), CCS_ERR_INVALID_ARG);
    /* The same SPKI with the point moved off the curve. */
    memcpy(longer, der, (size_t)len);
    longer[len - 1] ^= 1;
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of(longer, (size_t)len), &k), CCS_ERR_KEY);
    OPENSSL_free(der);
    EVP_PKEY_free(ek);

    /* An RSA key parses but cannot do ECDSA. */
    EVP_PKEY *rsa = EVP_RSA_gen(1024);
    assert_non_null(rsa);
    der = NULL;
    len = i2d_PUBKEY(rsa, &der);
    assert_int_equal(ccs_pubkey_from_spki(ccs_bytes_of(der, (size_t)len), &k), CCS_OK);
    assert_int_equal(ccs_pubkey_curve(k), 0);
    uint8_t sig[64] = {1};
    size_t outlen = 0;
    assert_int_equal(ccs_ecdsa_verify_raw(k, ccs_bytes_str("m"), ccs_bytes_of(sig, 64)), CCS_ERR_KEY);
    assert_int_equal(ccs_pubkey_ec_raw(k, good, sizeof good, &outlen), CCS_ERR_UNSUPPORTED);
    ccs_pubkey_free(k);
    OPENSSL_free(der);
    EVP_PKEY_free(rsa);

    assert_int_equal(ccs_ecdsa_verify_raw(NULL, ccs_bytes_str("m"), ccs_bytes_of(sig, 64)), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_pubkey_curve(NULL), 0);
    ccs_pubkey_free(NULL);
}

int test_group_digest_ecdsa(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha_kat),
        cmocka_unit_test(test_digest_by_alg),
        cmocka_unit_test(test_ct_eq_wipe_random),
        cmocka_unit_test(test_ecdsa_roundtrip),
        cmocka_unit_test(test_pubkey_errors),
    };
    return cmocka_run_group_tests_name("crypto/digest+ecdsa", tests, NULL, NULL);
}
