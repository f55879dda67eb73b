/*
 * kbs_internal.h - private to src/kbs: declarations shared between the KBS
 * files (tokens and encryption, store, policy, server). Additive: each part
 * keeps its own section.
 */
#ifndef CCS_KBS_INTERNAL_H
#define CCS_KBS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ccs/core.h"
#include "ccs/crypto.h"
#include "ccs/kbsproto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== tokens and encryption (jcs.c, token*.c, jose*.c) =======================
 * spec: specs/kbs-image-ratls.md 1.1 (report-data binding, resource JWE) and
 * 1.2 (EAR). JSON comes in and goes out as jansson values; untrusted JSON text
 * is parsed with JSON_REJECT_DUPLICATES. */

/* The protocol primitives (JCS, runtime-data hash and report-data check,
 * base64url, JSON object parsing, tee-pubkey checks, the resource JWE) are in
 * the library ccs_kbsproto, shared with the agent: ccs/kbsproto.h. */

/* ---- token signing keys (token_key.c) ---- */

/* An ES256 (P-256) signing key held as a private JWK. */
typedef struct ccs_kbs_token_key ccs_kbs_token_key;

CCS_MUST_USE ccs_status ccs_kbs_token_key_generate(ccs_kbs_token_key **out);
/* Loads a private P-256 key: a JWK file, or PEM (PKCS#8 / SEC1). */
CCS_MUST_USE ccs_status ccs_kbs_token_key_load(const char *path, ccs_kbs_token_key **out);
/* Loads path if it exists, otherwise generates a key and saves it there. */
CCS_MUST_USE ccs_status ccs_kbs_token_key_load_or_create(const char *path, ccs_kbs_token_key **out);
/* Writes the private JWK to path, created or replaced with mode 0600. */
CCS_MUST_USE ccs_status ccs_kbs_token_key_save(const ccs_kbs_token_key *k, const char *path);
/* The public JWK {"kty":"EC","crv":"P-256","x","y"} (caller decrefs). */
json_t *ccs_kbs_token_key_public(const ccs_kbs_token_key *k);
void ccs_kbs_token_key_free(ccs_kbs_token_key *k);

/* A public verification key (JWK, EC P-256) from a PEM "PUBLIC KEY" block
 * (e.g. the operator's admin key) or from JWK JSON text. */
CCS_MUST_USE ccs_status ccs_kbs_es256_pubkey_parse(ccs_bytes text, json_t **jwk);

/* ---- JWTs (token.c) ---- */

/* Signs claims (an object) as a compact ES256 JWT; the header carries the
 * public "jwk" when with_jwk. The token is appended to out (NUL kept). */
CCS_MUST_USE ccs_status ccs_kbs_jwt_sign(const ccs_kbs_token_key *k, const json_t *claims, bool with_jwk,
                                         ccs_buf *out);

/* Verifies a compact ES256 JWT with the trusted public JWK (never with the
 * "jwk" in the header: one there must equal the trusted key, else
 * CCS_ERR_UNTRUSTED). alg must be "ES256" (CCS_ERR_UNSUPPORTED otherwise,
 * "none" included); "crit" is refused. exp is required; exp, nbf and iat are
 * checked at now with skew seconds of tolerance (CCS_ERR_EXPIRED). A bad
 * signature is CCS_ERR_SIGNATURE; malformed tokens CCS_ERR_FORMAT. On success
 * *claims gets the payload object (caller decrefs). */
CCS_MUST_USE ccs_status ccs_kbs_jwt_verify(const char *token, size_t len, const json_t *trusted_jwk, ccs_time now,
                                           int64_t skew, json_t **claims);

/* Default tolerance for clock differences in token checks. */
#define CCS_KBS_TOKEN_SKEW 60
#define CCS_KBS_EAR_PROFILE "tag:github.com,2024:confidential-containers/Trustee"

typedef enum ccs_kbs_ear_status {
    CCS_KBS_EAR_AFFIRMING = 2,
    CCS_KBS_EAR_WARNING = 32,
    CCS_KBS_EAR_CONTRAINDICATED = 96,
} ccs_kbs_ear_status;

const char *ccs_kbs_ear_status_name(ccs_kbs_ear_status s);

