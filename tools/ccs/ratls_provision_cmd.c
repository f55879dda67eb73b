/* `ccs ratls provision-server|provision-client`: secret provisioning over
 * mutual RA-TLS (docs/ratls.md "Secret provisioning"). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "ccs/ratls.h"
#include "cli.h"

int ccs_cli_ratls_policy(const char *path, const char *const *refvals, size_t n, ccs_ratls_policy **out);
int ccs_cli_ratls_provision_server(int argc, char **argv);
int ccs_cli_ratls_provision_client(int argc, char **argv);
int ccs_cli_ratls_endorsements(const char *verb, const ccs_tee_config *cfg, ccs_backend *b,
                               const ccs_ratls_verify_options *src,
                               ccs_collateral **out); /* ratls_endorse_cmd.c */

#define INPUT_MAX (64u << 20)

static const char server_usage[] =
    "usage: ccs ratls provision-server --listen HOST:PORT --secrets DIR --policy FILE [--refval NAME=HEX ...]\n"
    "                                  [--trust-sim DIR] [--collateral PATH | --pccs URL [--pccs-cache FILE]]\n"
    "                                  (--cert CERT --key KEY | --tee P [--sim-dir DIR] [--measurement-from FILE]\n"
    "                                   [--tcti CONF] [--pcrs SEL] [--endorsements])\n"
    "                                  [--allow-remote] [--once] [--port-file FILE]\n"
    "\n"
    "Serves the files of DIR over mutual RA-TLS (TLS 1.3): a client whose RA-TLS\n"
    "certificate verifies and passes the policy gets the secret it names; any other\n"
    "client gets an error record saying why. Names are [A-Za-z0-9._-].\n"
    "\n"
    "  --listen HOST:PORT    the address (loopback unless --allow-remote; PORT 0: any free port)\n"
    "  --secrets DIR         one file per secret\n"
    "  --policy FILE         the clients' attestation policy (KBS format, docs/kbs.md)\n"
    "  --refval NAME=HEX     a reference value for the policy (repeatable)\n"
    "  --trust-sim DIR       INSECURE: accept sim evidence rooted in DIR\n"
    "  --collateral PATH     DCAP collateral for real quotes; SNP: vcek.der + cert_chain.pem;\n"
    "                        CSV: hsk_cek.cert; TPM clients: a directory with ak.pem\n"
    "  --pccs URL            fetch the clients' DCAP collateral from a PCCS/PCS (API v4)\n"
    "  --pccs-cache FILE     SQLite cache for --pccs\n"
    "                        (sources: --collateral, --pccs, the --trust-sim dir, the client\n"
    "                        certificate's endorsements; docs/ratls.md \"Collateral sources\")\n"
    "  --cert/--key FILE     the server's RA-TLS certificate and key (ccs ratls cert)\n"
    "  --tee P               or make a fresh one with this backend (sim-sgx, sim-tdx, sgx, tdx,\n"
    "                        snp, csv, tpm)\n"
    "  --sim-dir DIR         sim state; --measurement-from FILE: sim measurement\n"
    "  --tcti CONF           tpm: the TCTI, e.g. swtpm:host=127.0.0.1,port=2321 (default: tss2's)\n"
    "  --pcrs SEL            tpm: the PCRs to quote (default sha256:0-7,16,23)\n"
    "  --endorsements        with --tee: embed the collateral for the server's own quote\n"
    "                        (2.23.133.5.4.2), from --collateral, --pccs or the sim dir\n"
    "  --allow-remote        allow a non-loopback --listen address\n"
    "  --once                serve one connection, then exit (0 if a secret was sent)\n"
    "  --port-file FILE      write the bound port to FILE\n";

