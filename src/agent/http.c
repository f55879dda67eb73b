/* HTTP to the KBS through libcurl: one handle per RCAR conversation, the
 * kbs-session-id cookie taken from Set-Cookie and sent back explicitly
 * (specs/kbs-image-ratls.md 1.1), replies bounded, RFC 7807 errors turned
 * into a status and a sanitized detail. Messages name the path only, never a
 * body: bodies carry tokens and secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent_internal.h"

struct agent_http {
    CURL *curl;
    const ccs_agent *agent;
    char cookie[AGENT_MAX_COOKIE + 1];
};

typedef struct sink {
    ccs_buf *body;
    size_t max;
    bool too_large, nomem;
} sink;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
    sink *s = userdata;
    size_t n = size * nmemb; /* curl guarantees size == 1 */
    if (n > s->max - s->body->len) {
        s->too_large = true;
        return 0; /* aborts the transfer */
    }
    if (ccs_buf_append(s->body, data, n) != CCS_OK) {
        s->nomem = true;
        return 0;
    }
    return n;
}

ccs_status agent_http_open(const ccs_agent *a, agent_http **out) {
    CCS_ENSURE(a != NULL && out != NULL, CCS_ERR_INVALID_ARG, "kbs client: bad arguments");
    *out = NULL;
    /* Thread-safe and reference-counted since curl 7.84. */
    CCS_ENSURE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, CCS_ERR_NETWORK, "kbs client: libcurl init failed");
    agent_http *h = calloc(1, sizeof *h);
    if (h == NULL || (h->curl = curl_easy_init()) == NULL) {
        free(h);
        curl_global_cleanup();
        CCS_BAIL(CCS_ERR_NOMEM, "kbs client: cannot create a curl handle");
    }
    h->agent = a;
    *out = h;
    return CCS_OK;
}

void agent_http_free(agent_http *h) {
    if (h == NULL) return;
    curl_easy_cleanup(h->curl);
    ccs_wipe(h->cookie, sizeof h->cookie);
    free(h);
    curl_global_cleanup();
}

const char *agent_http_cookie(const agent_http *h) { return h->cookie; }

void agent_sanitize(const char *s, size_t n, char *out, size_t cap) {
    size_t o = 0;
    bool cut = false;
    for (size_t i = 0; i < n; i++) {
        if (o + 1 >= cap) {
            cut = true;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[o] = 0;
    if (cut && cap > 4) memcpy(out + cap - 4, "...", 4);
}

ccs_status agent_http_error(long http_status, ccs_bytes body, const char *what) {
    char kind[64] = "", detail[AGENT_MAX_DETAIL + 1] = "";
    json_t *v = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, NULL);
    const char *type = json_string_value(json_object_get(v, "type"));
    const char *det = json_string_value(json_object_get(v, "detail"));
    size_t plen = strlen(CCS_KBS_ERROR_TYPE_PREFIX);
    if (type != NULL && strncmp(type, CCS_KBS_ERROR_TYPE_PREFIX, plen) == 0)
        agent_sanitize(type + plen, strlen(type + plen), kind, sizeof kind);
    if (det != NULL) agent_sanitize(det, json_string_length(json_object_get(v, "detail")), detail, sizeof detail);
    json_decref(v);
    ccs_status st;
    if (http_status == 401 || http_status == 403) st = CCS_ERR_POLICY;
    else if (http_status == 404) st = CCS_ERR_NOT_FOUND;
    else if (strcmp(kind, CCS_KBS_ERR_PROTOCOL_VERSION) == 0) st = CCS_ERR_UNSUPPORTED;
    else if (http_status >= 400 && http_status < 500) st = CCS_ERR_FORMAT;
    else st = CCS_ERR_NETWORK;
    return ccs_error_set(st, CCS_HERE, "kbs: %s: HTTP %ld%s%s%s%s", what, http_status, kind[0] ? " " : "", kind,
                         detail[0] ? ": " : "", detail);
}

/* The kbs-session-id value of any Set-Cookie header of the last reply
 * (the last one wins, as in a cookie jar). */
static ccs_status take_cookie(agent_http *h) {
    struct curl_header *hd = NULL;
    for (size_t i = 0; curl_easy_header(h->curl, "Set-Cookie", i, CURLH_HEADER, -1, &hd) == CURLHE_OK; i++) {
        char v[AGENT_MAX_COOKIE + 1];
        ccs_status st = ccs_kbs_set_cookie_value(hd->value, strlen(hd->value), v, sizeof v);
        if (st == CCS_OK) memcpy(h->cookie, v, strlen(v) + 1);
        else if (st != CCS_ERR_NOT_FOUND) {
            char why[256];
            snprintf(why, sizeof why, "%s", ccs_error_detail());
            return ccs_error_set(st, CCS_HERE, "kbs: %s", why);
        }
        if (i + 1 >= hd->amount) break;
    }
    return CCS_OK;
}

static ccs_status set_options(agent_http *h, const char *url, const ccs_buf *body, struct curl_slist *hdrs,
                              sink *s) {
    const ccs_agent *a = h->agent;
    CURL *c = h->curl;
    long verify = a->insecure_tls ? 0L : 1L;
    curl_easy_reset(c); /* keeps the connection */
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, a->connect_ms) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, a->timeout_ms) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L) == CURLE_OK &&
              (a->cacert == NULL || curl_easy_setopt(c, CURLOPT_CAINFO, a->cacert) == CURLE_OK) &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, "ccs-agent/" CCS_KBS_PROTOCOL_VERSION) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, s) == CURLE_OK;
    if (ok && body != NULL)
        ok = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->len ? (const char *)body->ptr : "") == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len) == CURLE_OK;
    CCS_ENSURE(ok, CCS_ERR_NETWORK, "kbs client: cannot set curl options");
    return CCS_OK;
}

