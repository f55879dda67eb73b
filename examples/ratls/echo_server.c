/* RA-TLS echo server (examples/ratls/README.md): a fresh RA-TLS certificate
 * from a tee backend, TLS 1.3 on a loopback port; echoes what a client sends,
 * or answers an HTTP request line ("GET / HTTP/1.x") with a small response
 * so that curl can talk to it. --mutual requires clients to present RA-TLS
 * certificates that pass verification (--trust-sim DIR for sim evidence). */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ccs/ratls.h"

static const char usage[] =
    "usage: ratls_echo_server --tee sim-sgx|sim-tdx|sgx|tdx [--sim-dir DIR] [--port N] [--port-file FILE]\n"
    "                         [--mutual --trust-sim DIR [--pccs URL]] [--endorsements] [--once]\n"
    "  --endorsements: embed the sim dir's collateral in the certificate (2.23.133.5.4.2)\n";

static void serve(ccs_ratls_conn *c) {
    char buf[4096];
    size_t n = 0;
    bool first = true;
    while (ccs_ratls_conn_read(c, buf, sizeof buf, &n) == CCS_OK && n > 0) {
        if (first && n >= 4 && memcmp(buf, "GET ", 4) == 0) {
            const ccs_ratls_result *r = ccs_ratls_conn_peer_result(c);
            char body[256], resp[512];
            snprintf(body, sizeof body, "RA-TLS echo server: hello over TLS 1.3 (client attested: %s)\n",
                     ccs_ratls_conn_peer_ok(c) ? ccs_ratls_result_tee_name(r) : "no");
            int len = snprintf(resp, sizeof resp,
                               "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                               "Connection: close\r\n\r\n%s", strlen(body), body);
            if (len > 0 && ccs_ratls_conn_write(c, resp, (size_t)len) != CCS_OK) break;
            break;
        }
        first = false;
        if (ccs_ratls_conn_write(c, buf, n) != CCS_OK) break;
    }
    ccs_ratls_conn_close(c);
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"tee", required_argument, 0, 't'},  {"sim-dir", required_argument, 0, 's'},
        {"port", required_argument, 0, 'p'}, {"port-file", required_argument, 0, 'f'},
        {"mutual", no_argument, 0, 'm'},     {"trust-sim", required_argument, 0, 'T'},
        {"once", no_argument, 0, '1'},       {"help", no_argument, 0, 'h'},
        {"pccs", required_argument, 0, 'P'}, {"endorsements", no_argument, 0, 'e'},
        {0, 0, 0, 0},
    };
    ccs_tee_config cfg = {0};
    const char *port_file = NULL, *trust = NULL, *pccs = NULL;
    int port = 0, c;
    bool mutual = false, once = false, have_tee = false, endorse = false;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 't': have_tee = ccs_platform_parse(optarg, &cfg.platform) == CCS_OK; break;
        case 's': cfg.sim_dir = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'f': port_file = optarg; break;
        case 'm': mutual = true; break;
        case 'T': trust = optarg; break;
        case 'P': pccs = optarg; break;
        case 'e': endorse = true; break;
        case '1': once = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!have_tee || (mutual && trust == NULL)) {
        fputs(usage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    ccs_backend *b = NULL;
    ccs_x509 *cert = NULL;
    ccs_privkey *key = NULL;
    ccs_ratls_verifier *v = NULL;
    ccs_ratls_tls *t = NULL;
    ccs_ratls_verify_options vo = {.insecure_trust_sim_dir = trust, .pccs_url = pccs};
    ccs_ratls_create_options co = {0};
    ccs_collateral *coll = NULL;
    ccs_tee tee = cfg.platform == CCS_PLATFORM_SIM_TDX || cfg.platform == CCS_PLATFORM_TDX ? CCS_TEE_TDX : CCS_TEE_SGX;
    ccs_status st = endorse ? ccs_sim_trust_load(cfg.sim_dir, tee, NULL, &coll) : CCS_OK;
    co.endorsements = coll;
    if (st != CCS_OK || ccs_backend_open(&cfg, &b) != CCS_OK || ccs_ratls_cert_create(b, &co, &cert, &key) != CCS_OK ||
        (mutual && ccs_ratls_verifier_new(&vo, NULL, &v) != CCS_OK)) {
        fprintf(stderr, "echo_server: %s\n", ccs_error_detail());
        return 1;
    }
    ccs_ratls_tls_options to = {.peer_verifier = v};
    if (ccs_ratls_tls_new(CCS_RATLS_SERVER, cert, key, &to, &t) != CCS_OK) {
        fprintf(stderr, "echo_server: %s\n", ccs_error_detail());
        return 1;
    }
    /* Loopback only: this is an example. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t sl = sizeof sa;
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        perror("echo_server: listen");
        return 1;
    }
    port = ntohs(sa.sin_port);
    if (port_file != NULL) {
        FILE *f = fopen(port_file, "w");
        if (f != NULL) {
            fprintf(f, "%d\n", port);
            fclose(f);
        }
    }
    printf("RA-TLS echo server on 127.0.0.1:%d (%s evidence%s)\n", port, ccs_platform_name(cfg.platform),
           mutual ? ", mutual" : "");
    fflush(stdout);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) continue;
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ccs_ratls_conn *conn = NULL;
        if (ccs_ratls_conn_new(t, fd, &conn) == CCS_OK) {
            if (ccs_ratls_conn_handshake(conn) == CCS_OK) serve(conn);
            else fprintf(stderr, "echo_server: %s\n", ccs_ratls_conn_error(conn));
        }
        ccs_ratls_conn_free(conn);
        close(fd);
        if (once) break;
    }
    close(lfd);
    ccs_ratls_tls_free(t);
    ccs_ratls_verifier_free(v);
    ccs_x509_free(cert);
    ccs_privkey_free(key);
    ccs_backend_free(b);
    ccs_collateral_free(coll);
    return 0;
}
