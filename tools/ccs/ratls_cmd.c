/* `ccs ratls`: create an RA-TLS certificate (a fresh key, evidence from a
 * tee backend bound to it) and verify one (docs/ratls.md). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/ratls.h"
#include "cli.h"

#define CERT_MAX (1u << 20)

/* Shared with ratls_provision_cmd.c. */
int ccs_cli_ratls_policy(const char *path, const char *const *refvals, size_t n, ccs_ratls_policy **out);
int ccs_cli_ratls_provision_server(int argc, char **argv);
int ccs_cli_ratls_provision_client(int argc, char **argv);
int ccs_cli_ratls_endorsements(const char *verb, const ccs_tee_config *cfg, ccs_backend *b,
                               const ccs_ratls_verify_options *src,
                               ccs_collateral **out); /* ratls_endorse_cmd.c */

static const char ratls_usage[] =
    "usage: ccs ratls <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  cert     create a self-signed RA-TLS certificate and key carrying evidence\n"
    "  verify   verify an RA-TLS certificate (evidence, key binding, validity, policy)\n"
    "  provision-server  serve secrets over mutual RA-TLS to clients that pass a policy\n"
    "  provision-client  attest with a fresh RA-TLS certificate and fetch a secret\n"
    "\n"
    "Run `ccs ratls <verb> --help` for its options.\n";

static const char cert_usage[] =
    "usage: ccs ratls cert --tee sim-sgx|sim-tdx|sgx|tdx|snp|csv|tpm [--sim-dir DIR] [--tcti CONF] [--pcrs SEL]\n"
    "                      [--curve p256|p384] [--nonce HEX] [--days N] [--cn NAME] [--no-legacy-ext]\n"
    "                      [--endorsements [--collateral PATH | --pccs URL [--pccs-cache FILE]]]\n"
    "                      -o CERT --key-out KEY\n"
    "\n"
    "Generates an ECDSA key and a self-signed certificate carrying evidence bound to it:\n"
    "2.23.133.5.4.9 = CBOR tag (60000 SGX, 0x1a7501 TDX, 0x1a7504 SEV-SNP, 0x1a7506 CSV) over\n"
    "[evidence, claims], with claims {\"pubkey-hash\": [alg, H(SPKI)], \"nonce\"?} and report\n"
    "data SHA-256(claims) (zero-padded to 64 bytes); for SGX also the raw quote over\n"
    "SHA-256(SPKI) under 1.2.840.113741.1337.6. SNP evidence is the report followed by the\n"
    "host's certificate table (VCEK/VLEK, ASK, ARK) when the platform provides one; CSV\n"
    "evidence is the report. TPM evidence (JSON)\n"
    "goes in a CMW record [\"application/vnd.ccs.tpm-evidence+json\", bstr] under the\n"
    "CCS-private tag 0x43435301, quoted with extraData SHA-256(report data). Sim evidence is\n"
    "INSECURE (verifiers refuse it unless told to trust the sim root).\n"
    "\n"
    "  --tee P               the evidence platform (sim-sgx, sim-tdx, sgx, tdx, snp, csv, tpm)\n"
    "  --sim-dir DIR         sim state (default: $CCS_SIM_DIR, else ~/.local/share/ccs/sim)\n"
    "  --tcti CONF           tpm: the TCTI, e.g. swtpm:host=127.0.0.1,port=2321 (default: tss2's)\n"
    "  --pcrs SEL            tpm: the PCRs to quote (default sha256:0-7,16,23)\n"
    "  --curve C             p256 (default) or p384\n"
    "  --nonce HEX           a nonce claim (1 to 64 bytes)\n"
    "  --days N              validity in days (default 1)\n"
    "  --cn NAME             subject common name (default \"CCS RA-TLS\")\n"
    "  --no-legacy-ext       SGX: omit the raw quote under 1.2.840.113741.1337.6\n"
    "  --endorsements        embed the DCAP collateral a verifier needs under 2.23.133.5.4.2\n"
    "                        (CBOR: the evidence's tag over [version, tcb_info, tcb_info_issuer_chain,\n"
    "                        pck_crl, root_ca_crl, pck_crl_issuer_chain, qe_identity,\n"
    "                        qe_identity_issuer_chain, creation_datetime]); taken from --collateral,\n"
    "                        else --pccs, else (sim-sgx, sim-tdx) the sim directory\n"
    "  --collateral PATH     with --endorsements: a collateral directory or dcap-qvl JSON\n"
    "  --pccs URL            with --endorsements: fetch it from a PCCS/PCS (API v4)\n"
    "  --pccs-cache FILE     SQLite cache for --pccs\n"
    "  --insecure-skip-tls-verify  do not verify the PCCS's TLS certificate\n"
    "  -o, --output FILE     the certificate (PEM)\n"
    "  --key-out FILE        the private key (PKCS#8 PEM, mode 0600)\n";

