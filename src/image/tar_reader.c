/* The tar reader for untrusted layers. Formats (POSIX.1-2008 "ustar" and
 * "pax Interchange Format"; GNU tar manual "Basic Tar Format"):
 *   header block: name[100] mode[8] uid[8] gid[8] size[12] mtime[12]
 *   chksum[8] typeflag linkname[100] magic[6] version[2] uname[32]
 *   gname[32] devmajor[8] devminor[8] prefix[155] (ustar only; GNU puts
 *   atime/ctime there), data in 512-byte blocks, two zero blocks at the end.
 * Extensions apply to the next real entry: 'L' / 'K' (GNU long name / link,
 * data NUL-terminated), 'x' (PAX records "LEN key=value\n"); 'g' is read
 * and ignored. Any other type flag is refused. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

enum {
    H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124, H_MTIME = 136, H_CHKSUM = 148,
    H_TYPE = 156, H_LINK = 157, H_MAGIC = 257, H_DEVMAJOR = 329, H_DEVMINOR = 337, H_PREFIX = 345,
};

void ccs__tar_reader_init(ccs_tar_reader *r, ccs_tar_stream *s, uint64_t max_file, uint64_t max_entries,
                          uint64_t *entries, uint64_t max_total, uint64_t *total) {
    memset(r, 0, sizeof *r);
    r->s = s;
    r->max_file = max_file;
    r->max_entries = max_entries;
    r->entries = entries;
    r->max_total = max_total;
    r->total = total;
}

static void entry_clear(ccs_tar_entry *e) {
    free(e->path);
    free(e->linkpath);
    memset(e, 0, sizeof *e);
}

void ccs__tar_reader_clear(ccs_tar_reader *r) { entry_clear(&r->e); }

/* A number field: base-256 (first byte 0x80, big-endian, non-negative) or
 * octal digits after optional spaces, ended by NUL or space or the field's
 * end; nothing but NULs and spaces after. */
static ccs_status number(const uint8_t *f, size_t n, const char *what, uint64_t *out) {
    uint64_t v = 0;
    if (f[0] & 0x80) {
        CCS_ENSURE(f[0] == 0x80, CCS_ERR_FORMAT, "tar: negative or malformed base-256 %s", what);
        for (size_t i = 1; i < n; i++) {
            CCS_ENSURE(v >> 56 == 0, CCS_ERR_OVERFLOW, "tar: %s does not fit in 64 bits", what);
            v = v << 8 | f[i];
        }
        CCS_ENSURE(v <= INT64_MAX, CCS_ERR_OVERFLOW, "tar: %s does not fit in 63 bits", what);
        *out = v;
        return CCS_OK;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ') i++;
    size_t digits = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        CCS_ENSURE(v >> 60 == 0, CCS_ERR_OVERFLOW, "tar: %s overflows", what);
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++) CCS_ENSURE(f[i] == 0 || f[i] == ' ', CCS_ERR_FORMAT, "tar: %s is not an octal number", what);
    (void)digits; /* an empty field reads as 0, as GNU tar does */
    *out = v;
    return CCS_OK;
}

/* The header checksum: the sum of all bytes with the checksum field read as
 * spaces; unsigned, or signed as some old tars computed it. */
static ccs_status check_sum(const uint8_t *h) {
    uint64_t want;
    CCS_TRY(number(h + H_CHKSUM, 8, "checksum", &want));
    uint64_t u = 0;
    int64_t sg = 0;
    for (size_t i = 0; i < CCS_TAR_BLOCK; i++) {
        uint8_t b = i >= H_CHKSUM && i < H_CHKSUM + 8 ? ' ' : h[i];
        u += b;
        sg += (int8_t)b;
    }
    CCS_ENSURE(want == u || (int64_t)want == sg, CCS_ERR_FORMAT, "tar: header checksum mismatch");
    return CCS_OK;
}

/* A NUL-terminated copy of a fixed-size field. */
static ccs_status field_str(const uint8_t *f, size_t n, char **out) {
    size_t len = strnlen((const char *)f, n);
    char *s = malloc(len + 1);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "tar: out of memory");
    memcpy(s, f, len);
    s[len] = 0;
    free(*out);
    *out = s;
    return CCS_OK;
}

