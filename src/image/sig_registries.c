/* A minimal registries.d reader (containers-registries.d(5)), enough to
 * find a lookaside directory: every DIR/NAME.yaml (and .yml) is read for
 *
 *     docker:
 *       <scope>:
 *         lookaside: file:///path          (or the old name sigstore:)
 *         lookaside-staging: file:///path  (or sigstore-staging:)
 *     default-docker:
 *       lookaside: file:///path
 *
 * The most specific scope (repo, namespaces, host) wins, then
 * default-docker. Only this subset of YAML is understood: block mappings
 * by indentation, plain or quoted scalars, comments; other keys (such as
 * use-sigstore-attachments) are skipped. Only file:// URLs are supported. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_sign.h"
#include "image_internal.h"

#define YAML_MAX ((size_t)256 << 10)
#define ENTRIES_MAX 256

typedef struct entry {
    char scope[CCS_IMAGE_REF_MAX]; /* "" for default-docker */
    char url[1024];
} entry;

typedef struct found {
    entry e[ENTRIES_MAX];
    size_t n;
} found;

/* Trims spaces, a trailing comment and matching quotes, in place. */
static char *scalar(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '"' || *s == '\'') {
        char q = *s++, *end = strchr(s, q);
        if (end) *end = '\0';
        return s;
    }
    char *hash = strstr(s, " #");
    if (hash) *hash = '\0';
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

static ccs_status add(found *f, const char *file, unsigned line, const char *scope, const char *url) {
    for (size_t i = 0; i < f->n; i++)
        CCS_ENSURE(strcmp(f->e[i].scope, scope) != 0 || strcmp(f->e[i].url, url) == 0, CCS_ERR_FORMAT,
                   "registries.d: %s:%u: scope \"%.200s\" has two lookaside URLs", file, line, scope);
    CCS_ENSURE(f->n < ENTRIES_MAX, CCS_ERR_OVERFLOW, "registries.d: more than %d lookaside entries", ENTRIES_MAX);
    CCS_ENSURE(strlen(scope) < sizeof f->e[0].scope && strlen(url) < sizeof f->e[0].url, CCS_ERR_FORMAT,
               "registries.d: %s:%u: value too long", file, line);
    snprintf(f->e[f->n].scope, sizeof f->e[0].scope, "%s", scope);
    snprintf(f->e[f->n].url, sizeof f->e[0].url, "%s", url);
    f->n++;
    return CCS_OK;
}

static ccs_status parse_file(const char *path, bool staging, found *f) {
    ccs_buf b = {0};
    CCS_TRY(ccs_file_read(path, YAML_MAX, &b));
    ccs_status st = ccs_buf_append(&b, "", 1);
    char top[64] = "", scope[CCS_IMAGE_REF_MAX] = "";
    int scope_indent = -1;
    unsigned lineno = 0;
    const char *want = staging ? "lookaside-staging" : "lookaside", *old = staging ? "sigstore-staging" : "sigstore";
    for (char *line = (char *)b.ptr, *next; st == CCS_OK && line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        int indent = 0;
        while (line[indent] == ' ') indent++;
        char *s = line + indent;
        if (*s == '\0' || *s == '#' || *s == '\r' || strcmp(s, "---") == 0) continue;
        char *colon = NULL;
        if (*s == '"' || *s == '\'') {
            char *end = strchr(s + 1, *s);
            colon = end ? strchr(end, ':') : NULL;
        } else {
            colon = strstr(s, ": ");
            if (colon == NULL && s[strlen(s) - 1] == ':') colon = s + strlen(s) - 1;
        }
        if (colon == NULL) continue; /* a list item or a continuation: not ours */
        *colon = '\0';
        char *key = scalar(s), *val = scalar(colon + 1);
        if (indent == 0) {
            snprintf(top, sizeof top, "%s", key);
            scope_indent = -1;
            continue;
        }
        bool is_lookaside = strcmp(key, want) == 0 || strcmp(key, old) == 0;
        if (strcmp(top, "default-docker") == 0 && is_lookaside && *val) {
            st = add(f, path, lineno, "", val);
        } else if (strcmp(top, "docker") == 0) {
            if (scope_indent < 0 || indent <= scope_indent) {
                scope_indent = indent;
                snprintf(scope, sizeof scope, "%s", key);
                CCS_ENSURE(scope[0] != '\0', CCS_ERR_FORMAT, "registries.d: %s:%u: empty scope", path, lineno);
            } else if (is_lookaside && *val) {
                st = add(f, path, lineno, scope, val);
            }
        }
    }
    ccs_buf_free(&b);
    return st;
}

static const entry *lookup(const found *f, const char *key) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->e[i].scope, key) == 0) return &f->e[i];
    return NULL;
}

ccs_status ccs_image_registries_d_lookaside(const char *dir, const char *docker_ref, bool staging, char *out,
                                            size_t cap) {
    CCS_ENSURE(dir != NULL && docker_ref != NULL && out != NULL && cap > 0, CCS_ERR_INVALID_ARG,
               "image: bad arguments");
    ccs_image_dref r;
    CCS_TRY(ccs_image_dref_parse(docker_ref, &r));
    found *f = calloc(1, sizeof *f);
    CCS_ENSURE(f != NULL, CCS_ERR_NOMEM, "image: no memory");
    DIR *d = opendir(dir);
    ccs_status st = d ? CCS_OK : ccs_error_set(CCS_ERR_IO, CCS_HERE, "registries.d: cannot open %s", dir);
    for (struct dirent *e; st == CCS_OK && (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || !((n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) ||
                                     (n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0)))
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        st = parse_file(path, staging, f);
    }
    if (d) closedir(d);
    const entry *hit = NULL;
    char key[CCS_IMAGE_REF_MAX];
    snprintf(key, sizeof key, "%s", r.name);
    while (st == CCS_OK && (hit = lookup(f, key)) == NULL) {
        char *slash = strrchr(key, '/');
        if (slash == NULL) break;
        *slash = '\0';
    }
    if (st == CCS_OK && hit == NULL) hit = lookup(f, key); /* the host */
    if (st == CCS_OK && hit == NULL) hit = lookup(f, "");
    if (st == CCS_OK && hit == NULL)
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "registries.d: %s configures no %s for %s", dir,
                           staging ? "lookaside-staging or lookaside" : "lookaside", r.name);
    if (st == CCS_OK && strncmp(hit->url, "file://", 7) != 0)
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "registries.d: lookaside %.200s: only file:// URLs are supported",
                           hit->url);
    if (st == CCS_OK && strlen(hit->url + 7) >= cap) st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "path too long");
    if (st == CCS_OK) snprintf(out, cap, "%s", hit->url + 7);
    free(f);
    return st;
}
