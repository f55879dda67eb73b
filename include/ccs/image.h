/*
 * ccs/image.h - container images: OCI image layouts and encrypted layers
 * compatible with ocicrypt (skopeo, containerd imgcrypt, image-rs).
 * Library ccs_image (src/image/). Formats: docs/image.md.
 *
 * Layers are handled in memory, up to CCS_IMAGE_LAYER_MAX bytes. Every blob
 * read from a layout is checked against its descriptor's digest and size
 * before use; an encrypted layer's HMAC is checked before a single byte of
 * it is decrypted.
 */
#ifndef CCS_IMAGE_H
#define CCS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ccs/core.h"
#include "ccs/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_IMAGE_LAYER_MAX ((size_t)1 << 30)  /* bytes of one layer in memory */
#define CCS_IMAGE_JSON_MAX ((size_t)4 << 20)   /* manifests, configs, index.json */
#define CCS_IMAGE_DIGEST_LEN 71                /* "sha256:" + 64 hex digits */

/* ---- OCI image layouts (oci_layout.c) ---- */

typedef struct ccs_oci_layout ccs_oci_layout;

/* Opens the layout in dir (oci-layout must say imageLayoutVersion 1.0.0).
 * create: make dir, oci-layout, an empty index.json and blobs/sha256 when
 * absent. */
CCS_MUST_USE ccs_status ccs_oci_layout_open(const char *dir, bool create, ccs_oci_layout **out);
void ccs_oci_layout_free(ccs_oci_layout *l);

/* A blob by digest ("sha256:<64 lower-case hex>"), checked: its SHA-256 must
 * be the digest and its size `size` (when size >= 0). At most max bytes.
 * CCS_ERR_MISMATCH for a blob whose content is not what it says,
 * CCS_ERR_NOT_FOUND when absent, CCS_ERR_FORMAT for a malformed digest. */
CCS_MUST_USE ccs_status ccs_oci_blob_read(const ccs_oci_layout *l, const char *digest, int64_t size, size_t max,
                                          ccs_buf *out);
/* Stores data as a blob (atomically: written to a temporary file, then
 * renamed); digest gets "sha256:<hex>". */
CCS_MUST_USE ccs_status ccs_oci_blob_write(const ccs_oci_layout *l, ccs_bytes data,
                                           char digest[CCS_IMAGE_DIGEST_LEN + 1]);
/* The manifest descriptor tagged `tag` (annotation
 * org.opencontainers.image.ref.name) in index.json; tag NULL: the only
 * manifest. Caller decrefs. */
CCS_MUST_USE ccs_status ccs_oci_index_find(const ccs_oci_layout *l, const char *tag, json_t **desc);
/* Adds desc to index.json under tag, replacing an entry with the same tag. */
CCS_MUST_USE ccs_status ccs_oci_index_put(const ccs_oci_layout *l, const char *tag, const json_t *desc);
/* Removes the entries tagged `tag` from index.json (none: CCS_OK, nothing
 * written). The blobs stay. */
CCS_MUST_USE ccs_status ccs_oci_index_remove(const ccs_oci_layout *l, const char *tag);

/* Parses "oci:DIR[:TAG]" (the skopeo transport syntax). dir and tag are
 * allocated (tag NULL when absent); caller frees. */
CCS_MUST_USE ccs_status ccs_oci_ref_parse(const char *ref, char **dir, char **tag);

/* ---- encrypted layers (ocicrypt.c, layer_jwe.c) ---- */

/* The attestation-agent key provider (Confidential Containers): a layer's
 * private options wrapped with A256GCM under a 32-byte KEK that a KBS holds
 * as the resource named by kid ("kbs:///<repo>/<type>/<tag>"). The resolver
 * appends the KEK to kek (for instance after attesting to the KBS through
 * the agent module); it is called only for layers that carry such a key. */
typedef ccs_status (*ccs_image_kek_fn)(void *ctx, const char *kid, ccs_buf *kek);

/* Keys: PEM texts. Recipients are public keys (RSA: RSA-OAEP; EC P-256/P-384:
 * ECDH-ES+A256KW); decryption keys are unencrypted private keys. Also, for
 * encryption, a key-provider KEK (aa_kid with its 32-byte aa_kek) and, for
 * decryption, a resolver of such KEKs. */
typedef struct ccs_image_keys {
    const ccs_bytes *pem;
    size_t n;
    const char *aa_kid;    /* encrypt: also wrap to this KBS key id ... */
    const uint8_t *aa_kek; /* ... with this 32-byte KEK */
    ccs_image_kek_fn kek;  /* decrypt: resolves KBS key ids (NULL: none) */
    void *kek_ctx;
} ccs_image_keys;

/* Encrypts one layer (AES_256_CTR_HMAC_SHA256, a fresh key and nonce) to
 * every recipient (and to the KBS key aa_kid when set): ct gets the ciphertext (the same length as pt), *desc the
 * new descriptor (mediaType + "+encrypted", digest, size, the enc.keys.jwe
 * and enc.pubopts annotations, other annotations kept). in_desc is the
 * plaintext layer's descriptor. Already encrypted layers: CCS_ERR_INVALID_ARG. */
CCS_MUST_USE ccs_status ccs_ocicrypt_encrypt_layer(const json_t *in_desc, ccs_bytes pt, const ccs_image_keys *recipients,
                                                   ccs_buf *ct, json_t **desc);
/* Decrypts an encrypted layer with the first key that opens one of its JWE
 * recipients, else through the attestation-agent annotation and keys->kek.
 * Order: annotations and options parsed (CCS_ERR_FORMAT,
 * CCS_ERR_UNSUPPORTED), key unwrapped (CCS_ERR_KEY: "no key opens this
 * layer"), HMAC over the ciphertext checked (CCS_ERR_SIGNATURE: nothing
 * decrypted), then AES-CTR. *desc: the plaintext descriptor (mediaType
 * without "+encrypted", digest, size, the enc.* annotations removed). */
CCS_MUST_USE ccs_status ccs_ocicrypt_decrypt_layer(const json_t *in_desc, ccs_bytes ct, const ccs_image_keys *keys,
                                                   ccs_buf *pt, json_t **desc);
/* True when the descriptor's media type ends in "+encrypted". */
bool ccs_ocicrypt_is_encrypted(const json_t *desc);

/* ---- whole images (image_copy.c) ---- */

typedef enum ccs_image_op {
    CCS_IMAGE_COPY = 0,
    CCS_IMAGE_ENCRYPT, /* every layer not yet encrypted, to keys (public) */
    CCS_IMAGE_DECRYPT, /* every encrypted layer, with keys (private) */
} ccs_image_op;

typedef struct ccs_image_copy_result {
    size_t layers, transformed;
    char manifest_digest[CCS_IMAGE_DIGEST_LEN + 1];
} ccs_image_copy_result;

/* Copies the image src (oci:DIR[:TAG]) to dst (oci:DIR[:TAG]; the tag
 * defaults to the source's), encrypting or decrypting its layers. The
 * config and non-layer blobs are copied as they are. Nothing is tagged in
 * dst unless every layer succeeded. */
CCS_MUST_USE ccs_status ccs_image_copy(const char *src, const char *dst, ccs_image_op op, const ccs_image_keys *keys,
                                       ccs_image_copy_result *res);

#ifdef __cplusplus
}
#endif
#endif
