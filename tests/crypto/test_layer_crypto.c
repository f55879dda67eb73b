/* Encrypted-layer primitives against published vectors: AES-256-CTR (NIST
 * SP 800-38A F.5.5), HMAC-SHA256 (RFC 4231 test case 2), the JOSE Concat
 * KDF (RFC 7518 Appendix C), and RSA-OAEP with a PEM key through
 * ccs_pubkey_rsa_raw + ccs_rsa_oaep_encrypt and ccs_rsa_oaep_decrypt_pem. */
#include <stdlib.h>
#include <string.h>

#include "test_crypto.h"

static void unhex(const char *h, uint8_t *out, size_t n) {
    ccs_buf b = {0};
    assert_int_equal(ccs_hex_decode(h, strlen(h), &b), CCS_OK);
    assert_int_equal(b.len, n);
    memcpy(out, b.ptr, n);
    ccs_buf_free(&b);
}

static void test_aes256ctr(void **state) {
    (void)state;
    uint8_t key[32], iv[16], pt[64], want[64], got[64];
    unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", key, 32);
    unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
    unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", pt, 64);
    unhex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
          "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6", want, 64);
    /* In two uneven pieces: the stream continues. */
    ccs_aes256ctr *a = NULL;
    assert_int_equal(ccs_aes256ctr_new(key, iv, &a), CCS_OK);
    assert_int_equal(ccs_aes256ctr_update(a, pt, 7, got), CCS_OK);
    assert_int_equal(ccs_aes256ctr_update(a, pt + 7, 57, got + 7), CCS_OK);
    ccs_aes256ctr_free(a);
    assert_memory_equal(got, want, 64);
    assert_int_equal(ccs_aes256ctr_update(NULL, pt, 1, got), CCS_ERR_INVALID_ARG);
}

/* The VAES kernel against OpenSSL's (CCS_AES_VAES=0): lengths across the
 * 16-block steps, uneven pieces, and counters whose low half (or all 128
 * bits) wraps inside a step, at a step's edge and in the single blocks. */
static void ctr_with(const char *vaes, const uint8_t iv[16], const uint8_t *in, size_t n, size_t piece, uint8_t *out) {
    static const uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    assert_int_equal(setenv("CCS_AES_VAES", vaes, 1), 0);
    ccs_aes256ctr *a = NULL;
    assert_int_equal(ccs_aes256ctr_new(key, iv, &a), CCS_OK);
    for (size_t off = 0; off < n; off += piece)
        assert_int_equal(ccs_aes256ctr_update(a, in + off, n - off < piece ? n - off : piece, out + off), CCS_OK);
    ccs_aes256ctr_free(a);
}

static void test_aes256ctr_paths(void **state) {
    (void)state;
    enum { N = 16 * 300 + 5 };
    uint8_t *in = malloc(N), *want = malloc(N), *got = malloc(N);
    assert_non_null(in), assert_non_null(want), assert_non_null(got);
    for (size_t i = 0; i < N; i++) in[i] = (uint8_t)(i * 29 + 3);
    static const uint8_t lows[][8] = {
        {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf8},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x12, 0x34, 0x56, 0x78, 0xff, 0xff, 0xff, 0xff}};
    static const size_t lens[] = {0, 1, 15, 16, 17, 255, 256, 257, 4096, N};
    static const size_t pieces[] = {1, 13, 16, 100, 256, 1000, N};
    for (size_t h = 0; h < 2; h++)
        for (size_t l = 0; l < sizeof lows / sizeof *lows; l++) {
            uint8_t iv[16];
            memset(iv, h ? 0xff : 0x5a, 8); /* an all-ones high half: the 128-bit counter wraps to 0 */
            memcpy(iv + 8, lows[l], 8);
            for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
                size_t piece = pieces[(k + l) % (sizeof pieces / sizeof *pieces)];
                if (lens[k] > 300 && piece == 1) piece = 7;
                ctr_with("0", iv, in, lens[k], N, want);
                ctr_with("1", iv, in, lens[k], piece, got);
                if (lens[k] > 0) assert_memory_equal(got, want, lens[k]);
            }
        }
    assert_int_equal(unsetenv("CCS_AES_VAES"), 0);
    free(in), free(want), free(got);
}

static void test_hmac256(void **state) {
    (void)state;
    uint8_t want[32], got[32];
    unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
    ccs_hmac256 *h = NULL;
    assert_int_equal(ccs_hmac256_new(ccs_bytes_str("Jefe"), &h), CCS_OK);
    assert_int_equal(ccs_hmac256_update(h, ccs_bytes_str("what do ya want ")), CCS_OK);
    assert_int_equal(ccs_hmac256_update(h, ccs_bytes_str("for nothing?")), CCS_OK);
    assert_int_equal(ccs_hmac256_final(h, got), CCS_OK);
    ccs_hmac256_free(h);
    assert_memory_equal(got, want, 32);
}

/* The one-shot HMAC over pieces against OpenSSL's (ccs_hmac256): keys of
 * every length up to and past a block, messages split at every point; and
 * RFC 4231 test case 2. */
