/* bench_ratls: TLS 1.3 handshakes per second with RA-TLS verification
 * beside plain TLS 1.3 handshakes with the same key type, in the same run
 * (docs/ratls.md "Benchmark"). Both sides run in this process over an
 * OpenSSL memory BIO pair, so the figures are the crypto and parsing cost
 * of a handshake, without sockets or the scheduler. One core.
 *
 *   plain:   the client verifies the server's certificate with OpenSSL
 *            against a trust store holding it (what an ordinary TLS client
 *            with a pinned CA does); mutual: the server does the same.
 *   RA-TLS:  the client (and server, mutual) runs the RA-TLS verify
 *            callback: self-signature, evidence extension, DCAP quote
 *            against the sim root with the collateral cached in one
 *            ccs_ratls_verifier (loaded once), key binding.
 * Also: one RA-TLS verification alone, cached and uncached
 * (ccs_ratls_verify_cert loads the sim collateral each time).
 *
 * usage: bench_ratls [secs [p256|p384]]   (default 2 s per figure, best of 3) */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "ccs/ratls.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void die(const char *what) {
    fprintf(stderr, "bench_ratls: %s: %s\n", what, ccs_error_detail());
    ERR_print_errors_fp(stderr);
    exit(1);
}

static X509 *to_x509(const ccs_x509 *c) {
    ccs_bytes der = ccs_x509_der(c);
    const unsigned char *p = der.ptr;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    if (x == NULL) die("d2i_X509");
    return x;
}

static EVP_PKEY *to_pkey(const ccs_privkey *k) {
    ccs_buf pem = {0};
    if (ccs_privkey_to_pem(k, &pem) != CCS_OK) die("key");
    BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    ccs_buf_free(&pem);
    if (pk == NULL) die("PEM_read_bio_PrivateKey");
    return pk;
}

/* A plain TLS 1.3 context: own cert/key (may be NULL), peer verified by
 * OpenSSL against a store holding `trusted` (NULL: no verification). */
static SSL_CTX *plain_ctx(bool server, const ccs_x509 *cert, const ccs_privkey *key, const ccs_x509 *trusted) {
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256:ECDSA+SHA384");
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    if (cert != NULL) {
        X509 *x = to_x509(cert);
        EVP_PKEY *pk = to_pkey(key);
        if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, pk) != 1) die("use cert");
        X509_free(x);
        EVP_PKEY_free(pk);
    }
    if (trusted != NULL) {
        X509 *x = to_x509(trusted);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x);
        X509_free(x);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
    }
    return ctx;
}

/* One handshake between new SSLs of cctx and sctx over a BIO pair; true
 * when both completed (and, for RA-TLS, the callback passed the peers). */
static bool handshake(SSL_CTX *cctx, SSL_CTX *sctx, bool ratls_client, bool ratls_server) {
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *cb = NULL, *sb = NULL;
    BIO_new_bio_pair(&cb, 0, &sb, 0);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int rc = 0, rs = 0;
    for (int i = 0; i < 20 && (rc != 1 || rs != 1); i++) {
        if (rc != 1) {
            rc = SSL_do_handshake(c);
            if (rc != 1 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) break;
        }
        if (rs != 1) {
            rs = SSL_do_handshake(s);
            if (rs != 1 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ) break;
        }
    }
    /* TLS 1.3: the server sees the client's certificate in its last flight. */
    bool ok = rc == 1 && rs == 1;
    if (ok && ratls_client) ok = ccs_ratls_ssl_peer_ok(c, NULL);
    if (ok && ratls_server) ok = ccs_ratls_ssl_peer_ok(s, NULL);
    SSL_free(c);
    SSL_free(s);
    ERR_clear_error();
    return ok;
}

static double rate(SSL_CTX *cctx, SSL_CTX *sctx, bool rc, bool rs, double secs) {
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 10; i++, n++)
            if (!handshake(cctx, sctx, rc, rs)) die("handshake failed");
        t = now_s() - t0;
    } while (t < secs);
    return (double)n / t;
}

