/* Hygon CSV: the verification result as JSON (the `ccs attest verify --json`
 * object, shaped like ccs_dcap_result_json) and the certificate directory. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "checks.h"

static json_t *hex(const uint8_t *p, size_t n) {
    char buf[2 * 64 + 1];
    if (n > 64 || ccs_hex_encode(ccs_bytes_of(p, n), buf, sizeof buf) != CCS_OK) return json_null();
    return json_string(buf);
}

#define HEX(obj, key, arr) json_object_set_new((obj), (key), hex((arr), sizeof(arr)))

static const char *hmac_name(ccs_csv_hmac_state s) {
    switch (s) {
    case CCS_CSV_HMAC_VALID: return "valid";
    case CCS_CSV_HMAC_INVALID: return "invalid";
    case CCS_CSV_HMAC_NOT_CHECKABLE: return "not_checkable";
    default: return "not_run";
    }
}

/* Guest policy bits (csv-rs GuestPolicy, after SEV's). */
static json_t *policy_flags(uint32_t p) {
    static const char *const bits[] = {"nodbg", "noks", "es", "nosend", "domain", "csv", "csv3", "asid_reuse"};
    json_t *o = json_object();
    for (unsigned i = 0; i < 8; i++) json_object_set_new(o, bits[i], json_boolean((p >> i) & 1u));
    json_object_set_new(o, "hsk_version", json_integer((p >> 8) & 0xf));
    json_object_set_new(o, "cek_version", json_integer((p >> 12) & 0xf));
    json_object_set_new(o, "api_major", json_integer((p >> 16) & 0xff));
    json_object_set_new(o, "api_minor", json_integer((p >> 24) & 0xff));
    return o;
}

static json_t *firmware(const ccs_csv_result *r) {
    char v[16];
    json_t *o = json_object();
    snprintf(v, sizeof v, "%u.%u", r->pek_fw_major, r->pek_fw_minor);
    json_object_set_new(o, "pek", json_string(v));
    if (r->cek_fw_major || r->cek_fw_minor) {
        snprintf(v, sizeof v, "%u.%u", r->cek_fw_major, r->cek_fw_minor);
        json_object_set_new(o, "cek", json_string(v));
    }
    return o;
}

static json_t *claims(const ccs_csv_result *r) {
    json_t *c = json_object();
    HEX(c, "measurement", r->measurement);
    HEX(c, "report_data", r->report_data);
    json_object_set_new(c, "policy", json_integer(r->policy));
    json_object_set_new(c, "policy_flags", policy_flags(r->policy));
    json_object_set_new(c, "debug", json_boolean(r->debug));
    HEX(c, "user_pubkey_digest", r->user_pubkey_digest);
    HEX(c, "vm_id", r->vm_id);
    HEX(c, "vm_version", r->vm_version);
    HEX(c, "mnonce", r->mnonce);
    json_object_set_new(c, "chip_id", json_string(r->chip_id));
    json_object_set_new(c, "firmware", firmware(r));
    if (r->report_version == 2) {
        char name[8];
        json_object_set_new(c, "build", json_integer(r->build));
        json_object_set_new(c, "rtmr_version", json_integer(r->rtmr_version));
        for (unsigned i = 0; i < CCS_CSV_RTMRS; i++) {
            snprintf(name, sizeof name, "rtmr%u", i);
            json_object_set_new(c, name, hex(r->rtmr[i], 32));
        }
    }
    return c;
}

static const char *event_log_name(ccs_csv_event_log_state s) {
    switch (s) {
    case CCS_CSV_EVENT_LOG_MATCHED: return "matched";
    case CCS_CSV_EVENT_LOG_MISMATCHED: return "mismatched";
    case CCS_CSV_EVENT_LOG_INVALID: return "invalid";
    default: return "not_given";
    }
}

json_t *ccs_csv_result_doc(const ccs_csv_result *r) {
    if (r == NULL) return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
    json_object_set_new(o, "tee", json_string("csv"));
    json_object_set_new(o, "report_version", json_integer(r->report_version));
    json_object_set_new(o, "evidence_form",
                        json_string(r->form == CCS_CSV_FORM_TRUSTEE ? "trustee" : r->form ? "raw" : "unknown"));
    json_object_set_new(o, "report_hmac", json_string(hmac_name(r->hmac)));
    json_object_set_new(o, "failed_checks", ccs_failed_checks_json(r->failed, r->n_failed));
    /* A report that does not parse has no claims. */
    if (r->report_version == 2) json_object_set_new(o, "rtmr_event_log", json_string(event_log_name(r->event_log)));
    if (r->report_version) json_object_set_new(o, "claims", claims(r));
    return o;
}

ccs_status ccs_csv_result_json(const ccs_csv_result *r, char **out) {
    CCS_ENSURE(r != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    return ccs_result_dump(ccs_csv_result_doc(r), out);
}

/* ---- certificate directory ----------------------------------------------------- */

/* Appends dir/name to store if the file exists; *len gets its size (0 if absent). */
static ccs_status read_opt(const char *dir, const char *name, ccs_buf *store, size_t *len) {
    char path[4096];
    ccs_buf b = {0};
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof path, CCS_ERR_INVALID_ARG, "path too long");
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) return CCS_OK;
    fclose(f);
    CCS_TRY(ccs_file_read(path, 64 * 1024, &b));
    ccs_status st = ccs_buf_append(store, b.ptr, b.len);
    *len = b.len;
    ccs_buf_free(&b);
    return st;
}

ccs_status ccs_csv_certs_load_dir(const char *dir, ccs_buf *store, ccs_csv_certs *out) {
    size_t hrk = 0, pair = 0, hsk = 0, cek = 0;
    CCS_ENSURE(dir != NULL && store != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    FILE *d = fopen(dir, "r");
    CCS_ENSURE(d != NULL, CCS_ERR_IO, "cannot open collateral directory %s", dir);
    fclose(d);
    store->len = 0;
    CCS_TRY(read_opt(dir, "hrk.cert", store, &hrk));
    CCS_TRY(read_opt(dir, "hsk_cek.cert", store, &pair));
    if (pair) {
        CCS_ENSURE(pair == CCS_CSV_CA_CERT_LEN + CCS_CSV_CERT_LEN, CCS_ERR_FORMAT,
                   "%s/hsk_cek.cert is %zu bytes, not 832 + 2084", dir, pair);
        hsk = CCS_CSV_CA_CERT_LEN;
        cek = CCS_CSV_CERT_LEN;
    } else {
        CCS_TRY(read_opt(dir, "hsk.cert", store, &hsk));
        CCS_TRY(read_opt(dir, "cek.cert", store, &cek));
    }
    /* Views are taken only now: the buffer no longer moves. */
    const uint8_t *p = store->ptr;
    if (p == NULL) return CCS_OK; /* nothing found: all views empty */
    out->hrk = ccs_bytes_of(p, hrk);
    out->hsk = ccs_bytes_of(p + hrk, hsk);
    out->cek = ccs_bytes_of(p + hrk + hsk, cek);
    return CCS_OK;
}
