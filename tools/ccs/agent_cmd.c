/* `ccs agent`: the in-TEE side of the KBS protocol. get-resource runs the
 * whole RCAR flow with the local TEE backend and writes the secret; token
 * and evidence are the attestation-agent calls; serve is the loopback REST
 * endpoint (CoCo api-server-rest shapes). docs/agent.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccs/agent.h"
#include "cli.h"

#define MAX_INPUT (64u << 20)

static const char agent_usage[] =
    "usage: ccs agent <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  get-resource   attest to a KBS and fetch a secret: kbs:///<repo>/<type>/<tag>\n"
    "  token          attest and print the KBS token with its TEE key pair (JSON)\n"
    "  evidence       print evidence over runtime data (the KBS primary_evidence JSON)\n"
    "  serve          the local REST endpoint for workloads (loopback only)\n"
    "\n"
    "Run `ccs agent <verb> --help` for its options.\n";

static const char common_opts[] =
    "  --tee P                 auto|sim-sgx|sim-tdx|sgx|tdx|snp|csv|tpm (default auto: detect the hardware)\n"
    "  --sim-dir DIR           sim state (default: $CCS_SIM_DIR, else ~/.local/share/ccs/sim)\n"
    "  --measurement-from FILE sim: MRENCLAVE = SHA-256(FILE), MRTD = SHA-384(FILE)\n"
    "  --signer-from FILE      sim: MRSIGNER = SHA-256(FILE) (TDX: MROWNER = SHA-384(FILE))\n"
    "  --tcti CONF             tpm: TCTI configuration, e.g. swtpm:host=127.0.0.1,port=2321\n";

static const char kbs_opts[] =
    "  --kbs URL               the KBS, http[s]://host:port\n"
    "  --cacert FILE           PEM CA certificates for an https KBS (default: the system store)\n"
    "  --insecure-skip-tls-verify  INSECURE: do not check the KBS certificate\n"
    "  --timeout SECONDS       for each request (default 60)\n"
    "  --init-data FILE        send FILE as init-data (at most 64 KiB); the KBS checks that its\n"
    "                          digest is the TEE's MRCONFIGID/CONFIGID/HOST_DATA. Sim: launch\n"
    "                          with config id = SHA-384(FILE)\n"
    "  --init-data-format F    json or toml (default toml)\n"
    "  --config-id-from FILE   sim: launch with config id = SHA-384(FILE) instead (tests)\n";

static const char get_usage[] =
    "usage: ccs agent get-resource kbs:///<repo>/<type>/<tag> --kbs URL [--tee P] [-o FILE] [options]\n"
    "\n"
    "Attests to the KBS with fresh evidence from the local TEE (RCAR, protocol 0.4.0) and\n"
    "writes the resource to FILE (mode 0600) or to standard output. The secret is never\n"
    "logged. Exit 1 when the KBS refuses (its reason is printed), 2 for bad usage.\n"
    "\n"
    "  -o, --output FILE       where to write the secret (default: standard output)\n";

static const char token_usage[] =
    "usage: ccs agent token --kbs URL [--tee P] [-o FILE] [options]\n"
    "\n"
    "Attests and prints {\"token\":\"<EAR JWT>\",\"tee_keypair\":<private JWK>}: the token and\n"
    "the key pair it binds (secret: write it to a file with -o, mode 0600).\n"
    "\n"
    "  -o, --output FILE       where to write the JSON (default: standard output)\n";

static const char evidence_usage[] =
    "usage: ccs agent evidence (--runtime-data STRING | --report-data HEX) [--tee P] [-o FILE] [options]\n"
    "\n"
    "Prints evidence over the data (at most 64 bytes, zero-padded) as the KBS primary_evidence\n"
    "JSON: {\"quote\":b64} (sgx, tdx, sim-*), {\"report\":b64} (snp, csv), the TPM JSON (tpm).\n"
    "\n"
    "  --runtime-data STRING   the bytes of STRING\n"
    "  --report-data HEX       raw bytes in hex\n"
    "  -o, --output FILE       where to write the JSON (default: standard output)\n";

static const char serve_usage[] =
    "usage: ccs agent serve [--listen 127.0.0.1:8006] [--kbs URL] [--tee P] [options]\n"
    "\n"
    "Serves workloads on a loopback address (non-loopback addresses are refused):\n"
    "  GET /cdh/resource/<repo>/<type>/<tag>            the secret's raw bytes\n"
    "  GET /aa/evidence?runtime_data=..[&encoding=base64]  evidence JSON\n"
    "  GET /aa/token?token_type=kbs                     {\"token\",\"tee_keypair\"}\n"
    "  GET /info                                        version, tee, KBS\n"
    "Prints \"listening on HOST:PORT\" once bound; stops on SIGINT or SIGTERM.\n"
    "\n"
    "  --listen HOST:PORT      loopback address (default 127.0.0.1:8006; port 0: any free port)\n";

typedef struct agent_args {
    ccs_agent_config cfg;
    const char *out, *runtime_data, *report_data, *listen, *measurement_from, *signer_from, *uri, *init_data_from, *config_id_from;
    ccs_buf measurement, signer, init_data;
    uint8_t config_id[48];
} agent_args;

static int usage_error(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs agent %s: %s%s%s\n", verb, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs agent %s --help` for usage.\n", verb);
    return CLI_USAGE;
}

enum { O_TEE = 256, O_SIM_DIR, O_MEAS, O_SIGNER, O_TCTI, O_KBS, O_CACERT, O_INSECURE, O_TIMEOUT, O_RUNTIME, O_REPORT,
       O_LISTEN, O_INIT_DATA, O_INIT_FORMAT, O_CONFIG_ID, O_HELP };

static int parse(const char *verb, const char *help, const char *allowed, int argc, char **argv, agent_args *a) {
    static const struct option opts[] = {
        {"tee", required_argument, 0, O_TEE},           {"sim-dir", required_argument, 0, O_SIM_DIR},
        {"measurement-from", required_argument, 0, O_MEAS}, {"signer-from", required_argument, 0, O_SIGNER},
        {"tcti", required_argument, 0, O_TCTI},         {"kbs", required_argument, 0, O_KBS},
        {"cacert", required_argument, 0, O_CACERT},     {"insecure-skip-tls-verify", no_argument, 0, O_INSECURE},
        {"timeout", required_argument, 0, O_TIMEOUT},   {"runtime-data", required_argument, 0, O_RUNTIME},
        {"report-data", required_argument, 0, O_REPORT}, {"listen", required_argument, 0, O_LISTEN},
        {"output", required_argument, 0, 'o'},          {"help", no_argument, 0, O_HELP},
        {"init-data", required_argument, 0, O_INIT_DATA}, {"init-data-format", required_argument, 0, O_INIT_FORMAT},
        {"config-id-from", required_argument, 0, O_CONFIG_ID},
        {0, 0, 0, 0},
    };
    int c, idx = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-ho:", opts, &idx)) != -1) {
        const char *name = idx >= 0 ? opts[idx].name : c == 'o' ? "output" : NULL;
        idx = -1;
        if (c == 'h' || c == O_HELP) {
            fputs(help, stdout);
            fputs(common_opts, stdout);
            if (strstr(allowed, " kbs ")) fputs(kbs_opts, stdout);
            return -1;
        }
        if (c == 1) { /* a positional argument, in order (the "-" optstring) */
            if (strstr(allowed, " uri ") == NULL || a->uri != NULL)
                return usage_error(verb, "unexpected argument", optarg);
            a->uri = optarg;
            continue;
        }
        if (c == '?' || c == ':' || name == NULL) return usage_error(verb, "unknown or incomplete option", argv[optind - 1]);
        char key[40];
        snprintf(key, sizeof key, " %s ", name);
        if (strstr(allowed, key) == NULL) return usage_error(verb, "option not taken by this verb", argv[optind - 1]);
        switch (c) {
        case O_TEE:
            if (strcmp(optarg, "auto") == 0) a->cfg.tee.platform = CCS_PLATFORM_NONE;
            else if (ccs_platform_parse(optarg, &a->cfg.tee.platform) != CCS_OK)
                return usage_error(verb, "unknown --tee (auto, sim-sgx, sim-tdx, sgx, tdx, snp, csv, tpm)", optarg);
            break;
        case O_SIM_DIR: a->cfg.tee.sim_dir = optarg; break;
        case O_MEAS: a->measurement_from = optarg; break;
        case O_SIGNER: a->signer_from = optarg; break;
        case O_TCTI: a->cfg.tee.tpm_tcti = optarg; break;
        case O_KBS: a->cfg.kbs_url = optarg; break;
        case O_CACERT: a->cfg.cacert = optarg; break;
        case O_INSECURE: a->cfg.insecure_skip_tls_verify = true; break;
        case O_TIMEOUT: {
            char *end = NULL;
            long s = strtol(optarg, &end, 10);
            if (*optarg == 0 || *end != 0 || s <= 0 || s > 3600)
                return usage_error(verb, "--timeout must be 1 to 3600 seconds", optarg);
            a->cfg.timeout_ms = s * 1000;
            break;
        }
        case O_RUNTIME: a->runtime_data = optarg; break;
        case O_REPORT: a->report_data = optarg; break;
        case O_LISTEN: a->listen = optarg; break;
        case O_INIT_DATA: a->init_data_from = optarg; break;
        case O_CONFIG_ID: a->config_id_from = optarg; break;
        case O_INIT_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "toml") != 0)
                return usage_error(verb, "--init-data-format must be json or toml", optarg);
            a->cfg.init_data_format = optarg;
            break;
        case 'o': a->out = optarg; break;
        default: return usage_error(verb, "unknown option", argv[optind - 1]);
        }
    }
    if (a->measurement_from) {
        if (ccs_file_read(a->measurement_from, MAX_INPUT, &a->measurement) != CCS_OK)
            return usage_error(verb, "cannot read --measurement-from", ccs_error_detail());
        a->cfg.tee.sim_measurement = ccs_buf_view(&a->measurement);
    }
    if (a->signer_from) {
        if (ccs_file_read(a->signer_from, MAX_INPUT, &a->signer) != CCS_OK)
            return usage_error(verb, "cannot read --signer-from", ccs_error_detail());
        a->cfg.tee.sim_signer = ccs_buf_view(&a->signer);
    }
    if (a->init_data_from) {
        if (ccs_file_read(a->init_data_from, CCS_AGENT_INIT_DATA_MAX, &a->init_data) != CCS_OK)
            return usage_error(verb, "cannot read --init-data (at most 64 KiB)", ccs_error_detail());
        if (a->init_data.len == 0) return usage_error(verb, "--init-data is empty", a->init_data_from);
        a->cfg.init_data = ccs_buf_view(&a->init_data);
    }
    if (a->config_id_from) {
        ccs_buf doc = {0};
        if (ccs_file_read(a->config_id_from, MAX_INPUT, &doc) != CCS_OK)
            return usage_error(verb, "cannot read --config-id-from", ccs_error_detail());
        ccs_sha384(ccs_buf_view(&doc), a->config_id);
        ccs_buf_free(&doc);
        a->cfg.tee.sim_config_id = ccs_bytes_of(a->config_id, sizeof a->config_id);
    }
    return CLI_OK;
}