/* What an EAR token says about one attested CPU TEE (submods.cpu0). */
typedef struct ccs_kbs_ear {
    ccs_kbs_ear_status status;
    const json_t *trust_vector; /* object of AR4SI claims, integers -127..127 */
    const char *policy_id;      /* ear.appraisal-policy-id */
    const char *tee;            /* kbs-types tee name, e.g. "tdx" */
    const json_t *tee_claims;   /* the verifier's claims (object) */
    const char *nonce;          /* runtime_data_claims.nonce */
    const json_t *tee_pubkey;   /* runtime_data_claims.tee-pubkey (public JWK) */
    const json_t *init_data_claims; /* annotated-evidence init_data_claims; NULL: none */
    ccs_time iat;
    int64_t lifetime_s;         /* exp = iat + lifetime_s (> 0) */
} ccs_kbs_ear;

/* Issues an EAR token (ES256 JWT with the "jwk" header); appended to out. */
CCS_MUST_USE ccs_status ccs_kbs_ear_issue(const ccs_kbs_token_key *k, const ccs_kbs_ear *ear, ccs_buf *out);
/* The same, and *claims the claims it signed (what ccs_kbs_ear_verify would
 * read back from the token; it shares ear's objects: change none of them). */
CCS_MUST_USE ccs_status ccs_kbs_ear_issue_claims(const ccs_kbs_token_key *k, const ccs_kbs_ear *ear, ccs_buf *out,
                                                 json_t **claims);
/* ccs_kbs_jwt_verify plus the EAR shape: eat_profile, ear.verifier-id and
 * submods.cpu0 with a known ear.status and a tee-pubkey. */
CCS_MUST_USE ccs_status ccs_kbs_ear_verify(const char *token, size_t len, const json_t *trusted_jwk, ccs_time now,
                                           json_t **claims);
/* The claims of an EAR this KBS issued and kept in its own session store,
 * with the same shape and time checks as ccs_kbs_ear_verify but without the
 * signature: the token never left the server's trusted storage, and
 * re-verifying our own signature on every resource read would cost a P-256
 * verification for nothing. Never use it on a token from a request. */
CCS_MUST_USE ccs_status ccs_kbs_ear_claims_stored(const char *token, ccs_time now, json_t **claims);
/* Borrowed pointers into verified EAR claims. */
CCS_MUST_USE ccs_status ccs_kbs_ear_tee_pubkey(const json_t *claims, const json_t **jwk);
CCS_MUST_USE ccs_status ccs_kbs_ear_cpu_status(const json_t *claims, ccs_kbs_ear_status *status);

/* Admin bearer token: an ES256 JWT signed by the operator's admin key with
 * exp and an "aud" equal to (or, as an array, containing) audience. */
#define CCS_KBS_ADMIN_AUDIENCE "ccs-kbs-admin"
CCS_MUST_USE ccs_status ccs_kbs_admin_token_verify(const char *token, size_t len, const json_t *admin_jwk,
                                                   const char *audience, ccs_time now);

/* ---- resource JWE: ccs/kbsproto.h (src/kbsproto/jose_jwe.c) ---- */

/* ==== end of tokens and encryption ============================================ */

/* ==== store (store*.c) ======================================================= */

/*
 * The KBS store: one SQLite file (WAL, synchronous=FULL) holding resources,
 * policies, reference values and sessions, so a restart keeps sessions and
 * secrets. A call returns only after its transaction is durable: an
 * acknowledged write survives SIGKILL and power loss.
 *
 * Threads: one store may be shared by several threads; every call takes the
 * store's mutex, so calls are serialised on its single connection. Several
 * processes may open the same file (transactions are BEGIN IMMEDIATE with a
 * busy timeout).
 *
 * Bad input (an invalid path component, an invalid policy) is refused before
 * anything is written; a failed call changes nothing stored. Resource values
 * are secrets: they are never put in error messages, and the buffers that
 * carried them are wiped.
 */
typedef struct ccs_kbs_store ccs_kbs_store;

/* PRAGMA user_version of the schema this build writes. A version 1 or 2
 * file is brought to version 3 when opened; a file with a newer version is
 * refused (CCS_ERR_UNSUPPORTED). */
#define CCS_KBS_STORE_SCHEMA_VERSION 3

