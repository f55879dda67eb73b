/* containers-policy.json(5) parsing (specs section 2.2). Strict, as the
 * policy decides what runs: every unknown key, wrong type, empty
 * requirement list and unknown requirement/identity type is refused with
 * the JSON path of the offending value; the Fulcio/Rekor/PKI options of
 * sigstoreSigned are refused as "not supported" rather than ignored (an
 * ignored requirement would accept too much). Key files are read and
 * checked on load, so a policy that cannot work fails before any pull. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "sig_internal.h"

#define KEY_FILE_MAX ((size_t)1 << 20)
#define PATH_CAP 640

typedef struct pctx {
    unsigned flags;
    char path[PATH_CAP];
} pctx;

static ccs_status perr(ccs_status st, const pctx *c, const char *fmt, ...) CCS_PRINTF(3, 4);
static ccs_status perr(ccs_status st, const pctx *c, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ccs_error_set(st, CCS_HERE, "policy.json: %s: %s", c->path, msg);
}

/* Appends ".key" or "[\"key\"]" (keys that are not identifiers) or "[i]". */
static size_t push_key(pctx *c, const char *key, bool bracket) {
    size_t old = strlen(c->path);
    snprintf(c->path + old, PATH_CAP - old, bracket ? "[\"%.200s\"]" : ".%.200s", key);
    return old;
}
static size_t push_idx(pctx *c, size_t i) {
    size_t old = strlen(c->path);
    snprintf(c->path + old, PATH_CAP - old, "[%zu]", i);
    return old;
}
static void pop(pctx *c, size_t old) { c->path[old] = '\0'; }

static ccs_status only_keys(pctx *c, const json_t *o, const char *const *keys) {
    if (!json_is_object(o)) return perr(CCS_ERR_FORMAT, c, "not an object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool known = false;
        for (size_t i = 0; keys[i] && !known; i++) known = strcmp(k, keys[i]) == 0;
        if (!known) return perr(CCS_ERR_FORMAT, c, "unknown key \"%.80s\"", k);
    }
    return CCS_OK;
}

