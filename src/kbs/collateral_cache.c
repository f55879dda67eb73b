/* Verified collateral kept between requests (a documented, thread-safe
 * cache). Loading a DCAP collateral set parses TCB Info, QE Identity, CRLs and
 * chains, and the collateral object then remembers which signatures and
 * chains it verified; reloading it for every /attest threw that away and cost
 * ~1.2 ms of a ~1.3 ms attestation. An entry is reused while `now` is before
 * the collateral's earliest nextUpdate and its source file is unchanged (so a
 * `ccs tee sim refresh` or a new collateral directory is picked up at once);
 * a PCCS entry until its expiry. Entries are reference counted, so one that
 * is replaced while a request still uses it is freed after that request.
 *
 * A load (a PCCS fetch may take tens of seconds) runs without the lock, once
 * per key: requests for the same key wait for it (single flight), requests
 * for other keys go on. A load that failed is remembered for
 * KBS_COLL_RETRY_S seconds, so a flood of requests that cannot be served
 * costs one fetch, not one per request. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kbs_internal.h"
#include "server_internal.h"

#define CACHE_SIZE 16
#define KBS_COLL_RETRY_S 10

struct kbs_coll_entry {
    char key[600];
    struct timespec mtime; /* of the watched file; zero when none */
    ccs_time expiry;
    ccs_collateral *coll;
    ccs_x509 *root; /* sim only */
    int refs;
    bool retired;
    bool loading;       /* a load is under way (without the lock) */
    ccs_status failed;  /* the load failed (until expiry): its status... */
    char why[512];      /* ...and detail */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t loaded = PTHREAD_COND_INITIALIZER;
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

/* A cached failure as the caller's error. */
static ccs_status failure(const kbs_coll_entry *e) {
    return ccs_error_set(e->failed, CCS_HERE, "%s (remembered; retried after %d s)", e->why, KBS_COLL_RETRY_S);
}

/* The entry for key in the cache (the caller holds the lock): a usable one,
 * one being loaded, a remembered failure, or NULL (stale ones retired). */
static kbs_coll_entry *find(const char *key, struct timespec mt, ccs_time now, size_t *free_slot) {
    *free_slot = CACHE_SIZE;
    kbs_coll_entry *hit = NULL;
    for (size_t i = 0; i < CACHE_SIZE; i++) {
        kbs_coll_entry *e = cache[i];
        if (e == NULL) {
            if (*free_slot == CACHE_SIZE) *free_slot = i;
            continue;
        }
        if (strcmp(e->key, key) != 0) continue;
        if (e->loading || (now < e->expiry && (e->failed != CCS_OK || same_time(e->mtime, mt)))) {
            hit = e;
            continue;
        }
        retire(i); /* stale: load again */
        *free_slot = i;
    }
    return hit;
}

ccs_status kbs_coll_get(const char *key, const char *watch, ccs_time now, kbs_coll_loader load, void *ctx,
                        kbs_coll_entry **out) {
    CCS_ENSURE(strlen(key) < sizeof((kbs_coll_entry *)0)->key, CCS_ERR_INVALID_ARG, "key too long");
    struct timespec mt = file_mtime(watch);
    size_t slot;
    pthread_mutex_lock(&lock);
    kbs_coll_entry *e;
    while ((e = find(key, mt, now, &slot)) != NULL && e->loading) pthread_cond_wait(&loaded, &lock);
    if (e != NULL) {
        ccs_status st = e->failed != CCS_OK ? failure(e) : CCS_OK;
        if (st == CCS_OK) e->refs++, *out = e;
        pthread_mutex_unlock(&lock);
        return st;
    }
    if (slot == CACHE_SIZE) {
        static size_t next;
        slot = next++ % CACHE_SIZE;
        retire(slot);
    }
    e = calloc(1, sizeof *e);
    if (e == NULL) {
        pthread_mutex_unlock(&lock);
        CCS_BAIL(CCS_ERR_NOMEM, "out of memory");
    }
    snprintf(e->key, sizeof e->key, "%s", key);
    e->mtime = mt;
    e->loading = true;
    e->refs = 1; /* this load's */
    cache[slot] = e;
    pthread_mutex_unlock(&lock);

    ccs_x509 *root = NULL;
    ccs_collateral *coll = NULL;
    ccs_status st = load(ctx, &root, &coll);

    pthread_mutex_lock(&lock);
    e->loading = false;
    if (st == CCS_OK) {
        e->root = root, e->coll = coll;
        e->expiry = ccs_collateral_expiry(coll);
        *out = e;
    } else {
        e->failed = st;
        snprintf(e->why, sizeof e->why, "%s", ccs_error_detail());
        e->expiry = now + KBS_COLL_RETRY_S;
        e->refs--;
        if (e->retired && e->refs == 0) entry_free(e);
    }
    pthread_cond_broadcast(&loaded);
    pthread_mutex_unlock(&lock);
    return st; /* a failure's detail is the loader's */
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
