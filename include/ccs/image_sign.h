/*
 * ccs/image_sign.h - container image signatures and containers-policy.json.
 * Library ccs_image (src/image/policy*.c, src/image/sig*.c). Formats and
 * semantics: docs/image.md "Signatures and policy", specs section 2.2.
 *
 * Two signature formats are verified and produced:
 *  - simple signing ("atomic container signature"): an OpenPGP signed
 *    message, verified through gpgme with ONLY the policy's keys, imported
 *    into a private, temporary GNUPGHOME; stored in a lookaside directory as
 *    <base>/<repo path>@sha256=<hex>/signature-N;
 *  - cosign-style ("cosign container image signature"): a payload plus a
 *    base64 ECDSA P-256/SHA-256 DER signature, carried as a layer of the
 *    artifact tagged sha256-<hex>.sig.
 *
 * Parse, verify and appraise are separate: a policy is parsed (strictly,
 * every unknown key refused, errors name the JSON path), signatures are
 * collected from wherever the caller got them (ccs_image_sigs: bytes from a
 * registry, a lookaside directory, an OCI layout), then
 * ccs_image_policy_check decides. Refusals are CCS_ERR_POLICY with the
 * reason in ccs_error_detail().
 */
#ifndef CCS_IMAGE_SIGN_H
#define CCS_IMAGE_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccs/core.h"
#include "ccs/crypto.h"
#include "ccs/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_IMAGE_SIG_MAX ((size_t)64 << 10) /* bytes of one signature or payload */
#define CCS_IMAGE_SIGS_MAX 64                /* signatures considered per image */
#define CCS_IMAGE_REF_MAX 512                /* characters of a docker reference */

#define CCS_IMAGE_COSIGN_MEDIA_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define CCS_IMAGE_COSIGN_SIG_ANNOTATION "dev.cosignproject.cosign/signature"

typedef enum ccs_image_sig_format {
    CCS_IMAGE_SIG_SIMPLE = 1, /* OpenPGP signed message (simple signing) */
    CCS_IMAGE_SIG_COSIGN = 2, /* cosign payload + ECDSA signature */
} ccs_image_sig_format;

/* ---- signature payloads (sig_payload.c) ---- */

/* The claims of a payload, parsed but NOT verified. */
typedef struct ccs_image_sig_claims {
    char manifest_digest[CCS_IMAGE_DIGEST_LEN + 1]; /* critical.image.docker-manifest-digest */
    char docker_reference[CCS_IMAGE_REF_MAX];       /* critical.identity.docker-reference */
    int64_t timestamp;                              /* optional.timestamp, 0 when absent */
} ccs_image_sig_claims;

/* Parses a payload: {"critical":{"type":..,"image":{"docker-manifest-digest":..},
 * "identity":{"docker-reference":..}},"optional":{..}}. Strict: exactly
 * those critical keys; type must be "atomic container signature" (SIMPLE)
 * or "cosign container image signature" (COSIGN). CCS_ERR_FORMAT otherwise. */
CCS_MUST_USE ccs_status ccs_image_sig_payload_parse(ccs_bytes payload, ccs_image_sig_format fmt,
                                                    ccs_image_sig_claims *out);
/* Builds a payload for docker_ref and digest (optional.creator "ccs",
 * optional.timestamp ts when ts > 0). out is replaced. */
CCS_MUST_USE ccs_status ccs_image_sig_payload_build(ccs_image_sig_format fmt, const char *docker_ref,
                                                    const char *manifest_digest, int64_t ts, ccs_buf *out);

/* ---- docker references (policy_ref.c) ---- */

/* A docker reference, normalised as containers/image does: "busybox" is
 * docker.io/library/busybox; name = domain/path. */
