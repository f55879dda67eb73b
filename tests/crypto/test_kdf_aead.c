/* Wycheproof vectors for the HKDF-SHA-256 and AES-256-GCM wrappers. HKDF:
 * every vector (valid ones must give okm; the invalid ones ask for more than
 * 255*32 bytes and must be refused as invalid arguments). AES-GCM: the
 * groups the wrapper supports (256-bit key, 96-bit nonce, 128-bit tag);
 * valid ones must seal to ct||tag and open, invalid ones (modified tags)
 * must fail to open with CCS_ERR_SIGNATURE and release nothing. */
#include <string.h>

#include <jansson.h>

#include "test_crypto.h"

static json_t *load(const char *name) {
    char rel[256];
    ccs_buf raw = {0};
    json_error_t jerr;
    snprintf(rel, sizeof rel, "wycheproof/%s", name);
    test_read_data(rel, &raw);
    json_t *root = json_loadb((const char *)raw.ptr, raw.len, 0, &jerr);
    if (root == NULL) fail_msg("%s: %s", name, jerr.text);
    ccs_buf_free(&raw);
    return root;
}

static void hex(json_t *t, const char *key, ccs_buf *out) {
    const char *h = json_string_value(json_object_get(t, key));
    if (h == NULL) fail_msg("missing %s", key);
    out->len = 0;
    assert_int_equal(ccs_hex_decode(h, strlen(h), out), CCS_OK);
}

static void test_hkdf(void **state) {
    (void)state;
    json_t *root = load("hkdf_sha256_test.json"), *g, *t;
    ccs_buf ikm = {0}, salt = {0}, info = {0}, okm = {0};
    uint8_t out[255 * 32 + 64];
    size_t gi, ti, valid = 0, invalid = 0;
    json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            hex(t, "ikm", &ikm);
            hex(t, "salt", &salt);
            hex(t, "info", &info);
            hex(t, "okm", &okm);
            size_t size = (size_t)json_integer_value(json_object_get(t, "size"));
            const char *result = json_string_value(json_object_get(t, "result"));
            long tc = (long)json_integer_value(json_object_get(t, "tcId"));
            assert_true(size <= sizeof out);
            ccs_status st = ccs_hkdf_sha256(ccs_buf_view(&salt), ccs_buf_view(&ikm), ccs_buf_view(&info), out, size);
            if (strcmp(result, "valid") == 0) {
                if (st != CCS_OK) fail_msg("tcId %ld: %s", tc, ccs_error_detail());
                assert_int_equal(okm.len, size);
                if (memcmp(out, okm.ptr, size) != 0) fail_msg("tcId %ld: wrong okm", tc);
                valid++;
            } else {
                assert_string_equal(result, "invalid");
                if (st != CCS_ERR_INVALID_ARG) fail_msg("tcId %ld: %s, want invalid_arg", tc, ccs_status_name(st));
                invalid++;
            }
        }
    }
    assert_int_equal(valid + invalid, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    assert_int_equal(valid, 83);
    assert_int_equal(invalid, 3);
    ccs_buf *bufs[] = {&ikm, &salt, &info, &okm};
    for (size_t i = 0; i < 4; i++) ccs_buf_free(bufs[i]);
    json_decref(root);
}

static void test_aes_gcm(void **state) {
    (void)state;
    json_t *root = load("aes_gcm_test.json"), *g, *t;
    ccs_buf key = {0}, iv = {0}, aad = {0}, msg = {0}, ct = {0}, tag = {0}, out = {0};
    uint8_t mytag[16];
    size_t gi, ti, valid = 0, invalid = 0, skipped = 0;
    json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
        bool ours = json_integer_value(json_object_get(g, "keySize")) == 256 &&
                    json_integer_value(json_object_get(g, "ivSize")) == 96 &&
                    json_integer_value(json_object_get(g, "tagSize")) == 128;
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            if (!ours) {
                skipped++;
                continue;
            }
            hex(t, "key", &key);
            hex(t, "iv", &iv);
            hex(t, "aad", &aad);
            hex(t, "msg", &msg);
            hex(t, "ct", &ct);
            hex(t, "tag", &tag);
            long tc = (long)json_integer_value(json_object_get(t, "tcId"));
            const char *result = json_string_value(json_object_get(t, "result"));
            assert_int_equal(key.len, 32);
            assert_int_equal(iv.len, 12);
            assert_int_equal(tag.len, 16);
            out.len = 0;
            ccs_status st = ccs_aes256gcm_open(key.ptr, iv.ptr, ccs_buf_view(&aad), ccs_buf_view(&ct), tag.ptr, &out);
            if (strcmp(result, "valid") == 0) {
                if (st != CCS_OK) fail_msg("tcId %ld: open: %s", tc, ccs_error_detail());
                assert_int_equal(out.len, msg.len);
                if (msg.len) assert_memory_equal(out.ptr, msg.ptr, msg.len);
                out.len = 0;
                assert_int_equal(
                    ccs_aes256gcm_seal(key.ptr, iv.ptr, ccs_buf_view(&aad), ccs_buf_view(&msg), &out, mytag), CCS_OK);
                assert_int_equal(out.len, ct.len);
                if (ct.len) assert_memory_equal(out.ptr, ct.ptr, ct.len);
                assert_memory_equal(mytag, tag.ptr, 16);
                valid++;
            } else {
                assert_string_equal(result, "invalid");
                if (st != CCS_ERR_SIGNATURE) fail_msg("tcId %ld: %s, want bad signature", tc, ccs_status_name(st));
                assert_int_equal(out.len, 0);
                invalid++;
            }
        }
    }
    assert_int_equal(valid + invalid + skipped, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    assert_int_equal(valid, 39);
    assert_int_equal(invalid, 27);
    ccs_buf *bufs[] = {&key, &iv, &aad, &msg, &ct, &tag, &out};
    for (size_t i = 0; i < 7; i++) ccs_buf_free(bufs[i]);
    json_decref(root);
}

int test_group_kdf_aead(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf),
        cmocka_unit_test(test_aes_gcm),
    };
    return cmocka_run_group_tests_name("crypto/kdf_aead (Wycheproof)", tests, NULL, NULL);
}
