/* The agent object and its calls: GetResource (CDH), GetToken and
 * GetEvidence (AA) from specs/kbs-image-ratls.md 1.4. Each GetResource and
 * GetToken runs a fresh RCAR conversation (new nonce, new key pair): no
 * token or key outlives the call unless the caller asked for it (GetToken). */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L

static ccs_status check_url(const char *url) {
    CCS_ENSURE(url != NULL && url[0] != 0, CCS_ERR_INVALID_ARG, "agent: no KBS URL");
    CCS_ENSURE(strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0, CCS_ERR_INVALID_ARG,
               "agent: the KBS URL must start with http:// or https://");
    CCS_ENSURE(strlen(url) < 1024, CCS_ERR_INVALID_ARG, "agent: the KBS URL is too long");
    CCS_ENSURE(strpbrk(url, "?# \t\r\n") == NULL, CCS_ERR_INVALID_ARG,
               "agent: the KBS URL must have no query, fragment or spaces");
    return CCS_OK;
}

/* The base without trailing "/" and without a "/kbs/v0" the user may add. */
static char *base_url(const char *url) {
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    if (n >= 7 && strncmp(url + n - 7, "/kbs/v0", 7) == 0) n -= 7;
    while (n > 0 && url[n - 1] == '/') n--;
    return strndup(url, n);
}

/* Copies the init-data and checks its format and size. */
static ccs_status init_data_config(const ccs_agent_config *cfg, ccs_agent *a) {
    const char *f = cfg->init_data_format;
    CCS_ENSURE(f == NULL || strcmp(f, "json") == 0 || strcmp(f, "toml") == 0, CCS_ERR_INVALID_ARG,
               "agent: init-data format must be json or toml");
    a->init_format = f != NULL && strcmp(f, "json") == 0 ? "json" : "toml";
    if (cfg->init_data.len == 0) return CCS_OK;
    CCS_ENSURE(cfg->init_data.len <= CCS_AGENT_INIT_DATA_MAX, CCS_ERR_INVALID_ARG,
               "agent: init-data of %zu bytes (at most %u)", cfg->init_data.len, CCS_AGENT_INIT_DATA_MAX);
    CCS_ENSURE(memchr(cfg->init_data.ptr, 0, cfg->init_data.len) == NULL, CCS_ERR_INVALID_ARG,
               "agent: init-data holds a NUL byte");
    return ccs_buf_append(&a->init_data, cfg->init_data.ptr, cfg->init_data.len);
}

ccs_status ccs_agent_new(const ccs_agent_config *cfg, ccs_agent **out) {
    CCS_ENSURE(cfg != NULL && out != NULL, CCS_ERR_INVALID_ARG, "agent: bad arguments");
    *out = NULL;
    if (cfg->kbs_url != NULL) CCS_TRY(check_url(cfg->kbs_url));
    CCS_ENSURE(cfg->connect_timeout_ms >= 0 && cfg->timeout_ms >= 0, CCS_ERR_INVALID_ARG,
               "agent: negative timeout");
    ccs_agent *a = calloc(1, sizeof *a);
    CCS_ENSURE(a != NULL, CCS_ERR_NOMEM, "agent: no memory");
    ccs_status st = CCS_OK;
    if (cfg->kbs_url != NULL && (a->kbs_url = base_url(cfg->kbs_url)) == NULL) st = CCS_ERR_NOMEM;
    if (cfg->cacert != NULL && (a->cacert = strdup(cfg->cacert)) == NULL) st = CCS_ERR_NOMEM;
    if (st != CCS_OK) st = ccs_error_set(st, CCS_HERE, "agent: no memory");
    a->insecure_tls = cfg->insecure_skip_tls_verify;
    a->connect_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : DEFAULT_CONNECT_MS;
    a->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    ccs_tee_config tee = cfg->tee;
    uint8_t config_id[CCS_SHA384_LEN];
    if (st == CCS_OK) st = init_data_config(cfg, a);
    if (st == CCS_OK && a->init_data.len > 0 && tee.sim_config_id.len == 0 &&
        (tee.platform == CCS_PLATFORM_SIM_SGX || tee.platform == CCS_PLATFORM_SIM_TDX)) {
        /* The sim "launch" with this init-data: what a host puts in MRCONFIGID. */
        ccs_sha384(ccs_buf_view(&a->init_data), config_id);
        tee.sim_config_id = ccs_bytes_of(config_id, sizeof config_id);
    }
    if (st == CCS_OK) st = ccs_backend_open(&tee, &a->backend);
    if (st != CCS_OK) {
        ccs_agent_free(a);
        return st;
    }
    *out = a;
    return CCS_OK;
}