static const char client_usage[] =
    "usage: ccs ratls provision-client --server HOST:PORT --name NAME --tee sim-sgx|sim-tdx|sgx|tdx|snp|csv|tpm\n"
    "                                  [--sim-dir DIR] [--measurement-from FILE] [--tcti CONF] [--pcrs SEL]\n"
    "                                  [--trust-sim DIR]\n"
    "                                  [--collateral PATH | --pccs URL [--pccs-cache FILE]]\n"
    "                                  [--policy FILE [--refval NAME=HEX ...]] [--endorsements] -o FILE\n"
    "\n"
    "Makes a fresh RA-TLS certificate with the local backend, connects, verifies the\n"
    "server's RA-TLS certificate (and policy, if given), asks for secret NAME and\n"
    "writes it to FILE (mode 0600). The server's DCAP collateral comes from --collateral,\n"
    "--pccs URL (--pccs-cache FILE), the --trust-sim dir or its certificate's endorsements.\n"
    "--endorsements embeds the collateral for the client's own quote in its certificate\n"
    "(2.23.133.5.4.2), from --collateral, --pccs or the --sim-dir, so that a server that\n"
    "trusts only the root needs no other source.\n"
    "--tee tpm quotes with the TPM at --tcti CONF (e.g. swtpm:host=127.0.0.1,port=2321;\n"
    "default: the tss2 default TCTI) over the PCRs of --pcrs SEL (default sha256:0-7,16,23),\n"
    "as ccs ratls cert --tee tpm does; a TPM server is verified with the ak.pem of --collateral DIR.\n"
    "Exit status: 0 received, 1 refused (by either side), 2 bad usage or a connection failure.\n";

enum { P_LISTEN = 300, P_SECRETS, P_POLICY, P_REFVAL, P_TRUST_SIM, P_COLL, P_CERT, P_KEY, P_TEE, P_SIM_DIR, P_MEAS,
       P_REMOTE, P_ONCE, P_PORT_FILE, P_SERVER, P_NAME, P_HELP, P_PCCS, P_PCCS_CACHE, P_ENDORSE, P_TCTI, P_PCRS };

static const struct option popts[] = {
    {"listen", required_argument, 0, P_LISTEN},     {"secrets", required_argument, 0, P_SECRETS},
    {"policy", required_argument, 0, P_POLICY},     {"refval", required_argument, 0, P_REFVAL},
    {"trust-sim", required_argument, 0, P_TRUST_SIM}, {"collateral", required_argument, 0, P_COLL},
    {"cert", required_argument, 0, P_CERT},         {"key", required_argument, 0, P_KEY},
    {"tee", required_argument, 0, P_TEE},           {"sim-dir", required_argument, 0, P_SIM_DIR},
    {"measurement-from", required_argument, 0, P_MEAS}, {"allow-remote", no_argument, 0, P_REMOTE},
    {"once", no_argument, 0, P_ONCE},               {"port-file", required_argument, 0, P_PORT_FILE},
    {"server", required_argument, 0, P_SERVER},     {"name", required_argument, 0, P_NAME},
    {"output", required_argument, 0, 'o'},          {"help", no_argument, 0, P_HELP},
    {"pccs", required_argument, 0, P_PCCS},         {"pccs-cache", required_argument, 0, P_PCCS_CACHE},
    {"endorsements", no_argument, 0, P_ENDORSE},    {"tcti", required_argument, 0, P_TCTI},
    {"pcrs", required_argument, 0, P_PCRS},         {0, 0, 0, 0},
};

typedef struct pargs {
    const char *listen, *secrets, *policy, *trust_sim, *coll, *cert, *key, *sim_dir, *meas, *port_file;
    const char *server, *name, *out, *pccs, *pccs_cache, *tcti, *pcrs;
    const char *refvals[32];
    size_t n_refvals;
    bool remote, once, have_tee, endorse;
    ccs_platform platform;
} pargs;

static int perr(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs ratls %s: %s%s%s\nRun `ccs ratls %s --help` for usage.\n", verb, msg, arg ? ": " : "",
            arg ? arg : "", verb);
    return CLI_USAGE;
}

