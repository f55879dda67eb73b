/* TDX guest: quotes through configfs-tsm (provider "tdx_guest"), which asks
 * the host's quoting service for a DCAP quote over the TDREPORT. TDX offers
 * no sealing key. Measurements are read from a fresh quote (MRTD, RTMRs). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tsm.h"

#define TDX_DEVICE "/dev/tdx_guest"

typedef struct tdx_state {
    ccs_tee_config cfg;
} tdx_state;

static bool tdx_available(const ccs_tee_config *cfg) { return ccs_tsm_available(cfg, TDX_DEVICE); }

static ccs_status tdx_open(const ccs_tee_config *cfg, void **state) {
    CCS_ENSURE(tdx_available(cfg), CCS_ERR_UNSUPPORTED,
               "TDX is not available on this machine (no %s or configfs-tsm report directory)", TDX_DEVICE);
    tdx_state *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    *state = s;
    return CCS_OK;
}

static void tdx_close(void *state) { free(state); }

/* What the kernel returned must be a TDX quote carrying our report data. */
ccs_status ccs_tdx_check_outblob(ccs_bytes outblob, const uint8_t report_data[64]) {
    ccs_dcap_quote q;
    ccs_status st = ccs_dcap_quote_parse(outblob, &q);
    CCS_ENSURE(st == CCS_OK, st, "tdx: the quote from configfs-tsm does not parse: %s", ccs_error_detail());
    CCS_ENSURE(q.tee == CCS_TEE_TDX, CCS_ERR_FORMAT, "tdx: configfs-tsm returned a %s quote", ccs_tee_name(q.tee));
    CCS_ENSURE(memcmp(q.tdx.report_data.ptr, report_data, 64) == 0, CCS_ERR_MISMATCH,
               "tdx: the quote carries other report data than requested");
    return CCS_OK;
}

static ccs_status tdx_evidence(void *state, const uint8_t report_data[64], ccs_buf *out) {
    tdx_state *s = state;
    ccs_buf blob = {0};
    ccs_status st = ccs_tsm_report(&s->cfg, "tdx_guest", report_data, &blob, NULL);
    if (st == CCS_OK) st = ccs_tdx_check_outblob(ccs_buf_view(&blob), report_data);
    if (st == CCS_OK) st = ccs_buf_set(out, ccs_buf_view(&blob));
    ccs_buf_free(&blob);
    return st;
}

static void put_hex(json_t *o, const char *k, ccs_bytes b) {
    ccs_buf h = {0};
    if (ccs_hex_append(&h, b) == CCS_OK) json_object_set_new(o, k, json_stringn((const char *)h.ptr, h.len));
    ccs_buf_free(&h);
}

static ccs_status tdx_measurements(void *state, char **json) {
    uint8_t zero[64] = {0};
    ccs_buf quote = {0};
    ccs_dcap_quote q;
    ccs_status st = tdx_evidence(state, zero, &quote);
    if (st == CCS_OK) st = ccs_dcap_quote_parse(ccs_buf_view(&quote), &q);
    if (st == CCS_OK) {
        json_t *o = json_object();
        put_hex(o, "mr_td", q.tdx.mr_td);
        put_hex(o, "rtmr0", q.tdx.rtmr[0]);
        put_hex(o, "rtmr1", q.tdx.rtmr[1]);
        put_hex(o, "rtmr2", q.tdx.rtmr[2]);
        put_hex(o, "rtmr3", q.tdx.rtmr[3]);
        put_hex(o, "mr_config_id", q.tdx.mr_config_id);
        put_hex(o, "td_attributes", q.tdx.td_attributes);
        *json = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (*json == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    ccs_buf_free(&quote);
    return st;
}

const backend_ops ccs_backend_tdx = {
    .platform = CCS_PLATFORM_TDX,
    .available = tdx_available,
    .open = tdx_open,
    .close = tdx_close,
    .evidence = tdx_evidence,
    .seal_key = NULL,
    .measurements = tdx_measurements,
};
