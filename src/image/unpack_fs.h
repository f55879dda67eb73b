/*
 * unpack_fs.h - private to src/image: file-system steps of unpacking, all
 * confined to a root directory fd (unpack_fs.c). Paths given here are
 * already cleaned (ccs__unpack_clean_path): relative, no "." or ".."
 * components, no empty components.
 */
#ifndef CCS_IMAGE_UNPACK_FS_H
#define CCS_IMAGE_UNPACK_FS_H

#include <stdbool.h>

#include "ccs/core.h"

/* Lexically cleans an archive path: "./" and repeated "/" dropped, ".."
 * applied. Refused (CCS_ERR_POLICY): absolute paths, ".." above the root,
 * PATH_MAX or longer. *out "" means the root itself. `what` names it. */
CCS_MUST_USE ccs_status ccs__unpack_clean_path(const char *in, const char *what, char **out);

/* Opens (O_PATH) the directory that holds path's last component, resolving
 * every component inside the root and never through a symlink
 * (CCS_ERR_POLICY for a symlink or non-directory on the way). create: make
 * missing directories (0755); otherwise CCS_ERR_NOT_FOUND. *leaf points
 * into path. */
CCS_MUST_USE ccs_status ccs__unpack_parent(int root, const char *path, bool create, int *dirfd, const char **leaf);

/* Removes name in dirfd, a directory with everything below it; absent: OK. */
CCS_MUST_USE ccs_status ccs__unpack_remove(int dirfd, const char *name);

/* An opaque directory (OCI ".wh..wh..opq"): removes everything below dir
 * that this layer did not write. kept(path) says whether this layer wrote
 * path or something below it. */
typedef bool (*ccs__unpack_kept_fn)(void *ctx, const char *path);
CCS_MUST_USE ccs_status ccs__unpack_opaque(int root, const char *dir, ccs__unpack_kept_fn kept, void *ctx);

#endif