static const char verify_usage[] =
    "usage: ccs ratls verify CERT [--trust-sim DIR] [--collateral PATH | --pccs URL [--pccs-cache FILE]]\n"
    "                        [--kds URL [--kds-cache FILE]] [--at TIME]\n"
    "                        [--ak FILE] [--nonce HEX] [--allow-debug] [--ignore-validity]\n"
    "                        [--policy FILE [--refval NAME=HEX ...]] [--json]\n"
    "\n"
    "Verifies an RA-TLS certificate (PEM or DER): its validity, the evidence extension\n"
    "(TCG 2.23.133.5.4.9, or the legacy 1.2.840.113741.1337.6 / Gramine OIDs), the DCAP\n"
    "quote (or SEV-SNP / CSV report, or TPM quote) and that its report data binds this\n"
    "certificate's key. SNP reports chain to the compiled-in AMD ARKs, CSV reports to the\n"
    "Hygon HRK; the VCEK/VLEK comes from --collateral DIR, else --kds, else the certificate;\n"
    "the CSV HSK/CEK from --collateral DIR, else the certificate.\n"
    "DCAP collateral comes from the first of: --collateral, --pccs, the --trust-sim\n"
    "directory's collateral, the certificate's endorsements (2.23.133.5.4.2; untrusted input,\n"
    "verified to the trusted root like the others). A source given that fails refuses.\n"
    "Exit status: 0 accepted, 1 refused, 2 bad usage or unreadable input.\n"
    "\n"
    "  --trust-sim DIR       INSECURE: trust the sim root of DIR (and its sim collateral, if any)\n"
    "  --collateral PATH     DCAP collateral (directory or dcap-qvl JSON) for real quotes;\n"
    "                        TPM evidence: a directory with ak.pem (the AK public key), or\n"
    "                        ak_chain.pem + ak_root.pem (as ccs attest verify --tee tpm);\n"
    "                        SNP: a directory with vcek.der (or vlek.der) and cert_chain.pem;\n"
    "                        CSV: a directory with hsk_cek.cert (as ccs attest verify)\n"
    "  --kds URL             SNP: fetch the VCEK and its chain from an AMD KDS (e.g.\n"
    "                        https://kdsintf.amd.com)\n"
    "  --kds-cache FILE      SQLite cache for --kds\n"
    "  --at TIME             verify as of TIME (RFC 3339 UTC, e.g. 2025-06-01T00:00:00Z, or\n"
    "                        seconds since the epoch) instead of now\n"
    "  --pccs URL            fetch DCAP collateral from a PCCS/PCS (API v4) by the quote's FMSPC\n"
    "  --pccs-cache FILE     SQLite cache for --pccs\n"
    "  --insecure-skip-tls-verify  do not verify the PCCS's (and the KDS's) TLS certificate\n"
    "  --ak FILE             TPM evidence: the AK public key (PEM), instead of --collateral\n"
    "  --nonce HEX           the nonce claim must equal HEX\n"
    "  --allow-debug         accept debug enclaves / TDs\n"
    "  --ignore-validity     do not check notBefore/notAfter\n"
    "  --policy FILE         appraise the evidence with a KBS-format attestation policy\n"
    "                        (docs/kbs.md; the TCB status and debug are then judged by it)\n"
    "  --refval NAME=HEX     a reference value for the policy's {\"ref\": NAME} (repeatable)\n"
    "  --json                print the result as JSON\n";

