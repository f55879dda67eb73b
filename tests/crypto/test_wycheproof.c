/* Every ECDSA vector of the Wycheproof P-256/P-384 files through the public
 * verify functions: P1363 files through ccs_ecdsa_verify_raw (key from the
 * uncompressed point), DER files through ccs_ecdsa_verify_der (key from the
 * SPKI). "valid" must verify, "invalid" must not, "acceptable" may do either. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "test_crypto.h"

typedef struct wp_file {
    const char *name;
    ccs_curve curve;
    bool p1363;
} wp_file;

static void hex_field(json_t *obj, const char *key, ccs_buf *out) {
    const char *hex = json_string_value(json_object_get(obj, key));
    if (hex == NULL) fail_msg("missing hex field %s", key);
    out->len = 0;
    assert_int_equal(ccs_hex_decode(hex, strlen(hex), out), CCS_OK);
}

static ccs_pubkey *group_key(json_t *group, const wp_file *f) {
    ccs_buf b = {0};
    ccs_pubkey *k = NULL;
    ccs_status st;
    if (f->p1363) {
        hex_field(json_object_get(group, "publicKey"), "uncompressed", &b);
        st = ccs_pubkey_from_ec_raw(f->curve, ccs_buf_view(&b), &k);
    } else {
        hex_field(group, "publicKeyDer", &b);
        st = ccs_pubkey_from_spki(ccs_buf_view(&b), &k);
    }
    ccs_buf_free(&b);
    if (st != CCS_OK) fail_msg("%s: key rejected: %s", f->name, ccs_error_detail());
    assert_int_equal(ccs_pubkey_curve(k), f->curve);
    return k;
}

static void run_file(const wp_file *f) {
    char rel[256];
    ccs_buf raw = {0}, msg = {0}, sig = {0};
    snprintf(rel, sizeof rel, "wycheproof/%s", f->name);
    test_read_data(rel, &raw);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)raw.ptr, raw.len, 0, &jerr);
    if (root == NULL) fail_msg("%s: %s", f->name, jerr.text);
    ccs_buf_free(&raw);

    size_t run = 0, acceptable_ok = 0, acceptable_fail = 0;
    size_t gi;
    json_t *group;
    json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
        ccs_pubkey *k = group_key(group, f);
        size_t ti;
        json_t *t;
        json_array_foreach(json_object_get(group, "tests"), ti, t) {
            hex_field(t, "msg", &msg);
            hex_field(t, "sig", &sig);
            const char *result = json_string_value(json_object_get(t, "result"));
            long tc = (long)json_integer_value(json_object_get(t, "tcId"));
            assert_non_null(result);
            ccs_status st = f->p1363 ? ccs_ecdsa_verify_raw(k, ccs_buf_view(&msg), ccs_buf_view(&sig))
                                     : ccs_ecdsa_verify_der(k, ccs_buf_view(&msg), ccs_buf_view(&sig));
            if (strcmp(result, "valid") == 0) {
                if (st != CCS_OK) fail_msg("%s tcId %ld: valid vector rejected: %s", f->name, tc, ccs_error_detail());
            } else if (strcmp(result, "invalid") == 0) {
                if (st == CCS_OK) fail_msg("%s tcId %ld: invalid vector accepted", f->name, tc);
                /* Wrong-length raw signatures are argument errors; every
                 * other rejection must say "bad signature". */
                if (st != CCS_ERR_SIGNATURE && st != CCS_ERR_INVALID_ARG)
                    fail_msg("%s tcId %ld: unexpected status %s: %s", f->name, tc, ccs_status_name(st), ccs_error_detail());
                if (st == CCS_ERR_INVALID_ARG && !f->p1363)
                    fail_msg("%s tcId %ld: DER rejection is not bad_signature", f->name, tc);
            } else {
                assert_string_equal(result, "acceptable");
                if (st == CCS_OK)
                    acceptable_ok++;
                else
                    acceptable_fail++;
            }
            run++;
        }
        ccs_pubkey_free(k);
    }
    assert_int_equal(run, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    print_message("%s: %zu vectors, acceptable: %zu accepted, %zu rejected\n", f->name, run, acceptable_ok,
                  acceptable_fail);
    ccs_buf_free(&msg);
    ccs_buf_free(&sig);
    json_decref(root);
}

static void test_p256_p1363(void **state) {
    (void)state;
    run_file(&(wp_file){"ecdsa_secp256r1_sha256_p1363_test.json", CCS_CURVE_P256, true});
}
static void test_p256_der(void **state) {
    (void)state;
    run_file(&(wp_file){"ecdsa_secp256r1_sha256_test.json", CCS_CURVE_P256, false});
}
static void test_p384_p1363(void **state) {
    (void)state;
    run_file(&(wp_file){"ecdsa_secp384r1_sha384_p1363_test.json", CCS_CURVE_P384, true});
}
static void test_p384_der(void **state) {
    (void)state;
    run_file(&(wp_file){"ecdsa_secp384r1_sha384_test.json", CCS_CURVE_P384, false});
}

int test_group_wycheproof(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p256_p1363),
        cmocka_unit_test(test_p256_der),
        cmocka_unit_test(test_p384_p1363),
        cmocka_unit_test(test_p384_der),
    };
    return cmocka_run_group_tests_name("crypto/wycheproof", tests, NULL, NULL);
}
