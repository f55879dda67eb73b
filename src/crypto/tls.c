/* TLS for the KBS HTTPS listener: an OpenSSL server context and the
 * libevent_openssl bufferevent for each accepted connection. The only file
 * that includes OpenSSL's SSL headers (DESIGN.md "Conventions"). */
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ccs/crypto.h"

struct ccs_tls_server {
    SSL_CTX *ctx;
};

static ccs_status ssl_fail(const char *what, const char *path) {
    char why[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, why, sizeof why);
    ERR_clear_error();
    CCS_BAIL(CCS_ERR_CRYPTO, "tls: %s %s: %s", what, path, e ? why : "failed");
}

ccs_status ccs_tls_server_new(const char *cert_path, const char *key_path, ccs_tls_server **out) {
    CCS_ENSURE(cert_path != NULL && key_path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "tls: bad arguments");
    *out = NULL;
    ccs_tls_server *t = calloc(1, sizeof *t);
    CCS_ENSURE(t != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = CCS_OK;
    t->ctx = SSL_CTX_new(TLS_server_method());
    if (t->ctx == NULL) st = ssl_fail("cannot create a context for", cert_path);
    if (st == CCS_OK && SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1)
        st = ssl_fail("cannot set TLS 1.2 as the minimum for", cert_path);
    if (st == CCS_OK) {
        /* No renegotiation, no compression, server cipher preference. */
        SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                        SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
    }
    if (st == CCS_OK && SSL_CTX_use_certificate_chain_file(t->ctx, cert_path) != 1)
        st = ssl_fail("cannot load the certificate chain", cert_path);
    if (st == CCS_OK && SSL_CTX_use_PrivateKey_file(t->ctx, key_path, SSL_FILETYPE_PEM) != 1)
        st = ssl_fail("cannot load the private key", key_path);
    if (st == CCS_OK && SSL_CTX_check_private_key(t->ctx) != 1)
        st = ssl_fail("the private key does not match the certificate in", cert_path);
    if (st != CCS_OK) {
        ccs_tls_server_free(t);
        return st;
    }
    *out = t;
    return CCS_OK;
}

void ccs_tls_server_free(ccs_tls_server *t) {
    if (t == NULL) return;
    SSL_CTX_free(t->ctx);
    free(t);
}

struct bufferevent *ccs_tls_bufferevent_new(ccs_tls_server *t, struct event_base *base) {
    if (t == NULL || base == NULL) return NULL;
    SSL *ssl = SSL_new(t->ctx);
    if (ssl == NULL) return NULL;
    /* BEV_OPT_CLOSE_ON_FREE also frees the SSL object. */
    struct bufferevent *bev =
        bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) SSL_free(ssl);
    return bev;
}