static int usage_error(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs ratls %s: %s%s%s\n", verb, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs ratls %s --help` for usage.\n", verb);
    return CLI_USAGE;
}

enum { O_TEE = 256, O_SIM_DIR, O_CURVE, O_NONCE, O_DAYS, O_CN, O_NO_LEGACY, O_KEY_OUT, O_TRUST_SIM, O_COLL,
       O_DEBUG, O_IGN_VALIDITY, O_JSON, O_HELP, O_POLICY, O_REFVAL, O_TCTI, O_PCRS, O_AK, O_ENDORSE, O_PCCS,
       O_PCCS_CACHE, O_INSECURE_TLS, O_KDS, O_KDS_CACHE, O_AT };

static const struct option opts[] = {
    {"tee", required_argument, 0, O_TEE},         {"sim-dir", required_argument, 0, O_SIM_DIR},
    {"curve", required_argument, 0, O_CURVE},     {"nonce", required_argument, 0, O_NONCE},
    {"days", required_argument, 0, O_DAYS},       {"cn", required_argument, 0, O_CN},
    {"no-legacy-ext", no_argument, 0, O_NO_LEGACY}, {"key-out", required_argument, 0, O_KEY_OUT},
    {"output", required_argument, 0, 'o'},        {"trust-sim", required_argument, 0, O_TRUST_SIM},
    {"collateral", required_argument, 0, O_COLL}, {"allow-debug", no_argument, 0, O_DEBUG},
    {"ignore-validity", no_argument, 0, O_IGN_VALIDITY}, {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},             {"policy", required_argument, 0, O_POLICY},
    {"refval", required_argument, 0, O_REFVAL},   {"tcti", required_argument, 0, O_TCTI},
    {"pcrs", required_argument, 0, O_PCRS},       {"ak", required_argument, 0, O_AK},
    {"endorsements", no_argument, 0, O_ENDORSE},  {"pccs", required_argument, 0, O_PCCS},
    {"pccs-cache", required_argument, 0, O_PCCS_CACHE},
    {"insecure-skip-tls-verify", no_argument, 0, O_INSECURE_TLS},
    {"kds", required_argument, 0, O_KDS},         {"kds-cache", required_argument, 0, O_KDS_CACHE},
    {"at", required_argument, 0, O_AT},
    {0, 0, 0, 0},
};

typedef struct ratls_args {
    ccs_tee_config cfg;
    ccs_ratls_create_options co;
    ccs_ratls_verify_options vo;
    const char *out, *key_out;
    bool json, have_tee, endorsements;
    ccs_buf nonce;
    const char *policy;
    const char *refvals[32];
    size_t n_refvals;
} ratls_args;

/* Options of one verb; `allowed` names its long options. CLI_OK, CLI_USAGE
 * or -1 (help printed). */