static int pparse(const char *verb, const char *help, const char *allowed, int argc, char **argv, pargs *a) {
    int c, idx = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", popts, &idx)) != -1) {
        const char *name = idx >= 0 ? popts[idx].name : c == 'o' ? "output" : NULL;
        idx = -1;
        if (c == 'h' || c == P_HELP) {
            fputs(help, stdout);
            return -1;
        }
        if (c == '?' || c == ':' || name == NULL) return perr(verb, "unknown or incomplete option", argv[optind - 1]);
        char key[40];
        snprintf(key, sizeof key, " %s ", name);
        if (strstr(allowed, key) == NULL) return perr(verb, "option not taken by this verb", argv[optind - 1]);
        switch (c) {
        case P_LISTEN: a->listen = optarg; break;
        case P_SECRETS: a->secrets = optarg; break;
        case P_POLICY: a->policy = optarg; break;
        case P_REFVAL:
            if (a->n_refvals >= 32) return perr(verb, "at most 32 --refval", optarg);
            a->refvals[a->n_refvals++] = optarg;
            break;
        case P_TRUST_SIM: a->trust_sim = optarg; break;
        case P_COLL: a->coll = optarg; break;
        case P_PCCS: a->pccs = optarg; break;
        case P_PCCS_CACHE: a->pccs_cache = optarg; break;
        case P_CERT: a->cert = optarg; break;
        case P_KEY: a->key = optarg; break;
        case P_TEE:
            if (ccs_platform_parse(optarg, &a->platform) != CCS_OK)
                return perr(verb, "unknown --tee (sim-sgx, sim-tdx, sgx, tdx, snp, csv, tpm)", optarg);
            a->have_tee = true;
            break;
        case P_SIM_DIR: a->sim_dir = optarg; break;
        case P_TCTI: a->tcti = optarg; break;
        case P_PCRS: a->pcrs = optarg; break;
        case P_MEAS: a->meas = optarg; break;
        case P_REMOTE: a->remote = true; break;
        case P_ENDORSE: a->endorse = true; break;
        case P_ONCE: a->once = true; break;
        case P_PORT_FILE: a->port_file = optarg; break;
        case P_SERVER: a->server = optarg; break;
        case P_NAME: a->name = optarg; break;
        case 'o': a->out = optarg; break;
        default: return perr(verb, "unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc) return perr(verb, "unexpected argument", argv[optind]);
    if (a->pccs_cache != NULL && a->pccs == NULL) return perr(verb, "--pccs-cache needs --pccs", NULL);
    if ((a->tcti != NULL || a->pcrs != NULL) && !(a->have_tee && a->platform == CCS_PLATFORM_TPM))
        return perr(verb, "--tcti and --pcrs go with --tee tpm", NULL);
    return CLI_OK;
}

/* The backend of --tee / --sim-dir / --measurement-from / --tcti / --pcrs
 * (meas owns the bytes). */
static int open_backend(const char *verb, const pargs *a, ccs_buf *meas, ccs_backend **b) {
    ccs_tee_config cfg = {.platform = a->platform, .sim_dir = a->sim_dir, .tpm_tcti = a->tcti, .tpm_pcrs = a->pcrs};
    if (a->meas != NULL) {
        if (ccs_file_read(a->meas, INPUT_MAX, meas) != CCS_OK) return perr(verb, ccs_error_detail(), NULL);
        cfg.sim_measurement = ccs_buf_view(meas);
    }
    if (ccs_backend_open(&cfg, b) != CCS_OK) {
        fprintf(stderr, "ccs ratls %s: %s\n", verb, ccs_error_detail());
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* --endorsements: the collateral for b's own quotes (the sources of
 * ccs ratls cert --endorsements: --collateral, --pccs, the sim dir). */
static int own_endorsements(const char *verb, const pargs *a, ccs_backend *b, ccs_collateral **out) {
    *out = NULL;
    if (!a->endorse) return CLI_OK;
    ccs_tee_config cfg = {.platform = a->platform, .sim_dir = a->sim_dir};
    ccs_ratls_verify_options src = {.collateral = a->coll, .pccs_url = a->pccs, .pccs_cache = a->pccs_cache};
    return ccs_cli_ratls_endorsements(verb, &cfg, b, &src, out);
}

static int make_verifier(const char *verb, const pargs *a, ccs_ratls_policy **pol, ccs_ratls_verifier **v) {
    int rc = ccs_cli_ratls_policy(a->policy, a->refvals, a->n_refvals, pol);
    if (rc != CLI_OK) return rc;
    ccs_ratls_verify_options vo = {.insecure_trust_sim_dir = a->trust_sim, .collateral = a->coll,
                                   .pccs_url = a->pccs, .pccs_cache = a->pccs_cache};
    ccs_pccs *probe = NULL; /* a bad URL is a usage error now, not a refusal per peer */
    if (a->pccs != NULL && ccs_pccs_new(a->pccs, NULL, &probe) != CCS_OK)
        return perr(verb, ccs_error_detail(), a->pccs);
    ccs_pccs_free(probe);
    if (ccs_ratls_verifier_new(&vo, *pol, v) != CCS_OK) return perr(verb, ccs_error_detail(), NULL);
    if (a->trust_sim != NULL) fprintf(stderr, "INSECURE: the peer's sim evidence is trusted (--trust-sim)\n");
    return CLI_OK;
}

/* ---- server ---- */

static bool is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a6);
    }
    return false;
}

