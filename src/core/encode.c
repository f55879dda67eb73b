/* Hex and base64 (RFC 4648). Small enough that a dependency is not worth it,
 * and core must not include OpenSSL. */
#include <string.h>

#include "ccs/core.h"

static const char hexdig[] = "0123456789abcdef";

ccs_status ccs_hex_encode(ccs_bytes in, char *out, size_t cap) {
    size_t need = 0;
    CCS_TRY(ccs_size_mul(in.len, 2, &need));
    CCS_ENSURE(cap > need, CCS_ERR_INVALID_ARG, "hex output buffer too small");
    for (size_t i = 0; i < in.len; i++) {
        out[2 * i] = hexdig[in.ptr[i] >> 4];
        out[2 * i + 1] = hexdig[in.ptr[i] & 15];
    }
    out[need] = '\0';
    return CCS_OK;
}

ccs_status ccs_hex_append(ccs_buf *out, ccs_bytes in) {
    size_t need = 0;
    CCS_TRY(ccs_size_mul(in.len, 2, &need));
    CCS_TRY(ccs_buf_reserve(out, need));
    CCS_TRY(ccs_hex_encode(in, (char *)out->ptr + out->len, out->cap - out->len));
    out->len += need;
    return CCS_OK;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

ccs_status ccs_hex_decode(const char *hex, size_t len, ccs_buf *out) {
    CCS_ENSURE(len % 2 == 0, CCS_ERR_FORMAT, "hex string has odd length %zu", len);
    CCS_TRY(ccs_buf_reserve(out, len / 2));
    const size_t start = out->len;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        if (hi < 0 || lo < 0) { /* as the base64 decoder: out as it was */
            explicit_bzero(out->ptr + start, out->len - start);
            out->len = start;
            out->ptr[out->len] = 0;
            CCS_BAIL(CCS_ERR_FORMAT, "invalid hex digit at offset %zu", i);
        }
        out->ptr[out->len++] = (uint8_t)(hi << 4 | lo);
    }
    out->ptr[out->len] = 0;
    return CCS_OK;
}

ccs_status ccs_hex_decode_fixed(const char *hex, size_t len, uint8_t *dst, size_t n) {
    CCS_ENSURE(len == 2 * n, CCS_ERR_FORMAT, "hex string has length %zu, expected %zu", len, 2 * n);
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        CCS_ENSURE(hi >= 0 && lo >= 0, CCS_ERR_FORMAT, "invalid hex digit at offset %zu", 2 * i);
        dst[i] = (uint8_t)(hi << 4 | lo);
    }
    return CCS_OK;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

