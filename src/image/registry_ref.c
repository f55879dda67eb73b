/* Registry references, WWW-Authenticate challenges and platform names:
 * the untrusted text of the registry client (fuzz/fuzz_image_ref.c).
 * References follow distribution/reference's grammar (docker's
 * normalisation for docker.io); challenges RFC 7235 section 2.1 with the
 * parameters of the distribution token spec (realm, service, scope). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_registry.h"
#include "image_internal.h"

#define REF_MAX 512
#define TAG_MAX 128
#define CHALLENGE_MAX 4096

void ccs_image_ref_clear(ccs_image_ref *r) {
    if (r == NULL) return;
    free(r->host);
    free(r->repo);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof *r);
}

const char *ccs_image_ref_reference(const ccs_image_ref *r) { return r->digest ? r->digest : r->tag; }

static bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static bool component_ok(const char *s, size_t n) {
    if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1])) return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (lower_alnum(c) || c == '-') continue;
        if (c == '.' && lower_alnum(s[i - 1]) && lower_alnum(s[i + 1])) continue;
        if (c == '_' && (lower_alnum(s[i + 1]) || (s[i + 1] == '_' && i + 2 < n && lower_alnum(s[i + 2])))) {
            if (s[i + 1] == '_') i++;
            continue;
        }
        return false;
    }
    return true;
}

/* host[:port] or [v6]:port: letters, digits, '.', '-'. */
static bool host_ok(const char *s, size_t n) {
    size_t i = 0;
    if (n > 0 && s[0] == '[') {
        while (i < n && s[i] != ']') {
            if (!(isxdigit((unsigned char)s[i]) || s[i] == ':' || s[i] == '[')) return false;
            i++;
        }
        if (i == n) return false;
        i++;
    } else {
        size_t start = i;
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-')) i++;
        if (i == start || s[start] == '-' || s[start] == '.' || s[i - 1] == '-' || s[i - 1] == '.') return false;
    }
    if (i == n) return true;
    if (s[i] != ':' || i + 1 == n || n - i - 1 > 5) return false;
    for (i++; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

static bool tag_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > TAG_MAX || !(isalnum((unsigned char)s[0]) || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-')) return false;
    return true;
}

static ccs_status ref_fill(ccs_image_ref *out, const char *host, size_t hn, const char *repo, size_t rn,
                           bool library, const char *tag, const char *digest) {
    size_t extra = library ? 8 : 0;
    out->host = strndup(host, hn);
    out->repo = malloc(rn + extra + 1);
    if (out->repo != NULL) {
        memcpy(out->repo, "library/", extra);
        memcpy(out->repo + extra, repo, rn);
        out->repo[rn + extra] = '\0';
    }
    if (digest) out->digest = strdup(digest);
    else out->tag = strdup(tag ? tag : "latest");
    if (out->host == NULL || out->repo == NULL || (out->digest == NULL && out->tag == NULL)) {
        ccs_image_ref_clear(out);
        CCS_BAIL(CCS_ERR_NOMEM, "registry: no memory");
    }
    return CCS_OK;
}

ccs_status ccs_image_ref_parse(const char *text, ccs_image_ref *out) {
    CCS_ENSURE(text != NULL && out != NULL, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    memset(out, 0, sizeof *out);
    if (strncmp(text, "docker://", 9) == 0) text += 9;
    size_t len = strnlen(text, REF_MAX + 1);
    CCS_ENSURE(len > 0 && len <= REF_MAX, CCS_ERR_FORMAT, "registry: a reference has 1 to %d characters", REF_MAX);
    char buf[REF_MAX + 1];
    memcpy(buf, text, len + 1);
    char *digest = strchr(buf, '@'), *tag = NULL;
    if (digest != NULL) {
        *digest++ = '\0';
        CCS_ENSURE(ccs__image_digest_check(digest) == CCS_OK, CCS_ERR_FORMAT,
                   "registry: \"%.100s\": the digest must be sha256: and 64 lower-case hex digits", text);
    }
    char *slash = strrchr(buf, '/'), *colon = strrchr(buf, ':');
    if (colon != NULL && (slash == NULL || colon > slash)) {
        *colon = '\0';
        tag = colon + 1;
        CCS_ENSURE(tag_ok(tag), CCS_ERR_FORMAT, "registry: \"%.100s\": a malformed tag", text);
    }
    /* The first component is a registry host when it has '.' or ':' or is
     * localhost (distribution/reference's splitDockerDomain). */
    const char *host = CCS_REGISTRY_DOCKER_HUB, *repo = buf;
    size_t hn = strlen(host);
    char *first = strchr(buf, '/');
    if (first != NULL && (memchr(buf, '.', (size_t)(first - buf)) || memchr(buf, ':', (size_t)(first - buf)) ||
                          (first - buf == 9 && strncmp(buf, "localhost", 9) == 0))) {
        host = buf;
        hn = (size_t)(first - buf);
        repo = first + 1;
        CCS_ENSURE(host_ok(host, hn), CCS_ERR_FORMAT, "registry: \"%.100s\": a malformed registry host", text);
        if ((hn == 9 && strncmp(host, "docker.io", 9) == 0) || (hn == 15 && strncmp(host, "index.docker.io", 15) == 0)) {
            host = CCS_REGISTRY_DOCKER_HUB;
            hn = strlen(host);
        }
    }
    size_t rn = strlen(repo);
    CCS_ENSURE(rn > 0, CCS_ERR_FORMAT, "registry: \"%.100s\": no repository", text);
    for (const char *p = repo; p <= repo + rn;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        CCS_ENSURE(component_ok(p, n), CCS_ERR_FORMAT,
                   "registry: \"%.100s\": repository components are lower-case letters, digits and separators", text);
        p += n + 1;
    }
    bool library = strcmp(host, CCS_REGISTRY_DOCKER_HUB) == 0 && strchr(repo, '/') == NULL;
    return ref_fill(out, host, hn, repo, rn, library, tag, digest);
}

bool ccs_image_ref_is_loopback(const ccs_image_ref *r) {
    const char *h = r ? r->host : NULL;
    if (h == NULL) return false;
    size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":"); /* the host without its port */
    return n <= strlen(h) && ccs_host_is_loopback(h, n);
}

ccs_status ccs_image_ref_identity(const ccs_image_ref *r, char *out, size_t cap) {
    CCS_ENSURE(r != NULL && r->host != NULL && r->repo != NULL && (r->tag != NULL || r->digest != NULL) &&
                   out != NULL && cap > 0,
               CCS_ERR_INVALID_ARG, "registry: bad arguments");
    const char *domain = strcmp(r->host, CCS_REGISTRY_DOCKER_HUB) == 0 ? "docker.io" : r->host;
    int n = snprintf(out, cap, "%s/%s%s%s", domain, r->repo, r->tag ? ":" : "@", r->tag ? r->tag : r->digest);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_FORMAT, "registry: the reference is longer than %zu bytes", cap - 1);
    return CCS_OK;
}

/* ---- WWW-Authenticate ---- */

void ccs_registry_challenge_clear(ccs_registry_challenge *c) {
    if (c == NULL) return;
    free(c->scheme);
    free(c->realm);
    free(c->service);
    free(c->scope);
    memset(c, 0, sizeof *c);
}

static bool tchar(char c) { return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c)); }

