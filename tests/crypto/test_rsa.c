/* Every RSA vector of the Wycheproof RSASSA-PKCS1-v1_5 and RSASSA-PSS
 * 2048/SHA-256 files through ccs_pubkey_verify (key from the SPKI), plus the
 * scheme/key/hash mismatches of the generic verifier and the PEM and SPKI
 * helpers. "valid" must verify, "invalid" must fail with bad_signature. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "test_crypto.h"

static void hex_field(json_t *obj, const char *key, ccs_buf *out) {
    const char *hex = json_string_value(json_object_get(obj, key));
    if (hex == NULL) fail_msg("missing hex field %s", key);
    out->len = 0;
    assert_int_equal(ccs_hex_decode(hex, strlen(hex), out), CCS_OK);
}

static void run_file(const char *name, ccs_sig_scheme scheme) {
    char rel[256];
    ccs_buf raw = {0}, msg = {0}, sig = {0}, der = {0};
    snprintf(rel, sizeof rel, "wycheproof/%s", name);
    test_read_data(rel, &raw);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)raw.ptr, raw.len, 0, &jerr);
    if (root == NULL) fail_msg("%s: %s", name, jerr.text);
    ccs_buf_free(&raw);
    size_t run = 0, acc_ok = 0, acc_fail = 0, gi, ti;
    json_t *group, *t;
    json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
        ccs_pubkey *k = NULL;
        hex_field(group, "publicKeyDer", &der);
        if (ccs_pubkey_from_spki(ccs_buf_view(&der), &k) != CCS_OK) fail_msg("%s: key: %s", name, ccs_error_detail());
        /* The PEM form names the same key. */
        const char *pem = json_string_value(json_object_get(group, "publicKeyPem"));
        if (pem) {
            ccs_pubkey *k2 = NULL;
            assert_int_equal(ccs_pubkey_from_pem(ccs_bytes_str(pem), &k2), CCS_OK);
            assert_true(ccs_pubkey_equal(k, k2));
            ccs_pubkey_free(k2);
        }
        json_array_foreach(json_object_get(group, "tests"), ti, t) {
            hex_field(t, "msg", &msg);
            hex_field(t, "sig", &sig);
            const char *result = json_string_value(json_object_get(t, "result"));
            long tc = (long)json_integer_value(json_object_get(t, "tcId"));
            ccs_status st = ccs_pubkey_verify(k, scheme, CCS_HASH_SHA256, ccs_buf_view(&msg), ccs_buf_view(&sig));
            if (strcmp(result, "valid") == 0) {
                if (st != CCS_OK) fail_msg("%s tcId %ld: valid vector rejected: %s", name, tc, ccs_error_detail());
            } else if (strcmp(result, "invalid") == 0) {
                if (st != CCS_ERR_SIGNATURE)
                    fail_msg("%s tcId %ld: invalid vector gave %s", name, tc, ccs_status_name(st));
            } else {
                assert_string_equal(result, "acceptable");
                if (st == CCS_OK) acc_ok++;
                else acc_fail++;
            }
            run++;
        }
        ccs_pubkey_free(k);
    }
    assert_int_equal(run, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    print_message("%s: %zu vectors, acceptable: %zu accepted, %zu rejected\n", name, run, acc_ok, acc_fail);
    ccs_buf_free(&msg);
    ccs_buf_free(&sig);
    ccs_buf_free(&der);
    json_decref(root);
}

static void test_pkcs1(void **state) {
    (void)state;
    run_file("rsa_signature_2048_sha256_test.json", CCS_SIG_RSA_PKCS1);
}

static void test_pss(void **state) {
    (void)state;
    run_file("rsa_pss_2048_sha256_mgf1_32_test.json", CCS_SIG_RSA_PSS);
}

/* Scheme, key type and hash must fit together. */
static void test_mismatches(void **state) {
    (void)state;
    ccs_buf raw = {0}, der = {0};
    test_read_data("wycheproof/rsa_signature_2048_sha256_test.json", &raw);
    json_t *root = json_loadb((const char *)raw.ptr, raw.len, 0, NULL);
    assert_non_null(root);
    hex_field(json_array_get(json_object_get(root, "testGroups"), 0), "publicKeyDer", &der);
    ccs_pubkey *rsa = NULL, *ec = NULL;
    assert_int_equal(ccs_pubkey_from_spki(ccs_buf_view(&der), &rsa), CCS_OK);
    uint8_t xy[64];
    /* The P-256 generator: a valid point. */
    static const char gx[] = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                             "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    assert_int_equal(ccs_hex_decode_fixed(gx, 128, xy, 64), CCS_OK);
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(xy, 64), &ec), CCS_OK);
    uint8_t sig[256] = {1};
    ccs_bytes m = ccs_bytes_str("m");
    assert_int_equal(ccs_pubkey_verify(ec, CCS_SIG_RSA_PKCS1, CCS_HASH_SHA256, m, ccs_bytes_of(sig, 256)), CCS_ERR_KEY);
    assert_int_equal(ccs_pubkey_verify(rsa, CCS_SIG_ECDSA_RAW, CCS_HASH_SHA256, m, ccs_bytes_of(sig, 64)), CCS_ERR_KEY);
    assert_int_equal(ccs_pubkey_verify(ec, CCS_SIG_ECDSA_RAW, CCS_HASH_SHA384, m, ccs_bytes_of(sig, 64)),
                     CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_pubkey_verify(rsa, CCS_SIG_RSA_PKCS1, (ccs_hash_alg)9, m, ccs_bytes_of(sig, 256)),
                     CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_pubkey_verify(rsa, CCS_SIG_RSA_PKCS1, CCS_HASH_SHA256, m, ccs_bytes_of(sig, 255)),
                     CCS_ERR_SIGNATURE);
    assert_false(ccs_pubkey_equal(rsa, ec));
    assert_true(ccs_pubkey_equal(ec, ec));
    /* Not a public-key PEM. */
    ccs_pubkey *k = NULL;
    assert_int_equal(ccs_pubkey_from_pem(ccs_bytes_str("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), &k),
                     CCS_ERR_FORMAT);
    assert_int_equal(ccs_pubkey_from_pem(ccs_bytes_str("hello"), &k), CCS_ERR_FORMAT);
    uint8_t d[64];
    size_t dl = 0;
    assert_int_equal(ccs_digest(CCS_HASH_SHA512, ccs_bytes_str("abc"), d, sizeof d, &dl), CCS_OK);
    assert_int_equal(dl, 64);
    assert_int_equal(d[0], 0xdd); /* SHA-512("abc") = ddaf35a1... */
    ccs_pubkey_free(rsa);
    ccs_pubkey_free(ec);
    ccs_buf_free(&raw);
    ccs_buf_free(&der);
    json_decref(root);
}

int test_group_rsa(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkcs1),
        cmocka_unit_test(test_pss),
        cmocka_unit_test(test_mismatches),
    };
    return cmocka_run_group_tests_name("crypto/rsa", tests, NULL, NULL);
}
