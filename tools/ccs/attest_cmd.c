/* `ccs attest verify` and `ccs attest parse`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "cli.h"

#define MAX_EVIDENCE (1u << 20)

static const char attest_usage[] =
    "usage: ccs attest <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  verify   verify an Intel SGX or TDX DCAP quote against Intel collateral\n"
    "  parse    print the fields of a quote without verifying anything\n"
    "\n"
    "Run `ccs attest <verb> --help` for its options.\n";

static const char verify_usage[] =
    "usage: ccs attest verify --evidence FILE [--tee auto|sgx|tdx]\n"
    "                         (--collateral DIR|FILE | --pccs URL [--pccs-cache FILE])\n"
    "                         [--at RFC3339] [--report-data HEX] [--accept-tcb LIST]\n"
    "                         [--allow-debug] [--json]\n"
    "\n"
    "Verifies a DCAP quote (SGX v3/v4, TDX v4/v5): quote and QE report signatures,\n"
    "the PCK chain to the pinned Intel SGX Root CA, CRLs, TCB Info and QE Identity,\n"
    "the TCB level and the TDX module identity.\n"
    "\n"
    "  --evidence FILE      the quote (binary)\n"
    "  --tee T              auto (default), sgx or tdx: refuse other quote types\n"
    "  --collateral PATH    a directory (tcb_info.json, qe_identity.json, *_issuer_chain.pem,\n"
    "                       pck_crl.der, root_ca_crl.der) or a dcap-qvl collateral JSON file\n"
    "  --pccs URL           fetch collateral from a PCCS/PCS-compatible service (API v4)\n"
    "  --pccs-cache FILE    SQLite cache for collateral fetched with --pccs\n"
    "  --insecure-skip-tls-verify   do not verify the PCCS's TLS certificate\n"
    "  --at TIME            verify as of this RFC 3339 time (default: now)\n"
    "  --report-data HEX    expected REPORTDATA prefix (rest must be zero)\n"
    "  --accept-tcb LIST    comma-separated TCB statuses to accept (default:\n"
    "                       UpToDate,SWHardeningNeeded,ConfigurationNeeded,\n"
    "                       ConfigurationAndSWHardeningNeeded)\n"
    "  --allow-debug        accept debug enclaves and TDs\n"
    "  --json               print one JSON object\n"
    "\n"
    "Exit status: 0 pass, 1 fail, 2 bad usage or unreadable input.\n";

typedef struct verify_args {
    const char *evidence, *collateral, *pccs, *pccs_cache, *tee;
    bool json, insecure_tls;
    ccs_dcap_options opt;
    ccs_buf report_data;
} verify_args;

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "ccs attest verify: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs attest verify --help` for usage.\n");
    return CLI_USAGE;
}

enum { O_EVIDENCE = 256, O_TEE, O_COLL, O_PCCS, O_CACHE, O_AT, O_RD, O_ACCEPT, O_DEBUG, O_JSON, O_INSECURE, O_HELP };

static int parse_verify_args(int argc, char **argv, verify_args *a) {
    static const struct option opts[] = {
        {"evidence", required_argument, 0, O_EVIDENCE}, {"tee", required_argument, 0, O_TEE},
        {"collateral", required_argument, 0, O_COLL},   {"pccs", required_argument, 0, O_PCCS},
        {"pccs-cache", required_argument, 0, O_CACHE},  {"at", required_argument, 0, O_AT},
        {"report-data", required_argument, 0, O_RD},    {"accept-tcb", required_argument, 0, O_ACCEPT},
        {"allow-debug", no_argument, 0, O_DEBUG},       {"json", no_argument, 0, O_JSON},
        {"insecure-skip-tls-verify", no_argument, 0, O_INSECURE}, {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    int c;
    a->opt.now = ccs_time_now();
    a->tee = "auto";
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_EVIDENCE: a->evidence = optarg; break;
        case O_TEE: a->tee = optarg; break;
        case O_COLL: a->collateral = optarg; break;
        case O_PCCS: a->pccs = optarg; break;
        case O_CACHE: a->pccs_cache = optarg; break;
        case O_AT:
            if (ccs_time_parse(optarg, &a->opt.now) != CCS_OK) return usage_error("bad --at time", optarg);
            break;
        case O_RD:
            a->report_data.len = 0;
            /* Empty would mean "no check": refuse it rather than fail open. */
            if (ccs_hex_decode(optarg, strlen(optarg), &a->report_data) != CCS_OK || a->report_data.len == 0 ||
                a->report_data.len > 64)
                return usage_error("--report-data must be 1 to 64 bytes of hex", optarg);
            a->opt.report_data = ccs_buf_view(&a->report_data);
            break;
        case O_ACCEPT:
            if (ccs_tcb_status_parse_list(optarg, &a->opt.accept_tcb) != CCS_OK)
                return usage_error(ccs_error_detail(), NULL);
            break;
        case O_DEBUG: a->opt.allow_debug = true; break;
        case O_JSON: a->json = true; break;
        case O_INSECURE: a->insecure_tls = true; break;
        case 'h':
        case O_HELP: fputs(verify_usage, stdout); return -1;
        default: return usage_error("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error("unexpected argument", argv[optind]);
    if (!a->evidence) return usage_error("--evidence is required", NULL);
    if (!a->collateral == !a->pccs) return usage_error("give exactly one of --collateral and --pccs", NULL);
    if (a->collateral && (a->pccs_cache || a->insecure_tls))
        return usage_error("--pccs-cache and --insecure-skip-tls-verify need --pccs", NULL);
    if (strcmp(a->tee, "auto") && strcmp(a->tee, "sgx") && strcmp(a->tee, "tdx"))
        return usage_error("--tee must be auto, sgx or tdx", a->tee);
    return CLI_OK;
}

