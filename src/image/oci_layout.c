/* OCI image layouts (image-spec v1.0 "image-layout"): oci-layout,
 * index.json and content-addressed blobs/sha256/<hex>. Every blob read is
 * checked against its digest and size; blob and index writes go to a
 * temporary file that is renamed into place, so a crash leaves either the
 * old or the new file. Digest strings are validated before they become a
 * path (no "../" through a digest). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"

#define LAYOUT_VERSION "1.0.0"
#define REF_NAME "org.opencontainers.image.ref.name"

struct ccs_oci_layout {
    char *dir;
};

void ccs_oci_layout_free(ccs_oci_layout *l) {
    if (l == NULL) return;
    free(l->dir);
    free(l);
}

static char *join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p != NULL) snprintf(p, n, "%s/%s", a, b);
    return p;
}

static ccs_status mkdir_p(const char *dir) {
    char tmp[4096];
    CCS_ENSURE(strlen(dir) < sizeof tmp, CCS_ERR_INVALID_ARG, "image: path too long");
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            CCS_BAIL(CCS_ERR_IO, "image: cannot create %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) CCS_BAIL(CCS_ERR_IO, "image: cannot create %s: %s", tmp, strerror(errno));
    return CCS_OK;
}

/* The mkstemp(3) template of a blob or index being written. */
#define TMP_NAME ".ccs-tmp-XXXXXX"

/* A new temporary file in dir: *fd and *tmp (its path, the caller's). */
static ccs_status tmp_open(const char *dir, int *fd, char **tmp) {
    *tmp = join(dir, TMP_NAME);
    CCS_ENSURE(*tmp != NULL, CCS_ERR_NOMEM, "image: no memory");
    *fd = mkstemp(*tmp);
    if (*fd < 0) {
        free(*tmp);
        *tmp = NULL;
        CCS_BAIL(CCS_ERR_IO, "image: cannot write in %s: %s", dir, strerror(errno));
    }
    return CCS_OK;
}

/* Blobs are 0644 as other tools expect, less what the umask takes away:
 * a decrypted layer is plaintext, and a user with umask 077 keeps it to
 * themselves. (The umask is read from /proc: umask(2) would change it.) */
static mode_t blob_mode;
static pthread_once_t blob_mode_once = PTHREAD_ONCE_INIT;

static void read_umask(void) {
    unsigned m = 022;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Umask: %o", &m) == 1) break;
    if (f != NULL) fclose(f);
    blob_mode = (mode_t)(0644 & ~m);
}

mode_t ccs__image_blob_mode(void) {
    pthread_once(&blob_mode_once, read_umask);
    return blob_mode;
}

/* Syncs and closes fd, then renames tmp to path; path NULL (or a failure)
 * removes tmp instead. tmp is freed either way. */
static ccs_status tmp_commit(int fd, char *tmp, const char *path) {
    ccs_status st = path != NULL ? CCS_OK : CCS_ERR_INVALID_ARG;
    if (st == CCS_OK && fchmod(fd, ccs__image_blob_mode()) != 0)
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: chmod: %s", strerror(errno));
    if (st == CCS_OK && fsync(fd) != 0) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: fsync: %s", strerror(errno));
    if (close(fd) != 0 && st == CCS_OK) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: close: %s", strerror(errno));
    if (st == CCS_OK && rename(tmp, path) != 0)
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: rename to %s: %s", path, strerror(errno));
    if (st != CCS_OK) unlink(tmp);
    free(tmp);
    return st;
}

int ccs__image_write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : EIO;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* Writes data to dir/name through a temporary file and rename(2). */
static ccs_status write_atomic(const char *dir, const char *name, ccs_bytes data) {
    char *path = join(dir, name), *tmp = NULL;
    int fd = -1;
    ccs_status st = path != NULL ? tmp_open(dir, &fd, &tmp) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    int err = st == CCS_OK ? ccs__image_write_all(fd, data.ptr, data.len) : 0;
    if (err != 0) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: write %s: %s", path, strerror(err));
    if (tmp != NULL) {
        ccs_status fin = tmp_commit(fd, tmp, st == CCS_OK ? path : NULL);
        if (st == CCS_OK) st = fin;
    }
    free(path);
    return st;
}

