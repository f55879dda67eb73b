/* libFuzzer target: image manifests and indexes from a registry or a layout
 * (src/image/manifest.c: ccs__image_manifest_check, ccs__image_index_select).
 * The input is parsed as JSON and checked as each manifest type, then as an
 * index for a few platforms. Invariant: no crash, leak or UB; a manifest
 * that passes has a config and at most 1024 layers whose descriptors pass
 * on their own, and a chosen index entry is an image manifest descriptor
 * for the platform asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_manifest(const json_t *m, const char *mt) {
    if (ccs__image_manifest_check(m, mt) != CCS_OK) return;
    const json_t *layers = json_object_get(m, "layers");
    if (ccs__image_descriptor_check(json_object_get(m, "config"), "config") != CCS_OK) abort();
    if (!json_is_array(layers) || json_array_size(layers) > 1024) abort();
    for (size_t i = 0; i < json_array_size(layers); i++)
        if (ccs__image_descriptor_check(json_array_get(layers, i), "layer") != CCS_OK) abort();
}

static void check_index(const json_t *idx, const char *platform, const char *os, const char *arch) {
    const json_t *d = NULL;
    if (ccs__image_index_select(idx, platform, &d) != CCS_OK) return;
    if (d == NULL || ccs__image_descriptor_check(d, "entry") != CCS_OK) abort();
    if (!ccs__image_is_manifest_type(json_string_value(json_object_get(d, "mediaType")))) abort();
    const json_t *p = json_object_get(d, "platform");
    if (strcmp(json_string_value(json_object_get(p, "os")), os) != 0) abort();
    if (strcmp(json_string_value(json_object_get(p, "architecture")), arch) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536) return 0;
    json_t *m = NULL;
    if (ccs__image_json_parse(ccs_bytes_of(data, size), "manifest", &m) != CCS_OK) return 0;
    check_manifest(m, CCS__MT_OCI_MANIFEST);
    check_manifest(m, CCS__MT_DOCKER_MANIFEST);
    check_manifest(m, CCS__MT_OCI_INDEX); /* never passes */
    check_index(m, NULL, "linux", "amd64");
    check_index(m, "linux/arm64", "linux", "arm64");
    check_index(m, "windows/amd64", "windows", "amd64");
    json_decref(m);
    return 0;
}
