/* Byte views, owned buffers, overflow-checked sizes, whole-file I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "ccs/core.h"

bool ccs_bytes_eq(ccs_bytes a, ccs_bytes b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool ccs_bytes_is_zero(ccs_bytes a) {
    uint8_t acc = 0;
    for (size_t i = 0; i < a.len; i++) acc |= a.ptr[i];
    return acc == 0;
}

ccs_status ccs_size_add(size_t a, size_t b, size_t *out) {
    if (__builtin_add_overflow(a, b, out)) CCS_BAIL(CCS_ERR_OVERFLOW, "size overflow");
    return CCS_OK;
}

ccs_status ccs_size_mul(size_t a, size_t b, size_t *out) {
    if (__builtin_mul_overflow(a, b, out)) CCS_BAIL(CCS_ERR_OVERFLOW, "size overflow");
    return CCS_OK;
}

/* Wipe that the compiler may not drop (core must not include OpenSSL):
 * glibc's explicit_bzero, a memset the optimiser keeps (a volatile byte
 * loop was a tenth of decrypting a large image layer). */
static void wipe(void *p, size_t n) {
    if (p != NULL && n > 0) explicit_bzero(p, n);
}

/* Moves b into a new allocation of cap bytes (cap > b->len). */
static ccs_status grow(ccs_buf *b, size_t cap) {
    uint8_t *p = malloc(cap);
    CCS_ENSURE(p != NULL, CCS_ERR_NOMEM, "out of memory");
    if (b->ptr) {
        memcpy(p, b->ptr, b->len);
        wipe(b->ptr, b->cap);
        free(b->ptr);
    }
    b->ptr = p;
    b->cap = cap;
    return CCS_OK;
}

/* len + extra + 1 (room for a NUL terminator) in *need. */
static ccs_status needed(const ccs_buf *b, size_t extra, size_t *need) {
    CCS_ENSURE(b != NULL, CCS_ERR_INVALID_ARG, "buf is NULL");
    CCS_TRY(ccs_size_add(b->len, extra, need));
    return ccs_size_add(*need, 1, need);
}

ccs_status ccs_buf_reserve(ccs_buf *b, size_t extra) {
    size_t need = 0;
    CCS_TRY(needed(b, extra, &need));
    if (need <= b->cap) return CCS_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) { cap = need; break; }
        cap *= 2;
    }
    return grow(b, cap);
}

ccs_status ccs_buf_reserve_exact(ccs_buf *b, size_t extra) {
    size_t need = 0;
    CCS_TRY(needed(b, extra, &need));
    return need <= b->cap ? CCS_OK : grow(b, need);
}

ccs_status ccs_buf_append(ccs_buf *b, const void *p, size_t n) {
    CCS_TRY(ccs_buf_reserve(b, n));
    if (n) memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = 0;
    return CCS_OK;
}

ccs_status ccs_buf_append_str(ccs_buf *b, const char *s) { return ccs_buf_append(b, s, strlen(s)); }

ccs_status ccs_buf_set(ccs_buf *b, ccs_bytes src) {
    b->len = 0;
    return ccs_buf_append(b, src.ptr, src.len);
}

void ccs_buf_free(ccs_buf *b) {
    if (b == NULL) return;
    if (b->ptr) {
        wipe(b->ptr, b->cap);
        free(b->ptr);
    }
    b->ptr = NULL;
    b->len = b->cap = 0;
}

