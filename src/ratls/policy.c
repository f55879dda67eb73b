/* RA-TLS policy (docs/ratls.md "Policy"): the KBS attestation policy format
 * (src/kbs/policy*.c, docs/kbs.md "Attestation policy") applied to the DCAP
 * result of a verified RA-TLS certificate, with reference values given
 * inline (`--refval NAME=HEX`) instead of from the KBS store. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs_internal.h"
#include "ratls_internal.h"

#define POLICY_FILE_MAX (1u << 20)
#define REFVAL_NAME_MAX 64u
#define REFVAL_BYTES_MAX 128u

struct ccs_ratls_policy {
    ccs_kbs_attestation_policy *att;
    json_t *refvals; /* {"name": ["hex", ...]} */
};

ccs_status ccs_ratls_policy_parse(const char *json, ccs_ratls_policy **out) {
    CCS_ENSURE(json != NULL && out != NULL, CCS_ERR_INVALID_ARG, "ratls policy: NULL argument");
    *out = NULL;
    ccs_ratls_policy *p = calloc(1, sizeof *p);
    CCS_ENSURE(p != NULL, CCS_ERR_NOMEM, "out of memory");
    p->refvals = json_object();
    ccs_status st = p->refvals != NULL ? ccs_kbs_attestation_policy_parse(json, &p->att)
                                       : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st != CCS_OK) {
        ccs_ratls_policy_free(p);
        return st;
    }
    *out = p;
    return CCS_OK;
}

ccs_status ccs_ratls_policy_load(const char *path, ccs_ratls_policy **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "ratls policy: NULL argument");
    ccs_buf raw = {0};
    CCS_TRY(ccs_file_read(path, POLICY_FILE_MAX, &raw));
    ccs_status st = ccs_buf_append(&raw, "", 1);
    if (st == CCS_OK && memchr(raw.ptr, '\0', raw.len - 1) != NULL)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "%s: a NUL byte in the policy", path);
    if (st == CCS_OK) st = ccs_ratls_policy_parse((const char *)raw.ptr, out);
    ccs_buf_free(&raw);
    return st;
}

static bool refval_name_ok(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > REFVAL_NAME_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)n[i]) && n[i] != '.' && n[i] != '_' && n[i] != '-') return false;
    return true;
}

ccs_status ccs_ratls_policy_add_refval(ccs_ratls_policy *p, const char *name, const char *value_hex) {
    CCS_ENSURE(p != NULL && name != NULL && value_hex != NULL, CCS_ERR_INVALID_ARG, "ratls policy: NULL argument");
    CCS_ENSURE(refval_name_ok(name), CCS_ERR_INVALID_ARG, "reference value name must be [A-Za-z0-9._-]{1,64}");
    ccs_buf v = {0};
    ccs_status st = ccs_hex_decode(value_hex, strlen(value_hex), &v);
    size_t n = v.len;
    ccs_buf_free(&v);
    CCS_ENSURE(st == CCS_OK && n > 0 && n <= REFVAL_BYTES_MAX, CCS_ERR_INVALID_ARG,
               "reference value %s: 1 to 128 bytes of hex expected", name);
    json_t *set = json_object_get(p->refvals, name);
    if (set == NULL) {
        set = json_array();
        CCS_ENSURE(set != NULL && json_object_set_new(p->refvals, name, set) == 0, CCS_ERR_NOMEM, "out of memory");
    }
    CCS_ENSURE(json_array_append_new(set, json_string(value_hex)) == 0, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}

void ccs_ratls_policy_free(ccs_ratls_policy *p) {
    if (p == NULL) return;
    ccs_kbs_attestation_policy_free(p->att);
    json_decref(p->refvals);
    free(p);
}

/* ccs_kbs_refval_lookup over the inline sets. */
static ccs_status lookup(void *ctx, const char *ref, char **values_json) {
    const ccs_ratls_policy *p = ctx;
    json_t *set = json_object_get(p->refvals, ref);
    if (set == NULL) CCS_BAIL(CCS_ERR_NOT_FOUND, "no reference value set %s (give it with --refval)", ref);
    *values_json = json_dumps(set, JSON_COMPACT);
    CCS_ENSURE(*values_json != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}

ccs_status ccs_ratls_policy_check(const ccs_ratls_policy *p, const ccs_ratls_result *r, char *why, size_t cap) {
    CCS_ENSURE(p != NULL && r != NULL, CCS_ERR_INVALID_ARG, "ratls policy: NULL argument");
    if (why != NULL && cap > 0) why[0] = '\0';
    char tee[16];
    json_t *doc;
    ccs_kbs_appraisal ap;
    memset(&ap, 0, sizeof ap);
    if (r->is_tpm) { /* the "tpm" entry: PCR matchers over the quoted PCRs */
        doc = ccs_tpm_result_doc(&r->tpm);
        snprintf(tee, sizeof tee, "tpm");
    } else if (r->is_snp) { /* the KBS's "snp" entry over the SNP verifier's claims */
        doc = ccs_snp_result_doc(&r->snp);
        snprintf(tee, sizeof tee, "snp");
    } else if (r->is_csv) {
        doc = ccs_csv_result_doc(&r->csv);
        snprintf(tee, sizeof tee, "csv");
    } else {
        doc = ccs_dcap_result_doc(&r->dcap);
        snprintf(tee, sizeof tee, "%s%s", r->sim ? "sim-" : "", ccs_tee_name(r->tee));
    }
    CCS_ENSURE(doc != NULL, CCS_ERR_NOMEM, "ratls policy: out of memory");
    ccs_status st = ccs_kbs_attestation_policy_evaluate_doc(p->att, doc, tee, lookup, (void *)p, &ap);
    json_decref(doc);
    if (st != CCS_OK) return st;
    if (!ap.allow) {
        size_t used = 0;
        for (size_t i = 0; why != NULL && i < ap.reasons.n && used + 1 < cap; i++) {
            int w = snprintf(why + used, cap - used, "%s%s", i ? "; " : "", ap.reasons.v[i]);
            if (w < 0) break;
            used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
        }
        if (why != NULL && cap > 0 && why[0] == '\0') snprintf(why, cap, "refused by the policy");
        st = ccs_error_set(CCS_ERR_POLICY, CCS_HERE, "ratls policy: refused: %s", why != NULL ? why : "");
    }
    ccs_kbs_appraisal_clear(&ap);
    return st;
}
