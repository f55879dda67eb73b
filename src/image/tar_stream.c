/* A layer's bytes as a stream of decompressed bytes: plain, gzip (RFC 1952,
 * concatenated members allowed) or zstd (RFC 8878). The input is in memory;
 * the output is produced in small chunks, so a compression bomb costs no
 * more memory than an honest layer: the tar reader's limits stop it.
 * gzip goes through ISA-L's igzip (Debian libisal): the header parsed and
 * the CRC-32 and length checked by it, about twice zlib's inflate speed,
 * which is most of the CPU an image pull with --unpack spends. */
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "ccs/crypto.h"
#include "tar.h"

#define CHUNK 65536

struct ccs_tar_stream {
    ccs_unpack_compression c;
    ccs_bytes in;
    size_t in_off;
    struct inflate_state *iz; /* gzip; NULL otherwise */
    bool z_end;               /* a gzip member or a zstd frame ended; another may follow */
    ZSTD_DStream *zs;
    uint8_t *out;
    size_t out_len, out_off;
    ccs_tar_hasher *hw; /* the diff_id's hashing thread, when asked for */
};

static const uint8_t GZIP_MAGIC[2] = {0x1f, 0x8b};
static const uint8_t ZSTD_MAGIC[4] = {0x28, 0xb5, 0x2f, 0xfd};

static bool starts(ccs_bytes in, const uint8_t *m, size_t n) { return in.len >= n && memcmp(in.ptr, m, n) == 0; }

static ccs_status check_magic(ccs_bytes in, ccs_unpack_compression c) {
    bool gz = starts(in, GZIP_MAGIC, 2), zs = starts(in, ZSTD_MAGIC, 4);
    switch (c) {
    case CCS_UNPACK_GZIP:
        CCS_ENSURE(gz, CCS_ERR_FORMAT, "layer: the media type says gzip but the blob has no gzip magic bytes");
        break;
    case CCS_UNPACK_ZSTD:
        CCS_ENSURE(zs, CCS_ERR_FORMAT, "layer: the media type says zstd but the blob has no zstd magic bytes");
        break;
    default:
        CCS_ENSURE(!gz && !zs, CCS_ERR_FORMAT, "layer: the media type says an uncompressed tar but the blob is %s",
                   gz ? "gzip" : "zstd");
    }
    return CCS_OK;
}

ccs_status ccs__tar_stream_new(ccs_bytes in, ccs_unpack_compression c, ccs_tar_stream **out) {
    *out = NULL;
    CCS_TRY(check_magic(in, c));
    ccs_tar_stream *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "layer: out of memory");
    s->c = c;
    s->in = in;
    if (c != CCS_UNPACK_PLAIN && (s->out = malloc(CHUNK)) == NULL) {
        free(s);
        CCS_BAIL(CCS_ERR_NOMEM, "layer: out of memory");
    }
    if (c == CCS_UNPACK_GZIP) {
        if ((s->iz = malloc(sizeof *s->iz)) == NULL) {
            ccs__tar_stream_free(s);
            CCS_BAIL(CCS_ERR_NOMEM, "layer: out of memory");
        }
        isal_inflate_init(s->iz);
        s->iz->crc_flag = ISAL_GZIP;
    } else if (c == CCS_UNPACK_ZSTD) {
        s->zs = ZSTD_createDStream();
        if (s->zs == NULL || ZSTD_isError(ZSTD_initDStream(s->zs))) {
            ccs__tar_stream_free(s);
            CCS_BAIL(CCS_ERR_NOMEM, "layer: zstd init failed");
        }
    }
    *out = s;
    return CCS_OK;
}

void ccs__tar_stream_free(ccs_tar_stream *s) {
    if (s == NULL) return;
    ccs__tar_hasher_finish(s->hw);
    free(s->iz);
    ZSTD_freeDStream(s->zs);
    free(s->out);
    free(s);
}

static const char *isal_error(int r) {
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    case ISAL_NEED_DICT: return "a preset dictionary is needed";
    default: return "the stream is invalid";
    }
}

/* One more chunk of output into s->out (out_len 0: the input is spent). */
static ccs_status fill_gzip(ccs_tar_stream *s) {
    s->out_len = s->out_off = 0;
    while (s->out_len == 0 && s->in_off < s->in.len) {
        if (s->z_end) { /* another member follows (RFC 1952 2.2) */
            CCS_ENSURE(starts(ccs_bytes_of(s->in.ptr + s->in_off, s->in.len - s->in_off), GZIP_MAGIC, 2),
                       CCS_ERR_FORMAT, "layer: trailing bytes after the gzip stream");
            isal_inflate_reset(s->iz);
            s->iz->crc_flag = ISAL_GZIP;
            s->z_end = false;
        }
        size_t avail = s->in.len - s->in_off;
        s->iz->next_in = (uint8_t *)(uintptr_t)(s->in.ptr + s->in_off);
        s->iz->avail_in = avail > UINT32_MAX ? UINT32_MAX : (uint32_t)avail;
        s->iz->next_out = s->out;
        s->iz->avail_out = CHUNK;
        int r = isal_inflate(s->iz);
        size_t used = (size_t)(s->iz->next_in - (s->in.ptr + s->in_off));
        s->in_off += used;
        s->out_len = CHUNK - s->iz->avail_out;
        CCS_ENSURE(r == ISAL_DECOMP_OK, CCS_ERR_FORMAT, "layer: gzip: %s", isal_error(r));
        if (s->iz->block_state == ISAL_BLOCK_FINISH) s->z_end = true;
        else CCS_ENSURE(used > 0 || s->out_len > 0, CCS_ERR_FORMAT, "layer: gzip makes no progress");
    }
    CCS_ENSURE(s->out_len > 0 || s->z_end, CCS_ERR_TRUNCATED, "layer: the gzip stream ends early");
    return CCS_OK;
}