ccs_status ccs_file_read(const char *path, size_t max, ccs_buf *out) {
    FILE *f = fopen(path, "rb");
    CCS_ENSURE(f != NULL, CCS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    /* Unbuffered: reads go straight into out (wiped when freed), never
     * through a stdio buffer that fclose frees unwiped (a key file is
     * smaller than that buffer). */
    setvbuf(f, NULL, _IONBF, 0);
    ccs_status st = CCS_OK;
    out->len = 0;
    /* A regular file's size is known: one exact allocation, read in place
     * (growing by appends copied and wiped every intermediate buffer, which
     * dominated reading a large image layer). */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 && (uint64_t)sb.st_size <= max)
        st = ccs_buf_reserve_exact(out, (size_t)sb.st_size);
    while (st == CCS_OK) {
        if (out->len == max) { /* full: one byte more means too large */
            if (fgetc(f) != EOF) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "%s is larger than %zu bytes", path, max);
            break;
        }
        if (out->cap <= out->len + 1) {
            int c = fgetc(f); /* the buffer sized for the file is full: usually the end */
            if (c == EOF) break;
            if (ungetc(c, f) == EOF) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "cannot read %s", path);
            if (st == CCS_OK) st = ccs_buf_reserve(out, 8192 < max - out->len ? 8192 : max - out->len);
            if (st != CCS_OK) break;
        }
        size_t room = out->cap - out->len - 1;
        if (room > max - out->len) room = max - out->len;
        size_t n = fread(out->ptr + out->len, 1, room, f);
        out->len += n;
        if (n < room) break;
    }
    if (st == CCS_OK && ferror(f)) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "cannot read %s", path);
    if (st == CCS_OK && out->ptr == NULL) st = ccs_buf_reserve(out, 0); /* empty file: valid NUL */
    if (st == CCS_OK) out->ptr[out->len] = 0;
    fclose(f);
    return st;
}

/* Writes all of data to fd: 0, or the errno of the failure. */
static int write_all(int fd, ccs_bytes data) {
    for (size_t off = 0; off < data.len;) {
        ssize_t w = write(fd, data.ptr + off, data.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : EIO;
        off += (size_t)w;
    }
    return 0;
}

/* Writes data to what path opens without creating anything (a terminal, a
 * pipe, /dev/stdout), truncating a regular file behind it as before. */
static ccs_status write_stream(const char *path, ccs_bytes data) {
    int fd = open(path, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    int err = write_all(fd, data);
    if (close(fd) != 0 && err == 0) err = errno;
    CCS_ENSURE(err == 0, CCS_ERR_IO, "cannot write %s: %s", path, strerror(err));
    return CCS_OK;
}

ccs_status ccs_file_write_private(const char *path, ccs_bytes data) {
    CCS_ENSURE(path != NULL && path[0] != '\0' && (data.ptr != NULL || data.len == 0), CCS_ERR_INVALID_ARG,
               "file: bad arguments");
    /* System paths (-o /dev/stdout, /proc/self/fd/N: magic links to
     * whatever the descriptor is, a terminal, a pipe or a redirected file)
     * and anything that is not a regular file (a FIFO) are written to, never
     * replaced: only regular files (or nothing) are renamed over. */
    struct stat sb;
    if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0 ||
        (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)))
        return write_stream(path, data);
    const char *slash = strrchr(path, '/');
    char tmp[4200];
    int n = slash ? snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
                  : snprintf(tmp, sizeof tmp, ".%s.XXXXXX", path);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof tmp && (slash == NULL || slash[1] != '\0'), CCS_ERR_INVALID_ARG,
               "file: bad path %s", path);
    int fd = mkostemp(tmp, O_CLOEXEC); /* "XXXXXX": mkostemp's template; O_EXCL, mode 0600 */
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "cannot create a file beside %s: %s", path, strerror(errno));
    int err = fchmod(fd, 0600) == 0 ? 0 : errno;
    if (err == 0) err = write_all(fd, data);
    if (err == 0 && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && rename(tmp, path) != 0) err = errno;
    if (err != 0) {
        unlink(tmp);
        CCS_BAIL(CCS_ERR_IO, "cannot write %s: %s", path, strerror(err));
    }
    return CCS_OK;
}

ccs_status ccs_file_write(const char *path, ccs_bytes data) {
    FILE *f = fopen(path, "wb");
    CCS_ENSURE(f != NULL, CCS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    size_t n = data.len ? fwrite(data.ptr, 1, data.len, f) : 0;
    int rc = fclose(f);
    CCS_ENSURE(n == data.len && rc == 0, CCS_ERR_IO, "cannot write %s", path);
    return CCS_OK;
}
