/*
 * tar.h - private to src/image: a streaming decompressor (tar_stream.c) and
 * a tar reader for untrusted archives (tar_reader.c): ustar, GNU long names
 * and links ('L', 'K'), PAX extended headers ('x': path, linkpath, size,
 * mtime, uid, gid; 'g' ignored). Every header's checksum is verified and its
 * number fields parsed strictly (octal, or base-256 for large values).
 * POSIX.1-2008 "pax Interchange Format"; GNU tar manual, "Basic Tar Format".
 */
#ifndef CCS_IMAGE_TAR_H
#define CCS_IMAGE_TAR_H

#include <stdint.h>

#include "ccs/image_unpack.h"

#define CCS_TAR_BLOCK 512

/* ---- decompression (tar_stream.c) ---- */

typedef struct ccs_tar_stream ccs_tar_stream;

/* A stream over in (borrowed, kept alive by the caller). The magic bytes
 * must be the compression's (gzip 1f 8b, zstd 28 b5 2f fd; plain: neither):
 * CCS_ERR_FORMAT otherwise. */
CCS_MUST_USE ccs_status ccs__tar_stream_new(ccs_bytes in, ccs_unpack_compression c, ccs_tar_stream **out);
void ccs__tar_stream_free(ccs_tar_stream *s);
/* Exactly n bytes, or CCS_ERR_TRUNCATED when the stream ends before. */
CCS_MUST_USE ccs_status ccs__tar_stream_read(ccs_tar_stream *s, uint8_t *dst, size_t n);
/* *eof: true when no byte at all is left. */
CCS_MUST_USE ccs_status ccs__tar_stream_at_end(ccs_tar_stream *s, bool *eof);
/* After the end-of-archive marker: reads what follows to the end of the
 * stream (checking a compressed one to its end), at most max bytes. */
CCS_MUST_USE ccs_status ccs__tar_stream_drain(ccs_tar_stream *s, size_t max);
#define CCS_TAR_TRAILER_MAX ((size_t)1 << 20)
/* Every byte of the uncompressed stream also goes into h (the layer's
 * diff_id), the bytes after the end-of-archive marker included, hashed on a
 * second thread (tar_hash.c); hash_end waits until all of it is in h. */
typedef struct ccs_sha256_stream ccs_sha256_stream;
CCS_MUST_USE ccs_status ccs__tar_stream_hash(ccs_tar_stream *s, ccs_sha256_stream *h);
void ccs__tar_stream_hash_end(ccs_tar_stream *s);

/* ---- the diff_id's hashing thread (tar_hash.c) ---- */

typedef struct ccs_tar_hasher ccs_tar_hasher;
CCS_MUST_USE ccs_status ccs__tar_hasher_start(ccs_sha256_stream *h, ccs_tar_hasher **out);
/* Copies p (waits while the ring is full). */
void ccs__tar_hasher_push(ccs_tar_hasher *w, const uint8_t *p, size_t n);
/* Hands p over by reference: it must stay until finish. */
void ccs__tar_hasher_push_ref(ccs_tar_hasher *w, const uint8_t *p, size_t n);
/* Waits until everything pushed is hashed; frees w (NULL: nothing). */
void ccs__tar_hasher_finish(ccs_tar_hasher *w);

/* ---- the reader (tar_reader.c) ---- */

typedef enum ccs_tar_type {
    CCS_TAR_FILE = 0,
    CCS_TAR_HARDLINK,
    CCS_TAR_SYMLINK,
    CCS_TAR_CHAR,
    CCS_TAR_BLOCK_DEV,
    CCS_TAR_DIR,
    CCS_TAR_FIFO,
} ccs_tar_type;

typedef struct ccs_tar_entry {
    ccs_tar_type type;
    char *path;     /* as in the archive (NUL-free, at most PATH_MAX - 1 bytes) */
    char *linkpath; /* hard and symbolic links; "" otherwise */
    uint64_t size;  /* bytes of data (regular files; 0 for the others) */
    uint32_t mode;  /* permission bits, 07777 */
    int64_t uid, gid, mtime;
    uint32_t devmajor, devminor;
} ccs_tar_entry;

typedef struct ccs_tar_reader {
    ccs_tar_stream *s;
    uint64_t max_file, max_entries, *entries; /* entries: counted across layers */
    uint64_t max_total, *total;               /* extension data counts against the total too */
    uint64_t left;                            /* data of the current entry not yet read */
    uint64_t pad;                             /* padding after it */
    bool done;
    ccs_tar_entry e;
} ccs_tar_reader;

void ccs__tar_reader_init(ccs_tar_reader *r, ccs_tar_stream *s, uint64_t max_file, uint64_t max_entries,
                          uint64_t *entries, uint64_t max_total, uint64_t *total);
void ccs__tar_reader_clear(ccs_tar_reader *r);
/* The next entry into r->e (the rest of the previous one is skipped), or
 * *end = true after the end-of-archive marker (two zero blocks). */
CCS_MUST_USE ccs_status ccs__tar_next(ccs_tar_reader *r, bool *end);
/* Up to cap bytes of the current entry's data; *got 0 at its end. */
CCS_MUST_USE ccs_status ccs__tar_data(ccs_tar_reader *r, uint8_t *dst, size_t cap, size_t *got);

#endif
