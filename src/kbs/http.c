/* HTTP helpers for the KBS handlers: RFC 7807-style error replies, bounded
 * request bodies, the session cookie and bearer tokens. Bodies are never
 * logged (they carry evidence, policies and secrets). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "server_internal.h"

void kbs_add_header(kbs_req *r, const char *name, const char *value) {
    evhttp_add_header(evhttp_request_get_output_headers(r->req), name, value);
}

static void reply_send(kbs_req *r, int code, const char *content_type, const void *p, size_t n) {
    struct evbuffer *out = evbuffer_new();
    if (out != NULL && n > 0 && evbuffer_add(out, p, n) != 0) {
        evbuffer_free(out);
        out = NULL;
        code = 500;
        content_type = NULL;
    }
    if (content_type != NULL) kbs_add_header(r, "Content-Type", content_type);
    kbs_add_header(r, "Cache-Control", "no-store");
    r->status = code;
    const char *reason = code == 200 ? "OK" : code == 400 ? "Bad Request" : code == 401 ? "Unauthorized"
                         : code == 403 ? "Forbidden" : code == 404 ? "Not Found" : code == 405 ? "Method Not Allowed"
                         : code == 413 ? "Payload Too Large" : "Internal Server Error";
    evhttp_send_reply(r->req, code, reason, out);
    if (out != NULL) {
        /* The reply copied the data; wipe ours (it may be a JWE or a token). */
        size_t len = evbuffer_get_length(out);
        if (len > 0) {
            unsigned char *q = evbuffer_pullup(out, -1);
            if (q != NULL) ccs_wipe(q, len);
        }
        evbuffer_free(out);
    }
}