static double best(double a, double b) { return a > b ? a : b; }

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    ccs_curve curve = argc > 2 && strcmp(argv[2], "p384") == 0 ? CCS_CURVE_P384 : CCS_CURVE_P256;
    if (secs <= 0) secs = 2.0;
    char dir[] = "/tmp/bench_ratls.XXXXXX";
    if (mkdtemp(dir) == NULL) die("mkdtemp");
    if (ccs_sim_init(dir, ccs_time_now(), true) != CCS_OK) die("sim init");
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = dir};
    ccs_backend *b = NULL;
    ccs_x509 *sc = NULL, *cc = NULL;
    ccs_privkey *sk = NULL, *ck = NULL;
    ccs_ratls_create_options co = {.curve = curve};
    if (ccs_backend_open(&cfg, &b) != CCS_OK || ccs_ratls_cert_create(b, &co, &sc, &sk) != CCS_OK ||
        ccs_ratls_cert_create(b, &co, &cc, &ck) != CCS_OK)
        die("cert");
    ccs_ratls_verify_options vo = {.insecure_trust_sim_dir = dir};
    ccs_ratls_verifier *v = NULL;
    if (ccs_ratls_verifier_new(&vo, NULL, &v) != CCS_OK) die("verifier");
    ccs_ratls_tls *rs1 = NULL, *rs2 = NULL, *rc1 = NULL, *rc2 = NULL;
    ccs_ratls_tls_options one = {0}, peer = {.peer_verifier = v};
    if (ccs_ratls_tls_new(CCS_RATLS_SERVER, sc, sk, &one, &rs1) != CCS_OK ||
        ccs_ratls_tls_new(CCS_RATLS_SERVER, sc, sk, &peer, &rs2) != CCS_OK ||
        ccs_ratls_tls_new(CCS_RATLS_CLIENT, NULL, NULL, &peer, &rc1) != CCS_OK ||
        ccs_ratls_tls_new(CCS_RATLS_CLIENT, cc, ck, &peer, &rc2) != CCS_OK)
        die("ratls contexts");
    SSL_CTX *ps1 = plain_ctx(true, sc, sk, NULL), *ps2 = plain_ctx(true, sc, sk, cc);
    SSL_CTX *pc1 = plain_ctx(false, NULL, NULL, sc), *pc2 = plain_ctx(false, cc, ck, sc);

    /* Warm up (and check that every configuration completes). */
    for (int i = 0; i < 20; i++) {
        if (!handshake(pc1, ps1, false, false) || !handshake(pc2, ps2, false, false)) die("plain handshake");
        if (!handshake(ccs_ratls_tls_ssl_ctx(rc1), ccs_ratls_tls_ssl_ctx(rs1), true, false) ||
            !handshake(ccs_ratls_tls_ssl_ctx(rc2), ccs_ratls_tls_ssl_ctx(rs2), true, true))
            die("RA-TLS handshake");
    }
    double p1 = 0, r1 = 0, p2 = 0, r2 = 0, vc = 0, vu = 0;
    ccs_ratls_result res;
    for (int rep = 0; rep < 3; rep++) {
        p1 = best(p1, rate(pc1, ps1, false, false, secs));
        r1 = best(r1, rate(ccs_ratls_tls_ssl_ctx(rc1), ccs_ratls_tls_ssl_ctx(rs1), true, false, secs));
        p2 = best(p2, rate(pc2, ps2, false, false, secs));
        r2 = best(r2, rate(ccs_ratls_tls_ssl_ctx(rc2), ccs_ratls_tls_ssl_ctx(rs2), true, true, secs));
        long n = 0;
        double t0 = now_s(), t;
        do {
            for (int i = 0; i < 10; i++, n++)
                if (ccs_ratls_verifier_check(v, ccs_x509_der(sc), &res) != CCS_OK) die("verify");
            t = now_s() - t0;
        } while (t < secs / 2);
        vc = best(vc, (double)n / t);
        n = 0;
        t0 = now_s();
        do {
            for (int i = 0; i < 10; i++, n++)
                if (ccs_ratls_verify_cert(ccs_x509_der(sc), &vo, &res) != CCS_OK) die("verify");
            t = now_s() - t0;
        } while (t < secs / 2);
        vu = best(vu, (double)n / t);
    }
    const char *cn = curve == CCS_CURVE_P384 ? "P-384" : "P-256";
    printf("bench_ratls: TLS 1.3 handshakes/s, ECDSA %s, both ends in one process over a memory BIO pair,\n"
           "one core, best of 3 x %.1f s; RA-TLS evidence: sim-sgx DCAP quote, collateral cached\n", cn, secs);
    printf("  one-way  plain %8.0f   RA-TLS %8.0f   ratio %.2f\n", p1, r1, r1 / p1);
    printf("  mutual   plain %8.0f   RA-TLS %8.0f   ratio %.2f\n", p2, r2, r2 / p2);
    printf("  RA-TLS verification alone: %.0f/s cached (ccs_ratls_verifier), %.0f/s uncached "
           "(ccs_ratls_verify_cert)\n", vc, vu);
    SSL_CTX_free(ps1);
    SSL_CTX_free(ps2);
    SSL_CTX_free(pc1);
    SSL_CTX_free(pc2);
    ccs_ratls_tls_free(rs1);
    ccs_ratls_tls_free(rs2);
    ccs_ratls_tls_free(rc1);
    ccs_ratls_tls_free(rc2);
    ccs_ratls_verifier_free(v);
    ccs_x509_free(sc);
    ccs_x509_free(cc);
    ccs_privkey_free(sk);
    ccs_privkey_free(ck);
    ccs_backend_free(b);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