/* Limits on what the store accepts. */
#define CCS_KBS_COMPONENT_MAX 128          /* one path component */
#define CCS_KBS_RESOURCE_MAX (16u << 20)   /* one resource value */
#define CCS_KBS_POLICY_MAX (1u << 20)      /* one policy document */
#define CCS_KBS_REFVAL_MAX (1u << 20)      /* one reference-value set (JSON text) */
#define CCS_KBS_SESSION_FIELD_MAX (256u << 10) /* token, tee-pubkey, claims */

/* Opens (creating if needed) the store at path. */
CCS_MUST_USE ccs_status ccs_kbs_store_open(const char *path, ccs_kbs_store **out);
void ccs_kbs_store_close(ccs_kbs_store *s); /* NULL ok */

/* A path component (repository, type, tag): [A-Za-z0-9._-]{1,128}, not "."
 * and not containing "..". */
bool ccs_kbs_component_valid(const char *c);
/* Splits "repo/type/tag" (exactly three valid components) into the three
 * buffers (each CCS_KBS_COMPONENT_MAX + 1 bytes). CCS_ERR_FORMAT otherwise. */
CCS_MUST_USE ccs_status ccs_kbs_resource_path_split(const char *path, char repo[static CCS_KBS_COMPONENT_MAX + 1],
                                                    char type[static CCS_KBS_COMPONENT_MAX + 1],
                                                    char tag[static CCS_KBS_COMPONENT_MAX + 1]);

/* A list of strings; the caller frees it with ccs_kbs_strlist_free. */
typedef struct ccs_kbs_strlist {
    char **v;
    size_t n;
} ccs_kbs_strlist;
void ccs_kbs_strlist_free(ccs_kbs_strlist *l); /* leaves l empty; NULL ok */

/* ---- resources (secrets) ---- */
/* Creates or replaces repo/type/tag. Empty values are allowed; values over
 * CCS_KBS_RESOURCE_MAX are refused. */
CCS_MUST_USE ccs_status ccs_kbs_resource_put(ccs_kbs_store *s, const char *repo, const char *type, const char *tag,
                                             ccs_bytes value, ccs_time now);
/* Appends the value to out (wipe it with ccs_buf_free). CCS_ERR_NOT_FOUND if
 * absent. */
CCS_MUST_USE ccs_status ccs_kbs_resource_get(ccs_kbs_store *s, const char *repo, const char *type, const char *tag,
                                             ccs_buf *out);
/* CCS_ERR_NOT_FOUND if absent. */
CCS_MUST_USE ccs_status ccs_kbs_resource_delete(ccs_kbs_store *s, const char *repo, const char *type,
                                                const char *tag);
/* Every "repo/type/tag", sorted; repo NULL lists all repositories. */
CCS_MUST_USE ccs_status ccs_kbs_resource_list(ccs_kbs_store *s, const char *repo, ccs_kbs_strlist *out);

/* ---- policies ---- */
typedef enum ccs_kbs_policy_kind {
    CCS_KBS_POLICY_ATTESTATION = 0,
    CCS_KBS_POLICY_RESOURCE = 1,
} ccs_kbs_policy_kind;
const char *ccs_kbs_policy_kind_name(ccs_kbs_policy_kind k); /* "attestation", "resource" */

/* Parses the policy first (ccs_kbs_attestation_policy_parse or
 * ccs_kbs_resource_policy_parse); an invalid policy is CCS_ERR_FORMAT with
 * the parser's message and nothing is stored. */
CCS_MUST_USE ccs_status ccs_kbs_policy_set(ccs_kbs_store *s, ccs_kbs_policy_kind kind, const char *json,
                                           ccs_time now);
/* The stored text (caller frees with free()). CCS_ERR_NOT_FOUND if none. */
CCS_MUST_USE ccs_status ccs_kbs_policy_get(ccs_kbs_store *s, ccs_kbs_policy_kind kind, char **json);

/* ---- reference values ---- */
/* A set is named "<tee>.<name>" in policies, e.g. "sgx.mrenclave". tee:
 * [a-z0-9-]{1,32}; name: a path component. values_json: a JSON string or a
 * non-empty array of strings (at most 4096, each at most 1024 bytes); it is
 * stored as a compact array. */
