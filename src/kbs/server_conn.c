/* The accept guard of the KBS's loops: out of file descriptors (or another
 * accept error), a loop's listener pauses for a second instead of retrying
 * accept() in a loop. The connections themselves are guarded by the shared
 * connection guard (src/core/evhttp/conn_guard.c: a cap on open
 * connections and a deadline per request). */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "server_internal.h"

/* Out of file descriptors (or another accept error): accept nothing for a
 * second rather than retry accept() in a loop, and say so once a second at
 * most. The listener's callback argument is evhttp's, so the loop is found
 * by listener. */
static struct {
    pthread_mutex_t mu;
    struct {
        struct evconnlistener *l;
        kbs_worker *w;
    } v[4 * KBS_MAX_WORKERS];
} guards = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void on_accept_resume(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    evconnlistener_enable(arg);
}

static void on_accept_error(struct evconnlistener *l, void *arg) {
    (void)arg;
    int err = EVUTIL_SOCKET_ERROR();
    kbs_worker *w = NULL;
    pthread_mutex_lock(&guards.mu);
    for (size_t i = 0; i < sizeof guards.v / sizeof guards.v[0] && w == NULL; i++)
        if (guards.v[i].l == l) w = guards.v[i].w;
    pthread_mutex_unlock(&guards.mu);
    if (w == NULL) return;
    evconnlistener_disable(l);
    struct timeval tv = {1, 0};
    if (event_base_once(w->base, -1, EV_TIMEOUT, on_accept_resume, l, &tv) != 0) evconnlistener_enable(l);
    ccs_time now = ccs_time_now();
    if (now != w->accept_error_logged) {
        w->accept_error_logged = now;
        kbs_log(w->srv, CCS_KBS_LOG_ERROR, "accept: %s: not accepting connections for 1 s", strerror(err));
    }
}

void kbs_conns_guard_listener(kbs_worker *w, struct evhttp_bound_socket *sock) {
    struct evconnlistener *l = sock ? evhttp_bound_socket_get_listener(sock) : NULL;
    if (l == NULL) return;
    pthread_mutex_lock(&guards.mu);
    for (size_t i = 0; i < sizeof guards.v / sizeof guards.v[0]; i++)
        if (guards.v[i].l == NULL) {
            guards.v[i].l = l, guards.v[i].w = w;
            w->listener = l;
            evconnlistener_set_error_cb(l, on_accept_error);
            break;
        }
    pthread_mutex_unlock(&guards.mu);
}

void kbs_conns_unguard_listener(kbs_worker *w) {
    if (w->listener == NULL) return;
    pthread_mutex_lock(&guards.mu);
    for (size_t i = 0; i < sizeof guards.v / sizeof guards.v[0]; i++)
        if (guards.v[i].l == w->listener) guards.v[i].l = NULL, guards.v[i].w = NULL;
    pthread_mutex_unlock(&guards.mu);
    w->listener = NULL;
}
