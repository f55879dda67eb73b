/* Unpacking's file-system steps, confined to a root directory. Every path
 * is resolved from the root fd one component at a time without following a
 * symlink: openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_SYMLINKS)
 * where the kernel has it (Linux 5.6+), else openat(O_NOFOLLOW) per
 * component. Paths were cleaned first, so no component is "." or "..". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "unpack_fs.h"

ccs_status ccs__unpack_clean_path(const char *in, const char *what, char **out) {
    size_t n = strlen(in);
    *out = NULL;
    CCS_ENSURE(n < PATH_MAX, CCS_ERR_POLICY, "unpack: %s is longer than PATH_MAX", what);
    CCS_ENSURE(in[0] != '/', CCS_ERR_POLICY, "unpack: %s \"%s\" is absolute", what, in);
    char *o = malloc(n + 1);
    CCS_ENSURE(o != NULL, CCS_ERR_NOMEM, "unpack: out of memory");
    size_t len = 0;
    for (const char *p = in; *p;) {
        const char *e = strchr(p, '/');
        size_t cl = e ? (size_t)(e - p) : strlen(p);
        if (cl == 2 && p[0] == '.' && p[1] == '.') {
            if (len == 0) {
                free(o);
                CCS_BAIL(CCS_ERR_POLICY, "unpack: %s \"%s\" escapes the root with \"..\"", what, in);
            }
            while (len > 0 && o[len - 1] != '/') len--;
            if (len > 0) len--; /* the separator */
        } else if (cl > 0 && !(cl == 1 && p[0] == '.')) {
            if (len > 0) o[len++] = '/';
            memcpy(o + len, p, cl);
            len += cl;
        }
        p += cl;
        while (*p == '/') p++;
    }
    o[len] = 0;
    *out = o;
    return CCS_OK;
}

static ccs_status refuse_component(int fd, const char *comp, const char *path, int err) {
    struct stat st;
    if (err == ENOENT) CCS_BAIL(CCS_ERR_NOT_FOUND, "unpack: \"%s\": a parent directory does not exist", path);
    if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        CCS_BAIL(CCS_ERR_POLICY, "unpack: \"%s\" goes through the symlink \"%s\" (never followed)", path, comp);
    if (err == ENOTDIR || err == ELOOP)
        CCS_BAIL(CCS_ERR_POLICY, "unpack: \"%s\": \"%s\" on the way is not a directory", path, comp);
    CCS_BAIL(CCS_ERR_IO, "unpack: \"%s\": %s", path, strerror(err));
}

/* The component-by-component walk over the first plen bytes of path. */
static ccs_status walk(int root, const char *path, size_t plen, bool create, int *out) {
    int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "unpack: dup: %s", strerror(errno));
    char comp[NAME_MAX + 1];
    for (size_t i = 0; i < plen;) {
        size_t cl = 0;
        while (i + cl < plen && path[i + cl] != '/') cl++;
        if (cl > NAME_MAX) {
            close(fd);
            CCS_BAIL(CCS_ERR_POLICY, "unpack: \"%s\": a component is longer than NAME_MAX", path);
        }
        memcpy(comp, path + i, cl);
        comp[cl] = 0;
        int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
                int e = errno;
                close(fd);
                CCS_BAIL(CCS_ERR_IO, "unpack: mkdir in \"%s\": %s", path, strerror(e));
            }
            nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (nfd < 0) {
            ccs_status st = refuse_component(fd, comp, path, errno);
            close(fd);
            return st;
        }
        close(fd);
        fd = nfd;
        i += cl + 1;
    }
    *out = fd;
    return CCS_OK;
}

/* openat2 for the parent; -1 with errno when it is absent or fails. */
static int open_in_root(int root, const char *parent) {
#ifdef SYS_openat2
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
    };
    return (int)syscall(SYS_openat2, root, parent, &how, sizeof how);
#else
    (void)root;
    (void)parent;
    errno = ENOSYS;
    return -1;
#endif
}