CCS_MUST_USE ccs_status ccs_kbs_refval_set(ccs_kbs_store *s, const char *tee, const char *name,
                                           const char *values_json, ccs_time now);
/* The stored array as JSON text (caller frees). CCS_ERR_NOT_FOUND if absent. */
CCS_MUST_USE ccs_status ccs_kbs_refval_get(ccs_kbs_store *s, const char *tee, const char *name, char **values_json);
CCS_MUST_USE ccs_status ccs_kbs_refval_delete(ccs_kbs_store *s, const char *tee, const char *name);

/* ---- sessions (RCAR, kbs-session-id cookie) ---- */
#define CCS_KBS_SESSION_ID_LEN 64 /* hex of 32 random bytes */
#define CCS_KBS_TEE_NAME_MAX 32

typedef enum ccs_kbs_session_state {
    CCS_KBS_SESSION_CHALLENGED = 0,
    CCS_KBS_SESSION_ATTESTED = 1,
} ccs_kbs_session_state;

typedef struct ccs_kbs_session {
    char id[CCS_KBS_SESSION_ID_LEN + 1];
    char tee[CCS_KBS_TEE_NAME_MAX + 1];
    char nonce[48];        /* base64 of 32 bytes (44 characters), challenge.c */
    bool nonce_used;
    ccs_kbs_session_state state;
    ccs_time created, expires;
    char *token;           /* the EAR JWT; NULL until attested */
    char *tee_pubkey;      /* JWK text; NULL until attested */
    char *claims;          /* appraised claims JSON; NULL until attested */
} ccs_kbs_session;
/* Frees and wipes the strings (the token is a bearer credential). */
void ccs_kbs_session_clear(ccs_kbs_session *se);

/* CCS_ERR_FORMAT for a malformed id, CCS_ERR_NOT_FOUND if absent,
 * CCS_ERR_EXPIRED if expires <= now (the session is then unusable). */
CCS_MUST_USE ccs_status ccs_kbs_session_get(ccs_kbs_store *s, const char *id, ccs_time now, ccs_kbs_session *out);

/* The status of using a nonce twice: distinct from not-found, expired and
 * mismatch, so the server can tell a replay. */
#define CCS_KBS_NONCE_REUSED CCS_ERR_POLICY
/* Uses the nonce of challenge ch (from ccs_kbs_challenge_open) and stores
 * the session as attested with token, in one INSERT: the row's existence is
 * the nonce's use. CCS_KBS_NONCE_REUSED if the id has a row already (the
 * nonce was used: nothing changes), CCS_ERR_EXPIRED if ch->expires <= now.
 * Of any number of callers (threads or processes) with one challenge, one
 * at most succeeds. */
CCS_MUST_USE ccs_status ccs_kbs_session_attest(ccs_kbs_store *s, const ccs_kbs_session *ch, ccs_time now,
                                               const char *token);
/* One row of ccs_kbs_session_store_rows: a challenge whose nonce is used,
 * with its token (attested) or NULL (refused); st is the row's outcome. */
typedef struct ccs_kbs_session_row {
    const ccs_kbs_session *ch;
    const char *token;
    ccs_status st; /* out: OK, NONCE_REUSED, EXPIRED, FORMAT (malformed id, tee or token) */
} ccs_kbs_session_row;
/* Stores n rows as _attest (token) or _burn (no token) would, in one
 * transaction: a group commit. Returns CCS_OK when the transaction
 * committed (each row's st then says what became of it), or the store's
 * error, when nothing was stored (the rows' st are then meaningless). Rows
 * that share an id: the first one wins, the others are NONCE_REUSED. */
CCS_MUST_USE ccs_status ccs_kbs_session_store_rows(ccs_kbs_store *s, ccs_kbs_session_row *rows, size_t n,
                                                   ccs_time now);
/* Uses the nonce of ch without a token (a refused attestation): the row is
 * stored challenged with nonce_used = 1. Statuses as for _attest. */
CCS_MUST_USE ccs_status ccs_kbs_session_burn(ccs_kbs_store *s, const ccs_kbs_session *ch, ccs_time now);
/* NOT_FOUND if absent. Not a revocation: a running server's loops keep the
 * claims of the sessions they attested by cookie (server_rcar.c) until the
 * session expires, on the ground that a stored session never changes. */