void ccs_agent_free(ccs_agent *a) {
    if (a == NULL) return;
    ccs_backend_free(a->backend);
    ccs_buf_free(&a->init_data);
    free(a->kbs_url);
    free(a->cacert);
    free(a);
}

const char *ccs_agent_tee(const ccs_agent *a) {
    return a ? ccs_platform_name(ccs_backend_platform(a->backend)) : "none";
}

/* [A-Za-z0-9._-]{1,128}, not "." and without ".." (the KBS's rule). */
static bool component_ok(const char *s, size_t n) {
    if (n == 0 || n > 128 || (n == 1 && s[0] == '.')) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok || (c == '.' && i + 1 < n && s[i + 1] == '.')) return false;
    }
    return true;
}

ccs_status ccs_agent_resource_uri_parse(const char *uri, char path[static CCS_AGENT_PATH_MAX]) {
    CCS_ENSURE(uri != NULL && path != NULL, CCS_ERR_INVALID_ARG, "resource URI: NULL");
    path[0] = 0;
    const char *p = uri;
    if (strncmp(uri, "kbs://", 6) == 0) {
        p = strchr(uri + 6, '/'); /* host[:port] is ignored: the KBS is the configured one */
        CCS_ENSURE(p != NULL, CCS_ERR_FORMAT, "resource URI: no path (kbs:///<repo>/<type>/<tag>)");
        p++;
    } else {
        CCS_ENSURE(strstr(uri, "://") == NULL, CCS_ERR_FORMAT,
                   "resource URI: scheme not supported (kbs:///<repo>/<type>/<tag>; no kbs+<plugin>)");
    }
    size_t n = strlen(p);
    CCS_ENSURE(n < CCS_AGENT_PATH_MAX, CCS_ERR_FORMAT, "resource URI: too long");
    CCS_ENSURE(strpbrk(p, "?#") == NULL, CCS_ERR_FORMAT, "resource URI: queries are not supported");
    const char *seg = p;
    for (int i = 0; i < 3; i++) {
        const char *end = i < 2 ? strchr(seg, '/') : seg + strlen(seg);
        CCS_ENSURE(end != NULL, CCS_ERR_FORMAT, "resource URI: want <repo>/<type>/<tag>");
        CCS_ENSURE(component_ok(seg, (size_t)(end - seg)), CCS_ERR_FORMAT,
                   "resource URI: component %d is not [A-Za-z0-9._-]{1,128} (or is . / has ..)", i + 1);
        seg = end + 1;
    }
    memcpy(path, p, n + 1);
    return CCS_OK;
}

ccs_status ccs_agent_get_resource(ccs_agent *a, const char *uri, ccs_buf *out) {
    CCS_ENSURE(a != NULL && out != NULL, CCS_ERR_INVALID_ARG, "agent: bad arguments");
    char path[CCS_AGENT_PATH_MAX];
    CCS_TRY(ccs_agent_resource_uri_parse(uri, path));
    agent_session s = {0};
    ccs_status st = agent_rcar_attest(a, &s);
    if (st == CCS_OK) st = agent_rcar_resource(&s, path, out);
    agent_session_clear(&s);
    return st;
}

ccs_status ccs_agent_get_token(ccs_agent *a, ccs_buf *out) {
    CCS_ENSURE(a != NULL && out != NULL, CCS_ERR_INVALID_ARG, "agent: bad arguments");
    agent_session s = {0};
    ccs_status st = agent_rcar_attest(a, &s);
    json_t *r = NULL;
    if (st == CCS_OK) {
        r = json_pack("{s:s,s:O}", "token", (const char *)s.token.ptr, "tee_keypair", s.key);
        if (r == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "agent: no memory");
    }
    char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
    if (st == CCS_OK && text == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "agent: no memory");
    if (st == CCS_OK) st = ccs_buf_append_str(out, text);
    if (text) {
        ccs_wipe(text, strlen(text));
        free(text);
    }
    if (r) {
        ccs_wipe((void *)json_string_value(json_object_get(r, "token")), s.token.len);
        json_decref(r); /* the key is s.key's reference: wiped below */
    }
    agent_session_clear(&s);
    return st;
}
