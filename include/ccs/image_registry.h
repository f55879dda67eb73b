/*
 * ccs/image_registry.h - a client of the OCI distribution API v2 (container
 * registries): pull an image into an OCI image layout, push one from a
 * layout. Library ccs_image (src/image/registry*.c, libcurl). Format and
 * behaviour: docs/image.md "Registries".
 *
 * A pull stores exactly the bytes the registry served, each checked against
 * its digest before it is given its name in the layout, so the result can be
 * run through the layout functions of ccs/image.h (ccs_image_copy with
 * CCS_IMAGE_DECRYPT, signature checks over manifest_digest) afterwards.
 *
 * Error statuses: CCS_ERR_INVALID_ARG (bad arguments or options),
 * CCS_ERR_FORMAT (a malformed reference, challenge, manifest or token
 * reply), CCS_ERR_UNSUPPORTED (a manifest media type or digest algorithm not
 * handled), CCS_ERR_NOT_FOUND (404: no such repository, tag, manifest or
 * blob; no manifest for the platform), CCS_ERR_POLICY (401/403: not
 * authorized; plain HTTP refused), CCS_ERR_MISMATCH (content that is not
 * what its digest or size says), CCS_ERR_OVERFLOW (more than the size
 * limit), CCS_ERR_NETWORK (transport errors and 5xx after the retries),
 * CCS_ERR_IO (the layout on disk).
 */
#ifndef CCS_IMAGE_REGISTRY_H
#define CCS_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccs/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_REGISTRY_DOCKER_HUB "registry-1.docker.io"
#define CCS_REGISTRY_TOKEN_MAX ((size_t)64 << 10) /* a token endpoint's reply */

/* ---- references (registry_ref.c) ---- */

/* A parsed "docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX]". docker.io names
 * are normalised as docker does: no host or "docker.io" / "index.docker.io"
 * means registry-1.docker.io, and a one-component repository there gets
 * "library/". Without tag or digest the tag is "latest". */
typedef struct ccs_image_ref {
    char *host;   /* "registry-1.docker.io", "127.0.0.1:5000" */
    char *repo;   /* "library/alpine", lower-case path components */
    char *tag;    /* NULL when digest is set */
    char *digest; /* "sha256:<64 hex>" or NULL */
} ccs_image_ref;

/* CCS_ERR_FORMAT for anything else (the prefix "docker://" is optional). */
CCS_MUST_USE ccs_status ccs_image_ref_parse(const char *text, ccs_image_ref *out);
void ccs_image_ref_clear(ccs_image_ref *r);
/* The tag or the digest: what goes after /manifests/. */
const char *ccs_image_ref_reference(const ccs_image_ref *r);
/* True for localhost, 127.0.0.0/8 and [::1] (with any port). */
bool ccs_image_ref_is_loopback(const ccs_image_ref *r);
/* The fully qualified name that policy.json scopes, signedIdentity rules and
 * signatures use: "docker.io/library/alpine:latest" for Docker Hub (not the
 * host the client connects to, registry-1.docker.io),
 * "127.0.0.1:5000/demo/enc@sha256:..." otherwise. CCS_ERR_FORMAT when it
 * does not fit in cap bytes. */
CCS_MUST_USE ccs_status ccs_image_ref_identity(const ccs_image_ref *r, char *out, size_t cap);

/* A WWW-Authenticate challenge (RFC 7235; the distribution token spec). */
typedef struct ccs_registry_challenge {
    char *scheme; /* "bearer" or "basic", lower-case */
    char *realm, *service, *scope; /* NULL when absent */
} ccs_registry_challenge;

/* Parses one challenge: SCHEME [k=v or k="quoted" ,...]. CCS_ERR_FORMAT for
 * malformed text, CCS_ERR_UNSUPPORTED for other schemes. */
CCS_MUST_USE ccs_status ccs_registry_challenge_parse(const char *header, ccs_registry_challenge *out);
void ccs_registry_challenge_clear(ccs_registry_challenge *c);

/* Parses "os/arch[/variant]" into the three parts (variant "" if absent). */
CCS_MUST_USE ccs_status ccs_registry_platform_parse(const char *text, char os[32], char arch[32], char variant[32]);

/* ---- the client (registry_http.c, registry_auth.c) ---- */

/* Progress of one blob: done of total bytes (total 0 when unknown). Called
 * from inside a transfer; the library itself never prints. */
typedef void (*ccs_registry_progress_fn)(void *arg, const char *digest, uint64_t done, uint64_t total);

