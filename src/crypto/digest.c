/* SHA-2 digests. The one-shot low-level functions avoid the EVP fetch and
 * context allocation of OpenSSL 3 (measurable at quote-verifier rates). */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init/Update/Final: this file only */

#include <openssl/sha.h>

#include "crypto_internal.h"

void ccs_sha256(ccs_bytes in, uint8_t out[static CCS_SHA256_LEN]) {
    static const uint8_t empty[1];
    SHA256(in.len ? in.ptr : empty, in.len, out);
}

void ccs_sha384(ccs_bytes in, uint8_t out[static CCS_SHA384_LEN]) {
    static const uint8_t empty[1];
    SHA384(in.len ? in.ptr : empty, in.len, out);
}

void ccs_sha256_v(const ccs_bytes *parts, size_t n, uint8_t out[static CCS_SHA256_LEN]) {
    SHA256_CTX c;
    SHA256_Init(&c);
    for (size_t i = 0; i < n; i++)
        if (parts[i].len > 0) SHA256_Update(&c, parts[i].ptr, parts[i].len);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof c);
}