void kbs_reply_json(kbs_req *r, int code, json_t *body) {
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        static const char oom[] = "{\"type\":\"" CCS_KBS_ERROR_TYPE_PREFIX CCS_KBS_ERR_INTERNAL
                                  "\",\"detail\":\"out of memory\"}";
        reply_send(r, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    size_t n = strlen(text);
    reply_send(r, code, "application/json", text, n);
    ccs_wipe(text, n);
    free(text);
}

/* Replies that are a few string members, written without a jansson tree
 * when every value is base64 or base64url (with dots, for a compact JWS):
 * JSON takes those characters as they are. Anything else goes through
 * jansson, which escapes. */
static bool plain_char(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '+' || c == '/' || c == '=';
}

/* Branch-free over the string: one test per byte, combined at the end. */
static bool plain(const char *s, size_t n) {
    bool all = n > 0;
    for (size_t i = 0; i < n; i++) all &= plain_char((unsigned char)s[i]);
    return all;
}

/* {"<names[0]>":"<values[0]>",...}<tail>, names plain; false (nothing sent)
 * when a value is not plain or memory runs out. */
static bool reply_members(kbs_req *r, size_t n, const char *const *names, const char *const *values,
                          const size_t *lens, const char *tail) {
    ccs_buf b = {0};
    ccs_status st = ccs_buf_append(&b, "{", 1);
    for (size_t i = 0; i < n && st == CCS_OK; i++) {
        if (values[i] == NULL || !plain(values[i], lens[i])) st = CCS_ERR_FORMAT;
        if (st == CCS_OK) st = ccs_buf_append_str(&b, i ? ",\"" : "\"");
        if (st == CCS_OK) st = ccs_buf_append_str(&b, names[i]);
        if (st == CCS_OK) st = ccs_buf_append_str(&b, "\":\"");
        if (st == CCS_OK) st = ccs_buf_append(&b, values[i], lens[i]);
        if (st == CCS_OK) st = ccs_buf_append_str(&b, "\"");
    }
    if (st == CCS_OK) st = ccs_buf_append_str(&b, tail);
    if (st == CCS_OK) reply_send(r, 200, "application/json", b.ptr, b.len);
    ccs_buf_free(&b);
    return st == CCS_OK;
}

/* {"token":"<jws>"} */
void kbs_reply_token(kbs_req *r, const char *token, size_t len) {
    const char *names[] = {"token"}, *values[] = {token};
    if (!reply_members(r, 1, names, values, &len, "}"))
        kbs_reply_json(r, 200, json_pack("{s:s%}", "token", token, len));
}

/* {"nonce":"<base64>","extra-params":{}} */
void kbs_reply_nonce(kbs_req *r, const char *nonce) {
    const char *names[] = {"nonce"}, *values[] = {nonce};
    size_t len = strlen(nonce);
    if (!reply_members(r, 1, names, values, &len, ",\"extra-params\":{}}"))
        kbs_reply_json(r, 200, json_pack("{s:s,s:{}}", "nonce", nonce, "extra-params"));
}

/* A flattened JWE of exactly the five members ccs_kbs_jwe_encrypt makes
 * (taken: it is freed). */
void kbs_reply_jwe(kbs_req *r, json_t *jwe) {
    static const char *const names[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
    const char *values[5];
    size_t lens[5];
    for (size_t i = 0; i < 5; i++) {
        const json_t *v = json_object_get(jwe, names[i]);
        values[i] = json_string_value(v);
        lens[i] = values[i] ? json_string_length(v) : 0;
    }
    if (json_object_size(jwe) == 5 && reply_members(r, 5, names, values, lens, "}")) {
        json_decref(jwe);
        return;
    }
    kbs_reply_json(r, 200, jwe);
}

void kbs_reply_ok(kbs_req *r) { reply_send(r, 200, NULL, NULL, 0); }

void kbs_reply_error(kbs_req *r, int code, const char *kind, const char *fmt, ...) {
    char detail[1536], type[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    snprintf(type, sizeof type, "%s%s", CCS_KBS_ERROR_TYPE_PREFIX, kind);
    /* Details come from our checks and may contain bytes from the request
     * (a bad key name); jansson refuses invalid UTF-8, so replace them. */
    for (char *p = detail; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
    kbs_log(r->srv, CCS_KBS_LOG_DEBUG, "%s %s: %d %s: %s", r->method, r->path, code, kind, detail);
    kbs_reply_json(r, code, json_pack("{s:s,s:s}", "type", type, "detail", detail));
}

ccs_status kbs_body(kbs_req *r, size_t max, ccs_buf *out) {
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    size_t n = evbuffer_get_length(in);
    CCS_ENSURE(n <= max, CCS_ERR_OVERFLOW, "the request body is %zu bytes; at most %zu are accepted", n, max);
    CCS_TRY(ccs_buf_reserve(out, n + 1));
    if (n > 0 && evbuffer_copyout(in, out->ptr + out->len, n) != (ev_ssize_t)n)
        CCS_BAIL(CCS_ERR_IO, "cannot read the request body");
    out->len += n;
    out->ptr[out->len] = 0;
    return CCS_OK;
}

json_t *kbs_body_json(kbs_req *r) {
    ccs_buf b = {0};
    json_t *o = NULL;
    if (kbs_body(r, CCS_KBS_MAX_BODY, &b) != CCS_OK) {
        kbs_reply_error(r, 413, CCS_KBS_ERR_PAYLOAD_TOO_LARGE, "%s", ccs_error_detail());
    } else if (b.len == 0) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "the request body is empty (expected a JSON object)");
    } else if (kbs_json_body_parse(ccs_buf_view(&b), &o) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", ccs_error_detail());
        o = NULL;
    }
    ccs_buf_free(&b);
    return o;
}

/* Cookie: a=b; kbs-session-id=<id>; c=d (RFC 6265 section 4.2.1). */
bool kbs_cookie(kbs_req *r, const char *name, char *out, size_t cap) {
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Cookie");
    size_t nl = strlen(name);
    while (h != NULL && *h) {
        while (*h == ' ' || *h == ';') h++;
        size_t len = strcspn(h, ";");
        if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
            size_t vl = len - nl - 1;
            while (vl > 0 && h[nl + 1 + vl - 1] == ' ') vl--;
            if (vl == 0 || vl >= cap) return false;
            memcpy(out, h + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        h += len;
    }
    return false;
}

const char *kbs_bearer(kbs_req *r, size_t *len) {
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
    h += 7;
    while (*h == ' ') h++;
    size_t n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t')) n--;
    if (n == 0) return NULL;
    *len = n;
    return h;
}