CCS_MUST_USE ccs_status ccs_kbs_session_delete(ccs_kbs_store *s, const char *id);
/* Deletes the sessions with expires <= now, at most max of them (0: all)
 * in one transaction, the earliest to expire first; *removed (may be NULL)
 * counts them. The server deletes in batches so that no single transaction
 * holds its loop for long. */
CCS_MUST_USE ccs_status ccs_kbs_session_purge_expired(ccs_kbs_store *s, ccs_time now, size_t max, size_t *removed);

/* ---- session challenges (challenge.c): stateless /auth ---- */
#define CCS_KBS_CHALLENGE_KEY_LEN 32
/* id "." expires "." tee "." tag: 64 + 1 + 19 + 1 + 32 + 1 + 32 */
#define CCS_KBS_COOKIE_MAX 150
/* A new challenge for tee (fresh random id, nonce derived from it under key,
 * expiring at now + ttl, ttl > 0) and its cookie value (cookie holds
 * CCS_KBS_COOKIE_MAX + 1 bytes; key CCS_KBS_CHALLENGE_KEY_LEN). Nothing is
 * stored. */
CCS_MUST_USE ccs_status ccs_kbs_challenge_issue(const uint8_t *key, const char *tee,
                                                ccs_time now, int64_t ttl, ccs_kbs_session *out,
                                                char *cookie);
/* The challenge of a cookie value (id, tee, nonce, expires; state
 * challenged): CCS_ERR_FORMAT / _TRUNCATED / _TRAILING when malformed,
 * CCS_ERR_SIGNATURE when its tag is not this key's, CCS_ERR_EXPIRED when
 * expires <= now. Whether its nonce was used is the store's to say. */
CCS_MUST_USE ccs_status ccs_kbs_challenge_open(const uint8_t *key, const char *cookie,
                                               ccs_time now, ccs_kbs_session *out);
/* The store's challenge key: random, made with the store and kept in it, so
 * challenges survive a restart. Valid until ccs_kbs_store_close. */
const uint8_t *ccs_kbs_store_challenge_key(const ccs_kbs_store *s);

/* ==== policies (policy*.c) =================================================== */

/* The AR4SI trustworthiness vector (draft-ietf-rats-ar4si section 2.3):
 * 0 no claim, 2..31 affirming, 32..95 warning, 96..127 contraindicated;
 * the EAR status (ccs_kbs_ear_status above) is the worst tier. */
#define CCS_AR4SI_NONE 0
#define CCS_AR4SI_AFFIRMING 2
#define CCS_AR4SI_WARNING 32
#define CCS_AR4SI_CONTRAINDICATED 96
#define CCS_AR4SI_UNRECOGNIZED 97     /* unrecognised instance / hardware */
#define CCS_AR4SI_CRYPTO_FAILED 99    /* cryptographic validation failed */

typedef struct ccs_kbs_tvector {
    int8_t instance_identity, configuration, executables, file_system, hardware, runtime_opaque, storage_opaque,
        sourced_data;
} ccs_kbs_tvector;
/* The worst tier among the vector's claims; a vector of only "no claim"
 * (all 0) is CONTRAINDICATED: nothing was affirmed. */
ccs_kbs_ear_status ccs_kbs_tvector_status(const ccs_kbs_tvector *tv);
/* {"instance-identity":2,...}: the non-zero claims under their AR4SI names
 * (for ccs_kbs_ear.trust_vector). NULL when out of memory; caller decrefs. */
json_t *ccs_kbs_tvector_json(const ccs_kbs_tvector *tv);

/* ---- attestation policy ---- */
typedef struct ccs_kbs_attestation_policy ccs_kbs_attestation_policy;

/* Parses and validates; CCS_ERR_FORMAT with "<json path>: <reason>" in
 * ccs_error_detail(), e.g. "tees.sgx.alow_debug: unknown key". */
CCS_MUST_USE ccs_status ccs_kbs_attestation_policy_parse(const char *json, ccs_kbs_attestation_policy **out);
void ccs_kbs_attestation_policy_free(ccs_kbs_attestation_policy *p);