static int parse(const char *verb, const char *help, const char *allowed, int argc, char **argv, ratls_args *a) {
    int c, idx = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, &idx)) != -1) {
        const char *name = idx >= 0 ? opts[idx].name : c == 'o' ? "output" : NULL;
        idx = -1;
        if (c == 'h' || c == O_HELP) {
            fputs(help, stdout);
            return -1;
        }
        if (c == '?' || c == ':' || name == NULL) return usage_error(verb, "unknown or incomplete option", argv[optind - 1]);
        char key[40];
        snprintf(key, sizeof key, " %s ", name);
        if (strstr(allowed, key) == NULL) return usage_error(verb, "option not taken by this verb", argv[optind - 1]);
        switch (c) {
        case O_TEE:
            if (ccs_platform_parse(optarg, &a->cfg.platform) != CCS_OK)
                return usage_error(verb, "unknown --tee (sim-sgx, sim-tdx, sgx, tdx, snp, csv, tpm)", optarg);
            a->have_tee = true;
            break;
        case O_SIM_DIR: a->cfg.sim_dir = optarg; break;
        case O_TCTI: a->cfg.tpm_tcti = optarg; break;
        case O_PCRS: a->cfg.tpm_pcrs = optarg; break;
        case O_AK: a->vo.tpm_ak_pem = optarg; break;
        case O_CURVE:
            if (strcmp(optarg, "p256") == 0 || strcmp(optarg, "P-256") == 0) a->co.curve = CCS_CURVE_P256;
            else if (strcmp(optarg, "p384") == 0 || strcmp(optarg, "P-384") == 0) a->co.curve = CCS_CURVE_P384;
            else return usage_error(verb, "--curve must be p256 or p384", optarg);
            break;
        case O_NONCE:
            if (ccs_hex_decode(optarg, strlen(optarg), &a->nonce) != CCS_OK || a->nonce.len == 0 ||
                a->nonce.len > CCS_RATLS_NONCE_MAX)
                return usage_error(verb, "--nonce must be 1 to 64 bytes of hex", optarg);
            break;
        case O_DAYS: {
            char *end = NULL;
            long d = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || d < 1 || d > 3650)
                return usage_error(verb, "--days must be 1 to 3650", optarg);
            a->co.validity_s = (ccs_time)d * 86400;
            break;
        }
        case O_CN: a->co.subject_cn = optarg; break;
        case O_NO_LEGACY: a->co.no_legacy_sgx_ext = true; break;
        case O_KEY_OUT: a->key_out = optarg; break;
        case 'o': a->out = optarg; break;
        case O_TRUST_SIM: a->vo.insecure_trust_sim_dir = optarg; break;
        case O_COLL: a->vo.collateral = optarg; break;
        case O_ENDORSE: a->endorsements = true; break;
        case O_PCCS: a->vo.pccs_url = optarg; break;
        case O_PCCS_CACHE: a->vo.pccs_cache = optarg; break;
        case O_INSECURE_TLS:
            a->vo.insecure_pccs_skip_tls_verify = true;
            a->vo.insecure_kds_skip_tls_verify = true;
            break;
        case O_KDS: a->vo.snp_kds_url = optarg; break;
        case O_KDS_CACHE: a->vo.snp_kds_cache = optarg; break;
        case O_AT: {
            char *end = NULL;
            long long t = strtoll(optarg, &end, 10);
            if (end != optarg && *end == '\0' && t > 0) a->vo.now = (ccs_time)t;
            else if (ccs_time_parse(optarg, &a->vo.now) != CCS_OK || a->vo.now <= 0)
                return usage_error(verb, "--at must be RFC 3339 UTC or seconds since the epoch", optarg);
            break;
        }
        case O_DEBUG: a->vo.allow_debug = true; break;
        case O_IGN_VALIDITY: a->vo.ignore_validity = true; break;
        case O_JSON: a->json = true; break;
        case O_POLICY: a->policy = optarg; break;
        case O_REFVAL:
            if (a->n_refvals >= sizeof a->refvals / sizeof a->refvals[0])
                return usage_error(verb, "at most 32 --refval", optarg);
            a->refvals[a->n_refvals++] = optarg;
            break;
        default: return usage_error(verb, "unknown option", argv[optind - 1]);
        }
    }
    return CLI_OK;
}

