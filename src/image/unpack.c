/* Applying layers to a root directory: each tar entry checked and written
 * through unpack_fs.c (never outside the root, never through a symlink),
 * with the OCI whiteouts (image-spec layer.md, "Whiteouts": ".wh.NAME"
 * removes NAME from lower layers, ".wh..wh..opq" hides a directory's lower
 * contents). Duplicates: the last entry wins, as with tar. Directory modes
 * and times are set once every entry is written (a read-only directory
 * would block its own contents). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ccs/crypto.h"
#include "tar.h"
#include "unpack.h"
#include "unpack_fs.h"

#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"
#define COPY_CHUNK 65536

static ccs_status push(char ***v, size_t *n, size_t *cap, char *s) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **nv = realloc(*v, nc * sizeof *nv);
        if (nv == NULL) {
            free(s);
            CCS_BAIL(CCS_ERR_NOMEM, "unpack: out of memory");
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = s;
    return CCS_OK;
}

static void strs_free(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

ccs_status ccs__unpack_begin(const char *root, const ccs_unpack_options *opt, ccs_unpack_ctx *c) {
    memset(c, 0, sizeof *c);
    c->root = -1;
    if (opt) c->opt = *opt;
    if (c->opt.max_file_size == 0) c->opt.max_file_size = CCS_UNPACK_FILE_MAX;
    if (c->opt.max_total_size == 0) c->opt.max_total_size = CCS_UNPACK_TOTAL_MAX;
    if (c->opt.max_entries == 0) c->opt.max_entries = CCS_UNPACK_ENTRIES_MAX;
    c->owners = c->opt.set_owners && geteuid() == 0;
    c->root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CCS_ENSURE(c->root >= 0, CCS_ERR_IO, "unpack: root %s: %s", root, strerror(errno));
    return CCS_OK;
}

static uint32_t perm(const ccs_unpack_ctx *c, uint32_t mode) { return mode & (c->opt.allow_setid ? 07777u : 01777u); }

/* Times are best effort (a file system may not keep them); owners and
 * modes are not. */
static void set_times(int dirfd, const char *leaf, int fd, int64_t mtime) {
    struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = (time_t)mtime}};
    if (fd >= 0) (void)futimens(fd, ts);
    else if (leaf != NULL) (void)utimensat(dirfd, leaf, ts, AT_SYMLINK_NOFOLLOW);
}

/* The entry's owner on the open file fd. */
static ccs_status owner_fd(const ccs_unpack_ctx *c, int fd, const ccs_tar_entry *e, const char *path) {
    if (!c->owners) return CCS_OK;
    CCS_ENSURE(fchown(fd, (uid_t)e->uid, (gid_t)e->gid) == 0, CCS_ERR_IO, "unpack: chown \"%s\": %s", path,
               strerror(errno));
    return CCS_OK;
}

/* The entry's owner on leaf in dirfd, not followed (a symlink's own). */
static ccs_status owner_at(const ccs_unpack_ctx *c, int dirfd, const char *leaf, const ccs_tar_entry *e,
                           const char *path) {
    if (!c->owners) return CCS_OK;
    CCS_ENSURE(fchownat(dirfd, leaf, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW) == 0, CCS_ERR_IO,
               "unpack: chown \"%s\": %s", path, strerror(errno));
    return CCS_OK;
}

/* Directory modes, owners, times: last, and only where the path still
 * names a directory reached without a symlink. */
static void finish_dirs(ccs_unpack_ctx *c) {
    for (size_t i = 0; i < c->ndirs; i++) {
        const ccs_unpack_dir *d = &c->dirs[i];
        int pfd, fd;
        const char *leaf;
        if (ccs__unpack_parent(c->root, d->path, false, &pfd, &leaf) != CCS_OK) continue;
        fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(pfd);
        if (fd < 0) continue;
        if (c->owners && fchown(fd, (uid_t)d->uid, (gid_t)d->gid) != 0) {} /* best effort: see ccs__unpack_end */
        if (fchmod(fd, perm(c, d->mode)) != 0) {}
        set_times(-1, NULL, fd, d->mtime);
        close(fd);
    }
    ccs_error_clear();
}

void ccs__unpack_end(ccs_unpack_ctx *c, ccs_status st) {
    if (c->root >= 0) {
        if (st == CCS_OK) finish_dirs(c); /* after a failure its detail is kept */
        close(c->root);
    }
    for (size_t i = 0; i < c->ndirs; i++) free(c->dirs[i].path);
    free(c->dirs);
    strs_free(c->rec, c->nrec);
    strs_free(c->opq, c->nopq);
    memset(c, 0, sizeof *c);
}

