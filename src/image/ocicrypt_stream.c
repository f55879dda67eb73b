/* Decrypting an ocicrypt layer blob from one layout into another without
 * holding the layer in memory, on two threads (under 256 KiB, on one). The
 * statuses are those of ccs_ocicrypt_decrypt_layer after ccs_oci_blob_read,
 * and so is the result.
 *
 * The cost is two SHA-256 passes over the layer, each bound by the latency
 * of sha256rnds2, so each gets its own core:
 *   - ocicrypt's HMAC over the ciphertext, on a second thread, which copies
 *     each 1 MiB chunk into a ring of four buffers, hashes it there and
 *     decrypts it (AES-256-CTR) in place, so that the bytes authenticated
 *     are the bytes decrypted even if the file changes meanwhile;
 *   - the plaintext's digest (the new descriptor's), here, which hashes each
 *     decrypted chunk and writes it to a temporary file in the destination.
 * The blob's own digest is computed only when the HMAC does not match, to
 * tell the two failures apart. When it matches, the digest could add
 * nothing: the expected HMAC is in the descriptor's public options, in the
 * same manifest as the digest, and its key came out of the same descriptor's
 * key wrap, so another blob with that HMAC is a second preimage of
 * HMAC-SHA256, even for another recipient who knows the layer key. A blob
 * whose descriptor records a wrong digest beside a right HMAC can only come
 * from the image's author; its plaintext is still checked against the
 * digest the author recorded, and written under its own.
 *
 * The plaintext is staged, not released: the file is renamed to its digest
 * only once the key and HMAC checks (and, after a failed HMAC, the digest)
 * have passed, in the order of the in-memory path, and the plaintext's
 * digest is the one its encryption recorded; otherwise it is removed, like
 * an AEAD that decrypts while it authenticates and releases nothing before
 * the tag matches. The ring holds plaintext and is wiped. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"

#define CHUNK ((size_t)1 << 20)

/* ---- 1. the encrypted blob, mapped ---- */

typedef struct mapped {
    const uint8_t *p;
    size_t n;
    void *map; /* NULL for an empty blob */
} mapped;

static ccs_status map_blob(const ccs_oci_layout *l, const json_t *desc, mapped *m) {
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    const json_t *sz = json_object_get(desc, "size");
    char path[4200];
    memset(m, 0, sizeof *m);
    CCS_TRY(ccs__oci_blob_path(l, digest, path, sizeof path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) CCS_BAIL(CCS_ERR_NOT_FOUND, "image: blob %s is not in the layout", digest);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    ccs_status st = fstat(fd, &sb) == 0 ? CCS_OK : ccs_error_set(CCS_ERR_IO, CCS_HERE, "cannot stat %s", path);
    if (st == CCS_OK && (uint64_t)sb.st_size > CCS_IMAGE_LAYER_MAX)
        st = ccs_error_set(CCS_ERR_OVERFLOW, CCS_HERE, "image: blob %s has %lld bytes (at most %zu)", digest,
                           (long long)sb.st_size, CCS_IMAGE_LAYER_MAX);
    if (st == CCS_OK && json_is_integer(sz) && json_integer_value(sz) != (json_int_t)sb.st_size)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "image: blob %s has %zu bytes, its descriptor says %lld", digest,
                           (size_t)sb.st_size, (long long)json_integer_value(sz));
    if (st == CCS_OK && sb.st_size > 0) {
        m->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m->map == MAP_FAILED) {
            m->map = NULL;
            st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "cannot map %s: %s", path, strerror(errno));
        }
    }
    close(fd);
    if (st != CCS_OK) return st;
    m->p = m->map != NULL ? m->map : (const uint8_t *)"";
    m->n = (size_t)sb.st_size;
    return CCS_OK;
}

static void unmap_blob(mapped *m) {
    if (m->map != NULL) munmap(m->map, m->n);
    memset(m, 0, sizeof *m);
}

/* ---- 2. the ring of decrypted chunks between the two threads ---- */

