/* RFC 8785 JSON Canonicalization Scheme for the RCAR runtime data, and the
 * report-data binding (specs/kbs-image-ratls.md 1.1): the TEE puts
 * H(JCS({"nonce":..,"tee-pubkey":..})) in its report data, so evidence cannot
 * be replayed or moved to another key. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbsproto_internal.h"

/* Largest integer an IEEE double (an ECMAScript Number) holds exactly. */
#define JCS_INT_MAX 9007199254740992LL

static ccs_status put(ccs_buf *out, const char *s) { return ccs_buf_append_str(out, s); }

/* RFC 8785 3.2.2.2: \b \t \n \f \r \" \\ by name, other controls as \u00xx
 * (lower-case hex), everything else (U+007F, U+2028, '/') as is. */
static ccs_status put_string(ccs_buf *out, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    CCS_TRY(put(out, "\""));
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        switch (c) {
        case '\b': esc[1] = 'b'; break;
        case '\t': esc[1] = 't'; break;
        case '\n': esc[1] = 'n'; break;
        case '\f': esc[1] = 'f'; break;
        case '\r': esc[1] = 'r'; break;
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        default:
            if (c < 0x20) {
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
            }
        }
        if (esc[1] != 0)
            CCS_TRY(put(out, esc));
        else
            CCS_TRY(ccs_buf_append(out, &c, 1));
    }
    return put(out, "\"");
}

/* ECMAScript Number::toString (ECMA-262 7.1.12.1) of a finite double, as
 * RFC 8785 3.2.2.3 requires: the shortest digit string that reads back as
 * the same double, then fixed or exponent notation by its magnitude. */
static ccs_status put_double(ccs_buf *out, double v) {
    CCS_ENSURE(isfinite(v), CCS_ERR_UNSUPPORTED, "jcs: non-finite number");
    if (v == 0) return put(out, "0"); /* also -0 */
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e is [-]d[.ddd]e(+|-)xx: collect the digits and the exponent. */
    char digits[20];
    int k = 0, neg = e[0] == '-';
    const char *p = e + neg;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0') k--;
    digits[k] = 0;
    int n = atoi(p + 1) + 1; /* value = 0.digits * 10^n */
    char buf[64];
    size_t o = 0;
    if (neg) buf[o++] = '-';
    if (k <= n && n <= 21) { /* integer: digits then zeros */
        for (int i = 0; i < n; i++) buf[o++] = i < k ? digits[i] : '0';
    } else if (0 < n && n <= 21) { /* fraction with the point inside */
        for (int i = 0; i < k; i++) {
            if (i == n) buf[o++] = '.';
            buf[o++] = digits[i];
        }
    } else if (-6 < n && n <= 0) { /* 0.000ddd */
        buf[o++] = '0', buf[o++] = '.';
        for (int i = 0; i < -n; i++) buf[o++] = '0';
        for (int i = 0; i < k; i++) buf[o++] = digits[i];
    } else { /* d[.ddd]e(+|-)x */
        buf[o++] = digits[0];
        if (k > 1) buf[o++] = '.';
        for (int i = 1; i < k; i++) buf[o++] = digits[i];
        o += (size_t)snprintf(buf + o, sizeof buf - o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    buf[o] = 0;
    return put(out, buf);
}

/* The next UTF-16 code unit of a UTF-8 string (jansson keeps strings valid
 * UTF-8); *pending holds the low surrogate of a supplementary character. */
static unsigned next_unit(const uint8_t **p, const uint8_t *end, unsigned *pending) {
    if (*pending) {
        unsigned u = *pending;
        *pending = 0;
        return u;
    }
    const uint8_t *s = *p;
    unsigned c = s[0], cp;
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if ((size_t)(end - s) < n) n = (size_t)(end - s); /* cannot happen with valid UTF-8 */
    cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t i = 1; i < n; i++) cp = (cp << 6) | (s[i] & 0x3F);
    *p = s + n;
    if (cp < 0x10000) return cp;
    cp -= 0x10000;
    *pending = 0xDC00 | (cp & 0x3FF);
    return 0xD800 | (cp >> 10);
}

/* RFC 8785 3.2.3: property names sorted by their UTF-16 code units. */
static int utf16_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    const uint8_t *pa = (const uint8_t *)a, *ea = pa + alen, *pb = (const uint8_t *)b, *eb = pb + blen;
    unsigned qa = 0, qb = 0;
    while ((pa < ea || qa) && (pb < eb || qb)) {
        unsigned ua = next_unit(&pa, ea, &qa), ub = next_unit(&pb, eb, &qb);
        if (ua != ub) return ua < ub ? -1 : 1;
    }
    if (pa < ea || qa) return 1;
    if (pb < eb || qb) return -1;
    return 0;
}

typedef struct member {
    const char *key;
    size_t len;
    json_t *value;
} member;

static int member_cmp(const void *x, const void *y) {
    const member *a = x, *b = y;
    return utf16_cmp(a->key, a->len, b->key, b->len);
}

static ccs_status put_value(const json_t *v, ccs_buf *out, unsigned depth);

