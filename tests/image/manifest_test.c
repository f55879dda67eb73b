/* Image manifests and indexes as they come from a registry or a layout
 * (src/image/manifest.c): a good manifest of each type, every field's exact
 * refusal, every truncation and a flipped byte at every place of a real
 * manifest, and the platform choice in an index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image_internal.h"

#define OCI CCS__MT_OCI_MANIFEST
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const char GOOD[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" OCI "\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":2},"
    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D2 "\",\"size\":32,"
    "\"annotations\":{\"a\":\"b\"}}],\"annotations\":{\"org.opencontainers.image.created\":\"2026-11-27\"}}";

static void assert_detail_is(const char *want) {
    const char *d = ccs_error_detail();
    size_t n = strlen(want);
    if (strncmp(d, want, n) != 0 || (d[n] != '\0' && strncmp(d + n, " (", 2) != 0))
        fail_msg("detail \"%s\", want \"%s\"", d, want);
}

static json_t *parse(const char *text) {
    json_t *m = NULL;
    if (ccs__image_json_parse(ccs_bytes_str(text), "manifest", &m) != CCS_OK) return NULL;
    return m;
}

static ccs_status check_text(const char *text, const char *mt) {
    json_t *m = parse(text);
    if (m == NULL) return ccs_error_last();
    ccs_status st = ccs__image_manifest_check(m, mt);
    json_decref(m);
    return st;
}

static void test_good(void **state) {
    (void)state;
    assert_int_equal(check_text(GOOD, OCI), CCS_OK);
    /* Docker v2 schema 2, with its own mediaType; and an OCI one without. */
    char docker[sizeof GOOD + 64];
    snprintf(docker, sizeof docker, "%s", GOOD);
    char *p = strstr(docker, OCI);
    memmove(p + strlen(CCS__MT_DOCKER_MANIFEST), p + strlen(OCI), strlen(p + strlen(OCI)) + 1);
    memcpy(p, CCS__MT_DOCKER_MANIFEST, strlen(CCS__MT_DOCKER_MANIFEST));
    assert_int_equal(check_text(docker, CCS__MT_DOCKER_MANIFEST), CCS_OK);
    assert_int_equal(check_text("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"" D1
                                "\",\"size\":0},\"layers\":[]}",
                                OCI),
                     CCS_OK);
}

typedef struct mcase {
    const char *text;
    const char *mt;
    ccs_status want;
    const char *detail;
} mcase;

#define CFG "\"config\":{\"mediaType\":\"c\",\"digest\":\"" D1 "\",\"size\":2}"
#define LAYER(x) "{\"mediaType\":\"l\",\"digest\":\"" D2 "\",\"size\":1" x "}"

static void test_refusals(void **state) {
    (void)state;
    static const mcase v[] = {
        {"{\"schemaVersion\":2," CFG ",\"layers\":[]}", CCS__MT_OCI_INDEX, CCS_ERR_UNSUPPORTED,
         "manifest: media type " CCS__MT_OCI_INDEX " (OCI image manifest or Docker v2 schema 2 only)"},
        {"{\"schemaVersion\":2," CFG ",\"layers\":[]}", NULL, CCS_ERR_UNSUPPORTED,
         "manifest: media type (none) (OCI image manifest or Docker v2 schema 2 only)"},
        {"{" CFG ",\"layers\":[]}", OCI, CCS_ERR_UNSUPPORTED, "manifest: schemaVersion must be 2"},
        {"{\"schemaVersion\":1," CFG ",\"layers\":[]}", OCI, CCS_ERR_UNSUPPORTED, "manifest: schemaVersion must be 2"},
        {"{\"schemaVersion\":\"2\"," CFG ",\"layers\":[]}", OCI, CCS_ERR_UNSUPPORTED, "manifest: schemaVersion must be 2"},
        {"{\"schemaVersion\":2,\"mediaType\":\"" CCS__MT_DOCKER_MANIFEST "\"," CFG ",\"layers\":[]}", OCI,
         CCS_ERR_MISMATCH, "manifest: its mediaType is not " OCI ", the type it was served as"},
        {"{\"schemaVersion\":2,\"mediaType\":7," CFG ",\"layers\":[]}", OCI, CCS_ERR_MISMATCH,
         "manifest: its mediaType is not " OCI ", the type it was served as"},
        {"{\"schemaVersion\":2,\"layers\":[]}", OCI, CCS_ERR_FORMAT, "manifest: config: a descriptor must be an object"},
        {"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":2},\"layers\":[]}", OCI, CCS_ERR_FORMAT,
         "manifest: config: mediaType must be a non-empty string (at most 255 bytes)"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"\",\"digest\":\"" D1 "\",\"size\":2},\"layers\":[]}", OCI,
         CCS_ERR_FORMAT, "manifest: config: mediaType must be a non-empty string (at most 255 bytes)"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"size\":2},\"layers\":[]}", OCI, CCS_ERR_FORMAT,
         "manifest: config: digest must be a string"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"sha512:00\",\"size\":2},\"layers\":[]}", OCI,
         CCS_ERR_UNSUPPORTED, "manifest: config: image: digest algorithm of \"sha512:00\" (sha256 only)"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"sha256:11\",\"size\":2},\"layers\":[]}", OCI,
         CCS_ERR_FORMAT, "manifest: config: image: digest \"sha256:11\" must have 64 hex digits"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"" D1 "\"},\"layers\":[]}", OCI,
         CCS_ERR_FORMAT, "manifest: config: size must be a non-negative integer"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}", OCI,
         CCS_ERR_FORMAT, "manifest: config: size must be a non-negative integer"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"" D1 "\",\"size\":2.5},\"layers\":[]}", OCI,
         CCS_ERR_FORMAT, "manifest: config: size must be a non-negative integer"},
        {"{\"schemaVersion\":2," CFG "}", OCI, CCS_ERR_FORMAT, "manifest: layers must be an array"},
        {"{\"schemaVersion\":2," CFG ",\"layers\":{}}", OCI, CCS_ERR_FORMAT, "manifest: layers must be an array"},
        {"{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER("") ",7]}", OCI, CCS_ERR_FORMAT,
         "manifest: layer 1: a descriptor must be an object"},
        {"{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER(",\"annotations\":[]") "]}", OCI, CCS_ERR_FORMAT,
         "manifest: layer 0: annotations must be an object"},
        {"{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER(",\"annotations\":{\"k\":1}") "]}", OCI, CCS_ERR_FORMAT,
         "manifest: layer 0: annotation \"k\" must be a string"},
        {"{\"schemaVersion\":2," CFG ",\"layers\":[],\"annotations\":7}", OCI, CCS_ERR_FORMAT,
         "manifest: annotations must be an object"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        ccs_status st = check_text(v[i].text, v[i].mt);
        if (st != v[i].want) fail_msg("case %zu: %s, want %s (%s)", i, ccs_status_name(st), ccs_status_name(v[i].want),
                                      ccs_error_detail());
        assert_detail_is(v[i].detail);
    }
    /* 1025 layers */
    json_t *m = parse(GOOD), *layers = json_object_get(m, "layers");
    for (int i = 0; i < 1024; i++) assert_int_equal(json_array_append(layers, json_array_get(layers, 0)), 0);
    assert_int_equal(ccs__image_manifest_check(m, OCI), CCS_ERR_FORMAT);
    assert_detail_is("manifest: 1025 layers (at most 1024)");
    assert_int_equal(json_array_remove(layers, 0), 0);
    assert_int_equal(ccs__image_manifest_check(m, OCI), CCS_OK);
    json_decref(m);
}

