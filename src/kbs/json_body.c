/* Request bodies to jansson trees, fast. jansson's lexer takes a string one
 * character at a time (a stream callback and a UTF-8 decode per byte), which
 * made the ~6 KB POST /attest body (a base64 quote, for the most part) cost
 * ~70 us; cJSON finds the end of a string first and copies it whole, ~10x
 * faster (bench/json_parse.c, docs/BENCHMARKS.md).
 *
 * The result must be exactly what ccs_kbs_json_object_parse (jansson,
 * JSON_REJECT_DUPLICATES) gives, so the fast path takes only the documents
 * whose jansson tree it can build with the same meaning, and hands every
 * other one to jansson, which then decides (and words the error):
 *   - RFC 8259 grammar, checked by ccs_json_check_grammar (cJSON alone would
 *     take raw control characters in strings, leading zeros, a BOM);
 *   - no numbers at all (cJSON keeps a double only, jansson tells integers
 *     from reals by their text), no "\u0000" (jansson refuses it, cJSON
 *     would cut the string there);
 *   - a top-level object; nesting within the grammar check's 64 levels;
 *   - strings and member names valid UTF-8 (json_stringn and json_object_set
 *     check it, as jansson's lexer does; an ASCII string needs no check) and
 *     no duplicate member names.
 * cJSON parses without shared state as long as cJSON_GetErrorPtr is not used
 * (its README, "Thread Safety"), so server loops may parse at once.
 * The fuzz target fuzz/kbs_body.c compares the two on every input. */
#include <string.h>

#include <cjson/cJSON.h>

#include "server_internal.h"

static bool ascii(const char *s, size_t n) {
    unsigned char any = 0;
    for (size_t i = 0; i < n; i++) any |= (unsigned char)s[i];
    return any < 0x80;
}

/* The jansson value of a cJSON value, or NULL where the fast path must give
 * way (a number, invalid UTF-8, a duplicate member). */
static json_t *convert(const cJSON *v) {
    if (cJSON_IsString(v)) {
        /* ASCII is valid UTF-8: jansson's own check is a call per character. */
        size_t n = strlen(v->valuestring);
        return ascii(v->valuestring, n) ? json_stringn_nocheck(v->valuestring, n) : json_stringn(v->valuestring, n);
    }
    if (cJSON_IsTrue(v)) return json_true();
    if (cJSON_IsFalse(v)) return json_false();
    if (cJSON_IsNull(v)) return json_null();
    bool obj = cJSON_IsObject(v);
    if (!obj && !cJSON_IsArray(v)) return NULL; /* a number (or invalid) */
    json_t *out = obj ? json_object() : json_array();
    for (const cJSON *c = v->child; out != NULL && c != NULL; c = c->next) {
        json_t *m = convert(c);
        bool ok = m != NULL;
        if (ok && obj && (c->string == NULL || json_object_get(out, c->string) != NULL)) {
            json_decref(m); /* a duplicate member */
            ok = false;
        } else if (ok) {
            /* both steal m, on failure too */
            ok = obj ? json_object_set_new(out, c->string, m) == 0 : json_array_append_new(out, m) == 0;
        }
        if (!ok) {
            json_decref(out);
            out = NULL;
        }
    }
    return out;
}

json_t *kbs_json_body_fast(ccs_bytes text) {
    static const char nul_escape[] = "\\u0000";
    if (text.len == 0 || text.ptr[0] != '{') return NULL; /* leading whitespace too: jansson decides */
    if (memmem(text.ptr, text.len, nul_escape, sizeof nul_escape - 1) != NULL) return NULL;
    if (ccs_json_check_grammar(text) != CCS_OK) return NULL;
    cJSON *doc = cJSON_ParseWithLength((const char *)text.ptr, text.len);
    json_t *out = doc != NULL && cJSON_IsObject(doc) ? convert(doc) : NULL;
    cJSON_Delete(doc);
    return out;
}

ccs_status kbs_json_body_parse(ccs_bytes text, json_t **out) {
    *out = kbs_json_body_fast(text);
    if (*out != NULL) return CCS_OK;
    return ccs_kbs_json_object_parse(text, out);
}
