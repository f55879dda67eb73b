/* The verification result as JSON (the `ccs attest verify --json` object). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pck.h"
#include "checks.h"

static json_t *hex(const uint8_t *p, size_t n) {
    char buf[2 * 64 + 1];
    if (n > 64 || ccs_hex_encode(ccs_bytes_of(p, n), buf, sizeof buf) != CCS_OK) return json_null();
    return json_string(buf);
}

#define HEX(obj, key, arr) json_object_set_new((obj), (key), hex((arr), sizeof(arr)))

static json_t *sgx_claims(const ccs_dcap_result *r) {
    json_t *c = json_object();
    HEX(c, "mrenclave", r->sgx.mr_enclave);
    HEX(c, "mrsigner", r->sgx.mr_signer);
    json_object_set_new(c, "isv_prod_id", json_integer(r->sgx.isv_prod_id));
    json_object_set_new(c, "isv_svn", json_integer(r->sgx.isv_svn));
    HEX(c, "attributes", r->sgx.attributes);
    HEX(c, "cpu_svn", r->sgx.cpu_svn);
    json_object_set_new(c, "misc_select", json_integer(r->sgx.misc_select));
    return c;
}

static json_t *tdx_claims(const ccs_dcap_result *r) {
    json_t *c = json_object();
    char key[8];
    HEX(c, "mr_td", r->tdx.mr_td);
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "rtmr%d", i);
        HEX(c, key, r->tdx.rtmr[i]);
    }
    HEX(c, "mr_seam", r->tdx.mr_seam);
    HEX(c, "mr_signer_seam", r->tdx.mr_signer_seam);
    HEX(c, "mr_config_id", r->tdx.mr_config_id);
    HEX(c, "mr_owner", r->tdx.mr_owner);
    HEX(c, "mr_owner_config", r->tdx.mr_owner_config);
    HEX(c, "td_attributes", r->tdx.td_attributes);
    HEX(c, "seam_attributes", r->tdx.seam_attributes);
    HEX(c, "xfam", r->tdx.xfam);
    HEX(c, "tee_tcb_svn", r->tdx.tee_tcb_svn);
    return c;
}

static json_t *claims(const ccs_dcap_result *r) {
    json_t *c = r->tee == CCS_TEE_SGX ? sgx_claims(r) : r->tee == CCS_TEE_TDX ? tdx_claims(r) : json_object();
    HEX(c, "report_data", r->report_data);
    json_object_set_new(c, "debug", json_boolean(r->debug));
    HEX(c, "fmspc", r->fmspc);
    HEX(c, "pce_id", r->pce_id);
    return c;
}

json_t *ccs_dcap_result_doc(const ccs_dcap_result *r) {
    if (r == NULL) return NULL;
    json_t *o = json_object(), *adv = json_array();
    char date[21];
    json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
    json_object_set_new(o, "tee", json_string(ccs_tee_name(r->tee)));
    json_object_set_new(o, "quote_version", json_integer(r->quote_version));
    json_object_set_new(o, "tcb_status", json_string(ccs_tcb_status_name(r->tcb_status)));
    json_object_set_new(o, "platform_tcb_status", json_string(ccs_tcb_status_name(r->platform_tcb_status)));
    json_object_set_new(o, "qe_tcb_status", json_string(ccs_tcb_status_name(r->qe_tcb_status)));
    if (r->tee == CCS_TEE_TDX)
        json_object_set_new(o, "tdx_module_tcb_status", json_string(ccs_tcb_status_name(r->tdx_module_tcb_status)));
    if (r->tcb_date && ccs_time_format(r->tcb_date, date) == CCS_OK)
        json_object_set_new(o, "tcb_date", json_string(date));
    for (size_t i = 0; i < r->n_advisories; i++) json_array_append_new(adv, json_string(r->advisory_ids[i]));
    json_object_set_new(o, "advisory_ids", adv);
    json_object_set_new(o, "failed_checks", ccs_failed_checks_json(r->failed, r->n_failed));
    json_object_set_new(o, "claims", claims(r));
    return o;
}

ccs_status ccs_dcap_result_json(const ccs_dcap_result *r, char **out) {
    CCS_ENSURE(r != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    return ccs_result_dump(ccs_dcap_result_doc(r), out);
}

ccs_status ccs_dcap_quote_pck_info(const ccs_dcap_quote *q, uint8_t fmspc[static 6], const char **pck_ca) {
    ccs_x509_chain *chain = NULL;
    pck_info info;
    CCS_ENSURE(q != NULL && pck_ca != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_TRY(ccs_x509_chain_parse_pem(q->cert_data, &chain));
    ccs_status st = ccs_pck_info_from_cert(ccs_x509_chain_get(chain, 0), &info);
    ccs_x509_chain_free(chain);
    CCS_TRY(st);
    memcpy(fmspc, info.fmspc, 6);
    *pck_ca = info.processor_ca ? "processor" : "platform";
    return CCS_OK;
}
