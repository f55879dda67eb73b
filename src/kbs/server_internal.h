/*
 * server_internal.h - private to the KBS server files: server.c (setup, loop,
 * routing, logging), http.c (replies, bodies, cookies), server_rcar.c (auth,
 * attest, resource), server_admin.c (the admin API), evidence.c (the
 * verifiers) and config.c.
 */
#ifndef CCS_KBS_SERVER_INTERNAL_H
#define CCS_KBS_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

#include <jansson.h>

#include "ccs/crypto.h"
#include "ccs/attest.h"
#include "ccs/kbs.h"
#include "ccs/kbs_protocol.h"
#include "kbs_internal.h"

struct evhttp_request;
struct bufferevent;
struct evhttp_bound_socket;
struct evconnlistener;
struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct event;

/* One event loop serving requests. The listening socket is shared (each
 * loop accepts on its own dup of it) and every request runs to completion on
 * the loop that accepted it. Each loop has its own copies of the keys, so no
 * jansson object is shared between threads; the store, the collateral cache
 * and the collateral objects are thread-safe. */
/* The policies as last parsed by one loop, with the text they came from: a
 * request reads the policy text from the store (so an admin change from any
 * loop or process applies at once) and parses it only when it changed. */
typedef struct kbs_policy_cache {
    char *att_text, *res_text;
    ccs_kbs_attestation_policy *att;
    ccs_kbs_resource_policy *res;
} kbs_policy_cache;

/* EAR claims by token (token_cache.c): what a loop issued or verified, so a
 * resource request does not parse (or, for a bearer token, verify) the same
 * token again. */
#define KBS_TOKEN_CACHE_SLOTS 1024
typedef struct kbs_token_entry {
    char *token; /* a copy, wiped when dropped */
    size_t len;
    ccs_time until; /* the last second it may be used */
    json_t *claims; /* NULL: empty */
    ccs_kbs_tee_pubkey *tee_key; /* the claims' tee-pubkey, opened (cookie entries); may be NULL */
} kbs_token_entry;
typedef struct kbs_token_cache {
    kbs_token_entry *slots; /* KBS_TOKEN_CACHE_SLOTS, allocated on first use */
} kbs_token_cache;

typedef struct kbs_worker {
    struct ccs_kbs_server *srv;
    kbs_policy_cache policies;
    kbs_token_cache tokens;
    /* The same cache keyed by the session cookies of attested sessions: a
     * stored session never changes once written (its row is inserted once,
     * and only expiry removes it), so the cookie's claims can be kept until
     * the session or its token expires, whichever is first. */
    kbs_token_cache cookies;
    struct event_base *base;
    struct evhttp *http;
    ccs_kbs_token_key *token_key;
    json_t *token_pub; /* public JWK of token_key: verifies EARs we issued */
    json_t *admin_jwk; /* NULL: admin API disabled */
    pthread_t thread;
    bool started;
    /* Attestations whose session rows wait for the loop's group commit
     * (server_batch.c), in arrival order, and the event that stores them. */
    struct kbs_pending *pending, **pending_tail;
    struct event *flush_ev;
    struct ccs__conn_guard *conns;   /* the connection guard (src/core/evhttp/conn_guard.c) */
    struct evconnlistener *listener; /* its accept loop, guarded against fd exhaustion */
    int64_t accept_error_logged;     /* the second of the last accept error logged */
} kbs_worker;

#define KBS_MAX_WORKERS 64

/* ---- the accept guard (server_conn.c) ---- */
void kbs_conns_guard_listener(kbs_worker *w, struct evhttp_bound_socket *sock);
void kbs_conns_unguard_listener(kbs_worker *w);

struct ccs_kbs_server {
    ccs_kbs_config cfg; /* a deep copy */
    kbs_worker workers[KBS_MAX_WORKERS]; /* workers[0] runs in the caller of ccs_kbs_server_run */
    size_t n_workers;
    ccs_kbs_store *store;
    ccs_kbs_token_key *token_key;
    json_t *token_pub;  /* public JWK of token_key: verifies EARs we issued */
    json_t *admin_jwk;  /* NULL: admin API disabled */
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct event *stop_ev;
    struct event *purge_more; /* the next batch of expired sessions (server.c) */
    size_t purged;            /* by the batches of this purge so far */
    int stop_pipe[2];
    ccs_tls_server *tls; /* NULL: plain HTTP */
    uint16_t port;
    bool running;
};

