/* RA-TLS over OpenSSL 3 (docs/ratls.md "TLS"): TLS 1.3-only contexts with an
 * RA-TLS certificate, and the verify callback that accepts a peer exactly
 * when its leaf passes RA-TLS verification (ccs_ratls_verifier_check).
 *
 * The one exception to "only src/crypto includes OpenSSL": the module's
 * job is an OpenSSL verify callback (DESIGN.md, the ratls row), so the SSL
 * objects live here; keys and certificates still come from ccs_crypto. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "ratls_internal.h"

#define ERR_MAX 1024

/* Per-SSL verification state (SSL ex_data, freed with the SSL). */
typedef struct peer_state {
    bool ran, ok, defer;
    bool have_result;
    ccs_ratls_result result;
    char error[ERR_MAX];
} peer_state;

/* Per-SSL_CTX: the verifier and whether to defer refusals. */
typedef struct ctx_state {
    ccs_ratls_verifier *v;
    bool defer;
} ctx_state;

struct ccs_ratls_tls {
    ccs_ratls_role role;
    SSL_CTX *ctx;
    ctx_state *cs; /* owned by ctx (ex_data, freed with it) */
};

struct ccs_ratls_conn {
    ccs_ratls_tls *t;
    SSL *ssl;
    char error[ERR_MAX];
};

static int ctx_idx = -1, ssl_idx = -1;
static pthread_once_t idx_once = PTHREAD_ONCE_INIT;

static void peer_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    if (ptr != NULL) OPENSSL_clear_free(ptr, sizeof(peer_state));
}

static void cs_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    OPENSSL_free(ptr);
}

static void make_indexes(void) {
    ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, cs_free);
    ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, peer_free);
}

static ccs_status indexes(void) {
    pthread_once(&idx_once, make_indexes);
    CCS_ENSURE(ctx_idx >= 0 && ssl_idx >= 0, CCS_ERR_CRYPTO, "ratls tls: no OpenSSL ex_data index");
    return CCS_OK;
}

static peer_state *peer_get(SSL *ssl, bool create) {
    peer_state *ps = SSL_get_ex_data(ssl, ssl_idx);
    if (ps == NULL && create) {
        ps = OPENSSL_zalloc(sizeof *ps);
        if (ps != NULL && !SSL_set_ex_data(ssl, ssl_idx, ps)) {
            OPENSSL_free(ps);
            ps = NULL;
        }
    }
    return ps;
}

/* OpenSSL chain errors an RA-TLS leaf is expected to raise: it is
 * self-signed and no CA store is configured. Everything else (expiry, a
 * malformed certificate, a wrong purpose, ...) still fails. */
static bool expected_chain_error(int err) {
    return err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE || err == X509_V_ERR_CERT_UNTRUSTED;
}

/* The RA-TLS verification of the leaf, once per SSL; the verdict is kept. */
static void run_ratls(SSL *ssl, X509_STORE_CTX *xs, const ctx_state *cs, peer_state *ps) {
    ps->ran = true;
    ps->ok = false;
    X509 *leaf = X509_STORE_CTX_get0_cert(xs);
    unsigned char *der = NULL;
    int n = leaf != NULL ? i2d_X509(leaf, &der) : -1;
    if (n <= 0) {
        snprintf(ps->error, sizeof ps->error, "peer certificate: cannot encode it");
        return;
    }
    ccs_status st = ccs_ratls_verifier_check(cs->v, ccs_bytes_of(der, (size_t)n), &ps->result);
    OPENSSL_free(der);
    ps->have_result = true;
    if (st == CCS_OK && ps->result.pass) {
        ps->ok = true;
        return;
    }
    char why[900];
    ccs_ratls_result_reasons(&ps->result, why, sizeof why);
    snprintf(ps->error, sizeof ps->error, "peer RA-TLS certificate refused: %s",
             st == CCS_ERR_VERIFY ? why : ccs_error_detail());
    (void)ssl;
}

