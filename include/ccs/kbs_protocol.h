/*
 * ccs/kbs_protocol.h - the KBS attestation protocol (RCAR, version 0.4.0, as
 * spoken by the Confidential Containers trustee KBS), shared by the server
 * (src/kbs) and its client (src/agent). Neither includes the other's
 * sources; both include this.
 *
 *   POST /kbs/v0/auth      {"version":"0.4.0","tee":"<tee>","extra-params":{...}}
 *                          -> {"nonce":"<base64>","extra-params":{...}}
 *                             + Set-Cookie: kbs-session-id=<id>
 *   POST /kbs/v0/attest    Cookie: kbs-session-id=<id>
 *                          {"init-data":{...}?,
 *                           "runtime-data":{"nonce":"<nonce>","tee-pubkey":<JWK>},
 *                           "tee-evidence":{"primary_evidence":<evidence JSON>,
 *                                           "additional_evidence":"<JSON text>"}}
 *                          -> {"token":"<EAR JWT>"}
 *   GET  /kbs/v0/resource/<repository>/<type>/<tag>
 *                          Cookie, or Authorization: Bearer <EAR JWT>
 *                          -> flattened JWE wrapping the resource to tee-pubkey
 *
 * Report-data binding: the TEE's report data is H(JCS({"nonce","tee-pubkey"}))
 * with H = SHA-384 unless the challenge selects another (SHA-256 accepted),
 * zero-padded to the report-data field (64 bytes).
 *
 * Evidence (primary_evidence) per tee, all binary members base64 (standard):
 *   "sgx", "tdx"          {"quote": b64}                  (DCAP quote)
 *   "sample" / "sim-sgx", "sim-tdx"
 *                         {"quote": b64}                  (sim DCAP quote; only
 *                                                          when the KBS trusts a sim root)
 *   "snp"                 {"report": b64, "vcek": b64?}   (0x4A0-byte report; the VCEK
 *                                                          DER when the guest has it)
 *   "csv"                 {"report": b64}                 (CSV report buffer)
 *   "tpm"                 the TPM JSON evidence (docs/attest.md) as an object
 *
 * Errors: HTTP 4xx/5xx with an RFC 7807-style body
 *   {"type":"https://github.com/confidential-containers/kbs/errors/<Kind>","detail":"..."}
 */
#ifndef CCS_KBS_PROTOCOL_H
#define CCS_KBS_PROTOCOL_H

#define CCS_KBS_PROTOCOL_VERSION "0.4.0"
#define CCS_KBS_PATH_AUTH "/kbs/v0/auth"
#define CCS_KBS_PATH_ATTEST "/kbs/v0/attest"
#define CCS_KBS_PATH_RESOURCE "/kbs/v0/resource/" /* + <repo>/<type>/<tag> */
#define CCS_KBS_PATH_ATTESTATION_POLICY "/kbs/v0/attestation-policy"
#define CCS_KBS_PATH_RESOURCE_POLICY "/kbs/v0/resource-policy"
#define CCS_KBS_PATH_REFERENCE_VALUE "/kbs/v0/reference-value"
#define CCS_KBS_COOKIE "kbs-session-id"

#define CCS_KBS_ERROR_TYPE_PREFIX "https://github.com/confidential-containers/kbs/errors/"
/* Error kinds (the <Kind> above) and the HTTP status each is sent with. */
#define CCS_KBS_ERR_PROTOCOL_VERSION "ProtocolVersion"  /* 400 */
#define CCS_KBS_ERR_INVALID_REQUEST "InvalidRequest"    /* 400 */
#define CCS_KBS_ERR_PAYLOAD_TOO_LARGE "PayloadTooLarge" /* 413 */
#define CCS_KBS_ERR_UNAUTHENTICATED "UnAuthenticated"   /* 401: no or expired session */
#define CCS_KBS_ERR_ATTESTATION "AttestationError"      /* 401 */
#define CCS_KBS_ERR_POLICY_DENY "PolicyDeny"            /* 403 */
#define CCS_KBS_ERR_TOKEN "TokenVerifierError"          /* 401 */
#define CCS_KBS_ERR_NOT_FOUND "ResourceNotFound"        /* 404 */
#define CCS_KBS_ERR_ADMIN_AUTH "AdminAuthError"         /* 401 */
#define CCS_KBS_ERR_INTERNAL "InternalError"            /* 500 */
#define CCS_KBS_ERR_INVALID_PATH "InvalidRequestPath" /* 404: no such endpoint */

/* Limits both sides enforce. */
#define CCS_KBS_MAX_BODY (1u << 20)     /* request bodies, except resource uploads */
#define CCS_KBS_MAX_RESOURCE (4u << 20) /* one resource */

#endif
