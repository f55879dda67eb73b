/*
 * The attestation policy: which TEEs, TCB statuses, measurements, SVNs and
 * debug settings are acceptable. JSON written by hand (docs/kbs.md
 * "Attestation policy"), validated on load: unknown keys, wrong types and
 * wrong hex lengths are refused with the JSON path in the message.
 * Evaluation is in policy_eval.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "policy_util.h"

#define POL_VALUES_MAX 256

/* ---- what each TEE's claims offer (the verifiers' "claims" objects:
 * result_json.c, snp_json.c, csv_out.c, tpm_json.c) ---- */

static const pol_claim_def sgx_meas[] = {
    {"mrenclave", "mrenclave", 32, POL_SLOT_EXECUTABLES},
    {"mrsigner", "mrsigner", 32, POL_SLOT_EXECUTABLES},
    {NULL, NULL, 0, 0},
};
static const pol_claim_def sgx_svns[] = {
    {"isv_svn", "isv_svn", 0, POL_SLOT_EXECUTABLES},
    {NULL, NULL, 0, 0},
};
static const pol_claim_def tdx_meas[] = {
    {"mr_td", "mr_td", 48, 0},         {"rtmr0", "rtmr0", 48, 0},
    {"rtmr1", "rtmr1", 48, 0},         {"rtmr2", "rtmr2", 48, 0},
    {"rtmr3", "rtmr3", 48, 0},         {"mr_config_id", "mr_config_id", 48, 0},
    {"mr_owner", "mr_owner", 48, 0},   {"mr_owner_config", "mr_owner_config", 48, 0},
    {"mr_seam", "mr_seam", 48, 0},     {"mr_signer_seam", "mr_signer_seam", 48, 0},
    {NULL, NULL, 0, 0},
};
static const pol_claim_def snp_meas[] = {
    {"measurement", "measurement", 48, 0},
    {"host_data", "host_data", 32, 0},
    {"id_key_digest", "id_key_digest", 48, 0},
    {"author_key_digest", "author_key_digest", 48, 0},
    {"family_id", "family_id", 16, 0},
    {"image_id", "image_id", 16, 0},
    {"chip_id", "chip_id", 64, 0},
    {NULL, NULL, 0, 0},
};
/* AMD SEV-SNP reported_tcb components (firmware: the hardware claim) and the
 * guest's own SVN. */
static const pol_claim_def snp_svns[] = {
    {"bootloader", "reported_tcb.bootloader", 0, POL_SLOT_HARDWARE},
    {"tee", "reported_tcb.tee", 0, POL_SLOT_HARDWARE},
    {"snp", "reported_tcb.snp", 0, POL_SLOT_HARDWARE},
    {"microcode", "reported_tcb.microcode", 0, POL_SLOT_HARDWARE},
    {"fmc", "reported_tcb.fmc", 0, POL_SLOT_HARDWARE}, /* Turin */
    {"guest_svn", "guest_svn", 0, POL_SLOT_EXECUTABLES},
    {NULL, NULL, 0, 0},
};
static const pol_claim_def csv_meas[] = {
    {"measurement", "measurement", 32, 0},
    {"user_pubkey_digest", "user_pubkey_digest", 32, 0},
    {"vm_id", "vm_id", 16, 0},
    {"vm_version", "vm_version", 16, 0},
    {NULL, NULL, 0, 0},
};
static const pol_claim_def none[] = {{NULL, NULL, 0, 0}};

static const pol_tee_schema schemas[] = {
    {"sgx", true, true, false, false, sgx_meas, sgx_svns, 64},
    {"tdx", true, true, false, false, tdx_meas, none, 48},
    /* SNP and CSV results carry no TCB status: the SNP firmware is judged by
     * the reported_tcb minimums, CSV by its verified chain. */
    {"snp", false, true, false, false, snp_meas, snp_svns, 32},
    {"csv", false, true, false, false, csv_meas, none, 0},
    {"tpm", false, false, true, false, none, none, 0},
    {"sim-sgx", true, true, false, true, sgx_meas, sgx_svns, 64},
    {"sim-tdx", true, true, false, true, tdx_meas, none, 48},
};
#define N_SCHEMAS (sizeof schemas / sizeof schemas[0])

/* ---- parsing ---- */

/* "mrenclave, mrsigner" for messages. */
static void key_list(const pol_claim_def *defs, char *out, size_t cap) {
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; defs[i].key && n + 1 < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", defs[i].key);
        if (w < 0) break;
        n += (size_t)w;
    }
}