typedef struct ccs_image_dref {
    char name[CCS_IMAGE_REF_MAX]; /* domain/path */
    char tag[129];                /* "" when none */
    char digest[CCS_IMAGE_DIGEST_LEN + 1]; /* "" when none */
} ccs_image_dref;
/* CCS_ERR_FORMAT for a malformed reference. */
CCS_MUST_USE ccs_status ccs_image_dref_parse(const char *s, ccs_image_dref *out);
/* name[:tag][@digest] into out (cap bytes). */
void ccs_image_dref_string(const ccs_image_dref *r, char *out, size_t cap);

/* ---- a set of signatures for one image (sig_store.c) ---- */

typedef struct ccs_image_sigs ccs_image_sigs;
CCS_MUST_USE ccs_status ccs_image_sigs_new(ccs_image_sigs **out);
void ccs_image_sigs_free(ccs_image_sigs *s);
size_t ccs_image_sigs_count(const ccs_image_sigs *s);
size_t ccs_image_sigs_count_format(const ccs_image_sigs *s, ccs_image_sig_format fmt);
/* Adds a copy. SIMPLE: data is the OpenPGP message, cosign_sig_b64 NULL.
 * COSIGN: data is the payload, cosign_sig_b64 the annotation value
 * (standard base64 of the DER signature). At most CCS_IMAGE_SIGS_MAX. */
CCS_MUST_USE ccs_status ccs_image_sigs_add(ccs_image_sigs *s, ccs_image_sig_format fmt, ccs_bytes data,
                                           const char *cosign_sig_b64);
/* Signature i: format, data and (COSIGN) the decoded DER signature. */
CCS_MUST_USE ccs_status ccs_image_sigs_get(const ccs_image_sigs *s, size_t i, ccs_image_sig_format *fmt,
                                           ccs_bytes *data, ccs_bytes *cosign_sig);

/* Lookaside (sigstore) directory: reads every
 * <dir>/<repo path>@sha256=<hex>/signature-1, -2, ... (stops at the first
 * missing one; none is not an error). docker_ref names the repository. */
CCS_MUST_USE ccs_status ccs_image_lookaside_read(const char *dir, const char *docker_ref, const char *manifest_digest,
                                                 ccs_image_sigs *sigs);
/* Writes sig as the next free signature-N; *index gets N (may be NULL). */
CCS_MUST_USE ccs_status ccs_image_lookaside_write(const char *dir, const char *docker_ref, const char *manifest_digest,
                                                  ccs_bytes sig, unsigned *index);

/* The lookaside directory that a registries.d directory (every *.yaml in
 * it; containers-registries.d(5)) configures for docker_ref: the most
 * specific `docker: <scope>: lookaside:` (or the old name `sigstore:`),
 * else `default-docker: lookaside:`. staging: look for
 * `lookaside-staging` (where writes go) instead; a writer that gets
 * CCS_ERR_NOT_FOUND asks again with staging false. Only file:// URLs
 * (CCS_ERR_UNSUPPORTED otherwise); CCS_ERR_NOT_FOUND when none applies.
 * out gets the directory path. */
CCS_MUST_USE ccs_status ccs_image_registries_d_lookaside(const char *dir, const char *docker_ref, bool staging,
                                                         char *out, size_t cap);

/* The cosign signature artifact in an OCI layout: the manifest tagged
 * "sha256-<hex>.sig", each layer of media type CCS_IMAGE_COSIGN_MEDIA_TYPE
 * (payload blob + CCS_IMAGE_COSIGN_SIG_ANNOTATION). No such tag: nothing
 * added, CCS_OK. */
CCS_MUST_USE ccs_status ccs_image_cosign_read(const ccs_oci_layout *l, const char *manifest_digest,
                                              ccs_image_sigs *sigs);
/* Adds a layer (payload, signature) to that artifact, creating it when absent. */
CCS_MUST_USE ccs_status ccs_image_cosign_attach(const ccs_oci_layout *l, const char *manifest_digest, ccs_bytes payload,
                                                ccs_bytes sig_der);

/* ---- signing (sig_simple.c, sig_cosign.c) ---- */

/* Simple signing with the secret key fpr of the keyring in gnupghome (NULL:
 * gpg's default); the key must have no passphrase or an agent that has it.
 * sig gets the binary OpenPGP signed message over payload. */