/* Sort order with '/' below every other byte, so that everything under
 * "a/" follows "a" directly (before "a-b"). */
static int path_cmp(const char *a, const char *b) {
    for (;; a++, b++) {
        unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca == cb) {
            if (ca == 0) return 0;
            continue;
        }
        ca = ca == '/' ? 1 : ca;
        cb = cb == '/' ? 1 : cb;
        return ca < cb ? -1 : 1;
    }
}

static int path_qcmp(const void *a, const void *b) { return path_cmp(*(char *const *)a, *(char *const *)b); }

static bool kept(void *ctx, const char *path) {
    const ccs_unpack_ctx *c = ctx;
    size_t lo = 0, hi = c->nrec, pl = strlen(path);
    while (lo < hi) { /* the first recorded path >= path */
        size_t mid = lo + (hi - lo) / 2;
        if (path_cmp(c->rec[mid], path) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->nrec && strncmp(c->rec[lo], path, pl) == 0 && (c->rec[lo][pl] == 0 || c->rec[lo][pl] == '/');
}

static ccs_status write_data(ccs_unpack_ctx *c, ccs_tar_reader *r, int fd, const char *path) {
    uint8_t *buf = malloc(COPY_CHUNK);
    CCS_ENSURE(buf != NULL, CCS_ERR_NOMEM, "unpack: out of memory");
    ccs_status st = CCS_OK;
    for (;;) {
        size_t got;
        if ((st = ccs__tar_data(r, buf, COPY_CHUNK, &got)) != CCS_OK || got == 0) break;
        for (size_t off = 0; off < got;) {
            ssize_t w = write(fd, buf + off, got - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "unpack: write \"%s\": %s", path, strerror(errno));
                break;
            }
            off += (size_t)w;
        }
        if (st != CCS_OK) break;
        c->bytes += got;
    }
    free(buf);
    return st;
}

static ccs_status hardlink(ccs_unpack_ctx *c, const ccs_tar_entry *e, const char *path, int pfd, const char *leaf) {
    char *t;
    CCS_TRY(ccs__unpack_clean_path(e->linkpath, "hard link target", &t));
    int tfd = -1;
    const char *tleaf;
    struct stat ts, ps;
    ccs_status st = t[0] ? ccs__unpack_parent(c->root, t, false, &tfd, &tleaf)
                         : ccs_error_set(CCS_ERR_POLICY, CCS_HERE, "unpack: \"%s\" is a hard link to the root", path);
    if (st == CCS_OK && fstatat(tfd, tleaf, &ts, AT_SYMLINK_NOFOLLOW) != 0)
        st = ccs_error_set(errno == ENOENT ? CCS_ERR_NOT_FOUND : CCS_ERR_IO, CCS_HERE,
                           "unpack: \"%s\" is a hard link to \"%s\", which is not there", path, e->linkpath);
    else if (st == CCS_ERR_NOT_FOUND)
        st = ccs_error_set(st, CCS_HERE, "unpack: \"%s\" is a hard link to \"%s\", which is not there", path, e->linkpath);
    if (st == CCS_OK && S_ISDIR(ts.st_mode))
        st = ccs_error_set(CCS_ERR_POLICY, CCS_HERE, "unpack: \"%s\" is a hard link to a directory", path);
    bool same = st == CCS_OK && fstatat(pfd, leaf, &ps, AT_SYMLINK_NOFOLLOW) == 0 && ps.st_ino == ts.st_ino &&
                ps.st_dev == ts.st_dev;
    if (st == CCS_OK && !same) st = ccs__unpack_remove(pfd, leaf);
    if (st == CCS_OK && !same && linkat(tfd, tleaf, pfd, leaf, 0) != 0)
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "unpack: link \"%s\": %s", path, strerror(errno));
    if (tfd >= 0) close(tfd);
    free(t);
    return st;
}

static ccs_status special(ccs_unpack_ctx *c, const ccs_tar_entry *e, const char *path, int pfd, const char *leaf) {
    CCS_ENSURE(c->opt.insecure_allow_devices, CCS_ERR_POLICY,
               "unpack: \"%s\" is a %s (refused; allowed only with insecure_allow_devices)", path,
               e->type == CCS_TAR_FIFO ? "FIFO" : "device node");
    mode_t kind = e->type == CCS_TAR_FIFO ? S_IFIFO : e->type == CCS_TAR_CHAR ? S_IFCHR : S_IFBLK;
    CCS_TRY(ccs__unpack_remove(pfd, leaf));
    CCS_ENSURE(mknodat(pfd, leaf, kind | perm(c, e->mode), makedev(e->devmajor, e->devminor)) == 0, CCS_ERR_IO,
               "unpack: mknod \"%s\": %s", path, strerror(errno));
    CCS_TRY(owner_at(c, pfd, leaf, e, path));
    CCS_ENSURE(fchmodat(pfd, leaf, perm(c, e->mode), 0) == 0, CCS_ERR_IO, /* just made: not a symlink */
               "unpack: chmod \"%s\": %s", path, strerror(errno));
    set_times(pfd, leaf, -1, e->mtime);
    return CCS_OK;
}

