/* `ccs attest verify` and `ccs attest parse`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "cli.h"
#include "cli_tpm.h"
#include "cli_snp.h"

#define MAX_EVIDENCE (1u << 20)

static const char attest_usage[] =
    "usage: ccs attest <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  verify   verify evidence: SGX/TDX DCAP quotes, SEV-SNP and Hygon CSV reports, TPM quotes\n"
    "  parse    print the fields of a quote without verifying anything\n"
    "  fetch-snp  fetch an SEV-SNP report's VCEK, chain and CRL from AMD KDS\n"
    "  tpm-challenge, tpm-enroll   TPM 2.0 AK enrollment through the EK certificate\n"
    "\n"
    "Run `ccs attest <verb> --help` for its options.\n";

static const char verify_usage[] =
    "usage: ccs attest verify --evidence FILE [--tee auto|sgx|tdx|snp|csv|tpm]\n"
    "                         (--collateral DIR|FILE | --pccs URL [--pccs-cache FILE] | --trust-sim DIR\n"
    "                          | --kds URL [--kds-cache FILE] [--product NAME])\n"
    "                         [--at RFC3339] [--report-data HEX] [--accept-tcb LIST]\n"
    "                         [--allow-debug] [--json] [format options]\n"
    "\n"
    "Verifies attestation evidence and prints the verdict, the failed checks and the\n"
    "claims. The format is recognised from the bytes unless --tee names it:\n"
    "  sgx, tdx  Intel DCAP quotes (also the sim platform's, with --trust-sim): quote and\n"
    "            QE report signatures, PCK chain to the pinned Intel SGX Root CA, CRLs,\n"
    "            TCB Info and QE Identity, TCB level, TDX module identity\n"
    "  snp       AMD SEV-SNP reports: VCEK/VLEK signature, chain to the pinned ARK,\n"
    "            reported TCB and chip id, guest policy\n"
    "  csv       Hygon CSV reports: HRK->HSK->CEK->PEK->report (SM2/SM3), HMAC\n"
    "  tpm       TPM 2.0 quotes (JSON evidence): AK signature, nonce, PCR digest, event log\n"
    "\n"    "  --evidence FILE      the evidence (a quote or report, or TPM JSON evidence)\n"
    "  --tee T              auto (default), sgx, tdx, snp, csv or tpm: refuse other formats\n"
    "  --collateral PATH    sgx/tdx: a directory (tcb_info.json, qe_identity.json,\n"
    "                       *_issuer_chain.pem, pck_crl.der, root_ca_crl.der) or a dcap-qvl\n"
    "                       collateral JSON file; snp: vcek.der|vlek.der + cert_chain.pem;\n"
    "                       csv: hsk_cek.cert (or hsk.cert + cek.cert); tpm: ak.pem\n"
    "  --pccs URL           fetch collateral from a PCCS/PCS-compatible service (API v4)\n"
    "  --pccs-cache FILE    SQLite cache for collateral fetched with --pccs\n"
    "  --kds URL            snp: fetch the VCEK, chain and CRL from AMD KDS (e.g.\n"
    "                       https://kdsintf.amd.com) by the report's chip id and reported_tcb\n"
    "  --kds-cache FILE     snp: SQLite cache for what --kds fetched (CRLs until nextUpdate)\n"
    "  --product NAME       snp: Milan, Genoa or Turin for version 2 reports with --kds\n"
    "  --insecure-skip-tls-verify   do not verify the PCCS's (KDS's) TLS certificate\n"
    "  --at TIME            verify as of this RFC 3339 time (default: now)\n"
    "  --report-data HEX    expected REPORTDATA prefix (rest must be zero)\n"
    "  --accept-tcb LIST    comma-separated TCB statuses to accept (default:\n"
    "                       UpToDate,SWHardeningNeeded,ConfigurationNeeded,\n"
    "                       ConfigurationAndSWHardeningNeeded)\n"
    "  --allow-debug        accept debug enclaves and TDs (SEV-SNP: policy bit 19)\n"
    "  --allow-migration-agent  snp: accept a guest policy allowing a migration agent\n"
    "  --refuse-smt         snp: refuse a guest policy allowing SMT (bit 16)\n"
    "  --max-vmpl N         snp: accept reports requested at VMPL 0..N (default 0: a guest\n"
    "                       OS under an SVSM or paravisor runs at VMPL 1-3)\n"
    "  --min-tcb LIST       snp: minimum reported TCB, e.g. bl=3,tee=0,snp=8,ucode=115\n"
    "                       (fmc=N too on Turin); unnamed components are 0\n"
    "  --mnonce HEX         csv: the 16-byte mnonce the guest was given\n"
    "  --measurement HEX    csv: the expected 32-byte launch measurement; pin it: a v1\n"
    "                       report's claims are otherwise malleable (its anonce is unsigned)\n"
    "  --insecure-unchecked-hmac  csv: pass trustee JSON evidence, whose HMAC is lost\n"
    "  --event-log FILE     csv v2: an SM3 CCEL event log replayed into rtmr1..4 and compared\n"
    "  --json               print one JSON object\n"
    "  --trust-sim DIR      INSECURE: trust the sim root CA of the sim platform in DIR\n"
    "                       (`ccs tee sim init`) instead of Intel's, and take the sim\n"
    "                       collateral from DIR/sgx or DIR/tdx unless --collateral/--pccs\n"
    "                       is given; for development and tests only\n"
    "\n"
    "Hygon CSV (--tee csv; raw report or trustee JSON): --collateral DIR holds\n"
    "hsk_cek.cert (or hsk.cert and cek.cert) from Hygon KDS for the report's chip,\n"
    "and optionally hrk.cert, which must be the built-in Hygon HRK.\n"
    "\n"
    "AMD SEV-SNP (--tee snp; the raw 1184-byte report): --collateral DIR holds\n"
    "vcek.der (or vlek.der) and cert_chain.pem (ASK or ASVK, then ARK) from AMD KDS,\n"
    "and optionally crl.der (the ARK's CRL); or --kds URL fetches them (see also\n"
    "`ccs attest fetch-snp`). The chain must end at the built-in ARK of the report's\n"
    "product (Milan, Genoa, Turin); a CRL must be the ARK's, current at --at, and list\n"
    "neither the ASK/ASVK nor the VCEK/VLEK (check ark_crl); without a CRL the result\n"
    "says revocation was not checked. --report-data and --at apply; --accept-tcb does not.\n"
    "\n"
    "TPM 2.0 (--tee tpm; the JSON evidence of `ccs tee quote --platform tpm`):\n"
    "--collateral DIR holds ak.pem (the trusted AK public key) or ak_chain.pem (AK\n"
    "certificate first) with ak_root.pem; --report-data HEX is required: the nonce\n"
    "expected in extraData is SHA-256 of it zero-padded to 64 bytes.\n"
    "\n"
    "Exit status: 0 pass, 1 fail, 2 bad usage or unreadable input.\n";

int ccs_cli_verify_usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "ccs attest verify: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs attest verify --help` for usage.\n");
    return CLI_USAGE;
}

enum { O_EVIDENCE = 256, O_TEE, O_COLL, O_PCCS, O_CACHE, O_AT, O_RD, O_ACCEPT, O_DEBUG, O_JSON, O_INSECURE, O_HELP, O_TRUST_SIM };
enum { O_MNONCE = 400, O_CSV_HMAC, O_CSV_EVENT_LOG, O_CSV_MEASUREMENT }; /* Hygon CSV */

