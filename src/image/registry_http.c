/* One HTTP exchange with a registry (distribution spec, "API"): libcurl
 * with a reused handle, the auth dance of the token spec (401 +
 * WWW-Authenticate, a token, one more try), retries with exponential
 * backoff on transport errors, 429 and 5xx (never on other 4xx), redirects
 * only where asked (blob GETs, capped), and a size limit on every body. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "registry_internal.h"

#define BACKOFF_CAP_MS 10000

ccs_status ccs_registry_new(const ccs_registry_opts *opts, ccs_registry **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "registry: bad arguments");
    *out = NULL;
    static const ccs_registry_opts none = {0};
    const ccs_registry_opts *o = opts ? opts : &none;
    CCS_ENSURE((o->username == NULL) == (o->password == NULL), CCS_ERR_INVALID_ARG,
               "registry: a user name needs a password");
    ccs_registry *r = calloc(1, sizeof *r);
    CCS_ENSURE(r != NULL, CCS_ERR_NOMEM, "registry: no memory");
    r->o = *o;
    if (r->o.retries == 0) r->o.retries = 3;
    if (r->o.backoff_ms == 0) r->o.backoff_ms = 250;
    if (r->o.max_redirects == 0) r->o.max_redirects = 5;
    if (r->o.blob_max == 0) r->o.blob_max = CCS_IMAGE_LAYER_MAX;
    if (r->o.manifest_max == 0) r->o.manifest_max = CCS_IMAGE_JSON_MAX;
    if (r->o.timeout_s == 0) r->o.timeout_s = 300;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if ((r->curl = curl_easy_init()) == NULL) {
        free(r);
        CCS_BAIL(CCS_ERR_NOMEM, "registry: curl_easy_init failed");
    }
    *out = r;
    return CCS_OK;
}

void ccs_registry_free(ccs_registry *r) {
    if (r == NULL) return;
    ccs__registry_auth_free(r);
    curl_easy_cleanup(r->curl);
    free(r);
}

ccs_status ccs__registry_base(const ccs_registry *r, const ccs_image_ref *ref, char *out, size_t cap) {
    if (r->o.insecure_plain_http)
        CCS_ENSURE(ccs_image_ref_is_loopback(ref), CCS_ERR_POLICY,
                   "registry: plain HTTP to %s refused (insecure_plain_http is for loopback registries only)",
                   ref->host);
    int n = snprintf(out, cap, "%s://%s", r->o.insecure_plain_http ? "http" : "https", ref->host);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_FORMAT, "registry: host name too long");
    return CCS_OK;
}

/* ---- callbacks ---- */

typedef struct xfer {
    const reg_req *q;
    reg_resp *resp;
    CURL *curl;
    bool overflow, io_error;
    const ccs_registry *r;
} xfer;

static void copy_value(char *dst, size_t cap, const char *v, size_t n) {
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) n--;
    while (n > 0 && (*v == ' ' || *v == '\t')) v++, n--;
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg) {
    xfer *x = arg;
    size_t n = size * nmemb;
    reg_resp *s = x->resp;
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (after a redirect): forget the last */
        s->content_type[0] = s->digest[0] = s->location[0] = s->www_auth[0] = '\0';
        s->retry_after = 0;
        return n;
    }
    const char *colon = memchr(p, ':', n);
    if (colon == NULL) return n;
    size_t kn = (size_t)(colon - p), vn = n - kn - 1;
    const char *v = colon + 1;
    if (kn == 12 && strncasecmp(p, "Content-Type", kn) == 0) copy_value(s->content_type, sizeof s->content_type, v, vn);
    else if (kn == 21 && strncasecmp(p, "Docker-Content-Digest", kn) == 0) copy_value(s->digest, sizeof s->digest, v, vn);
    else if (kn == 8 && strncasecmp(p, "Location", kn) == 0) copy_value(s->location, sizeof s->location, v, vn);
    else if (kn == 11 && strncasecmp(p, "Retry-After", kn) == 0) {
        char t[16];
        copy_value(t, sizeof t, v, vn);
        s->retry_after = strtol(t, NULL, 10);
    } else if (kn == 16 && strncasecmp(p, "WWW-Authenticate", kn) == 0 && s->www_auth[0] == '\0')
        copy_value(s->www_auth, sizeof s->www_auth, v, vn);
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg) {
    xfer *x = arg;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) { /* an error document: keep its start for the message */
        size_t have = strlen(x->resp->errbody), k = n < REG_ERRBODY_MAX - have ? n : REG_ERRBODY_MAX - have;
        memcpy(x->resp->errbody + have, p, k);
        x->resp->errbody[have + k] = '\0';
        return n;
    }
    const reg_req *q = x->q;
    uint64_t max = q->fd > 0 ? q->fd_max : q->out_max;
    if (x->resp->received + n > max) {
        x->overflow = true;
        return 0;
    }
    if (q->fd > 0) {
        for (size_t off = 0; off < n;) {
            ssize_t w = write(q->fd, p + off, n - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                x->io_error = true;
                return 0;
            }
            off += (size_t)w;
        }
    } else if (q->out != NULL && ccs_buf_append(q->out, p, n) != CCS_OK) {
        x->io_error = true;
        return 0;
    }
    x->resp->received += n;
    return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    xfer *x = arg;
    (void)dltotal;
    bool up = ultotal > 0;
    uint64_t total = x->q->progress_total ? x->q->progress_total : (uint64_t)(up ? ultotal : 0);
    x->r->o.progress(x->r->o.progress_arg, x->q->progress_digest, (uint64_t)(up ? ulnow : dlnow), total);
    return 0;
}

