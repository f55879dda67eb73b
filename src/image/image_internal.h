/*
 * image_internal.h - private to src/image: shared helpers of the layout,
 * the ocicrypt layer format and its JWE key wrap.
 */
#ifndef CCS_IMAGE_INTERNAL_H
#define CCS_IMAGE_INTERNAL_H

#include "ccs/image.h"

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

#endif
