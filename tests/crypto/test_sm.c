/* SM3, HMAC-SM3 and SM2 verification: GB/T 32905 examples, HMAC-SM3
 * against OpenSSL's HMAC with SM3 (`openssl mac -digest SM3 ... HMAC`),
 * signatures made here with OpenSSL under a non-default ID, and the real
 * Hygon certificate signatures (HRK self-signature, HRK -> HSK). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "test_crypto.h"

#define CSV_DIR "attestation/csv/csvrs-report-and-certs/"

static void hex_eq(const uint8_t *got, size_t n, const char *want_hex) {
    char hex[2 * 64 + 1];
    assert_true(2 * n < sizeof hex);
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(got, n), hex, sizeof hex), CCS_OK);
    assert_string_equal(hex, want_hex);
}

static void test_sm3_kat(void **state) {
    (void)state;
    uint8_t d[CCS_SM3_LEN];
    char abcd[65];
    /* GB/T 32905-2016 appendix A, examples 1 and 2. */
    ccs_sm3(ccs_bytes_str("abc"), d);
    hex_eq(d, sizeof d, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    for (int i = 0; i < 16; i++) memcpy(abcd + 4 * i, "abcd", 4);
    ccs_sm3(ccs_bytes_of(abcd, 64), d);
    hex_eq(d, sizeof d, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    ccs_sm3(ccs_bytes_of(NULL, 0), d);
    hex_eq(d, sizeof d, "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
}

static void test_hmac_sm3(void **state) {
    (void)state;
    uint8_t key[20], mac[CCS_SM3_LEN];
    memset(key, 0x0b, sizeof key);
    /* RFC 2202 cases 1 and 2 with SM3; values from OpenSSL 3.0.19:
     * printf 'Hi There' | openssl mac -digest SM3 -macopt hexkey:0b..0b HMAC */
    assert_int_equal(ccs_hmac_sm3(ccs_bytes_of(key, 20), ccs_bytes_str("Hi There"), mac), CCS_OK);
    hex_eq(mac, sizeof mac, "51b00d1fb49832bfb01c3ce27848e59f871d9ba938dc563b338ca964755cce70");
    assert_int_equal(ccs_hmac_sm3(ccs_bytes_str("Jefe"), ccs_bytes_str("what do ya want for nothing?"), mac), CCS_OK);
    hex_eq(mac, sizeof mac, "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882");
    /* Against EVP_MAC computed here, over a key longer than the block. */
    uint8_t longkey[100], want[CCS_SM3_LEN];
    size_t wlen = 0;
    for (size_t i = 0; i < sizeof longkey; i++) longkey[i] = (uint8_t)i;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(m);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
                      OSSL_PARAM_construct_end()};
    assert_int_equal(EVP_MAC_init(c, longkey, sizeof longkey, p), 1);
    assert_int_equal(EVP_MAC_update(c, (const unsigned char *)"message", 7), 1);
    assert_int_equal(EVP_MAC_final(c, want, &wlen, sizeof want), 1);
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(m);
    assert_int_equal(ccs_hmac_sm3(ccs_bytes_of(longkey, sizeof longkey), ccs_bytes_str("message"), mac), CCS_OK);
    assert_memory_equal(mac, want, sizeof mac);
    assert_int_equal(ccs_hmac_sm3(ccs_bytes_of(NULL, 3), ccs_bytes_str("m"), mac), CCS_ERR_INVALID_ARG);
}

/* Signs msg with an SM2 key under `id`; returns pub x||y and sig r||s. */
static void sm2_sign(EVP_PKEY *k, const char *id, ccs_bytes msg, uint8_t xy[64], uint8_t rs[64]) {
    uint8_t pub[65], der[128];
    size_t publen = 0, derlen = sizeof der;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &publen), 1);
    assert_int_equal(publen, 65);
    memcpy(xy, pub + 1, 64);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, id, strlen(id)), 1);
    EVP_MD_CTX_set_pkey_ctx(md, pctx);
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(md, der, &derlen, msg.ptr, msg.len), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    assert_non_null(sig);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32), 32);
    ECDSA_SIG_free(sig);
}