ccs_status ccs_oci_layout_open(const char *dir, bool create, ccs_oci_layout **out) {
    CCS_ENSURE(dir != NULL && dir[0] && out != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    *out = NULL;
    char *marker = join(dir, "oci-layout");
    CCS_ENSURE(marker != NULL, CCS_ERR_NOMEM, "image: no memory");
    ccs_buf text = {0};
    bool absent = access(marker, F_OK) != 0 && errno == ENOENT;
    ccs_status st = absent ? CCS_ERR_NOT_FOUND : ccs_file_read(marker, 4096, &text);
    if (absent && create) {
        char blobs[4096];
        snprintf(blobs, sizeof blobs, "%s/blobs/sha256", dir);
        st = mkdir_p(blobs);
        if (st == CCS_OK) st = write_atomic(dir, "index.json", ccs_bytes_str("{\"schemaVersion\":2,\"manifests\":[]}"));
        if (st == CCS_OK) st = write_atomic(dir, "oci-layout", ccs_bytes_str("{\"imageLayoutVersion\":\"" LAYOUT_VERSION "\"}"));
    } else if (st == CCS_OK) {
        json_t *v = NULL;
        st = ccs__image_json_parse(ccs_buf_view(&text), "oci-layout", &v);
        const char *ver = json_string_value(json_object_get(v, "imageLayoutVersion"));
        if (st == CCS_OK && (ver == NULL || strcmp(ver, LAYOUT_VERSION) != 0))
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "image: %s: imageLayoutVersion %s (1.0.0 expected)", marker,
                               ver ? ver : "missing");
        json_decref(v);
    } else if (absent) {
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "image: %s is not an OCI image layout (no oci-layout file)", dir);
    }
    ccs_buf_free(&text);
    free(marker);
    ccs_oci_layout *l = st == CCS_OK ? calloc(1, sizeof *l) : NULL;
    if (st == CCS_OK && (l == NULL || (l->dir = strdup(dir)) == NULL)) {
        free(l);
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    }
    if (st == CCS_OK) *out = l;
    return st;
}

ccs_status ccs__image_digest_check(const char *digest) {
    CCS_ENSURE(digest != NULL, CCS_ERR_FORMAT, "image: no digest");
    CCS_ENSURE(strncmp(digest, "sha256:", 7) == 0, CCS_ERR_UNSUPPORTED,
               "image: digest algorithm of \"%.20s\" (sha256 only)", digest);
    size_t n = strlen(digest + 7);
    CCS_ENSURE(n == 64, CCS_ERR_FORMAT, "image: digest \"%.80s\" must have 64 hex digits", digest);
    for (size_t i = 7; i < 71; i++) {
        char c = digest[i];
        CCS_ENSURE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), CCS_ERR_FORMAT,
                   "image: digest \"%.80s\" is not lower-case hex", digest);
    }
    return CCS_OK;
}

void ccs__image_digest_of(ccs_bytes data, char out[CCS_IMAGE_DIGEST_LEN + 1]) {
    uint8_t d[32];
    ccs_sha256(data, d);
    memcpy(out, "sha256:", 7);
    if (ccs_hex_encode(ccs_bytes_of(d, 32), out + 7, 65) != CCS_OK) out[7] = '\0';
}

