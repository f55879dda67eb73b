/* The KBS configuration: embedded defaults and the JSON config file
 * (docs/kbs.md "Configuration"). Errors name the JSON path, like the policy
 * parser's: "tls.cert: expected a string", "collateral.snp.vcekdir: unknown
 * key". A config that does not load changes nothing in the caller's cfg. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ccs/kbs.h"
#include "server_internal.h"

#define CONFIG_MAX (1u << 20)
#define PATH_MAX_LEN 4096

ccs_status ccs_kbs_config_set(char **member, const char *value) {
    CCS_ENSURE(member != NULL, CCS_ERR_INVALID_ARG, "config: bad arguments");
    char *copy = NULL;
    if (value != NULL) {
        copy = strdup(value);
        CCS_ENSURE(copy != NULL, CCS_ERR_NOMEM, "out of memory");
    }
    free(*member);
    *member = copy;
    return CCS_OK;
}

/* Every string member, for clear and copy. */
#define CFG_STRINGS(X)                                                                                      \
    X(listen) X(tls_cert) X(tls_key) X(store) X(token_key) X(admin_key) X(insecure_trust_sim_dir)          \
    X(dcap_collateral) X(dcap_pccs_url) X(dcap_pccs_cache) X(snp_vcek_dir) X(csv_hsk_cek_dir) X(tpm_ak_dir) \
    X(attestation_policy) X(resource_policy)

void ccs_kbs_config_clear(ccs_kbs_config *cfg) {
    if (cfg == NULL) return;
#define FREE_ONE(m) free(cfg->m);
    CFG_STRINGS(FREE_ONE)
#undef FREE_ONE
    memset(cfg, 0, sizeof *cfg);
}

ccs_status kbs_config_copy(const ccs_kbs_config *src, ccs_kbs_config *dst) {
    ccs_kbs_config c = *src;
    ccs_status st = CCS_OK;
#define NULL_ONE(m) c.m = NULL;
    CFG_STRINGS(NULL_ONE)
#undef NULL_ONE
#define COPY_ONE(m) if (st == CCS_OK) st = ccs_kbs_config_set(&c.m, src->m);
    CFG_STRINGS(COPY_ONE)
#undef COPY_ONE
    if (st != CCS_OK) {
        ccs_kbs_config_clear(&c);
        return st;
    }
    ccs_kbs_config_clear(dst);
    *dst = c;
    return CCS_OK;
}

static ccs_status state_path(const char *name, char **out) {
    const char *sd = getenv("STATE_DIRECTORY"), *home = getenv("HOME");
    char p[PATH_MAX_LEN];
    int n;
    if (sd != NULL && sd[0] != '\0') {
        /* systemd may pass several directories separated by ':'; the first is ours. */
        size_t l = strcspn(sd, ":");
        n = snprintf(p, sizeof p, "%.*s/%s", (int)l, sd, name);
    } else if (home != NULL && home[0] != '\0') {
        n = snprintf(p, sizeof p, "%s/.local/share/ccs/kbs/%s", home, name);
    } else {
        n = snprintf(p, sizeof p, "./%s", name);
    }
    CCS_ENSURE(n > 0 && (size_t)n < sizeof p, CCS_ERR_INVALID_ARG, "config: state directory path too long");
    return ccs_kbs_config_set(out, p);
}

ccs_status ccs_kbs_config_defaults(ccs_kbs_config *cfg) {
    CCS_ENSURE(cfg != NULL, CCS_ERR_INVALID_ARG, "config: bad arguments");
    ccs_kbs_config c;
    memset(&c, 0, sizeof c);
    c.token_lifetime_s = 300;
    c.session_timeout_s = 300;
    c.log_level = CCS_KBS_LOG_INFO;
    c.max_connections = 1024;
    c.request_timeout_s = 30;
    ccs_status st = ccs_kbs_config_set(&c.listen, "127.0.0.1:8080");
    if (st == CCS_OK) st = state_path("kbs.db", &c.store);
    if (st == CCS_OK) st = state_path("token-key.jwk", &c.token_key);
    if (st != CCS_OK) {
        ccs_kbs_config_clear(&c);
        return st;
    }
    ccs_kbs_config_clear(cfg);
    *cfg = c;
    return CCS_OK;
}

/* ---- the file ---- */

typedef enum { K_STR, K_PATH, K_SECONDS, K_BOOL, K_LEVEL, K_OBJ, K_WORKERS, K_CONNS } key_kind;

typedef struct key_spec {
    const char *name;
    key_kind kind;
    size_t off;                   /* offset of the member in ccs_kbs_config */
    const struct key_spec *child; /* K_OBJ */
} key_spec;