enum { O_SNP_MA = 500, O_SNP_SMT, O_SNP_MIN_TCB, O_SNP_KDS, O_SNP_KDS_CACHE, O_SNP_PRODUCT, O_SNP_VMPL }; /* AMD SEV-SNP */

static int parse_verify_args(int argc, char **argv, verify_args *a) {
    static const struct option opts[] = {
        {"evidence", required_argument, 0, O_EVIDENCE}, {"tee", required_argument, 0, O_TEE},
        {"collateral", required_argument, 0, O_COLL},   {"pccs", required_argument, 0, O_PCCS},
        {"pccs-cache", required_argument, 0, O_CACHE},  {"at", required_argument, 0, O_AT},
        {"report-data", required_argument, 0, O_RD},    {"accept-tcb", required_argument, 0, O_ACCEPT},
        {"allow-debug", no_argument, 0, O_DEBUG},       {"json", no_argument, 0, O_JSON},
        {"insecure-skip-tls-verify", no_argument, 0, O_INSECURE}, {"help", no_argument, 0, O_HELP},
        {"allow-migration-agent", no_argument, 0, O_SNP_MA}, {"refuse-smt", no_argument, 0, O_SNP_SMT},
        {"max-vmpl", required_argument, 0, O_SNP_VMPL},
        {"min-tcb", required_argument, 0, O_SNP_MIN_TCB},
        {"kds", required_argument, 0, O_SNP_KDS}, {"kds-cache", required_argument, 0, O_SNP_KDS_CACHE},
        {"product", required_argument, 0, O_SNP_PRODUCT},
        {"trust-sim", required_argument, 0, O_TRUST_SIM},
        {"mnonce", required_argument, 0, O_MNONCE}, {"measurement", required_argument, 0, O_CSV_MEASUREMENT}, {"insecure-unchecked-hmac", no_argument, 0, O_CSV_HMAC},
        {"event-log", required_argument, 0, O_CSV_EVENT_LOG},
        {0, 0, 0, 0},
    };
    int c;
    const char *kds = NULL, *kds_cache = NULL, *product = NULL;
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
            if (ccs_time_parse(optarg, &a->opt.now) != CCS_OK) return ccs_cli_verify_usage_error("bad --at time", optarg);
            break;
        case O_RD:
            a->report_data.len = 0;
            /* Empty would mean "no check": refuse it rather than fail open. */
            if (ccs_hex_decode(optarg, strlen(optarg), &a->report_data) != CCS_OK || a->report_data.len == 0 ||
                a->report_data.len > 64)
                return ccs_cli_verify_usage_error("--report-data must be 1 to 64 bytes of hex", optarg);
            a->opt.report_data = ccs_buf_view(&a->report_data);
            break;
        case O_ACCEPT:
            if (ccs_tcb_status_parse_list(optarg, &a->opt.accept_tcb) != CCS_OK)
                return ccs_cli_verify_usage_error(ccs_error_detail(), NULL);
            break;
        case O_DEBUG: a->opt.allow_debug = true; break;
        case O_JSON: a->json = true; break;
        case O_INSECURE: a->insecure_tls = true; break;
        case O_SNP_MA: a->snp_allow_migration_agent = true; break;
        case O_SNP_SMT: a->snp_refuse_smt = true; break;
        case O_SNP_VMPL:
            if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '3')
                return ccs_cli_verify_usage_error("--max-vmpl must be 0, 1, 2 or 3", optarg);
            a->snp_max_vmpl = (uint32_t)(optarg[0] - '0');
            break;
        case O_SNP_MIN_TCB:
            if (ccs_cli_parse_snp_tcb(optarg, &a->snp_min_tcb) != 0)
                return ccs_cli_verify_usage_error("--min-tcb must be like bl=3,tee=0,snp=8,ucode=115", optarg);
            a->snp_has_min_tcb = true;
            break;
        case O_TRUST_SIM: a->trust_sim = optarg; break;
        case O_SNP_KDS: kds = optarg; break;
        case O_SNP_KDS_CACHE: kds_cache = optarg; break;
        case O_SNP_PRODUCT: product = optarg; break;
        case O_CSV_MEASUREMENT:
            a->csv_measurement.len = 0;
            if (ccs_hex_decode(optarg, strlen(optarg), &a->csv_measurement) != CCS_OK || a->csv_measurement.len != 32)
                return ccs_cli_verify_usage_error("--measurement must be 32 bytes of hex", optarg);
            break;
        case O_MNONCE:
            a->mnonce.len = 0;
            if (ccs_hex_decode(optarg, strlen(optarg), &a->mnonce) != CCS_OK || a->mnonce.len != 16)
                return ccs_cli_verify_usage_error("--mnonce must be 16 bytes of hex", optarg);
            break;
        case O_CSV_HMAC: a->insecure_csv_hmac = true; break;
        case O_CSV_EVENT_LOG: ccs_cli_csv_set_event_log(optarg); break;
        case 'h':
        case O_HELP: fputs(verify_usage, stdout); return -1;
        default: return ccs_cli_verify_usage_error("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind < argc) return ccs_cli_verify_usage_error("unexpected argument", argv[optind]);
    if (!a->evidence) return ccs_cli_verify_usage_error("--evidence is required", NULL);
    if ((kds_cache || product) && !kds) return ccs_cli_verify_usage_error("--kds-cache and --product need --kds", NULL);
    if (kds && (a->collateral || a->pccs || a->trust_sim))
        return ccs_cli_verify_usage_error("give exactly one of --collateral, --pccs and --kds", NULL);
    ccs_cli_snp_kds_set(kds, kds_cache, product);
    if (a->collateral && a->pccs) return ccs_cli_verify_usage_error("give exactly one of --collateral and --pccs", NULL);
    if (!a->collateral && !a->pccs && !a->trust_sim && !kds)
        return ccs_cli_verify_usage_error("give exactly one of --collateral, --pccs and --kds (or --trust-sim DIR)", NULL);
    if (a->collateral && (a->pccs_cache || a->insecure_tls))
        return ccs_cli_verify_usage_error("--pccs-cache and --insecure-skip-tls-verify need --pccs", NULL);
    if (strcmp(a->tee, "auto") != 0 && ccs_cli_format(a->tee) == NULL)
        return ccs_cli_verify_usage_error("unknown --tee (see --help)", a->tee);
    return CLI_OK;
}

