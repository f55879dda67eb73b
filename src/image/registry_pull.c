/* Pulling: manifests (with the Accept list of the OCI and Docker v2
 * manifest and index types), platform selection in an image index or
 * manifest list, and blobs streamed to a temporary file in the layout that
 * becomes blobs/sha256/<hex> only after its size and SHA-256 are checked
 * (distribution spec "Pulling manifests", "Pulling blobs"; image-spec
 * "image-index"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry_internal.h"

#define ACCEPT CCS__MT_OCI_MANIFEST ", " CCS__MT_OCI_INDEX ", " CCS__MT_DOCKER_MANIFEST ", " CCS__MT_DOCKER_LIST

static void scope_of(const ccs_image_ref *ref, const char *actions, char *out, size_t cap) {
    snprintf(out, cap, "repository:%s:%s", ref->repo, actions);
}

/* The media type without parameters; the document's own when the server
 * sends none or a generic one. */
static void media_type_of(const char *ct, ccs_bytes body, char out[128]) {
    size_t n = strcspn(ct, "; ");
    snprintf(out, 128, "%.*s", (int)(n < 127 ? n : 127), ct);
    if (out[0] != '\0' && strcmp(out, "application/json") != 0 && strcmp(out, "text/plain") != 0) return;
    json_t *doc = json_loadb((const char *)body.ptr, body.len, 0, NULL);
    const char *mt = json_string_value(json_object_get(doc, "mediaType"));
    snprintf(out, 128, "%s", mt ? mt : "");
    json_decref(doc);
}

ccs_status ccs_registry_get_manifest(ccs_registry *r, const ccs_image_ref *ref, const char *reference, ccs_buf *body,
                                     char media_type[128], char digest[CCS_IMAGE_DIGEST_LEN + 1]) {
    CCS_ENSURE(r && ref && ref->host && ref->repo && reference && body && media_type && digest, CCS_ERR_INVALID_ARG,
               "registry: bad arguments");
    bool by_digest = strchr(reference, ':') != NULL;
    if (by_digest) CCS_TRY(ccs__image_digest_check(reference));
    char scope[600], path[800], what[900];
    scope_of(ref, "pull", scope, sizeof scope);
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", ref->repo, reference);
    snprintf(what, sizeof what, "manifest %s/%s%s%s", ref->host, ref->repo, by_digest ? "@" : ":", reference);
    reg_resp *resp = calloc(1, sizeof *resp);
    CCS_ENSURE(resp != NULL, CCS_ERR_NOMEM, "registry: no memory");
    body->len = 0;
    reg_req q = {.method = "GET", .url = path, .scope = scope, .accept = ACCEPT, .out = body, .out_max = r->o.manifest_max};
    ccs_status st = ccs__registry_do(r, ref, &q, resp);
    if (st == CCS_OK && resp->code != 200) st = ccs__registry_fail(resp, what);
    if (st == CCS_OK) {
        ccs__image_digest_of(ccs_buf_view(body), digest);
        if (by_digest && strcmp(digest, reference) != 0)
            st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "registry: %s: the manifest served is %s", what, digest);
        else if (strncmp(resp->digest, "sha256:", 7) == 0 && strcmp(resp->digest, digest) != 0)
            st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE,
                               "registry: %s: Docker-Content-Digest says %s, the manifest served is %s", what,
                               resp->digest, digest);
    }
    if (st == CCS_OK) media_type_of(resp->content_type, ccs_buf_view(body), media_type);
    free(resp);
    return st;
}

/* SHA-256 of a whole file (mapped: layers may be larger than memory wants). */
static ccs_status file_digest(int fd, uint64_t size, char out[CCS_IMAGE_DIGEST_LEN + 1]) {
    if (size == 0) {
        ccs__image_digest_of(ccs_bytes_of("", 0), out);
        return CCS_OK;
    }
    void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    CCS_ENSURE(p != MAP_FAILED, CCS_ERR_IO, "registry: cannot map a download: %s", strerror(errno));
    ccs__image_digest_of(ccs_bytes_of(p, (size_t)size), out);
    munmap(p, (size_t)size);
    return CCS_OK;
}

