/* SHA-2 digests through the low-level functions. In OpenSSL 3 the one-shot
 * SHA256()/SHA384() and EVP_Digest with EVP_sha256() fetch the algorithm
 * from the provider store on every call (a lock shared by every thread);
 * SHA256_Init/Update/Final do not (measurable at quote-verifier rates). */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init/Update/Final: this file only */

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "crypto_internal.h"

void ccs_sha256(ccs_bytes in, uint8_t out[static CCS_SHA256_LEN]) {
    ccs_sha256_v(&in, 1, out);
}

void ccs_sha384(ccs_bytes in, uint8_t out[static CCS_SHA384_LEN]) {
    SHA512_CTX c;
    SHA384_Init(&c);
    if (in.len > 0) SHA384_Update(&c, in.ptr, in.len);
    SHA384_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof c);
}

void ccs_sha512(ccs_bytes in, uint8_t out[static 64]) {
    SHA512_CTX c;
    SHA512_Init(&c);
    if (in.len > 0) SHA512_Update(&c, in.ptr, in.len);
    SHA512_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof c);
}

size_t ccs__ec_digest(ccs_curve curve, ccs_bytes msg, uint8_t md[static CCS_SHA384_LEN]) {
    if (curve == CCS_CURVE_P256) {
        ccs_sha256(msg, md);
        return CCS_SHA256_LEN;
    }
    ccs_sha384(msg, md);
    return CCS_SHA384_LEN;
}

void ccs_sha256_v(const ccs_bytes *parts, size_t n, uint8_t out[static CCS_SHA256_LEN]) {
    SHA256_CTX c;
    SHA256_Init(&c);
    for (size_t i = 0; i < n; i++)
        if (parts[i].len > 0) SHA256_Update(&c, parts[i].ptr, parts[i].len);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof c);
}

/* HMAC-SHA256 (RFC 2104) over the concatenation of n views, without a
 * context allocation or an EVP fetch: for short messages at request rates
 * (the KBS's session cookies). Keys longer than a block are hashed first. */
void ccs_hmac_sha256_v(ccs_bytes key, const ccs_bytes *parts, size_t n, uint8_t out[static CCS_SHA256_LEN]) {
    uint8_t k[64] = {0}, pad[64], inner[CCS_SHA256_LEN];
    if (key.len > sizeof k)
        ccs_sha256(key, k);
    else if (key.len > 0)
        memcpy(k, key.ptr, key.len);
    SHA256_CTX c;
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = k[i] ^ 0x36;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof pad);
    for (size_t i = 0; i < n; i++)
        if (parts[i].len > 0) SHA256_Update(&c, parts[i].ptr, parts[i].len);
    SHA256_Final(inner, &c);
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof pad);
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof c);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
}

struct ccs_sha256_stream {
    SHA256_CTX c;
};

ccs_status ccs_sha256_stream_new(ccs_sha256_stream **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "sha256: NULL output");
    *out = calloc(1, sizeof **out);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "sha256: out of memory");
    SHA256_Init(&(*out)->c);
    return CCS_OK;
}

void ccs_sha256_stream_update(ccs_sha256_stream *s, ccs_bytes data) {
    if (s != NULL && data.len > 0) SHA256_Update(&s->c, data.ptr, data.len);
}

void ccs_sha256_stream_final(ccs_sha256_stream *s, uint8_t out[static CCS_SHA256_LEN]) {
    SHA256_Final(out, &s->c);
    SHA256_Init(&s->c);
}

void ccs_sha256_stream_free(ccs_sha256_stream *s) {
    if (s == NULL) return;
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}