/* A refusal or failure after the arguments were accepted: 1; a bad argument
 * the library found (URL, CA file): 2. */
static int fail(const char *verb, ccs_status st) {
    fprintf(stderr, "ccs agent %s: %s\n", verb, ccs_error_detail());
    return st == CCS_ERR_INVALID_ARG ? CLI_USAGE : CLI_REFUSED;
}

static int open_agent(const char *verb, agent_args *a, ccs_agent **ag) {
    ccs_status st = ccs_agent_new(&a->cfg, ag);
    if (st == CCS_OK) return CLI_OK;
    fprintf(stderr, "ccs agent %s: %s\n", verb, ccs_error_detail());
    return st == CCS_ERR_UNSUPPORTED ? CLI_REFUSED : CLI_USAGE;
}

/* Writes data to path (a new 0600 file renamed into place: secrets) or to
 * standard output. */
static int write_out(const char *verb, const char *path, ccs_bytes data, bool newline) {
    if (path != NULL) {
        ccs_buf b = {0};
        ccs_status st = ccs_buf_append(&b, data.ptr, data.len);
        if (st == CCS_OK && newline) st = ccs_buf_append(&b, "\n", 1);
        if (st == CCS_OK) st = ccs_file_write_private(path, ccs_buf_view(&b));
        ccs_buf_free(&b); /* wipes */
        if (st != CCS_OK) fprintf(stderr, "ccs agent %s: %s\n", verb, ccs_error_detail());
        return st == CCS_OK ? CLI_OK : CLI_USAGE;
    }
    bool ok = true;
    for (size_t off = 0; ok && off < data.len;) {
        ssize_t w = write(STDOUT_FILENO, data.ptr + off, data.len - off);
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) off += (size_t)w;
    }
    if (ok && newline) ok = write(STDOUT_FILENO, "\n", 1) == 1;
    if (!ok) fprintf(stderr, "ccs agent %s: cannot write standard output: %s\n", verb, strerror(errno));
    return ok ? CLI_OK : CLI_USAGE;
}