ccs_status ccs_base64_encode(ccs_bytes in, ccs_buf *out) {
    size_t groups = in.len / 3 + (in.len % 3 != 0), need = 0;
    CCS_TRY(ccs_size_mul(groups, 4, &need));
    CCS_TRY(ccs_buf_reserve(out, need));
    char *o = (char *)out->ptr + out->len;
    size_t i = 0;
    for (; i + 3 <= in.len; i += 3) {
        uint32_t v = (uint32_t)in.ptr[i] << 16 | (uint32_t)in.ptr[i + 1] << 8 | in.ptr[i + 2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (i < in.len) {
        uint32_t v = (uint32_t)in.ptr[i] << 16 | (i + 1 < in.len ? (uint32_t)in.ptr[i + 1] << 8 : 0);
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < in.len ? b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len += need;
    out->ptr[out->len] = 0;
    return CCS_OK;
}

/* Decoding tables (value + 1; 0 marks a character outside the alphabet), so
 * decoding is one load per character instead of a search. */
typedef struct b64_table {
    uint8_t v[256];
} b64_table;

static b64_table make_table(const char *alphabet) {
    b64_table t = {{0}};
    for (int i = 0; i < 64; i++) t.v[(uint8_t)alphabet[i]] = (uint8_t)(i + 1);
    return t;
}

static const b64_table *std_table(void) {
    static b64_table t;
    static bool ready; /* benign: every thread computes the same bytes */
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        t = make_table(b64);
        __atomic_store_n(&ready, true, __ATOMIC_RELEASE);
    }
    return &t;
}

static int b64val(char c) { return (int)std_table()->v[(uint8_t)c] - 1; }

/* The quanta before the last one (which alone may carry padding), four
 * table loads each and one test for a character outside the alphabet; an
 * invalid one stops here, at its quantum, for the careful loop to name. */
static size_t b64_bulk(const b64_table *t, const char *in, size_t len, uint8_t *o) {
    size_t i = 0;
    for (; i + 4 < len; i += 4) {
        const uint8_t *c = (const uint8_t *)in + i;
        uint32_t a = t->v[c[0]], b = t->v[c[1]], d = t->v[c[2]], e = t->v[c[3]];
        if (((a - 1) | (b - 1) | (d - 1) | (e - 1)) > 63) break; /* a 0 entry wraps to 0xffffffff */
        uint32_t w = (a - 1) << 18 | (b - 1) << 12 | (d - 1) << 6 | (e - 1);
        o[0] = (uint8_t)(w >> 16), o[1] = (uint8_t)(w >> 8), o[2] = (uint8_t)w;
        o += 3;
    }
    return i;
}

/* The quanta from i on, one character at a time: padding only in the last
 * quantum, and the error naming the first bad character's offset. */
static ccs_status b64_careful(const char *in, size_t i, size_t len, ccs_buf *out) {
    for (; i < len; i += 4) {
        int v[4];
        size_t pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = in[i + (size_t)k];
            bool last = i + 4 == len;
            if (c == '=' && last && k >= 2 && (k == 3 || in[i + 3] == '=')) {
                v[k] = 0;
                pad++;
                continue;
            }
            v[k] = b64val(c);
            CCS_ENSURE(v[k] >= 0 && pad == 0, CCS_ERR_FORMAT, "invalid base64 at offset %zu", i + (size_t)k);
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        /* Canonical encoding only: the unused bits before padding must be zero. */
        CCS_ENSURE(!(pad == 1 && (w & 0xff)) && !(pad == 2 && (w & 0xffff)), CCS_ERR_FORMAT,
                   "non-canonical base64 padding");
        out->ptr[out->len++] = (uint8_t)(w >> 16);
        if (pad < 2) out->ptr[out->len++] = (uint8_t)(w >> 8);
        if (pad < 1) out->ptr[out->len++] = (uint8_t)w;
    }
    return CCS_OK;
}

ccs_status ccs_base64_decode(const char *in, size_t len, ccs_buf *out) {
    CCS_ENSURE(len % 4 == 0, CCS_ERR_FORMAT, "base64 length %zu is not a multiple of 4", len);
    CCS_TRY(ccs_buf_reserve(out, len / 4 * 3));
    const size_t before = out->len, done = b64_bulk(std_table(), in, len, out->ptr + out->len);
    out->len += done / 4 * 3;
    ccs_status st = b64_careful(in, done, len, out);
    if (st != CCS_OK) out->len = before; /* nothing of bad input is kept */
    out->ptr[out->len] = 0;
    return st;
}

/* ---- base64url (RFC 4648 section 5), unpadded, canonical ------------------------ */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const b64_table *url_table(void) {
    static b64_table t;
    static bool ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        t = make_table(b64url);
        __atomic_store_n(&ready, true, __ATOMIC_RELEASE);
    }
    return &t;
}

ccs_status ccs_base64url_encode(ccs_bytes in, ccs_buf *out) {
    size_t need = in.len / 3 * 4 + (in.len % 3 ? in.len % 3 + 1 : 0);
    CCS_TRY(ccs_buf_reserve(out, need));
    char *o = (char *)out->ptr + out->len;
    size_t i = 0;
    for (; i + 3 <= in.len; i += 3) {
        uint32_t v = (uint32_t)in.ptr[i] << 16 | (uint32_t)in.ptr[i + 1] << 8 | in.ptr[i + 2];
        *o++ = b64url[v >> 18];
        *o++ = b64url[(v >> 12) & 63];
        *o++ = b64url[(v >> 6) & 63];
        *o++ = b64url[v & 63];
    }
    if (i < in.len) {
        uint32_t v = (uint32_t)in.ptr[i] << 16 | (i + 1 < in.len ? (uint32_t)in.ptr[i + 1] << 8 : 0);
        *o++ = b64url[v >> 18];
        *o++ = b64url[(v >> 12) & 63];
        if (i + 1 < in.len) *o++ = b64url[(v >> 6) & 63];
    }
    out->len += need;
    out->ptr[out->len] = 0;
    return CCS_OK;
}

ccs_status ccs_base64url_decode(const char *in, size_t len, ccs_buf *out) {
    const b64_table *t = url_table();
    CCS_ENSURE(in != NULL || len == 0, CCS_ERR_INVALID_ARG, "base64url: NULL input");
    CCS_ENSURE(len % 4 != 1, CCS_ERR_FORMAT, "base64url: impossible length %zu", len);
    size_t n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    CCS_TRY(ccs_buf_reserve(out, n));
    uint8_t *o = out->ptr + out->len;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t v = t->v[(uint8_t)in[i]];
        CCS_ENSURE(v != 0, CCS_ERR_FORMAT, "base64url: character 0x%02x at %zu not allowed", (uint8_t)in[i], i);
        acc = acc << 6 | (uint32_t)(v - 1);
        if (i % 4 == 3) {
            *o++ = (uint8_t)(acc >> 16);
            *o++ = (uint8_t)(acc >> 8);
            *o++ = (uint8_t)acc;
            acc = 0;
        }
    }
    /* Canonical: the unused low bits of the last character are zero, so there
     * is exactly one encoding per value (no malleable tokens). */
    if (len % 4 == 2) {
        CCS_ENSURE((acc & 0x0F) == 0, CCS_ERR_FORMAT, "base64url: non-canonical final character");
        *o++ = (uint8_t)(acc >> 4);
    } else if (len % 4 == 3) {
        CCS_ENSURE((acc & 0x03) == 0, CCS_ERR_FORMAT, "base64url: non-canonical final character");
        *o++ = (uint8_t)(acc >> 10);
        *o++ = (uint8_t)(acc >> 2);
    }
    out->len += n;
    out->ptr[out->len] = 0;
    return CCS_OK;
}
