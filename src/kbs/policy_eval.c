/*
 * Appraising a verifier result against the attestation policy, and the
 * AR4SI trustworthiness vector of the outcome (draft-ietf-rats-ar4si 2.3;
 * EAR status = the worst tier, draft-ietf-rats-ear). docs/kbs.md
 * "Attestation policy" tabulates which check sets which claim.
 *
 * A refusal is a result (allow false, every failed check in reasons), not an
 * error: the caller still gets the whole list. Values from the evidence are
 * shown printable and bounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccs/attest.h"
#include "policy_util.h"

typedef struct eval {
    const ccs_kbs_attestation_policy *pol;
    const pol_tee *t;
    const json_t *claims; /* the verifier's "claims" object */
    ccs_kbs_refval_lookup lookup;
    void *ctx;
    ccs_kbs_appraisal *a;
} eval;

static void tv_raise(int8_t *slot, int8_t v) {
    if (*slot < v) *slot = v;
}

/* Records a failed check: its claim goes to at least value, and the reason. */
static ccs_status deny(eval *e, int8_t *slot, int8_t value, const char *fmt, ...) CCS_PRINTF(4, 5);
static ccs_status deny(eval *e, int8_t *slot, int8_t value, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->a->allow = false;
    tv_raise(slot, value);
    return pol_list_add(&e->a->reasons, msg);
}

/* A printable, bounded copy of an untrusted string for messages. */
static const char *shown(const char *s, char buf[static POL_PATH_MAX]) {
    pol_path(buf, "", s ? s : "");
    return buf;
}

/* ---- checks ---- */

static void tcb_names(unsigned mask, char *out, size_t cap) {
    size_t n = 0;
    out[0] = '\0';
    for (unsigned s = CCS_TCB_UP_TO_DATE; s <= CCS_TCB_NOT_SUPPORTED; s++) {
        if (!(mask & CCS_TCB_BIT(s))) continue;
        int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", ccs_tcb_status_name((ccs_tcb_status)s));
        if (w < 0 || (size_t)w >= cap - n) break;
        n += (size_t)w;
    }
}

static ccs_status check_tcb(eval *e, const json_t *doc) {
    ccs_kbs_tvector *tv = &e->a->tv;
    char buf[POL_PATH_MAX], acc[256];
    const char *name = json_string_value(json_object_get(doc, "tcb_status"));
    ccs_tcb_status s = CCS_TCB_UNKNOWN;
    if (name == NULL) return deny(e, &tv->hardware, CCS_AR4SI_CONTRAINDICATED, "tcb_status: missing from the result");
    if (ccs_tcb_status_parse(name, &s) != CCS_OK) ccs_error_clear();
    if (s == CCS_TCB_UNKNOWN || !(e->t->accept_tcb & CCS_TCB_BIT(s))) {
        tcb_names(e->t->accept_tcb, acc, sizeof acc);
        return deny(e, &tv->hardware, CCS_AR4SI_CONTRAINDICATED, "tcb_status: %s is not accepted (accepted: %s)",
                    shown(name, buf), acc);
    }
    /* Accepted but not current (e.g. SWHardeningNeeded): a warning. */
    tv_raise(&tv->hardware, s == CCS_TCB_UP_TO_DATE ? CCS_AR4SI_AFFIRMING : CCS_AR4SI_WARNING);
    return CCS_OK;
}

static ccs_status check_debug(eval *e) {
    ccs_kbs_tvector *tv = &e->a->tv;
    const json_t *d = json_object_get(e->claims, "debug");
    const json_t *policy = json_object_get(e->claims, "policy");
    bool debug;
    if (json_is_boolean(d))
        debug = json_is_true(d);
    else if (d == NULL && strcmp(e->t->schema->name, "snp") == 0 && json_is_integer(policy))
        debug = (json_integer_value(policy) >> 19) & 1; /* SNP guest policy DEBUG bit (ABI spec 4.3) */
    else
        return deny(e, &tv->configuration, CCS_AR4SI_CONTRAINDICATED, "debug: missing from the evidence");
    if (debug && !e->t->allow_debug)
        return deny(e, &tv->configuration, CCS_AR4SI_CONTRAINDICATED,
                    "debug: expected false, got true (the policy does not allow debug)");
    tv_raise(&tv->configuration, debug ? CCS_AR4SI_WARNING : CCS_AR4SI_AFFIRMING);
    return CCS_OK;
}

