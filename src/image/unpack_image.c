/* The public unpacking calls: one layer (bytes or a file) and a whole image
 * from an OCI layout, layer after layer in manifest order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image_internal.h"
#include "unpack.h"

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

ccs_status ccs_unpack_compression_of(const char *media_type, ccs_unpack_compression *out) {
    CCS_ENSURE(media_type != NULL, CCS_ERR_INVALID_ARG, "unpack: no media type");
    CCS_ENSURE(!ends_with(media_type, "+encrypted"), CCS_ERR_UNSUPPORTED,
               "unpack: the layer is encrypted (%s): decrypt the image first", media_type);
    if (ends_with(media_type, ".tar") || ends_with(media_type, "+tar") || ends_with(media_type, "/tar") ||
        ends_with(media_type, ".layer.v1.tar")) {
        *out = CCS_UNPACK_PLAIN;
    } else if (ends_with(media_type, ".tar+gzip") || ends_with(media_type, ".tar.gzip")) {
        *out = CCS_UNPACK_GZIP;
    } else if (ends_with(media_type, ".tar+zstd") || ends_with(media_type, ".tar.zstd")) {
        *out = CCS_UNPACK_ZSTD;
    } else {
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "unpack: layer media type %s is not a tar, tar+gzip or tar+zstd", media_type);
    }
    return CCS_OK;
}

static void result_add(ccs_unpack_result *res, const ccs_unpack_ctx *c) {
    if (res == NULL) return;
    res->layers += c->layers;
    res->entries += c->entries;
    res->bytes += c->bytes;
}

ccs_status ccs_unpack_layer(ccs_bytes blob, const char *media_type, const char *root, const ccs_unpack_options *opt,
                            ccs_unpack_result *res) {
    ccs_unpack_compression comp;
    CCS_TRY(ccs_unpack_compression_of(media_type, &comp));
    ccs_unpack_ctx c;
    CCS_TRY(ccs__unpack_begin(root, opt, &c));
    ccs_status st = ccs__unpack_apply(&c, blob, comp, NULL);
    result_add(res, &c);
    ccs__unpack_end(&c, st);
    return st;
}

ccs_status ccs_unpack_layer_file(const char *path, const char *media_type, const char *root,
                                 const ccs_unpack_options *opt, ccs_unpack_result *res) {
    ccs_buf b = {0};
    CCS_TRY(ccs_file_read(path, CCS_IMAGE_LAYER_MAX, &b));
    ccs_status st = ccs_unpack_layer(ccs_buf_view(&b), media_type, root, opt, res);
    ccs_buf_free(&b);
    return st;
}

static json_int_t size_of(const json_t *desc) {
    const json_t *v = json_object_get(desc, "size");
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

static const char *str_of(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* The manifest of ref; every layer checked (media type, not encrypted)
 * before anything is written. */
static ccs_status load_manifest(const ccs_oci_layout *l, const char *tag, json_t **m) {
    json_t *desc = NULL;
    ccs_buf mb = {0};
    *m = NULL;
    ccs_status st = ccs_oci_index_find(l, tag, &desc);
    const char *mt = st == CCS_OK ? str_of(desc, "mediaType") : NULL;
    if (st == CCS_OK && ccs__image_is_index_type(mt))
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "unpack: manifest media type %s (an image index is not supported)",
                           mt);
    if (st == CCS_OK) st = ccs_oci_blob_read(l, str_of(desc, "digest"), size_of(desc), CCS_IMAGE_JSON_MAX, &mb);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&mb), "manifest", m);
    if (st == CCS_OK && ccs__image_manifest_check(*m, mt) != CCS_OK) st = ccs__image_rethrow(ccs_error_last(), "unpack");
    json_t *layers = st == CCS_OK ? json_object_get(*m, "layers") : NULL;
    for (size_t i = 0; st == CCS_OK && i < json_array_size(layers); i++) {
        const json_t *ld = json_array_get(layers, i);
        ccs_unpack_compression comp;
        if (ccs_ocicrypt_is_encrypted(ld))
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                               "unpack: layer %zu is encrypted: decrypt the image first (ccs image decrypt)", i);
        else
            st = ccs_unpack_compression_of(str_of(ld, "mediaType"), &comp);
    }
    json_decref(desc);
    ccs_buf_free(&mb);
    if (st != CCS_OK) {
        json_decref(*m);
        *m = NULL;
    }
    return st;
}