CCS_MUST_USE ccs_status ccs_image_sign_simple(const char *gnupghome, const char *fpr, ccs_bytes payload, ccs_buf *sig);
/* ECDSA (P-256/SHA-256) DER signature over payload, appended to sig_der. */
CCS_MUST_USE ccs_status ccs_image_sign_cosign(const ccs_privkey *k, ccs_bytes payload, ccs_buf *sig_der);

/* ---- policy.json (policy.c, policy_eval.c) ---- */

typedef struct ccs_image_policy ccs_image_policy;

enum {
    /* Do not read keyPath/keyPaths files while parsing (a parser-only check,
     * e.g. for fuzzing); such a policy refuses every signedBy/sigstoreSigned. */
    CCS_IMAGE_POLICY_NO_KEY_FILES = 1u << 0,
};

/* Parses a containers-policy.json(5) document. Strict: unknown keys,
 * wrong types, empty requirement lists, unknown requirement and identity
 * types are CCS_ERR_FORMAT with the JSON path ("$.transports.docker[\"x\"][0].keyType");
 * fulcio/rekor options are CCS_ERR_UNSUPPORTED ("... not supported").
 * Key files named by keyPath/keyPaths are read now (relative paths from the
 * current directory) and checked: OpenPGP keys import, PEM keys parse. */
CCS_MUST_USE ccs_status ccs_image_policy_parse(ccs_bytes json, unsigned flags, ccs_image_policy **out);
CCS_MUST_USE ccs_status ccs_image_policy_load(const char *path, ccs_image_policy **out);
void ccs_image_policy_free(ccs_image_policy *p);

/* The scope chosen for docker_ref under transport "docker": the most
 * specific of name:tag / name@digest, name, each namespace, the host,
 * "*.domain" wildcards, then the transport's "" scope, then "default".
 * scope gets the key (or "default"); cap bytes. */
CCS_MUST_USE ccs_status ccs_image_policy_scope(const ccs_image_policy *p, const char *docker_ref, char *scope,
                                               size_t cap);

typedef struct ccs_image_verdict {
    char scope[CCS_IMAGE_REF_MAX]; /* the scope whose requirements applied */
    char signer[128];              /* the key fingerprint / "ecdsa key N" that signed, if any */
    char signed_identity[CCS_IMAGE_REF_MAX]; /* the identity in the accepted signature */
    size_t requirements;           /* how many requirements were checked */
} ccs_image_verdict;

/* Decides whether the image with manifest_digest, pulled as docker_ref
 * (HOST/REPO[:TAG|@DIGEST]; a missing tag is :latest), is accepted: every
 * requirement of the chosen scope must hold. CCS_OK accepted;
 * CCS_ERR_POLICY refused, reason in ccs_error_detail(), e.g. "A signature
 * was required, but no signature exists", "Signature for identity X is not
 * accepted", "no signature by a key the policy trusts"; CCS_ERR_FORMAT for
 * a malformed docker_ref or digest. v may be NULL. */
CCS_MUST_USE ccs_status ccs_image_policy_check(const ccs_image_policy *p, const char *docker_ref,
                                               const char *manifest_digest, const ccs_image_sigs *sigs,
                                               ccs_image_verdict *v);

/* The whole check on an OCI layout image (oci:DIR[:TAG]): its manifest
 * digest (the blob checked), signatures from lookaside_dir (may be NULL)
 * and the layout's cosign artifact, then ccs_image_policy_check. */
CCS_MUST_USE ccs_status ccs_image_verify(const char *oci_ref, const ccs_image_policy *p, const char *docker_ref,
                                         const char *lookaside_dir, ccs_image_verdict *v);

/* The manifest digest of oci:DIR[:TAG] (its blob read and checked). */
CCS_MUST_USE ccs_status ccs_image_manifest_digest(const char *oci_ref, char digest[CCS_IMAGE_DIGEST_LEN + 1]);

#ifdef __cplusplus
}
#endif
#endif