ccs_status ccs__unpack_parent(int root, const char *path, bool create, int *dirfd, const char **leaf) {
    const char *slash = strrchr(path, '/');
    *leaf = slash ? slash + 1 : path;
    size_t plen = slash ? (size_t)(slash - path) : 0;
    if (plen == 0) return walk(root, path, 0, false, dirfd);
    char parent[PATH_MAX];
    CCS_ENSURE(plen < sizeof parent, CCS_ERR_POLICY, "unpack: a path longer than PATH_MAX");
    memcpy(parent, path, plen);
    parent[plen] = 0;
    int fd = open_in_root(root, parent);
    if (fd >= 0) {
        *dirfd = fd;
        return CCS_OK;
    }
    /* Missing directories (to create), a symlink or a file on the way (the
     * walk names it), or no openat2: the walk decides. */
    return walk(root, path, plen, create, dirfd);
}

/* The names in a directory (collected first: removing while reading a
 * directory stream is unspecified). */
static ccs_status list_dir(int fd, char ***names, size_t *n) {
    *names = NULL;
    *n = 0;
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d == NULL) {
        if (dfd >= 0) close(dfd);
        CCS_BAIL(CCS_ERR_IO, "unpack: opendir: %s", strerror(errno));
    }
    size_t cap = 0;
    ccs_status st = CCS_OK;
    struct dirent *de;
    while (st == CCS_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(*names, cap * sizeof *nn);
            if (nn == NULL) { st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "unpack: out of memory"); break; }
            *names = nn;
        }
        if (((*names)[*n] = strdup(de->d_name)) == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "unpack: out of memory");
        else (*n)++;
    }
    closedir(d);
    return st;
}

static void names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

ccs_status ccs__unpack_remove(int dirfd, const char *name) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        CCS_ENSURE(errno == ENOENT, CCS_ERR_IO, "unpack: stat \"%s\": %s", name, strerror(errno));
        return CCS_OK;
    }
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        CCS_ENSURE(fd >= 0, CCS_ERR_IO, "unpack: open \"%s\": %s", name, strerror(errno));
        (void)fchmod(fd, 0700); /* a read-only directory from a lower layer */
        char **names;
        size_t n;
        ccs_status s = list_dir(fd, &names, &n);
        for (size_t i = 0; s == CCS_OK && i < n; i++) s = ccs__unpack_remove(fd, names[i]);
        names_free(names, n);
        close(fd);
        CCS_TRY(s);
    }
    CCS_ENSURE(unlinkat(dirfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == 0, CCS_ERR_IO,
               "unpack: remove \"%s\": %s", name, strerror(errno));
    return CCS_OK;
}

/* Below the directory fd (at path): what this layer did not write goes;
 * directories it kept are visited in turn. */
static ccs_status opaque_at(int fd, char *path, size_t plen, ccs__unpack_kept_fn kept, void *ctx) {
    char **names;
    size_t n;
    CCS_TRY(list_dir(fd, &names, &n));
    ccs_status s = CCS_OK;
    for (size_t i = 0; s == CCS_OK && i < n; i++) {
        size_t nl = strlen(names[i]);
        if (plen + 1 + nl >= PATH_MAX) { s = ccs_error_set(CCS_ERR_POLICY, CCS_HERE, "unpack: a path over PATH_MAX"); break; }
        size_t l = plen;
        if (l > 0) path[l++] = '/';
        memcpy(path + l, names[i], nl + 1);
        if (!kept(ctx, path)) {
            s = ccs__unpack_remove(fd, names[i]);
        } else {
            int cfd = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd >= 0) {
                s = opaque_at(cfd, path, l + nl, kept, ctx);
                close(cfd);
            }
        }
        path[plen] = 0;
    }
    names_free(names, n);
    return s;
}

ccs_status ccs__unpack_opaque(int root, const char *dir, ccs__unpack_kept_fn kept, void *ctx) {
    int pfd, fd;
    const char *leaf;
    char path[PATH_MAX];
    size_t dl = strlen(dir);
    CCS_ENSURE(dl < sizeof path, CCS_ERR_POLICY, "unpack: a path over PATH_MAX");
    memcpy(path, dir, dl + 1);
    if (dl == 0) {
        fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        ccs_status st = ccs__unpack_parent(root, dir, false, &pfd, &leaf);
        if (st == CCS_ERR_NOT_FOUND) return CCS_OK;
        CCS_TRY(st);
        fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(pfd);
    }
    if (fd < 0) return CCS_OK; /* since replaced by a non-directory or removed */
    ccs_status st = opaque_at(fd, path, dl, kept, ctx);
    close(fd);
    return st;
}