/* The PCR value "sha256:7": claims.pcrs["sha256:7"] or claims.pcrs.sha256["7"]. */
static const json_t *pcr_claim(const json_t *claims, const char *key) {
    const json_t *pcrs = json_object_get(claims, "pcrs");
    const json_t *v = json_object_get(pcrs, key);
    if (v != NULL) return v;
    char bank[16];
    size_t n = strcspn(key, ":");
    if (n >= sizeof bank || key[n] != ':') return NULL;
    memcpy(bank, key, n);
    bank[n] = '\0';
    return json_object_get(json_object_get(pcrs, bank), key + n + 1);
}

static bool in_list(const char *actual, const json_t *arr) {
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *v = json_string_value(json_array_get(arr, i));
        if (v != NULL && strcasecmp(v, actual) == 0) return true;
    }
    return false;
}

/* Whether actual is in the set named ref; *missing when the set does not
 * exist (a refusal, not an error). */
static ccs_status in_ref(eval *e, const char *ref, const char *actual, bool *found, bool *missing) {
    char *text = NULL;
    *found = *missing = false;
    if (e->lookup == NULL) {
        *missing = true;
        return CCS_OK;
    }
    ccs_status st = e->lookup(e->ctx, ref, &text);
    if (st == CCS_ERR_NOT_FOUND) {
        ccs_error_clear();
        *missing = true;
        return CCS_OK;
    }
    CCS_TRY(st);
    json_t *arr = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    *found = json_is_array(arr) && in_list(actual, arr);
    json_decref(arr);
    return CCS_OK;
}

static ccs_status check_matcher_in(eval *e, const pol_matcher *m, int8_t *slot) {
    char buf[POL_PATH_MAX];
    const json_t *v = m->claim ? pol_claim(e->claims, m->claim) : pcr_claim(e->claims, m->key);
    const char *actual = json_string_value(v);
    if (actual == NULL)
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED, "%s: missing from the evidence", m->key);
    bool found = false, missing = false;
    for (size_t i = 0; i < m->values.n && !found; i++) found = strcasecmp(m->values.v[i], actual) == 0;
    if (!found && m->ref) CCS_TRY(in_ref(e, m->ref, actual, &found, &missing));
    if (found) {
        tv_raise(slot, CCS_AR4SI_AFFIRMING);
        return CCS_OK;
    }
    if (missing && m->values.n == 0)
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED, "%s: reference value set %s does not exist", m->key, m->ref);
    if (missing)
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED,
                    "%s %s is not among the policy's values (reference value set %s does not exist)", m->key,
                    shown(actual, buf), m->ref);
    if (m->ref && m->values.n)
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED,
                    "%s %s is neither among the policy's values nor in reference value set %s", m->key,
                    shown(actual, buf), m->ref);
    if (m->ref)
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED, "%s %s is not in reference value set %s", m->key,
                    shown(actual, buf), m->ref);
    return deny(e, slot, CCS_AR4SI_CONTRAINDICATED, "%s %s is not among the policy's values", m->key,
                shown(actual, buf));
}

static ccs_status check_matcher(eval *e, const pol_matcher *m) {
    return check_matcher_in(e, m, &e->a->tv.executables);
}

static ccs_status check_min(eval *e, const pol_min *m) {
    ccs_kbs_tvector *tv = &e->a->tv;
    int8_t *slot = m->def->slot == POL_SLOT_HARDWARE ? &tv->hardware : &tv->executables;
    const json_t *v = pol_claim(e->claims, m->def->claim);
    if (!json_is_integer(v))
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED, "%s: missing from the evidence", m->def->key);
    if (json_integer_value(v) < m->min)
        return deny(e, slot, CCS_AR4SI_CONTRAINDICATED, "%s %lld is below the minimum %lld", m->def->key,
                    (long long)json_integer_value(v), (long long)m->min);
    tv_raise(slot, CCS_AR4SI_AFFIRMING);
    return CCS_OK;
}

