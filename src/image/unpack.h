/*
 * unpack.h - private to src/image: the state of one unpacking call
 * (unpack.c), shared by the public entry points (unpack_image.c).
 */
#ifndef CCS_IMAGE_UNPACK_H_PRIVATE
#define CCS_IMAGE_UNPACK_H_PRIVATE

#include "ccs/image_unpack.h"

typedef struct ccs_unpack_dir {
    char *path;
    uint32_t mode;
    int64_t uid, gid, mtime;
} ccs_unpack_dir;

typedef struct ccs_unpack_ctx {
    ccs_unpack_options opt; /* limits filled in */
    int root;
    bool owners;
    uint64_t entries, total, bytes;
    size_t layers;
    ccs_unpack_dir *dirs; /* directories, for their modes and times at the end */
    size_t ndirs, capdirs;
    char **rec, **opq; /* this layer: paths written, opaque directories */
    size_t nrec, caprec, nopq, capopq;
} ccs_unpack_ctx;

CCS_MUST_USE ccs_status ccs__unpack_begin(const char *root, const ccs_unpack_options *opt, ccs_unpack_ctx *c);
/* One layer; the limits count across every layer of c. diff_id (or NULL):
 * the digest its uncompressed stream must have (CCS_ERR_MISMATCH, checked
 * once the whole stream has been read, so the tree may hold the layer). */
CCS_MUST_USE ccs_status ccs__unpack_apply(ccs_unpack_ctx *c, ccs_bytes blob, ccs_unpack_compression comp,
                                          const char *diff_id);
/* Sets directory modes and times (when st is CCS_OK), releases c. */
void ccs__unpack_end(ccs_unpack_ctx *c, ccs_status st);

#endif
