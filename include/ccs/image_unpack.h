/*
 * ccs/image_unpack.h - unpacking image layers (tar, tar+gzip, tar+zstd) to a
 * root file system, safely. Library ccs_image (src/image/tar*.c,
 * src/image/unpack*.c). What is accepted and refused: docs/image.md,
 * "Unpacking".
 *
 * Layers are untrusted: every header is checksummed and bounds-checked,
 * sizes and entry counts are limited, and nothing is ever written outside
 * the root. Paths are resolved component by component inside the root
 * (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_SYMLINKS, or an
 * O_NOFOLLOW walk where openat2 is missing): a symlink is created as given
 * but never followed while writing, so an entry whose path crosses a
 * symlink is refused.
 *
 * Status codes:
 *   CCS_ERR_FORMAT      malformed archive (checksum, number fields, PAX
 *                       records, magic bytes that are not the media type's)
 *   CCS_ERR_TRUNCATED   the archive or the compressed stream ends early
 *   CCS_ERR_UNSUPPORTED unknown media type or entry type, encrypted layer
 *   CCS_ERR_POLICY      an unsafe entry: absolute path, `..` escaping the
 *                       root, a path through a symlink, a hard link outside
 *                       or to a directory, a device node or FIFO (without
 *                       insecure_allow_devices), a name over PATH_MAX
 *   CCS_ERR_OVERFLOW    a limit: file size, total size, entry count
 *   CCS_ERR_NOT_FOUND   a hard link to an entry that does not exist
 *   CCS_ERR_IO          the file system refused a write
 * An error leaves what was written so far inside the root (the caller
 * removes the directory); nothing outside it is touched.
 */
#ifndef CCS_IMAGE_UNPACK_H
#define CCS_IMAGE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccs/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_UNPACK_FILE_MAX ((uint64_t)4 << 30)    /* default: bytes of one file */
#define CCS_UNPACK_TOTAL_MAX ((uint64_t)32 << 30)  /* default: bytes of all files */
#define CCS_UNPACK_ENTRIES_MAX ((uint64_t)1 << 20) /* default: tar headers in all */
#define CCS_UNPACK_META_MAX ((size_t)1 << 20)      /* a PAX header's or GNU long name's data */

typedef struct ccs_unpack_options {
    uint64_t max_file_size;      /* 0: CCS_UNPACK_FILE_MAX */
    uint64_t max_total_size;     /* 0: CCS_UNPACK_TOTAL_MAX; over every layer of a call */
    uint64_t max_entries;        /* 0: CCS_UNPACK_ENTRIES_MAX; over every layer of a call */
    bool allow_setid;            /* keep setuid/setgid bits (dropped otherwise) */
    bool set_owners;             /* chown to the archive's uid/gid (only when euid is 0) */
    bool insecure_allow_devices; /* create device nodes and FIFOs instead of refusing them */
} ccs_unpack_options;

typedef struct ccs_unpack_result {
    size_t layers;
    uint64_t entries; /* tar headers read, extensions included */
    uint64_t bytes;   /* bytes of file contents written */
} ccs_unpack_result;

typedef enum ccs_unpack_compression {
    CCS_UNPACK_PLAIN = 0,
    CCS_UNPACK_GZIP,
    CCS_UNPACK_ZSTD,
} ccs_unpack_compression;

/* The compression of a layer media type: "...tar" (also docker's
 * ".tar" and "rootfs.diff.tar"), "...tar+gzip" / docker's ".tar.gzip",
 * "...tar+zstd". "+encrypted": CCS_ERR_UNSUPPORTED ("decrypt the image
 * first"); anything else CCS_ERR_UNSUPPORTED. */
CCS_MUST_USE ccs_status ccs_unpack_compression_of(const char *media_type, ccs_unpack_compression *out);

/* Applies one layer blob (media_type picks the compression, which is checked
 * against the blob's magic bytes) to root, an existing directory, with the
 * OCI whiteouts. opt NULL: the defaults. res (optional) accumulates. */
CCS_MUST_USE ccs_status ccs_unpack_layer(ccs_bytes blob, const char *media_type, const char *root,
                                         const ccs_unpack_options *opt, ccs_unpack_result *res);
/* The same for a blob in a file (at most CCS_IMAGE_LAYER_MAX bytes). */
CCS_MUST_USE ccs_status ccs_unpack_layer_file(const char *path, const char *media_type, const char *root,
                                              const ccs_unpack_options *opt, ccs_unpack_result *res);
/* Unpacks the image ref (oci:DIR[:TAG]) into root (created when absent):
 * each layer of the manifest, in order, read through its digest. Encrypted
 * layers are refused (CCS_ERR_UNSUPPORTED, "decrypt the image first":
 * ccs_image_copy with CCS_IMAGE_DECRYPT). The limits hold over the whole
 * image. */
CCS_MUST_USE ccs_status ccs_unpack_image(const char *ref, const char *root, const ccs_unpack_options *opt,
                                         ccs_unpack_result *res);

#ifdef __cplusplus
}
#endif
#endif