/* Every check of the TEE's entry; the result holds each failure. */
static ccs_status appraise(eval *e, const json_t *doc) {
    ccs_kbs_tvector *tv = &e->a->tv;
    const pol_tee_schema *sc = e->t->schema;
    char buf[POL_PATH_MAX];
    const char *verdict = json_string_value(json_object_get(doc, "verdict"));
    if (verdict == NULL || strcmp(verdict, "pass") != 0)
        CCS_TRY(deny(e, &tv->instance_identity, CCS_AR4SI_CRYPTO_FAILED, "verdict: expected pass, got %s",
                     verdict ? shown(verdict, buf) : "nothing"));
    else
        tv_raise(&tv->instance_identity, CCS_AR4SI_AFFIRMING);
    if (!json_is_object(e->claims))
        return deny(e, &tv->instance_identity, CCS_AR4SI_CONTRAINDICATED, "claims: missing from the result");
    if (sc->tcb) CCS_TRY(check_tcb(e, doc));
    if (sc->debug) CCS_TRY(check_debug(e));
    if (e->t->nm == 0)
        CCS_TRY(deny(e, &tv->executables, CCS_AR4SI_CONTRAINDICATED,
                     "tees.%s: the policy requires no measurement, so %s is refused", sc->name, sc->name));
    for (size_t i = 0; i < e->t->nm; i++) CCS_TRY(check_matcher(e, &e->t->m[i]));
    for (size_t i = 0; i < e->t->nmins; i++) CCS_TRY(check_min(e, &e->t->mins[i]));
    /* What the platform itself says (AR4SI runtime-opaque, hardware). */
    if (sc->sim) {
        tv_raise(&tv->hardware, CCS_AR4SI_WARNING);
        tv_raise(&tv->runtime_opaque, CCS_AR4SI_WARNING);
    } else {
        /* TPMs do not hide memory; CPU TEEs do. Without a TCB status the
         * passing verdict (chain to the vendor root) speaks for the hardware. */
        if (!sc->pcrs) tv_raise(&tv->runtime_opaque, CCS_AR4SI_AFFIRMING);
        if (!sc->tcb) tv_raise(&tv->hardware, CCS_AR4SI_AFFIRMING);
    }
    return CCS_OK;
}

void ccs_kbs_appraisal_clear(ccs_kbs_appraisal *a) {
    if (a == NULL) return;
    free(a->tee);
    ccs_kbs_strlist_free(&a->reasons);
    memset(a, 0, sizeof *a);
}

ccs_status ccs_kbs_attestation_policy_evaluate(const ccs_kbs_attestation_policy *p, const char *claims_json,
                                               const char *tee, ccs_kbs_refval_lookup lookup, void *lookup_ctx,
                                               ccs_kbs_appraisal *out) {
    CCS_ENSURE(p != NULL && claims_json != NULL && out != NULL, CCS_ERR_INVALID_ARG,
               "attestation policy: NULL argument");
    json_t *doc = json_loads(claims_json, JSON_REJECT_DUPLICATES, NULL);
    ccs_status st = ccs_kbs_attestation_policy_evaluate_doc(p, doc, tee, lookup, lookup_ctx, out);
    json_decref(doc);
    return st;
}

