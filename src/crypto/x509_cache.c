/* A process-wide cache of decoded certificates, keyed by the SHA-256 of
 * their exact DER bytes (a documented, thread-safe cache: DESIGN.md).
 *
 * Why: OpenSSL 3.0 spends ~150 us decoding the public key of every
 * certificate (it builds a fresh OSSL_DECODER context each time), more than
 * an ECDSA verification. A verifier sees the same few Intel CA and signing
 * certificates in every piece of collateral and the same PCK certificates
 * again and again, so decoding identical bytes once is worth it. Only
 * decoding is cached: every signature, chain, CRL and validity check still
 * runs on every verification. An entry is only ever created from input that
 * decoded completely, so a hit means these exact bytes decoded before. */
#include <pthread.h>
#include <string.h>

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "crypto_internal.h"

#define CACHE_SIZE 256

typedef struct entry {
    uint8_t key[SHA256_DIGEST_LENGTH];
    X509 *x;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry cache[CACHE_SIZE];
static size_t next_slot;

X509 *ccs__x509_cache_get(const uint8_t key[SHA256_DIGEST_LENGTH]) {
    X509 *x = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SIZE && x == NULL; i++) {
        if (cache[i].x != NULL && memcmp(cache[i].key, key, SHA256_DIGEST_LENGTH) == 0) {
            x = cache[i].x;
            if (!X509_up_ref(x)) x = NULL;
        }
    }
    pthread_mutex_unlock(&lock);
    return x;
}

void ccs__x509_cache_put(const uint8_t key[SHA256_DIGEST_LENGTH], X509 *x) {
    if (!X509_up_ref(x)) return;
    pthread_mutex_lock(&lock);
    entry *e = &cache[next_slot];
    next_slot = (next_slot + 1) % CACHE_SIZE;
    X509_free(e->x);
    memcpy(e->key, key, SHA256_DIGEST_LENGTH);
    e->x = x;
    pthread_mutex_unlock(&lock);
}

void ccs_x509_cache_clear(void) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SIZE; i++) {
        X509_free(cache[i].x);
        cache[i].x = NULL;
    }
    next_slot = 0;
    pthread_mutex_unlock(&lock);
}