static ccs_status set_name(char **dst, const uint8_t *p, size_t len, const char *what) {
    CCS_ENSURE(memchr(p, 0, len) == NULL, CCS_ERR_FORMAT, "tar: %s holds a NUL byte", what);
    CCS_ENSURE(len < PATH_MAX, CCS_ERR_POLICY, "tar: %s is longer than PATH_MAX", what);
    char *s = malloc(len + 1);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "tar: out of memory");
    memcpy(s, p, len);
    s[len] = 0;
    free(*dst);
    *dst = s;
    return CCS_OK;
}

/* What the extensions before the next real entry said. */
typedef struct overrides {
    char *path, *linkpath;
    bool has_size, has_mtime, has_uid, has_gid;
    uint64_t size, uid, gid;
    int64_t mtime;
} overrides;

static ccs_status decimal(const uint8_t *p, size_t len, bool frac_ok, const char *what, uint64_t *out) {
    uint64_t v = 0;
    size_t i = 0;
    CCS_ENSURE(len > 0, CCS_ERR_FORMAT, "tar: PAX %s is empty", what);
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        CCS_ENSURE(v <= (UINT64_MAX - 9) / 10, CCS_ERR_OVERFLOW, "tar: PAX %s overflows", what);
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    CCS_ENSURE(i > 0, CCS_ERR_FORMAT, "tar: PAX %s is not a decimal number", what);
    if (i < len && frac_ok && p[i] == '.') /* seconds.fraction: the fraction is dropped */
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {}
    CCS_ENSURE(i == len, CCS_ERR_FORMAT, "tar: PAX %s is not a decimal number", what);
    *out = v;
    return CCS_OK;
}

/* PAX records: "LEN key=value\n", LEN counting the whole record. */
static ccs_status pax_parse(ccs_bytes data, overrides *o) {
    ccs_reader r;
    ccs_reader_init(&r, data);
    while (ccs_reader_remaining(&r) > 0) {
        ccs_bytes rest = ccs_bytes_of(r.ptr + r.off, ccs_reader_remaining(&r));
        const uint8_t *sp = memchr(rest.ptr, ' ', rest.len < 24 ? rest.len : 24);
        CCS_ENSURE(sp != NULL, CCS_ERR_FORMAT, "tar: PAX record without a length");
        uint64_t len;
        CCS_TRY(decimal(rest.ptr, (size_t)(sp - rest.ptr), false, "record length", &len));
        ccs_bytes rec;
        CCS_ENSURE(len > (uint64_t)(sp - rest.ptr) + 2 && len <= rest.len, CCS_ERR_FORMAT, "tar: PAX record length %llu",
                   (unsigned long long)len);
        CCS_TRY(ccs_reader_bytes(&r, (size_t)len, &rec));
        CCS_ENSURE(rec.ptr[rec.len - 1] == '\n', CCS_ERR_FORMAT, "tar: PAX record not ended by a newline");
        const uint8_t *kv = sp + 1, *end = rec.ptr + rec.len - 1;
        const uint8_t *eq = memchr(kv, '=', (size_t)(end - kv));
        CCS_ENSURE(eq != NULL && eq > kv, CCS_ERR_FORMAT, "tar: PAX record without key=value");
        size_t klen = (size_t)(eq - kv), vlen = (size_t)(end - eq - 1);
        const uint8_t *v = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(kv, k, klen) == 0)
        if (KEY("path")) {
            CCS_TRY(set_name(&o->path, v, vlen, "PAX path"));
        } else if (KEY("linkpath")) {
            CCS_TRY(set_name(&o->linkpath, v, vlen, "PAX linkpath"));
        } else if (KEY("size")) {
            CCS_TRY(decimal(v, vlen, false, "size", &o->size));
            o->has_size = true;
        } else if (KEY("mtime")) {
            uint64_t t;
            CCS_TRY(decimal(v, vlen, true, "mtime", &t)); /* negative times are not accepted */
            CCS_ENSURE(t <= INT64_MAX, CCS_ERR_OVERFLOW, "tar: PAX mtime overflows");
            o->mtime = (int64_t)t;
            o->has_mtime = true;
        } else if (KEY("uid")) {
            CCS_TRY(decimal(v, vlen, false, "uid", &o->uid));
            o->has_uid = true;
        } else if (KEY("gid")) {
            CCS_TRY(decimal(v, vlen, false, "gid", &o->gid));
            o->has_gid = true;
        } /* other keys (atime, xattrs, uname, ...) are not used */
#undef KEY
    }
    return CCS_OK;
}