/* Looks up the reference-value set named ref ("sgx.mrenclave"): on success
 * *values_json is a JSON array of strings the caller frees with free().
 * CCS_ERR_NOT_FOUND when no such set exists. */
typedef ccs_status (*ccs_kbs_refval_lookup)(void *ctx, const char *ref, char **values_json);
/* A lookup backed by the store (ctx is the ccs_kbs_store). */
ccs_status ccs_kbs_store_refval_lookup(void *ctx, const char *ref, char **values_json);

typedef struct ccs_kbs_appraisal {
    bool allow;
    char *tee;                 /* the TEE appraised (from the claims or the caller) */
    ccs_kbs_ear_status status; /* tier of tv; CONTRAINDICATED whenever !allow */
    ccs_kbs_tvector tv;
    ccs_kbs_strlist reasons;   /* every failed check: field, expected vs actual */
} ccs_kbs_appraisal;
void ccs_kbs_appraisal_clear(ccs_kbs_appraisal *a);

/* Appraises a verifier result ({"verdict","tee","tcb_status","claims":{...}},
 * the shape of `ccs attest verify --json`) against the policy. tee, if not
 * NULL, names the policy entry to use instead of the result's "tee" (the KBS
 * passes "sim-sgx"/"sim-tdx" for evidence it verified against the sim root).
 * Returns CCS_OK with out->allow false and the reasons for a refusal; an error
 * status only when the appraisal itself could not run (bad claims JSON is a
 * refusal, not an error). */
CCS_MUST_USE ccs_status ccs_kbs_attestation_policy_evaluate(const ccs_kbs_attestation_policy *p,
                                                            const char *claims_json, const char *tee,
                                                            ccs_kbs_refval_lookup lookup, void *lookup_ctx,
                                                            ccs_kbs_appraisal *out);
/* The same over the parsed result. */
CCS_MUST_USE ccs_status ccs_kbs_attestation_policy_evaluate_doc(const ccs_kbs_attestation_policy *p,
                                                   const json_t *result, const char *tee,
                                                   ccs_kbs_refval_lookup lookup, void *lookup_ctx,
                                                   ccs_kbs_appraisal *out);

/* The policy's init-data rule for tee ("init_data": {"required", "digests"},
 * docs/kbs.md "Init-data"), applied after ccs_kbs_attestation_policy_evaluate*
 * to the same appraisal. field_hex is the hex of the TEE's launch field
 * (mr_config_id, config_id, host_data) when it is not zero, else NULL; sent:
 * the request carried init-data, bound to that field. "digests" checks
 * field_hex whether or not init-data was sent; "required" needs sent. A
 * failure is a refusal added to out
 * (allow false, configuration contraindicated, a reason); out->status is
 * recomputed. */
CCS_MUST_USE ccs_status ccs_kbs_attestation_policy_check_init_data(const ccs_kbs_attestation_policy *p,
                                                                   const char *tee, const char *field_hex, bool sent,
                                                                   ccs_kbs_refval_lookup lookup, void *lookup_ctx,
                                                                   ccs_kbs_appraisal *out);

/* ---- resource policy ---- */
typedef struct ccs_kbs_resource_policy ccs_kbs_resource_policy;

CCS_MUST_USE ccs_status ccs_kbs_resource_policy_parse(const char *json, ccs_kbs_resource_policy **out);
void ccs_kbs_resource_policy_free(ccs_kbs_resource_policy *p);

/* Who asks, from a verified token (ccs_kbs_ear: tee, status, tee_claims).
 * claims is the verifier's claims object; may be NULL. */
typedef struct ccs_kbs_subject {
    const char *tee;
    ccs_kbs_ear_status status;
    const json_t *claims;
} ccs_kbs_subject;

/* First rule whose pattern matches path ("repo/type/tag") decides; no match
 * is a denial. *allow is the decision; *reason (caller frees, may be NULL
 * to ignore) says which rule decided and why. Errors only for bad arguments
 * (a malformed path or subject is a denial). */
CCS_MUST_USE ccs_status ccs_kbs_resource_policy_allows(const ccs_kbs_resource_policy *p, const char *path,
                                                       const ccs_kbs_subject *who, bool *allow, char **reason);

/* ==== end of store and policies =============================================== */

#ifdef __cplusplus
}
#endif
#endif