#define SLOTS 4
#define SERIAL_BELOW ((size_t)256 << 10)

typedef struct ring {
    const mapped *m;
    size_t nc; /* chunks */
    uint8_t *slot[SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool sync;           /* mu and cv were initialised */
    size_t made, used;   /* chunks decrypted; chunks hashed and written */
    bool stop;           /* the writer failed: decrypt no more */
    ccs_status aes_st;   /* the decryption's failure, if any */
    ccs_aes256ctr *aes;
    ccs_hmac256 *hmac;
    ccs_status mac_st;
    bool mac_done; /* mac holds the HMAC of the whole blob */
    uint8_t mac[32];
} ring;

static size_t chunk_len(const ring *q, size_t i) {
    return q->m->n - i * CHUNK < CHUNK ? q->m->n - i * CHUNK : CHUNK;
}

static uint8_t *chunk_slot(const ring *q, size_t i) {
    return q->slot[i % SLOTS];
}

/* A slot holds one chunk: the blob itself when smaller. */
static size_t slot_cap(const mapped *m) {
    return m->n < CHUNK ? (m->n ? m->n : 1) : CHUNK;
}

static ccs_status ring_init(ring *q, const mapped *m, const ccs__ocicrypt_opts *p) {
    memset(q, 0, sizeof *q);
    q->m = m, q->nc = (m->n + CHUNK - 1) / CHUNK;
    pthread_mutex_init(&q->mu, NULL), pthread_cond_init(&q->cv, NULL);
    q->sync = true;
    for (int i = 0; i < SLOTS; i++)
        if ((q->slot[i] = malloc(slot_cap(m))) == NULL) CCS_BAIL(CCS_ERR_NOMEM, "image: no memory");
    CCS_TRY(ccs_aes256ctr_new(p->key, p->nonce, &q->aes));
    return ccs_hmac256_new(ccs_bytes_of(p->key, 32), &q->hmac);
}

static void ring_free(ring *q) {
    if (q->m == NULL) return;
    for (int i = 0; i < SLOTS; i++)
        if (q->slot[i] != NULL) ccs_wipe(q->slot[i], slot_cap(q->m)), free(q->slot[i]);
    ccs_aes256ctr_free(q->aes);
    ccs_hmac256_free(q->hmac);
    if (q->sync) pthread_mutex_destroy(&q->mu), pthread_cond_destroy(&q->cv);
    ccs_wipe(q, sizeof *q);
}

/* The HMAC's end, once every chunk (none for an empty blob) went in. */
static void mac_final(ring *q) {
    if (q->mac_st == CCS_OK) q->mac_st = ccs_hmac256_final(q->hmac, q->mac);
    q->mac_done = q->mac_st == CCS_OK;
}

/* The HMAC takes chunk i (in order), from p. */
static void mac_chunk_at(ring *q, size_t i, const uint8_t *p) {
    if (q->mac_st == CCS_OK) q->mac_st = ccs_hmac256_update(q->hmac, ccs_bytes_of(p, chunk_len(q, i)));
    if (i + 1 == q->nc) mac_final(q);
}

/* Chunk i: its ciphertext copied once out of the mapping into its slot,
 * hashed into the HMAC there, then decrypted in place. The file's pages are
 * shared with whoever can write the blob: read twice (once to decrypt, once
 * to authenticate), a change between the two reads would have the HMAC
 * cover other bytes than those decrypted. */
static ccs_status open_chunk(ring *q, size_t i) {
    uint8_t *s = chunk_slot(q, i);
    memcpy(s, q->m->p + i * CHUNK, chunk_len(q, i));
    mac_chunk_at(q, i, s);
    return ccs_aes256ctr_update(q->aes, s, chunk_len(q, i), s);
}

/* Chunk i: hashed, written, its writeback started at once
 * (sync_file_range), so that the closing fsync finds little left. */
static ccs_status write_chunk(ring *q, size_t i, ccs_sha256_stream *h, int fd) {
    const size_t n = chunk_len(q, i);
    ccs_sha256_stream_update(h, ccs_bytes_of(chunk_slot(q, i), n));
    int err = ccs__image_write_all(fd, chunk_slot(q, i), n);
    if (err != 0) return ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: write: %s", strerror(err));
    (void)sync_file_range(fd, (off_t)(i * CHUNK), (off_t)n, SYNC_FILE_RANGE_WRITE);
    return CCS_OK;
}

/* The second thread: decrypt chunk i when its slot is free, publish it,
 * then hash its ciphertext. The HMAC always covers the whole blob. */
static void *decrypt_main(void *arg) {
    ring *q = arg;
    for (size_t i = 0; i < q->nc; i++) {
        pthread_mutex_lock(&q->mu);
        while (!q->stop && i >= q->used + SLOTS) pthread_cond_wait(&q->cv, &q->mu);
        const bool go = !q->stop && q->aes_st == CCS_OK;
        pthread_mutex_unlock(&q->mu);
        if (go) {
            /* Its page tables in one call, on this thread rather than
             * before it starts; without MADV_POPULATE_READ (Linux < 5.14)
             * the reads fault them in. */
            (void)madvise((void *)(q->m->p + i * CHUNK), chunk_len(q, i), MADV_POPULATE_READ);
            ccs_status st = open_chunk(q, i);
            pthread_mutex_lock(&q->mu);
            if (st != CCS_OK) q->aes_st = st;
            else q->made = i + 1;
            pthread_cond_broadcast(&q->cv);
            pthread_mutex_unlock(&q->mu);
        } else {
            mac_chunk_at(q, i, q->m->p + i * CHUNK); /* the write failed: the verdict is that failure */
        }
    }
    return NULL;
}

/* Here: hash and write each chunk as it is published. */
static ccs_status write_all_chunks(ring *q, ccs_sha256_stream *h, int fd) {
    ccs_status st = CCS_OK;
    for (size_t i = 0; i < q->nc && st == CCS_OK; i++) {
        pthread_mutex_lock(&q->mu);
        while (q->made <= i && q->aes_st == CCS_OK) pthread_cond_wait(&q->cv, &q->mu);
        st = q->made > i ? CCS_OK : q->aes_st;
        pthread_mutex_unlock(&q->mu);
        if (st == CCS_OK) st = write_chunk(q, i, h, fd);
        pthread_mutex_lock(&q->mu);
        if (st != CCS_OK) q->stop = true;
        else q->used = i + 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
    }
    return st;
}

/* Without a second thread: the same steps, one chunk at a time. */
static ccs_status serial_chunks(ring *q, ccs_sha256_stream *h, int fd) {
    ccs_status st = CCS_OK;
    for (size_t i = 0; i < q->nc; i++) {
        if (st != CCS_OK) {
            mac_chunk_at(q, i, q->m->p + i * CHUNK);
            continue;
        }
        st = open_chunk(q, i);
        if (st == CCS_OK) st = write_chunk(q, i, h, fd);
    }
    return st;
}

/* ---- 3. decrypt into fd; the HMAC and the plaintext's digest ---- */

static ccs_status decrypt_to(ring *q, int fd, char out[CCS_IMAGE_DIGEST_LEN + 1]) {
    ccs_sha256_stream *h = NULL;
    ccs_status st = ccs_sha256_stream_new(&h);
    if (st != CCS_OK) return q->mac_st = st; /* no HMAC either: the verdict says why */
    if (q->nc == 0) mac_final(q);
    pthread_t t;
    /* A small layer goes serially: a second thread would cost more than
     * it saves (and so that path is the tests' too). */
    if (q->m->n >= SERIAL_BELOW && pthread_create(&t, NULL, decrypt_main, q) == 0) {
        st = write_all_chunks(q, h, fd);
        pthread_join(t, NULL);
    } else if (q->nc > 0) {
        st = serial_chunks(q, h, fd);
    }
    if (st == CCS_OK) {
        uint8_t d[32];
        ccs_sha256_stream_final(h, d);
        memcpy(out, "sha256:", 7);
        st = ccs_hex_encode(ccs_bytes_of(d, 32), out + 7, 65);
    }
    ccs_sha256_stream_free(h);
    return st;
}

/* The verdict on the ciphertext, the first failing check in the order of
 * the in-memory path: digest, key (key_st), HMAC. A matching HMAC settles
 * the digest too (see the top); otherwise the digest is computed to say
 * which failed. mac: the HMAC of the whole blob, NULL when none was
 * computed; with the key open, only a computed one can match. */
static ccs_status verdict(const json_t *desc, const mapped *m, ccs_status key_st, ccs_status mac_st,
                          const uint8_t *mac, const uint8_t want[32]) {
    if (key_st == CCS_OK && mac_st != CCS_OK) return mac_st;
    CCS_ENSURE(key_st != CCS_OK || mac != NULL, CCS_ERR_INTERNAL, "ocicrypt: the layer's HMAC was not computed");
    if (key_st == CCS_OK && ccs_ct_eq(ccs_bytes_of(want, 32), ccs_bytes_of(mac, 32))) return CCS_OK;
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    char got[CCS_IMAGE_DIGEST_LEN + 1];
    ccs__image_digest_of(ccs_bytes_of(m->p, m->n), got);
    if (strcmp(got, digest) != 0)
        return ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "image: blob %s does not match its digest (content is %s)",
                             digest, got);
    if (key_st != CCS_OK) return key_st;
    return ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE,
                         "ocicrypt: the layer's HMAC does not match: altered ciphertext (its decryption was "
                         "discarded)");
}