static ccs_status regular(ccs_unpack_ctx *c, ccs_tar_reader *r, const char *path, int pfd, const char *leaf) {
    const ccs_tar_entry *e = &r->e;
    CCS_TRY(ccs__unpack_remove(pfd, leaf));
    int fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "unpack: create \"%s\": %s", path, strerror(errno));
    ccs_status st = write_data(c, r, fd, path);
    if (st == CCS_OK) {
        st = owner_fd(c, fd, e, path);
        if (st == CCS_OK && fchmod(fd, perm(c, e->mode)) != 0)
            st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "unpack: chmod \"%s\": %s", path, strerror(errno));
        set_times(-1, NULL, fd, e->mtime);
    }
    close(fd);
    return st;
}

static ccs_status directory(ccs_unpack_ctx *c, const ccs_tar_entry *e, char **path, int pfd, const char *leaf) {
    struct stat st;
    if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) CCS_TRY(ccs__unpack_remove(pfd, leaf));
    CCS_ENSURE(mkdirat(pfd, leaf, 0700) == 0 || errno == EEXIST, CCS_ERR_IO, "unpack: mkdir \"%s\": %s", *path,
               strerror(errno));
    if (c->ndirs == c->capdirs) {
        size_t nc = c->capdirs ? c->capdirs * 2 : 64;
        ccs_unpack_dir *nd = realloc(c->dirs, nc * sizeof *nd);
        CCS_ENSURE(nd != NULL, CCS_ERR_NOMEM, "unpack: out of memory");
        c->dirs = nd;
        c->capdirs = nc;
    }
    char *copy = strdup(*path);
    CCS_ENSURE(copy != NULL, CCS_ERR_NOMEM, "unpack: out of memory");
    c->dirs[c->ndirs++] = (ccs_unpack_dir){copy, e->mode, e->uid, e->gid, e->mtime};
    return CCS_OK;
}

static ccs_status symlink_entry(ccs_unpack_ctx *c, const ccs_tar_entry *e, const char *path, int pfd, const char *leaf) {
    CCS_ENSURE(e->linkpath[0] != 0, CCS_ERR_FORMAT, "unpack: \"%s\" is a symlink to nothing", path);
    CCS_TRY(ccs__unpack_remove(pfd, leaf));
    CCS_ENSURE(symlinkat(e->linkpath, pfd, leaf) == 0, CCS_ERR_IO, "unpack: symlink \"%s\": %s", path, strerror(errno));
    CCS_TRY(owner_at(c, pfd, leaf, e, path));
    set_times(pfd, leaf, -1, e->mtime);
    return CCS_OK;
}