/* One auth-param value, a token or a quoted-string, into out (<= cap-1). */
static ccs_status param_value(const char **pp, char *out, size_t cap) {
    const char *p = *pp;
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            CCS_ENSURE(*p != '\0', CCS_ERR_FORMAT, "registry: WWW-Authenticate: an unterminated quoted string");
            if (*p == '\\') {
                p++;
                CCS_ENSURE(*p != '\0', CCS_ERR_FORMAT, "registry: WWW-Authenticate: a dangling escape");
            }
            CCS_ENSURE((unsigned char)*p >= 0x20 || *p == '\t', CCS_ERR_FORMAT,
                       "registry: WWW-Authenticate: a control character");
            CCS_ENSURE(n + 1 < cap, CCS_ERR_FORMAT, "registry: WWW-Authenticate: a value too long");
            out[n++] = *p;
        }
        p++;
    } else {
        /* token68-ish: tokens plus '/' ':' '=' as registries send unquoted URLs */
        while (tchar(*p) || *p == '/' || *p == ':' || *p == '=') {
            CCS_ENSURE(n + 1 < cap, CCS_ERR_FORMAT, "registry: WWW-Authenticate: a value too long");
            out[n++] = *p++;
        }
        CCS_ENSURE(n > 0, CCS_ERR_FORMAT, "registry: WWW-Authenticate: an empty value");
    }
    out[n] = '\0';
    *pp = p;
    return CCS_OK;
}

