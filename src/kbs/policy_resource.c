/*
 * The resource policy: which attested subjects may read which resource
 * paths. Rules are tried in order; the first whose pattern matches the path
 * decides (its conditions then allow or refuse; later rules are not tried);
 * no match is a refusal. docs/kbs.md "Resource policy".
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_util.h"

#define RULES_MAX 1024
#define PATTERNS_MAX 64
#define CLAIM_VALUES_MAX 256
#define CLAIM_VALUE_LEN_MAX 1024

/* Bits of the EAR statuses a rule accepts. */
#define ST_AFFIRMING 1u
#define ST_WARNING 2u

typedef struct cond {
    char *claim;    /* dotted path in the subject's claims */
    json_t *values; /* array of strings and integers */
} cond;

typedef struct rule {
    ccs_kbs_strlist patterns;
    bool deny;
    ccs_kbs_strlist tees; /* empty: any TEE */
    unsigned status;      /* ST_* mask */
    cond *conds;
    size_t nconds;
} rule;

struct ccs_kbs_resource_policy {
    rule *rules;
    size_t nrules;
};

static void rule_free(rule *r) {
    ccs_kbs_strlist_free(&r->patterns);
    ccs_kbs_strlist_free(&r->tees);
    for (size_t i = 0; i < r->nconds; i++) {
        free(r->conds[i].claim);
        json_decref(r->conds[i].values);
    }
    free(r->conds);
}

void ccs_kbs_resource_policy_free(ccs_kbs_resource_policy *p) {
    if (p == NULL) return;
    for (size_t i = 0; i < p->nrules; i++) rule_free(&p->rules[i]);
    free(p->rules);
    free(p);
}

/* "repo/type/tag", each component [A-Za-z0-9._-*?]{1,128} without "..". */
static bool pattern_valid(const char *s) {
    size_t comps = 0, n = 0;
    for (;; s++) {
        char c = *s;
        if (c == '/' || c == '\0') {
            if (n == 0) return false;
            comps++;
            n = 0;
            if (c == '\0') break;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-' || c == '*' || c == '?';
        if (!ok || ++n > CCS_KBS_COMPONENT_MAX || (c == '.' && s[1] == '.')) return false;
    }
    return comps == 3;
}

static ccs_status parse_patterns(const json_t *v, const char *path, rule *r) {
    char p[POL_PATH_MAX];
    if (json_is_string(v)) {
        if (!pattern_valid(json_string_value(v)))
            return pol_fail(path, "expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]");
        return pol_list_add(&r->patterns, json_string_value(v));
    }
    if (!json_is_array(v)) return pol_fail(path, "expected a pattern or an array of patterns");
    CCS_TRY(pol_array(v, path, PATTERNS_MAX));
    for (size_t i = 0; i < json_array_size(v); i++) {
        pol_path_index(p, path, i);
        const char *s = json_string_value(json_array_get(v, i));
        if (s == NULL || !pattern_valid(s))
            return pol_fail(p, "expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]");
        CCS_TRY(pol_list_add(&r->patterns, s));
    }
    return CCS_OK;
}

static ccs_status parse_tees(const json_t *v, const char *path, rule *r) {
    char p[POL_PATH_MAX];
    CCS_TRY(pol_array(v, path, 16));
    for (size_t i = 0; i < json_array_size(v); i++) {
        pol_path_index(p, path, i);
        const char *s = json_string_value(json_array_get(v, i));
        if (s == NULL || !pol_tee_known(s))
            return pol_fail(p, "unknown TEE (expected one of: sgx, tdx, snp, csv, tpm, sim-sgx, sim-tdx)");
        CCS_TRY(pol_list_add(&r->tees, s));
    }
    return CCS_OK;
}

static ccs_status parse_status(const json_t *v, const char *path, rule *r) {
    char p[POL_PATH_MAX];
    CCS_TRY(pol_array(v, path, 3));
    r->status = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        pol_path_index(p, path, i);
        const char *s = json_string_value(json_array_get(v, i));
        if (s != NULL && strcmp(s, "affirming") == 0)
            r->status |= ST_AFFIRMING;
        else if (s != NULL && strcmp(s, "warning") == 0)
            r->status |= ST_WARNING;
        else if (s != NULL && strcmp(s, "contraindicated") == 0)
            return pol_fail(p, "contraindicated tokens are never accepted");
        else
            return pol_fail(p, "expected \"affirming\" or \"warning\"");
    }
    return CCS_OK;
}

