/* `ccs attest verify` for Hygon CSV reports v1 and v2 (raw firmware output,
 * the csv-rs wrapper, or the trustee JSON form), with the HSK/CEK from
 * --collateral DIR and, for v2, a CCEL from --event-log FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "cli.h"

/* --event-log FILE: the option parser (attest_cmd.c) hands the path over
 * with ccs_cli_csv_set_event_log, as the SNP KDS options do. */
#define MAX_EVENT_LOG (16u * 1024 * 1024)
static const char *event_log_path;

void ccs_cli_csv_set_event_log(const char *path) { event_log_path = path; }

static const char *event_log_text(ccs_csv_event_log_state s) {
    switch (s) {
    case CCS_CSV_EVENT_LOG_MATCHED: return "replayed, rtmr1..4 match";
    case CCS_CSV_EVENT_LOG_MISMATCHED: return "replayed, RTMRs differ";
    case CCS_CSV_EVENT_LOG_INVALID: return "invalid";
    default: return "not given (RTMRs not checked)";
    }
}

static const char *hmac_text(ccs_csv_hmac_state s) {
    switch (s) {
    case CCS_CSV_HMAC_VALID: return "valid";
    case CCS_CSV_HMAC_INVALID: return "invalid";
    case CCS_CSV_HMAC_NOT_CHECKABLE: return "not checkable (trustee JSON form)";
    default: return "not checked";
    }
}

static void print_human(const ccs_csv_result *r, const char *evidence) {
    printf("%s: %s\n", evidence, r->pass ? "PASS" : "FAIL");
    if (r->report_version) {
        printf("  %-16s csv (report v%u, %s)\n", "tee", r->report_version,
               r->form == CCS_CSV_FORM_TRUSTEE ? "trustee JSON" : "raw");
        printf("  %-16s %s\n", "chip_id", r->chip_id);
        ccs_cli_print_hex_row("measurement", r->measurement, sizeof r->measurement);
        ccs_cli_print_hex_row("report_data", r->report_data, sizeof r->report_data);
        printf("  %-16s 0x%08x\n", "policy", r->policy);
        ccs_cli_print_hex_row("mnonce", r->mnonce, sizeof r->mnonce);
        printf("  %-16s %s\n", "report_hmac", hmac_text(r->hmac));
        printf("  %-16s PEK %u.%u", "firmware", r->pek_fw_major, r->pek_fw_minor);
        if (r->cek_fw_major || r->cek_fw_minor) printf(", CEK %u.%u", r->cek_fw_major, r->cek_fw_minor);
        printf("\n  %-16s %s\n", "debug", r->debug ? "yes" : "no");
        if (r->report_version == 2) {
            printf("  %-16s %u (rtmr_version %u)\n", "build", r->build, r->rtmr_version);
            for (unsigned i = 0; i < CCS_CSV_RTMRS; i++) {
                char name[8];
                snprintf(name, sizeof name, "rtmr%u", i);
                ccs_cli_print_hex_row(name, r->rtmr[i], 32);
            }
            printf("  %-16s %s\n", "event_log", event_log_text(r->event_log));
        }
    }
    for (size_t i = 0; i < r->n_failed; i++) printf("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
}

int ccs_cli_verify_csv(const verify_args *a, ccs_bytes evidence) {
    ccs_buf store = {0};
    ccs_csv_certs certs;
    ccs_csv_result res;
    if (a->pccs || a->trust_sim || !a->collateral)
        return ccs_cli_verify_usage_error(
            "CSV evidence needs --collateral DIR (hsk_cek.cert or hsk.cert and cek.cert from Hygon KDS)", NULL);
    if (ccs_csv_certs_load_dir(a->collateral, &store, &certs) != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot load collateral: %s\n", ccs_error_detail());
        ccs_buf_free(&store);
        return CLI_USAGE;
    }
    ccs_buf log = {0};
    if (event_log_path && ccs_file_read(event_log_path, MAX_EVENT_LOG, &log) != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot read --event-log: %s\n", ccs_error_detail());
        ccs_buf_free(&store);
        return CLI_USAGE;
    }
    ccs_csv_options opt = {
        .allow_debug = a->opt.allow_debug,
        .report_data = a->opt.report_data,
        .mnonce = ccs_buf_view(&a->mnonce),
        .measurement = ccs_buf_view(&a->csv_measurement),
        .insecure_unchecked_hmac = a->insecure_csv_hmac,
        .event_log = ccs_buf_view(&log),
    };
    ccs_status st = ccs_csv_verify(evidence, &certs, &opt, &res);
    int rc = st == CCS_OK ? CLI_OK : CLI_REFUSED;
    if (st != CCS_OK && st != CCS_ERR_VERIFY) {
        fprintf(stderr, "ccs attest verify: %s\n", ccs_error_detail());
        rc = CLI_USAGE;
    } else if (a->json) {
        char *js = NULL;
        if (ccs_csv_result_json(&res, &js) == CCS_OK) puts(js);
        free(js);
    } else {
        print_human(&res, a->evidence);
    }
    ccs_buf_free(&store);
    ccs_buf_free(&log);
    return rc;
}
