/* Decrypting an ocicrypt layer blob from one layout into another without
 * holding the layer in memory, on two threads: the same checks and results
 * as ccs_ocicrypt_decrypt_layer after ccs_oci_blob_read.
 *   1. The encrypted blob is mapped; its SHA-256 (the descriptor's digest)
 *      is computed on a second thread while this one opens the layer key
 *      and computes the HMAC. Errors in the order of the in-memory path:
 *      size, digest, key, HMAC. Nothing is decrypted before both pass.
 *   2. This thread decrypts 1 MiB chunks (AES-256-CTR) into two buffers in
 *      turn and writes each to a temporary file in the destination (synced
 *      and renamed to the digest at the end); the second thread hashes each
 *      decrypted chunk (the new descriptor's digest).
 * Three SHA-256 passes are the cost (the blob's digest binds the ciphertext
 * to its manifest even against another recipient who knows the layer key;
 * the HMAC is ocicrypt's check; the new descriptor needs the plaintext's
 * digest); the two threads run two of them at once. The chunk buffers hold
 * plaintext and are wiped. */
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

/* ---- 1. the encrypted blob: mapped, digest and HMAC ---- */

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
        m->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
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

typedef struct digest_job {
    const mapped *m;
    char got[CCS_IMAGE_DIGEST_LEN + 1];
} digest_job;

static void *digest_main(void *arg) {
    digest_job *j = arg;
    ccs__image_digest_of(ccs_bytes_of(j->m->p, j->m->n), j->got);
    return NULL;
}

/* The digest (on a second thread) and the key and HMAC (here) of the
 * encrypted blob; the error of the first failing check in their order. */
static ccs_status check_blob(const json_t *desc, const mapped *m, const ccs_image_keys *keys,
                             ccs__ocicrypt_opts *p) {
    digest_job j = {.m = m};
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, digest_main, &j) == 0;
    uint8_t want[32], got[32];
    ccs_hmac256 *h = NULL;
    ccs_status st = ccs__ocicrypt_open_opts(desc, keys, want, p);
    if (st == CCS_OK) st = ccs_hmac256_new(ccs_bytes_of(p->key, 32), &h);
    if (st == CCS_OK) st = ccs_hmac256_update(h, ccs_bytes_of(m->p, m->n));
    if (st == CCS_OK) st = ccs_hmac256_final(h, got);
    ccs_hmac256_free(h);
    if (threaded) pthread_join(t, NULL);
    else digest_main(&j);
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    if (strcmp(j.got, digest) != 0)
        return ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "image: blob %s does not match its digest (content is %s)",
                             digest, j.got);
    if (st == CCS_OK && !ccs_ct_eq(ccs_bytes_of(want, 32), ccs_bytes_of(got, 32)))
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE,
                           "ocicrypt: the layer's HMAC does not match: altered ciphertext (nothing was decrypted)");
    return st;
}

/* ---- 2. decrypt and write here, hash on the second thread ---- */

typedef struct writer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *buf[2];
    size_t len[2];
    size_t produced, consumed; /* chunks handed over and done */
    bool done;
    int fd;
    off_t written;
    ccs_sha256_stream *h;
    int err; /* errno of a failed write, 0 when none */
} writer;

/* Here, beside the decryption: the chunk goes to the file, and its
 * writeback to the disk starts at once (sync_file_range), so that the
 * closing fsync finds little left to write. */
static void write_chunk(writer *w, const uint8_t *p, size_t n) {
    if (w->err != 0 || n == 0) return;
    w->err = ccs__image_write_all(w->fd, p, n);
    if (w->err == 0) (void)sync_file_range(w->fd, w->written, (off_t)n, SYNC_FILE_RANGE_WRITE);
    w->written += (off_t)n;
}

static void *writer_main(void *arg) {
    writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->consumed == w->produced && !w->done) pthread_cond_wait(&w->cv, &w->mu);
        if (w->consumed == w->produced) break; /* done, and every chunk written */
        size_t k = w->consumed % 2;
        pthread_mutex_unlock(&w->mu);
        ccs_sha256_stream_update(w->h, ccs_bytes_of(w->buf[k], w->len[k]));
        pthread_mutex_lock(&w->mu);
        w->consumed++;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* The next free buffer, once the writer has finished with it. */