static int cmd_cert(int argc, char **argv) {
    ratls_args a = {0};
    int rc = parse("cert", cert_usage,
                   " tee sim-dir tcti pcrs curve nonce days cn no-legacy-ext output key-out endorsements collateral"
                   " pccs pccs-cache insecure-skip-tls-verify ",
                   argc, argv, &a);
    if (rc != CLI_OK) {
        ccs_buf_free(&a.nonce);
        return rc < 0 ? CLI_OK : rc;
    }
    if (optind < argc) rc = usage_error("cert", "unexpected argument", argv[optind]);
    else if (!a.have_tee) rc = usage_error("cert", "--tee is required", NULL);
    else if (a.out == NULL || a.key_out == NULL) rc = usage_error("cert", "-o and --key-out are required", NULL);
    else if (!a.endorsements && (a.vo.collateral || a.vo.pccs_url || a.vo.pccs_cache))
        rc = usage_error("cert", "--collateral and --pccs name the --endorsements source", NULL);
    else if (a.vo.collateral && a.vo.pccs_url) rc = usage_error("cert", "give one of --collateral and --pccs", NULL);
    else if (a.vo.pccs_cache && !a.vo.pccs_url) rc = usage_error("cert", "--pccs-cache needs --pccs", NULL);
    if (rc != CLI_OK) {
        ccs_buf_free(&a.nonce);
        return rc;
    }
    a.co.nonce = ccs_buf_view(&a.nonce);
    ccs_backend *b = NULL;
    ccs_x509 *cert = NULL;
    ccs_privkey *key = NULL;
    ccs_collateral *endorse = NULL;
    ccs_status st = ccs_backend_open(&a.cfg, &b);
    if (st == CCS_OK && a.endorsements) {
        rc = ccs_cli_ratls_endorsements("cert", &a.cfg, b, &a.vo, &endorse);
        if (rc != CLI_OK) {
            ccs_backend_free(b);
            ccs_buf_free(&a.nonce);
            return rc;
        }
        a.co.endorsements = endorse;
    }
    if (st == CCS_OK) st = ccs_ratls_cert_create(b, &a.co, &cert, &key);
    if (st == CCS_OK) st = ccs_ratls_save(cert, key, a.out, a.key_out);
    if (st != CCS_OK) {
        fprintf(stderr, "ccs ratls cert: %s\n", ccs_error_detail());
        rc = st == CCS_ERR_UNSUPPORTED || st == CCS_ERR_INVALID_ARG ? CLI_USAGE : CLI_REFUSED;
    } else {
        printf("wrote %s (%s evidence) and %s\n", a.out, ccs_platform_name(ccs_backend_platform(b)), a.key_out);
        if (a.cfg.platform == CCS_PLATFORM_SIM_SGX || a.cfg.platform == CCS_PLATFORM_SIM_TDX)
            printf("INSECURE: sim evidence; verifiers accept it only when told to trust the sim root\n");
    }
    ccs_x509_free(cert);
    ccs_privkey_free(key);
    ccs_collateral_free(endorse);
    ccs_backend_free(b);
    ccs_buf_free(&a.nonce);
    return rc;
}

/* The certificate as DER, from a PEM or DER file. */
static int read_cert(const char *path, ccs_buf *der) {
    ccs_buf raw = {0};
    ccs_x509 *c = NULL;
    ccs_status st = ccs_file_read(path, CERT_MAX, &raw);
    if (st == CCS_OK && raw.len > 10 && memmem(raw.ptr, raw.len, "-----BEGIN", 10) != NULL) {
        st = ccs_x509_parse_pem(ccs_buf_view(&raw), &c);
        if (st == CCS_OK) st = ccs_buf_set(der, ccs_x509_der(c));
    } else if (st == CCS_OK) {
        st = ccs_buf_set(der, ccs_buf_view(&raw));
    }
    ccs_x509_free(c);
    ccs_buf_free(&raw);
    if (st != CCS_OK) fprintf(stderr, "ccs ratls verify: %s: %s\n", path, ccs_error_detail());
    return st == CCS_OK ? CLI_OK : CLI_USAGE;
}