static int listen_on(const char *verb, const char *hostport, bool remote, int *fd_out, int *port_out) {
    char host[256], port[16];
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || colon == hostport || (size_t)(colon - hostport) >= sizeof host || strlen(colon + 1) >= sizeof port)
        return perr(verb, "--listen must be HOST:PORT", hostport);
    size_t hl = (size_t)(colon - hostport);
    const char *h = hostport;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST}, *res = NULL;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0) return perr(verb, "--listen needs a numeric address (127.0.0.1, ::1)", hostport);
    if (!remote && !is_loopback(res->ai_addr)) {
        freeaddrinfo(res);
        return perr(verb, "a non-loopback --listen address needs --allow-remote", hostport);
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        perror("ccs ratls provision-server: listen");
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return CLI_USAGE;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *fd_out = fd;
    return CLI_OK;
}

static int server_identity(const pargs *a, ccs_x509 **cert, ccs_privkey **key) {
    const char *verb = "provision-server";
    if (a->cert != NULL || a->key != NULL) {
        if (a->cert == NULL || a->key == NULL || a->have_tee) return perr(verb, "--cert and --key go together, without --tee", NULL);
        if (a->endorse) return perr(verb, "--endorsements goes with --tee (ccs ratls cert --endorsements for --cert)", NULL);
        ccs_buf pem = {0};
        ccs_status st = ccs_file_read(a->cert, INPUT_MAX, &pem);
        if (st == CCS_OK) st = ccs_x509_parse_pem(ccs_buf_view(&pem), cert);
        if (st == CCS_OK) st = ccs_privkey_load(a->key, key);
        ccs_buf_free(&pem);
        if (st != CCS_OK) return perr(verb, ccs_error_detail(), NULL);
        return CLI_OK;
    }
    if (!a->have_tee) return perr(verb, "--cert/--key or --tee is required", NULL);
    ccs_buf meas = {0};
    ccs_backend *b = NULL;
    ccs_collateral *endorse = NULL;
    int rc = open_backend(verb, a, &meas, &b);
    if (rc == CLI_OK) rc = own_endorsements(verb, a, b, &endorse);
    ccs_ratls_create_options co = {.endorsements = endorse};
    if (rc == CLI_OK && ccs_ratls_cert_create(b, &co, cert, key) != CCS_OK) rc = perr(verb, ccs_error_detail(), NULL);
    ccs_collateral_free(endorse);
    ccs_backend_free(b);
    ccs_buf_free(&meas);
    return rc;
}