static ccs_status skip(ccs_tar_reader *r, uint64_t n) {
    uint8_t buf[CCS_TAR_BLOCK];
    while (n > 0) {
        size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
        CCS_TRY(ccs__tar_stream_read(r->s, buf, k));
        n -= k;
    }
    return CCS_OK;
}

static uint64_t padding(uint64_t size) { return (CCS_TAR_BLOCK - size % CCS_TAR_BLOCK) % CCS_TAR_BLOCK; }

/* The data of an extension header (at most CCS_UNPACK_META_MAX bytes). */
static ccs_status meta_data(ccs_tar_reader *r, uint64_t size, ccs_buf *out) {
    CCS_ENSURE(size <= CCS_UNPACK_META_MAX, CCS_ERR_OVERFLOW, "tar: an extension header of %llu bytes",
               (unsigned long long)size);
    /* A stream of extension headers is decompression work too: it counts. */
    CCS_ENSURE(size <= r->max_total - *r->total, CCS_ERR_OVERFLOW, "tar: more than %llu bytes in all (the total limit)",
               (unsigned long long)r->max_total);
    *r->total += size;
    out->len = 0;
    CCS_TRY(ccs_buf_reserve(out, (size_t)size + 1));
    CCS_TRY(ccs__tar_stream_read(r->s, out->ptr, (size_t)size));
    out->len = (size_t)size;
    return skip(r, padding(size));
}

static ccs_status map_type(uint8_t t, ccs_tar_type *out) {
    switch (t) {
    case '0': case 0: case '7': *out = CCS_TAR_FILE; return CCS_OK;
    case '1': *out = CCS_TAR_HARDLINK; return CCS_OK;
    case '2': *out = CCS_TAR_SYMLINK; return CCS_OK;
    case '3': *out = CCS_TAR_CHAR; return CCS_OK;
    case '4': *out = CCS_TAR_BLOCK_DEV; return CCS_OK;
    case '5': *out = CCS_TAR_DIR; return CCS_OK;
    case '6': *out = CCS_TAR_FIFO; return CCS_OK;
    default:
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "tar: entry type '%c' (0x%02x) is not supported",
                 t >= 0x20 && t < 0x7f ? t : '?', t);
    }
}

/* The real entry in header h, with the overrides applied. */
static ccs_status build_entry(ccs_tar_reader *r, const uint8_t *h, overrides *o) {
    ccs_tar_entry *e = &r->e;
    uint64_t mode, uid, gid, size, mtime, maj, min;
    CCS_TRY(map_type(h[H_TYPE], &e->type));
    CCS_TRY(number(h + H_MODE, 8, "mode", &mode));
    CCS_TRY(number(h + H_UID, 8, "uid", &uid));
    CCS_TRY(number(h + H_GID, 8, "gid", &gid));
    CCS_TRY(number(h + H_SIZE, 12, "size", &size));
    CCS_TRY(number(h + H_MTIME, 12, "mtime", &mtime));
    CCS_TRY(number(h + H_DEVMAJOR, 8, "devmajor", &maj));
    CCS_TRY(number(h + H_DEVMINOR, 8, "devminor", &min));
    if (o->has_size) size = o->size;
    if (o->has_uid) uid = o->uid;
    if (o->has_gid) gid = o->gid;
    e->mtime = o->has_mtime ? o->mtime : (int64_t)mtime;
    CCS_ENSURE(uid <= UINT32_MAX && gid <= UINT32_MAX && maj <= UINT32_MAX && min <= UINT32_MAX, CCS_ERR_OVERFLOW,
               "tar: uid, gid or device number over 32 bits");
    e->mode = (uint32_t)(mode & 07777);
    e->uid = (int64_t)uid;
    e->gid = (int64_t)gid;
    e->devmajor = (uint32_t)maj;
    e->devminor = (uint32_t)min;
    /* Links, directories and devices carry no data here (a hard link's
     * size field is ignored, as GNU tar does). */
    e->size = e->type == CCS_TAR_FILE ? size : 0;
    CCS_ENSURE(size <= r->max_file, CCS_ERR_OVERFLOW, "tar: a file of %llu bytes is over the limit of %llu",
               (unsigned long long)size, (unsigned long long)r->max_file);
    if (o->path) {
        e->path = o->path;
        o->path = NULL;
    } else if (memcmp(h + H_MAGIC, "ustar\0", 6) == 0 && h[H_PREFIX] != 0) {
        char full[256 + 1];
        size_t pl = strnlen((const char *)h + H_PREFIX, 155), nl = strnlen((const char *)h + H_NAME, 100);
        memcpy(full, h + H_PREFIX, pl);
        full[pl] = '/';
        memcpy(full + pl + 1, h + H_NAME, nl);
        CCS_TRY(set_name(&e->path, (const uint8_t *)full, pl + 1 + nl, "name"));
    } else {
        CCS_TRY(field_str(h + H_NAME, 100, &e->path));
    }
    if (o->linkpath) {
        e->linkpath = o->linkpath;
        o->linkpath = NULL;
    } else {
        CCS_TRY(field_str(h + H_LINK, 100, &e->linkpath));
    }
    CCS_ENSURE(e->path[0] != 0, CCS_ERR_FORMAT, "tar: an entry with an empty name");
    r->left = size; /* a hard link with a size still has that data to skip */
    r->pad = padding(size);
    return CCS_OK;
}