static void print_json(const ccs_ratls_result *r) {
    json_t *o = json_object(), *failed = json_array();
    char *dcap = NULL;
    json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
    json_object_set_new(o, "format", json_string(ccs_ratls_format_name(r->format)));
    json_object_set_new(o, "tag", json_integer((json_int_t)r->tag));
    json_object_set_new(o, "tee", json_string(ccs_ratls_result_tee_name(r)));
    json_object_set_new(o, "insecure_sim", json_boolean(r->sim));
    json_object_set_new(o, "collateral_source",
                        r->collateral_source != NULL ? json_string(r->collateral_source) : json_null());
    for (size_t i = 0; i < r->n_failed; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(r->failed[i].name));
        json_object_set_new(f, "message", json_string(r->failed[i].message));
        json_array_append_new(failed, f);
    }
    for (size_t i = 0; i < r->dcap.n_failed; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(r->dcap.failed[i].name));
        json_object_set_new(f, "message", json_string(r->dcap.failed[i].message));
        json_array_append_new(failed, f);
    }
    const ccs_failed_check *ef = r->is_tpm ? r->tpm.failed : r->is_snp ? r->snp.failed : r->csv.failed;
    size_t en = r->is_tpm ? r->tpm.n_failed : r->is_snp ? r->snp.n_failed : r->is_csv ? r->csv.n_failed : 0;
    for (size_t i = 0; i < en; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(ef[i].name));
        json_object_set_new(f, "message", json_string(ef[i].message));
        json_array_append_new(failed, f);
    }
    json_object_set_new(o, "failed_checks", failed);
    /* The evidence verifier's JSON (an SNP/CSV result only when the report
     * parsed: report_version is 0 otherwise). */
    bool have = r->is_tpm   ? ccs_tpm_result_json(&r->tpm, &dcap) == CCS_OK
                : r->is_snp ? r->snp.report_version != 0 && ccs_snp_result_json(&r->snp, &dcap) == CCS_OK
                : r->is_csv ? r->csv.report_version != 0 && ccs_csv_result_json(&r->csv, &dcap) == CCS_OK
                            : r->tee != CCS_TEE_UNKNOWN && ccs_dcap_result_json(&r->dcap, &dcap) == CCS_OK;
    if (have) {
        json_t *d = json_loads(dcap, 0, NULL);
        if (d != NULL) json_object_set_new(o, "evidence", d);
    }
    free(dcap);
    char *s = json_dumps(o, JSON_INDENT(2));
    if (s != NULL) puts(s);
    free(s);
    json_decref(o);
}

