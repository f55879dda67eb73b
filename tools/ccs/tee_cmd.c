/* `ccs tee`: produce evidence, seal and unseal, report measurements, detect
 * the platform, and manage the sim platform. Every verb goes through the
 * generic backend interface (ccs_backend_open / _evidence / _seal_key), so
 * a backend added to src/tee works here by its --platform name. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccs/tee.h"
#include "cli.h"
#include "cli_tpm.h"

#define MAX_INPUT (64u << 20)

static const char tee_usage[] =
    "usage: ccs tee <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  detect         print the TEE platform of this machine (\"none\": exit 1)\n"
    "  quote          produce evidence over report data (DCAP quote, SNP/CSV report, TPM quote)\n"
    "  measurements   print the platform's current measurements (JSON)\n"
    "  seal           seal a file to the platform's measurement or signer\n"
    "  unseal         unseal a file sealed by `ccs tee seal`\n"
    "  sim            create or refresh the sim platform (INSECURE, for development)\n"
    "  tpm            TPM 2.0 AK enrollment: ek-cert, ak-public, activate\n"
    "\n"
    "Platforms: sim-sgx, sim-tdx (work everywhere), sgx, tdx, snp, csv, tpm.\n"
    "Run `ccs tee <verb> --help` for its options.\n";

static const char common_opts[] =
    "  --platform P            sim-sgx|sim-tdx|sgx|tdx|snp|csv|tpm (default: detect the hardware)\n"
    "  --sim-dir DIR           sim state (default: $CCS_SIM_DIR, else ~/.local/share/ccs/sim)\n"
    "  --measurement-from FILE sim: MRENCLAVE = SHA-256(FILE), MRTD = SHA-384(FILE)\n"
    "  --signer-from FILE      sim: MRSIGNER = SHA-256(FILE) (TDX: MROWNER = SHA-384(FILE))\n"
    "  --tcti CONF             tpm: TCTI configuration, e.g. swtpm:host=127.0.0.1,port=2321\n";

static const char quote_usage[] =
    "usage: ccs tee quote [--platform P] [--sim-dir DIR] [--tcti CONF]\n"
    "                     --report-data HEX [--measurement-from FILE] [--signer-from FILE]\n"
    "                     [--config-id-from FILE] -o FILE\n"
    "\n"
    "Writes evidence over REPORT-DATA (1 to 64 bytes, zero-padded to 64) to FILE, in the\n"
    "format `ccs attest verify` reads. Sim evidence is signed by the sim PKI: verifiers\n"
    "refuse it unless told to trust the sim root (INSECURE: --trust-sim DIR).\n"
    "\n"
    "  --report-data HEX       the data to bind (e.g. a hash of a nonce and a public key)\n"
    "  --config-id-from FILE   sim: launch with MRCONFIGID (sim-tdx) / CONFIGID (sim-sgx,\n"
    "                          zero-padded) = SHA-384(FILE): the init-data digest a KBS checks\n"
    "  -o, --output FILE       where to write the evidence\n";

static const char seal_usage[] =
    "usage: ccs tee seal [--platform P] [--sim-dir DIR] --policy measurement|signer\n"
    "                    [--label S] [--measurement-from FILE] [--signer-from FILE] -i IN -o OUT\n"
    "       ccs tee unseal [--platform P] [--sim-dir DIR] [--label S]\n"
    "                    [--measurement-from FILE] [--signer-from FILE] -i IN -o OUT\n"
    "\n"
    "Seals IN with AES-256-GCM under a key bound to the measurement (MRENCLAVE-like)\n"
    "or the signer (MRSIGNER-like) of the platform; unseal refuses (exit 1) under any\n"
    "other measurement or signer, label, platform, or if the blob was changed.\n"
    "\n"
    "  --policy P              measurement or signer (seal only; unseal reads it from the blob)\n"
    "  --label S               binds the blob to S (authenticated); unseal needs the same S\n"
    "  -i, --input FILE        the input\n"
    "  -o, --output FILE       the output (unsealed data is written with mode 0600)\n";

static const char meas_usage[] =
    "usage: ccs tee measurements [--platform P] [--sim-dir DIR] [--tcti CONF]\n"
    "                            [--measurement-from FILE] [--signer-from FILE]\n"
    "\n"
    "Prints the platform's current measurements as one JSON object.\n";

static const char sim_usage[] =
    "usage: ccs tee sim init [--sim-dir DIR] [--force]\n"
    "       ccs tee sim refresh [--sim-dir DIR]\n"
    "\n"
    "init creates a sim platform in DIR (default: $CCS_SIM_DIR, else ~/.local/share/ccs/sim):\n"
    "a root CA, a PCK Platform CA, a TCB Signing certificate, PCK certificates and\n"
    "attestation keys for sim-sgx and sim-tdx, signed TCB Info and QE Identity, CRLs\n"
    "and sealing secrets. The collateral is valid for a year; refresh re-signs it.\n"
    "INSECURE: every key is a plain file; its evidence proves nothing about hardware.\n"
    "\n"
    "  --force                 replace an existing sim platform (new keys)\n";

typedef struct tee_args {
    ccs_tee_config cfg;
    const char *report_data, *out, *in, *policy, *label, *measurement_from, *signer_from, *config_id_from;
    bool force;
    uint8_t config_id[CCS_SHA384_LEN];
    ccs_buf measurement, signer;
} tee_args;

static int usage_error(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs tee %s: %s%s%s\n", verb, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs tee %s --help` for usage.\n", verb);
    return CLI_USAGE;
}

enum { O_PLATFORM = 256, O_SIM_DIR, O_TCTI, O_RD, O_MEAS, O_SIGNER, O_POLICY, O_LABEL, O_FORCE, O_CONFIG_ID, O_HELP };

/* Parses the options of any verb; `allowed` lists the long options the
 * verb takes (others are usage errors). Returns CLI_OK, CLI_USAGE or -1
 * (help printed). */