static ccs_status str_member(pctx *c, const json_t *o, const char *key, bool required, const char **out) {
    const json_t *v = json_object_get(o, key);
    *out = json_string_value(v);
    if (v == NULL && !required) return CCS_OK;
    size_t old = push_key(c, key, false);
    ccs_status st = v == NULL        ? perr(CCS_ERR_FORMAT, c, "missing")
                    : *out == NULL   ? perr(CCS_ERR_FORMAT, c, "not a string")
                    : (*out)[0] == 0 ? perr(CCS_ERR_FORMAT, c, "empty")
                                     : CCS_OK;
    if (st == CCS_OK) pop(c, old);
    return st;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* A docker scope: "" (the transport default), "*.domain", a registry host,
 * or a fully qualified repository/namespace[:tag|@digest]. */
static bool scope_ok(const char *s) {
    if (s[0] == '\0') return true;
    ccs_image_dref r;
    char probe[CCS_IMAGE_REF_MAX + 16];
    if (strncmp(s, "*.", 2) == 0) {
        snprintf(probe, sizeof probe, "%s/x", s + 2);
        return strchr(s + 2, '/') == NULL && strchr(s + 2, ':') == NULL && ccs_image_dref_parse(probe, &r) == CCS_OK &&
               strchr(s + 2, '.') != NULL;
    }
    if (strchr(s, '/') == NULL) { /* a registry host: valid as the host of a name */
        snprintf(probe, sizeof probe, "%s/x", s);
        return ccs_image_dref_parse(probe, &r) == CCS_OK && strncmp(r.name, s, strlen(s)) == 0 && r.name[strlen(s)] == '/';
    }
    if (ccs_image_dref_parse(s, &r) != CCS_OK) return false;
    if (r.tag[0] || r.digest[0]) { /* a repository with a tag or digest */
        ccs_image_dref_string(&r, probe, sizeof probe);
        return strcmp(probe, s) == 0; /* no implied docker.io/library/ in a scope */
    }
    /* A repository or namespace: fully qualified as it stands. */
    snprintf(probe, sizeof probe, "%s/x", s);
    size_t n = strlen(s);
    return ccs_image_dref_parse(probe, &r) == CCS_OK && strncmp(r.name, s, n) == 0 && strcmp(r.name + n, "/x") == 0;
}

/* remapIdentity prefixes: a host or a repository/namespace, no tag or digest. */
static bool prefix_ok(const char *s) {
    const char *slash = strrchr(s, '/');
    return s[0] && scope_ok(s) && strncmp(s, "*.", 2) != 0 && strchr(s, '@') == NULL &&
           (slash == NULL || strchr(slash, ':') == NULL);
}

static ccs_status parse_identity(pctx *c, const json_t *o, ccs__req *r) {
    static const char *const plain[] = {"type", NULL}, *const ref[] = {"type", "dockerReference", NULL},
                             *const repo[] = {"type", "dockerRepository", NULL},
                             *const remap[] = {"type", "prefix", "signedPrefix", NULL};
    const char *type = NULL;
    if (!json_is_object(o)) return perr(CCS_ERR_FORMAT, c, "not an object");
    CCS_TRY(str_member(c, o, "type", true, &type));
    ccs_image_dref d;
    if (strcmp(type, "matchExact") == 0 || strcmp(type, "matchRepoDigestOrExact") == 0 ||
        strcmp(type, "matchRepository") == 0) {
        CCS_TRY(only_keys(c, o, plain));
        r->ident = type[5] == 'E' ? CCS__ID_MATCH_EXACT
                   : type[5] == 'R' && type[9] == 'D' ? CCS__ID_MATCH_REPO_DIGEST_OR_EXACT
                                                      : CCS__ID_MATCH_REPOSITORY;
        return CCS_OK;
    }
    const char *a = NULL, *b = NULL;
    if (strcmp(type, "exactReference") == 0) {
        CCS_TRY(only_keys(c, o, ref));
        CCS_TRY(str_member(c, o, "dockerReference", true, &a));
        if (ccs_image_dref_parse(a, &d) != CCS_OK || (!d.tag[0] && !d.digest[0]))
            return perr(CCS_ERR_FORMAT, c, "dockerReference \"%.200s\" is not a reference with a tag or digest", a);
        r->ident = CCS__ID_EXACT_REFERENCE;
    } else if (strcmp(type, "exactRepository") == 0) {
        CCS_TRY(only_keys(c, o, repo));
        CCS_TRY(str_member(c, o, "dockerRepository", true, &a));
        if (ccs_image_dref_parse(a, &d) != CCS_OK || d.tag[0] || d.digest[0])
            return perr(CCS_ERR_FORMAT, c, "dockerRepository \"%.200s\" is not a repository name", a);
        r->ident = CCS__ID_EXACT_REPOSITORY;
    } else if (strcmp(type, "remapIdentity") == 0) {
        CCS_TRY(only_keys(c, o, remap));
        CCS_TRY(str_member(c, o, "prefix", true, &a));
        CCS_TRY(str_member(c, o, "signedPrefix", true, &b));
        if (!prefix_ok(a))
            return perr(CCS_ERR_FORMAT, c, "prefix \"%.200s\" is not a host or repository prefix", a);
        if (!prefix_ok(b))
            return perr(CCS_ERR_FORMAT, c, "signedPrefix \"%.200s\" is not a host or repository prefix", b);
        r->ident = CCS__ID_REMAP;
    } else {
        size_t old = push_key(c, "type", false);
        ccs_status st = perr(CCS_ERR_FORMAT, c, "unknown signedIdentity type \"%.60s\"", type);
        pop(c, old);
        return st;
    }
    r->a = dup_or_null(a);
    r->b = dup_or_null(b);
    CCS_ENSURE(r->a != NULL && (b == NULL || r->b != NULL), CCS_ERR_NOMEM, "image: no memory");
    return CCS_OK;
}

/* Key material from keyPath, keyPaths or keyData (exactly one). */
static ccs_status collect_keys(pctx *c, const json_t *o, ccs_buf **out, size_t *n) {
    const json_t *kp = json_object_get(o, "keyPath"), *kps = json_object_get(o, "keyPaths"),
                 *kd = json_object_get(o, "keyData");
    int count = (kp != NULL) + (kps != NULL) + (kd != NULL);
    if (count != 1) return perr(CCS_ERR_FORMAT, c, "exactly one of keyPath, keyPaths and keyData is required");
    size_t total = kps ? json_array_size(kps) : 1;
    if (kps && (!json_is_array(kps) || total == 0 || total > 64)) {
        size_t old = push_key(c, "keyPaths", false);
        ccs_status st = perr(CCS_ERR_FORMAT, c, "not a list of 1 to 64 paths");
        pop(c, old);
        return st;
    }
    *out = calloc(total, sizeof **out);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "image: no memory");
    *n = total;
    for (size_t i = 0; i < total; i++) {
        const json_t *v = kd ? kd : kp ? kp : json_array_get(kps, i);
        size_t old = push_key(c, kd ? "keyData" : kp ? "keyPath" : "keyPaths", false);
        if (kps) push_idx(c, i);
        const char *s = json_string_value(v);
        ccs_status st = s == NULL || s[0] == 0 ? perr(CCS_ERR_FORMAT, c, "not a non-empty string") : CCS_OK;
        if (st == CCS_OK && kd != NULL) {
            st = ccs_base64_decode(s, strlen(s), &(*out)[i]);
            if (st != CCS_OK) st = perr(CCS_ERR_FORMAT, c, "not base64");
        } else if (st == CCS_OK && !(c->flags & CCS_IMAGE_POLICY_NO_KEY_FILES)) {
            st = ccs_file_read(s, KEY_FILE_MAX, &(*out)[i]);
            if (st != CCS_OK) st = perr(CCS_ERR_KEY, c, "%.300s", ccs_error_detail());
        }
        CCS_TRY(st);
        pop(c, old);
    }
    return CCS_OK;
}

