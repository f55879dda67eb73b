/* Sealing with any backend that offers sealing keys (ccs_backend_seal_key).
 * Blob, version 1:
 *   magic "CCSSEAL" (7) | version u8 = 1 | policy u8 | nonce (12) |
 *   ciphertext | tag (16)
 * AES-256-GCM under the backend's key for the policy (label "ccs-seal-blob"),
 * with aad = the 9-byte header (magic, version, policy) || the caller's aad.
 * Unsealing parses strictly and fails with CCS_ERR_SIGNATURE under any other
 * key (another measurement or signer, another platform secret) or aad. */
#include <string.h>

#include "backend.h"
#include "ccs/crypto.h"

#define SEAL_MAGIC "CCSSEAL"
#define SEAL_MAGIC_LEN 7
#define SEAL_VERSION 1
#define SEAL_HDR_LEN (SEAL_MAGIC_LEN + 2)
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_LABEL "ccs-seal-blob"

static ccs_status seal_aad(const uint8_t hdr[SEAL_HDR_LEN], ccs_bytes aad, ccs_buf *out) {
    CCS_TRY(ccs_buf_append(out, hdr, SEAL_HDR_LEN));
    return aad.len ? ccs_buf_append(out, aad.ptr, aad.len) : CCS_OK;
}

ccs_status ccs_seal(ccs_backend *b, ccs_seal_policy policy, ccs_bytes plaintext, ccs_bytes aad, ccs_buf *blob) {
    uint8_t key[32], nonce[SEAL_NONCE_LEN], tag[SEAL_TAG_LEN], hdr[SEAL_HDR_LEN];
    ccs_buf full_aad = {0};
    CCS_ENSURE(b != NULL && blob != NULL && (plaintext.ptr != NULL || plaintext.len == 0) &&
                   (aad.ptr != NULL || aad.len == 0),
               CCS_ERR_INVALID_ARG, "seal: invalid argument");
    CCS_TRY(ccs_backend_seal_key(b, policy, ccs_bytes_str(SEAL_LABEL), key));
    memcpy(hdr, SEAL_MAGIC, SEAL_MAGIC_LEN);
    hdr[SEAL_MAGIC_LEN] = SEAL_VERSION;
    hdr[SEAL_MAGIC_LEN + 1] = (uint8_t)policy;
    blob->len = 0;
    ccs_status st = ccs_random(nonce, sizeof nonce);
    if (st == CCS_OK) st = seal_aad(hdr, aad, &full_aad);
    if (st == CCS_OK) st = ccs_buf_append(blob, hdr, sizeof hdr);
    if (st == CCS_OK) st = ccs_buf_append(blob, nonce, sizeof nonce);
    if (st == CCS_OK) st = ccs_aes256gcm_seal(key, nonce, ccs_buf_view(&full_aad), plaintext, blob, tag);
    if (st == CCS_OK) st = ccs_buf_append(blob, tag, sizeof tag);
    if (st != CCS_OK) blob->len = 0;
    ccs_wipe(key, sizeof key);
    ccs_buf_free(&full_aad);
    return st;
}

ccs_status ccs_unseal(ccs_backend *b, ccs_bytes blob, ccs_bytes aad, ccs_buf *plaintext) {
    ccs_reader r;
    ccs_bytes magic, nonce, ct, tag;
    uint8_t version = 0, policy = 0, key[32];
    CCS_ENSURE(b != NULL && plaintext != NULL && (blob.ptr != NULL || blob.len == 0) &&
                   (aad.ptr != NULL || aad.len == 0),
               CCS_ERR_INVALID_ARG, "unseal: invalid argument");
    ccs_reader_init(&r, blob);
    CCS_TRY(ccs_reader_bytes(&r, SEAL_MAGIC_LEN, &magic));
    CCS_ENSURE(memcmp(magic.ptr, SEAL_MAGIC, SEAL_MAGIC_LEN) == 0, CCS_ERR_FORMAT, "unseal: not a CCS sealed blob");
    CCS_TRY(ccs_reader_u8(&r, &version));
    CCS_ENSURE(version == SEAL_VERSION, CCS_ERR_UNSUPPORTED, "unseal: blob version %u (this build reads 1)", version);
    CCS_TRY(ccs_reader_u8(&r, &policy));
    CCS_ENSURE(policy == CCS_SEAL_MEASUREMENT || policy == CCS_SEAL_SIGNER, CCS_ERR_UNSUPPORTED,
               "unseal: unknown sealing policy %u", policy);
    CCS_TRY(ccs_reader_bytes(&r, SEAL_NONCE_LEN, &nonce));
    CCS_ENSURE(ccs_reader_remaining(&r) >= SEAL_TAG_LEN, CCS_ERR_TRUNCATED, "unseal: blob ends before the tag");
    CCS_TRY(ccs_reader_bytes(&r, ccs_reader_remaining(&r) - SEAL_TAG_LEN, &ct));
    CCS_TRY(ccs_reader_bytes(&r, SEAL_TAG_LEN, &tag));
    CCS_TRY(ccs_reader_expect_end(&r));

    ccs_buf full_aad = {0};
    CCS_TRY(ccs_backend_seal_key(b, (ccs_seal_policy)policy, ccs_bytes_str(SEAL_LABEL), key));
    ccs_status st = seal_aad(blob.ptr, aad, &full_aad);
    if (st == CCS_OK) {
        plaintext->len = 0;
        st = ccs_aes256gcm_open(key, nonce.ptr, ccs_buf_view(&full_aad), ct, tag.ptr, plaintext);
        if (st == CCS_ERR_SIGNATURE)
            st = ccs_error_set(st, CCS_HERE,
                               "unseal: authentication failed (sealed under another measurement, signer, platform "
                               "or label, or the blob was changed)");
    }
    if (st != CCS_OK) plaintext->len = 0;
    ccs_wipe(key, sizeof key);
    ccs_buf_free(&full_aad);
    return st;
}
