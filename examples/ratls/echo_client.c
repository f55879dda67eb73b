/* RA-TLS echo client (examples/ratls/README.md): connects to the echo
 * server, verifies its RA-TLS certificate (--trust-sim DIR for sim
 * evidence), optionally presents its own (--tee, for --mutual servers),
 * sends MESSAGE and prints the echo. Exit 0 on success, 1 when the server's
 * certificate was refused (the reasons on stderr), 2 otherwise. */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ccs/ratls.h"

static const char usage[] =
    "usage: ratls_echo_client --port N --trust-sim DIR [--pccs URL] [--tee sim-sgx|sim-tdx --sim-dir DIR] MESSAGE\n"
    "  (the server's DCAP collateral: --pccs, else the sim dir, else its certificate's endorsements)\n";

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"port", required_argument, 0, 'p'}, {"trust-sim", required_argument, 0, 'T'},
        {"tee", required_argument, 0, 't'},  {"sim-dir", required_argument, 0, 's'},
        {"pccs", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    ccs_tee_config cfg = {0};
    const char *trust = NULL, *pccs = NULL;
    int port = 0, c;
    bool have_tee = false;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': port = atoi(optarg); break;
        case 'T': trust = optarg; break;
        case 'P': pccs = optarg; break;
        case 't': have_tee = ccs_platform_parse(optarg, &cfg.platform) == CCS_OK; break;
        case 's': cfg.sim_dir = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (port <= 0 || port > 65535 || optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *msg = argv[optind];
    ccs_backend *b = NULL;
    ccs_x509 *cert = NULL;
    ccs_privkey *key = NULL;
    ccs_ratls_verifier *v = NULL;
    ccs_ratls_tls *t = NULL;
    ccs_ratls_conn *conn = NULL;
    ccs_ratls_verify_options vo = {.insecure_trust_sim_dir = trust, .pccs_url = pccs};
    if ((have_tee && (ccs_backend_open(&cfg, &b) != CCS_OK || ccs_ratls_cert_create(b, NULL, &cert, &key) != CCS_OK)) ||
        ccs_ratls_verifier_new(&vo, NULL, &v) != CCS_OK) {
        fprintf(stderr, "echo_client: %s\n", ccs_error_detail());
        return 2;
    }
    ccs_ratls_tls_options to = {.peer_verifier = v};
    int fd = socket(AF_INET, SOCK_STREAM, 0), rc = 2;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (ccs_ratls_tls_new(CCS_RATLS_CLIENT, cert, key, &to, &t) != CCS_OK ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || ccs_ratls_conn_new(t, fd, &conn) != CCS_OK) {
        fprintf(stderr, "echo_client: %s\n", ccs_error_detail());
    } else {
        ccs_status st = ccs_ratls_conn_handshake(conn);
        char buf[4096];
        size_t n = strlen(msg), got = 0;
        if (st == CCS_OK) st = ccs_ratls_conn_write(conn, msg, n);
        if (st == CCS_OK) st = ccs_ratls_conn_read_full(conn, buf, n < sizeof buf ? n : sizeof buf);
        if (st == CCS_OK) {
            got = n < sizeof buf ? n : sizeof buf;
            const ccs_ratls_result *r = ccs_ratls_conn_peer_result(conn);
            printf("server attested (%s%s); echo: %.*s\n", ccs_ratls_result_tee_name(r), r->sim ? ", INSECURE sim" : "",
                   (int)got, buf);
            ccs_ratls_conn_close(conn);
            rc = 0;
        } else {
            fprintf(stderr, "echo_client: %s\n", ccs_ratls_conn_error(conn));
            rc = st == CCS_ERR_VERIFY ? 1 : 2;
        }
    }
    ccs_ratls_conn_free(conn);
    close(fd);
    ccs_ratls_tls_free(t);
    ccs_ratls_verifier_free(v);
    ccs_x509_free(cert);
    ccs_privkey_free(key);
    ccs_backend_free(b);
    return rc;
}
