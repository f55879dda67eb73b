/* Image manifests and indexes (OCI image-spec v1, Docker v2 schema 2) as
 * they come from a registry or a layout: untrusted. A manifest is checked
 * whole before any of its descriptors is used, so each caller (pull, copy,
 * unpack) finds the same shape: a config and layers that are descriptors
 * with a media type, a sha256 digest and a size. Each field has its own
 * small check and its own words; fuzz/fuzz_image_manifest.c. */
#include <stdio.h>
#include <string.h>

#include "ccs/image_registry.h"
#include "image_internal.h"

#define MANIFEST_MAX_LAYERS 1024 /* far above any real image (Docker's own limit is 127) */

bool ccs__image_is_manifest_type(const char *mt) {
    return mt != NULL && (strcmp(mt, CCS__MT_OCI_MANIFEST) == 0 || strcmp(mt, CCS__MT_DOCKER_MANIFEST) == 0);
}

bool ccs__image_is_index_type(const char *mt) {
    return mt != NULL && (strcmp(mt, CCS__MT_OCI_INDEX) == 0 || strcmp(mt, CCS__MT_DOCKER_LIST) == 0);
}

static ccs_status check_media_type(const json_t *d, const char *what) {
    const json_t *v = json_object_get(d, "mediaType");
    CCS_ENSURE(json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 255, CCS_ERR_FORMAT,
               "%s: mediaType must be a non-empty string (at most 255 bytes)", what);
    return CCS_OK;
}

static ccs_status check_digest(const json_t *d, const char *what) {
    const json_t *v = json_object_get(d, "digest");
    CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "%s: digest must be a string", what);
    if (ccs__image_digest_check(json_string_value(v)) == CCS_OK) return CCS_OK;
    return ccs__image_rethrow(ccs_error_last(), what);
}

static ccs_status check_size(const json_t *d, const char *what) {
    const json_t *v = json_object_get(d, "size");
    CCS_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0, CCS_ERR_FORMAT,
               "%s: size must be a non-negative integer", what);
    return CCS_OK;
}

static ccs_status check_annotations(const json_t *d, const char *what) {
    const json_t *a = json_object_get(d, "annotations");
    if (a == NULL) return CCS_OK;
    CCS_ENSURE(json_is_object(a), CCS_ERR_FORMAT, "%s: annotations must be an object", what);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)a, k, v)
        CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "%s: annotation \"%.64s\" must be a string", what, k);
    return CCS_OK;
}

ccs_status ccs__image_descriptor_check(const json_t *d, const char *what) {
    CCS_ENSURE(json_is_object(d), CCS_ERR_FORMAT, "%s: a descriptor must be an object", what);
    CCS_TRY(check_media_type(d, what));
    CCS_TRY(check_digest(d, what));
    CCS_TRY(check_size(d, what));
    return check_annotations(d, what);
}

static ccs_status check_schema(const json_t *m) {
    const json_t *v = json_object_get(m, "schemaVersion");
    CCS_ENSURE(json_is_integer(v) && json_integer_value(v) == 2, CCS_ERR_UNSUPPORTED,
               "manifest: schemaVersion must be 2");
    return CCS_OK;
}

/* The media type the manifest names itself, when it does, must be the one
 * it was served or listed as. */
static ccs_status check_own_type(const json_t *m, const char *media_type) {
    const json_t *v = json_object_get(m, "mediaType");
    if (v == NULL) return CCS_OK;
    CCS_ENSURE(json_is_string(v) && strcmp(json_string_value(v), media_type) == 0, CCS_ERR_MISMATCH,
               "manifest: its mediaType is not %s, the type it was served as", media_type);
    return CCS_OK;
}

static ccs_status check_layers(const json_t *layers) {
    CCS_ENSURE(json_is_array(layers), CCS_ERR_FORMAT, "manifest: layers must be an array");
    CCS_ENSURE(json_array_size(layers) <= MANIFEST_MAX_LAYERS, CCS_ERR_FORMAT, "manifest: %zu layers (at most %d)",
               json_array_size(layers), MANIFEST_MAX_LAYERS);
    for (size_t i = 0; i < json_array_size(layers); i++) {
        char what[40];
        snprintf(what, sizeof what, "manifest: layer %zu", i);
        CCS_TRY(ccs__image_descriptor_check(json_array_get(layers, i), what));
    }
    return CCS_OK;
}

ccs_status ccs__image_manifest_check(const json_t *m, const char *media_type) {
    CCS_ENSURE(ccs__image_is_manifest_type(media_type), CCS_ERR_UNSUPPORTED,
               "manifest: media type %s (OCI image manifest or Docker v2 schema 2 only)",
               media_type != NULL ? media_type : "(none)");
    CCS_ENSURE(json_is_object(m), CCS_ERR_FORMAT, "manifest: not a JSON object");
    CCS_TRY(check_schema(m));
    CCS_TRY(check_own_type(m, media_type));
    CCS_TRY(ccs__image_descriptor_check(json_object_get(m, "config"), "manifest: config"));
    CCS_TRY(check_layers(json_object_get(m, "layers")));
    return check_annotations(m, "manifest");
}

/* os/arch[/variant] of one index entry against the wanted platform (arm64
 * without a variant also matches v8, as containerd's matcher does). */
static bool platform_matches(const json_t *d, const char *os, const char *arch, const char *variant) {
    const json_t *p = json_object_get(d, "platform");
    const char *o = json_string_value(json_object_get(p, "os"));
    const char *a = json_string_value(json_object_get(p, "architecture"));
    const char *v = json_string_value(json_object_get(p, "variant"));
    if (o == NULL || a == NULL || strcmp(o, os) != 0 || strcmp(a, arch) != 0) return false;
    if (variant[0] != '\0') return v != NULL && strcmp(v, variant) == 0;
    return v == NULL || v[0] == '\0' || (strcmp(arch, "arm64") == 0 && strcmp(v, "v8") == 0);
}

ccs_status ccs__image_index_select(const json_t *index, const char *platform, const json_t **out) {
    char os[32], arch[32], variant[32];
    const char *want = platform != NULL ? platform : "linux/amd64";
    CCS_TRY(ccs_registry_platform_parse(want, os, arch, variant));
    CCS_ENSURE(json_is_object(index), CCS_ERR_FORMAT, "image index: not a JSON object");
    CCS_TRY(check_schema(index));
    const json_t *ms = json_object_get(index, "manifests");
    CCS_ENSURE(json_is_array(ms), CCS_ERR_FORMAT, "image index: manifests must be an array");
    for (size_t i = 0; i < json_array_size(ms); i++) {
        const json_t *d = json_array_get(ms, i);
        if (!ccs__image_is_manifest_type(json_string_value(json_object_get(d, "mediaType"))) ||
            !platform_matches(d, os, arch, variant))
            continue;
        char what[48];
        snprintf(what, sizeof what, "image index: manifest %zu", i);
        CCS_TRY(ccs__image_descriptor_check(d, what));
        *out = d;
        return CCS_OK;
    }
    CCS_BAIL(CCS_ERR_NOT_FOUND, "image index: no manifest for %s", want);
}