ccs_status ccs_registry_get_blob(ccs_registry *r, const ccs_image_ref *ref, const char *digest, int64_t size,
                                 const char *path) {
    CCS_ENSURE(r && ref && ref->repo && path, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    CCS_TRY(ccs__image_digest_check(digest));
    CCS_ENSURE(size < 0 || (uint64_t)size <= r->o.blob_max, CCS_ERR_OVERFLOW,
               "registry: blob %s has %lld bytes (at most %llu)", digest, (long long)size,
               (unsigned long long)r->o.blob_max);
    char tmp[4200], scope[600], url[800], what[900], got[CCS_IMAGE_DIGEST_LEN + 1];
    int n = snprintf(tmp, sizeof tmp, "%s.ccs-part-XXXXXX", path);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof tmp, CCS_ERR_INVALID_ARG, "registry: path too long");
    int fd = mkstemp(tmp);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "registry: cannot create %s: %s", tmp, strerror(errno));
    scope_of(ref, "pull", scope, sizeof scope);
    snprintf(url, sizeof url, "/v2/%s/blobs/%s", ref->repo, digest);
    snprintf(what, sizeof what, "blob %s", digest);
    reg_resp *resp = calloc(1, sizeof *resp);
    reg_req q = {.method = "GET", .url = url, .scope = scope, .follow = true, .fd = fd,
                 .fd_max = size >= 0 ? (uint64_t)size : r->o.blob_max, .progress_digest = digest,
                 .progress_total = size > 0 ? (uint64_t)size : 0};
    ccs_status st = resp ? ccs__registry_do(r, ref, &q, resp) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "no memory");
    if (st == CCS_ERR_OVERFLOW && size >= 0)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "registry: blob %s is longer than its %lld bytes", digest,
                           (long long)size);
    if (st == CCS_OK && resp->code != 200) st = ccs__registry_fail(resp, what);
    if (st == CCS_OK && size >= 0 && resp->received != (uint64_t)size)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "registry: blob %s has %llu bytes, its descriptor says %lld",
                           digest, (unsigned long long)resp->received, (long long)size);
    if (st == CCS_OK) st = file_digest(fd, resp->received, got);
    if (st == CCS_OK && strcmp(got, digest) != 0)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE,
                           "registry: blob %s does not match its digest (content is %s): refused", digest, got);
    if (st == CCS_OK && (fchmod(fd, ccs__image_blob_mode()) != 0 || fsync(fd) != 0))
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "registry: %s: %s", tmp, strerror(errno));
    close(fd);
    if (st == CCS_OK && rename(tmp, path) != 0)
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "registry: rename to %s: %s", path, strerror(errno));
    if (st != CCS_OK) unlink(tmp);
    free(resp);
    return st;
}