ccs_status ccs_oci_blob_read(const ccs_oci_layout *l, const char *digest, int64_t size, size_t max, ccs_buf *out) {
    CCS_ENSURE(l != NULL && out != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_TRY(ccs__image_digest_check(digest));
    CCS_ENSURE(size < 0 || (uint64_t)size <= max, CCS_ERR_OVERFLOW, "image: blob %s of %lld bytes (at most %zu)",
               digest, (long long)size, max);
    char path[4200];
    CCS_TRY(ccs__oci_blob_path(l, digest, path, sizeof path));
    ccs_buf tmp = {0};
    /* Straight into an empty out (a layer is read once, not copied again). */
    ccs_buf *b = out->len == 0 && out->ptr == NULL ? out : &tmp;
    struct stat sb;
    if (stat(path, &sb) == 0 && (uint64_t)sb.st_size > max)
        CCS_BAIL(CCS_ERR_OVERFLOW, "image: blob %s has %lld bytes (at most %zu)", digest, (long long)sb.st_size, max);
    ccs_status st = ccs_file_read(path, max, b);
    if (st == CCS_ERR_NOT_FOUND) st = ccs_error_set(st, CCS_HERE, "image: blob %s is not in the layout", digest);
    char got[CCS_IMAGE_DIGEST_LEN + 1];
    if (st == CCS_OK && size >= 0 && b->len != (uint64_t)size)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "image: blob %s has %zu bytes, its descriptor says %lld", digest,
                           b->len, (long long)size);
    if (st == CCS_OK) {
        ccs__image_digest_of(ccs_buf_view(b), got);
        if (strcmp(got, digest) != 0)
            st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "image: blob %s does not match its digest (content is %s)",
                               digest, got);
    }
    if (b == out) {
        if (st != CCS_OK) ccs_buf_free(out); /* out was empty: it is again */
        return st;
    }
    if (st == CCS_OK) st = ccs_buf_append(out, tmp.ptr, tmp.len);
    ccs_buf_free(&tmp);
    return st;
}

ccs_status ccs_oci_blob_write(const ccs_oci_layout *l, ccs_bytes data, char digest[CCS_IMAGE_DIGEST_LEN + 1]) {
    CCS_ENSURE(l != NULL && digest != NULL && (data.ptr != NULL || data.len == 0), CCS_ERR_INVALID_ARG,
               "image: bad arguments");
    ccs__image_digest_of(data, digest);
    return ccs__oci_blob_store(l, data, digest);
}

ccs_status ccs__oci_blob_store(const ccs_oci_layout *l, ccs_bytes data, const char *digest) {
    CCS_TRY(ccs__image_digest_check(digest));
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/blobs/sha256", l->dir);
    CCS_TRY(mkdir_p(dir));
    return write_atomic(dir, digest + 7, data);
}

ccs_status ccs__oci_blob_path(const ccs_oci_layout *l, const char *digest, char *out, size_t cap) {
    CCS_TRY(ccs__image_digest_check(digest));
    int n = snprintf(out, cap, "%s/blobs/sha256/%s", l->dir, digest + 7);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_INVALID_ARG, "image: path too long");
    return CCS_OK;
}

ccs_status ccs__oci_blob_begin(const ccs_oci_layout *l, int *fd, char **tmp) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/blobs/sha256", l->dir);
    CCS_TRY(mkdir_p(dir));
    return tmp_open(dir, fd, tmp);
}

ccs_status ccs__oci_blob_finish(const ccs_oci_layout *l, int fd, char *tmp, const char *digest) {
    char path[4200];
    bool named = digest != NULL && ccs__oci_blob_path(l, digest, path, sizeof path) == CCS_OK;
    return tmp_commit(fd, tmp, named ? path : NULL);
}

static ccs_status index_load(const ccs_oci_layout *l, json_t **out) {
    char *path = join(l->dir, "index.json");
    CCS_ENSURE(path != NULL, CCS_ERR_NOMEM, "image: no memory");
    ccs_buf b = {0};
    ccs_status st = ccs_file_read(path, CCS_IMAGE_JSON_MAX, &b);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&b), "index.json", out);
    if (st == CCS_OK && !json_is_array(json_object_get(*out, "manifests"))) {
        json_decref(*out);
        *out = NULL;
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "image: %s: \"manifests\" is not an array", path);
    }
    ccs_buf_free(&b);
    free(path);
    return st;
}

static const char *ref_name(const json_t *desc) {
    return json_string_value(json_object_get(json_object_get(desc, "annotations"), REF_NAME));
}