static int parse(const char *verb, const char *help, const char *allowed, int argc, char **argv, tee_args *a) {
    static const struct option opts[] = {
        {"platform", required_argument, 0, O_PLATFORM}, {"sim-dir", required_argument, 0, O_SIM_DIR},
        {"tcti", required_argument, 0, O_TCTI},         {"report-data", required_argument, 0, O_RD},
        {"measurement-from", required_argument, 0, O_MEAS}, {"signer-from", required_argument, 0, O_SIGNER},
        {"policy", required_argument, 0, O_POLICY},     {"label", required_argument, 0, O_LABEL},
        {"force", no_argument, 0, O_FORCE},             {"output", required_argument, 0, 'o'},
        {"input", required_argument, 0, 'i'},           {"help", no_argument, 0, O_HELP},
        {"config-id-from", required_argument, 0, O_CONFIG_ID},
        {0, 0, 0, 0},
    };
    int c, idx = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:i:", opts, &idx)) != -1) {
        const char *name = idx >= 0 ? opts[idx].name : c == 'o' ? "output" : c == 'i' ? "input" : NULL;
        idx = -1;
        if (c == 'h' || c == O_HELP) {
            fputs(help, stdout);
            if (help != sim_usage && strstr(help, "tee detect") == NULL) fputs(common_opts, stdout);
            return -1;
        }
        if (c == '?' || c == ':' || name == NULL) return usage_error(verb, "unknown or incomplete option", argv[optind - 1]);
        char key[40];
        snprintf(key, sizeof key, " %s ", name);
        if (strstr(allowed, key) == NULL) return usage_error(verb, "option not taken by this verb", argv[optind - 1]);
        switch (c) {
        case O_PLATFORM:
            if (ccs_platform_parse(optarg, &a->cfg.platform) != CCS_OK)
                return usage_error(verb, "unknown --platform (sim-sgx, sim-tdx, sgx, tdx, snp, csv, tpm)", optarg);
            break;
        case O_SIM_DIR: a->cfg.sim_dir = optarg; break;
        case O_TCTI: a->cfg.tpm_tcti = optarg; break;
        case O_RD: a->report_data = optarg; break;
        case O_MEAS: a->measurement_from = optarg; break;
        case O_SIGNER: a->signer_from = optarg; break;
        case O_POLICY: a->policy = optarg; break;
        case O_LABEL: a->label = optarg; break;
        case O_FORCE: a->force = true; break;
        case O_CONFIG_ID: a->config_id_from = optarg; break;
        case 'o': a->out = optarg; break;
        case 'i': a->in = optarg; break;
        default: return usage_error(verb, "unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error(verb, "unexpected argument", argv[optind]);
    if (a->measurement_from) {
        if (ccs_file_read(a->measurement_from, MAX_INPUT, &a->measurement) != CCS_OK)
            return usage_error(verb, "cannot read --measurement-from", ccs_error_detail());
        a->cfg.sim_measurement = ccs_buf_view(&a->measurement);
    }
    if (a->signer_from) {
        if (ccs_file_read(a->signer_from, MAX_INPUT, &a->signer) != CCS_OK)
            return usage_error(verb, "cannot read --signer-from", ccs_error_detail());
        a->cfg.sim_signer = ccs_buf_view(&a->signer);
    }
    if (a->config_id_from) {
        /* The init-data digest, as the KBS computes it (docs/kbs.md "Init-data"). */
        ccs_buf doc = {0};
        if (ccs_file_read(a->config_id_from, MAX_INPUT, &doc) != CCS_OK)
            return usage_error(verb, "cannot read --config-id-from", ccs_error_detail());
        ccs_sha384(ccs_buf_view(&doc), a->config_id);
        ccs_buf_free(&doc);
        a->cfg.sim_config_id = ccs_bytes_of(a->config_id, sizeof a->config_id);
    }
    return CLI_OK;
}

static bool is_sim(ccs_platform p) { return p == CCS_PLATFORM_SIM_SGX || p == CCS_PLATFORM_SIM_TDX; }

/* Opens the backend; a platform not present here is a refusal (1), a sim
 * directory that cannot be read is unreadable input (2). */
static int open_backend(const char *verb, tee_args *a, ccs_backend **b) {
    ccs_status st = ccs_backend_open(&a->cfg, b);
    if (st == CCS_OK) return CLI_OK;
    fprintf(stderr, "ccs tee %s: %s\n", verb, ccs_error_detail());
    return st == CCS_ERR_UNSUPPORTED ? CLI_REFUSED : CLI_USAGE;
}

/* Writes data to path: a new 0600 file renamed into place (sealed and
 * unsealed secrets). */
static int write_private(const char *verb, const char *path, ccs_bytes data) {
    ccs_status st = ccs_file_write_private(path, data);
    if (st != CCS_OK) fprintf(stderr, "ccs tee %s: %s\n", verb, ccs_error_detail());
    return st == CCS_OK ? CLI_OK : CLI_USAGE;
}

static int cmd_quote(tee_args *a) {
    ccs_buf rd = {0}, ev = {0};
    ccs_backend *b = NULL;
    if (!a->report_data) return usage_error("quote", "--report-data is required", NULL);
    if (!a->out) return usage_error("quote", "-o FILE is required", NULL);
    if (ccs_hex_decode(a->report_data, strlen(a->report_data), &rd) != CCS_OK || rd.len == 0 || rd.len > 64) {
        ccs_buf_free(&rd);
        return usage_error("quote", "--report-data must be 1 to 64 bytes of hex", a->report_data);
    }
    int rc = open_backend("quote", a, &b);
    if (rc == CLI_OK && ccs_backend_evidence(b, ccs_buf_view(&rd), &ev) != CCS_OK) {
        fprintf(stderr, "ccs tee quote: %s\n", ccs_error_detail());
        rc = CLI_REFUSED;
    }
    if (rc == CLI_OK && ccs_file_write(a->out, ccs_buf_view(&ev)) != CCS_OK) {
        fprintf(stderr, "ccs tee quote: %s\n", ccs_error_detail());
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK) {
        ccs_platform p = ccs_backend_platform(b);
        printf("wrote %zu bytes of %s evidence to %s\n", ev.len, ccs_platform_name(p), a->out);
        if (is_sim(p))
            printf("INSECURE: sim evidence; `ccs attest verify` accepts it only with --trust-sim DIR\n");
    }
    ccs_backend_free(b);
    ccs_buf_free(&rd);
    ccs_buf_free(&ev);
    return rc;
}

static int cmd_seal(tee_args *a, bool seal) {
    const char *verb = seal ? "seal" : "unseal";
    ccs_seal_policy pol = CCS_SEAL_MEASUREMENT;
    ccs_buf in = {0}, out = {0};
    ccs_backend *b = NULL;
    if (!a->in || !a->out) return usage_error(verb, "-i IN and -o OUT are required", NULL);
    if (seal) {
        if (!a->policy) return usage_error(verb, "--policy is required", NULL);
        if (strcmp(a->policy, "measurement") == 0) pol = CCS_SEAL_MEASUREMENT;
        else if (strcmp(a->policy, "signer") == 0) pol = CCS_SEAL_SIGNER;
        else return usage_error(verb, "--policy must be measurement or signer", a->policy);
    } else if (a->policy) {
        return usage_error(verb, "--policy is read from the sealed blob", NULL);
    }
    if (ccs_file_read(a->in, MAX_INPUT, &in) != CCS_OK) {
        fprintf(stderr, "ccs tee %s: %s\n", verb, ccs_error_detail());
        return CLI_USAGE;
    }
    int rc = open_backend(verb, a, &b);
    ccs_bytes aad = a->label ? ccs_bytes_str(a->label) : ccs_bytes_of(NULL, 0);
    if (rc == CLI_OK) {
        ccs_status st = seal ? ccs_seal(b, pol, ccs_buf_view(&in), aad, &out)
                             : ccs_unseal(b, ccs_buf_view(&in), aad, &out);
        if (st != CCS_OK) {
            fprintf(stderr, "ccs tee %s: %s\n", verb, ccs_error_detail());
            /* Wrong key or changed blob: refused; a malformed blob: bad input. */
            rc = st == CCS_ERR_SIGNATURE || st == CCS_ERR_UNSUPPORTED ? CLI_REFUSED : CLI_USAGE;
        }
    }
    if (rc == CLI_OK) rc = write_private(verb, a->out, ccs_buf_view(&out));
    if (rc == CLI_OK)
        printf("%s %zu bytes (%s) into %zu bytes in %s\n", seal ? "sealed" : "unsealed", in.len,
               ccs_platform_name(ccs_backend_platform(b)), out.len, a->out);
    ccs_backend_free(b);
    ccs_buf_free(&in);
    ccs_buf_free(&out);
    return rc;
}

static int cmd_measurements(tee_args *a) {
    ccs_backend *b = NULL;
    char *js = NULL;
    int rc = open_backend("measurements", a, &b);
    if (rc == CLI_OK && ccs_backend_measurements(b, &js) != CCS_OK) {
        fprintf(stderr, "ccs tee measurements: %s\n", ccs_error_detail());
        rc = CLI_REFUSED;
    }
    if (rc == CLI_OK) puts(js);
    free(js);
    ccs_backend_free(b);
    return rc;
}

static int cmd_detect(tee_args *a) {
    ccs_backend *b = NULL;
    a->cfg.platform = CCS_PLATFORM_NONE;
    if (ccs_backend_open(&a->cfg, &b) != CCS_OK) {
        puts("none");
        return CLI_REFUSED;
    }
    puts(ccs_platform_name(ccs_backend_platform(b)));
    ccs_backend_free(b);
    return CLI_OK;
}

static int cmd_sim(int argc, char **argv) {
    tee_args a;
    memset(&a, 0, sizeof a);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(sim_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    bool init = strcmp(argv[1], "init") == 0;
    if (!init && strcmp(argv[1], "refresh") != 0) return usage_error("sim", "unknown verb (init, refresh)", argv[1]);
    int rc = parse(init ? "sim init" : "sim refresh", sim_usage, init ? " sim-dir force help " : " sim-dir help ",
                   argc - 1, argv + 1, &a);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
    char dir[4096];
    ccs_status st = ccs_sim_dir(a.cfg.sim_dir, dir, sizeof dir);
    if (st == CCS_OK) st = init ? ccs_sim_init(dir, ccs_time_now(), a.force) : ccs_sim_refresh(dir, ccs_time_now());
    if (st != CCS_OK) {
        fprintf(stderr, "ccs tee sim %s: %s\n", argv[1], ccs_error_detail());
        return CLI_USAGE;
    }
    printf("%s the sim platform in %s (collateral valid for a year)\n", init ? "created" : "refreshed", dir);
    printf("INSECURE: for development only; verify its evidence with "
           "`ccs attest verify --trust-sim %s ...`\n", dir);
    return CLI_OK;
}

int ccs_cli_tee(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(tee_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "sim") == 0) return cmd_sim(argc - 1, argv + 1);
    if (strcmp(verb, "tpm") == 0) return ccs_cli_tee_tpm(argc - 1, argv + 1);
    static const char common[] = " platform sim-dir tcti measurement-from signer-from help ";
    char allowed[256];
    const char *help = NULL, *extra = NULL;
    if (strcmp(verb, "quote") == 0) help = quote_usage, extra = "report-data output config-id-from ";
    else if (strcmp(verb, "seal") == 0) help = seal_usage, extra = "policy label input output ";
    else if (strcmp(verb, "unseal") == 0) help = seal_usage, extra = "policy label input output ";
    else if (strcmp(verb, "measurements") == 0) help = meas_usage, extra = "";
    else if (strcmp(verb, "detect") == 0) help = "usage: ccs tee detect\n\nPrints the TEE platform found on this machine, or \"none\" (exit 1).\n", extra = "";
    else return usage_error("", "unknown verb", verb);
    snprintf(allowed, sizeof allowed, "%s%s", common, extra);
    tee_args a;
    memset(&a, 0, sizeof a);
    int rc = parse(verb, help, allowed, argc - 1, argv + 1, &a);
    if (rc == CLI_OK) {
        if (strcmp(verb, "quote") == 0) rc = cmd_quote(&a);
        else if (strcmp(verb, "seal") == 0) rc = cmd_seal(&a, true);
        else if (strcmp(verb, "unseal") == 0) rc = cmd_seal(&a, false);
        else if (strcmp(verb, "measurements") == 0) rc = cmd_measurements(&a);
        else rc = cmd_detect(&a);
    } else if (rc < 0) {
        rc = CLI_OK;
    }
    ccs_buf_free(&a.measurement);
    ccs_buf_free(&a.signer);
    return rc;
}
