/* Locating the exact bytes of a JSON member value. Intel signs the served
 * text of "tcbInfo" / "enclaveIdentity" (PCS API, "Signature"), so the
 * verifier must hash those bytes as they are, never a re-serialisation.
 * jansson parses the values; this scanner only finds where a value starts and
 * ends, following RFC 8259's grammar strictly. */
#include <stdint.h>
#include <string.h>

#include "ccs/core.h"

#define MAX_DEPTH 64

typedef struct scan {
    const uint8_t *p;
    size_t len, off;
} scan;

static void ws(scan *s) {
    while (s->off < s->len) {
        uint8_t c = s->p[s->off];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        s->off++;
    }
}

static bool peek(const scan *s, uint8_t c) { return s->off < s->len && s->p[s->off] == c; }

static ccs_status bad(const scan *s) { CCS_BAIL(CCS_ERR_FORMAT, "malformed JSON at offset %zu", s->off); }

/* Eight bytes at a time while none of them can end the string or be an
 * error: no '"', no '\\', nothing below 0x20 (SWAR tests that may report a
 * byte falsely, never miss one; the byte loop then decides). A request's
 * base64 quote is thousands of such bytes. */
static void skip_plain(scan *s) {
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (s->len - s->off >= 8) {
        uint64_t x;
        memcpy(&x, s->p + s->off, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x);
        if (hit & highs) return;
        s->off += 8;
    }
}

static ccs_status skip_string(scan *s) {
    if (!peek(s, '"')) return bad(s);
    s->off++;
    while (s->off < s->len) {
        skip_plain(s);
        if (s->off >= s->len) break;
        uint8_t c = s->p[s->off++];
        if (c == '"') return CCS_OK;
        if (c < 0x20) return bad(s);
        if (c != '\\') continue;
        if (s->off >= s->len) break;
        c = s->p[s->off++];
        if (c == 'u') {
            for (int i = 0; i < 4; i++, s->off++) {
                if (s->off >= s->len) return bad(s);
                uint8_t h = s->p[s->off];
                bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
                if (!hex) return bad(s);
            }
        } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
            return bad(s);
        }
    }
    return bad(s);
}

static ccs_status skip_number(scan *s) {
    size_t start = s->off;
    if (peek(s, '-')) s->off++;
    if (peek(s, '0')) {
        s->off++;
    } else {
        size_t d = s->off;
        while (s->off < s->len && s->p[s->off] >= '0' && s->p[s->off] <= '9') s->off++;
        if (d == s->off) return bad(s);
    }
    if (peek(s, '.')) {
        s->off++;
        size_t d = s->off;
        while (s->off < s->len && s->p[s->off] >= '0' && s->p[s->off] <= '9') s->off++;
        if (d == s->off) return bad(s);
    }
    if (peek(s, 'e') || peek(s, 'E')) {
        s->off++;
        if (peek(s, '+') || peek(s, '-')) s->off++;
        size_t d = s->off;
        while (s->off < s->len && s->p[s->off] >= '0' && s->p[s->off] <= '9') s->off++;
        if (d == s->off) return bad(s);
    }
    return s->off > start ? CCS_OK : bad(s);
}

static ccs_status skip_literal(scan *s, const char *lit) {
    size_t n = strlen(lit);
    if (s->len - s->off < n || memcmp(s->p + s->off, lit, n) != 0) return bad(s);
    s->off += n;
    return CCS_OK;
}

static ccs_status skip_value(scan *s, int depth);

static ccs_status skip_container(scan *s, int depth, uint8_t open, uint8_t close) {
    if (depth >= MAX_DEPTH) CCS_BAIL(CCS_ERR_FORMAT, "JSON nested deeper than %d", MAX_DEPTH);
    s->off++; /* open */
    (void)open;
    ws(s);
    if (peek(s, close)) { s->off++; return CCS_OK; }
    for (;;) {
        if (close == '}') {
            CCS_TRY(skip_string(s));
            ws(s);
            if (!peek(s, ':')) return bad(s);
            s->off++;
        }
        CCS_TRY(skip_value(s, depth + 1));
        ws(s);
        if (peek(s, ',')) { s->off++; ws(s); continue; }
        if (peek(s, close)) { s->off++; return CCS_OK; }
        return bad(s);
    }
}

static ccs_status skip_value(scan *s, int depth) {
    ws(s);
    if (s->off >= s->len) return bad(s);
    switch (s->p[s->off]) {
    case '{': return skip_container(s, depth, '{', '}');
    case '[': return skip_container(s, depth, '[', ']');
    case '"': return skip_string(s);
    case 't': return skip_literal(s, "true");
    case 'f': return skip_literal(s, "false");
    case 'n': return skip_literal(s, "null");
    default: return skip_number(s);
    }
}

ccs_status ccs_json_raw_member(ccs_bytes doc, const char *key, ccs_bytes *value) {
    scan s = {doc.ptr, doc.len, 0};
    size_t klen = strlen(key);
    bool found = false;
    ws(&s);
    if (!peek(&s, '{')) CCS_BAIL(CCS_ERR_FORMAT, "JSON document is not an object");
    s.off++;
    ws(&s);
    if (peek(&s, '}')) {
        s.off++;
    } else {
        for (;;) {
            size_t kstart = s.off + 1;
            CCS_TRY(skip_string(&s));
            bool match = s.off - 1 - kstart == klen && memcmp(s.p + kstart, key, klen) == 0;
            ws(&s);
            if (!peek(&s, ':')) return bad(&s);
            s.off++;
            ws(&s);
            size_t vstart = s.off;
            CCS_TRY(skip_value(&s, 1));
            if (match) {
                CCS_ENSURE(!found, CCS_ERR_FORMAT, "duplicate JSON member \"%s\"", key);
                found = true;
                *value = ccs_bytes_of(s.p + vstart, s.off - vstart);
            }
            ws(&s);
            if (peek(&s, ',')) { s.off++; ws(&s); continue; }
            if (peek(&s, '}')) { s.off++; break; }
            return bad(&s);
        }
    }
    ws(&s);
    CCS_ENSURE(s.off == s.len || (s.off + 1 == s.len && s.p[s.off] == 0), CCS_ERR_FORMAT,
               "trailing bytes after JSON document");
    CCS_ENSURE(found, CCS_ERR_NOT_FOUND, "JSON member \"%s\" not found", key);
    return CCS_OK;
}

ccs_status ccs_json_check_grammar(ccs_bytes doc) {
    scan s = {doc.ptr, doc.len, 0};
    CCS_TRY(skip_value(&s, 0));
    ws(&s);
    CCS_ENSURE(s.off == s.len, CCS_ERR_FORMAT, "trailing bytes after JSON document");
    return CCS_OK;
}