static ccs_status fill_zstd(ccs_tar_stream *s) {
    s->out_len = s->out_off = 0;
    size_t last = 1;
    while (s->out_len == 0 && s->in_off < s->in.len) {
        ZSTD_inBuffer ib = {s->in.ptr, s->in.len, s->in_off};
        ZSTD_outBuffer ob = {s->out, CHUNK, 0};
        last = ZSTD_decompressStream(s->zs, &ob, &ib);
        CCS_ENSURE(!ZSTD_isError(last), CCS_ERR_FORMAT, "layer: zstd: %s", ZSTD_getErrorName(last));
        CCS_ENSURE(ib.pos > s->in_off || ob.pos > 0, CCS_ERR_FORMAT, "layer: zstd makes no progress");
        s->in_off = ib.pos;
        s->out_len = ob.pos;
        s->z_end = last == 0; /* a frame decoded and flushed */
    }
    if (s->out_len == 0 && s->in_off >= s->in.len && !s->z_end) { /* flush what the decoder still holds */
        ZSTD_inBuffer ib = {s->in.ptr, s->in.len, s->in_off};
        ZSTD_outBuffer ob = {s->out, CHUNK, 0};
        last = ZSTD_decompressStream(s->zs, &ob, &ib);
        CCS_ENSURE(!ZSTD_isError(last), CCS_ERR_FORMAT, "layer: zstd: %s", ZSTD_getErrorName(last));
        s->out_len = ob.pos;
        s->z_end = last == 0;
        CCS_ENSURE(s->out_len > 0 || last == 0, CCS_ERR_TRUNCATED, "layer: the zstd stream ends early");
    }
    return CCS_OK;
}

static ccs_status fill(ccs_tar_stream *s) {
    CCS_TRY(s->c == CCS_UNPACK_GZIP ? fill_gzip(s) : fill_zstd(s));
    if (s->hw != NULL && s->out_len > 0) ccs__tar_hasher_push(s->hw, s->out, s->out_len);
    return CCS_OK;
}

ccs_status ccs__tar_stream_hash(ccs_tar_stream *s, ccs_sha256_stream *h) {
    CCS_TRY(ccs__tar_hasher_start(h, &s->hw));
    /* uncompressed: the stream is the blob, all of it (drain reads it to the end) */
    if (s->c == CCS_UNPACK_PLAIN && s->in.len > 0) ccs__tar_hasher_push_ref(s->hw, s->in.ptr, s->in.len);
    return CCS_OK;
}

void ccs__tar_stream_hash_end(ccs_tar_stream *s) {
    ccs__tar_hasher_finish(s->hw);
    s->hw = NULL;
}

ccs_status ccs__tar_stream_read(ccs_tar_stream *s, uint8_t *dst, size_t n) {
    if (s->c == CCS_UNPACK_PLAIN) {
        CCS_ENSURE(s->in.len - s->in_off >= n, CCS_ERR_TRUNCATED, "layer: the archive ends early");
        memcpy(dst, s->in.ptr + s->in_off, n);
        s->in_off += n;
        return CCS_OK;
    }
    while (n > 0) {
        if (s->out_off == s->out_len) {
            CCS_TRY(fill(s));
            CCS_ENSURE(s->out_len > 0, CCS_ERR_TRUNCATED, "layer: the archive ends early");
        }
        size_t k = s->out_len - s->out_off < n ? s->out_len - s->out_off : n;
        memcpy(dst, s->out + s->out_off, k);
        s->out_off += k;
        dst += k;
        n -= k;
    }
    return CCS_OK;
}

ccs_status ccs__tar_stream_at_end(ccs_tar_stream *s, bool *eof) {
    if (s->c == CCS_UNPACK_PLAIN) {
        *eof = s->in_off == s->in.len;
        return CCS_OK;
    }
    if (s->out_off == s->out_len) CCS_TRY(fill(s));
    *eof = s->out_off == s->out_len;
    return CCS_OK;
}

/* After the end-of-archive marker the rest of the stream (a tar writer's
 * padding to its record size) is read and dropped, so that a compressed
 * layer is checked to its end (gzip's CRC-32 and length, zstd's frame
 * checksum) as containerd does; at most max bytes, so that no bomb hides
 * there. */
ccs_status ccs__tar_stream_drain(ccs_tar_stream *s, size_t max) {
    size_t n = s->c == CCS_UNPACK_PLAIN ? s->in.len - s->in_off : s->out_len - s->out_off;
    for (;;) {
        CCS_ENSURE(n <= max, CCS_ERR_FORMAT, "layer: more than %zu bytes after the end-of-archive marker", max);
        if (s->c == CCS_UNPACK_PLAIN) {
            s->in_off = s->in.len;
            return CCS_OK;
        }
        s->out_off = s->out_len;
        CCS_TRY(fill(s));
        if (s->out_len == 0) return CCS_OK;
        n += s->out_len;
    }
}