static size_t next_slot(writer *w) {
    pthread_mutex_lock(&w->mu);
    while (w->produced - w->consumed == 2) pthread_cond_wait(&w->cv, &w->mu);
    size_t k = w->produced % 2;
    pthread_mutex_unlock(&w->mu);
    return k;
}

static void hand_over(writer *w, size_t k, size_t len, bool last) {
    pthread_mutex_lock(&w->mu);
    if (len > 0) {
        w->len[k] = len;
        w->produced++;
    }
    w->done = last;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Decrypts m into the open file fd; out: the plaintext's digest. */
static ccs_status decrypt_to(const mapped *m, const ccs__ocicrypt_opts *p, int fd, char out[CCS_IMAGE_DIGEST_LEN + 1]) {
    writer w = {.fd = fd};
    ccs_aes256ctr *a = NULL;
    ccs_status st = ccs_sha256_stream_new(&w.h);
    if (st == CCS_OK) st = ccs_aes256ctr_new(p->key, p->nonce, &a);
    size_t cap = m->n < CHUNK ? (m->n ? m->n : 1) : CHUNK;
    w.buf[0] = st == CCS_OK ? malloc(cap) : NULL;
    w.buf[1] = st == CCS_OK ? malloc(cap) : NULL;
    if (st == CCS_OK && (w.buf[0] == NULL || w.buf[1] == NULL)) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    pthread_t t;
    bool threaded = false;
    if (st == CCS_OK) {
        pthread_mutex_init(&w.mu, NULL);
        pthread_cond_init(&w.cv, NULL);
        threaded = pthread_create(&t, NULL, writer_main, &w) == 0;
        if (!threaded) st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "image: cannot start a thread");
    }
    for (size_t off = 0; st == CCS_OK && off < m->n;) {
        size_t n = m->n - off < CHUNK ? m->n - off : CHUNK, k = next_slot(&w);
        st = ccs_aes256ctr_update(a, m->p + off, n, w.buf[k]);
        if (st == CCS_OK) write_chunk(&w, w.buf[k], n);
        if (st == CCS_OK) hand_over(&w, k, n, false);
        off += n;
    }
    if (threaded) {
        hand_over(&w, 0, 0, true);
        pthread_join(t, NULL);
        pthread_cond_destroy(&w.cv);
        pthread_mutex_destroy(&w.mu);
    }
    if (st == CCS_OK && w.err != 0) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: write: %s", strerror(w.err));
    if (st == CCS_OK) {
        uint8_t d[32];
        ccs_sha256_stream_final(w.h, d);
        memcpy(out, "sha256:", 7);
        st = ccs_hex_encode(ccs_bytes_of(d, 32), out + 7, 65);
    }
    for (int i = 0; i < 2; i++)
        if (w.buf[i] != NULL) ccs_wipe(w.buf[i], cap), free(w.buf[i]);
    ccs_aes256ctr_free(a);
    ccs_sha256_stream_free(w.h);
    return st;
}

ccs_status ccs__ocicrypt_decrypt_blob(const ccs_oci_layout *src, const ccs_oci_layout *dst, const json_t *in_desc,
                                      const ccs_image_keys *keys, json_t **desc) {
    CCS_ENSURE(src != NULL && dst != NULL && json_is_object(in_desc) && keys != NULL && desc != NULL,
               CCS_ERR_INVALID_ARG, "ocicrypt: bad arguments");
    *desc = NULL;
    mapped m;
    ccs__ocicrypt_opts p;
    memset(&p, 0, sizeof p);
    CCS_TRY(map_blob(src, in_desc, &m));
    ccs_status st = check_blob(in_desc, &m, keys, &p);
    int fd = -1;
    char *tmp = NULL, digest[CCS_IMAGE_DIGEST_LEN + 1];
    if (st == CCS_OK) st = ccs__oci_blob_begin(dst, &fd, &tmp);
    if (st == CCS_OK) st = decrypt_to(&m, &p, fd, digest);
    if (tmp != NULL) {
        ccs_status fin = ccs__oci_blob_finish(dst, fd, tmp, st == CCS_OK ? digest : NULL);
        if (st == CCS_OK) st = fin;
    }
    if (st == CCS_OK && (*desc = ccs__ocicrypt_plain_desc(in_desc, digest, m.n)) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
    ccs_wipe(&p, sizeof p);
    unmap_blob(&m);
    return st;
}
