/* Helpers for the KBS server tests (server_util.c): an in-process server on
 * 127.0.0.1 port 0 with a temp store, a sim root and policies; an HTTP
 * client (libcurl); sim evidence bound to a session's runtime data. Safe to
 * call from worker threads except where marked (cmocka asserts). */
#ifndef CCS_KBS_SERVER_UTIL_H
#define CCS_KBS_SERVER_UTIL_H

#include <pthread.h>

#include <jansson.h>

#include "ccs/kbs.h"
#include "ccs/kbs_protocol.h"
#include "ccs/tee.h"
#include "kbs_internal.h"

#define SU_MEASUREMENT "ccs server test enclave v1"
#define SU_SECRET "the secret of default/keys/k1"

typedef struct su_server {
    char dir[512];     /* CCS_TEST_TMP/server-<pid>-<name> */
    char sim_dir[600], store[600], token_key[600], admin_priv[600], admin_pub[600];
    char url[128];
    ccs_kbs_config cfg;
    ccs_kbs_server *srv;
    pthread_t thread;
    bool running;
} su_server;

typedef struct su_opts {
    int64_t session_timeout_s; /* 0: default */
    bool tls;                  /* self-signed cert for 127.0.0.1 / localhost */
    bool no_policies;
    int64_t workers, max_connections, request_timeout_s; /* 0: defaults */
} su_opts;

/* Starts a server (cmocka asserts): sim root trusted, admin key pair, the
 * attestation policy (sim-sgx, mrenclave from reference values
 * "sim-sgx.mrenclave" = SHA-256(SU_MEASUREMENT)), the resource policy
 * (everything under "default/denied" denied, else sim-sgx affirming/warning) and the
 * resource default/keys/k1 = SU_SECRET, all set through the admin API. */
void su_start(su_server *s, const char *name, const su_opts *o);
void su_stop(su_server *s);

/* An admin token signed with the server's admin key (or priv_path). */
char *su_admin_token(const su_server *s, const char *priv_path, int64_t lifetime_s);

typedef struct su_resp {
    long status;
    ccs_buf body;  /* NUL kept after len */
    char cookie[CCS_KBS_COOKIE_MAX + 1]; /* from Set-Cookie, if any */
    json_t *json;  /* the body parsed, when it is JSON */
} su_resp;
void su_resp_clear(su_resp *r);
/* One request. cookie / bearer may be NULL. Returns the curl code (0 ok). */
int su_http(const su_server *s, const char *method, const char *path, const char *cookie, const char *bearer,
            const void *body, size_t len, su_resp *out);
/* The error kind of a reply ("AttestationError"), or "". */
const char *su_kind(const su_resp *r);
const char *su_detail(const su_resp *r);

/* A client's state through the protocol. */
typedef struct su_client {
    json_t *priv, *pub; /* the tee key pair */
    char cookie[CCS_KBS_COOKIE_MAX + 1];
    char nonce[64];
    char *token;
} su_client;
void su_client_clear(su_client *c);
/* POST /auth for tee; 0 on 200. */
int su_auth(const su_server *s, su_client *c, const char *tee);
/* The attestation request body for evidence over (nonce, pubkey) with the
 * given measurement and hash; caller decrefs. */
json_t *su_attest_body(const su_server *s, const char *measurement, const char *nonce, const json_t *pub,
                       ccs_hash_alg alg);
/* The same from another sim platform, launched with config_id (MRCONFIGID /
 * CONFIGID; empty: zero). */
json_t *su_attest_body_ex(const su_server *s, ccs_platform platform, const char *measurement, ccs_bytes config_id,
                          const char *nonce, const json_t *pub, ccs_hash_alg alg);
/* A full flow: auth, attest, GET path; the decrypted resource into out.
 * Returns the HTTP status of the first failing step, or 200. */
long su_flow(const su_server *s, const char *path, ccs_buf *out);

#endif