static ccs_status parse_claims(const json_t *v, const char *path, rule *r) {
    const char *key;
    const json_t *vals;
    char p[POL_PATH_MAX], pi[POL_PATH_MAX];
    CCS_TRY(pol_object(v, path));
    r->conds = calloc(json_object_size(v) + 1, sizeof *r->conds);
    CCS_ENSURE(r->conds != NULL, CCS_ERR_NOMEM, "out of memory");
    json_object_foreach((json_t *)v, key, vals) {
        pol_path(p, path, key);
        if (!ccs_kbs_component_valid(key)) return pol_fail(p, "expected a claim name of [A-Za-z0-9._-]");
        CCS_TRY(pol_array(vals, p, CLAIM_VALUES_MAX));
        for (size_t i = 0; i < json_array_size(vals); i++) {
            const json_t *e = json_array_get(vals, i);
            pol_path_index(pi, p, i);
            bool ok = json_is_integer(e) || (json_is_string(e) && json_string_length(e) > 0 &&
                                             json_string_length(e) <= CLAIM_VALUE_LEN_MAX &&
                                             strlen(json_string_value(e)) == json_string_length(e));
            if (!ok) return pol_fail(pi, "expected a non-empty string or an integer");
        }
        cond *c = &r->conds[r->nconds++];
        c->values = json_incref((json_t *)vals);
        c->claim = strdup(key);
        CCS_ENSURE(c->claim != NULL, CCS_ERR_NOMEM, "out of memory");
    }
    return CCS_OK;
}

static ccs_status parse_allow(const json_t *v, const char *path, rule *r) {
    static const char *const keys[] = {"tee", "status", "claims", NULL};
    char p[POL_PATH_MAX];
    const json_t *m;
    CCS_TRY(pol_object(v, path));
    CCS_TRY(pol_keys(v, path, keys));
    r->status = ST_AFFIRMING; /* fail closed: only affirming tokens unless said */
    if ((m = json_object_get(v, "tee")) != NULL) {
        pol_path(p, path, "tee");
        CCS_TRY(parse_tees(m, p, r));
    }
    if ((m = json_object_get(v, "status")) != NULL) {
        pol_path(p, path, "status");
        CCS_TRY(parse_status(m, p, r));
    }
    if ((m = json_object_get(v, "claims")) != NULL) {
        pol_path(p, path, "claims");
        CCS_TRY(parse_claims(m, p, r));
    }
    return CCS_OK;
}

static ccs_status parse_rule(const json_t *v, const char *path, rule *r) {
    static const char *const keys[] = {"resources", "allow", "deny", "comment", NULL};
    char p[POL_PATH_MAX];
    CCS_TRY(pol_object(v, path));
    CCS_TRY(pol_keys(v, path, keys));
    const json_t *res = json_object_get(v, "resources"), *allow = json_object_get(v, "allow"),
                 *deny = json_object_get(v, "deny"), *comment = json_object_get(v, "comment");
    pol_path(p, path, "resources");
    if (res == NULL) return pol_fail(p, "missing");
    CCS_TRY(parse_patterns(res, p, r));
    pol_path(p, path, "comment");
    if (comment != NULL && !json_is_string(comment)) return pol_fail(p, "expected a string");
    if ((allow == NULL) == (deny == NULL)) return pol_fail(path, "expected exactly one of \"allow\" and \"deny\"");
    if (deny != NULL) {
        pol_path(p, path, "deny");
        if (!json_is_true(deny)) return pol_fail(p, "expected true");
        r->deny = true;
        return CCS_OK;
    }
    pol_path(p, path, "allow");
    return parse_allow(allow, p, r);
}

