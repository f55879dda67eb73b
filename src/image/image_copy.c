/* Copying an image between OCI layouts, encrypting or decrypting its
 * layers on the way (what `skopeo copy --encryption-key/--decryption-key`
 * does for oci: references). The manifest is read through its digest, each
 * layer through its descriptor, and the destination is tagged only after
 * every blob is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

typedef struct side {
    char *dir, *tag;
    ccs_oci_layout *l;
} side;

static void side_free(side *s) {
    ccs_oci_layout_free(s->l);
    free(s->dir);
    free(s->tag);
}

static ccs_status side_open(const char *ref, bool create, side *s) {
    CCS_TRY(ccs_oci_ref_parse(ref, &s->dir, &s->tag));
    return ccs_oci_layout_open(s->dir, create, &s->l);
}

static json_int_t size_of(const json_t *desc) {
    const json_t *v = json_object_get(desc, "size");
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

/* Copies one blob by descriptor. */
static ccs_status copy_blob(const side *src, const side *dst, const json_t *desc, size_t max) {
    ccs_buf b = {0};
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    ccs_status st = ccs_oci_blob_read(src->l, json_string_value(json_object_get(desc, "digest")), size_of(desc), max, &b);
    if (st == CCS_OK) st = ccs_oci_blob_write(dst->l, ccs_buf_view(&b), digest);
    ccs_buf_free(&b);
    return st;
}

/* One layer: transformed into *out (a new descriptor) or copied as is. */
static ccs_status do_layer(const side *src, const side *dst, const json_t *desc, ccs_image_op op,
                           const ccs_image_keys *keys, json_t **out, bool *changed) {
    bool enc = ccs_ocicrypt_is_encrypted(desc);
    *changed = (op == CCS_IMAGE_ENCRYPT && !enc) || (op == CCS_IMAGE_DECRYPT && enc);
    if (!*changed) {
        *out = json_deep_copy(desc);
        return copy_blob(src, dst, desc, CCS_IMAGE_LAYER_MAX);
    }
    if (op == CCS_IMAGE_DECRYPT) return ccs__ocicrypt_decrypt_blob(src->l, dst->l, desc, keys, out);
    ccs_buf in = {0}, res = {0};
    ccs_status st =
        ccs_oci_blob_read(src->l, json_string_value(json_object_get(desc, "digest")), size_of(desc), CCS_IMAGE_LAYER_MAX, &in);
    if (st == CCS_OK)
        st = ccs_ocicrypt_encrypt_layer(desc, ccs_buf_view(&in), keys, &res, out);
    /* *out was made from res here, digest included */
    if (st == CCS_OK) st = ccs__oci_blob_store(dst->l, ccs_buf_view(&res), json_string_value(json_object_get(*out, "digest")));
    ccs_buf_free(&in); /* wipes: the layer that was encrypted */
    ccs_buf_free(&res);
    return st;
}

static ccs_status check_manifest(const json_t *m, const char *mt) {
    if (ccs__image_is_index_type(mt))
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "image: manifest media type %s (an image index needs a platform; not supported here)",
                 mt);
    if (ccs__image_manifest_check(m, mt) == CCS_OK) return CCS_OK;
    return ccs__image_rethrow(ccs_error_last(), "image");
}

static ccs_status copy_layers(const side *src, const side *dst, json_t *m, ccs_image_op op, const ccs_image_keys *keys,
                              ccs_image_copy_result *res) {
    json_t *layers = json_object_get(m, "layers");
    ccs_status st = copy_blob(src, dst, json_object_get(m, "config"), CCS_IMAGE_JSON_MAX);
    for (size_t i = 0; st == CCS_OK && i < json_array_size(layers); i++) {
        json_t *nd = NULL;
        bool changed = false;
        st = do_layer(src, dst, json_array_get(layers, i), op, keys, &nd, &changed);
        char what[32];
        snprintf(what, sizeof what, "layer %zu", i);
        if (st != CCS_OK) st = ccs__image_rethrow(st, what);
        if (st == CCS_OK && (nd == NULL || json_array_set_new(layers, i, nd) != 0))
            st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
        else if (st != CCS_OK)
            json_decref(nd);
        res->layers++;
        res->transformed += changed;
    }
    return st;
}

ccs_status ccs_image_copy(const char *src_ref, const char *dst_ref, ccs_image_op op, const ccs_image_keys *keys,
                          ccs_image_copy_result *res) {
    bool have = keys && (keys->n > 0 || (op == CCS_IMAGE_ENCRYPT && keys->aa_kid) ||
                         (op == CCS_IMAGE_DECRYPT && keys->kek));
    CCS_ENSURE(src_ref && dst_ref && res && (op == CCS_IMAGE_COPY || have), CCS_ERR_INVALID_ARG,
               "image: bad arguments (encryption and decryption need keys)");
    memset(res, 0, sizeof *res);
    side src = {0}, dst = {0};
    json_t *desc = NULL, *m = NULL, *nd = NULL;
    ccs_buf mb = {0};
    char *text = NULL;
    ccs_status st = side_open(src_ref, false, &src);
    if (st == CCS_OK) st = side_open(dst_ref, true, &dst);
    if (st == CCS_OK) st = ccs_oci_index_find(src.l, src.tag, &desc);
    if (st == CCS_OK)
        st = ccs_oci_blob_read(src.l, json_string_value(json_object_get(desc, "digest")), size_of(desc),
                               CCS_IMAGE_JSON_MAX, &mb);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&mb), "manifest", &m);
    /* The type the layout lists it as; the manifest's own must agree. */
    const char *mt = json_string_value(json_object_get(desc, "mediaType"));
    if (mt == NULL) mt = json_string_value(json_object_get(m, "mediaType"));
    if (st == CCS_OK) st = check_manifest(m, mt);
    if (st == CCS_OK) st = copy_layers(&src, &dst, m, op, keys, res);
    /* A manifest no layer changed is stored as it was, byte for byte: its
     * digest is what signatures name. */
    if (st == CCS_OK && res->transformed > 0 && (text = json_dumps(m, JSON_COMPACT)) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "no memory");
    ccs_bytes out = text != NULL ? ccs_bytes_str(text) : ccs_buf_view(&mb);
    if (st == CCS_OK) st = ccs_oci_blob_write(dst.l, out, res->manifest_digest);
    if (st == CCS_OK) {
        nd = json_pack("{s:s,s:s,s:I}", "mediaType", mt, "digest", res->manifest_digest, "size", (json_int_t)out.len);
        st = nd ? ccs_oci_index_put(dst.l, dst.tag ? dst.tag : src.tag, nd)
                : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "no memory");
    }
    free(text);
    json_decref(nd);
    json_decref(m);
    json_decref(desc);
    ccs_buf_free(&mb);
    side_free(&src);
    side_free(&dst);
    return st;
}
