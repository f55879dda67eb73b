/* The TPM verification result as JSON (the `ccs attest verify --json`
 * object), with the same top-level shape as ccs_dcap_result_json. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "tpm_internal.h"
#include "checks.h"

static json_t *hex(const uint8_t *p, size_t n) {
    ccs_buf h = {0};
    json_t *v = ccs_hex_append(&h, ccs_bytes_of(p, n)) == CCS_OK ? json_stringn((const char *)h.ptr, h.len) : json_null();
    ccs_buf_free(&h);
    return v;
}

static const char *sig_name(uint16_t alg) {
    return alg == TPM_ALG_ECDSA ? "ecdsa" : alg == TPM_ALG_RSASSA ? "rsassa" : alg == TPM_ALG_RSAPSS ? "rsapss" : "unknown";
}

static json_t *pcr_claims(const ccs_tpm_result *r) {
    json_t *o = json_object();
    char idx[4];
    for (size_t j = 0; j < r->n_banks; j++) {
        json_t *bank = json_object();
        size_t len = ccs_tpm_alg_len(r->pcrs[j].hash_alg);
        for (unsigned i = 0; i < CCS_TPM_PCRS; i++) {
            if (!(r->pcrs[j].mask & (1u << i))) continue;
            snprintf(idx, sizeof idx, "%u", i);
            json_object_set_new(bank, idx, hex(r->pcrs[j].value[i], len));
        }
        json_object_set_new(o, ccs_tpm_alg_name(r->pcrs[j].hash_alg), bank);
    }
    return o;
}

static json_t *claims(const ccs_tpm_result *r) {
    json_t *c = json_object();
    if (!r->parsed) return c;
    const ccs_tpm_attest *a = &r->attest;
    char fw[17];
    snprintf(fw, sizeof fw, "%016llx", (unsigned long long)a->firmware_version);
    json_object_set_new(c, "magic", hex((const uint8_t[]){0xff, 0x54, 0x43, 0x47}, 4));
    json_object_set_new(c, "type", json_string("quote"));
    json_object_set_new(c, "qualified_signer", hex(a->qualified_signer, a->qualified_signer_len));
    json_object_set_new(c, "extra_data", hex(a->extra_data, a->extra_data_len));
    json_t *ci = json_object();
    json_object_set_new(ci, "clock", json_integer((json_int_t)a->clock));
    json_object_set_new(ci, "reset_count", json_integer(a->reset_count));
    json_object_set_new(ci, "restart_count", json_integer(a->restart_count));
    json_object_set_new(ci, "safe", json_boolean(a->safe));
    json_object_set_new(c, "clock_info", ci);
    json_object_set_new(c, "firmware_version", json_string(fw));
    json_object_set_new(c, "signature_alg", json_string(sig_name(r->sig_alg)));
    json_object_set_new(c, "hash_alg", json_string(ccs_tpm_alg_name(r->sig_hash)));
    json_object_set_new(c, "pcr_digest", hex(a->pcr_digest, a->pcr_digest_len));
    json_object_set_new(c, "pcrs", pcr_claims(r));
    if (r->has_event_log) {
        json_t *el = json_object(), *rep = json_array();
        json_object_set_new(el, "events", json_integer((json_int_t)r->n_events));
        for (unsigned i = 0; i < CCS_TPM_PCRS; i++)
            if (r->replayed_mask & (1u << i)) json_array_append_new(rep, json_integer(i));
        json_object_set_new(el, "replayed_sha256_pcrs", rep);
        json_object_set_new(c, "event_log", el);
    }
    return c;
}

json_t *ccs_tpm_result_doc(const ccs_tpm_result *r) {
    if (r == NULL) return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
    json_object_set_new(o, "tee", json_string("tpm"));
    json_object_set_new(o, "failed_checks", ccs_failed_checks_json(r->failed, r->n_failed));
    json_object_set_new(o, "claims", claims(r));
    return o;
}

ccs_status ccs_tpm_result_json(const ccs_tpm_result *r, char **out) {
    CCS_ENSURE(r != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    return ccs_result_dump(ccs_tpm_result_doc(r), out);
}