ccs_status ccs__ocicrypt_decrypt_blob(const ccs_oci_layout *src, const ccs_oci_layout *dst, const json_t *in_desc,
                                      const ccs_image_keys *keys, json_t **desc) {
    CCS_ENSURE(src != NULL && dst != NULL && json_is_object(in_desc) && keys != NULL && desc != NULL,
               CCS_ERR_INVALID_ARG, "ocicrypt: bad arguments");
    *desc = NULL;
    mapped m;
    ccs__ocicrypt_opts p;
    ring q;
    memset(&p, 0, sizeof p), memset(&q, 0, sizeof q);
    CCS_TRY(map_blob(src, in_desc, &m));
    q.m = &m;
    uint8_t want[32];
    const ccs_status key_st = ccs__ocicrypt_open_opts(in_desc, keys, want, &p);
    int fd = -1;
    char *tmp = NULL, digest[CCS_IMAGE_DIGEST_LEN + 1];
    ccs_status begin_st = CCS_OK, dec = CCS_OK;
    if (key_st == CCS_OK) {
        begin_st = ring_init(&q, &m, &p);
        if (begin_st == CCS_OK) begin_st = ccs__oci_blob_begin(dst, &fd, &tmp);
        if (begin_st == CCS_OK) dec = decrypt_to(&q, fd, digest);
        else q.mac_st = begin_st;
    }
    ccs_status st = verdict(in_desc, &m, key_st, q.mac_st, q.mac_done ? q.mac : NULL, want);
    if (st == CCS_OK) st = begin_st != CCS_OK ? begin_st : dec;
    if (st == CCS_OK) st = ccs__ocicrypt_check_plain(&p, digest);
    if (tmp != NULL) { /* renamed to the digest only when every check passed; else removed */
        ccs_status fin = ccs__oci_blob_finish(dst, fd, tmp, st == CCS_OK ? digest : NULL);
        if (st == CCS_OK) st = fin;
    }
    if (st == CCS_OK && (*desc = ccs__ocicrypt_plain_desc(in_desc, digest, m.n)) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
    ring_free(&q);
    ccs_wipe(&p, sizeof p), ccs_wipe(want, sizeof want);
    unmap_blob(&m);
    return st;
}