int ccs_cli_ratls_provision_server(int argc, char **argv) {
    const char *verb = "provision-server";
    pargs a = {0};
    int rc = pparse(verb, server_usage,
                     " listen secrets policy refval trust-sim collateral pccs pccs-cache cert key tee sim-dir measurement-from "
                    "tcti pcrs allow-remote once port-file endorsements ",
                    argc, argv, &a);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
    if (a.listen == NULL || a.secrets == NULL || a.policy == NULL)
        return perr(verb, "--listen, --secrets and --policy are required", NULL);
    struct stat sb;
    if (stat(a.secrets, &sb) != 0 || !S_ISDIR(sb.st_mode)) return perr(verb, "--secrets is not a directory", a.secrets);
    signal(SIGPIPE, SIG_IGN);
    ccs_ratls_policy *pol = NULL;
    ccs_ratls_verifier *v = NULL;
    ccs_x509 *cert = NULL;
    ccs_privkey *key = NULL;
    ccs_ratls_tls *t = NULL;
    int lfd = -1, port = 0;
    rc = make_verifier(verb, &a, &pol, &v);
    if (rc == CLI_OK) rc = server_identity(&a, &cert, &key);
    ccs_ratls_tls_options to = {.peer_verifier = v, .defer_peer_refusal = true};
    if (rc == CLI_OK && ccs_ratls_tls_new(CCS_RATLS_SERVER, cert, key, &to, &t) != CCS_OK)
        rc = perr(verb, ccs_error_detail(), NULL);
    if (rc == CLI_OK) rc = listen_on(verb, a.listen, a.remote, &lfd, &port);
    if (rc == CLI_OK && a.port_file != NULL) {
        char pb[16];
        snprintf(pb, sizeof pb, "%d\n", port);
        if (ccs_file_write(a.port_file, ccs_bytes_str(pb)) != CCS_OK) rc = perr(verb, ccs_error_detail(), NULL);
    }
    if (rc == CLI_OK) {
        printf("listening on %s (port %d), secrets from %s\n", a.listen, port, a.secrets);
        fflush(stdout);
    }
    while (rc == CLI_OK) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        struct timeval tv = {.tv_sec = 10};
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ccs_ratls_conn *c = NULL;
        bool served = false;
        char why[2048] = "";
        if (ccs_ratls_conn_new(t, fd, &c) != CCS_OK) snprintf(why, sizeof why, "%s", ccs_error_detail());
        else if (ccs_ratls_conn_handshake(c) != CCS_OK) snprintf(why, sizeof why, "handshake: %s", ccs_ratls_conn_error(c));
        else if (ccs_ratls_provision_serve(c, a.secrets, &served, why, sizeof why) != CCS_OK && why[0] == '\0')
            snprintf(why, sizeof why, "%s", ccs_error_detail());
        fprintf(stderr, "ccs ratls provision-server: %s\n", why);
        ccs_ratls_conn_free(c);
        close(fd);
        if (a.once) {
            rc = served ? CLI_OK : CLI_REFUSED;
            break;
        }
    }
    if (lfd >= 0) close(lfd);
    ccs_ratls_tls_free(t);
    ccs_x509_free(cert);
    ccs_privkey_free(key);
    ccs_ratls_verifier_free(v);
    ccs_ratls_policy_free(pol);
    return rc;
}

/* ---- client ---- */

int ccs_cli_ratls_provision_client(int argc, char **argv) {
    const char *verb = "provision-client";
    pargs a = {0};
    int rc = pparse(verb, client_usage,
                     " server name tee sim-dir measurement-from tcti pcrs trust-sim collateral pccs pccs-cache policy refval"
                    " endorsements output ", argc, argv,
                    &a);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
    if (a.server == NULL || a.name == NULL || !a.have_tee || a.out == NULL)
        return perr(verb, "--server, --name, --tee and -o are required", NULL);
    if (!ccs_ratls_secret_name_ok(a.name)) return perr(verb, "--name must be [A-Za-z0-9._-], not . or ..", a.name);
    signal(SIGPIPE, SIG_IGN);
    ccs_ratls_policy *pol = NULL;
    ccs_ratls_verifier *v = NULL;
    ccs_backend *b = NULL;
    ccs_buf meas = {0}, secret = {0};
    rc = make_verifier(verb, &a, &pol, &v);
    ccs_collateral *endorse = NULL;
    if (rc == CLI_OK) rc = open_backend(verb, &a, &meas, &b);
    if (rc == CLI_OK) rc = own_endorsements(verb, &a, b, &endorse);
    if (rc == CLI_OK) {
        ccs_ratls_provision_request req = {.server = a.server, .name = a.name, .backend = b, .server_verifier = v,
                                           .endorsements = endorse};
        ccs_status st = ccs_ratls_provision_fetch(&req, &secret);
        if (st != CCS_OK) {
            fprintf(stderr, "ccs ratls provision-client: %s\n", ccs_error_detail());
            rc = st == CCS_ERR_POLICY || st == CCS_ERR_VERIFY ? CLI_REFUSED : CLI_USAGE;
        } else {
            if (ccs_file_write_private(a.out, ccs_buf_view(&secret)) != CCS_OK) { /* a new 0600 file */
                fprintf(stderr, "ccs ratls provision-client: %s\n", ccs_error_detail());
                rc = CLI_USAGE;
            } else {
                printf("received %s (%zu bytes) into %s\n", a.name, secret.len, a.out);
            }
        }
    }
    ccs_buf_free(&secret); /* wipes */
    ccs_collateral_free(endorse);
    ccs_buf_free(&meas);
    ccs_backend_free(b);
    ccs_ratls_verifier_free(v);
    ccs_ratls_policy_free(pol);
    return rc;
}