/* config.c: deep copy (dst is cleared first). */
CCS_MUST_USE ccs_status kbs_config_copy(const ccs_kbs_config *src, ccs_kbs_config *dst);

/* Logging to stderr, one line, when lvl <= the configured level. Never give
 * it request bodies, tokens or resource values. */
void kbs_log(const ccs_kbs_server *s, ccs_kbs_log_level lvl, const char *fmt, ...) CCS_PRINTF(3, 4);

/* ---- one request (http.c) ---- */
typedef struct kbs_req {
    ccs_kbs_server *srv;
    kbs_worker *w; /* the loop serving this request (its keys) */
    struct evhttp_request *req;
    const char *method; /* "GET", "POST", "DELETE" */
    char path[1024];    /* the URI path, not decoded; the query is dropped */
    int status;         /* what was sent; 0 until a reply */
    bool deferred;      /* the reply comes later (server_batch.c) */
    struct timespec t0;
} kbs_req;

/* An RFC 7807-style error {"type": CCS_KBS_ERROR_TYPE_PREFIX kind, "detail"}. */
void kbs_reply_error(kbs_req *r, int code, const char *kind, const char *fmt, ...) CCS_PRINTF(4, 5);
/* A JSON body (stolen) with the status code. */
void kbs_reply_json(kbs_req *r, int code, json_t *body);
/* An empty 200. */
void kbs_reply_ok(kbs_req *r);
/* 200 {"token":"..."} for a compact JWS (the EAR), built without jansson. */
void kbs_reply_token(kbs_req *r, const char *token, size_t len);
/* 200 {"nonce":..,"extra-params":{}} (the /auth reply). */
void kbs_reply_nonce(kbs_req *r, const char *nonce);
/* 200 with a resource JWE (takes the reference). */
void kbs_reply_jwe(kbs_req *r, json_t *jwe);
/* A body of at most max bytes into out: CCS_ERR_OVERFLOW when larger (the
 * caller answers 413). */
CCS_MUST_USE ccs_status kbs_body(kbs_req *r, size_t max, ccs_buf *out);
/* Reads and parses a JSON object body; on failure the reply (413 or 400) is
 * already sent and NULL returned. */
json_t *kbs_body_json(kbs_req *r);
/* text (a request body) as a JSON object: exactly what
 * ccs_kbs_json_object_parse gives (the same tree, or the same status and
 * error text), most bodies through a faster parser (json_body.c). */
CCS_MUST_USE ccs_status kbs_json_body_parse(ccs_bytes text, json_t **out);
/* The fast path alone: the tree, or NULL where it gives way to jansson
 * (tests and the fuzz target check which documents take it). */
json_t *kbs_json_body_fast(ccs_bytes text);
/* The value of cookie `name` (copied; at most cap-1 bytes, else false). */
bool kbs_cookie(kbs_req *r, const char *name, char *out, size_t cap);
/* The token of "Authorization: Bearer <token>", or NULL; *len its length. */
const char *kbs_bearer(kbs_req *r, size_t *len);
void kbs_add_header(kbs_req *r, const char *name, const char *value);

/* ---- policies (policy_cache.c) ---- */
/* The current policy of the store, parsed (borrowed from the worker's
 * cache, valid until the next call on that worker). CCS_ERR_NOT_FOUND when
 * none is set. */
CCS_MUST_USE ccs_status kbs_attestation_policy(kbs_worker *w, const ccs_kbs_attestation_policy **out);
CCS_MUST_USE ccs_status kbs_resource_policy(kbs_worker *w, const ccs_kbs_resource_policy **out);
void kbs_policy_cache_clear(kbs_policy_cache *c);

/* Remembers claims (a reference is taken) for token, which must carry them:
 * a token that verified, or this KBS's own token read from its store. */
void kbs_token_cache_put(kbs_token_cache *c, const char *token, size_t len, json_t *claims);
/* The last second a token with these claims may be used: its exp plus the
 * skew its verification allows; false when exp is missing or absurd. */
bool kbs_token_until(const json_t *claims, ccs_time *until);
/* The same under any key, kept while now <= until (for a token, until is
 * its exp plus the skew its verification allows), with the claims'
 * tee-pubkey opened (the entry takes it; NULL: none). Returns the entry's
 * key (borrowed: valid until the next put on c), NULL when none was kept. */