/* ---- one try ---- */

static bool transient_curl(CURLcode c) {
    return c == CURLE_COULDNT_CONNECT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING ||
           c == CURLE_PARTIAL_FILE || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_HTTP2 || c == CURLE_HTTP2_STREAM;
}

static ccs_status reset_sink(const reg_req *q, reg_resp *resp) {
    memset(resp, 0, sizeof *resp);
    if (q->out != NULL) q->out->len = 0;
    if (q->fd > 0)
        CCS_ENSURE(ftruncate(q->fd, 0) == 0 && lseek(q->fd, 0, SEEK_SET) == 0, CCS_ERR_IO,
                   "registry: cannot rewind a download: %s", strerror(errno));
    return CCS_OK;
}

static ccs_status perform(ccs_registry *r, const char *url, const reg_req *q, const char *auth, reg_resp *resp,
                          CURLcode *cc) {
    CCS_TRY(reset_sink(q, resp));
    CURL *c = r->curl;
    curl_easy_reset(c);
    xfer x = {.q = q, .resp = resp, .curl = c, .r = r};
    struct curl_slist *h = NULL;
    char line[8192];
    if (q->accept) {
        snprintf(line, sizeof line, "Accept: %s", q->accept);
        h = curl_slist_append(h, line);
    }
    if (q->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", q->content_type);
        h = curl_slist_append(h, line);
    }
    if (auth) {
        snprintf(line, sizeof line, "Authorization: %s", auth);
        h = curl_slist_append(h, line);
        ccs_wipe(line, sizeof line);
    }
    h = curl_slist_append(h, "Expect:");
    const char *protos = r->o.insecure_plain_http ? "http,https" : "https";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ccs-image/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, r->o.timeout_s);
    if (r->o.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, r->o.ca_file);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    if (q->follow) {
        /* A custom Authorization header is not sent to another host (curl >= 7.58). */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)r->o.max_redirects);
    }
    if (r->o.progress && q->progress_digest) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
    }
    if (strcmp(q->method, "HEAD") == 0) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body.len ? (const char *)q->body.ptr : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body.len);
    }
    *cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->code);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    if (x.overflow)
        CCS_BAIL(CCS_ERR_OVERFLOW, "registry: %s: the reply is larger than %llu bytes", url,
                 (unsigned long long)(q->fd > 0 ? q->fd_max : q->out_max));
    CCS_ENSURE(!x.io_error, CCS_ERR_IO, "registry: %s: cannot store the reply", url);
    if (*cc == CURLE_TOO_MANY_REDIRECTS)
        CCS_BAIL(CCS_ERR_NETWORK, "registry: %s: more than %u redirects", url, r->o.max_redirects);
    if (*cc != CURLE_OK && !transient_curl(*cc))
        CCS_BAIL(CCS_ERR_NETWORK, "registry: %s: %s", url, curl_easy_strerror(*cc));
    return CCS_OK;
}

