/* A layer's diff_id hashed on a second thread while the layer unpacks: the
 * decompressed chunks are copied into a small ring that the thread drains
 * (a copy costs a fraction of hashing it), or, for an uncompressed layer,
 * the blob itself is handed over by reference. Without a thread the bytes
 * are hashed where they are pushed. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "tar.h"

#define SLOTS 4
#define SLOT_CAP 65536

struct ccs_tar_hasher {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t t;
    bool threaded, done;
    ccs_sha256_stream *h;
    struct {
        const uint8_t *p; /* the bytes: buf, or the caller's */
        size_t n;
        uint8_t *buf;
    } slot[SLOTS];
    size_t head, tail; /* slots filled, slots hashed */
};

static void *hasher_main(void *arg) {
    ccs_tar_hasher *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->tail == w->head && !w->done) pthread_cond_wait(&w->cv, &w->mu);
        if (w->tail == w->head) break; /* done, and every slot hashed */
        size_t k = w->tail % SLOTS;
        pthread_mutex_unlock(&w->mu);
        ccs_sha256_stream_update(w->h, ccs_bytes_of(w->slot[k].p, w->slot[k].n));
        pthread_mutex_lock(&w->mu);
        w->tail++;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

ccs_status ccs__tar_hasher_start(ccs_sha256_stream *h, ccs_tar_hasher **out) {
    ccs_tar_hasher *w = calloc(1, sizeof *w);
    CCS_ENSURE(w != NULL, CCS_ERR_NOMEM, "layer: out of memory");
    w->h = h;
    bool bufs = true;
    for (int i = 0; i < SLOTS; i++) bufs = bufs && (w->slot[i].buf = malloc(SLOT_CAP)) != NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->threaded = bufs && pthread_create(&w->t, NULL, hasher_main, w) == 0;
    *out = w;
    return CCS_OK;
}

/* Waits for a free slot; its index. */
static size_t claim(ccs_tar_hasher *w) {
    pthread_mutex_lock(&w->mu);
    while (w->head - w->tail == SLOTS) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return w->head % SLOTS;
}

static void publish(ccs_tar_hasher *w) {
    pthread_mutex_lock(&w->mu);
    w->head++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void ccs__tar_hasher_push(ccs_tar_hasher *w, const uint8_t *p, size_t n) {
    if (!w->threaded) {
        ccs_sha256_stream_update(w->h, ccs_bytes_of(p, n));
        return;
    }
    for (size_t off = 0; off < n;) {
        size_t k = claim(w), m = n - off < SLOT_CAP ? n - off : SLOT_CAP;
        memcpy(w->slot[k].buf, p + off, m);
        w->slot[k].p = w->slot[k].buf, w->slot[k].n = m;
        publish(w);
        off += m;
    }
}

void ccs__tar_hasher_push_ref(ccs_tar_hasher *w, const uint8_t *p, size_t n) {
    if (!w->threaded) {
        ccs_sha256_stream_update(w->h, ccs_bytes_of(p, n));
        return;
    }
    size_t k = claim(w);
    w->slot[k].p = p, w->slot[k].n = n;
    publish(w);
}

void ccs__tar_hasher_finish(ccs_tar_hasher *w) {
    if (w == NULL) return;
    if (w->threaded) {
        pthread_mutex_lock(&w->mu);
        w->done = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->t, NULL);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    for (int i = 0; i < SLOTS; i++) free(w->slot[i].buf); /* decompressed layer bytes, not secrets */
    free(w);
}