static int verify_cb(int preverify_ok, X509_STORE_CTX *xs) {
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (ssl == NULL) return 0;
    const ctx_state *cs = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_idx);
    peer_state *ps = peer_get(ssl, true);
    if (cs == NULL || cs->v == NULL || ps == NULL) return 0;
    ps->defer = cs->defer;
    int depth = X509_STORE_CTX_get_error_depth(xs), err = X509_STORE_CTX_get_error(xs);
    if (depth != 0) {
        /* An RA-TLS peer presents one self-signed certificate. */
        snprintf(ps->error, sizeof ps->error, "peer certificate: a chain (depth %d), not one self-signed RA-TLS "
                 "certificate", depth);
        ps->ok = false;
        ps->ran = true;
        return cs->defer ? 1 : 0;
    }
    if (!preverify_ok && !expected_chain_error(err)) {
        snprintf(ps->error, sizeof ps->error, "peer certificate: %s", X509_verify_cert_error_string(err));
        ps->ok = false;
        ps->ran = true;
        return cs->defer ? 1 : 0;
    }
    if (!ps->ran) run_ratls(ssl, xs, cs, ps);
    return ps->ok || cs->defer ? 1 : 0;
}

ccs_status ccs_ratls_ssl_ctx_install(void *ssl_ctx, ccs_ratls_verifier *v, bool require_peer_cert) {
    CCS_ENSURE(ssl_ctx != NULL && v != NULL, CCS_ERR_INVALID_ARG, "ratls tls: NULL argument");
    CCS_TRY(indexes());
    ctx_state *cs = OPENSSL_zalloc(sizeof *cs);
    CCS_ENSURE(cs != NULL, CCS_ERR_NOMEM, "out of memory");
    cs->v = v;
    /* Freed with the context (the ex_data free callback). */
    OPENSSL_free(SSL_CTX_get_ex_data(ssl_ctx, ctx_idx));
    if (!SSL_CTX_set_ex_data(ssl_ctx, ctx_idx, cs)) {
        OPENSSL_free(cs);
        CCS_BAIL(CCS_ERR_CRYPTO, "ratls tls: SSL_CTX_set_ex_data failed");
    }
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER | (require_peer_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), verify_cb);
    return CCS_OK;
}

bool ccs_ratls_ssl_peer_ok(const void *ssl, ccs_ratls_result *r) {
    if (ssl == NULL) return false;
    peer_state *ps = SSL_get_ex_data(ssl, ssl_idx);
    if (r != NULL) {
        memset(r, 0, sizeof *r);
        if (ps != NULL && ps->have_result) *r = ps->result;
    }
    /* The peer must have presented a certificate that our callback passed. */
    X509 *peer = SSL_get0_peer_certificate(ssl);
    return ps != NULL && ps->ran && ps->ok && peer != NULL;
}

/* ---- contexts ---- */

static ccs_status ssl_fail(const char *what) {
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    CCS_BAIL(CCS_ERR_CRYPTO, "ratls tls: %s%s%s", what, e ? ": " : "", buf);
}

static ccs_status load_identity(SSL_CTX *ctx, const ccs_x509 *cert, const ccs_privkey *key) {
    ccs_curve curve = ccs_privkey_curve(key);
    CCS_ENSURE(curve == CCS_CURVE_P256 || curve == CCS_CURVE_P384, CCS_ERR_UNSUPPORTED,
               "ratls tls: the key must be ECDSA P-256 or P-384");
    ccs_bytes der = ccs_x509_der(cert);
    const unsigned char *p = der.ptr;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    if (x == NULL) return ssl_fail("the certificate");
    ccs_buf pem = {0};
    ccs_status st = ccs_privkey_to_pem(key, &pem);
    EVP_PKEY *pk = NULL;
    if (st == CCS_OK) {
        BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.len);
        pk = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        if (pk == NULL) st = ssl_fail("the private key");
    }
    ccs_buf_free(&pem);
    if (st == CCS_OK && SSL_CTX_use_certificate(ctx, x) != 1) st = ssl_fail("SSL_CTX_use_certificate");
    if (st == CCS_OK && SSL_CTX_use_PrivateKey(ctx, pk) != 1) st = ssl_fail("SSL_CTX_use_PrivateKey");
    if (st == CCS_OK && SSL_CTX_check_private_key(ctx) != 1) st = ssl_fail("the key does not match the certificate");
    X509_free(x);
    EVP_PKEY_free(pk);
    return st;
}

