/* Docker references (distribution/reference grammar), normalised the way
 * containers/image does before comparing identities (specs section 2.2):
 * a name without a registry host is on docker.io, a one-component
 * docker.io name is under library/. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ccs/image_sign.h"
#include "image_internal.h"

#define NAME_MAX_LEN 255

static bool alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n) {
    size_t i = 0;
    if (n == 0 || !alnum_lower(s[0]) || !alnum_lower(s[n - 1])) return false;
    while (i < n) {
        if (alnum_lower(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !alnum_lower(s[j])) j++;
        size_t k = j - i;
        bool ok = (k == 1 && (s[i] == '.' || s[i] == '_' || s[i] == '-')) || (k == 2 && s[i] == '_' && s[i + 1] == '_');
        for (size_t m = i; !ok && m < j && s[m] == '-'; m++)
            if (m + 1 == j) ok = true;
        if (!ok) return false;
        i = j;
    }
    return true;
}

/* domain: labels of [A-Za-z0-9-] (not starting/ending with '-') joined by
 * '.', then an optional :port of digits. */
static bool domain_ok(const char *s, size_t n) {
    const char *colon = memchr(s, ':', n);
    size_t host = colon ? (size_t)(colon - s) : n;
    if (host == 0) return false;
    if (colon != NULL) {
        if (n - host < 2) return false;
        for (size_t i = host + 1; i < n; i++)
            if (!isdigit((unsigned char)s[i])) return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= host; i++) {
        if (i < host && s[i] != '.') {
            if (!isalnum((unsigned char)s[i]) && s[i] != '-') return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-') return false;
        start = i + 1;
    }
    return true;
}

static bool tag_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 128) return false;
    if (!(isalnum((unsigned char)s[0]) || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-')) return false;
    return true;
}

ccs_status ccs_image_dref_parse(const char *s, ccs_image_dref *out) {
    CCS_ENSURE(s != NULL && out != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    memset(out, 0, sizeof *out);
    size_t len = strnlen(s, CCS_IMAGE_REF_MAX);
    CCS_ENSURE(len > 0 && len < CCS_IMAGE_REF_MAX, CCS_ERR_FORMAT, "docker reference: empty or too long");
    char buf[CCS_IMAGE_REF_MAX];
    memcpy(buf, s, len + 1);
    char *at = strchr(buf, '@');
    if (at != NULL) {
        *at = '\0';
        CCS_ENSURE(ccs__image_digest_check(at + 1) == CCS_OK, CCS_ERR_FORMAT,
                   "docker reference \"%.200s\": malformed digest", s);
        memcpy(out->digest, at + 1, CCS_IMAGE_DIGEST_LEN + 1);
    }
    char *slash = strrchr(buf, '/'), *colon = strrchr(buf, ':');
    if (colon != NULL && (slash == NULL || colon > slash)) {
        *colon = '\0';
        CCS_ENSURE(tag_ok(colon + 1), CCS_ERR_FORMAT, "docker reference \"%.200s\": malformed tag", s);
        snprintf(out->tag, sizeof out->tag, "%s", colon + 1);
    }
    /* Split the registry host off the path. */
    const char *domain = "docker.io", *path = buf;
    char *first = strchr(buf, '/');
    size_t dlen = 9;
    if (first != NULL) {
        size_t n = (size_t)(first - buf);
        bool is_host = memchr(buf, '.', n) != NULL || memchr(buf, ':', n) != NULL ||
                       (n == 9 && strncmp(buf, "localhost", 9) == 0);
        for (size_t i = 0; i < n && !is_host; i++)
            if (isupper((unsigned char)buf[i])) is_host = true;
        if (is_host) {
            CCS_ENSURE(domain_ok(buf, n), CCS_ERR_FORMAT, "docker reference \"%.200s\": malformed registry host", s);
            domain = buf;
            dlen = n;
            path = first + 1;
            if (n == 15 && strncmp(buf, "index.docker.io", 15) == 0) domain = "docker.io", dlen = 9;
        }
    }
    bool library = dlen == 9 && strncmp(domain, "docker.io", 9) == 0 && strchr(path, '/') == NULL;
    for (const char *p = path;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        CCS_ENSURE(path_component_ok(p, n), CCS_ERR_FORMAT,
                   "docker reference \"%.200s\": malformed repository name (lower-case letters, digits, . _ -)", s);
        if (e == NULL) break;
        p = e + 1;
    }
    int w = snprintf(out->name, sizeof out->name, "%.*s/%s%s", (int)dlen, domain, library ? "library/" : "", path);
    CCS_ENSURE(w > 0 && (size_t)w <= NAME_MAX_LEN, CCS_ERR_FORMAT, "docker reference \"%.200s\": name too long", s);
    return CCS_OK;
}

void ccs_image_dref_string(const ccs_image_dref *r, char *out, size_t cap) {
    snprintf(out, cap, "%s%s%s%s%s", r->name, r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "", r->digest);
}