static int cmd_get(agent_args *a) {
    char path[CCS_AGENT_PATH_MAX];
    if (a->uri == NULL) return usage_error("get-resource", "the resource URI is required (kbs:///<repo>/<type>/<tag>)", NULL);
    if (ccs_agent_resource_uri_parse(a->uri, path) != CCS_OK) return usage_error("get-resource", ccs_error_detail(), NULL);
    if (a->cfg.kbs_url == NULL) return usage_error("get-resource", "--kbs URL is required", NULL);
    ccs_agent *ag = NULL;
    ccs_buf secret = {0};
    int rc = open_agent("get-resource", a, &ag);
    if (rc == CLI_OK) {
        ccs_status st = ccs_agent_get_resource(ag, a->uri, &secret);
        rc = st == CCS_OK ? write_out("get-resource", a->out, ccs_buf_view(&secret), false) : fail("get-resource", st);
    }
    if (rc == CLI_OK && a->out) fprintf(stderr, "wrote %zu bytes of %s to %s\n", secret.len, path, a->out);
    ccs_buf_free(&secret);
    ccs_agent_free(ag);
    return rc;
}

static int cmd_token(agent_args *a) {
    if (a->cfg.kbs_url == NULL) return usage_error("token", "--kbs URL is required", NULL);
    ccs_agent *ag = NULL;
    ccs_buf out = {0};
    int rc = open_agent("token", a, &ag);
    if (rc == CLI_OK) {
        ccs_status st = ccs_agent_get_token(ag, &out);
        rc = st == CCS_OK ? write_out("token", a->out, ccs_buf_view(&out), true) : fail("token", st);
    }
    ccs_buf_free(&out);
    ccs_agent_free(ag);
    return rc;
}