ccs_status ccs_ratls_tls_new(ccs_ratls_role role, const ccs_x509 *cert, const ccs_privkey *key,
                             const ccs_ratls_tls_options *opt, ccs_ratls_tls **out) {
    static const ccs_ratls_tls_options none = {0};
    const ccs_ratls_tls_options *o = opt != NULL ? opt : &none;
    CCS_ENSURE(out != NULL && (role == CCS_RATLS_CLIENT || role == CCS_RATLS_SERVER), CCS_ERR_INVALID_ARG,
               "ratls tls: bad argument");
    *out = NULL;
    CCS_ENSURE((cert == NULL) == (key == NULL), CCS_ERR_INVALID_ARG, "ratls tls: a certificate needs its key");
    CCS_ENSURE(role == CCS_RATLS_CLIENT || cert != NULL, CCS_ERR_INVALID_ARG, "ratls tls: a server needs a certificate");
    CCS_ENSURE(role == CCS_RATLS_SERVER || o->peer_verifier != NULL, CCS_ERR_INVALID_ARG,
               "ratls tls: a client needs a verifier for the server's certificate");
    CCS_ENSURE(!o->defer_peer_refusal || role == CCS_RATLS_SERVER, CCS_ERR_INVALID_ARG,
               "ratls tls: defer_peer_refusal is for servers");
    CCS_TRY(indexes());
    ccs_ratls_tls *t = calloc(1, sizeof *t);
    CCS_ENSURE(t != NULL, CCS_ERR_NOMEM, "out of memory");
    t->role = role;
    ccs_status st = CCS_OK;
    t->ctx = SSL_CTX_new(role == CCS_RATLS_SERVER ? TLS_server_method() : TLS_client_method());
    if (t->ctx == NULL) st = ssl_fail("SSL_CTX_new");
    if (st == CCS_OK && (t->cs = OPENSSL_zalloc(sizeof *t->cs)) == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK && !SSL_CTX_set_ex_data(t->ctx, ctx_idx, t->cs)) {
        OPENSSL_free(t->cs);
        t->cs = NULL;
        st = ssl_fail("SSL_CTX_set_ex_data");
    }
    if (st == CCS_OK) {
        t->cs->v = o->peer_verifier;
        t->cs->defer = o->defer_peer_refusal;
    }
    if (st == CCS_OK && (SSL_CTX_set_min_proto_version(t->ctx, TLS1_3_VERSION) != 1 ||
                         SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION) != 1))
        st = ssl_fail("TLS 1.3 only");
    /* ECDSA P-256/P-384 signatures only (the RA-TLS keys). */
    if (st == CCS_OK && SSL_CTX_set1_sigalgs_list(t->ctx, "ECDSA+SHA256:ECDSA+SHA384") != 1)
        st = ssl_fail("signature algorithms");
    if (st == CCS_OK && cert != NULL) st = load_identity(t->ctx, cert, key);
    if (st == CCS_OK) {
        SSL_CTX_set_mode(t->ctx, SSL_MODE_AUTO_RETRY);
        /* No resumption: every connection presents and checks evidence. */
        SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(t->ctx, 0);
        if (o->peer_verifier != NULL)
            SSL_CTX_set_verify(t->ctx,
                               SSL_VERIFY_PEER | (role == CCS_RATLS_SERVER ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                               verify_cb);
        else
            SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
    }
    if (st != CCS_OK) {
        ccs_ratls_tls_free(t);
        return st;
    }
    *out = t;
    return CCS_OK;
}