ccs_status ccs_kbs_attestation_policy_evaluate_doc(const ccs_kbs_attestation_policy *p, const json_t *doc,
                                                   const char *tee, ccs_kbs_refval_lookup lookup, void *lookup_ctx,
                                                   ccs_kbs_appraisal *out) {
    CCS_ENSURE(p != NULL && out != NULL, CCS_ERR_INVALID_ARG, "attestation policy: NULL argument");
    memset(out, 0, sizeof *out);
    out->allow = true;
    eval e = {p, NULL, NULL, lookup, lookup_ctx, out};
    char buf[POL_PATH_MAX];
    ccs_status st = CCS_OK;
    const char *name = tee ? tee : json_string_value(json_object_get(doc, "tee"));
    if (!json_is_object(doc)) {
        st = deny(&e, &out->tv.instance_identity, CCS_AR4SI_CONTRAINDICATED, "result: not a JSON object");
    } else if (name == NULL) {
        st = deny(&e, &out->tv.hardware, CCS_AR4SI_UNRECOGNIZED, "tee: missing from the result");
    } else {
        out->tee = strdup(name);
        if (out->tee == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
        for (size_t i = 0; st == CCS_OK && i < p->ntees && e.t == NULL; i++)
            if (strcmp(p->tees[i].schema->name, name) == 0) e.t = &p->tees[i];
        if (st == CCS_OK && e.t == NULL)
            st = deny(&e, &out->tv.hardware, CCS_AR4SI_UNRECOGNIZED, "tee: %s is not accepted by the policy",
                      shown(name, buf));
        e.claims = json_object_get(doc, "claims");
        if (st == CCS_OK && e.t != NULL) st = appraise(&e, doc);
    }
    if (st != CCS_OK) {
        ccs_kbs_appraisal_clear(out);
        return st;
    }
    out->status = out->allow ? ccs_kbs_tvector_status(&out->tv) : CCS_KBS_EAR_CONTRAINDICATED;
    if (out->status == CCS_KBS_EAR_CONTRAINDICATED) out->allow = false;
    return CCS_OK;
}

ccs_status ccs_kbs_attestation_policy_check_init_data(const ccs_kbs_attestation_policy *p, const char *tee,
                                                     const char *field_hex, bool sent, ccs_kbs_refval_lookup lookup,
                                                     void *lookup_ctx, ccs_kbs_appraisal *out) {
    CCS_ENSURE(p != NULL && tee != NULL && out != NULL, CCS_ERR_INVALID_ARG, "attestation policy: NULL argument");
    eval e = {p, NULL, NULL, lookup, lookup_ctx, out};
    for (size_t i = 0; i < p->ntees && e.t == NULL; i++)
        if (strcmp(p->tees[i].schema->name, tee) == 0) e.t = &p->tees[i];
    /* A TEE the policy does not list was refused by the evaluation already. */
    if (e.t == NULL || (!e.t->init_required && e.t->init_digests == NULL)) return CCS_OK;
    int8_t *slot = &out->tv.configuration;
    ccs_status st = CCS_OK;
    if (!sent && e.t->init_required) {
        st = deny(&e, slot, CCS_AR4SI_CONTRAINDICATED,
                  "init_data: the policy requires init-data (tees.%s.init_data.required) and the request has none",
                  tee);
    } else if (field_hex != NULL && e.t->init_digests != NULL) {
        /* Also when the request sent no init-data: the field is what the
         * TEE was launched with, and leaving the document out must not skip
         * the list. */
        json_t *claims = json_pack("{s:s}", "init_data", field_hex);
        CCS_ENSURE(claims != NULL, CCS_ERR_NOMEM, "out of memory");
        e.claims = claims;
        st = check_matcher_in(&e, e.t->init_digests, slot);
        json_decref(claims);
    } else if (sent) {
        tv_raise(slot, CCS_AR4SI_AFFIRMING);
    }
    CCS_TRY(st);
    out->status = out->allow ? ccs_kbs_tvector_status(&out->tv) : CCS_KBS_EAR_CONTRAINDICATED;
    if (out->status == CCS_KBS_EAR_CONTRAINDICATED) out->allow = false;
    return CCS_OK;
}

/* ---- the trustworthiness vector ---- */

static const struct {
    const char *name;
    size_t off;
} tv_claims[] = {
    {"instance-identity", offsetof(ccs_kbs_tvector, instance_identity)},
    {"configuration", offsetof(ccs_kbs_tvector, configuration)},
    {"executables", offsetof(ccs_kbs_tvector, executables)},
    {"file-system", offsetof(ccs_kbs_tvector, file_system)},
    {"hardware", offsetof(ccs_kbs_tvector, hardware)},
    {"runtime-opaque", offsetof(ccs_kbs_tvector, runtime_opaque)},
    {"storage-opaque", offsetof(ccs_kbs_tvector, storage_opaque)},
    {"sourced-data", offsetof(ccs_kbs_tvector, sourced_data)},
};

static int8_t tv_get(const ccs_kbs_tvector *tv, size_t i) {
    return *(const int8_t *)((const char *)tv + tv_claims[i].off);
}

ccs_kbs_ear_status ccs_kbs_tvector_status(const ccs_kbs_tvector *tv) {
    bool any = false, warn = false;
    for (size_t i = 0; i < sizeof tv_claims / sizeof tv_claims[0]; i++) {
        int8_t v = tv_get(tv, i);
        /* Negative values are verifier errors (AR4SI): never trustworthy. */
        if (v < 0 || v >= CCS_AR4SI_CONTRAINDICATED) return CCS_KBS_EAR_CONTRAINDICATED;
        if (v >= CCS_AR4SI_WARNING) warn = true;
        if (v >= CCS_AR4SI_AFFIRMING) any = true;
    }
    if (!any) return CCS_KBS_EAR_CONTRAINDICATED;
    return warn ? CCS_KBS_EAR_WARNING : CCS_KBS_EAR_AFFIRMING;
}

json_t *ccs_kbs_tvector_json(const ccs_kbs_tvector *tv) {
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < sizeof tv_claims / sizeof tv_claims[0]; i++) {
        int8_t v = tv_get(tv, i);
        if (v != 0 && json_object_set_new(o, tv_claims[i].name, json_integer(v)) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}