ccs_status ccs_kbs_resource_policy_parse(const char *json, ccs_kbs_resource_policy **out) {
    static const char *const keys[] = {"version", "comment", "rules", NULL};
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "resource policy: NULL argument");
    *out = NULL;
    json_t *doc = NULL;
    CCS_TRY(pol_load(json, "resource policy", &doc));
    ccs_kbs_resource_policy *pol = calloc(1, sizeof *pol);
    ccs_status st = pol ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) st = pol_keys(doc, "", keys);
    const json_t *c = json_object_get(doc, "comment"), *rules = json_object_get(doc, "rules");
    if (st == CCS_OK && c != NULL && !json_is_string(c)) st = pol_fail("comment", "expected a string");
    if (st == CCS_OK && rules == NULL) st = pol_fail("rules", "missing");
    if (st == CCS_OK) st = pol_array(rules, "rules", RULES_MAX);
    if (st == CCS_OK) {
        pol->rules = calloc(json_array_size(rules), sizeof *pol->rules);
        if (pol->rules == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    for (size_t i = 0; st == CCS_OK && i < json_array_size(rules); i++) {
        char p[POL_PATH_MAX];
        pol_path_index(p, "rules", i);
        pol->nrules++;
        st = parse_rule(json_array_get(rules, i), p, &pol->rules[i]);
    }
    json_decref(doc);
    if (st != CCS_OK) {
        ccs_kbs_resource_policy_free(pol);
        return st;
    }
    *out = pol;
    return CCS_OK;
}

/* ---- decisions ---- */

static bool value_matches(const json_t *actual, const json_t *allowed) {
    for (size_t i = 0; i < json_array_size(allowed); i++) {
        const json_t *a = json_array_get(allowed, i);
        if (json_is_integer(a) && json_is_integer(actual) && json_integer_value(a) == json_integer_value(actual))
            return true;
        /* Strings: hex measurements compare regardless of case. */
        if (json_is_string(a) && json_is_string(actual) &&
            strcasecmp(json_string_value(a), json_string_value(actual)) == 0)
            return true;
    }
    return false;
}

static const char *status_name(ccs_kbs_ear_status s) {
    return s == CCS_KBS_EAR_AFFIRMING ? "affirming" : s == CCS_KBS_EAR_WARNING ? "warning" : "contraindicated";
}

/* Why the subject fails the rule's conditions, or "" when it passes. */
static void rule_check(const rule *r, const ccs_kbs_subject *who, char *why, size_t cap) {
    char buf[POL_PATH_MAX];
    why[0] = '\0';
    unsigned bit = who->status == CCS_KBS_EAR_AFFIRMING ? ST_AFFIRMING
                   : who->status == CCS_KBS_EAR_WARNING ? ST_WARNING
                                                        : 0;
    if (!(r->status & bit)) {
        snprintf(why, cap, "status %s is not accepted", status_name(who->status));
        return;
    }
    if (r->tees.n) {
        bool ok = false;
        for (size_t i = 0; i < r->tees.n && !ok; i++) ok = who->tee && strcmp(who->tee, r->tees.v[i]) == 0;
        if (!ok) {
            pol_path(buf, "", who->tee ? who->tee : "(none)");
            snprintf(why, cap, "tee %s is not accepted", buf);
            return;
        }
    }
    for (size_t i = 0; i < r->nconds; i++) {
        const json_t *v = who->claims ? pol_claim(who->claims, r->conds[i].claim) : NULL;
        if (v == NULL) {
            snprintf(why, cap, "claim %s is missing", r->conds[i].claim);
            return;
        }
        if (!value_matches(v, r->conds[i].values)) {
            if (json_is_string(v))
                pol_path(buf, "", json_string_value(v));
            else if (json_is_integer(v))
                snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            else
                snprintf(buf, sizeof buf, "(not a string or an integer)");
            snprintf(why, cap, "claim %s %s is not among the allowed values", r->conds[i].claim, buf);
            return;
        }
    }
}

static ccs_status set_reason(char **reason, const char *fmt, ...) CCS_PRINTF(2, 3);
static ccs_status set_reason(char **reason, const char *fmt, ...) {
    char msg[640];
    va_list ap;
    if (reason == NULL) return CCS_OK;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *reason = strdup(msg);
    CCS_ENSURE(*reason != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}

ccs_status ccs_kbs_resource_policy_allows(const ccs_kbs_resource_policy *p, const char *path,
                                          const ccs_kbs_subject *who, bool *allow, char **reason) {
    char repo[CCS_KBS_COMPONENT_MAX + 1], type[CCS_KBS_COMPONENT_MAX + 1], tag[CCS_KBS_COMPONENT_MAX + 1];
    char buf[POL_PATH_MAX], why[512];
    CCS_ENSURE(p != NULL && path != NULL && allow != NULL, CCS_ERR_INVALID_ARG, "resource policy: NULL argument");
    *allow = false;
    if (reason) *reason = NULL;
    if (ccs_kbs_resource_path_split(path, repo, type, tag) != CCS_OK) {
        ccs_error_clear();
        pol_path(buf, "", path);
        return set_reason(reason, "%s is not a valid resource path", buf);
    }
    if (who == NULL) return set_reason(reason, "no attested subject");
    for (size_t i = 0; i < p->nrules; i++) {
        const rule *r = &p->rules[i];
        for (size_t j = 0; j < r->patterns.n; j++) {
            if (fnmatch(r->patterns.v[j], path, FNM_PATHNAME) != 0) continue;
            if (r->deny) return set_reason(reason, "rule %zu (%s) denies %s", i, r->patterns.v[j], path);
            rule_check(r, who, why, sizeof why);
            if (why[0]) return set_reason(reason, "rule %zu (%s): %s", i, r->patterns.v[j], why);
            *allow = true;
            return set_reason(reason, "rule %zu (%s) allows %s", i, r->patterns.v[j], path);
        }
    }
    return set_reason(reason, "no rule matches %s (default deny)", path);
}
