/* The attestation-agent key provider: layers whose key a KBS holds. The
 * resolver stands in for the agent here (the end-to-end path through a real
 * KBS is tests/cli/image_kbs.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ccs/image.h"
#include "image_internal.h"

static const uint8_t KEK[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const char KID[] = "kbs:///default/key/image-kek";

typedef struct resolver {
    const uint8_t *kek;
    size_t len;
    ccs_status fail;
    int calls;
    char last_kid[128];
} resolver;

static ccs_status resolve(void *ctx, const char *kid, ccs_buf *out) {
    resolver *r = ctx;
    r->calls++;
    snprintf(r->last_kid, sizeof r->last_kid, "%s", kid);
    if (r->fail != CCS_OK) return ccs_error_set(r->fail, CCS_HERE, "kbs: HTTP 401 AttestationError: refused");
    return ccs_buf_append(out, r->kek, r->len);
}

static void st_is(ccs_status got, ccs_status want) {
    if (got != want) fail_msg("status %d, expected %d: %s", (int)got, (int)want, ccs_error_detail());
}

static json_t *desc_of(const char *layer) {
    char d[CCS_IMAGE_DIGEST_LEN + 1];
    ccs__image_digest_of(ccs_bytes_str(layer), d);
    return json_pack("{s:s,s:s,s:I}", "mediaType", "application/vnd.oci.image.layer.v1.tar", "digest", d, "size",
                     (json_int_t)strlen(layer));
}

static ccs_status decrypt_with(const json_t *ed, ccs_bytes ct, resolver *r, ccs_buf *pt) {
    ccs_image_keys k = {.kek = r ? resolve : NULL, .kek_ctx = r};
    json_t *pd = NULL;
    ccs_status st = ccs_ocicrypt_decrypt_layer(ed, ct, &k, pt, &pd);
    json_decref(pd);
    return st;
}

static void test_aa_round_trip_and_refusals(void **state) {
    (void)state;
    static const char layer[] = "layer whose key only the KBS releases";
    json_t *in = desc_of(layer), *ed = NULL;
    ccs_buf ct = {0}, pt = {0};
    ccs_image_keys enc = {.aa_kid = KID, .aa_kek = KEK};
    st_is(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &enc, &ct, &ed), CCS_OK);
    const json_t *ann = json_object_get(ed, "annotations");
    assert_non_null(json_object_get(ann, "org.opencontainers.image.enc.keys.provider.attestation-agent"));
    assert_null(json_object_get(ann, "org.opencontainers.image.enc.keys.jwe"));
    /* The packet is the CoCo shape. */
    ccs_buf raw = {0};
    const char *v = json_string_value(json_object_get(ann, "org.opencontainers.image.enc.keys.provider.attestation-agent"));
    st_is(ccs_base64_decode(v, strlen(v), &raw), CCS_OK);
    json_t *pkt = json_loadb((const char *)raw.ptr, raw.len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(pkt, "kid")), KID);
    assert_string_equal(json_string_value(json_object_get(pkt, "wrap_type")), "A256GCM");
    json_decref(pkt);
    ccs_buf_free(&raw);

    resolver good = {KEK, 32, CCS_OK, 0, ""};
    st_is(decrypt_with(ed, ccs_buf_view(&ct), &good, &pt), CCS_OK);
    assert_memory_equal(pt.ptr, layer, strlen(layer));
    assert_int_equal(good.calls, 1);
    assert_string_equal(good.last_kid, KID);

    uint8_t other[32] = {0};
    resolver wrong = {other, 32, CCS_OK, 0, ""}, short_key = {KEK, 16, CCS_OK, 0, ""};
    resolver refused = {KEK, 32, CCS_ERR_POLICY, 0, ""};
    ccs_buf none = {0};
    st_is(decrypt_with(ed, ccs_buf_view(&ct), &wrong, &none), CCS_ERR_KEY);
    assert_non_null(strstr(ccs_error_detail(), "does not open this layer"));
    st_is(decrypt_with(ed, ccs_buf_view(&ct), &short_key, &none), CCS_ERR_KEY);
    st_is(decrypt_with(ed, ccs_buf_view(&ct), &refused, &none), CCS_ERR_KEY);
    assert_non_null(strstr(ccs_error_detail(), "AttestationError"));
    st_is(decrypt_with(ed, ccs_buf_view(&ct), NULL, &none), CCS_ERR_KEY);
    assert_non_null(strstr(ccs_error_detail(), "held by a KBS"));
    assert_int_equal(none.len, 0);
    /* Altered ciphertext: the KEK opens the options, the HMAC refuses. */
    ct.ptr[3] ^= 0x40;
    good.calls = 0;
    st_is(decrypt_with(ed, ccs_buf_view(&ct), &good, &none), CCS_ERR_SIGNATURE);
    assert_int_equal(none.len, 0);
    ccs_buf_free(&ct);
    ccs_buf_free(&pt);
    json_decref(ed);
    /* Bad key ids are refused when encrypting. */
    static const char *const bad[] = {"kbs:///a/b", "kbs:///a//c", "https://x/a/b/c", "kbs:///a/b/c/d", "kbs:///a/b/c d"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ccs_image_keys e = {.aa_kid = bad[i], .aa_kek = KEK};
        ccs_buf c = {0};
        st_is(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &e, &c, &ed), CCS_ERR_FORMAT);
        assert_null(ed);
        ccs_buf_free(&c);
    }
    ccs_image_keys nokek = {.aa_kid = KID};
    ccs_buf c = {0};
    st_is(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &nokek, &c, &ed), CCS_ERR_INVALID_ARG);
    ccs_image_keys nothing = {0};
    st_is(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &nothing, &c, &ed), CCS_ERR_INVALID_ARG);
    ccs_buf_free(&c);
    ccs_buf_free(&none);
    json_decref(in);
}

