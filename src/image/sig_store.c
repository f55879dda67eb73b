/* Where signatures live (specs section 2.2): a set of signatures for one
 * image, filled by the caller (bytes from a registry), from a lookaside
 * directory (<base>/<repo path>@sha256=<hex>/signature-N, the layout
 * containers/image uses, the repo path without the registry host) or from
 * the cosign artifact tagged sha256-<hex>.sig in an OCI layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccs/image_sign.h"
#include "image_internal.h"

#define MANIFEST_MT "application/vnd.oci.image.manifest.v1+json"
#define CONFIG_MT "application/vnd.oci.image.config.v1+json"

typedef struct sig_entry {
    ccs_image_sig_format fmt;
    ccs_buf data, sig;
} sig_entry;

struct ccs_image_sigs {
    sig_entry v[CCS_IMAGE_SIGS_MAX];
    size_t n;
};

ccs_status ccs_image_sigs_new(ccs_image_sigs **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    *out = calloc(1, sizeof **out);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "image: no memory");
    return CCS_OK;
}

void ccs_image_sigs_free(ccs_image_sigs *s) {
    if (s == NULL) return;
    for (size_t i = 0; i < s->n; i++) {
        ccs_buf_free(&s->v[i].data);
        ccs_buf_free(&s->v[i].sig);
    }
    free(s);
}

size_t ccs_image_sigs_count(const ccs_image_sigs *s) { return s ? s->n : 0; }

size_t ccs_image_sigs_count_format(const ccs_image_sigs *s, ccs_image_sig_format fmt) {
    size_t k = 0;
    for (size_t i = 0; s && i < s->n; i++) k += s->v[i].fmt == fmt;
    return k;
}

ccs_status ccs_image_sigs_add(ccs_image_sigs *s, ccs_image_sig_format fmt, ccs_bytes data, const char *cosign_sig_b64) {
    CCS_ENSURE(s != NULL && (data.ptr != NULL || data.len == 0), CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_ENSURE((fmt == CCS_IMAGE_SIG_SIMPLE && cosign_sig_b64 == NULL) ||
                   (fmt == CCS_IMAGE_SIG_COSIGN && cosign_sig_b64 != NULL),
               CCS_ERR_INVALID_ARG, "image: a cosign signature needs its base64 signature, a simple one none");
    CCS_ENSURE(s->n < CCS_IMAGE_SIGS_MAX, CCS_ERR_OVERFLOW, "image: more than %d signatures", CCS_IMAGE_SIGS_MAX);
    CCS_ENSURE(data.len <= CCS_IMAGE_SIG_MAX, CCS_ERR_FORMAT, "image: a signature of %zu bytes (at most %zu)", data.len,
               CCS_IMAGE_SIG_MAX);
    sig_entry e = {.fmt = fmt};
    ccs_status st = ccs_buf_append(&e.data, data.ptr, data.len);
    if (st == CCS_OK && cosign_sig_b64 != NULL) {
        size_t n = strnlen(cosign_sig_b64, 1024);
        st = n < 1024 ? ccs_base64_decode(cosign_sig_b64, n, &e.sig)
                      : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "image: cosign signature annotation too long");
        if (st != CCS_OK) st = ccs__image_rethrow(CCS_ERR_FORMAT, "image: " CCS_IMAGE_COSIGN_SIG_ANNOTATION);
    }
    if (st != CCS_OK) {
        ccs_buf_free(&e.data);
        ccs_buf_free(&e.sig);
        return st;
    }
    s->v[s->n++] = e;
    return CCS_OK;
}

ccs_status ccs_image_sigs_get(const ccs_image_sigs *s, size_t i, ccs_image_sig_format *fmt, ccs_bytes *data,
                              ccs_bytes *cosign_sig) {
    CCS_ENSURE(s != NULL && i < s->n, CCS_ERR_INVALID_ARG, "image: no signature %zu", i);
    if (fmt) *fmt = s->v[i].fmt;
    if (data) *data = ccs_buf_view(&s->v[i].data);
    if (cosign_sig) *cosign_sig = ccs_buf_view(&s->v[i].sig);
    return CCS_OK;
}

/* ---- lookaside directories ---- */

static ccs_status sig_dir(const char *dir, const char *docker_ref, const char *digest, char *out, size_t cap) {
    CCS_ENSURE(dir != NULL && dir[0], CCS_ERR_INVALID_ARG, "image: no lookaside directory");
    ccs_image_dref r;
    CCS_TRY(ccs_image_dref_parse(docker_ref, &r));
    CCS_TRY(ccs__image_digest_check(digest));
    const char *path = strchr(r.name, '/') + 1; /* the repository path, without the host */
    int w = snprintf(out, cap, "%s/%s@sha256=%s", dir, path, digest + 7);
    CCS_ENSURE(w > 0 && (size_t)w < cap - 16, CCS_ERR_INVALID_ARG, "image: lookaside path too long");
    return CCS_OK;
}

