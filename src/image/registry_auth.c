/* Registry credentials and bearer tokens. Credentials come from the
 * options (user:password) or a docker-style auth file
 * ({"auths":{"HOST":{"auth":"<base64 user:password>"}}}); a token comes
 * from the realm of a Bearer challenge (distribution token spec: GET
 * realm?service=S&scope=SC, basic-authenticated when credentials are
 * known; the reply's "token" or "access_token") and is cached per scope
 * for the client's life. Neither credentials nor tokens are ever put into
 * an error message; they are wiped when freed. */
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

#define AUTHFILE_MAX (1 << 20)

static void free_secret(char **p) {
    if (*p) ccs_wipe(*p, strlen(*p));
    free(*p);
    *p = NULL;
}

void ccs__registry_auth_free(ccs_registry *r) {
    free_secret(&r->user);
    free_secret(&r->pass);
    free(r->creds_host);
    r->creds_host = NULL;
    for (size_t i = 0; i < r->ntokens; i++) {
        free(r->tokens[i].scope);
        free_secret(&r->tokens[i].token);
    }
    r->ntokens = 0;
}

/* "user:password" into r->user / r->pass. */
static ccs_status split_creds(ccs_registry *r, const char *up, size_t n) {
    const char *colon = memchr(up, ':', n);
    CCS_ENSURE(colon != NULL && colon > up, CCS_ERR_FORMAT, "registry: credentials are not user:password");
    r->user = strndup(up, (size_t)(colon - up));
    r->pass = strndup(colon + 1, n - (size_t)(colon - up) - 1);
    CCS_ENSURE(r->user && r->pass, CCS_ERR_NOMEM, "registry: no memory");
    return CCS_OK;
}

/* The auths entry for host: "HOST", "https://HOST", and for Docker Hub
 * also "docker.io" and "https://index.docker.io/v1/". */
static const json_t *auth_entry(const json_t *auths, const char *host) {
    const json_t *e = json_object_get(auths, host);
    char key[600];
    if (e == NULL) {
        snprintf(key, sizeof key, "https://%s", host);
        e = json_object_get(auths, key);
    }
    if (e == NULL && strcmp(host, CCS_REGISTRY_DOCKER_HUB) == 0) {
        e = json_object_get(auths, "docker.io");
        if (e == NULL) e = json_object_get(auths, "https://index.docker.io/v1/");
    }
    return e;
}

static ccs_status from_authfile(ccs_registry *r, const char *host) {
    ccs_buf text = {0}, up = {0};
    json_t *doc = NULL;
    ccs_status st = ccs_file_read(r->o.authfile, AUTHFILE_MAX, &text);
    if (st != CCS_OK) return ccs__image_rethrow(st, "registry: auth file");
    st = ccs__image_json_parse(ccs_buf_view(&text), "registry: auth file", &doc);
    const json_t *e = st == CCS_OK ? auth_entry(json_object_get(doc, "auths"), host) : NULL;
    const char *b64 = json_string_value(json_object_get(e, "auth"));
    if (st == CCS_OK && b64 != NULL) {
        st = ccs_base64_decode(b64, strlen(b64), &up);
        if (st == CCS_OK) st = split_creds(r, (const char *)up.ptr, up.len);
        if (st != CCS_OK) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "registry: auth file: the entry for %s is malformed", host);
    }
    json_decref(doc);
    ccs_buf_free(&text);
    ccs_buf_free(&up);
    return st;
}

ccs_status ccs__registry_creds(ccs_registry *r, const char *host) {
    if (r->creds_host != NULL && strcmp(r->creds_host, host) == 0) return CCS_OK;
    ccs__registry_auth_free(r); /* another host: nothing of the last one's is sent */
    r->basic = false;
    CCS_ENSURE((r->creds_host = strdup(host)) != NULL, CCS_ERR_NOMEM, "registry: no memory");
    if (r->o.username != NULL) {
        r->user = strdup(r->o.username);
        r->pass = strdup(r->o.password);
        CCS_ENSURE(r->user && r->pass, CCS_ERR_NOMEM, "registry: no memory");
        return CCS_OK;
    }
    return r->o.authfile ? from_authfile(r, host) : CCS_OK;
}

const char *ccs__registry_token_for(const ccs_registry *r, const char *scope) {
    for (size_t i = 0; scope != NULL && i < r->ntokens; i++)
        if (strcmp(r->tokens[i].scope, scope) == 0) return r->tokens[i].token;
    return NULL;
}

