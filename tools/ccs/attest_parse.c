/* `ccs attest parse`: the structure of a quote, nothing verified. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "cli.h"

static const char parse_usage[] =
    "usage: ccs attest parse --evidence FILE\n"
    "\n"
    "Prints the header, body and signature-data fields of a DCAP quote as JSON.\n"
    "Nothing is verified: use `ccs attest verify` to judge a quote.\n"
    "Exit status: 0 parsed, 2 bad usage or malformed quote.\n";

static void put_hex(json_t *o, const char *k, ccs_bytes b) {
    ccs_buf s = {0};
    if (ccs_hex_append(&s, b) == CCS_OK) json_object_set_new(o, k, json_stringn((const char *)s.ptr, s.len));
    ccs_buf_free(&s);
}

static json_t *quote_json(const ccs_dcap_quote *q) {
    json_t *o = json_object(), *b = json_object();
    json_object_set_new(o, "tee", json_string(ccs_tee_name(q->tee)));
    json_object_set_new(o, "version", json_integer(q->version));
    json_object_set_new(o, "att_key_type", json_integer(q->att_key_type));
    json_object_set_new(o, "qe_svn", json_integer(q->qe_svn));
    json_object_set_new(o, "pce_svn", json_integer(q->pce_svn));
    put_hex(o, "qe_vendor_id", q->qe_vendor_id);
    json_object_set_new(o, "body_type", json_integer(q->body_type));
    if (q->tee == CCS_TEE_SGX) {
        put_hex(b, "mrenclave", q->sgx.mr_enclave);
        put_hex(b, "mrsigner", q->sgx.mr_signer);
        put_hex(b, "attributes", q->sgx.attributes);
        json_object_set_new(b, "isv_prod_id", json_integer(q->sgx.isv_prod_id));
        json_object_set_new(b, "isv_svn", json_integer(q->sgx.isv_svn));
        put_hex(b, "report_data", q->sgx.report_data);
    } else {
        put_hex(b, "tee_tcb_svn", q->tdx.tee_tcb_svn);
        put_hex(b, "mr_td", q->tdx.mr_td);
        put_hex(b, "td_attributes", q->tdx.td_attributes);
        put_hex(b, "xfam", q->tdx.xfam);
        for (int i = 0; i < 4; i++) {
            char k[8];
            snprintf(k, sizeof k, "rtmr%d", i);
            put_hex(b, k, q->tdx.rtmr[i]);
        }
        put_hex(b, "report_data", q->tdx.report_data);
    }
    json_object_set_new(o, "body", b);
    json_object_set_new(o, "qe_isv_svn", json_integer(q->qe_report.isv_svn));
    json_object_set_new(o, "cert_type", json_integer(q->cert_type));
    json_object_set_new(o, "cert_data_len", json_integer((json_int_t)q->cert_data.len));
    json_object_set_new(o, "trailing_bytes", json_integer((json_int_t)q->trailing));
    return o;
}

int ccs_cli_attest_parse(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(parse_usage, stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--evidence") == 0 && i + 1 < argc) {
            path = argv[++i];
            continue;
        }
        fprintf(stderr, "ccs attest parse: unknown or incomplete option: %s\n", argv[i]);
        return CLI_USAGE;
    }
    if (!path) {
        fputs(parse_usage, stderr);
        return CLI_USAGE;
    }
    ccs_buf raw = {0};
    ccs_dcap_quote q;
    int rc = CLI_USAGE;
    if (ccs_file_read(path, 1u << 20, &raw) == CCS_OK && ccs_dcap_quote_parse(ccs_buf_view(&raw), &q) == CCS_OK) {
        json_t *o = quote_json(&q);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(o);
        rc = CLI_OK;
    } else {
        fprintf(stderr, "ccs attest parse: %s\n", ccs_error_detail());
    }
    ccs_buf_free(&raw);
    return rc;
}