ccs_status agent_http_call(agent_http *h, const char *path, const ccs_buf *body, size_t max, ccs_buf *reply) {
    CCS_ENSURE(h != NULL && path != NULL && reply != NULL, CCS_ERR_INVALID_ARG, "kbs client: bad arguments");
    char what[160];
    snprintf(what, sizeof what, "%s %s", body ? "POST" : "GET", path);
    ccs_buf url = {0}, cookie = {0}, err = {0};
    struct curl_slist *hdrs = NULL, *t = NULL;
    sink s = {reply, reply->len + max, false, false};
    ccs_status st = ccs_buf_append_str(&url, h->agent->kbs_url);
    if (st == CCS_OK) st = ccs_buf_append_str(&url, path);
    if (st == CCS_OK && h->cookie[0]) st = ccs_buf_append_str(&cookie, "Cookie: " CCS_KBS_COOKIE "=");
    if (st == CCS_OK && h->cookie[0]) st = ccs_buf_append_str(&cookie, h->cookie);
    if (st == CCS_OK) {
        t = curl_slist_append(hdrs, body ? "Content-Type: application/json" : "Accept: application/json");
        if (t) hdrs = t;
        if (t && h->cookie[0] && (t = curl_slist_append(hdrs, (const char *)cookie.ptr)) != NULL) hdrs = t;
        if (t == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "kbs client: no memory");
    }
    if (st == CCS_OK) st = set_options(h, (const char *)url.ptr, body, hdrs, &s);
    CURLcode rc = st == CCS_OK ? curl_easy_perform(h->curl) : CURLE_OK;
    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    ccs_buf_free(&cookie);
    ccs_buf_free(&url);
    size_t start = s.max - max;
    if (st == CCS_OK && s.nomem) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "kbs: %s: no memory", what);
    else if (st == CCS_OK && (s.too_large || rc == CURLE_FILESIZE_EXCEEDED))
        st = ccs_error_set(CCS_ERR_OVERFLOW, CCS_HERE, "kbs: %s: reply larger than %zu bytes", what, max);
    else if (st == CCS_OK && rc != CURLE_OK)
        st = ccs_error_set(CCS_ERR_NETWORK, CCS_HERE, "kbs: %s: %s", what, curl_easy_strerror(rc));
    else if (st == CCS_OK && (status < 200 || status > 299)) {
        /* The error body goes to a scratch buffer: the caller's stays as it was. */
        st = ccs_buf_append(&err, reply->ptr ? reply->ptr + start : NULL, reply->len - start);
        reply->len = start;
        if (st == CCS_OK) st = agent_http_error(status, ccs_buf_view(&err), what);
        ccs_buf_free(&err);
    }
    if (st == CCS_OK) st = take_cookie(h);
    if (st != CCS_OK && reply->len > start) {
        ccs_wipe(reply->ptr + start, reply->len - start);
        reply->len = start;
    }
    if (reply->ptr) reply->ptr[reply->len] = 0; /* ccs_buf_append keeps room for it */
    return st;
}