static ccs_status parse_req(pctx *c, const json_t *o, ccs__req *r) {
    static const char *const plain[] = {"type", NULL};
    static const char *const sb[] = {"type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity", NULL};
    static const char *const ss[] = {"type", "keyPath", "keyPaths", "keyData", "signedIdentity", "fulcio",
                                     "rekorPublicKeyPath", "rekorPublicKeyData", "pki", NULL};
    const char *type = NULL;
    if (!json_is_object(o)) return perr(CCS_ERR_FORMAT, c, "not an object");
    CCS_TRY(str_member(c, o, "type", true, &type));
    if (strcmp(type, "insecureAcceptAnything") == 0 || strcmp(type, "reject") == 0) {
        CCS_TRY(only_keys(c, o, plain));
        r->type = type[0] == 'i' ? CCS__REQ_ACCEPT : CCS__REQ_REJECT;
        return CCS_OK;
    }
    bool gpg = strcmp(type, "signedBy") == 0;
    if (!gpg && strcmp(type, "sigstoreSigned") != 0) {
        size_t old = push_key(c, "type", false);
        ccs_status st = perr(CCS_ERR_FORMAT, c, "unknown requirement type \"%.60s\"", type);
        pop(c, old);
        return st;
    }
    CCS_TRY(only_keys(c, o, gpg ? sb : ss));
    r->type = gpg ? CCS__REQ_SIGNED_BY : CCS__REQ_SIGSTORE_SIGNED;
    if (gpg) {
        const char *kt = NULL;
        CCS_TRY(str_member(c, o, "keyType", true, &kt));
        if (strcmp(kt, "GPGKeys") != 0) {
            size_t old = push_key(c, "keyType", false);
            ccs_status st = perr(strcmp(kt, "X509Certificates") == 0 || strcmp(kt, "signedByGPGKeys") == 0 ||
                                         strcmp(kt, "signedByX509CAs") == 0
                                     ? CCS_ERR_UNSUPPORTED
                                     : CCS_ERR_FORMAT,
                                 c, "keyType \"%.60s\" is not supported (GPGKeys only)", kt);
            pop(c, old);
            return st;
        }
    } else {
        static const char *const refused[] = {"fulcio", "rekorPublicKeyPath", "rekorPublicKeyData", "pki", NULL};
        for (size_t i = 0; refused[i]; i++)
            if (json_object_get(o, refused[i]) != NULL) {
                size_t old = push_key(c, refused[i], false);
                ccs_status st = perr(CCS_ERR_UNSUPPORTED, c, "%s is not supported (public keys only: keyPath, keyData)",
                                     refused[i]);
                pop(c, old);
                return st;
            }
    }
    r->ident = CCS__ID_MATCH_REPO_DIGEST_OR_EXACT;
    const json_t *si = json_object_get(o, "signedIdentity");
    if (si != NULL) {
        size_t old = push_key(c, "signedIdentity", false);
        CCS_TRY(parse_identity(c, si, r));
        pop(c, old);
    }
    ccs_buf *keys = NULL;
    size_t n = 0;
    ccs_status st = collect_keys(c, o, &keys, &n);
    bool unread = (c->flags & CCS_IMAGE_POLICY_NO_KEY_FILES) && json_object_get(o, "keyData") == NULL;
    r->keys_unread = unread;
    if (st == CCS_OK && gpg) {
        r->gpg_keys = keys, r->ngpg = n, keys = NULL;
        if (!(c->flags & CCS_IMAGE_POLICY_NO_KEY_FILES) && ccs__image_gpg_check_keys(r->gpg_keys, r->ngpg) != CCS_OK)
            st = perr(CCS_ERR_KEY, c, "%.300s", ccs_error_detail());
    } else if (st == CCS_OK && !unread) {
        r->pub = calloc(n, sizeof *r->pub);
        if (r->pub == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
        for (size_t i = 0; st == CCS_OK && i < n; i++) {
            st = ccs_pubkey_from_pem(ccs_buf_view(&keys[i]), &r->pub[i]);
            if (st == CCS_OK) r->npub++;
            else st = perr(CCS_ERR_KEY, c, "key %zu is not a PEM public key: %.200s", i + 1, ccs_error_detail());
        }
    }
    for (size_t i = 0; keys && i < n; i++) ccs_buf_free(&keys[i]);
    free(keys);
    return st;
}

static ccs_status parse_reqs(pctx *c, const json_t *a, ccs__scope *s) {
    if (!json_is_array(a)) return perr(CCS_ERR_FORMAT, c, "not a list of requirements");
    size_t n = json_array_size(a);
    if (n == 0) return perr(CCS_ERR_FORMAT, c, "an empty list of requirements (use [{\"type\":\"reject\"}])");
    if (n > 64) return perr(CCS_ERR_FORMAT, c, "more than 64 requirements");
    s->reqs = calloc(n, sizeof *s->reqs);
    CCS_ENSURE(s->reqs != NULL, CCS_ERR_NOMEM, "image: no memory");
    for (size_t i = 0; i < n; i++) {
        size_t old = push_idx(c, i);
        s->n = i + 1;
        CCS_TRY(parse_req(c, json_array_get(a, i), &s->reqs[i]));
        pop(c, old);
    }
    return CCS_OK;
}

static void req_free(ccs__req *r) {
    free(r->a);
    free(r->b);
    for (size_t i = 0; i < r->ngpg; i++) ccs_buf_free(&r->gpg_keys[i]);
    free(r->gpg_keys);
    for (size_t i = 0; i < r->npub; i++) ccs_pubkey_free(r->pub[i]);
    free(r->pub);
}

static void scope_free(ccs__scope *s) {
    for (size_t i = 0; i < s->n; i++) req_free(&s->reqs[i]);
    free(s->reqs);
    free(s->scope);
}

void ccs_image_policy_free(ccs_image_policy *p) {
    if (p == NULL) return;
    scope_free(&p->deflt);
    for (size_t i = 0; i < p->ndocker; i++) scope_free(&p->docker[i]);
    free(p->docker);
    free(p);
}

static const char *const TRANSPORTS[] = {"docker", "atomic", "containers-storage", "dir", "docker-archive",
                                         "docker-daemon", "oci", "oci-archive", "ostree", "sif", "tarball", NULL};

static ccs_status parse_transports(pctx *c, const json_t *t, ccs_image_policy *p) {
    if (!json_is_object(t)) return perr(CCS_ERR_FORMAT, c, "not an object");
    const char *name;
    json_t *scopes;
    json_object_foreach((json_t *)t, name, scopes) {
        size_t old = push_key(c, name, false);
        bool known = false;
        for (size_t i = 0; TRANSPORTS[i] && !known; i++) known = strcmp(TRANSPORTS[i], name) == 0;
        if (!known) return perr(CCS_ERR_FORMAT, c, "unknown transport");
        if (!json_is_object(scopes)) return perr(CCS_ERR_FORMAT, c, "not an object of scopes");
        bool docker = strcmp(name, "docker") == 0;
        size_t ns = json_object_size(scopes);
        if (docker && ns > 0) {
            p->docker = calloc(ns, sizeof *p->docker);
            CCS_ENSURE(p->docker != NULL, CCS_ERR_NOMEM, "image: no memory");
        }
        const char *scope;
        json_t *reqs;
        json_object_foreach(scopes, scope, reqs) {
            size_t o2 = push_key(c, scope, true);
            if (docker && !scope_ok(scope))
                return perr(CCS_ERR_FORMAT, c, "not a docker scope (a registry, a repository or a namespace, fully qualified)");
            ccs__scope tmp = {0}, *s = docker ? &p->docker[p->ndocker++] : &tmp;
            s->scope = strdup(scope);
            ccs_status st = s->scope ? parse_reqs(c, reqs, s) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "no memory");
            if (!docker) scope_free(&tmp); /* other transports: validated, not used */
            CCS_TRY(st);
            pop(c, o2);
        }
        pop(c, old);
    }
    return CCS_OK;
}