static void test_sm2_generated(void **state) {
    (void)state;
    static const char id[] = "ALICE123@YAHOO.COM";
    ccs_bytes msg = ccs_bytes_str("message digest");
    uint8_t xy[64], rs[64], bad[64];
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_non_null(k);
    sm2_sign(k, id, msg, xy, rs);
    ccs_bytes pub = ccs_bytes_of(xy, 64), sig = ccs_bytes_of(rs, 64);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str(id), msg, sig), CCS_OK);
    /* Another ID, the OpenSSL 1.1 default ID, or no ID: other Z_A. */
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str("ALICE123@YAHOO.CON"), msg, sig), CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str("1234567812345678"), msg, sig), CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_of(NULL, 0), msg, sig), CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str(id), ccs_bytes_str("message digesT"), sig), CCS_ERR_SIGNATURE);
    memcpy(bad, rs, 64);
    bad[40] ^= 1;
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str(id), msg, ccs_bytes_of(bad, 64)), CCS_ERR_SIGNATURE);
    /* r = 0, s = n: out of range. */
    memset(bad, 0, 32);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str(id), msg, ccs_bytes_of(bad, 64)), CCS_ERR_SIGNATURE);
    memcpy(bad, rs, 32);
    static const char n_hex[] = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
    assert_int_equal(ccs_hex_decode_fixed(n_hex, 64, bad + 32, 32), CCS_OK);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str(id), msg, ccs_bytes_of(bad, 64)), CCS_ERR_SIGNATURE);
    /* Another key; a point off the curve; wrong lengths. */
    uint8_t xy2[64], rs2[64];
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    sm2_sign(k2, id, msg, xy2, rs2);
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(xy2, 64), ccs_bytes_str(id), msg, sig), CCS_ERR_SIGNATURE);
    xy2[63] ^= 1;
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(xy2, 64), ccs_bytes_str(id), msg, ccs_bytes_of(rs2, 64)), CCS_ERR_KEY);
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(xy, 63), ccs_bytes_str(id), msg, sig), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_sm2_verify(pub, ccs_bytes_str(id), msg, ccs_bytes_of(rs, 63)), CCS_ERR_INVALID_ARG);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
}

/* A little-endian 72-byte field (low 32 bytes used) to 32 big-endian bytes. */
static void le72(const uint8_t *f, uint8_t out[32]) {
    for (int i = 0; i < 32; i++) out[i] = f[31 - i];
}

/* Key and signature of a Hygon "ca" certificate (832 bytes; MANIFEST.md). */
static void ca_parts(const uint8_t *c, uint8_t xy[64], uint8_t rs[64]) {
    le72(c + 68, xy);
    le72(c + 140, xy + 32);
    le72(c + 576, rs);
    le72(c + 648, rs + 32);
}

static void test_sm2_hygon(void **state) {
    (void)state;
    ccs_buf hrk = {0}, hsk = {0};
    uint8_t hrk_xy[64], hrk_rs[64], hsk_xy[64], hsk_rs[64];
    test_read_data(CSV_DIR "hrk.cert", &hrk);
    test_read_data(CSV_DIR "hsk.cert", &hsk);
    assert_int_equal(hrk.len, 832);
    assert_int_equal(hsk.len, 832);
    ca_parts(hrk.ptr, hrk_xy, hrk_rs);
    ca_parts(hsk.ptr, hsk_xy, hsk_rs);
    ccs_bytes hrk_id = ccs_bytes_str("HYGON-SSD-HRK");
    /* HRK self-signature and HRK -> HSK, both over bytes [0, 576). */
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(hrk_xy, 64), hrk_id, ccs_bytes_of(hrk.ptr, 576),
                                    ccs_bytes_of(hrk_rs, 64)),
                     CCS_OK);
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(hrk_xy, 64), hrk_id, ccs_bytes_of(hsk.ptr, 576),
                                    ccs_bytes_of(hsk_rs, 64)),
                     CCS_OK);
    /* The subject's own ID, the default ID, one more byte signed: refused. */
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(hrk_xy, 64), ccs_bytes_str("HYGON-SSD-HSK"),
                                    ccs_bytes_of(hsk.ptr, 576), ccs_bytes_of(hsk_rs, 64)),
                     CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(hrk_xy, 64), ccs_bytes_str("1234567812345678"),
                                    ccs_bytes_of(hrk.ptr, 576), ccs_bytes_of(hrk_rs, 64)),
                     CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(hrk_xy, 64), hrk_id, ccs_bytes_of(hrk.ptr, 577),
                                    ccs_bytes_of(hrk_rs, 64)),
                     CCS_ERR_SIGNATURE);
    /* HSK's key did not sign HSK. */
    assert_int_equal(ccs_sm2_verify(ccs_bytes_of(hsk_xy, 64), ccs_bytes_str("HYGON-SSD-HSK"),
                                    ccs_bytes_of(hsk.ptr, 576), ccs_bytes_of(hsk_rs, 64)),
                     CCS_ERR_SIGNATURE);
    ccs_buf_free(&hrk);
    ccs_buf_free(&hsk);
}

int test_group_sm(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3_kat),
        cmocka_unit_test(test_hmac_sm3),
        cmocka_unit_test(test_sm2_generated),
        cmocka_unit_test(test_sm2_hygon),
    };
    return cmocka_run_group_tests_name("crypto/sm2+sm3", tests, NULL, NULL);
}