ccs_status ccs_image_lookaside_read(const char *dir, const char *docker_ref, const char *manifest_digest,
                                    ccs_image_sigs *sigs) {
    CCS_ENSURE(sigs != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    char base[4096], path[4200];
    CCS_TRY(sig_dir(dir, docker_ref, manifest_digest, base, sizeof base));
    for (unsigned i = 1; i <= CCS_IMAGE_SIGS_MAX; i++) {
        snprintf(path, sizeof path, "%s/signature-%u", base, i);
        if (access(path, F_OK) != 0 && errno == ENOENT) break;
        ccs_buf b = {0};
        ccs_status st = ccs_file_read(path, CCS_IMAGE_SIG_MAX, &b);
        if (st == CCS_OK) st = ccs_image_sigs_add(sigs, CCS_IMAGE_SIG_SIMPLE, ccs_buf_view(&b), NULL);
        ccs_buf_free(&b);
        if (st != CCS_OK) return ccs__image_rethrow(st, path);
    }
    return CCS_OK;
}

static ccs_status mkdir_p(const char *dir) {
    char tmp[4096];
    CCS_ENSURE(strlen(dir) < sizeof tmp, CCS_ERR_INVALID_ARG, "image: path too long");
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            CCS_BAIL(CCS_ERR_IO, "image: cannot create %s: %s", tmp, strerror(errno));
        *p = c;
        if (c == '\0') break;
    }
    return CCS_OK;
}

ccs_status ccs_image_lookaside_write(const char *dir, const char *docker_ref, const char *manifest_digest, ccs_bytes sig,
                                     unsigned *index) {
    char base[4096], path[4200];
    CCS_TRY(sig_dir(dir, docker_ref, manifest_digest, base, sizeof base));
    CCS_TRY(mkdir_p(base));
    for (unsigned i = 1; i <= CCS_IMAGE_SIGS_MAX; i++) {
        snprintf(path, sizeof path, "%s/signature-%u", base, i);
        if (access(path, F_OK) == 0) continue;
        CCS_TRY(ccs_file_write(path, sig));
        if (index) *index = i;
        return CCS_OK;
    }
    CCS_BAIL(CCS_ERR_OVERFLOW, "image: %s already holds %d signatures", base, CCS_IMAGE_SIGS_MAX);
}

/* ---- the cosign artifact in an OCI layout ---- */

static void sig_tag(const char *digest, char tag[80]) { snprintf(tag, 80, "sha256-%s.sig", digest + 7); }

/* The artifact's manifest (parsed), or NULL when there is none. */
static ccs_status artifact_load(const ccs_oci_layout *l, const char *digest, json_t **manifest) {
    char tag[80];
    *manifest = NULL;
    CCS_TRY(ccs__image_digest_check(digest));
    sig_tag(digest, tag);
    json_t *desc = NULL;
    ccs_status st = ccs_oci_index_find(l, tag, &desc);
    if (st == CCS_ERR_NOT_FOUND) {
        ccs_error_clear();
        return CCS_OK;
    }
    CCS_TRY(st);
    const json_t *sz = json_object_get(desc, "size");
    ccs_buf b = {0};
    st = ccs_oci_blob_read(l, json_string_value(json_object_get(desc, "digest")),
                           json_is_integer(sz) ? (int64_t)json_integer_value(sz) : -1, CCS_IMAGE_JSON_MAX, &b);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&b), "cosign signature manifest", manifest);
    if (st == CCS_OK && !json_is_array(json_object_get(*manifest, "layers"))) {
        json_decref(*manifest);
        *manifest = NULL;
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "image: %s: \"layers\" is not an array", tag);
    }
    ccs_buf_free(&b);
    json_decref(desc);
    return st;
}