static ccs_status token_store(ccs_registry *r, const char *scope, const char *token) {
    for (size_t i = 0; i < r->ntokens; i++)
        if (strcmp(r->tokens[i].scope, scope) == 0) {
            free_secret(&r->tokens[i].token);
            CCS_ENSURE((r->tokens[i].token = strdup(token)) != NULL, CCS_ERR_NOMEM, "registry: no memory");
            return CCS_OK;
        }
    if (r->ntokens == REG_TOKENS_MAX) { /* full: forget the oldest */
        free(r->tokens[0].scope);
        free_secret(&r->tokens[0].token);
        memmove(r->tokens, r->tokens + 1, (REG_TOKENS_MAX - 1) * sizeof r->tokens[0]);
        r->ntokens--;
    }
    reg_token *t = &r->tokens[r->ntokens];
    t->scope = strdup(scope);
    t->token = strdup(token);
    if (t->scope == NULL || t->token == NULL) {
        free(t->scope);
        free_secret(&t->token);
        CCS_BAIL(CCS_ERR_NOMEM, "registry: no memory");
    }
    r->ntokens++;
    return CCS_OK;
}

/* A plain-http realm is followed only to a loopback host, as plain http to
 * the registry is: the request carries the credentials. */
static bool loopback_realm(const char *realm) {
    const char *a = realm + 7; /* after "http://" */
    size_t n = strcspn(a, "/?#");
    char host[256];
    if (n == 0 || n >= sizeof host || memchr(a, '@', n) != NULL) return false; /* no user@host either */
    memcpy(host, a, n);
    host[n] = '\0';
    ccs_image_ref ref = {.host = host};
    return ccs_image_ref_is_loopback(&ref);
}

/* realm?service=..&scope=.. with the values URL-encoded. */
static ccs_status token_url(ccs_registry *r, const ccs_registry_challenge *c, const char *scope, ccs_buf *url) {
    bool https = strncmp(c->realm, "https://", 8) == 0, http = strncmp(c->realm, "http://", 7) == 0;
    CCS_ENSURE(https || (http && r->o.insecure_plain_http), CCS_ERR_POLICY,
               "registry: the token realm %.200s is not https", c->realm);
    CCS_ENSURE(https || loopback_realm(c->realm), CCS_ERR_POLICY,
               "registry: the token realm %.200s is plain http to a host that is not loopback", c->realm);
    CCS_TRY(ccs_buf_append_str(url, c->realm));
    char sep = strchr(c->realm, '?') ? '&' : '?';
    const char *names[2] = {"service", "scope"}, *vals[2] = {c->service, c->scope ? c->scope : scope};
    for (int i = 0; i < 2; i++) {
        if (vals[i] == NULL) continue;
        char *e = curl_easy_escape(r->curl, vals[i], 0);
        CCS_ENSURE(e != NULL, CCS_ERR_NOMEM, "registry: no memory");
        ccs_status st = ccs_buf_append(url, &sep, 1);
        if (st == CCS_OK) st = ccs_buf_append_str(url, names[i]);
        if (st == CCS_OK) st = ccs_buf_append_str(url, "=");
        if (st == CCS_OK) st = ccs_buf_append_str(url, e);
        curl_free(e);
        CCS_TRY(st);
        sep = '&';
    }
    return ccs_buf_append(url, "", 1);
}

ccs_status ccs__registry_token_fetch(ccs_registry *r, const ccs_registry_challenge *c, const char *scope) {
    CCS_ENSURE(scope != NULL || c->scope != NULL, CCS_ERR_FORMAT, "registry: a bearer challenge without a scope");
    ccs_buf url = {0}, body = {0};
    json_t *doc = NULL;
    ccs_status st = token_url(r, c, scope, &url);
    reg_req q = {.method = "GET", .url = (const char *)url.ptr, .out = &body, .out_max = CCS_REGISTRY_TOKEN_MAX,
                 .no_challenge = true};
    reg_resp *resp = st == CCS_OK ? calloc(1, sizeof *resp) : NULL;
    if (st == CCS_OK && resp == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "registry: no memory");
    /* The token endpoint takes the basic credentials, when there are any. */
    bool was_basic = r->basic;
    r->basic = r->user != NULL;
    if (st == CCS_OK) {
        ccs_image_ref none = {.host = r->creds_host};
        st = ccs__registry_do(r, &none, &q, resp);
    }
    r->basic = was_basic;
    if (st == CCS_OK && resp->code != 200) st = ccs__registry_fail(resp, "token endpoint");
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&body), "registry: token reply", &doc);
    const char *tok = json_string_value(json_object_get(doc, "token"));
    if (tok == NULL) tok = json_string_value(json_object_get(doc, "access_token"));
    if (st == CCS_OK && (tok == NULL || tok[0] == '\0' || strpbrk(tok, "\r\n") != NULL))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "registry: the token reply has no usable token");
    if (st == CCS_OK) st = token_store(r, scope ? scope : c->scope, tok);
    json_decref(doc);
    free(resp);
    ccs_buf_free(&url);
    ccs_buf_free(&body);
    return st;
}