static ccs_status put_object(const json_t *v, ccs_buf *out, unsigned depth) {
    size_t n = json_object_size(v), i = 0;
    if (n == 0) return put(out, "{}");
    size_t bytes = 0;
    CCS_TRY(ccs_size_mul(n, sizeof(member), &bytes));
    member *m = malloc(bytes);
    CCS_ENSURE(m != NULL, CCS_ERR_NOMEM, "jcs: no memory");
    const char *key;
    size_t klen;
    json_t *val;
    void *tmp;
    json_object_keylen_foreach_safe((json_t *)v, tmp, key, klen, val) {
        if (i < n) m[i++] = (member){key, klen, val};
    }
    qsort(m, i, sizeof *m, member_cmp);
    ccs_status st = put(out, "{");
    for (size_t j = 0; st == CCS_OK && j < i; j++) {
        if (j > 0) st = put(out, ",");
        if (st == CCS_OK) st = put_string(out, m[j].key, m[j].len);
        if (st == CCS_OK) st = put(out, ":");
        if (st == CCS_OK) st = put_value(m[j].value, out, depth + 1);
    }
    free(m);
    CCS_TRY(st);
    return put(out, "}");
}

static ccs_status put_value(const json_t *v, ccs_buf *out, unsigned depth) {
    CCS_ENSURE(depth <= CCS_KBS_JSON_DEPTH_MAX, CCS_ERR_UNSUPPORTED, "jcs: nesting deeper than %u",
               CCS_KBS_JSON_DEPTH_MAX);
    switch (json_typeof(v)) {
    case JSON_OBJECT: return put_object(v, out, depth);
    case JSON_ARRAY: {
        CCS_TRY(put(out, "["));
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i > 0) CCS_TRY(put(out, ","));
            CCS_TRY(put_value(json_array_get(v, i), out, depth + 1));
        }
        return put(out, "]");
    }
    case JSON_STRING: return put_string(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        CCS_ENSURE(i >= -JCS_INT_MAX && i <= JCS_INT_MAX, CCS_ERR_UNSUPPORTED,
                   "jcs: integer %lld is beyond 2^53 (not an exact ECMAScript number)", (long long)i);
        char b[24];
        snprintf(b, sizeof b, "%lld", (long long)i);
        return put(out, b);
    }
    case JSON_REAL: return put_double(out, json_real_value(v));
    case JSON_TRUE: return put(out, "true");
    case JSON_FALSE: return put(out, "false");
    case JSON_NULL: return put(out, "null");
    }
    CCS_BAIL(CCS_ERR_INTERNAL, "jcs: unknown JSON type");
}

ccs_status ccs_kbs_jcs(const json_t *v, ccs_buf *out) {
    CCS_ENSURE(v != NULL && out != NULL, CCS_ERR_INVALID_ARG, "jcs: NULL argument");
    size_t start = out->len;
    ccs_status st = put_value(v, out, 0);
    if (st != CCS_OK) out->len = start;
    if (out->ptr) out->ptr[out->len] = 0; /* ccs_buf_append keeps room for it */
    return st;
}

ccs_status ccs_kbs_hash_alg_parse(const char *name, ccs_hash_alg *out) {
    if (name == NULL || name[0] == 0 || strcmp(name, "sha384") == 0)
        *out = CCS_HASH_SHA384;
    else if (strcmp(name, "sha256") == 0)
        *out = CCS_HASH_SHA256;
    else if (strcmp(name, "sha512") == 0)
        *out = CCS_HASH_SHA512;
    else
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "runtime data: hash algorithm '%s' (sha384, sha256, sha512)", name);
    return CCS_OK;
}

ccs_status ccs_kbs_runtime_data_hash(const char *nonce, const json_t *tee_pubkey, ccs_hash_alg alg,
                                     uint8_t out[static 64], size_t *len) {
    CCS_ENSURE(nonce != NULL && json_is_object(tee_pubkey) && len != NULL, CCS_ERR_INVALID_ARG,
               "runtime data: nonce and tee-pubkey object required");
    json_t *rd = json_object();
    CCS_ENSURE(rd != NULL, CCS_ERR_NOMEM, "runtime data: no memory");
    ccs_buf canon = {0};
    ccs_status st = CCS_OK;
    if (json_object_set_new(rd, "nonce", json_string(nonce)) != 0 ||
        json_object_set(rd, "tee-pubkey", (json_t *)tee_pubkey) != 0)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "runtime data: nonce is not UTF-8");
    if (st == CCS_OK) st = ccs_kbs_jcs(rd, &canon);
    if (st == CCS_OK) st = ccs_digest(alg, ccs_buf_view(&canon), out, 64, len);
    ccs_buf_free(&canon);
    json_decref(rd);
    return st;
}

ccs_status ccs_kbs_report_data_check(ccs_bytes digest, ccs_bytes report_data) {
    CCS_ENSURE(digest.len > 0 && digest.len <= 64 && report_data.len > 0 && report_data.len <= 64,
               CCS_ERR_INVALID_ARG, "report data: empty or longer than 64 bytes");
    uint8_t want[64] = {0};
    memcpy(want, digest.ptr, digest.len < report_data.len ? digest.len : report_data.len);
    if (!ccs_ct_eq(ccs_bytes_of(want, report_data.len), report_data))
        CCS_BAIL(CCS_ERR_MISMATCH, "report data does not bind the nonce and tee-pubkey (hash of the canonical "
                                   "runtime data, zero-padded to %zu bytes)", report_data.len);
    return CCS_OK;
}