ccs_status ccs_image_cosign_read(const ccs_oci_layout *l, const char *manifest_digest, ccs_image_sigs *sigs) {
    CCS_ENSURE(l != NULL && sigs != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    json_t *m = NULL;
    CCS_TRY(artifact_load(l, manifest_digest, &m));
    ccs_status st = CCS_OK;
    const json_t *layers = json_object_get(m, "layers");
    for (size_t i = 0; st == CCS_OK && i < json_array_size(layers); i++) {
        const json_t *d = json_array_get(layers, i);
        const char *mt = json_string_value(json_object_get(d, "mediaType"));
        if (mt == NULL || strcmp(mt, CCS_IMAGE_COSIGN_MEDIA_TYPE) != 0) continue;
        const char *b64 = json_string_value(json_object_get(json_object_get(d, "annotations"), CCS_IMAGE_COSIGN_SIG_ANNOTATION));
        const json_t *sz = json_object_get(d, "size");
        if (b64 == NULL || !json_is_integer(sz)) {
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "image: cosign signature layer %zu: no size or no " CCS_IMAGE_COSIGN_SIG_ANNOTATION, i);
            break;
        }
        ccs_buf payload = {0};
        st = ccs_oci_blob_read(l, json_string_value(json_object_get(d, "digest")), (int64_t)json_integer_value(sz),
                               CCS_IMAGE_SIG_MAX, &payload);
        if (st == CCS_OK) st = ccs_image_sigs_add(sigs, CCS_IMAGE_SIG_COSIGN, ccs_buf_view(&payload), b64);
        ccs_buf_free(&payload);
    }
    json_decref(m);
    return st;
}

static ccs_status put_json(const ccs_oci_layout *l, json_t *doc, const char *mt, json_t **desc) {
    char *text = json_dumps(doc, JSON_COMPACT);
    CCS_ENSURE(text != NULL, CCS_ERR_NOMEM, "image: no memory");
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    ccs_status st = ccs_oci_blob_write(l, ccs_bytes_str(text), digest);
    if (st == CCS_OK) *desc = json_pack("{s:s,s:s,s:I}", "mediaType", mt, "digest", digest, "size", (json_int_t)strlen(text));
    free(text);
    if (st == CCS_OK && *desc == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    return st;
}

ccs_status ccs_image_cosign_attach(const ccs_oci_layout *l, const char *manifest_digest, ccs_bytes payload,
                                   ccs_bytes sig_der) {
    CCS_ENSURE(l != NULL && payload.ptr != NULL && sig_der.ptr != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    json_t *m = NULL, *layer = NULL, *cfg_desc = NULL, *m_desc = NULL;
    CCS_TRY(artifact_load(l, manifest_digest, &m));
    char pdigest[CCS_IMAGE_DIGEST_LEN + 1];
    ccs_buf b64 = {0};
    ccs_status st = ccs_oci_blob_write(l, payload, pdigest);
    if (st == CCS_OK) st = ccs_base64_encode(sig_der, &b64);
    if (st == CCS_OK) st = ccs_buf_append(&b64, "", 1);
    if (st == CCS_OK) {
        layer = json_pack("{s:s,s:s,s:I,s:{s:s}}", "mediaType", CCS_IMAGE_COSIGN_MEDIA_TYPE, "digest", pdigest, "size",
                          (json_int_t)payload.len, "annotations", CCS_IMAGE_COSIGN_SIG_ANNOTATION, (const char *)b64.ptr);
        if (layer == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    }
    if (st == CCS_OK && m == NULL) {
        m = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", MANIFEST_MT, "layers");
        if (m == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    }
    json_t *layers = json_object_get(m, "layers");
    if (st == CCS_OK) json_array_append_new(layers, layer), layer = NULL;
    /* The config lists one diff_id per layer, as cosign writes it. */
    json_t *diff_ids = st == CCS_OK ? json_array() : NULL;
    for (size_t i = 0; diff_ids && i < json_array_size(layers); i++)
        json_array_append(diff_ids, json_object_get(json_array_get(layers, i), "digest"));
    json_t *cfg = diff_ids ? json_pack("{s:s,s:s,s:s,s:{s:s,s:o},s:{}}", "architecture", "", "created",
                                       "0001-01-01T00:00:00Z", "os", "", "rootfs", "type", "layers", "diff_ids",
                                       diff_ids, "config")
                           : NULL;
    if (st == CCS_OK && cfg == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    if (st == CCS_OK) st = put_json(l, cfg, CONFIG_MT, &cfg_desc);
    if (st == CCS_OK) json_object_set(m, "config", cfg_desc);
    if (st == CCS_OK) st = put_json(l, m, MANIFEST_MT, &m_desc);
    char tag[80];
    sig_tag(manifest_digest, tag);
    if (st == CCS_OK) st = ccs_oci_index_put(l, tag, m_desc);
    json_decref(cfg);
    json_decref(cfg_desc);
    json_decref(m_desc);
    json_decref(layer);
    json_decref(m);
    ccs_buf_free(&b64);
    return st;
}