static void print_hex_row(const char *name, const uint8_t *p, size_t n) {
    char buf[2 * 64 + 1];
    if (ccs_hex_encode(ccs_bytes_of(p, n), buf, sizeof buf) == CCS_OK) printf("  %-16s %s\n", name, buf);
}

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

static int check_tee(const verify_args *a, ccs_bytes quote) {
    ccs_dcap_quote q;
    if (strcmp(a->tee, "auto") == 0 || ccs_dcap_quote_parse(quote, &q) != CCS_OK) return CLI_OK;
    if (strcmp(a->tee, ccs_tee_name(q.tee)) != 0) {
        fprintf(stderr, "ccs attest verify: the evidence is a %s quote, not %s\n", ccs_tee_name(q.tee), a->tee);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* A quote that does not parse, reported like every other failed check. */
static void report_unparsable(const verify_args *a, ccs_bytes quote) {
    ccs_dcap_quote q;
    ccs_dcap_result res;
    memset(&res, 0, sizeof res);
    if (ccs_dcap_quote_parse(quote, &q) == CCS_OK) return; /* not reached: it failed before */
    res.n_failed = 1;
    res.failed[0].name = CCS_CHECK_QUOTE_FORMAT;
    snprintf(res.failed[0].message, sizeof res.failed[0].message, "%s", ccs_error_detail());
    if (a->json) {
        char *js = NULL;
        if (ccs_dcap_result_json(&res, &js) == CCS_OK) puts(js);
        free(js);
    } else {
        print_human(&res, a->evidence);
    }
}

static int run_verify(verify_args *a) {
    ccs_buf quote = {0};
    ccs_collateral *coll = NULL;
    ccs_dcap_result res;
    int rc = CLI_USAGE;
    if (ccs_file_read(a->evidence, MAX_EVIDENCE, &quote) != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot read evidence: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    int lc = check_tee(a, ccs_buf_view(&quote)) == CLI_OK ? load_collateral(a, ccs_buf_view(&quote), &coll) : CLI_USAGE;
    if (lc == CLI_REFUSED) {
        /* The quote does not parse: no collateral could be chosen for it. The
         * verdict is the same as with --collateral: quote_format. */
        report_unparsable(a, ccs_buf_view(&quote));
        rc = CLI_REFUSED;
    } else if (lc == CLI_OK) {
        ccs_status st = ccs_dcap_verify(ccs_buf_view(&quote), coll, &a->opt, &res);
        rc = st == CCS_OK ? CLI_OK : CLI_REFUSED;
        if (st != CCS_OK && st != CCS_ERR_VERIFY) {
            fprintf(stderr, "ccs attest verify: %s\n", ccs_error_detail());
            rc = CLI_USAGE;
        } else if (a->json) {
            char *js = NULL;
            if (ccs_dcap_result_json(&res, &js) == CCS_OK) puts(js);
            free(js);
        } else {
            print_human(&res, a->evidence);
        }
    }
    ccs_collateral_free(coll);
    ccs_buf_free(&quote);
    return rc;
}

static int cmd_verify(int argc, char **argv) {
    verify_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_verify_args(argc, argv, &a);
    if (rc == CLI_OK) rc = run_verify(&a);
    else if (rc < 0) rc = CLI_OK; /* --help */
    ccs_buf_free(&a.report_data);
    return rc;
}

int ccs_cli_attest(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(attest_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "verify") == 0) return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "parse") == 0) return ccs_cli_attest_parse(argc - 1, argv + 1);
    fprintf(stderr, "ccs attest: unknown verb \"%s\"\n\n%s", argv[1], attest_usage);
    return CLI_USAGE;
}