#define M(m) offsetof(ccs_kbs_config, m)
static const key_spec tls_keys[] = {{"cert", K_PATH, M(tls_cert), NULL}, {"key", K_PATH, M(tls_key), NULL}, {0}};
static const key_spec dcap_keys[] = {{"collateral_dir", K_PATH, M(dcap_collateral), NULL},
                                     {"pccs_url", K_STR, M(dcap_pccs_url), NULL},
                                     {"pccs_cache", K_PATH, M(dcap_pccs_cache), NULL},
                                     {0}};
static const key_spec snp_keys[] = {{"vcek_dir", K_PATH, M(snp_vcek_dir), NULL}, {0}};
static const key_spec csv_keys[] = {{"hsk_cek_dir", K_PATH, M(csv_hsk_cek_dir), NULL}, {0}};
static const key_spec tpm_keys[] = {{"ak_dir", K_PATH, M(tpm_ak_dir), NULL}, {0}};
static const key_spec coll_keys[] = {{"dcap", K_OBJ, 0, dcap_keys},
                                     {"snp", K_OBJ, 0, snp_keys},
                                     {"csv", K_OBJ, 0, csv_keys},
                                     {"tpm", K_OBJ, 0, tpm_keys},
                                     {0}};
static const key_spec pol_keys[] = {{"attestation", K_PATH, M(attestation_policy), NULL},
                                    {"resource", K_PATH, M(resource_policy), NULL},
                                    {0}};
static const key_spec top_keys[] = {{"comment", K_STR, SIZE_MAX, NULL},
                                    {"listen", K_STR, M(listen), NULL},
                                    {"tls", K_OBJ, 0, tls_keys},
                                    {"store", K_PATH, M(store), NULL},
                                    {"token_key", K_PATH, M(token_key), NULL},
                                    {"token_lifetime", K_SECONDS, M(token_lifetime_s), NULL},
                                    {"session_timeout", K_SECONDS, M(session_timeout_s), NULL},
                                    {"request_timeout", K_SECONDS, M(request_timeout_s), NULL},
                                    {"admin_key", K_PATH, M(admin_key), NULL},
                                    {"insecure_trust_sim_dir", K_PATH, M(insecure_trust_sim_dir), NULL},
                                    {"allow_remote_plain_http", K_BOOL, M(allow_remote_plain_http), NULL},
                                    {"collateral", K_OBJ, 0, coll_keys},
                                    {"policies", K_OBJ, 0, pol_keys},
                                    {"log_level", K_LEVEL, M(log_level), NULL},
                                    {"workers", K_WORKERS, M(workers), NULL},
                                    {"max_connections", K_CONNS, M(max_connections), NULL},
                                    {0}};
#undef M

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* A relative path is taken relative to the config file's directory. */
static ccs_status resolve(const char *base_dir, const char *v, char **member) {
    if (v[0] == '/' || base_dir == NULL) return ccs_kbs_config_set(member, v);
    char p[PATH_MAX_LEN];
    int n = snprintf(p, sizeof p, "%s/%s", base_dir, v);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof p, CCS_ERR_FORMAT, "path too long");
    return ccs_kbs_config_set(member, p);
}