ccs_status ccs_oci_index_find(const ccs_oci_layout *l, const char *tag, json_t **desc) {
    CCS_ENSURE(l != NULL && desc != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    *desc = NULL;
    json_t *idx = NULL;
    CCS_TRY(index_load(l, &idx));
    const json_t *m = json_object_get(idx, "manifests"), *found = NULL;
    size_t n = json_array_size(m), hits = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(m, i);
        if (tag == NULL || (ref_name(d) != NULL && strcmp(ref_name(d), tag) == 0)) {
            found = d;
            hits++;
        }
    }
    ccs_status st = CCS_OK;
    if (hits == 0)
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "image: %s has no manifest%s%s", l->dir, tag ? " tagged " : "",
                           tag ? tag : "");
    else if (hits > 1)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "image: %s has %zu manifests%s%s: name one", l->dir, hits,
                           tag ? " tagged " : "", tag ? tag : "");
    else if (!json_is_object(found) || ccs__image_digest_check(json_string_value(json_object_get(found, "digest"))) != CCS_OK)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "image: index.json: a malformed manifest descriptor");
    if (st == CCS_OK) *desc = json_deep_copy(found);
    json_decref(idx);
    return st;
}

ccs_status ccs_oci_index_put(const ccs_oci_layout *l, const char *tag, const json_t *desc) {
    CCS_ENSURE(l != NULL && json_is_object(desc), CCS_ERR_INVALID_ARG, "image: bad arguments");
    json_t *idx = NULL;
    CCS_TRY(index_load(l, &idx));
    json_t *m = json_object_get(idx, "manifests"), *d = json_deep_copy(desc);
    for (size_t i = json_array_size(m); tag != NULL && i-- > 0;) {
        const char *name = ref_name(json_array_get(m, i));
        if (name != NULL && strcmp(name, tag) == 0) json_array_remove(m, i);
    }
    ccs_status st = d != NULL ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    if (st == CCS_OK && tag != NULL) {
        json_t *ann = json_object_get(d, "annotations");
        if (!json_is_object(ann)) json_object_set_new(d, "annotations", ann = json_object());
        if (json_object_set_new(ann, REF_NAME, json_string(tag)) != 0)
            st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "image: tag is not UTF-8");
    }
    if (st == CCS_OK && json_array_append(m, d) != 0) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    char *text = st == CCS_OK ? json_dumps(idx, JSON_COMPACT) : NULL;
    if (st == CCS_OK && text == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    if (st == CCS_OK) st = write_atomic(l->dir, "index.json", ccs_bytes_str(text));
    free(text);
    json_decref(d);
    json_decref(idx);
    return st;
}

ccs_status ccs_oci_index_remove(const ccs_oci_layout *l, const char *tag) {
    CCS_ENSURE(l != NULL && tag != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    json_t *idx = NULL;
    CCS_TRY(index_load(l, &idx));
    json_t *m = json_object_get(idx, "manifests");
    bool removed = false;
    for (size_t i = json_array_size(m); i-- > 0;) {
        const char *name = ref_name(json_array_get(m, i));
        if (name != NULL && strcmp(name, tag) == 0) removed = json_array_remove(m, i) == 0 || removed;
    }
    ccs_status st = CCS_OK;
    if (removed) {
        char *text = json_dumps(idx, JSON_COMPACT);
        st = text != NULL ? write_atomic(l->dir, "index.json", ccs_bytes_str(text))
                          : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
        free(text);
    }
    json_decref(idx);
    return st;
}

ccs_status ccs_oci_ref_parse(const char *ref, char **dir, char **tag) {
    CCS_ENSURE(ref != NULL && dir != NULL && tag != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    *dir = *tag = NULL;
    CCS_ENSURE(strncmp(ref, "oci:", 4) == 0, CCS_ERR_UNSUPPORTED,
               "image: \"%.100s\": only oci:DIR[:TAG] references are supported", ref);
    const char *p = ref + 4, *colon = strrchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    CCS_ENSURE(dlen > 0, CCS_ERR_FORMAT, "image: \"%.100s\": no directory", ref);
    CCS_ENSURE(colon == NULL || colon[1] != '\0', CCS_ERR_FORMAT, "image: \"%.100s\": empty tag", ref);
    *dir = strndup(p, dlen);
    *tag = colon ? strdup(colon + 1) : NULL;
    if (*dir == NULL || (colon && *tag == NULL)) {
        free(*dir);
        free(*tag);
        *dir = *tag = NULL;
        CCS_BAIL(CCS_ERR_NOMEM, "image: no memory");
    }
    return CCS_OK;
}
