/* Secret provisioning over mutual RA-TLS (docs/ratls.md "Secret
 * provisioning"): a client attests with a fresh RA-TLS certificate from its
 * local backend, verifies the server's, and asks for one secret by name; the
 * server sends it only when the client's certificate passed its verifier and
 * policy. Records: u8 version | u8 type | u32 BE length | payload. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ratls_internal.h"

bool ccs_ratls_secret_name_ok(const char *name) {
    if (name == NULL) return false;
    size_t n = strnlen(name, CCS_RATLS_SECRET_NAME_MAX + 1);
    if (n == 0 || n > CCS_RATLS_SECRET_NAME_MAX) return false;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

static ccs_status send_record(ccs_ratls_conn *c, uint8_t type, const void *p, size_t len) {
    uint8_t h[6] = {CCS_RATLS_PROV_VERSION, type, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
    CCS_TRY(ccs_ratls_conn_write(c, h, sizeof h));
    return ccs_ratls_conn_write(c, p, len);
}

/* One record of at most max payload bytes into out (replaced). */
static ccs_status recv_record(ccs_ratls_conn *c, uint8_t *type, size_t max, ccs_buf *out) {
    uint8_t h[6];
    CCS_TRY(ccs_ratls_conn_read_full(c, h, sizeof h));
    CCS_ENSURE(h[0] == CCS_RATLS_PROV_VERSION, CCS_ERR_UNSUPPORTED, "provisioning: record version %u (expected 1)",
               h[0]);
    size_t len = (size_t)h[2] << 24 | (size_t)h[3] << 16 | (size_t)h[4] << 8 | h[5];
    CCS_ENSURE(len <= max, CCS_ERR_OVERFLOW, "provisioning: a record of %zu bytes (at most %zu)", len, max);
    *type = h[1];
    out->len = 0;
    CCS_TRY(ccs_buf_reserve(out, len + 1));
    CCS_TRY(ccs_ratls_conn_read_full(c, out->ptr, len));
    out->len = len;
    return CCS_OK;
}

ccs_status ccs_ratls_provision_serve(ccs_ratls_conn *c, const char *secrets_dir, bool *served, char *why,
                                     size_t cap) {
    CCS_ENSURE(c != NULL && secrets_dir != NULL, CCS_ERR_INVALID_ARG, "provisioning: NULL argument");
    if (served != NULL) *served = false;
    if (why != NULL && cap > 0) why[0] = '\0';
    else cap = 0;
    ccs_buf req = {0}, secret = {0};
    uint8_t type = 0;
    char name[CCS_RATLS_SECRET_NAME_MAX + 1] = "", msg[CCS_RATLS_PROV_ERROR_MAX];
    ccs_status st = recv_record(c, &type, CCS_RATLS_SECRET_NAME_MAX, &req);
    if (st != CCS_OK) {
        snprintf(msg, sizeof msg, "bad request: %s", ccs_error_detail());
        if (cap) snprintf(why, cap, "%s", msg);
        (void)send_record(c, CCS_RATLS_PROV_ERROR, msg, strlen(msg));
        ccs_buf_free(&req);
        return st;
    }
    size_t name_len = req.len;
    if (name_len > 0) memcpy(name, req.ptr, name_len);
    name[name_len] = '\0';
    ccs_buf_free(&req);
    if (type != CCS_RATLS_PROV_GET) {
        snprintf(msg, sizeof msg, "bad request: record type %u (expected GET)", type);
    } else if (strlen(name) != name_len || !ccs_ratls_secret_name_ok(name)) {
        snprintf(msg, sizeof msg, "bad request: a secret name is 1 to 128 of [A-Za-z0-9._-], not . or ..");
    } else if (!ccs_ratls_conn_peer_ok(c)) {
        snprintf(msg, sizeof msg, "refused: %s", ccs_ratls_conn_error(c)[0] ? ccs_ratls_conn_error(c)
                                                                            : "the client's RA-TLS certificate did not pass");
    } else {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", secrets_dir, name);
        if (n < 0 || (size_t)n >= sizeof path) snprintf(msg, sizeof msg, "refused: the secret path is too long");
        else if (ccs_file_read(path, CCS_RATLS_SECRET_MAX, &secret) != CCS_OK)
            snprintf(msg, sizeof msg, "no secret named %s", name);
        else
            msg[0] = '\0';
    }
    if (msg[0] == '\0') {
        st = send_record(c, CCS_RATLS_PROV_SECRET, secret.ptr, secret.len);
        if (st == CCS_OK && served != NULL) *served = true;
        if (cap) snprintf(why, cap, "sent secret %s%s", name, st == CCS_OK ? "" : " (write failed)");
    } else {
        st = send_record(c, CCS_RATLS_PROV_ERROR, msg, strlen(msg));
        if (cap) snprintf(why, cap, "%s (asked for %s)", msg, name[0] ? name : "-");
    }
    ccs_buf_free(&secret);
    ccs_ratls_conn_close(c);
    return st;
}