void ccs_ratls_tls_free(ccs_ratls_tls *t) {
    if (t == NULL) return;
    SSL_CTX_free(t->ctx);
    free(t);
}

void *ccs_ratls_tls_ssl_ctx(ccs_ratls_tls *t) { return t != NULL ? t->ctx : NULL; }

/* ---- connections ---- */

/* A write to a socket the peer closed raises SIGPIPE; libraries must not
 * kill their caller, so SIGPIPE is blocked around writes and a pending one
 * consumed (as libcurl's sigpipe_ignore does). */
typedef struct sigpipe_guard {
    sigset_t old;
    bool pending_before;
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g) {
    sigset_t pipe, pend;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pend);
    g->pending_before = sigismember(&pend, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &g->old);
}

static void sigpipe_restore(sigpipe_guard *g) {
    sigset_t pipe, pend;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pend);
    if (!g->pending_before && sigismember(&pend, SIGPIPE) == 1) {
        struct timespec zero = {0, 0};
        (void)sigtimedwait(&pipe, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static ccs_status conn_fail(ccs_ratls_conn *c, ccs_status st, const char *what) {
    snprintf(c->error, sizeof c->error, "%s", what);
    return ccs_error_set(st, CCS_HERE, "%s", c->error);
}

ccs_status ccs_ratls_conn_new(ccs_ratls_tls *t, int fd, ccs_ratls_conn **out) {
    CCS_ENSURE(t != NULL && out != NULL && fd >= 0, CCS_ERR_INVALID_ARG, "ratls conn: bad argument");
    *out = NULL;
    ccs_ratls_conn *c = calloc(1, sizeof *c);
    CCS_ENSURE(c != NULL, CCS_ERR_NOMEM, "out of memory");
    c->t = t;
    c->ssl = SSL_new(t->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
        ccs_ratls_conn_free(c);
        return ssl_fail("SSL_new");
    }
    if (t->role == CCS_RATLS_SERVER) SSL_set_accept_state(c->ssl);
    else SSL_set_connect_state(c->ssl);
    *out = c;
    return CCS_OK;
}

void ccs_ratls_conn_free(ccs_ratls_conn *c) {
    if (c == NULL) return;
    SSL_free(c->ssl);
    free(c);
}

/* The OpenSSL error of a failed SSL_* call, into c->error. */
static ccs_status io_fail(ccs_ratls_conn *c, int ret, const char *what) {
    int e = SSL_get_error(c->ssl, ret);
    peer_state *ps = peer_get(c->ssl, false);
    if (ps != NULL && ps->ran && !ps->ok && !ps->defer) {
        ERR_clear_error();
        return conn_fail(c, CCS_ERR_VERIFY, ps->error);
    }
    char buf[300] = "";
    unsigned long oe = ERR_get_error();
    if (oe != 0) ERR_error_string_n(oe, buf, sizeof buf);
    else if (e == SSL_ERROR_SYSCALL) snprintf(buf, sizeof buf, "%s", errno ? strerror(errno) : "connection closed");
    else if (e == SSL_ERROR_ZERO_RETURN) snprintf(buf, sizeof buf, "connection closed");
    else snprintf(buf, sizeof buf, "SSL error %d", e);
    ERR_clear_error();
    snprintf(c->error, sizeof c->error, "%s: %s", what, buf);
    return ccs_error_set(CCS_ERR_NETWORK, CCS_HERE, "%s", c->error);
}

ccs_status ccs_ratls_conn_handshake(ccs_ratls_conn *c) {
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "ratls conn: NULL argument");
    c->error[0] = '\0';
    ERR_clear_error();
    sigpipe_guard g;
    sigpipe_block(&g);
    int r = SSL_do_handshake(c->ssl);
    sigpipe_restore(&g);
    if (r != 1) return io_fail(c, r, "TLS handshake");
    if (SSL_version(c->ssl) != TLS1_3_VERSION) return conn_fail(c, CCS_ERR_NETWORK, "not TLS 1.3");
    if (c->t->cs->v != NULL && !c->t->cs->defer && !ccs_ratls_ssl_peer_ok(c->ssl, NULL)) {
        /* Fail closed even if OpenSSL completed without our verdict. */
        peer_state *ps = peer_get(c->ssl, false);
        return conn_fail(c, CCS_ERR_VERIFY,
                         ps != NULL && ps->error[0] ? ps->error : "the peer's RA-TLS certificate was not verified");
    }
    if (c->t->cs->defer && !ccs_ratls_ssl_peer_ok(c->ssl, NULL)) {
        peer_state *ps = peer_get(c->ssl, false);
        snprintf(c->error, sizeof c->error, "%s",
                 ps != NULL && ps->error[0] ? ps->error : "the peer's RA-TLS certificate was not verified");
    }
    return CCS_OK;
}

ccs_status ccs_ratls_conn_read(ccs_ratls_conn *c, void *buf, size_t cap, size_t *n) {
    CCS_ENSURE(c != NULL && buf != NULL && n != NULL && cap > 0, CCS_ERR_INVALID_ARG, "ratls conn: bad argument");
    *n = 0;
    ERR_clear_error();
    size_t got = 0;
    sigpipe_guard g; /* a TLS 1.3 read may write (key updates, alerts) */
    sigpipe_block(&g);
    int r = SSL_read_ex(c->ssl, buf, cap, &got);
    sigpipe_restore(&g);
    if (r == 1) {
        *n = got;
        return CCS_OK;
    }
    if (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN) return CCS_OK;
    return io_fail(c, r, "TLS read");
}

ccs_status ccs_ratls_conn_read_full(ccs_ratls_conn *c, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        size_t n = 0;
        CCS_TRY(ccs_ratls_conn_read(c, (unsigned char *)buf + done, len - done, &n));
        if (n == 0) return conn_fail(c, CCS_ERR_TRUNCATED, "the peer closed the connection early");
        done += n;
    }
    return CCS_OK;
}