/* A packet rewritten: wrap_type, iv, wrapped_data, kid. */
static void test_aa_packet_refusals(void **state) {
    (void)state;
    static const struct {
        const char *json;
        ccs_status st;
        const char *msg;
    } cases[] = {
        {"{\"kid\":\"kbs:///a/b/c\",\"wrapped_data\":\"AAAAAAAAAAAAAAAAAAAAAAAA\",\"iv\":\"AAAAAAAAAAAAAAAA\",\"wrap_type\":\"A128GCM\"}", CCS_ERR_UNSUPPORTED, "wrap_type A128GCM"},
        {"{\"kid\":\"kbs:///a/b/c\",\"wrapped_data\":\"AAAAAAAAAAAAAAAAAAAAAAAA\",\"iv\":\"AAAA\",\"wrap_type\":\"A256GCM\"}", CCS_ERR_FORMAT, "\"iv\" has 3 bytes"},
        {"{\"kid\":\"kbs:///a/b/c\",\"wrapped_data\":\"AAAA\",\"iv\":\"AAAAAAAAAAAAAAAA\",\"wrap_type\":\"A256GCM\"}", CCS_ERR_FORMAT, "\"wrapped_data\" has 3 bytes"},
        {"{\"kid\":\"file:///etc/x\",\"wrapped_data\":\"AAAAAAAAAAAAAAAAAAAAAAAA\",\"iv\":\"AAAAAAAAAAAAAAAA\",\"wrap_type\":\"A256GCM\"}", CCS_ERR_FORMAT, "kid must be"},
        {"not json", CCS_ERR_FORMAT, "JSON"},
    };
    resolver good = {KEK, 32, CCS_OK, 0, ""};
    ccs_image_keys k = {.kek = resolve, .kek_ctx = &good};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ccs_buf b64 = {0}, out = {0};
        st_is(ccs_base64_encode(ccs_bytes_str(cases[i].json), &b64), CCS_OK);
        st_is(ccs__image_aa_unwrap((const char *)b64.ptr, &k, &out), cases[i].st);
        if (strstr(ccs_error_detail(), cases[i].msg) == NULL) fail_msg("case %zu: %s", i, ccs_error_detail());
        assert_int_equal(good.calls, 0); /* refused before asking the KBS */
        ccs_buf_free(&b64);
        ccs_buf_free(&out);
    }
    ccs_buf out = {0};
    st_is(ccs__image_aa_unwrap("%%%", &k, &out), CCS_ERR_FORMAT);
}

int test_group_image_aa(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aa_round_trip_and_refusals),
        cmocka_unit_test(test_aa_packet_refusals),
    };
    return cmocka_run_group_tests_name("image/aa", tests, NULL, NULL);
}
