/*
 * image_internal.h - private to src/image: shared helpers of the layout,
 * the ocicrypt layer format and its JWE key wrap.
 */
#ifndef CCS_IMAGE_INTERNAL_H
#define CCS_IMAGE_INTERNAL_H

#include <sys/types.h>
#include "ccs/image.h"

/* ---- manifests and indexes (manifest.c) ---- */
#define CCS__MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CCS__MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define CCS__MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CCS__MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
bool ccs__image_is_manifest_type(const char *mt);
bool ccs__image_is_index_type(const char *mt);
/* A descriptor: an object with a non-empty mediaType, a sha256 digest, a
 * non-negative integer size and, if any, string annotations; errors start
 * with `what`. */
CCS_MUST_USE ccs_status ccs__image_descriptor_check(const json_t *d, const char *what);
/* A whole image manifest served or listed as media_type: that type an image
 * manifest (OCI or Docker v2 schema 2; else CCS_ERR_UNSUPPORTED),
 * schemaVersion 2, its own mediaType (if any) the same (else
 * CCS_ERR_MISMATCH), a config descriptor and at most 1024 layer
 * descriptors, each checked as above (CCS_ERR_FORMAT naming the field). */
CCS_MUST_USE ccs_status ccs__image_manifest_check(const json_t *m, const char *media_type);
/* The first image manifest of an index (schemaVersion 2, a manifests array)
 * for platform "os/arch[/variant]" (NULL: linux/amd64), its descriptor
 * checked; CCS_ERR_NOT_FOUND when none matches. */
CCS_MUST_USE ccs_status ccs__image_index_select(const json_t *index, const char *platform, const json_t **out);

/* Untrusted JSON text that must be an object (duplicates refused, at most
 * CCS_IMAGE_JSON_MAX bytes); `what` names it in errors. */
CCS_MUST_USE ccs_status ccs__image_json_parse(ccs_bytes text, const char *what, json_t **out);
/* Re-records the current error as "prefix: <detail>" with status st. */
ccs_status ccs__image_rethrow(ccs_status st, const char *prefix);
/* "sha256:<64 lower-case hex>" or CCS_ERR_FORMAT / CCS_ERR_UNSUPPORTED. */
CCS_MUST_USE ccs_status ccs__image_digest_check(const char *digest);
void ccs__image_digest_of(ccs_bytes data, char out[CCS_IMAGE_DIGEST_LEN + 1]);
/* ccs_oci_blob_write for data whose digest the caller has just computed
 * from these very bytes (a layer's new descriptor): not hashed again. */
CCS_MUST_USE ccs_status ccs__oci_blob_store(const ccs_oci_layout *l, ccs_bytes data, const char *digest);
/* A blob written in pieces: its path in l (the digest checked first); a
 * temporary file in l's blob directory (*tmp: caller passes it on); then
 * synced, closed and renamed to the blob of digest (NULL: given up, the
 * file removed), *tmp freed either way. */
CCS_MUST_USE ccs_status ccs__oci_blob_path(const ccs_oci_layout *l, const char *digest, char *out, size_t cap);
CCS_MUST_USE ccs_status ccs__oci_blob_begin(const ccs_oci_layout *l, int *fd, char **tmp);
ccs_status ccs__oci_blob_finish(const ccs_oci_layout *l, int fd, char *tmp, const char *digest);
/* write(2) until all of p is written (EINTR retried): 0, or the errno. */
int ccs__image_write_all(int fd, const uint8_t *p, size_t n);
/* ccs_ocicrypt_decrypt_layer from the blob of in_desc in src to a new blob
 * in dst, streamed (ocicrypt_stream.c): the same checks, statuses and
 * results, without the layer in memory. */
CCS_MUST_USE ccs_status ccs__ocicrypt_decrypt_blob(const ccs_oci_layout *src, const ccs_oci_layout *dst,
                                                   const json_t *in_desc, const ccs_image_keys *keys, json_t **desc);
/* The pieces of ocicrypt.c the stream uses: the annotated HMAC, the layer
 * key and nonce from the first key that opens them, and the plain layer's
 * descriptor. */
typedef struct ccs__ocicrypt_opts {
    uint8_t key[32], nonce[16];
    char digest[CCS_IMAGE_DIGEST_LEN + 1]; /* the plain layer's, as the encryptor recorded it; "" if absent */
} ccs__ocicrypt_opts;
/* CCS_ERR_MISMATCH unless the decrypted layer's digest is the one its
 * private options recorded (when they recorded one). */
CCS_MUST_USE ccs_status ccs__ocicrypt_check_plain(const ccs__ocicrypt_opts *p, const char *digest);
/* The private options (the JSON a recipient's key wrap opens): symkey,
 * cipheroptions.nonce, the optional digest. Exposed for the fuzz target. */
CCS_MUST_USE ccs_status ccs__ocicrypt_privopts_parse(ccs_bytes text, ccs__ocicrypt_opts *p);
CCS_MUST_USE ccs_status ccs__ocicrypt_open_opts(const json_t *in_desc, const ccs_image_keys *keys, uint8_t hmac[32],
                                                ccs__ocicrypt_opts *p);
json_t *ccs__ocicrypt_plain_desc(const json_t *in_desc, const char *digest, size_t size);
/* A standard-base64 string member of exactly len bytes (min..max when len 0). */
CCS_MUST_USE ccs_status ccs__image_b64_member(const json_t *o, const char *name, size_t min, size_t max, ccs_buf *out);

/* The ocicrypt JWE key wrap (layer_jwe.c): JSON general serialization, enc
 * A256GCM, one recipient per key (RSA-OAEP for RSA keys, ECDH-ES+A256KW for
 * EC keys), as go-jose writes it. */
CCS_MUST_USE ccs_status ccs__image_jwe_seal(ccs_bytes pt, const ccs_image_keys *recipients, ccs_buf *jwe_json);
/* Opens such a JWE with the first private key that unwraps a recipient:
 * CCS_ERR_KEY when none does; CCS_ERR_FORMAT / CCS_ERR_UNSUPPORTED for a
 * malformed JWE or other algorithms; CCS_ERR_SIGNATURE when the content does
 * not decrypt. */
CCS_MUST_USE ccs_status ccs__image_jwe_open(ccs_bytes jwe_json, const ccs_image_keys *keys, ccs_buf *pt);

/* The attestation-agent key provider (keyprovider_aa.c): the annotation
 * value (base64 of the packet) wrapping privopts under kek for kid; and the
 * private options from an annotation value (a comma-separated list) through
 * keys->kek. CCS_ERR_KEY when no KEK opens it or there is no resolver. */
CCS_MUST_USE ccs_status ccs__image_aa_wrap(const char *kid, const uint8_t kek[32], ccs_bytes privopts,
                                           ccs_buf *annotation);
CCS_MUST_USE ccs_status ccs__image_aa_unwrap(const char *annotation, const ccs_image_keys *keys, ccs_buf *privopts);

/* The mode of a blob written into a layout: 0644 less the process umask. */
mode_t ccs__image_blob_mode(void);

#endif
