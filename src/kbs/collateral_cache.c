/* Verified collateral kept between requests (a documented, thread-safe
 * cache). Loading a DCAP collateral set parses TCB Info, QE Identity, CRLs and
 * chains, and the collateral object then remembers which signatures and
 * chains it verified; reloading it for every /attest threw that away and cost
 * ~1.2 ms of a ~1.3 ms attestation. An entry is reused while `now` is before
 * the collateral's earliest nextUpdate and its source file is unchanged (so a
 * `ccs tee sim refresh` or a new collateral directory is picked up at once);
 * a PCCS entry until its expiry. Entries are reference counted, so one that
 * is replaced while a request still uses it is freed after that request. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kbs_internal.h"
#include "server_internal.h"

#define CACHE_SIZE 16

struct kbs_coll_entry {
    char key[600];
    struct timespec mtime; /* of the watched file; zero when none */
    ccs_time expiry;
    ccs_collateral *coll;
    ccs_x509 *root; /* sim only */
    int refs;
    bool retired;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static kbs_coll_entry *cache[CACHE_SIZE];

static void entry_free(kbs_coll_entry *e) {
    ccs_collateral_free(e->coll);
    ccs_x509_free(e->root);
    free(e);
}

static struct timespec file_mtime(const char *watch) {
    struct stat st;
    struct timespec zero = {0, 0};
    return watch && stat(watch, &st) == 0 ? st.st_mtim : zero;
}

static bool same_time(struct timespec a, struct timespec b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

/* Drops the cache's own reference of slot i (the caller holds the lock). */
static void retire(size_t i) {
    kbs_coll_entry *e = cache[i];
    cache[i] = NULL;
    if (e == NULL) return;
    e->retired = true;
    if (e->refs == 0) entry_free(e);
}

ccs_status kbs_coll_get(const char *key, const char *watch, ccs_time now, kbs_coll_loader load, void *ctx,
                        kbs_coll_entry **out) {
    struct timespec mt = file_mtime(watch);
    size_t free_slot = CACHE_SIZE, oldest = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SIZE; i++) {
        kbs_coll_entry *e = cache[i];
        if (e == NULL) {
            if (free_slot == CACHE_SIZE) free_slot = i;
            continue;
        }
        if (strcmp(e->key, key) != 0) continue;
        if (now < e->expiry && same_time(e->mtime, mt)) {
            e->refs++;
            *out = e;
            pthread_mutex_unlock(&lock);
            return CCS_OK;
        }
        retire(i); /* stale: load again below */
        free_slot = i;
    }
    if (free_slot == CACHE_SIZE) {
        static size_t next;
        oldest = next++ % CACHE_SIZE;
        retire(oldest);
        free_slot = oldest;
    }
    kbs_coll_entry *e = calloc(1, sizeof *e);
    ccs_status st = e ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK && strlen(key) >= sizeof e->key) st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "key too long");
    if (st == CCS_OK) st = load(ctx, &e->root, &e->coll);
    if (st != CCS_OK) {
        if (e) entry_free(e);
        pthread_mutex_unlock(&lock);
        return st;
    }
    snprintf(e->key, sizeof e->key, "%s", key);
    e->mtime = mt;
    e->expiry = ccs_collateral_expiry(e->coll);
    e->refs = 1;
    cache[free_slot] = e;
    *out = e;
    pthread_mutex_unlock(&lock);
    return CCS_OK;
}

ccs_collateral *kbs_coll_collateral(const kbs_coll_entry *e) { return e->coll; }
const ccs_x509 *kbs_coll_root(const kbs_coll_entry *e) { return e->root; }

void kbs_coll_put(kbs_coll_entry *e) {
    if (e == NULL) return;
    pthread_mutex_lock(&lock);
    e->refs--;
    if (e->retired && e->refs == 0) entry_free(e);
    pthread_mutex_unlock(&lock);
}

void kbs_coll_cache_clear(void) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SIZE; i++) retire(i);
    pthread_mutex_unlock(&lock);
}
