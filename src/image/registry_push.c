/* Pushing an image from an OCI layout (distribution spec "Pushing blobs":
 * HEAD for existence, then POST /blobs/uploads/ and one monolithic PUT
 * ?digest=; "Pushing manifests": PUT /manifests/<tag>). Each blob is read
 * through the layout, which checks it against its digest, before it is
 * sent; the manifest goes as the bytes stored, so its digest is kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

static json_int_t size_of(const json_t *desc) {
    const json_t *v = json_object_get(desc, "size");
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

/* The upload URL from a 202's Location: relative, or absolute on the same
 * origin (the token must not go elsewhere), with digest= added. */
static ccs_status upload_url(const char *base, const char *loc, const char *digest, char *out, size_t cap) {
    CCS_ENSURE(loc[0] != '\0', CCS_ERR_FORMAT, "registry: an upload without Location");
    size_t bn = strlen(base);
    const char *rest = loc;
    if (loc[0] != '/') {
        CCS_ENSURE(strncmp(loc, base, bn) == 0 && loc[bn] == '/', CCS_ERR_POLICY,
                   "registry: the upload location %.200s is on another origin", loc);
        rest = loc + bn;
    }
    int n = snprintf(out, cap, "%s%s%sdigest=%s", base, rest, strchr(rest, '?') ? "&" : "?", digest);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_FORMAT, "registry: upload location too long");
    return CCS_OK;
}

static ccs_status push_blob(ccs_registry *r, const ccs_image_ref *ref, const ccs_oci_layout *l, const json_t *desc,
                            const char *scope, ccs_registry_push_result *res) {
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    CCS_TRY(ccs__image_digest_check(digest));
    char path[800], what[120], base[600], url[4096];
    snprintf(path, sizeof path, "/v2/%s/blobs/%s", ref->repo, digest);
    snprintf(what, sizeof what, "blob %s", digest);
    reg_resp *resp = calloc(1, sizeof *resp);
    CCS_ENSURE(resp != NULL, CCS_ERR_NOMEM, "registry: no memory");
    ccs_buf blob = {0};
    res->blobs++;
    reg_req head = {.method = "HEAD", .url = path, .scope = scope};
    ccs_status st = ccs__registry_do(r, ref, &head, resp);
    if (st == CCS_OK && resp->code == 200) goto done; /* already there */
    if (st == CCS_OK && resp->code != 404) st = ccs__registry_fail(resp, what);
    if (st == CCS_OK) st = ccs_oci_blob_read(l, digest, size_of(desc), CCS_IMAGE_LAYER_MAX, &blob);
    snprintf(path, sizeof path, "/v2/%s/blobs/uploads/", ref->repo);
    reg_req post = {.method = "POST", .url = path, .scope = scope};
    if (st == CCS_OK) st = ccs__registry_do(r, ref, &post, resp);
    if (st == CCS_OK && resp->code != 202) st = ccs__registry_fail(resp, "blob upload");
    if (st == CCS_OK) st = ccs__registry_base(r, ref, base, sizeof base);
    if (st == CCS_OK) st = upload_url(base, resp->location, digest, url, sizeof url);
    reg_req put = {.method = "PUT", .url = url, .scope = scope, .content_type = "application/octet-stream",
                   .body = ccs_buf_view(&blob), .progress_digest = digest, .progress_total = blob.len};
    if (st == CCS_OK) st = ccs__registry_do(r, ref, &put, resp);
    if (st == CCS_OK && resp->code != 201) st = ccs__registry_fail(resp, what);
    if (st == CCS_OK) res->uploaded++;
done:
    ccs_buf_free(&blob);
    free(resp);
    return st;
}

static ccs_status read_manifest(const ccs_oci_layout *l, const char *tag, ccs_buf *body, json_t **m, char mt[128]) {
    json_t *desc = NULL;
    CCS_TRY(ccs_oci_index_find(l, tag, &desc));
    ccs_status st = ccs_oci_blob_read(l, json_string_value(json_object_get(desc, "digest")), size_of(desc),
                                      CCS_IMAGE_JSON_MAX, body);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(body), "manifest", m);
    const char *t = json_string_value(json_object_get(desc, "mediaType"));
    if (t == NULL) t = json_string_value(json_object_get(*m, "mediaType"));
    if (st == CCS_OK && !ccs__image_is_manifest_type(t))
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "registry: push of a %s (image manifests only)",
                           t ? t : "document without a media type");
    if (st == CCS_OK && ccs__image_manifest_check(*m, t) != CCS_OK) st = ccs__image_rethrow(ccs_error_last(), "registry");
    if (st == CCS_OK) snprintf(mt, 128, "%s", t);
    json_decref(desc);
    return st;
}

ccs_status ccs_registry_push(ccs_registry *r, const char *src, const char *dst, ccs_registry_push_result *res) {
    CCS_ENSURE(r && src && dst && res, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    memset(res, 0, sizeof *res);
    ccs_image_ref ref;
    CCS_TRY(ccs_image_ref_parse(dst, &ref));
    char *dir = NULL, *tag = NULL, mt[128] = "", scope[600], path[800];
    ccs_oci_layout *l = NULL;
    ccs_buf body = {0};
    json_t *m = NULL;
    ccs_status st = ccs_oci_ref_parse(src, &dir, &tag);
    if (st == CCS_OK) st = ccs_oci_layout_open(dir, false, &l);
    if (st == CCS_OK) st = read_manifest(l, tag, &body, &m, mt);
    if (st == CCS_OK) ccs__image_digest_of(ccs_buf_view(&body), res->manifest_digest);
    if (st == CCS_OK && ref.digest && strcmp(ref.digest, res->manifest_digest) != 0)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "registry: the manifest is %s, not %s", res->manifest_digest,
                           ref.digest);
    snprintf(scope, sizeof scope, "repository:%s:pull,push", ref.repo);
    if (st == CCS_OK) st = push_blob(r, &ref, l, json_object_get(m, "config"), scope, res);
    const json_t *layers = json_object_get(m, "layers");
    for (size_t i = 0; st == CCS_OK && i < json_array_size(layers); i++)
        st = push_blob(r, &ref, l, json_array_get(layers, i), scope, res);
    reg_resp *resp = st == CCS_OK ? calloc(1, sizeof *resp) : NULL;
    if (st == CCS_OK && resp == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "registry: no memory");
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", ref.repo, ccs_image_ref_reference(&ref));
    reg_req put = {.method = "PUT", .url = path, .scope = scope, .content_type = mt, .body = ccs_buf_view(&body)};
    if (st == CCS_OK) st = ccs__registry_do(r, &ref, &put, resp);
    if (st == CCS_OK && resp->code != 201) st = ccs__registry_fail(resp, "manifest upload");
    if (st == CCS_OK && strncmp(resp->digest, "sha256:", 7) == 0 && strcmp(resp->digest, res->manifest_digest) != 0)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "registry: the registry stored the manifest as %s, not %s",
                           resp->digest, res->manifest_digest);
    free(resp);
    json_decref(m);
    ccs_buf_free(&body);
    ccs_oci_layout_free(l);
    free(dir);
    free(tag);
    ccs_image_ref_clear(&ref);
    return st;
}