static const pol_claim_def *find_def(const pol_claim_def *defs, const char *key) {
    for (size_t i = 0; defs[i].key; i++)
        if (strcmp(defs[i].key, key) == 0) return &defs[i];
    return NULL;
}

/* TPM PCR keys: "<bank>:<index>", bank sha1/sha256/sha384/sha512, index
 * 0..23 in decimal without leading zeros. Returns the digest size or 0. */
static size_t pcr_key_len(const char *key) {
    static const struct {
        const char *bank;
        size_t len;
    } banks[] = {{"sha1:", 20}, {"sha256:", 32}, {"sha384:", 48}, {"sha512:", 64}};
    for (size_t i = 0; i < sizeof banks / sizeof banks[0]; i++) {
        size_t bl = strlen(banks[i].bank);
        if (strncmp(key, banks[i].bank, bl) != 0) continue;
        const char *d = key + bl;
        size_t dl = strlen(d);
        if (dl == 0 || dl > 2 || (dl == 2 && d[0] == '0')) return 0;
        int v = 0;
        for (size_t j = 0; j < dl; j++) {
            if (d[j] < '0' || d[j] > '9') return 0;
            v = v * 10 + (d[j] - '0');
        }
        return v <= 23 ? banks[i].len : 0;
    }
    return 0;
}

static void matcher_free(pol_matcher *m) {
    free(m->key);
    free(m->ref);
    ccs_kbs_strlist_free(&m->values);
}

/* {"ref": "sgx.mrenclave"} and/or {"values": ["hex", ...]}. */
static ccs_status parse_matcher(const json_t *v, const char *path, size_t len, pol_matcher *m) {
    static const char *const keys[] = {"ref", "values", NULL};
    char p[POL_PATH_MAX];
    CCS_TRY(pol_object(v, path));
    CCS_TRY(pol_keys(v, path, keys));
    const json_t *ref = json_object_get(v, "ref"), *vals = json_object_get(v, "values");
    if (ref == NULL && vals == NULL) return pol_fail(path, "expected \"ref\" or \"values\"");
    if (ref != NULL) {
        pol_path(p, path, "ref");
        const char *r = json_string_value(ref);
        if (r == NULL || strlen(r) != json_string_length(ref) || !pol_ref_valid(r))
            return pol_fail(p, "expected a reference value set name \"<tee>.<name>\"");
        m->ref = strdup(r);
        CCS_ENSURE(m->ref != NULL, CCS_ERR_NOMEM, "out of memory");
    }
    if (vals != NULL) {
        pol_path(p, path, "values");
        CCS_TRY(pol_array(vals, p, POL_VALUES_MAX));
        for (size_t i = 0; i < json_array_size(vals); i++) {
            char pi[POL_PATH_MAX], *hex = NULL;
            pol_path_index(pi, p, i);
            CCS_TRY(pol_hex(json_array_get(vals, i), len, pi, &hex));
            ccs_status st = pol_list_add(&m->values, hex);
            free(hex);
            CCS_TRY(st);
        }
    }
    return CCS_OK;
}

static ccs_status add_matcher(pol_tee *t, const json_t *v, const char *path, const char *key, const char *claim,
                              size_t len) {
    pol_matcher *m = realloc(t->m, (t->nm + 1) * sizeof *m);
    CCS_ENSURE(m != NULL, CCS_ERR_NOMEM, "out of memory");
    t->m = m;
    m = &t->m[t->nm++];
    memset(m, 0, sizeof *m);
    m->claim = claim;
    m->key = strdup(key);
    CCS_ENSURE(m->key != NULL, CCS_ERR_NOMEM, "out of memory");
    return parse_matcher(v, path, len, m);
}

static ccs_status parse_measurements(const json_t *obj, const char *path, pol_tee *t) {
    const char *key;
    const json_t *v;
    char p[POL_PATH_MAX], known[256];
    CCS_TRY(pol_object(obj, path));
    json_object_foreach((json_t *)obj, key, v) {
        pol_path(p, path, key);
        const pol_claim_def *d = find_def(t->schema->meas, key);
        if (d == NULL) {
            key_list(t->schema->meas, known, sizeof known);
            return pol_fail(p, "unknown key (expected one of: %s)", known);
        }
        CCS_TRY(add_matcher(t, v, p, key, d->claim, d->len));
    }
    return CCS_OK;
}