/* ---- client ---- */

static ccs_status dial(const char *server, int timeout_ms, int *fd_out) {
    char host[256], port[16];
    const char *colon = strrchr(server, ':');
    CCS_ENSURE(colon != NULL && colon != server && strlen(colon + 1) > 0 && strlen(colon + 1) < sizeof port,
               CCS_ERR_INVALID_ARG, "provisioning: server must be HOST:PORT: %s", server);
    size_t hl = (size_t)(colon - server);
    if (server[0] == '[' && hl >= 2 && server[hl - 1] == ']') {
        server++;
        hl -= 2;
    }
    CCS_ENSURE(hl < sizeof host, CCS_ERR_INVALID_ARG, "provisioning: host name too long");
    memcpy(host, server, hl);
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    CCS_ENSURE(gai == 0, CCS_ERR_NETWORK, "provisioning: %s: %s", host, gai_strerror(gai));
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        /* SO_SNDTIMEO bounds connect() too on Linux. */
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    CCS_ENSURE(fd >= 0, CCS_ERR_NETWORK, "provisioning: cannot connect to %s", server);
    *fd_out = fd;
    return CCS_OK;
}

ccs_status ccs_ratls_provision_fetch(const ccs_ratls_provision_request *req, ccs_buf *secret) {
    CCS_ENSURE(req != NULL && secret != NULL && req->server != NULL && req->backend != NULL &&
                   req->server_verifier != NULL,
               CCS_ERR_INVALID_ARG, "provisioning: server, backend and server_verifier are required");
    CCS_ENSURE(ccs_ratls_secret_name_ok(req->name), CCS_ERR_INVALID_ARG,
               "provisioning: a secret name is 1 to 128 of [A-Za-z0-9._-], not . or ..");
    ccs_buf_free(secret);
    ccs_x509 *cert = NULL;
    ccs_privkey *key = NULL;
    ccs_ratls_tls *t = NULL;
    ccs_ratls_conn *c = NULL;
    ccs_buf rec = {0};
    int fd = -1;
    uint8_t type = 0;
    ccs_ratls_create_options co = {.curve = req->curve, .endorsements = req->endorsements};
    ccs_ratls_tls_options to = {.peer_verifier = req->server_verifier};
    ccs_status st = ccs_ratls_cert_create(req->backend, &co, &cert, &key);
    if (st == CCS_OK) st = ccs_ratls_tls_new(CCS_RATLS_CLIENT, cert, key, &to, &t);
    if (st == CCS_OK) st = dial(req->server, req->timeout_ms > 0 ? req->timeout_ms : 10000, &fd);
    if (st == CCS_OK) st = ccs_ratls_conn_new(t, fd, &c);
    if (st == CCS_OK) st = ccs_ratls_conn_handshake(c);
    if (st == CCS_OK) st = send_record(c, CCS_RATLS_PROV_GET, req->name, strlen(req->name));
    if (st == CCS_OK) st = recv_record(c, &type, CCS_RATLS_SECRET_MAX, &rec);
    if (st == CCS_OK && type == CCS_RATLS_PROV_SECRET) {
        st = ccs_buf_set(secret, ccs_buf_view(&rec));
    } else if (st == CCS_OK && type == CCS_RATLS_PROV_ERROR) {
        size_t n = rec.len < CCS_RATLS_PROV_ERROR_MAX ? rec.len : CCS_RATLS_PROV_ERROR_MAX;
        st = ccs_error_set(CCS_ERR_POLICY, CCS_HERE, "the server refused: %.*s", (int)n, (const char *)rec.ptr);
    } else if (st == CCS_OK) {
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "provisioning: unexpected record type %u", type);
    } else if (c != NULL && ccs_ratls_conn_error(c)[0]) {
        st = ccs_error_set(st, CCS_HERE, "%s", ccs_ratls_conn_error(c));
    }
    ccs_buf_free(&rec); /* wipes */
    if (c != NULL) ccs_ratls_conn_close(c);
    ccs_ratls_conn_free(c);
    if (fd >= 0) close(fd);
    ccs_ratls_tls_free(t);
    ccs_x509_free(cert);
    ccs_privkey_free(key);
    if (st != CCS_OK) ccs_buf_free(secret);
    return st;
}
