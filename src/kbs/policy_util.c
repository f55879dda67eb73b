/* Validation helpers shared by the attestation and resource policies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_util.h"

const char *const pol_tee_names[] = {"sgx", "tdx", "snp", "csv", "tpm", "sim-sgx", "sim-tdx", NULL};

bool pol_tee_known(const char *name) {
    for (size_t i = 0; pol_tee_names[i]; i++)
        if (strcmp(name, pol_tee_names[i]) == 0) return true;
    return false;
}

static void append_printable(char *out, size_t cap, size_t *n, const char *s) {
    for (; *s && *n + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        out[(*n)++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[*n] = '\0';
}

void pol_path(char out[static POL_PATH_MAX], const char *base, const char *key) {
    size_t n = 0;
    out[0] = '\0';
    append_printable(out, POL_PATH_MAX, &n, base);
    if (n > 0) append_printable(out, POL_PATH_MAX, &n, ".");
    append_printable(out, POL_PATH_MAX, &n, key);
}

void pol_path_index(char out[static POL_PATH_MAX], const char *base, size_t i) {
    char idx[32];
    size_t n = 0;
    out[0] = '\0';
    append_printable(out, POL_PATH_MAX, &n, base);
    snprintf(idx, sizeof idx, "[%zu]", i);
    append_printable(out, POL_PATH_MAX, &n, idx);
}

ccs_status pol_fail(const char *path, const char *fmt, ...) {
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "%s: %s", path, msg);
}

ccs_status pol_load(const char *json, const char *what, json_t **out) {
    json_error_t jerr;
    *out = NULL;
    if (json == NULL) return ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "%s: NULL argument", what);
    json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "%s: not valid JSON: %s (line %d, column %d)", what,
                             jerr.text, jerr.line, jerr.column);
    if (!json_is_object(v)) {
        json_decref(v);
        return ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "%s: expected a JSON object", what);
    }
    const json_t *ver = json_object_get(v, "version");
    ccs_status st = CCS_OK;
    if (ver == NULL)
        st = pol_fail("version", "missing (this build reads version 1)");
    else if (!json_is_integer(ver) || json_integer_value(ver) != 1)
        st = pol_fail("version", "unsupported (this build reads version 1)");
    if (st != CCS_OK) {
        json_decref(v);
        return st;
    }
    *out = v;
    return CCS_OK;
}

ccs_status pol_keys(const json_t *obj, const char *path, const char *const *allowed) {
    const char *key;
    const json_t *val;
    char p[POL_PATH_MAX];
    json_object_foreach((json_t *)obj, key, val) {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++) ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            pol_path(p, path, key);
            return pol_fail(p, "unknown key");
        }
    }
    return CCS_OK;
}

ccs_status pol_object(const json_t *v, const char *path) {
    if (!json_is_object(v)) return pol_fail(path, "expected an object");
    return CCS_OK;
}

ccs_status pol_array(const json_t *v, const char *path, size_t max) {
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > max)
        return pol_fail(path, "expected an array of 1 to %zu items", max);
    return CCS_OK;
}

ccs_status pol_hex(const json_t *v, size_t nbytes, const char *path, char **out) {
    *out = NULL;
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    bool ok = s != NULL && n == 2 * nbytes && n == json_string_length(v);
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F');
    if (!ok) return pol_fail(path, "expected %zu hex digits", 2 * nbytes);
    *out = malloc(n + 1);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i <= n; i++) (*out)[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
    return CCS_OK;
}

bool pol_ref_valid(const char *ref) {
    char tee[CCS_KBS_TEE_NAME_MAX + 1];
    const char *dot = strchr(ref, '.');
    if (dot == NULL || dot == ref || (size_t)(dot - ref) > CCS_KBS_TEE_NAME_MAX) return false;
    memcpy(tee, ref, (size_t)(dot - ref));
    tee[dot - ref] = '\0';
    for (const char *c = tee; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) return false;
    return ccs_kbs_component_valid(dot + 1);
}

ccs_status pol_list_add(ccs_kbs_strlist *l, const char *s) {
    char *copy = strdup(s);
    char **v = copy ? realloc(l->v, (l->n + 1) * sizeof *v) : NULL;
    if (v == NULL) {
        free(copy);
        CCS_BAIL(CCS_ERR_NOMEM, "out of memory");
    }
    l->v = v;
    l->v[l->n++] = copy;
    return CCS_OK;
}

ccs_status pol_list_addf(ccs_kbs_strlist *l, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pol_list_add(l, msg);
}

const json_t *pol_claim(const json_t *claims, const char *path) {
    char part[POL_PATH_MAX];
    const json_t *v = claims;
    while (v != NULL && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof part || !json_is_object(v)) return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        v = json_object_get(v, part);
        path += n;
        if (*path == '.') path++;
    }
    return v;
}