static ccs_status parse_pcrs(const json_t *obj, const char *path, pol_tee *t) {
    const char *key;
    const json_t *v;
    char p[POL_PATH_MAX];
    CCS_TRY(pol_object(obj, path));
    json_object_foreach((json_t *)obj, key, v) {
        pol_path(p, path, key);
        size_t len = pcr_key_len(key);
        if (len == 0) return pol_fail(p, "unknown key (expected \"<sha1|sha256|sha384|sha512>:<0-23>\")");
        CCS_TRY(add_matcher(t, v, p, key, NULL, len));
    }
    return CCS_OK;
}

static ccs_status parse_min_svn(const json_t *obj, const char *path, pol_tee *t) {
    const char *key;
    const json_t *v;
    char p[POL_PATH_MAX], known[256];
    CCS_TRY(pol_object(obj, path));
    json_object_foreach((json_t *)obj, key, v) {
        pol_path(p, path, key);
        const pol_claim_def *d = find_def(t->schema->svns, key);
        if (d == NULL) {
            key_list(t->schema->svns, known, sizeof known);
            return pol_fail(p, "unknown key (expected one of: %s)", known[0] ? known : "none for this TEE");
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
            return pol_fail(p, "expected an integer from 0 to 4294967295");
        pol_min *m = realloc(t->mins, (t->nmins + 1) * sizeof *m);
        CCS_ENSURE(m != NULL, CCS_ERR_NOMEM, "out of memory");
        t->mins = m;
        t->mins[t->nmins].def = d;
        t->mins[t->nmins++].min = json_integer_value(v);
    }
    return CCS_OK;
}

static ccs_status parse_accept_tcb(const json_t *arr, const char *path, pol_tee *t) {
    char p[POL_PATH_MAX];
    CCS_TRY(pol_array(arr, path, 16));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *name = json_string_value(json_array_get(arr, i));
        ccs_tcb_status s = CCS_TCB_UNKNOWN;
        pol_path_index(p, path, i);
        if (name == NULL) return pol_fail(p, "expected a TCB status name");
        if (ccs_tcb_status_parse(name, &s) != CCS_OK || s == CCS_TCB_UNKNOWN) {
            ccs_error_clear();
            char shown[POL_PATH_MAX];
            pol_path(shown, "", name); /* printable copy */
            return pol_fail(p, "unknown TCB status \"%s\"", shown);
        }
        if (s == CCS_TCB_REVOKED || s == CCS_TCB_NOT_SUPPORTED)
            return pol_fail(p, "%s is never acceptable", name);
        t->accept_tcb |= CCS_TCB_BIT(s);
    }
    return CCS_OK;
}

/* "init_data": {"required": bool, "digests": {"ref"|"values"}} (docs/kbs.md
 * "Init-data"): digests are the hex of the TEE's init-data field. */
static ccs_status parse_init_data(const json_t *obj, const char *path, pol_tee *t) {
    static const char *const keys[] = {"required", "digests", NULL};
    char p[POL_PATH_MAX];
    CCS_TRY(pol_object(obj, path));
    CCS_TRY(pol_keys(obj, path, keys));
    const json_t *req = json_object_get(obj, "required"), *dig = json_object_get(obj, "digests");
    if (req == NULL && dig == NULL) return pol_fail(path, "expected \"required\" or \"digests\"");
    if (req != NULL) {
        pol_path(p, path, "required");
        if (!json_is_boolean(req)) return pol_fail(p, "expected true or false");
        t->init_required = json_is_true(req);
    }
    if (dig != NULL) {
        pol_path(p, path, "digests");
        t->init_digests = calloc(1, sizeof *t->init_digests);
        CCS_ENSURE(t->init_digests != NULL, CCS_ERR_NOMEM, "out of memory");
        t->init_digests->claim = "init_data";
        t->init_digests->key = strdup("init_data");
        CCS_ENSURE(t->init_digests->key != NULL, CCS_ERR_NOMEM, "out of memory");
        CCS_TRY(parse_matcher(dig, p, t->schema->init_data_len, t->init_digests));
    }
    return CCS_OK;
}