static ccs_status apply(ccs_kbs_config *c, const key_spec *keys, const json_t *obj, const char *path,
                        const char *base_dir) {
    const char *k;
    json_t *v;
    const char *dot = path[0] ? "." : "";
    json_object_foreach((json_t *)obj, k, v) {
        const key_spec *ks = keys;
        while (ks->name != NULL && strcmp(ks->name, k) != 0) ks++;
        CCS_ENSURE(ks->name != NULL, CCS_ERR_FORMAT, "%s%s%s: unknown key", path, dot, k);
        char *base = (char *)c;
        switch (ks->kind) {
        case K_STR:
        case K_PATH: {
            const char *s = json_string_value(v);
            CCS_ENSURE(s != NULL && s[0] != '\0' && strlen(s) < PATH_MAX_LEN, CCS_ERR_FORMAT,
                       "%s%s%s: expected a non-empty string", path, dot, k);
            if (ks->off == SIZE_MAX) break; /* comment */
            char **m = (char **)(base + ks->off);
            CCS_TRY(ks->kind == K_PATH ? resolve(base_dir, s, m) : ccs_kbs_config_set(m, s));
            break;
        }
        case K_SECONDS: {
            json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
            CCS_ENSURE(n >= 1 && n <= 30 * 86400, CCS_ERR_FORMAT,
                       "%s%s%s: expected an integer number of seconds, 1..2592000", path, dot, k);
            *(int64_t *)(base + ks->off) = (int64_t)n;
            break;
        }
        case K_CONNS: {
            json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
            CCS_ENSURE(n >= 1 && n <= 1000000, CCS_ERR_FORMAT, "%s%s%s: expected an integer, 1 to 1000000", path, dot,
                       k);
            *(int64_t *)(base + ks->off) = (int64_t)n;
            break;
        }
        case K_WORKERS: {
            json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
            CCS_ENSURE(n >= 0 && n <= 64, CCS_ERR_FORMAT, "%s%s%s: expected an integer, 0 (one per CPU) to 64", path,
                       dot, k);
            *(int64_t *)(base + ks->off) = (int64_t)n;
            break;
        }
        case K_BOOL:
            CCS_ENSURE(json_is_boolean(v), CCS_ERR_FORMAT, "%s%s%s: expected true or false", path, dot, k);
            *(bool *)(base + ks->off) = json_is_true(v);
            break;
        case K_LEVEL: {
            const char *s = json_string_value(v);
            size_t i = 0;
            while (s != NULL && i < 4 && strcmp(level_names[i], s) != 0) i++;
            CCS_ENSURE(s != NULL && i < 4, CCS_ERR_FORMAT,
                       "%s%s%s: expected one of: error, warn, info, debug", path, dot, k);
            *(ccs_kbs_log_level *)(base + ks->off) = (ccs_kbs_log_level)i;
            break;
        }
        case K_OBJ: {
            char sub[256];
            CCS_ENSURE(json_is_object(v), CCS_ERR_FORMAT, "%s%s%s: expected an object", path, dot, k);
            snprintf(sub, sizeof sub, "%s%s%s", path, dot, k);
            CCS_TRY(apply(c, ks->child, v, sub, base_dir));
            break;
        }
        }
    }
    return CCS_OK;
}

static ccs_status check(const ccs_kbs_config *c) {
    CCS_ENSURE((c->tls_cert == NULL) == (c->tls_key == NULL), CCS_ERR_FORMAT,
               "tls: both \"cert\" and \"key\" are required");
    CCS_ENSURE(c->dcap_collateral == NULL || c->dcap_pccs_url == NULL, CCS_ERR_FORMAT,
               "collateral.dcap: \"collateral_dir\" and \"pccs_url\" exclude each other");
    CCS_ENSURE(c->dcap_pccs_cache == NULL || c->dcap_pccs_url != NULL, CCS_ERR_FORMAT,
               "collateral.dcap.pccs_cache: needs \"pccs_url\"");
    return CCS_OK;
}

/* The file's text (relative paths against base_dir; NULL keeps them as
 * they are) over the defaults; cfg is replaced only on success. JSON syntax
 * errors are prefixed with name when it is not NULL. */
static ccs_status config_parse(ccs_bytes text, const char *base_dir, const char *name, ccs_kbs_config *cfg) {
    CCS_ENSURE(cfg != NULL && (text.ptr != NULL || text.len == 0), CCS_ERR_INVALID_ARG, "config: bad arguments");
    CCS_ENSURE(text.len <= CONFIG_MAX, CCS_ERR_FORMAT, "config: larger than %u bytes", CONFIG_MAX);
    json_t *root = NULL;
    ccs_kbs_config c;
    memset(&c, 0, sizeof c);
    ccs_status st = ccs_kbs_json_object_parse(text, &root);
    if (st != CCS_OK && name != NULL) {
        char why[400];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "%s: %s", name, why);
    }
    if (st == CCS_OK) st = ccs_kbs_config_defaults(&c);
    if (st == CCS_OK) st = apply(&c, top_keys, root, "", base_dir);
    if (st == CCS_OK) st = check(&c);
    json_decref(root);
    if (st != CCS_OK) {
        ccs_kbs_config_clear(&c);
        return st;
    }
    ccs_kbs_config_clear(cfg);
    *cfg = c;
    return CCS_OK;
}

ccs_status ccs_kbs_config_parse(ccs_bytes text, const char *base_dir, ccs_kbs_config *cfg) {
    return config_parse(text, base_dir, NULL, cfg);
}

ccs_status ccs_kbs_config_load(const char *path, ccs_kbs_config *cfg) {
    CCS_ENSURE(path != NULL && cfg != NULL, CCS_ERR_INVALID_ARG, "config: bad arguments");
    ccs_buf text = {0};
    char dir[PATH_MAX_LEN];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    ccs_status st = ccs_file_read(path, CONFIG_MAX, &text);
    if (st == CCS_OK) st = config_parse(ccs_buf_view(&text), dir, path, cfg);
    ccs_buf_free(&text);
    return st;
}
