/* The SEV-SNP verification result as JSON (`ccs attest verify --json`):
 * the same top-level shape as ccs_dcap_result_json (verdict, tee,
 * failed_checks, claims), with report_version in place of quote_version. */
#include <jansson.h>
#include <stdlib.h>

#include "snp.h"
#include "checks.h"

static json_t *hex(const uint8_t *p, size_t n) {
    char buf[2 * 64 + 1];
    if (n > 64 || ccs_hex_encode(ccs_bytes_of(p, n), buf, sizeof buf) != CCS_OK) return json_null();
    return json_string(buf);
}

#define HEX(obj, key, arr) json_object_set_new((obj), (key), hex((arr), sizeof(arr)))
#define INT(obj, key, v) json_object_set_new((obj), (key), json_integer((json_int_t)(v)))

static json_t *tcb(const ccs_snp_tcb *t, ccs_snp_product p) {
    json_t *o = json_object();
    if (p == CCS_SNP_PRODUCT_TURIN) INT(o, "fmc", t->fmc);
    INT(o, "bootloader", t->bootloader);
    INT(o, "tee", t->tee);
    INT(o, "snp", t->snp);
    INT(o, "microcode", t->microcode);
    return o;
}

static json_t *claims(const ccs_snp_result *r) {
    json_t *c = json_object();
    HEX(c, "measurement", r->measurement);
    HEX(c, "host_data", r->host_data);
    HEX(c, "report_data", r->report_data);
    INT(c, "policy", r->policy);
    json_object_set_new(c, "debug", json_boolean(r->debug));
    HEX(c, "family_id", r->family_id);
    HEX(c, "image_id", r->image_id);
    INT(c, "vmpl", r->vmpl);
    INT(c, "guest_svn", r->guest_svn);
    INT(c, "platform_info", r->platform_info);
    json_object_set_new(c, "reported_tcb", tcb(&r->reported_tcb, r->product));
    json_object_set_new(c, "current_tcb", tcb(&r->current_tcb, r->product));
    json_object_set_new(c, "committed_tcb", tcb(&r->committed_tcb, r->product));
    json_object_set_new(c, "launch_tcb", tcb(&r->launch_tcb, r->product));
    HEX(c, "chip_id", r->chip_id);
    HEX(c, "id_key_digest", r->id_key_digest);
    HEX(c, "author_key_digest", r->author_key_digest);
    HEX(c, "report_id", r->report_id);
    json_object_set_new(c, "signing_key", json_string(r->signing_key == CCS_SNP_KEY_VLEK ? "vlek" : "vcek"));
    json_object_set_new(c, "product", json_string(ccs_snp_product_name(r->product)));
    return c;
}

json_t *ccs_snp_result_doc(const ccs_snp_result *r) {
    if (r == NULL) return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
    json_object_set_new(o, "tee", json_string("snp"));
    INT(o, "report_version", r->report_version);
    json_object_set_new(o, "failed_checks", ccs_failed_checks_json(r->failed, r->n_failed));
    json_object_set_new(o, "crl_checked", json_boolean(r->crl_checked)); /* false: no CRL was given */
    json_object_set_new(o, "claims", claims(r));
    return o;
}

ccs_status ccs_snp_result_json(const ccs_snp_result *r, char **out) {
    CCS_ENSURE(r != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    return ccs_result_dump(ccs_snp_result_doc(r), out);
}
