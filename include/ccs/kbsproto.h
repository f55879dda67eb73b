/*
 * ccs/kbsproto.h - the RCAR protocol primitives shared by the KBS (src/kbs)
 * and its client, the agent (src/agent): RFC 8785 canonical runtime data and
 * the report-data binding, strict base64url, tee-pubkey checks and the
 * resource JWE (specs/kbs-image-ratls.md 1.1). Library ccs_kbsproto
 * (src/kbsproto/); the wire constants are in ccs/kbs_protocol.h.
 *
 * The functions keep their ccs_kbs_ names: they are the KBS protocol's, and
 * both sides call them. JSON comes in and goes out as jansson values;
 * untrusted JSON text is parsed with JSON_REJECT_DUPLICATES.
 */
#ifndef CCS_KBSPROTO_H
#define CCS_KBSPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ccs/core.h"
#include "ccs/crypto.h"
#include "ccs/kbs_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* The kbs-session-id cookie's value from a Set-Cookie field value (p, len:
 * what follows "Set-Cookie:", not NUL-terminated; a trailing CR LF is
 * ignored): the value up to the first ";", blanks around it dropped, into out
 * (cap bytes with the NUL). CCS_ERR_NOT_FOUND when it sets another cookie;
 * CCS_ERR_FORMAT when the value is empty, does not fit, or has a byte that is
 * not a cookie-octet (RFC 6265 4.1.1: quotes, commas, backslashes, controls,
 * blanks inside). out is written only on CCS_OK. */
CCS_MUST_USE ccs_status ccs_kbs_set_cookie_value(const char *p, size_t len, char *out, size_t cap);
/* The same from a whole header line ("Set-Cookie: ...", the name in any
 * case); CCS_ERR_NOT_FOUND for any other header. */
CCS_MUST_USE ccs_status ccs_kbs_set_cookie_header(const char *line, size_t len, char *out, size_t cap);

/* Parses untrusted JSON text (duplicate keys refused) that must be an object. */
CCS_MUST_USE ccs_status ccs_kbs_json_object_parse(ccs_bytes text, json_t **out);

/* Checks that jwk is a usable public tee-pubkey: EC P-256/P-384/P-521 with x
 * and y, or RSA with n (2048..8192 bits) and e; no private members; "alg"
 * absent or one we wrap with. CCS_ERR_KEY / CCS_ERR_UNSUPPORTED otherwise. */
CCS_MUST_USE ccs_status ccs_kbs_jwk_check_public(const json_t *jwk);

/* Wipes the private members of a JWK in place (before json_decref). */
void ccs_kbs_jwk_wipe(json_t *jwk);

/* The client's ephemeral key pair: a fresh EC P-256 private JWK {kty, crv,
 * x, y, d} (wipe with ccs_kbs_jwk_wipe before json_decref). */
CCS_MUST_USE ccs_status ccs_kbs_tee_key_generate(json_t **private_jwk);
/* Its tee-pubkey: {"kty":"EC","crv","alg":"ECDH-ES+A256KW","x","y"}, checked
 * with ccs_kbs_jwk_check_public (caller decrefs). */
CCS_MUST_USE ccs_status ccs_kbs_tee_key_public(const json_t *private_jwk, json_t **public_jwk);

/* Wraps pt to the tee-pubkey as a flattened JSON JWE {protected,
 * encrypted_key, iv, ciphertext, tag}: enc A256GCM, alg ECDH-ES+A256KW for EC
 * keys (epk in the protected header), RSA-OAEP (or RSA-OAEP-256 when the JWK
 * says so) for RSA keys. RSA1_5, oct keys and private JWKs are refused. */
CCS_MUST_USE ccs_status ccs_kbs_jwe_encrypt(const json_t *tee_pubkey, ccs_bytes pt, json_t **jwe);

/* The same in two steps, for a key that takes several wraps: open checks
 * the tee-pubkey as ccs_kbs_jwk_check_public does and keeps it decoded
 * (free with ccs_kbs_tee_pubkey_free); encrypt_to wraps pt to it. */
typedef struct ccs_kbs_tee_pubkey ccs_kbs_tee_pubkey;
CCS_MUST_USE ccs_status ccs_kbs_tee_pubkey_open(const json_t *tee_pubkey, ccs_kbs_tee_pubkey **out);
void ccs_kbs_tee_pubkey_free(ccs_kbs_tee_pubkey *k);
CCS_MUST_USE ccs_status ccs_kbs_jwe_encrypt_to(const ccs_kbs_tee_pubkey *k, ccs_bytes pt, json_t **jwe);

/* Decrypts such a JWE with the private JWK (agent side, tests). The JWE is
 * checked strictly first: only the members above (plus "aad"), each strict
 * base64url of the right length, alg/enc as above, no "zip"/"crit".
 * CCS_ERR_FORMAT for a malformed JWE, CCS_ERR_UNSUPPORTED for other
 * algorithms, CCS_ERR_SIGNATURE when it does not decrypt (wrong key, altered
 * data). Plaintext is appended to pt. */
CCS_MUST_USE ccs_status ccs_kbs_jwe_decrypt(const json_t *jwe, const json_t *private_jwk, ccs_buf *pt);

#ifdef __cplusplus
}
#endif
#endif
