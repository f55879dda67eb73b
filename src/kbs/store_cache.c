/*
 * The store's cache of the rows every attestation reads: the two policies
 * and the reference-value sets (docs/kbs.md "Storage"). Each read of them
 * was a read transaction of its own (the WAL read-mark taken and released
 * with fcntl locks), a few per cent of a flow's CPU for rows that change
 * when an operator changes them.
 *
 * Coherence: a write through this store (policy_set, refval_set,
 * refval_delete) empties the cache before it returns, so this process sees
 * its own writes at once. Another process writing the same file is seen
 * when the cache is emptied by age: at most STORE_CACHE_AGE_MS after it was
 * filled. Called with the store's lock held.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void store_cache_clear(store_cache *c) {
    for (size_t i = 0; i < STORE_CACHE_ENTRIES; i++) {
        free(c->e[i].text);
        memset(&c->e[i], 0, sizeof c->e[i]);
    }
    c->n = 0;
}

/* Empties the cache when its oldest entry is too old for other writers. */
static void expire(store_cache *c) {
    if (c->n > 0 && now_ms() - c->filled_ms >= STORE_CACHE_AGE_MS) store_cache_clear(c);
}

bool store_cache_get(store_cache *c, const char *key, char **text, bool *absent) {
    expire(c);
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].key, key) != 0) continue;
        *absent = c->e[i].text == NULL;
        *text = NULL;
        if (!*absent && (*text = strdup(c->e[i].text)) == NULL) return false; /* out of memory: read the row */
        return true;
    }
    return false;
}

void store_cache_put(store_cache *c, const char *key, const char *text) {
    if (strlen(key) >= sizeof c->e[0].key) return;
    if (c->n == STORE_CACHE_ENTRIES) store_cache_clear(c); /* more sets than slots: start again */
    char *copy = NULL;
    if (text != NULL && (copy = strdup(text)) == NULL) return;
    if (c->n == 0) c->filled_ms = now_ms();
    store_cache_entry *e = &c->e[c->n++];
    memcpy(e->key, key, strlen(key) + 1);
    e->text = copy;
}
