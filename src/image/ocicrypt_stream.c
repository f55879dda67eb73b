/* Decrypting an ocicrypt layer blob from one layout into another without
 * holding the layer in memory, on two threads: the same checks, statuses
 * and results as ccs_ocicrypt_decrypt_layer after ccs_oci_blob_read.
 * Three SHA-256 passes are the cost: the blob's digest (it binds the
 * ciphertext to its manifest even against another recipient who knows the
 * layer key), ocicrypt's HMAC, and the plaintext's digest (the new
 * descriptor's). So, once the layer key is open:
 *   - a second thread computes the blob's digest and its HMAC in one pass
 *     over the mapped ciphertext (ccs_sha256_hmac: one message schedule for
 *     both, SHA-NI);
 *   - this thread decrypts 1 MiB chunks (AES-256-CTR) into a buffer, hashes
 *     each and writes it to a temporary file in the destination.
 * The plaintext is staged, not released: the file is renamed to its digest
 * only once the size, digest, key and HMAC checks have passed (their errors
 * in that order, as in memory), and the plaintext's digest is the one its
 * encryption recorded; otherwise it is removed, like an AEAD that
 * decrypts while it authenticates and releases nothing before the tag
 * matches. The chunk buffer holds plaintext and is wiped. */
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

/* ---- 2. the checks of the ciphertext, on a second thread ---- */

typedef struct check_job {
    const mapped *m;
    const uint8_t *key; /* the layer key; NULL: the digest only */
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    uint8_t mac[32];
    ccs_status st;
} check_job;

static void *check_main(void *arg) {
    check_job *j = arg;
    if (j->key == NULL) {
        ccs__image_digest_of(ccs_bytes_of(j->m->p, j->m->n), j->digest);
        return NULL;
    }
    ccs_sha256_hmac *c = NULL;
    uint8_t d[32];
    j->st = ccs_sha256_hmac_new(ccs_bytes_of(j->key, 32), &c);
    if (j->st != CCS_OK) return NULL;
    ccs_sha256_hmac_update(c, ccs_bytes_of(j->m->p, j->m->n));
    ccs_sha256_hmac_final(c, d, j->mac);
    ccs_sha256_hmac_free(c);
    memcpy(j->digest, "sha256:", 7);
    j->st = ccs_hex_encode(ccs_bytes_of(d, 32), j->digest + 7, 65);
    return NULL;
}

/* The verdict on the ciphertext, the first failing check in the order of
 * the in-memory path: digest, key (key_st), HMAC. */
static ccs_status verdict(const json_t *desc, const check_job *j, ccs_status key_st, const uint8_t want[32]) {
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    if (j->st != CCS_OK) return j->st;
    if (strcmp(j->digest, digest) != 0)
        return ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "image: blob %s does not match its digest (content is %s)",
                             digest, j->digest);
    if (key_st != CCS_OK) return key_st;
    if (!ccs_ct_eq(ccs_bytes_of(want, 32), ccs_bytes_of(j->mac, 32)))
        return ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE,
                             "ocicrypt: the layer's HMAC does not match: altered ciphertext (its decryption was "
                             "discarded)");
    return CCS_OK;
}

/* ---- 3. decrypt, hash and write here ---- */

/* Decrypts m into the open file fd; out: the plaintext's digest. Each
 * chunk's writeback to the disk starts at once (sync_file_range), so that
 * the closing fsync finds little left to write. */
static ccs_status decrypt_to(const mapped *m, const ccs__ocicrypt_opts *p, int fd, char out[CCS_IMAGE_DIGEST_LEN + 1]) {
    ccs_sha256_stream *h = NULL;
    ccs_aes256ctr *a = NULL;
    size_t cap = m->n < CHUNK ? (m->n ? m->n : 1) : CHUNK;
    uint8_t *buf = NULL;
    ccs_status st = ccs_sha256_stream_new(&h);
    if (st == CCS_OK) st = ccs_aes256ctr_new(p->key, p->nonce, &a);
    if (st == CCS_OK && (buf = malloc(cap)) == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "image: no memory");
    for (size_t off = 0; st == CCS_OK && off < m->n;) {
        size_t n = m->n - off < CHUNK ? m->n - off : CHUNK;
        st = ccs_aes256ctr_update(a, m->p + off, n, buf);
        if (st != CCS_OK) break;
        ccs_sha256_stream_update(h, ccs_bytes_of(buf, n));
        int err = ccs__image_write_all(fd, buf, n);
        if (err != 0) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: write: %s", strerror(err));
        else (void)sync_file_range(fd, (off_t)off, (off_t)n, SYNC_FILE_RANGE_WRITE);
        off += n;
    }
    if (st == CCS_OK) {
        uint8_t d[32];
        ccs_sha256_stream_final(h, d);
        memcpy(out, "sha256:", 7);
        st = ccs_hex_encode(ccs_bytes_of(d, 32), out + 7, 65);
    }
    if (buf != NULL) ccs_wipe(buf, cap), free(buf);
    ccs_aes256ctr_free(a);
    ccs_sha256_stream_free(h);
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
    uint8_t want[32];
    const ccs_status key_st = ccs__ocicrypt_open_opts(in_desc, keys, want, &p);
    check_job j = {.m = &m, .key = key_st == CCS_OK ? p.key : NULL};
    int fd = -1;
    char *tmp = NULL, digest[CCS_IMAGE_DIGEST_LEN + 1];
    /* Without the key only the digest can be checked, here; with it, the
     * checks run beside the decryption. */
    const ccs_status begin_st = key_st == CCS_OK ? ccs__oci_blob_begin(dst, &fd, &tmp) : CCS_OK;
    const bool decrypt = key_st == CCS_OK && begin_st == CCS_OK;
    pthread_t t;
    bool threaded = decrypt && pthread_create(&t, NULL, check_main, &j) == 0;
    if (!threaded) check_main(&j);
    ccs_status dec = decrypt ? decrypt_to(&m, &p, fd, digest) : CCS_OK;
    if (threaded) pthread_join(t, NULL);
    ccs_status st = verdict(in_desc, &j, key_st, want);
    if (st == CCS_OK) st = begin_st != CCS_OK ? begin_st : dec;
    if (st == CCS_OK) st = ccs__ocicrypt_check_plain(&p, digest);
    if (tmp != NULL) { /* renamed to the digest only when every check passed; else removed */
        ccs_status fin = ccs__oci_blob_finish(dst, fd, tmp, st == CCS_OK ? digest : NULL);
        if (st == CCS_OK) st = fin;
    }
    if (st == CCS_OK && (*desc = ccs__ocicrypt_plain_desc(in_desc, digest, m.n)) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
    ccs_wipe(&p, sizeof p), ccs_wipe(&j, sizeof j), ccs_wipe(want, sizeof want);
    unmap_blob(&m);
    return st;
}