static json_int_t size_of(const json_t *desc) {
    const json_t *v = json_object_get(desc, "size");
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

/* The image manifest of ref: directly, or chosen from an index. */
static ccs_status fetch_image_manifest(ccs_registry *r, const ccs_image_ref *ref, ccs_buf *body,
                                       ccs_registry_pull_result *res) {
    char mt[128], digest[CCS_IMAGE_DIGEST_LEN + 1];
    CCS_TRY(ccs_registry_get_manifest(r, ref, ccs_image_ref_reference(ref), body, mt, digest));
    if (ccs__image_is_index_type(mt)) {
        json_t *idx = NULL;
        const json_t *d = NULL;
        ccs_status st = ccs__image_json_parse(ccs_buf_view(body), "registry: image index", &idx);
        /* The entry chosen is a checked descriptor: a sha256 digest and a size. */
        if (st == CCS_OK) st = ccs__image_index_select(idx, r->o.platform, &d);
        char want[CCS_IMAGE_DIGEST_LEN + 1] = "";
        if (st == CCS_OK) snprintf(want, sizeof want, "%s", json_string_value(json_object_get(d, "digest")));
        json_int_t sz = size_of(d);
        json_decref(idx);
        CCS_TRY(st);
        snprintf(res->index_digest, sizeof res->index_digest, "%s", digest);
        CCS_TRY(ccs_registry_get_manifest(r, ref, want, body, mt, digest));
        CCS_ENSURE((uint64_t)sz == body->len, CCS_ERR_MISMATCH,
                   "registry: manifest %s has %zu bytes, the index says %lld", want, body->len, (long long)sz);
    }
    CCS_ENSURE(ccs__image_is_manifest_type(mt), CCS_ERR_UNSUPPORTED, "registry: manifest media type \"%s\" (OCI or Docker v2 only)", mt);
    snprintf(res->media_type, sizeof res->media_type, "%s", mt);
    snprintf(res->manifest_digest, sizeof res->manifest_digest, "%s", digest);
    return CCS_OK;
}

static ccs_status pull_blob(ccs_registry *r, const ccs_image_ref *ref, const char *dir, const json_t *desc,
                            ccs_registry_pull_result *res) {
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    json_int_t size = size_of(desc);
    CCS_TRY(ccs__image_digest_check(digest));
    CCS_ENSURE(size >= 0, CCS_ERR_FORMAT, "registry: descriptor %s has no size", digest);
    char path[4200];
    snprintf(path, sizeof path, "%s/blobs/sha256/%s", dir, digest + 7);
    struct stat sb;
    res->blobs++;
    /* Present with the right size: kept (every read of a layout blob checks its digest). */
    if (stat(path, &sb) == 0 && sb.st_size == size) return CCS_OK;
    CCS_TRY(ccs_registry_get_blob(r, ref, digest, size, path));
    res->fetched++;
    res->bytes += (uint64_t)size;
    return CCS_OK;
}

ccs_status ccs_registry_pull(ccs_registry *r, const char *src, const char *dst, ccs_registry_pull_result *res) {
    CCS_ENSURE(r && src && dst && res, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    memset(res, 0, sizeof *res);
    ccs_image_ref ref;
    CCS_TRY(ccs_image_ref_parse(src, &ref));
    char *dir = NULL, *tag = NULL;
    ccs_oci_layout *l = NULL;
    ccs_buf body = {0};
    json_t *m = NULL, *desc = NULL;
    ccs_status st = ccs_oci_ref_parse(dst, &dir, &tag);
    if (st == CCS_OK) st = ccs_oci_layout_open(dir, true, &l);
    if (st == CCS_OK) st = fetch_image_manifest(r, &ref, &body, res);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&body), "registry: manifest", &m);
    if (st == CCS_OK && ccs__image_manifest_check(m, res->media_type) != CCS_OK)
        st = ccs__image_rethrow(ccs_error_last(), "registry");
    const json_t *layers = json_object_get(m, "layers");
    if (st == CCS_OK) st = pull_blob(r, &ref, dir, json_object_get(m, "config"), res);
    for (size_t i = 0; st == CCS_OK && i < json_array_size(layers); i++) {
        st = pull_blob(r, &ref, dir, json_array_get(layers, i), res);
        if (st != CCS_OK) {
            char what[40];
            snprintf(what, sizeof what, "layer %zu", i);
            st = ccs__image_rethrow(st, what);
        }
    }
    char stored[CCS_IMAGE_DIGEST_LEN + 1];
    if (st == CCS_OK) st = ccs_oci_blob_write(l, ccs_buf_view(&body), stored);
    if (st == CCS_OK) {
        desc = json_pack("{s:s,s:s,s:I}", "mediaType", res->media_type, "digest", stored, "size", (json_int_t)body.len);
        st = desc ? ccs_oci_index_put(l, tag ? tag : ref.tag, desc) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "no memory");
    }
    json_decref(desc);
    json_decref(m);
    ccs_buf_free(&body);
    ccs_oci_layout_free(l);
    free(dir);
    free(tag);
    ccs_image_ref_clear(&ref);
    return st;
}