/* ".wh.NAME" and ".wh..wh..opq" in the directory of path. */
static ccs_status whiteout(ccs_unpack_ctx *c, char *path, const char *leaf) {
    size_t dl = (size_t)(leaf - path);
    if (strcmp(leaf, WH_OPQ) == 0) {
        char *dir = strndup(path, dl > 0 ? dl - 1 : 0);
        CCS_ENSURE(dir != NULL, CCS_ERR_NOMEM, "unpack: out of memory");
        if (dir[0]) {
            int pfd;
            const char *l;
            ccs_status st = ccs__unpack_parent(c->root, path, true, &pfd, &l); /* the directory itself */
            if (st != CCS_OK) {
                free(dir);
                return st;
            }
            close(pfd);
        }
        return push(&c->opq, &c->nopq, &c->capopq, dir);
    }
    if (strncmp(leaf, WH WH, 8) == 0) return CCS_OK; /* other AUFS metadata: not a whiteout */
    const char *name = leaf + strlen(WH);
    CCS_ENSURE(name[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0, CCS_ERR_POLICY,
               "unpack: the whiteout \"%s\" names no entry", path);
    int pfd;
    const char *l;
    ccs_status st = ccs__unpack_parent(c->root, path, false, &pfd, &l);
    if (st == CCS_ERR_NOT_FOUND) {
        ccs_error_clear();
        return CCS_OK; /* nothing there to hide */
    }
    CCS_TRY(st);
    st = ccs__unpack_remove(pfd, name);
    close(pfd);
    return st;
}

static ccs_status entry(ccs_unpack_ctx *c, ccs_tar_reader *r) {
    const ccs_tar_entry *e = &r->e;
    uint64_t total;
    CCS_ENSURE(__builtin_add_overflow(c->total, r->left, &total) == 0 && total <= c->opt.max_total_size,
               CCS_ERR_OVERFLOW, "unpack: more than %llu bytes in all (the total limit)",
               (unsigned long long)c->opt.max_total_size);
    c->total = total;
    char *path;
    CCS_TRY(ccs__unpack_clean_path(e->path, "entry name", &path));
    if (path[0] == 0) { /* "./": the root itself; only a directory may say so, and is ignored */
        free(path);
        CCS_ENSURE(e->type == CCS_TAR_DIR, CCS_ERR_POLICY, "unpack: an entry that is the root but not a directory");
        return CCS_OK;
    }
    const char *leaf = strrchr(path, '/');
    leaf = leaf ? leaf + 1 : path;
    if (strncmp(leaf, WH, strlen(WH)) == 0) {
        ccs_status st = whiteout(c, path, leaf);
        free(path);
        return st;
    }
    int pfd;
    ccs_status st = ccs__unpack_parent(c->root, path, true, &pfd, &leaf);
    if (st != CCS_OK) {
        free(path);
        return st;
    }
    switch (e->type) {
    case CCS_TAR_FILE: st = regular(c, r, path, pfd, leaf); break;
    case CCS_TAR_DIR: st = directory(c, e, &path, pfd, leaf); break;
    case CCS_TAR_SYMLINK: st = symlink_entry(c, e, path, pfd, leaf); break;
    case CCS_TAR_HARDLINK: st = hardlink(c, e, path, pfd, leaf); break;
    default: st = special(c, e, path, pfd, leaf); break;
    }
    close(pfd);
    if (st == CCS_OK) return push(&c->rec, &c->nrec, &c->caprec, path);
    free(path);
    return st;
}

/* The layer's uncompressed digest against the one the image config names. */
static ccs_status check_diff_id(ccs_sha256_stream *h, const char *want) {
    uint8_t d[32];
    char got[8 + 64] = "sha256:";
    ccs_sha256_stream_final(h, d);
    CCS_TRY(ccs_hex_encode(ccs_bytes_of(d, 32), got + 7, 65));
    CCS_ENSURE(strcmp(got, want) == 0, CCS_ERR_MISMATCH,
               "unpack: the layer's uncompressed content is %s, the image config's diff_id says %s", got, want);
    return CCS_OK;
}

ccs_status ccs__unpack_apply(ccs_unpack_ctx *c, ccs_bytes blob, ccs_unpack_compression comp, const char *diff_id) {
    ccs_tar_stream *s;
    ccs_sha256_stream *h = NULL;
    CCS_TRY(ccs__tar_stream_new(blob, comp, &s));
    ccs_status st = diff_id != NULL ? ccs_sha256_stream_new(&h) : CCS_OK;
    if (st == CCS_OK && h != NULL) st = ccs__tar_stream_hash(s, h);
    ccs_tar_reader r;
    ccs__tar_reader_init(&r, s, c->opt.max_file_size, c->opt.max_entries, &c->entries, c->opt.max_total_size, &c->total);
    for (bool end = false; st == CCS_OK;) {
        st = ccs__tar_next(&r, &end);
        if (st != CCS_OK || end) break;
        st = entry(c, &r);
    }
    ccs__tar_stream_hash_end(s); /* the hashing thread is done with h */
    if (st == CCS_OK && h != NULL) st = check_diff_id(h, diff_id);
    ccs_sha256_stream_free(h);
    ccs__tar_reader_clear(&r);
    ccs__tar_stream_free(s);
    /* The opaque directories, once the layer's own entries are known. */
    if (st == CCS_OK && c->nopq > 0) qsort(c->rec, c->nrec, sizeof *c->rec, path_qcmp);
    for (size_t i = 0; st == CCS_OK && i < c->nopq; i++) st = ccs__unpack_opaque(c->root, c->opq[i], kept, c);
    strs_free(c->rec, c->nrec);
    strs_free(c->opq, c->nopq);
    c->rec = c->opq = NULL;
    c->nrec = c->caprec = c->nopq = c->capopq = 0;
    if (st == CCS_OK) c->layers++;
    return st;
}