static void sleep_ms(unsigned long ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One exchange with retries on transient failures. */
static ccs_status with_retries(ccs_registry *r, const char *url, const reg_req *q, const char *auth, reg_resp *resp) {
    unsigned long delay = r->o.backoff_ms;
    for (unsigned attempt = 0;; attempt++) {
        CURLcode cc = CURLE_OK;
        CCS_TRY(perform(r, url, q, auth, resp, &cc));
        bool again = cc != CURLE_OK || resp->code == 429 || resp->code >= 500;
        if (!again) return CCS_OK;
        if (attempt >= r->o.retries) {
            if (cc != CURLE_OK)
                CCS_BAIL(CCS_ERR_NETWORK, "registry: %s: %s (after %u tries)", url, curl_easy_strerror(cc), attempt + 1);
            return ccs__registry_fail(resp, url);
        }
        unsigned long wait = delay;
        if (resp->retry_after > 0 && (unsigned long)resp->retry_after * 1000 > wait)
            wait = (unsigned long)resp->retry_after * 1000;
        sleep_ms(wait < BACKOFF_CAP_MS ? wait : BACKOFF_CAP_MS);
        if (delay < BACKOFF_CAP_MS) delay *= 2;
    }
}

static ccs_status auth_header(ccs_registry *r, const char *scope, ccs_buf *out) {
    const char *tok = ccs__registry_token_for(r, scope);
    if (tok != NULL) {
        CCS_TRY(ccs_buf_append_str(out, "Bearer "));
        return ccs_buf_append(out, tok, strlen(tok) + 1);
    }
    if (!r->basic || r->user == NULL) return CCS_OK;
    ccs_buf up = {0}, b64 = {0};
    ccs_status st = ccs_buf_append_str(&up, r->user);
    if (st == CCS_OK) st = ccs_buf_append_str(&up, ":");
    if (st == CCS_OK) st = ccs_buf_append_str(&up, r->pass);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&up), &b64);
    if (st == CCS_OK) st = ccs_buf_append_str(out, "Basic ");
    if (st == CCS_OK) st = ccs_buf_append(out, b64.ptr, b64.len);
    if (st == CCS_OK) st = ccs_buf_append(out, "", 1);
    ccs_buf_free(&up);
    ccs_buf_free(&b64);
    return st;
}

ccs_status ccs__registry_do(ccs_registry *r, const ccs_image_ref *ref, const reg_req *q, reg_resp *resp) {
    char url[4096];
    if (strncmp(q->url, "http://", 7) == 0 || strncmp(q->url, "https://", 8) == 0) {
        CCS_ENSURE(strlen(q->url) < sizeof url, CCS_ERR_FORMAT, "registry: URL too long");
        snprintf(url, sizeof url, "%s", q->url);
    } else {
        CCS_TRY(ccs__registry_base(r, ref, url, sizeof url));
        size_t n = strlen(url);
        CCS_ENSURE(n + strlen(q->url) < sizeof url, CCS_ERR_FORMAT, "registry: URL too long");
        snprintf(url + n, sizeof url - n, "%s", q->url);
    }
    CCS_TRY(ccs__registry_creds(r, ref->host));
    for (int round = 0;; round++) {
        ccs_buf auth = {0};
        ccs_status st = auth_header(r, q->scope, &auth);
        if (st == CCS_OK) st = with_retries(r, url, q, auth.len ? (const char *)auth.ptr : NULL, resp);
        ccs_buf_free(&auth);
        if (st != CCS_OK || resp->code != 401 || round > 0 || q->no_challenge) return st;
        /* 401: answer the challenge once (distribution token spec). */
        ccs_registry_challenge ch;
        CCS_ENSURE(resp->www_auth[0] != '\0', CCS_ERR_POLICY, "registry: %s: 401 without a challenge", url);
        st = ccs_registry_challenge_parse(resp->www_auth, &ch);
        if (st != CCS_OK) return st;
        if (strcmp(ch.scheme, "basic") == 0) {
            r->basic = true;
            st = r->user ? CCS_OK
                         : ccs_error_set(CCS_ERR_POLICY, CCS_HERE,
                                         "registry: %s needs credentials (--creds or --authfile)", ref->host);
        } else {
            st = ccs__registry_token_fetch(r, &ch, q->scope);
        }
        ccs_registry_challenge_clear(&ch);
        if (st != CCS_OK) return st;
    }
}

ccs_status ccs__registry_fail(const reg_resp *resp, const char *what) {
    /* {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]} (distribution spec, error codes) */
    json_t *doc = json_loads(resp->errbody, 0, NULL);
    const json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    char detail[300] = "";
    if (code) snprintf(detail, sizeof detail, " (%.60s: %.200s)", code, msg ? msg : "");
    for (char *p = detail; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    ccs_status st = resp->code == 404                       ? CCS_ERR_NOT_FOUND
                    : resp->code == 401 || resp->code == 403 ? CCS_ERR_POLICY
                                                             : CCS_ERR_NETWORK;
    const char *why = resp->code == 404 ? "not found" : st == CCS_ERR_POLICY ? "not authorized" : "failed";
    ccs_status out = ccs_error_set(st, CCS_HERE, "registry: %s: %s: HTTP %ld%s", what, why, resp->code, detail);
    json_decref(doc);
    return out;
}