static int cmd_evidence(agent_args *a) {
    if ((a->runtime_data == NULL) == (a->report_data == NULL))
        return usage_error("evidence", "give one of --runtime-data STRING or --report-data HEX", NULL);
    ccs_buf rd = {0}, out = {0};
    if (a->report_data &&
        (ccs_hex_decode(a->report_data, strlen(a->report_data), &rd) != CCS_OK || rd.len == 0 || rd.len > 64)) {
        ccs_buf_free(&rd);
        return usage_error("evidence", "--report-data must be 1 to 64 bytes of hex", a->report_data);
    }
    if (a->runtime_data && (ccs_buf_append_str(&rd, a->runtime_data) != CCS_OK || rd.len > 64)) {
        ccs_buf_free(&rd);
        return usage_error("evidence", "--runtime-data must be at most 64 bytes", NULL);
    }
    ccs_agent *ag = NULL;
    int rc = open_agent("evidence", a, &ag);
    if (rc == CLI_OK) {
        ccs_status st = ccs_agent_get_evidence(ag, ccs_buf_view(&rd), &out);
        rc = st == CCS_OK ? write_out("evidence", a->out, ccs_buf_view(&out), true) : fail("evidence", st);
    }
    ccs_buf_free(&rd);
    ccs_buf_free(&out);
    ccs_agent_free(ag);
    return rc;
}

