/* libcurl, loaded when first called. libcurl's dependency tree (GnuTLS,
 * Kerberos, LDAP, SSH, RTMP, ...) is most of the shared libraries a `ccs`
 * process maps, and its relocations and constructors were about a third of
 * every command's start-up, also for the many commands that never make an
 * HTTP request. So nothing links libcurl: the curl_* functions CCS calls are
 * defined here, with libcurl's own prototypes (from its headers), and each
 * forwards to libcurl.so.4, opened with dlopen on the first call. When it
 * cannot be opened the functions fail as libcurl does when it cannot start
 * (CURLE_FAILED_INIT, NULL handles), and curl_easy_strerror says why. */
#define CURL_DISABLE_TYPECHECK /* the setopt/getinfo macros would rename our definitions */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "lazy.h"

static struct {
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    char *(*easy_escape)(CURL *, const char *, int);
    char *(*easy_unescape)(CURL *, const char *, int, int *);
    CURLHcode (*easy_header)(CURL *, const char *, size_t, unsigned int, int, struct curl_header **);
    void (*free)(void *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static char why[256] = "libcurl.so.4 is not loaded";

static const ccs_lazy_sym syms[] = {
    {"curl_global_init", (void **)&fn.global_init},
    {"curl_global_cleanup", (void **)&fn.global_cleanup},
    {"curl_easy_init", (void **)&fn.easy_init},
    {"curl_easy_setopt", (void **)&fn.easy_setopt},
    {"curl_easy_perform", (void **)&fn.easy_perform},
    {"curl_easy_cleanup", (void **)&fn.easy_cleanup},
    {"curl_easy_reset", (void **)&fn.easy_reset},
    {"curl_easy_getinfo", (void **)&fn.easy_getinfo},
    {"curl_easy_strerror", (void **)&fn.easy_strerror},
    {"curl_easy_escape", (void **)&fn.easy_escape},
    {"curl_easy_unescape", (void **)&fn.easy_unescape},
    {"curl_easy_header", (void **)&fn.easy_header},
    {"curl_free", (void **)&fn.free},
    {"curl_slist_append", (void **)&fn.slist_append},
    {"curl_slist_free_all", (void **)&fn.slist_free_all},
    {"curl_url", (void **)&fn.url},
    {"curl_url_cleanup", (void **)&fn.url_cleanup},
    {"curl_url_get", (void **)&fn.url_get},
    {"curl_url_set", (void **)&fn.url_set},
};

static void load(void) { loaded = ccs_lazy_open("libcurl.so.4", syms, sizeof syms / sizeof syms[0], why, sizeof why); }

static bool ready(void) {
    pthread_once(&once, load);
    return loaded;
}

CURLcode curl_global_init(long flags) { return ready() ? fn.global_init(flags) : CURLE_FAILED_INIT; }

void curl_global_cleanup(void) {
    if (ready()) fn.global_cleanup();
}

CURL *curl_easy_init(void) { return ready() ? fn.easy_init() : NULL; }

/* libcurl reads one argument whose type the option's number range gives
 * (curl.h: CURLOPTTYPE_*): pass it on as that type. */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...) {
    if (!ready()) return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, option);
    CURLcode rc;
    if (option < CURLOPTTYPE_OBJECTPOINT) rc = fn.easy_setopt(h, option, va_arg(ap, long));
    else if (option < CURLOPTTYPE_FUNCTIONPOINT) rc = fn.easy_setopt(h, option, va_arg(ap, void *));
    else if (option < CURLOPTTYPE_OFF_T) rc = fn.easy_setopt(h, option, va_arg(ap, void (*)(void)));
    else if (option < CURLOPTTYPE_BLOB) rc = fn.easy_setopt(h, option, va_arg(ap, curl_off_t));
    else rc = fn.easy_setopt(h, option, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *h) { return ready() ? fn.easy_perform(h) : CURLE_FAILED_INIT; }

void curl_easy_cleanup(CURL *h) {
    if (ready()) fn.easy_cleanup(h);
}

void curl_easy_reset(CURL *h) {
    if (ready()) fn.easy_reset(h);
}

/* Every CURLINFO takes one pointer. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...) {
    if (!ready()) return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

const char *curl_easy_strerror(CURLcode code) { return ready() ? fn.easy_strerror(code) : why; }

char *curl_easy_escape(CURL *h, const char *s, int len) { return ready() ? fn.easy_escape(h, s, len) : NULL; }

char *curl_easy_unescape(CURL *h, const char *s, int len, int *outlen) {
    return ready() ? fn.easy_unescape(h, s, len, outlen) : NULL;
}

CURLHcode curl_easy_header(CURL *h, const char *name, size_t index, unsigned int origin, int request,
                           struct curl_header **hout) {
    return ready() ? fn.easy_header(h, name, index, origin, request, hout) : CURLHE_NOT_BUILT_IN;
}

void curl_free(void *p) {
    if (ready()) fn.free(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s) {
    return ready() ? fn.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list) {
    if (ready()) fn.slist_free_all(list);
}

CURLU *curl_url(void) { return ready() ? fn.url() : NULL; }

void curl_url_cleanup(CURLU *u) {
    if (ready()) fn.url_cleanup(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags) {
    return ready() ? fn.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags) {
    return ready() ? fn.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
