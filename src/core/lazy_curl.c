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
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

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

#define SYM(field, name) ok = ok && (*(void **)&fn.field = dlsym(h, name)) != NULL

static void load(void) {
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(why, sizeof why, "cannot load libcurl: %s", dlerror());
        return;
    }
    bool ok = true;
    SYM(global_init, "curl_global_init");
    SYM(global_cleanup, "curl_global_cleanup");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_perform, "curl_easy_perform");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_reset, "curl_easy_reset");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(easy_escape, "curl_easy_escape");
    SYM(easy_unescape, "curl_easy_unescape");
    SYM(easy_header, "curl_easy_header");
    SYM(free, "curl_free");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
    SYM(url, "curl_url");
    SYM(url_cleanup, "curl_url_cleanup");
    SYM(url_get, "curl_url_get");
    SYM(url_set, "curl_url_set");
    if (!ok) {
        snprintf(why, sizeof why, "libcurl.so.4 lacks a function CCS needs (libcurl 7.83 or later)");
        return; /* never closed: nothing else holds it */
    }
    loaded = true;
}

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
