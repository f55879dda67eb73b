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
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        CCS_ENSURE(hi >= 0 && lo >= 0, CCS_ERR_FORMAT, "invalid hex digit at offset %zu", i);
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

static int b64val(char c) {
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

ccs_status ccs_base64_decode(const char *in, size_t len, ccs_buf *out) {
    CCS_ENSURE(len % 4 == 0, CCS_ERR_FORMAT, "base64 length %zu is not a multiple of 4", len);
    CCS_TRY(ccs_buf_reserve(out, len / 4 * 3));
    for (size_t i = 0; i < len; i += 4) {
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
    out->ptr[out->len] = 0;
    return CCS_OK;
}