/* Reads the evidence, finds its format (--tee, else from the bytes) and
 * hands it to that format's verifier. */
static int run_verify(verify_args *a) {
    ccs_buf ev = {0};
    if (ccs_file_read(a->evidence, MAX_EVIDENCE, &ev) != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot read evidence: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    const char *kind = ccs_evidence_kind(ccs_buf_view(&ev));
    const cli_format *f = ccs_cli_format(strcmp(a->tee, "auto") == 0 ? kind : a->tee);
    int rc = CLI_USAGE;
    if (f == NULL) {
        /* Not recognised: the DCAP verifier names what is wrong with it. */
        f = ccs_cli_format("sgx");
    }
    if (strcmp(a->tee, "auto") != 0 && strcmp(kind, "unknown") != 0 && !ccs_cli_same_format(a->tee, kind)) {
        fprintf(stderr, "ccs attest verify: the evidence is %s evidence, not %s\n", kind, a->tee);
    } else {
        rc = f->verify(a, ccs_buf_view(&ev));
    }
    ccs_buf_free(&ev);
    return rc;
}

static int cmd_verify(int argc, char **argv) {
    verify_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_verify_args(argc, argv, &a);
    if (rc == CLI_OK) rc = run_verify(&a);
    else if (rc < 0) rc = CLI_OK; /* --help */
    ccs_buf_free(&a.report_data);
    ccs_buf_free(&a.mnonce);
    ccs_buf_free(&a.csv_measurement);
    return rc;
}

int ccs_cli_attest(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(attest_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "verify") == 0) return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "parse") == 0) return ccs_cli_attest_parse(argc - 1, argv + 1);
    if (strcmp(argv[1], "fetch-snp") == 0) return ccs_cli_attest_fetch_snp(argc - 1, argv + 1);
    if (strncmp(argv[1], "tpm-", 4) == 0) return ccs_cli_attest_tpm_enroll(argc - 1, argv + 1);
    fprintf(stderr, "ccs attest: unknown verb \"%s\"\n\n%s", argv[1], attest_usage);
    return CLI_USAGE;
}
