/* The bounded reader: the only way CCS reads untrusted binary input. A failed
 * read leaves the reader where it was (s2n stuffer discipline). */
#include <string.h>

#include "ccs/core.h"

void ccs_reader_init(ccs_reader *r, ccs_bytes in) {
    r->ptr = in.ptr;
    r->len = in.len;
    r->off = 0;
}

size_t ccs_reader_remaining(const ccs_reader *r) { return r->len - r->off; }

static ccs_status need(const ccs_reader *r, size_t n) {
    if (n > r->len - r->off)
        CCS_BAIL(CCS_ERR_TRUNCATED, "input truncated: need %zu bytes at offset %zu, have %zu", n, r->off,
                 r->len - r->off);
    return CCS_OK;
}

ccs_status ccs_reader_u8(ccs_reader *r, uint8_t *out) {
    CCS_TRY(need(r, 1));
    *out = r->ptr[r->off++];
    return CCS_OK;
}

ccs_status ccs_reader_u16le(ccs_reader *r, uint16_t *out) {
    CCS_TRY(need(r, 2));
    const uint8_t *p = r->ptr + r->off;
    *out = (uint16_t)(p[0] | (p[1] << 8));
    r->off += 2;
    return CCS_OK;
}

ccs_status ccs_reader_u32le(ccs_reader *r, uint32_t *out) {
    CCS_TRY(need(r, 4));
    const uint8_t *p = r->ptr + r->off;
    *out = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    r->off += 4;
    return CCS_OK;
}

ccs_status ccs_reader_u64le(ccs_reader *r, uint64_t *out) {
    CCS_TRY(need(r, 8));
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | r->ptr[r->off + (size_t)i];
    *out = v;
    r->off += 8;
    return CCS_OK;
}

ccs_status ccs_reader_bytes(ccs_reader *r, size_t n, ccs_bytes *out) {
    CCS_TRY(need(r, n));
    *out = ccs_bytes_of(r->ptr ? r->ptr + r->off : r->ptr, n);
    r->off += n;
    return CCS_OK;
}

ccs_status ccs_reader_copy(ccs_reader *r, void *dst, size_t n) {
    CCS_TRY(need(r, n));
    if (n) memcpy(dst, r->ptr + r->off, n);
    r->off += n;
    return CCS_OK;
}

ccs_status ccs_reader_skip(ccs_reader *r, size_t n) {
    CCS_TRY(need(r, n));
    r->off += n;
    return CCS_OK;
}

ccs_status ccs_reader_sub(ccs_reader *r, size_t n, ccs_reader *child) {
    ccs_bytes b;
    CCS_TRY(ccs_reader_bytes(r, n, &b));
    ccs_reader_init(child, b);
    return CCS_OK;
}

ccs_bytes ccs_reader_rest(ccs_reader *r) {
    ccs_bytes b = ccs_bytes_of(r->ptr ? r->ptr + r->off : r->ptr, r->len - r->off);
    r->off = r->len;
    return b;
}

ccs_status ccs_reader_expect_end(const ccs_reader *r) {
    if (r->off != r->len) CCS_BAIL(CCS_ERR_TRAILING, "%zu unexpected trailing bytes", r->len - r->off);
    return CCS_OK;
}
