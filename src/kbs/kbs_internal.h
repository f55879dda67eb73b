/*
 * kbs_internal.h - private to src/kbs: declarations shared between the KBS
 * files (tokens and encryption, store, policy, server). Additive: each part
 * keeps its own section.
 */
#ifndef CCS_KBS_INTERNAL_H
#define CCS_KBS_INTERNAL_H

#include <jansson.h>

#include "ccs/core.h"
#include "ccs/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== tokens and encryption (jcs.c, token*.c, jose*.c) =======================
 * spec: specs/kbs-image-ratls.md 1.1 (report-data binding, resource JWE) and
 * 1.2 (EAR). JSON comes in and goes out as jansson values; untrusted JSON text
 * is parsed with JSON_REJECT_DUPLICATES. */

/* Upper bounds on untrusted inputs. */
#define CCS_KBS_JWT_MAX 65536u            /* compact JWS, bytes */
#define CCS_KBS_JWE_MAX (16u << 20)       /* JWE ciphertext, bytes after decoding */
#define CCS_KBS_JSON_DEPTH_MAX 32u        /* nesting accepted by the canonicaliser */

/* RFC 8785 canonical form of v appended to out (not NUL-counted; a NUL is
 * kept after len). Integers beyond 2^53 and non-finite reals are refused
 * (CCS_ERR_UNSUPPORTED); reals are written as ECMAScript Number.toString. */
CCS_MUST_USE ccs_status ccs_kbs_jcs(const json_t *v, ccs_buf *out);

/* "sha256", "sha384" (the default when name is NULL or empty) or "sha512". */
CCS_MUST_USE ccs_status ccs_kbs_hash_alg_parse(const char *name, ccs_hash_alg *out);

/* Digest of the canonical runtime data {"nonce":nonce,"tee-pubkey":jwk}
 * (RFC 8785) with alg: what the TEE puts in its report data. out must hold
 * 64 bytes; *len gets the digest length. */
CCS_MUST_USE ccs_status ccs_kbs_runtime_data_hash(const char *nonce, const json_t *tee_pubkey, ccs_hash_alg alg,
                                                  uint8_t out[static 64], size_t *len);

/* Compares a report-data field with a digest, the digest zero-padded (or
 * truncated) to the field length, in constant time. CCS_ERR_MISMATCH when
 * they differ; CCS_ERR_INVALID_ARG for an empty field or digest. */
CCS_MUST_USE ccs_status ccs_kbs_report_data_check(ccs_bytes digest, ccs_bytes report_data);

/* Base64url without padding (RFC 7515 section 2), strict: the alphabet only,
 * no padding, canonical final bits. Decoding appends to out. */
CCS_MUST_USE ccs_status ccs_kbs_b64url_decode(const char *in, size_t len, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_kbs_b64url_encode(ccs_bytes in, ccs_buf *out);

/* Parses untrusted JSON text (duplicate keys refused) that must be an object. */
CCS_MUST_USE ccs_status ccs_kbs_json_object_parse(ccs_bytes text, json_t **out);

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
    ccs_time iat;
    int64_t lifetime_s;         /* exp = iat + lifetime_s (> 0) */
} ccs_kbs_ear;

/* Issues an EAR token (ES256 JWT with the "jwk" header); appended to out. */
CCS_MUST_USE ccs_status ccs_kbs_ear_issue(const ccs_kbs_token_key *k, const ccs_kbs_ear *ear, ccs_buf *out);
/* ccs_kbs_jwt_verify plus the EAR shape: eat_profile, ear.verifier-id and
 * submods.cpu0 with a known ear.status and a tee-pubkey. */
CCS_MUST_USE ccs_status ccs_kbs_ear_verify(const char *token, size_t len, const json_t *trusted_jwk, ccs_time now,
                                           json_t **claims);
/* Borrowed pointers into verified EAR claims. */
CCS_MUST_USE ccs_status ccs_kbs_ear_tee_pubkey(const json_t *claims, const json_t **jwk);
CCS_MUST_USE ccs_status ccs_kbs_ear_cpu_status(const json_t *claims, ccs_kbs_ear_status *status);

/* Admin bearer token: an ES256 JWT signed by the operator's admin key with
 * exp and an "aud" equal to (or, as an array, containing) audience. */
#define CCS_KBS_ADMIN_AUDIENCE "ccs-kbs-admin"
CCS_MUST_USE ccs_status ccs_kbs_admin_token_verify(const char *token, size_t len, const json_t *admin_jwk,
                                                   const char *audience, ccs_time now);

/* ---- resource JWE (jose_jwe.c) ---- */

/* Checks that jwk is a usable public tee-pubkey: EC P-256/P-384/P-521 with x
 * and y, or RSA with n (2048..8192 bits) and e; no private members; "alg"
 * absent or one we wrap with. CCS_ERR_KEY / CCS_ERR_UNSUPPORTED otherwise. */
CCS_MUST_USE ccs_status ccs_kbs_jwk_check_public(const json_t *jwk);

/* Wraps pt to the tee-pubkey as a flattened JSON JWE {protected,
 * encrypted_key, iv, ciphertext, tag}: enc A256GCM, alg ECDH-ES+A256KW for EC
 * keys (epk in the protected header), RSA-OAEP (or RSA-OAEP-256 when the JWK
 * says so) for RSA keys. RSA1_5, oct keys and private JWKs are refused. */
CCS_MUST_USE ccs_status ccs_kbs_jwe_encrypt(const json_t *tee_pubkey, ccs_bytes pt, json_t **jwe);

/* Decrypts such a JWE with the private JWK (agent side, tests). The JWE is
 * checked strictly first: only the members above (plus "aad"), each strict
 * base64url of the right length, alg/enc as above, no "zip"/"crit".
 * CCS_ERR_FORMAT for a malformed JWE, CCS_ERR_UNSUPPORTED for other
 * algorithms, CCS_ERR_SIGNATURE when it does not decrypt (wrong key, altered
 * data). Plaintext is appended to pt. */
CCS_MUST_USE ccs_status ccs_kbs_jwe_decrypt(const json_t *jwe, const json_t *private_jwk, ccs_buf *pt);

/* ==== end of tokens and encryption ============================================ */

#ifdef __cplusplus
}
#endif
#endif