ccs_status ccs_image_policy_parse(ccs_bytes json, unsigned flags, ccs_image_policy **out) {
    CCS_ENSURE(out != NULL && (json.ptr != NULL || json.len == 0), CCS_ERR_INVALID_ARG, "image: bad arguments");
    *out = NULL;
    json_t *doc = NULL;
    CCS_TRY(ccs__image_json_parse(json, "policy.json", &doc));
    pctx c = {.flags = flags, .path = "$"};
    static const char *const top[] = {"default", "transports", NULL};
    ccs_image_policy *p = calloc(1, sizeof *p);
    ccs_status st = p ? only_keys(&c, doc, top) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    const json_t *d = json_object_get(doc, "default"), *t = json_object_get(doc, "transports");
    if (st == CCS_OK && d == NULL) st = perr(CCS_ERR_FORMAT, &c, "\"default\" is missing");
    if (st == CCS_OK) {
        push_key(&c, "default", false);
        st = parse_reqs(&c, d, &p->deflt);
        pop(&c, 1);
    }
    if (st == CCS_OK && t != NULL) {
        push_key(&c, "transports", false);
        st = parse_transports(&c, t, p);
    }
    json_decref(doc);
    if (st != CCS_OK) {
        ccs_image_policy_free(p);
        return st;
    }
    *out = p;
    return CCS_OK;
}

ccs_status ccs_image_policy_load(const char *path, ccs_image_policy **out) {
    CCS_ENSURE(path != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    ccs_buf b = {0};
    ccs_status st = ccs_file_read(path, CCS_IMAGE_JSON_MAX, &b);
    if (st == CCS_OK) st = ccs_image_policy_parse(ccs_buf_view(&b), 0, out);
    ccs_buf_free(&b);
    if (st != CCS_OK) return ccs__image_rethrow(st, path);
    return CCS_OK;
}
