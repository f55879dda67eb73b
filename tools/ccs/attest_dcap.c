/* `ccs attest verify` for Intel DCAP quotes (SGX and TDX). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ccs/attest.h"
#include "ccs/tee.h"
#include "cli.h"

static void print_hex_row(const char *name, const uint8_t *p, size_t n) { ccs_cli_print_hex_row(name, p, n); }

static void print_human(const ccs_dcap_result *r, const char *evidence) {
    printf("%s: %s\n", evidence, r->pass ? "PASS" : "FAIL");
    printf("  %-16s %s (quote v%u)\n", "tee", ccs_tee_name(r->tee), r->quote_version);
    printf("  %-16s %s\n", "tcb_status", ccs_tcb_status_name(r->tcb_status));
    printf("  %-16s", "advisory_ids");
    for (size_t i = 0; i < r->n_advisories; i++) printf("%s%s", i ? "," : " ", r->advisory_ids[i]);
    printf("%s\n", r->n_advisories ? "" : " -");
    print_hex_row("fmspc", r->fmspc, 6);
    if (r->tee == CCS_TEE_SGX) {
        print_hex_row("mrenclave", r->sgx.mr_enclave, 32);
        print_hex_row("mrsigner", r->sgx.mr_signer, 32);
        printf("  %-16s %u / %u\n", "isv_prod/svn", r->sgx.isv_prod_id, r->sgx.isv_svn);
    } else if (r->tee == CCS_TEE_TDX) {
        print_hex_row("mr_td", r->tdx.mr_td, 48);
        print_hex_row("rtmr0", r->tdx.rtmr[0], 48);
        print_hex_row("td_attributes", r->tdx.td_attributes, 8);
    }
    printf("  %-16s %s\n", "debug", r->debug ? "yes" : "no");
    for (size_t i = 0; i < r->n_failed; i++) printf("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
}

static int load_collateral(const verify_args *a, ccs_bytes quote, ccs_collateral **coll) {
    ccs_status st;
    if (a->collateral) {
        st = ccs_collateral_load_path(a->collateral, coll);
    } else if (a->trust_sim && !a->pccs) {
        /* INSECURE: the sim collateral of the quote's TEE, from the sim directory. */
        ccs_dcap_quote q;
        if (ccs_dcap_quote_parse(quote, &q) != CCS_OK) return CLI_REFUSED; /* judged below as quote_format */
        st = ccs_sim_trust_load(a->trust_sim, q.tee, NULL, coll);
    } else {
        ccs_dcap_quote q;
        uint8_t fmspc[6];
        const char *ca = NULL;
        ccs_pccs *p = NULL;
        st = ccs_dcap_quote_parse(quote, &q);
        if (st != CCS_OK) return CLI_REFUSED; /* judged below as quote_format, nothing fetched */
        st = ccs_dcap_quote_pck_info(&q, fmspc, &ca);
        if (st == CCS_OK) st = ccs_pccs_new(a->pccs, a->pccs_cache, &p);
        if (st == CCS_OK) {
            ccs_pccs_insecure_skip_tls_verify(p, a->insecure_tls);
            st = ccs_pccs_get_collateral(p, q.tee, fmspc, ca, a->opt.now, coll);
        }
        ccs_pccs_free(p);
    }
    if (st != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot load collateral: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* A quote that does not parse, reported like every other failed check. */
/* Prints the result; with --trust-sim it says, in both forms, that the sim
 * root was trusted. */
static void print_result(const verify_args *a, const ccs_dcap_result *res) {
    if (!a->json) {
        if (a->trust_sim) printf("INSECURE: trusted the sim root from %s\n", a->trust_sim);
        print_human(res, a->evidence);
        return;
    }
    char *js = NULL;
    if (ccs_dcap_result_json(res, &js) != CCS_OK) return;
    json_t *o = a->trust_sim ? json_loads(js, 0, NULL) : NULL;
    if (o != NULL) {
        char *with = NULL;
        json_object_set_new(o, "insecure_sim_root", json_true());
        json_object_set_new(o, "sim_dir", json_string(a->trust_sim));
        with = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (with != NULL) {
            free(js);
            js = with;
        }
    }
    puts(js);
    free(js);
}

static void report_unparsable(const verify_args *a, ccs_bytes quote) {
    ccs_dcap_quote q;
    ccs_dcap_result res;
    memset(&res, 0, sizeof res);
    if (ccs_dcap_quote_parse(quote, &q) == CCS_OK) return; /* not reached: it failed before */
    res.n_failed = 1;
    res.failed[0].name = CCS_CHECK_QUOTE_FORMAT;
    snprintf(res.failed[0].message, sizeof res.failed[0].message, "%s", ccs_error_detail());
    print_result(a, &res);
}

int ccs_cli_verify_dcap(const verify_args *a, ccs_bytes quote) {
    ccs_collateral *coll = NULL;
    ccs_x509 *sim_root = NULL;
    ccs_dcap_result res;
    ccs_dcap_options opt = a->opt;
    int rc = CLI_USAGE;
    if (a->pccs == NULL && a->collateral == NULL && a->trust_sim == NULL)
        return ccs_cli_verify_usage_error("DCAP quotes need --collateral or --pccs", NULL);
    if (a->trust_sim) {
        /* INSECURE, asked for by name: the sim root instead of Intel's. */
        if (ccs_sim_trust_load(a->trust_sim, CCS_TEE_SGX, &sim_root, NULL) != CCS_OK) {
            fprintf(stderr, "ccs attest verify: cannot load the sim root: %s\n", ccs_error_detail());
            return CLI_USAGE;
        }
        opt.insecure_root = sim_root;
    }
    int lc = load_collateral(a, quote, &coll);
    if (lc == CLI_REFUSED) {
        /* The quote does not parse: no collateral could be chosen for it. The
         * verdict is the same as with --collateral: quote_format. */
        report_unparsable(a, quote);
        rc = CLI_REFUSED;
    } else if (lc == CLI_OK) {
        ccs_status st = ccs_dcap_verify(quote, coll, &opt, &res);
        rc = st == CCS_OK ? CLI_OK : CLI_REFUSED;
        if (st != CCS_OK && st != CCS_ERR_VERIFY) {
            fprintf(stderr, "ccs attest verify: %s\n", ccs_error_detail());
            rc = CLI_USAGE;
        } else {
            print_result(a, &res);
        }
    }
    ccs_collateral_free(coll);
    ccs_x509_free(sim_root);
    return rc;
}