static ccs_status param_set(char **slot, const char *key, const char *v) {
    CCS_ENSURE(*slot == NULL, CCS_ERR_FORMAT, "registry: WWW-Authenticate: \"%s\" twice", key);
    *slot = strdup(v);
    CCS_ENSURE(*slot != NULL, CCS_ERR_NOMEM, "registry: no memory");
    return CCS_OK;
}

static ccs_status challenge_params(const char *p, ccs_registry_challenge *c) {
    char key[32], val[CHALLENGE_MAX];
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (*p == '\0') break;
        size_t kn = 0;
        while (tchar(*p)) {
            CCS_ENSURE(kn + 1 < sizeof key, CCS_ERR_FORMAT, "registry: WWW-Authenticate: a parameter name too long");
            key[kn++] = (char)tolower((unsigned char)*p++);
        }
        key[kn] = '\0';
        while (*p == ' ' || *p == '\t') p++;
        CCS_ENSURE(kn > 0 && *p == '=', CCS_ERR_FORMAT, "registry: WWW-Authenticate: expected name=value");
        p++;
        while (*p == ' ' || *p == '\t') p++;
        CCS_TRY(param_value(&p, val, sizeof val));
        if (strcmp(key, "realm") == 0) CCS_TRY(param_set(&c->realm, key, val));
        else if (strcmp(key, "service") == 0) CCS_TRY(param_set(&c->service, key, val));
        else if (strcmp(key, "scope") == 0) CCS_TRY(param_set(&c->scope, key, val));
        while (*p == ' ' || *p == '\t') p++;
        CCS_ENSURE(*p == '\0' || *p == ',', CCS_ERR_FORMAT, "registry: WWW-Authenticate: expected ',' between parameters");
    }
    return CCS_OK;
}

ccs_status ccs_registry_challenge_parse(const char *header, ccs_registry_challenge *out) {
    CCS_ENSURE(header != NULL && out != NULL, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    memset(out, 0, sizeof *out);
    CCS_ENSURE(strnlen(header, CHALLENGE_MAX + 1) <= CHALLENGE_MAX, CCS_ERR_FORMAT,
               "registry: WWW-Authenticate longer than %d bytes", CHALLENGE_MAX);
    const char *p = header;
    while (*p == ' ' || *p == '\t') p++;
    char scheme[16];
    size_t n = 0;
    while (tchar(*p) && n + 1 < sizeof scheme) scheme[n++] = (char)tolower((unsigned char)*p++);
    scheme[n] = '\0';
    CCS_ENSURE(n > 0 && (*p == '\0' || *p == ' ' || *p == '\t'), CCS_ERR_FORMAT,
               "registry: WWW-Authenticate: no auth scheme");
    CCS_ENSURE(strcmp(scheme, "bearer") == 0 || strcmp(scheme, "basic") == 0, CCS_ERR_UNSUPPORTED,
               "registry: WWW-Authenticate: the %s scheme (bearer and basic only)", scheme);
    ccs_status st = (out->scheme = strdup(scheme)) ? challenge_params(p, out)
                                                   : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "registry: no memory");
    if (st == CCS_OK && strcmp(scheme, "bearer") == 0 && out->realm == NULL)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "registry: WWW-Authenticate: a bearer challenge without realm");
    if (st != CCS_OK) ccs_registry_challenge_clear(out);
    return st;
}

/* ---- platforms ---- */

static bool plat_part(const char *s, size_t n, char out[32]) {
    if (n == 0 || n >= 32) return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.')) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

ccs_status ccs_registry_platform_parse(const char *text, char os[32], char arch[32], char variant[32]) {
    CCS_ENSURE(text && os && arch && variant, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    const char *a = strchr(text, '/'), *v = a ? strchr(a + 1, '/') : NULL;
    variant[0] = '\0';
    bool ok = a != NULL && plat_part(text, (size_t)(a - text), os) &&
              plat_part(a + 1, v ? (size_t)(v - a - 1) : strlen(a + 1), arch) &&
              (v == NULL || plat_part(v + 1, strlen(v + 1), variant));
    CCS_ENSURE(ok, CCS_ERR_FORMAT, "registry: platform \"%.60s\" is not os/arch[/variant]", text);
    return CCS_OK;
}