static ccs_agent_server *volatile g_server;

static void on_signal(int sig) {
    (void)sig;
    ccs_agent_server_stop(g_server);
}

static int cmd_serve(agent_args *a) {
    const char *listen = a->listen ? a->listen : CCS_AGENT_DEFAULT_LISTEN;
    if (ccs_agent_listen_check(listen) != CCS_OK) return usage_error("serve", ccs_error_detail(), NULL);
    ccs_agent *ag = NULL;
    ccs_agent_server *s = NULL;
    int rc = open_agent("serve", a, &ag);
    ccs_status st = rc == CLI_OK ? ccs_agent_server_new(ag, listen, &s) : CCS_OK;
    if (rc == CLI_OK && st != CCS_OK) rc = fail("serve", st);
    if (rc == CLI_OK) {
        g_server = s;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        const char *colon = strrchr(listen, ':');
        printf("listening on %.*s:%u (tee %s%s%s)\n", (int)(colon - listen), listen, ccs_agent_server_port(s),
               ccs_agent_tee(ag), a->cfg.kbs_url ? ", kbs " : "", a->cfg.kbs_url ? a->cfg.kbs_url : "");
        fflush(stdout);
        st = ccs_agent_server_run(s);
        if (st != CCS_OK) rc = fail("serve", st);
        g_server = NULL;
    }
    ccs_agent_server_free(s);
    ccs_agent_free(ag);
    return rc;
}

int ccs_cli_agent(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(agent_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *verb = argv[1];
    static const char common[] = " tee sim-dir measurement-from signer-from tcti help ";
    static const char kbs[] = "kbs cacert insecure-skip-tls-verify timeout init-data init-data-format config-id-from ";
    const char *help = NULL, *extra = NULL;
    int (*run)(agent_args *) = NULL;
    if (strcmp(verb, "get-resource") == 0) help = get_usage, extra = "uri output ", run = cmd_get;
    else if (strcmp(verb, "token") == 0) help = token_usage, extra = "output ", run = cmd_token;
    else if (strcmp(verb, "evidence") == 0) help = evidence_usage, extra = "runtime-data report-data output ", run = cmd_evidence;
    else if (strcmp(verb, "serve") == 0) help = serve_usage, extra = "listen ", run = cmd_serve;
    else return usage_error("", "unknown verb (get-resource, token, evidence, serve)", verb);
    char allowed[256];
    snprintf(allowed, sizeof allowed, "%s%s%s", common, run == cmd_evidence ? "" : kbs, extra);
    agent_args a;
    memset(&a, 0, sizeof a);
    int rc = parse(verb, help, allowed, argc - 1, argv + 1, &a);
    if (rc == CLI_OK) rc = run(&a);
    else if (rc < 0) rc = CLI_OK;
    ccs_buf_free(&a.measurement);
    ccs_buf_free(&a.signer);
    ccs_buf_free(&a.init_data);
    return rc;
}
