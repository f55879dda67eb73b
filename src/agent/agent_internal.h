/*
 * agent_internal.h - private to src/agent (and its tests): the pieces of the
 * RCAR client (specs/kbs-image-ratls.md 1.1) one by one, so that each can be
 * checked on its own.
 */
#ifndef CCS_AGENT_INTERNAL_H
#define CCS_AGENT_INTERNAL_H

#include <jansson.h>

#include "ccs/agent.h"
#include "ccs/kbsproto.h"

/* Upper bounds on what the KBS may send. */
#define AGENT_MAX_REPLY CCS_KBS_MAX_BODY                    /* /auth, /attest */
#define AGENT_MAX_JWE ((CCS_KBS_MAX_RESOURCE / 3 + 1) * 4 + 65536) /* /resource */
#define AGENT_MAX_NONCE 1024
#define AGENT_MAX_COOKIE 512
#define AGENT_MAX_DETAIL 300 /* characters of the KBS's error detail kept */

struct ccs_agent {
    char *kbs_url; /* base, without a trailing "/" or "/kbs/v0" */
    char *cacert;
    bool insecure_tls;
    long connect_ms, timeout_ms;
    ccs_backend *backend;
    ccs_buf init_data;       /* empty: none */
    const char *init_format; /* "json" or "toml" (static) */
};

/* ---- http.c: one KBS conversation (its kbs-session-id cookie) ---- */
typedef struct agent_http agent_http;

CCS_MUST_USE ccs_status agent_http_open(const ccs_agent *a, agent_http **out);
void agent_http_free(agent_http *h);
/* POST (body non-NULL, JSON) or GET path (under the KBS base URL). A 2xx
 * reply is appended to reply (at most max bytes, else CCS_ERR_OVERFLOW); any
 * other status is an error carrying the KBS's RFC 7807 kind and detail. The
 * session cookie from a Set-Cookie reply is kept and sent on later requests. */
CCS_MUST_USE ccs_status agent_http_call(agent_http *h, const char *path, const ccs_buf *body, size_t max,
                                        ccs_buf *reply);
/* The kbs-session-id value received (empty before /auth). */
const char *agent_http_cookie(const agent_http *h);

/* Status for a KBS error reply, and its message ("<kind>: <detail>") with the
 * detail cut to AGENT_MAX_DETAIL printable ASCII characters. */
ccs_status agent_http_error(long http_status, ccs_bytes body, const char *what);
/* Copies printable ASCII from s (n bytes) into out (cap > 0), replacing other
 * bytes with '?', and cutting at cap - 1 (with "..." when cut). */
void agent_sanitize(const char *s, size_t n, char *out, size_t cap);

/* ---- evidence.c ---- */
/* The report data for a challenge: H(JCS({"nonce","tee-pubkey"})) zero-padded
 * to 64 bytes (kbs_protocol.h). */
CCS_MUST_USE ccs_status agent_report_data(const char *nonce, const json_t *tee_pubkey, ccs_hash_alg alg,
                                          uint8_t rd[static 64]);
/* The primary_evidence JSON for raw backend evidence of platform p. */
CCS_MUST_USE ccs_status agent_primary_evidence(ccs_platform p, ccs_bytes raw, json_t **out);
/* Evidence over rd (<= 64 bytes) from a's backend, as primary_evidence. */
CCS_MUST_USE ccs_status agent_evidence_json(ccs_agent *a, ccs_bytes rd, json_t **out);

/* ---- rcar.c: the protocol steps ---- */
typedef struct agent_session {
    agent_http *http;
    char *nonce;       /* from the challenge */
    ccs_hash_alg alg;  /* selected-hash-algorithm, else SHA-384 */
    json_t *key;       /* private JWK (secret) */
    json_t *pubkey;    /* its tee-pubkey */
    ccs_buf token;     /* EAR JWT after /attest (NUL-terminated) */
} agent_session;

void agent_session_clear(agent_session *s); /* wipes the key and the token */
/* Parses the challenge reply into s->nonce and s->alg (untrusted bytes;
 * fuzz/agent_reply.c). */
CCS_MUST_USE ccs_status agent_parse_challenge(agent_session *s, ccs_bytes reply);
/* POST /auth; parses the challenge (nonce, selected hash). */
CCS_MUST_USE ccs_status agent_rcar_auth(ccs_agent *a, agent_session *s);
/* Builds the /attest body: a fresh key pair, the runtime data and evidence
 * over its digest. */
CCS_MUST_USE ccs_status agent_rcar_attest_body(ccs_agent *a, agent_session *s, ccs_buf *body);
/* POSTs an /attest body and keeps the token. */
CCS_MUST_USE ccs_status agent_rcar_attest_send(agent_session *s, const ccs_buf *body);
/* GET /resource/<path> with the session cookie, decrypts the JWE. */
CCS_MUST_USE ccs_status agent_rcar_resource(agent_session *s, const char *path, ccs_buf *out);
/* auth + attest body + attest. */
CCS_MUST_USE ccs_status agent_rcar_attest(ccs_agent *a, agent_session *s);

/* ccs_agent_server_new with the connection guard's limit and deadline
 * given (rest.c; the public one uses CCS_AGENT_MAX_CONNECTIONS and
 * CCS_AGENT_REQUEST_DEADLINE_S; tests use small ones). */
CCS_MUST_USE ccs_status agent_server_new_guarded(ccs_agent *a, const char *listen, size_t max_connections,
                                                 int64_t deadline_s, ccs_agent_server **out);

#endif