ccs_status ccs_ratls_conn_write(ccs_ratls_conn *c, const void *buf, size_t len) {
    CCS_ENSURE(c != NULL && (buf != NULL || len == 0), CCS_ERR_INVALID_ARG, "ratls conn: bad argument");
    ERR_clear_error();
    size_t done = 0;
    while (done < len) {
        size_t w = 0;
        sigpipe_guard g;
        sigpipe_block(&g);
        int r = SSL_write_ex(c->ssl, (const unsigned char *)buf + done, len - done, &w);
        sigpipe_restore(&g);
        if (r != 1) return io_fail(c, r, "TLS write");
        done += w;
    }
    return CCS_OK;
}

void ccs_ratls_conn_close(ccs_ratls_conn *c) {
    if (c == NULL) return;
    ERR_clear_error();
    sigpipe_guard g;
    sigpipe_block(&g);
    (void)SSL_shutdown(c->ssl);
    sigpipe_restore(&g);
    ERR_clear_error();
}

const char *ccs_ratls_conn_error(const ccs_ratls_conn *c) { return c != NULL ? c->error : "NULL connection"; }

const ccs_ratls_result *ccs_ratls_conn_peer_result(const ccs_ratls_conn *c) {
    if (c == NULL) return NULL;
    peer_state *ps = SSL_get_ex_data(c->ssl, ssl_idx);
    return ps != NULL && ps->have_result ? &ps->result : NULL;
}

bool ccs_ratls_conn_peer_ok(const ccs_ratls_conn *c) { return c != NULL && ccs_ratls_ssl_peer_ok(c->ssl, NULL); }