static void overrides_free(overrides *o) {
    free(o->path);
    free(o->linkpath);
}

static ccs_status next(ccs_tar_reader *r, overrides *o, ccs_buf *meta, bool *end) {
    uint8_t h[CCS_TAR_BLOCK];
    for (;;) {
        CCS_TRY(ccs__tar_stream_read(r->s, h, sizeof h));
        if (ccs_bytes_is_zero(ccs_bytes_of(h, sizeof h))) {
            /* the end-of-archive marker: a second zero block */
            CCS_TRY(ccs__tar_stream_read(r->s, h, sizeof h));
            CCS_ENSURE(ccs_bytes_is_zero(ccs_bytes_of(h, sizeof h)), CCS_ERR_FORMAT,
                       "tar: a zero block in the middle of the archive");
            CCS_ENSURE(o->path == NULL && o->linkpath == NULL && !o->has_size, CCS_ERR_FORMAT,
                       "tar: an extension header without its entry");
            r->done = *end = true;
            return ccs__tar_stream_drain(r->s, CCS_TAR_TRAILER_MAX);
        }
        CCS_ENSURE(memcmp(h + H_MAGIC, "ustar\0", 6) == 0 || memcmp(h + H_MAGIC, "ustar  \0", 8) == 0,
                   CCS_ERR_FORMAT, "tar: a header without the ustar magic");
        CCS_TRY(check_sum(h));
        CCS_ENSURE(*r->entries < r->max_entries, CCS_ERR_OVERFLOW, "tar: more than %llu entries",
                   (unsigned long long)r->max_entries);
        (*r->entries)++;
        uint8_t t = h[H_TYPE];
        if (t != 'L' && t != 'K' && t != 'x' && t != 'g') return build_entry(r, h, o);
        uint64_t size;
        CCS_TRY(number(h + H_SIZE, 12, "size", &size));
        CCS_TRY(meta_data(r, size, meta));
        if (t == 'x') {
            CCS_TRY(pax_parse(ccs_buf_view(meta), o));
        } else if (t == 'L' || t == 'K') { /* the name, NUL-terminated within the data */
            size_t len = strnlen((const char *)meta->ptr, meta->len);
            CCS_TRY(set_name(t == 'L' ? &o->path : &o->linkpath, meta->ptr, len, t == 'L' ? "GNU long name" : "GNU long link"));
        } /* 'g': global PAX headers are not used */
    }
}

ccs_status ccs__tar_next(ccs_tar_reader *r, bool *end) {
    *end = false;
    CCS_ENSURE(!r->done, CCS_ERR_INTERNAL, "tar: read past the end");
    CCS_TRY(skip(r, r->left + r->pad));
    r->left = r->pad = 0;
    entry_clear(&r->e);
    overrides o = {0};
    ccs_buf meta = {0};
    ccs_status st = next(r, &o, &meta, end);
    overrides_free(&o);
    ccs_buf_free(&meta);
    return st;
}

ccs_status ccs__tar_data(ccs_tar_reader *r, uint8_t *dst, size_t cap, size_t *got) {
    size_t k = r->left < cap ? (size_t)r->left : cap;
    CCS_TRY(ccs__tar_stream_read(r->s, dst, k));
    r->left -= k;
    *got = k;
    return CCS_OK;
}