static int cmd_verify(int argc, char **argv) {
    ratls_args a = {0};
    int rc = parse("verify", verify_usage,
                   " trust-sim collateral ak nonce allow-debug ignore-validity json policy refval pccs pccs-cache"
                   " insecure-skip-tls-verify kds kds-cache at ",
                   argc, argv, &a);
    if (rc != CLI_OK) {
        ccs_buf_free(&a.nonce);
        return rc < 0 ? CLI_OK : rc;
    }
    if (optind != argc - 1) {
        ccs_buf_free(&a.nonce);
        return usage_error("verify", optind >= argc ? "a certificate file is required" : "one certificate only",
                           optind >= argc ? NULL : argv[optind + 1]);
    }
    if (a.vo.pccs_cache != NULL && a.vo.pccs_url == NULL) {
        ccs_buf_free(&a.nonce);
        return usage_error("verify", "--pccs-cache needs --pccs", NULL);
    }
    if (a.vo.snp_kds_cache != NULL && a.vo.snp_kds_url == NULL) {
        ccs_buf_free(&a.nonce);
        return usage_error("verify", "--kds-cache needs --kds", NULL);
    }
    ccs_pccs *probe = NULL; /* a bad URL is a usage error, not a refusal */
    if (a.vo.pccs_url != NULL && ccs_pccs_new(a.vo.pccs_url, NULL, &probe) != CCS_OK) {
        ccs_buf_free(&a.nonce);
        return usage_error("verify", ccs_error_detail(), a.vo.pccs_url);
    }
    ccs_pccs_free(probe);
    ccs_buf der = {0};
    ccs_ratls_policy *pol = NULL;
    ccs_ratls_verifier *ver = NULL;
    rc = ccs_cli_ratls_policy(a.policy, a.refvals, a.n_refvals, &pol);
    if (rc == CLI_OK) rc = read_cert(argv[optind], &der);
    if (rc == CLI_OK) {
        ccs_ratls_result *r = calloc(1, sizeof *r);
        if (r == NULL) {
            fprintf(stderr, "ccs ratls verify: out of memory\n");
            rc = CLI_USAGE;
        } else {
            a.vo.expected_nonce = ccs_buf_view(&a.nonce);
            ccs_status st;
            if (pol == NULL) {
                st = ccs_ratls_verify_cert(ccs_buf_view(&der), &a.vo, r);
            } else {
                st = ccs_ratls_verifier_new(&a.vo, pol, &ver);
                if (st == CCS_OK) st = ccs_ratls_verifier_check(ver, ccs_buf_view(&der), r);
            }
            if (st != CCS_OK && st != CCS_ERR_VERIFY) {
                fprintf(stderr, "ccs ratls verify: %s\n", ccs_error_detail());
                rc = CLI_USAGE;
            } else {
                rc = r->pass ? CLI_OK : CLI_REFUSED;
                if (a.json) {
                    print_json(r);
                } else {
                    char why[1024];
                    ccs_ratls_result_reasons(r, why, sizeof why);
                    printf("%s: %s (%s, %s)\n", r->pass ? "accepted" : "refused", argv[optind],
                           ccs_ratls_format_name(r->format), ccs_ratls_result_tee_name(r));
                    if (!r->pass) printf("reasons: %s\n", why);
                }
                if (r->sim) fprintf(stderr, "INSECURE: verified against the sim root (--trust-sim)\n");
            }
            free(r);
        }
    }
    ccs_ratls_verifier_free(ver);
    ccs_ratls_policy_free(pol);
    ccs_buf_free(&der);
    ccs_buf_free(&a.nonce);
    return rc;
}

int ccs_cli_ratls_policy(const char *path, const char *const *refvals, size_t n, ccs_ratls_policy **out) {
    *out = NULL;
    if (path == NULL) {
        if (n == 0) return CLI_OK;
        fprintf(stderr, "ccs ratls: --refval needs --policy\n");
        return CLI_USAGE;
    }
    if (ccs_ratls_policy_load(path, out) != CCS_OK) {
        fprintf(stderr, "ccs ratls: policy %s: %s\n", path, ccs_error_detail());
        return CLI_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        char name[80];
        const char *eq = strchr(refvals[i], '=');
        size_t nl = eq != NULL ? (size_t)(eq - refvals[i]) : 0;
        if (eq == NULL || nl == 0 || nl >= sizeof name) {
            fprintf(stderr, "ccs ratls: --refval must be NAME=HEX: %s\n", refvals[i]);
            ccs_ratls_policy_free(*out);
            *out = NULL;
            return CLI_USAGE;
        }
        memcpy(name, refvals[i], nl);
        name[nl] = '\0';
        if (ccs_ratls_policy_add_refval(*out, name, eq + 1) != CCS_OK) {
            fprintf(stderr, "ccs ratls: --refval %s: %s\n", refvals[i], ccs_error_detail());
            ccs_ratls_policy_free(*out);
            *out = NULL;
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int ccs_cli_ratls(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(ratls_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "cert") == 0) return cmd_cert(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0) return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "provision-server") == 0) return ccs_cli_ratls_provision_server(argc - 1, argv + 1);
    if (strcmp(argv[1], "provision-client") == 0) return ccs_cli_ratls_provision_client(argc - 1, argv + 1);
    fprintf(stderr, "ccs ratls: unknown verb \"%s\"\n\n%s", argv[1], ratls_usage);
    return CLI_USAGE;
}