static ccs_status parse_tee(const json_t *obj, const char *path, pol_tee *t) {
    const char *keys[7];
    size_t nk = 0;
    char p[POL_PATH_MAX];
    const pol_tee_schema *sc = t->schema;
    if (sc->tcb) keys[nk++] = "accept_tcb";
    if (sc->debug) keys[nk++] = "allow_debug";
    keys[nk++] = sc->pcrs ? "pcrs" : "measurements";
    if (sc->svns[0].key) keys[nk++] = "min_svn";
    if (sc->init_data_len) keys[nk++] = "init_data";
    keys[nk] = NULL;
    CCS_TRY(pol_object(obj, path));
    CCS_TRY(pol_keys(obj, path, keys));
    const json_t *v;
    /* Fail closed: without accept_tcb only UpToDate is accepted. */
    t->accept_tcb = CCS_TCB_BIT(CCS_TCB_UP_TO_DATE);
    if ((v = json_object_get(obj, "accept_tcb")) != NULL) {
        t->accept_tcb = 0;
        pol_path(p, path, "accept_tcb");
        CCS_TRY(parse_accept_tcb(v, p, t));
    }
    if ((v = json_object_get(obj, "allow_debug")) != NULL) {
        pol_path(p, path, "allow_debug");
        if (!json_is_boolean(v)) return pol_fail(p, "expected true or false");
        t->allow_debug = json_is_true(v);
    }
    if ((v = json_object_get(obj, "measurements")) != NULL) {
        pol_path(p, path, "measurements");
        CCS_TRY(parse_measurements(v, p, t));
    }
    if ((v = json_object_get(obj, "pcrs")) != NULL) {
        pol_path(p, path, "pcrs");
        CCS_TRY(parse_pcrs(v, p, t));
    }
    if ((v = json_object_get(obj, "min_svn")) != NULL) {
        pol_path(p, path, "min_svn");
        CCS_TRY(parse_min_svn(v, p, t));
    }
    if ((v = json_object_get(obj, "init_data")) != NULL) {
        pol_path(p, path, "init_data");
        CCS_TRY(parse_init_data(v, p, t));
    }
    return CCS_OK;
}

static ccs_status parse_tees(const json_t *tees, ccs_kbs_attestation_policy *pol) {
    const char *key;
    const json_t *v;
    char p[POL_PATH_MAX];
    CCS_TRY(pol_object(tees, "tees"));
    pol->tees = calloc(N_SCHEMAS, sizeof *pol->tees);
    CCS_ENSURE(pol->tees != NULL, CCS_ERR_NOMEM, "out of memory");
    json_object_foreach((json_t *)tees, key, v) {
        pol_path(p, "tees", key);
        const pol_tee_schema *sc = NULL;
        for (size_t i = 0; i < N_SCHEMAS && !sc; i++)
            if (strcmp(schemas[i].name, key) == 0) sc = &schemas[i];
        if (sc == NULL) return pol_fail(p, "unknown TEE (expected one of: sgx, tdx, snp, csv, tpm, sim-sgx, sim-tdx)");
        pol_tee *t = &pol->tees[pol->ntees++];
        t->schema = sc;
        CCS_TRY(parse_tee(v, p, t));
    }
    return CCS_OK;
}

void ccs_kbs_attestation_policy_free(ccs_kbs_attestation_policy *p) {
    if (p == NULL) return;
    for (size_t i = 0; i < p->ntees; i++) {
        for (size_t j = 0; j < p->tees[i].nm; j++) matcher_free(&p->tees[i].m[j]);
        free(p->tees[i].m);
        free(p->tees[i].mins);
        if (p->tees[i].init_digests != NULL) matcher_free(p->tees[i].init_digests);
        free(p->tees[i].init_digests);
    }
    free(p->tees);
    free(p);
}

ccs_status ccs_kbs_attestation_policy_parse(const char *json, ccs_kbs_attestation_policy **out) {
    static const char *const keys[] = {"version", "comment", "tees", NULL};
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "attestation policy: NULL argument");
    *out = NULL;
    json_t *doc = NULL;
    CCS_TRY(pol_load(json, "attestation policy", &doc));
    ccs_kbs_attestation_policy *pol = calloc(1, sizeof *pol);
    ccs_status st = pol ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) st = pol_keys(doc, "", keys);
    const json_t *c = json_object_get(doc, "comment");
    if (st == CCS_OK && c != NULL && !json_is_string(c)) st = pol_fail("comment", "expected a string");
    const json_t *tees = json_object_get(doc, "tees");
    if (st == CCS_OK && tees == NULL) st = pol_fail("tees", "missing");
    if (st == CCS_OK) st = parse_tees(tees, pol);
    json_decref(doc);
    if (st != CCS_OK) {
        ccs_kbs_attestation_policy_free(pol);
        return st;
    }
    *out = pol;
    return CCS_OK;
}
