/*
 * ccs/kbs.h - the key broker service: configuration, the HTTP(S) server that
 * speaks the RCAR protocol (ccs/kbs_protocol.h) and its admin API, and the
 * operator helpers behind `ccs kbs admin`. docs/kbs.md "Server",
 * "Configuration", "API reference".
 *
 * The server runs its libevent loop in the caller's thread
 * (ccs_kbs_server_run); ccs_kbs_server_stop may be called from a signal
 * handler or another thread. Tests start one on 127.0.0.1 port 0 and read the
 * bound port with ccs_kbs_server_port. Like any socket server, the process
 * should ignore SIGPIPE (a client that goes away mid-reply); the library does
 * not change signal dispositions itself.
 */
#ifndef CCS_KBS_H
#define CCS_KBS_H

#include <stdbool.h>
#include <stdint.h>

#include "ccs/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ccs_kbs_log_level {
    CCS_KBS_LOG_ERROR = 0,
    CCS_KBS_LOG_WARN = 1,
    CCS_KBS_LOG_INFO = 2, /* the default: one line per request */
    CCS_KBS_LOG_DEBUG = 3,
} ccs_kbs_log_level;

/* The server's settings. Every string is owned (malloc'd) by the config and
 * freed by ccs_kbs_config_clear; NULL means "not set". */
typedef struct ccs_kbs_config {
    char *listen;              /* "host:port"; default "127.0.0.1:8080" (port 0: any free port) */
    char *tls_cert, *tls_key;  /* PEM files; both or neither. With them the server speaks HTTPS only */
    char *store;               /* SQLite file; default "<state dir>/kbs.db" */
    char *token_key;           /* EAR signing key (JWK or PEM); default "<state dir>/token-key.jwk",
                                  created with mode 0600 when absent */
    int64_t token_lifetime_s;  /* EAR lifetime; default 300 */
    int64_t session_timeout_s; /* RCAR session lifetime; default 300 */
    char *admin_key;           /* admin public key (PEM or JWK); NULL: the admin API answers 401 */
    char *insecure_trust_sim_dir; /* INSECURE: accept sim evidence signed by this sim root */
    char *dcap_collateral;     /* collateral directory or dcap-qvl JSON for sgx/tdx */
    char *dcap_pccs_url, *dcap_pccs_cache;
    char *snp_vcek_dir;        /* vcek.der|vlek.der + cert_chain.pem */
    char *csv_hsk_cek_dir;     /* hsk_cek.cert (or hsk.cert + cek.cert) */
    char *tpm_ak_dir;          /* ak.pem, or ak_chain.pem + ak_root.pem */
    char *attestation_policy;  /* policy files stored at start (optional) */
    char *resource_policy;
    ccs_kbs_log_level log_level;
    bool allow_remote_plain_http; /* listen on a non-loopback address without TLS (logged as a warning) */
    int64_t workers;           /* event-loop threads serving requests; 0 (default): one per CPU, at most 16 */
    int64_t max_connections;   /* open connections at once, shared by the loops; default 1024 */
    int64_t request_timeout_s; /* a request must arrive whole within this of its connection's start or
                                  previous request (however slowly its bytes come); default 30 */
} ccs_kbs_config;

/* The embedded defaults (docs/kbs.md "Configuration"). The state directory is
 * $STATE_DIRECTORY (systemd), else $HOME/.local/share/ccs/kbs, else ".". */
CCS_MUST_USE ccs_status ccs_kbs_config_defaults(ccs_kbs_config *cfg);
/* The defaults overlaid with a JSON config file. Unknown keys and wrong types
 * are CCS_ERR_FORMAT naming the JSON path ("tls.cert: expected a string").
 * Relative paths in the file are taken relative to the file's directory. */
CCS_MUST_USE ccs_status ccs_kbs_config_load(const char *path, ccs_kbs_config *cfg);
/* The same from JSON text in memory (the file's contents); relative paths
 * are taken relative to base_dir (NULL: kept as written). */
CCS_MUST_USE ccs_status ccs_kbs_config_parse(ccs_bytes text, const char *base_dir, ccs_kbs_config *cfg);
/* Replaces one string member (copies value; NULL unsets). */
CCS_MUST_USE ccs_status ccs_kbs_config_set(char **member, const char *value);
void ccs_kbs_config_clear(ccs_kbs_config *cfg); /* frees every string, leaves cfg zeroed */

typedef struct ccs_kbs_server ccs_kbs_server;

/* Opens the store, loads or creates the token key, stores the configured
 * policies, loads the TLS key pair and binds the listening socket. Nothing is
 * served until ccs_kbs_server_run. */
CCS_MUST_USE ccs_status ccs_kbs_server_new(const ccs_kbs_config *cfg, ccs_kbs_server **out);
/* The bound TCP port (useful with port 0). */
uint16_t ccs_kbs_server_port(const ccs_kbs_server *s);
/* Serves requests until ccs_kbs_server_stop; returns CCS_OK after a stop. */
CCS_MUST_USE ccs_status ccs_kbs_server_run(ccs_kbs_server *s);
/* Async-signal-safe and thread-safe: asks the loop to finish the request in
 * progress and return from ccs_kbs_server_run. */
void ccs_kbs_server_stop(ccs_kbs_server *s);
void ccs_kbs_server_free(ccs_kbs_server *s); /* NULL ok; not while running */

/* ---- operator helpers (`ccs kbs admin ...`) ---- */

/* A fresh P-256 admin key pair: the private key (PKCS#8 PEM, mode 0600) at
 * priv_path and the public key (PEM "PUBLIC KEY") at pub_path, the file the
 * KBS config names as "admin_key". */
CCS_MUST_USE ccs_status ccs_kbs_admin_keygen(const char *priv_path, const char *pub_path);
/* An admin bearer token (ES256 JWT, aud "ccs-kbs-admin", iat, exp = now +
 * lifetime_s) signed with the private key at key_path (PEM or JWK). The
 * token is appended to out (NUL kept after len). */
CCS_MUST_USE ccs_status ccs_kbs_admin_token_mint(const char *key_path, ccs_time now, int64_t lifetime_s,
                                                 ccs_buf *out);

#ifdef __cplusplus
}
#endif
#endif