/* The image config's rootfs.diff_ids: one well-formed sha256 digest per
 * layer of m (each layer's uncompressed stream is checked against its own,
 * as umoci and containerd do). */
static ccs_status load_diff_ids(const ccs_oci_layout *l, const json_t *m, json_t **out) {
    const json_t *cd = json_object_get(m, "config");
    ccs_buf cb = {0};
    json_t *cfg = NULL;
    *out = NULL;
    CCS_ENSURE(json_is_object(cd) && str_of(cd, "digest") != NULL, CCS_ERR_FORMAT, "unpack: the manifest has no config");
    ccs_status st = ccs_oci_blob_read(l, str_of(cd, "digest"), size_of(cd), CCS_IMAGE_JSON_MAX, &cb);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&cb), "image config", &cfg);
    json_t *ids = st == CCS_OK ? json_object_get(json_object_get(cfg, "rootfs"), "diff_ids") : NULL;
    size_t n = json_array_size(json_object_get(m, "layers"));
    if (st == CCS_OK && (!json_is_array(ids) || json_array_size(ids) != n))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "unpack: the image config has %zu rootfs.diff_ids for %zu layers",
                           json_array_size(ids), n);
    for (size_t i = 0; st == CCS_OK && i < n; i++) {
        if (ccs__image_digest_check(json_string_value(json_array_get(ids, i))) != CCS_OK)
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "unpack: diff_id %zu of the image config is not a sha256 digest",
                               i);
    }
    if (st == CCS_OK) *out = json_incref(ids);
    json_decref(cfg);
    ccs_buf_free(&cb);
    return st;
}

static ccs_status apply_layers(const ccs_oci_layout *l, const json_t *m, const char *root,
                               const ccs_unpack_options *opt, ccs_unpack_result *res) {
    json_t *ids = NULL;
    CCS_TRY(load_diff_ids(l, m, &ids));
    ccs_unpack_ctx c;
    ccs_status st = ccs__unpack_begin(root, opt, &c);
    if (st != CCS_OK) {
        json_decref(ids);
        return st;
    }
    const json_t *layers = json_object_get(m, "layers");
    for (size_t i = 0; st == CCS_OK && i < json_array_size(layers); i++) {
        const json_t *ld = json_array_get(layers, i);
        ccs_unpack_compression comp;
        ccs_buf blob = {0};
        st = ccs_unpack_compression_of(str_of(ld, "mediaType"), &comp);
        if (st == CCS_OK) st = ccs_oci_blob_read(l, str_of(ld, "digest"), size_of(ld), CCS_IMAGE_LAYER_MAX, &blob);
        if (st == CCS_OK) st = ccs__unpack_apply(&c, ccs_buf_view(&blob), comp, json_string_value(json_array_get(ids, i)));
        if (st != CCS_OK) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "layer %zu", i);
            st = ccs__image_rethrow(st, prefix);
        }
        ccs_buf_free(&blob);
    }
    result_add(res, &c);
    ccs__unpack_end(&c, st);
    json_decref(ids);
    return st;
}

ccs_status ccs_unpack_image(const char *ref, const char *root, const ccs_unpack_options *opt, ccs_unpack_result *res) {
    char *dir = NULL, *tag = NULL;
    ccs_oci_layout *l = NULL;
    json_t *m = NULL;
    CCS_ENSURE(root != NULL && root[0] != 0, CCS_ERR_INVALID_ARG, "unpack: no destination directory");
    ccs_status st = ccs_oci_ref_parse(ref, &dir, &tag);
    if (st == CCS_OK) st = ccs_oci_layout_open(dir, false, &l);
    if (st == CCS_OK) st = load_manifest(l, tag, &m);
    if (st == CCS_OK && mkdir(root, 0755) != 0 && errno != EEXIST)
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "unpack: mkdir %s: %s", root, strerror(errno));
    if (st == CCS_OK) st = apply_layers(l, m, root, opt, res);
    json_decref(m);
    ccs_oci_layout_free(l);
    free(dir);
    free(tag);
    return st;
}