const ccs_kbs_tee_pubkey *kbs_token_cache_put_until(kbs_token_cache *c, const char *key, size_t len, json_t *claims,
                                                    ccs_time until, ccs_kbs_tee_pubkey *tee_key);
/* The claims of token (a new reference) if cached and not expired at now;
 * NULL otherwise, and the caller takes the full path. */
json_t *kbs_token_cache_get(kbs_token_cache *c, const char *token, size_t len, ccs_time now);
/* The same, and the entry's opened tee-pubkey (borrowed: valid until the
 * next put on c; NULL when it has none). */
json_t *kbs_token_cache_get_key(kbs_token_cache *c, const char *key, size_t len, ccs_time now,
                                const ccs_kbs_tee_pubkey **tee_key);
void kbs_token_cache_clear(kbs_token_cache *c);
/* Keeps the claims of an attested session (and its opened tee-pubkey, when
 * given: the entry takes it) under its cookie, until the session (expires
 * <= now: unusable) or the token (exp, with the skew the token check
 * allows) expires, whichever is first. */
void kbs_cookie_cache_put(kbs_token_cache *c, const char *cookie, ccs_time session_expires, json_t *claims,
                          ccs_kbs_tee_pubkey *tee_key);

/* ---- group commit of attested sessions (server_batch.c) ---- */
typedef struct kbs_pending kbs_pending;
bool kbs_batch_init(kbs_worker *w);
/* Stores what is queued (replying to each), then frees the flush event. */
void kbs_batch_free(kbs_worker *w);
void kbs_batch_flush(kbs_worker *w);
/* Queues an issued token: its session row (challenge ch) is stored with the
 * loop's next group commit, and the reply (the token, or the refusal the
 * row got) is sent then; r is marked deferred. Takes *token, *tee_key (set
 * to empty/NULL) and a reference to claims. False (nothing taken) when it
 * cannot queue: the caller replies. */
bool kbs_batch_attested(kbs_req *r, const char *cookie, const ccs_kbs_session *ch, ccs_buf *token, json_t *claims,
                        ccs_kbs_tee_pubkey **tee_key, const char *tee, const char *hash_alg,
                        ccs_kbs_ear_status status);
/* The request's line in the log (method, path, status, time). */
void kbs_access_log(kbs_req *r);
/* 401 (or 500) for a nonce a session cannot take: the statuses of
 * ccs_kbs_session_attest, _burn and _store_rows. */
void kbs_reply_nonce_refused(kbs_req *r, ccs_status st);

/* ---- handlers ---- */
void kbs_rcar_auth(kbs_req *r);
void kbs_rcar_attest(kbs_req *r);
void kbs_rcar_resource(kbs_req *r, const char *rpath);
/* Returns false (and replies 401) unless the admin bearer token verifies. */
bool kbs_admin_authorized(kbs_req *r);
void kbs_admin_resource(kbs_req *r, const char *rpath);
void kbs_admin_policy(kbs_req *r, ccs_kbs_policy_kind kind);
void kbs_admin_refval(kbs_req *r, const char *rest);

/* ---- evidence (evidence.c) ---- */
typedef enum kbs_evidence_kind {
    KBS_EV_DCAP = 1, /* sgx, tdx */
    KBS_EV_SIM,      /* sample, sim-sgx, sim-tdx: DCAP against the sim root */
    KBS_EV_SNP,
    KBS_EV_CSV,
    KBS_EV_TPM,
} kbs_evidence_kind;

/* The kind for a kbs-types tee name; CCS_ERR_UNSUPPORTED for others. */
CCS_MUST_USE ccs_status kbs_evidence_kind_of(const char *tee, kbs_evidence_kind *out);

/* Decoded primary_evidence: shape checked, nothing verified. */
typedef struct kbs_evidence {
    kbs_evidence_kind kind;
    char tee[CCS_KBS_TEE_NAME_MAX + 1];
    ccs_buf primary; /* quote, report, or the TPM JSON text */
    ccs_buf vcek;    /* snp: the VCEK DER the guest sent (may be empty) */
} kbs_evidence;
/* CCS_ERR_FORMAT naming the member for malformed evidence. */
CCS_MUST_USE ccs_status kbs_evidence_decode(const char *tee, const json_t *primary, kbs_evidence *out);
void kbs_evidence_clear(kbs_evidence *e);