typedef struct ccs_registry_opts {
    const char *platform;      /* "os/arch[/variant]" for image indexes; NULL: linux/amd64 */
    const char *username;      /* basic credentials (also sent to the token endpoint) */
    const char *password;
    const char *authfile;      /* docker-style config.json ({"auths":{HOST:{"auth":b64}}}) */
    const char *ca_file;       /* extra trust anchors (PEM), NULL: the system's */
    bool insecure_plain_http;  /* http:// instead of https://, loopback hosts only */
    unsigned retries;          /* extra tries on 5xx, 429 and transport errors; 0: 3 */
    unsigned backoff_ms;       /* first delay, doubled each time; 0: 250 */
    unsigned max_redirects;    /* for blob GETs; 0: 5 */
    uint64_t blob_max;         /* bytes of one blob; 0: CCS_IMAGE_LAYER_MAX */
    size_t manifest_max;       /* bytes of a manifest; 0: CCS_IMAGE_JSON_MAX */
    long timeout_s;            /* per request; 0: 300 */
    ccs_registry_progress_fn progress;
    void *progress_arg;
} ccs_registry_opts;

typedef struct ccs_registry ccs_registry;

/* A client for one registry host; bearer tokens are cached per scope in it.
 * Not thread-safe: one client per thread. */
CCS_MUST_USE ccs_status ccs_registry_new(const ccs_registry_opts *opts, ccs_registry **out);
void ccs_registry_free(ccs_registry *r);

/* GET /v2/REPO/manifests/REFERENCE with the OCI and Docker v2 manifest and
 * index media types in Accept. body: the bytes as served, checked against
 * the digest of the reference when it is one and against
 * Docker-Content-Digest when the registry sends it; digest gets their
 * sha256; media_type the Content-Type (or the document's mediaType). */
CCS_MUST_USE ccs_status ccs_registry_get_manifest(ccs_registry *r, const ccs_image_ref *ref, const char *reference,
                                                  ccs_buf *body, char media_type[128],
                                                  char digest[CCS_IMAGE_DIGEST_LEN + 1]);

/* GET /v2/REPO/blobs/DIGEST (following redirects) into the file path,
 * streamed through a temporary file beside it that becomes path only when
 * its size and SHA-256 are the descriptor's. size < 0: unknown. */
CCS_MUST_USE ccs_status ccs_registry_get_blob(ccs_registry *r, const ccs_image_ref *ref, const char *digest,
                                              int64_t size, const char *path);

/* ---- whole images (registry_pull.c, registry_push.c) ---- */

typedef struct ccs_registry_pull_result {
    char manifest_digest[CCS_IMAGE_DIGEST_LEN + 1]; /* the image manifest stored and tagged */
    char index_digest[CCS_IMAGE_DIGEST_LEN + 1];    /* the index it was chosen from, or "" */
    char media_type[128];                           /* the manifest's */
    size_t blobs, fetched;                          /* blobs of the image; downloaded (others were present) */
    uint64_t bytes;                                 /* downloaded */
} ccs_registry_pull_result;

/* Pulls src ("docker://...") into the layout dst ("oci:DIR[:TAG]", created
 * when absent; the tag defaults to the reference's tag). For an image index
 * or manifest list the manifest of opts->platform is chosen. The layout is
 * tagged only after every blob is stored and checked; the layout then holds
 * the manifest exactly as served, so a caller can verify signatures over
 * manifest_digest and decrypt with ccs_image_copy. */
CCS_MUST_USE ccs_status ccs_registry_pull(ccs_registry *r, const char *src, const char *dst,
                                          ccs_registry_pull_result *res);

typedef struct ccs_registry_push_result {
    char manifest_digest[CCS_IMAGE_DIGEST_LEN + 1];
    size_t blobs, uploaded; /* blobs of the image; uploaded (others were there already) */
} ccs_registry_push_result;

/* Pushes the image src ("oci:DIR[:TAG]") to dst ("docker://..."; with a tag:
 * the manifest is put under it, with a digest: under that digest, which
 * must be the manifest's). Each blob is checked in the layout, HEADed and
 * uploaded (POST then monolithic PUT) only when missing; the manifest bytes
 * are sent as stored. */
CCS_MUST_USE ccs_status ccs_registry_push(ccs_registry *r, const char *src, const char *dst,
                                          ccs_registry_push_result *res);

#ifdef __cplusplus
}
#endif
#endif