static void test_hmac_sha256_v(void **state) {
    (void)state;
    uint8_t m[150], key[140], want[32], got[32];
    for (size_t i = 0; i < sizeof m; i++) m[i] = (uint8_t)(i * 29 + 3);
    for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)(i * 11 + 5);
    for (size_t kl = 0; kl <= sizeof key; kl += (kl < 70 ? 1 : 23)) {
        ccs_hmac256 *h = NULL;
        assert_int_equal(ccs_hmac256_new(ccs_bytes_of(key, kl), &h), CCS_OK);
        assert_int_equal(ccs_hmac256_update(h, ccs_bytes_of(m, sizeof m)), CCS_OK);
        assert_int_equal(ccs_hmac256_final(h, want), CCS_OK);
        ccs_hmac256_free(h);
        for (size_t cut = 0; cut <= sizeof m; cut += 7) {
            ccs_bytes parts[3] = {ccs_bytes_of(m, cut), ccs_bytes_of(NULL, 0), ccs_bytes_of(m + cut, sizeof m - cut)};
            ccs_hmac_sha256_v(ccs_bytes_of(key, kl), parts, 3, got);
            assert_memory_equal(got, want, 32);
        }
    }
    unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
    ccs_bytes msg = ccs_bytes_str("what do ya want for nothing?");
    ccs_hmac_sha256_v(ccs_bytes_str("Jefe"), &msg, 1, got);
    assert_memory_equal(got, want, 32);
}

static void test_concat_kdf(void **state) {
    (void)state;
    /* RFC 7518 Appendix C: Z from the example keys, enc A128GCM, apu "Alice", apv "Bob". */
    static const uint8_t z[] = {158, 86,  217, 29,  129, 113, 53,  211, 114, 131, 66,  131, 191, 132, 38,  156,
                                251, 49,  110, 163, 218, 128, 106, 72,  246, 218, 167, 121, 140, 254, 144, 196};
    static const uint8_t want[] = {86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26};
    uint8_t got[16];
    assert_int_equal(ccs_concat_kdf_sha256(ccs_bytes_of(z, sizeof z), "A128GCM", ccs_bytes_str("Alice"),
                                           ccs_bytes_str("Bob"), sizeof got, got),
                     CCS_OK);
    assert_memory_equal(got, want, sizeof want);
    /* More than one round (48 bytes) is the first round's 32 bytes, then the second's. */
    uint8_t two[48], one[32];
    assert_int_equal(ccs_concat_kdf_sha256(ccs_bytes_of(z, 32), "x", ccs_bytes_of(NULL, 0), ccs_bytes_of(NULL, 0), 48, two),
                     CCS_OK);
    assert_int_equal(ccs_concat_kdf_sha256(ccs_bytes_of(z, 32), "x", ccs_bytes_of(NULL, 0), ccs_bytes_of(NULL, 0), 32, one),
                     CCS_OK);
    assert_memory_not_equal(two, one, 32); /* keydatalen is in the input */
    assert_int_equal(ccs_concat_kdf_sha256(ccs_bytes_of(z, 32), "x", ccs_bytes_of(NULL, 0), ccs_bytes_of(NULL, 0), 65, two),
                     CCS_ERR_INVALID_ARG);
}

static void test_rsa_pem(void **state) {
    (void)state;
    ccs_buf priv = {0}, pub = {0}, n = {0}, e = {0}, ct = {0}, pt = {0};
    test_read_data("image/rsa.pem", &priv);
    test_read_data("image/rsapub.pem", &pub);
    ccs_pubkey *pk = NULL;
    assert_int_equal(ccs_pubkey_from_pem(ccs_buf_view(&pub), &pk), CCS_OK);
    assert_int_equal(ccs_pubkey_rsa_raw(pk, &n, &e), CCS_OK);
    assert_int_equal(n.len, 256);
    for (int h = CCS_OAEP_SHA1; h <= CCS_OAEP_SHA256; h++) {
        ct.len = pt.len = 0;
        assert_int_equal(ccs_rsa_oaep_encrypt(ccs_buf_view(&n), ccs_buf_view(&e), (ccs_oaep_hash)h,
                                              ccs_bytes_str("content key"), &ct),
                         CCS_OK);
        assert_int_equal(ccs_rsa_oaep_decrypt_pem(ccs_buf_view(&priv), (ccs_oaep_hash)h, ccs_buf_view(&ct), &pt), CCS_OK);
        assert_memory_equal(pt.ptr, "content key", 11);
        ct.ptr[10] ^= 1;
        pt.len = 0;
        assert_int_equal(ccs_rsa_oaep_decrypt_pem(ccs_buf_view(&priv), (ccs_oaep_hash)h, ccs_buf_view(&ct), &pt),
                         CCS_ERR_SIGNATURE);
        assert_int_equal(pt.len, 0);
    }
    assert_int_equal(ccs_rsa_oaep_decrypt_pem(ccs_buf_view(&priv), CCS_OAEP_SHA1, ccs_bytes_of(ct.ptr, 255), &pt),
                     CCS_ERR_FORMAT);
    assert_int_equal(ccs_rsa_oaep_decrypt_pem(ccs_buf_view(&pub), CCS_OAEP_SHA1, ccs_buf_view(&ct), &pt), CCS_ERR_FORMAT);
    ccs_pubkey_free(pk);
    ccs_buf_free(&priv);
    ccs_buf_free(&pub);
    ccs_buf_free(&n);
    ccs_buf_free(&e);
    ccs_buf_free(&ct);
    ccs_buf_free(&pt);
}

int test_group_layer_crypto(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aes256ctr),
        cmocka_unit_test(test_aes256ctr_paths),
        cmocka_unit_test(test_hmac256),
        cmocka_unit_test(test_hmac_sha256_v),
        cmocka_unit_test(test_concat_kdf),
        cmocka_unit_test(test_rsa_pem),
    };
    return cmocka_run_group_tests_name("crypto/layer", tests, NULL, NULL);
}