typedef struct kbs_verified {
    bool pass;
    char policy_tee[CCS_KBS_TEE_NAME_MAX + 1]; /* the attestation-policy entry: "sgx", "sim-sgx", ... */
    json_t *result;                            /* the verifier's JSON, as the CLI prints it */
    char hash_alg[8];                          /* the runtime-data hash that matched */
    char reasons[1024];                        /* failed checks, when !pass */
} kbs_verified;
/* Runs the verifier for e with the report data bound to (nonce, tee_pubkey):
 * SHA-384 first, then SHA-256. CCS_OK with out->pass and out->reasons;
 * errors only when verification could not run (no collateral configured:
 * CCS_ERR_NOT_FOUND; others). */
/* Verified DCAP collateral kept between requests (collateral_cache.c). `key`
 * names the source; `watch` is a file whose change forces a reload (may be
 * NULL). The loader fills root (may stay NULL) and coll. */
typedef struct kbs_coll_entry kbs_coll_entry;
typedef ccs_status (*kbs_coll_loader)(void *ctx, ccs_x509 **root, ccs_collateral **coll);
CCS_MUST_USE ccs_status kbs_coll_get(const char *key, const char *watch, ccs_time now, kbs_coll_loader load,
                                     void *ctx, kbs_coll_entry **out);
ccs_collateral *kbs_coll_collateral(const kbs_coll_entry *e);
const ccs_x509 *kbs_coll_root(const kbs_coll_entry *e);
void kbs_coll_put(kbs_coll_entry *e);
void kbs_coll_cache_clear(void);

/* pck_genuine.c: whether a DCAP quote's PCK chain (its certification
 * data) reaches the pinned Intel root, at now: CCS_OK, or the chain's error
 * prefixed "the quote's PCK chain: ". Chains that passed are remembered by
 * digest while now stays within their certificates' validity. */
CCS_MUST_USE ccs_status kbs_pck_chain_genuine(ccs_bytes cert_data, ccs_time now);
size_t kbs_pck_chain_verifications(void); /* chains checked, not remembered (tests) */
void kbs_pck_chain_forget(void);

CCS_MUST_USE ccs_status kbs_evidence_verify(const ccs_kbs_config *cfg, const kbs_evidence *e, const char *nonce,
                                            const json_t *tee_pubkey, ccs_time now, kbs_verified *out);
void kbs_verified_clear(kbs_verified *v);

/* ---- init-data (evidence.c; specs/kbs-image-ratls.md 1.1, docs/kbs.md
 * "Init-data") ---- */
#define KBS_INIT_DATA_MAX (64u << 10) /* the "body" text */

/* The request's "init-data", shape checked (server_rcar.c). */
typedef struct kbs_init_data {
    bool present;
    bool json;      /* "format": "json" (else "toml") */
    ccs_bytes body; /* the plaintext, borrowed from the request */
    json_t *doc;    /* json: the parsed document (owned) */
} kbs_init_data;

/* What binding the init-data to the verified evidence found. */
typedef struct kbs_init_binding {
    const char *field;   /* "mr_config_id", "config_id", "host_data"; NULL: the TEE has none */
    bool bound;          /* init-data was given and its digest is the field */
    char field_hex[129]; /* the field (hex) when it is not zero, sent or not; else "" */
    json_t *claims;      /* the EAR's init_data_claims, or NULL (owned) */
} kbs_init_binding;
void kbs_init_binding_clear(kbs_init_binding *b);

/* Binds in to the TEE's launch-configuration field of verified evidence
 * (e, v with v->pass): TDX MRCONFIGID = SHA-384(body), SGX CONFIGID =
 * SHA-384(body) zero-padded to 64, SNP HOST_DATA = SHA-256(body), compared
 * in constant time. CCS_ERR_MISMATCH with the reason (the field named) when
 * the digest differs, the field is zero or the TEE has no such field; CCS_OK
 * otherwise, with out->claims: the parsed document (json), {"format":"toml",
 * "algorithm","digest"} (toml), or {"format":"none","field","value"} when no
 * init-data was given but the field is not zero (noted, not refused). */
CCS_MUST_USE ccs_status kbs_init_data_bind(const kbs_evidence *e, const kbs_verified *v, const kbs_init_data *in,
                                           kbs_init_binding *out);

#endif