/* Truncations never pass; each single flipped byte either breaks the JSON,
 * is refused, or (inside a string that is free text) still passes. */
static void test_truncations_and_flips(void **state) {
    (void)state;
    size_t n = strlen(GOOD);
    for (size_t k = 0; k < n; k++) {
        char *t = strndup(GOOD, k);
        assert_int_not_equal(check_text(t, OCI), CCS_OK);
        free(t);
    }
    int passed = 0, refused = 0;
    for (size_t k = 0; k < n; k++) {
        char *t = strdup(GOOD);
        t[k] ^= 0x01;
        json_t *m = parse(t);
        if (m != NULL && ccs__image_manifest_check(m, OCI) == CCS_OK) {
            /* What still passes is still a manifest with valid descriptors. */
            assert_int_equal(ccs__image_descriptor_check(json_object_get(m, "config"), "c"), CCS_OK);
            passed++;
        } else {
            refused++;
        }
        json_decref(m);
        free(t);
    }
    assert_true(refused > 0 && passed > 0);
}

static const char INDEX[] =
    "{\"schemaVersion\":2,\"manifests\":["
    "{\"mediaType\":\"" OCI "\",\"digest\":\"" D1 "\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" D2 "\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" OCI "\",\"digest\":\"" D2 "\",\"size\":11,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" OCI "\",\"digest\":\"sha256:zz\",\"size\":11,\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}}]}";

static void test_index(void **state) {
    (void)state;
    json_t *idx = parse(INDEX);
    assert_non_null(idx);
    const json_t *d = NULL;
    assert_int_equal(ccs__image_index_select(idx, NULL, &d), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(d, "digest")), D2); /* the nested index is skipped */
    assert_int_equal(ccs__image_index_select(idx, "linux/arm64", &d), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(d, "digest")), D1);
    assert_int_equal(ccs__image_index_select(idx, "linux/arm64/v8", &d), CCS_OK);
    assert_int_equal(ccs__image_index_select(idx, "linux/arm/v7", &d), CCS_ERR_NOT_FOUND);
    assert_detail_is("image index: no manifest for linux/arm/v7");
    assert_int_equal(ccs__image_index_select(idx, "linux/s390x", &d), CCS_ERR_FORMAT);
    assert_detail_is("image index: manifest 3: image: digest \"sha256:zz\" must have 64 hex digits");
    json_decref(idx);
    idx = parse("{\"schemaVersion\":2,\"manifests\":{}}");
    assert_int_equal(ccs__image_index_select(idx, NULL, &d), CCS_ERR_FORMAT);
    assert_detail_is("image index: manifests must be an array");
    json_decref(idx);
    idx = parse("{\"manifests\":[]}");
    assert_int_equal(ccs__image_index_select(idx, NULL, &d), CCS_ERR_UNSUPPORTED);
    assert_detail_is("manifest: schemaVersion must be 2");
    json_decref(idx);
}

int test_group_image_manifest(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_truncations_and_flips),
        cmocka_unit_test(test_index),
    };
    return cmocka_run_group_tests_name("image_manifest", tests, NULL, NULL);
}
