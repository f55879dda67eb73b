/* The connection guard of an evhttp loop (conn_guard.h). The guard keeps a
 * reference to each connection's bufferevent; "shut down" is shutdown(2) of
 * the socket: evhttp reads EOF and frees the connection itself, which
 * clears the bufferevent's callbacks; the next sweep sees that and drops the
 * reference, which closes the socket. Slots are found by file descriptor
 * (unique while the reference holds it open). */
#include <stdlib.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "ccs/core.h"
#include "conn_guard.h"

#define GUARD_SWEEP_S 1

typedef struct conn {
    struct bufferevent *bev;
    evutil_socket_t fd; /* -1 until evhttp has set it */
    ccs_time since;     /* start, or the last completed request */
} conn;

struct ccs__conn_guard {
    conn *v;
    size_t n, cap, limit;
    int64_t deadline;
    int32_t *by_fd; /* fd -> index in v, or -1 */
    size_t nfd;
    struct event *sweep;
    struct event *settle; /* gives new connections their fd slot (and the cap) */
};

static void shut(evutil_socket_t fd) {
    if (fd >= 0) (void)shutdown(fd, SHUT_RDWR);
}

static bool slot_fd(ccs__conn_guard *c, size_t i) {
    evutil_socket_t fd = bufferevent_getfd(c->v[i].bev);
    if (fd < 0) return false;
    if ((size_t)fd >= c->nfd) {
        size_t n = c->nfd ? c->nfd : 256;
        while (n <= (size_t)fd) n *= 2;
        int32_t *b = realloc(c->by_fd, n * sizeof *b);
        if (b == NULL) return false;
        for (size_t k = c->nfd; k < n; k++) b[k] = -1;
        c->by_fd = b, c->nfd = n;
    }
    c->v[i].fd = fd;
    c->by_fd[fd] = (int32_t)i;
    return true;
}

static void drop(ccs__conn_guard *c, size_t i) {
    if (c->v[i].fd >= 0 && (size_t)c->v[i].fd < c->nfd) c->by_fd[c->v[i].fd] = -1;
    bufferevent_free(c->v[i].bev); /* the last reference: closes the socket */
    c->v[i] = c->v[--c->n];
    if (i < c->n && c->v[i].fd >= 0) c->by_fd[c->v[i].fd] = (int32_t)i;
}

static bool released(struct bufferevent *bev) {
    bufferevent_data_cb r, w;
    bufferevent_event_cb e;
    void *arg;
    bufferevent_getcb(bev, &r, &w, &e, &arg);
    return r == NULL && w == NULL && e == NULL;
}

/* New connections: their fd slot, and over the cap, their end. */
static void on_settle(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    ccs__conn_guard *c = arg;
    size_t live = 0;
    for (size_t i = c->n; i-- > 0;) /* what evhttp let go of holds no slot */
        if (released(c->v[i].bev)) drop(c, i);
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].fd >= 0) live++;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].fd >= 0 || !slot_fd(c, i)) continue;
        if (++live > c->limit) shut(c->v[i].fd);
    }
}

static void on_sweep(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    ccs__conn_guard *c = arg;
    ccs_time now = ccs_time_now();
    for (size_t i = c->n; i-- > 0;) {
        conn *k = &c->v[i];
        if (released(k->bev)) {
            drop(c, i);
        } else if (now - k->since >= c->deadline && k->fd >= 0) {
            shut(k->fd);
            k->since = now; /* once: evhttp frees it at its EOF */
        }
    }
}

ccs__conn_guard *ccs__conn_guard_new(struct event_base *base, size_t limit, int64_t deadline) {
    ccs__conn_guard *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->limit = limit ? limit : 1;
    c->deadline = deadline > 0 ? deadline : 30;
    c->sweep = event_new(base, -1, EV_PERSIST, on_sweep, c);
    c->settle = event_new(base, -1, 0, on_settle, c);
    struct timeval tv = {GUARD_SWEEP_S, 0};
    if (c->sweep == NULL || c->settle == NULL || event_add(c->sweep, &tv) != 0) {
        ccs__conn_guard_free(c);
        return NULL;
    }
    return c;
}

void ccs__conn_guard_free(ccs__conn_guard *c) {
    if (c == NULL) return;
    while (c->n > 0) drop(c, c->n - 1);
    if (c->sweep != NULL) event_free(c->sweep);
    if (c->settle != NULL) event_free(c->settle);
    free(c->v);
    free(c->by_fd);
    free(c);
}

bool ccs__conn_guard_add(ccs__conn_guard *c, struct bufferevent *bev) {
    if (c->n == c->cap) {
        size_t n = c->cap ? 2 * c->cap : 64;
        conn *v = realloc(c->v, n * sizeof *v);
        if (v == NULL) return false;
        c->v = v, c->cap = n;
    }
    bufferevent_incref(bev); /* evhttp's bufferevent_free leaves it to the sweep */
    c->v[c->n++] = (conn){.bev = bev, .fd = -1, .since = ccs_time_now()};
    event_active(c->settle, EV_TIMEOUT, 0); /* after evhttp gave it its socket */
    return true;
}

ccs__conn_ref ccs__conn_guard_ref(struct evhttp_request *req) {
    struct evhttp_connection *evcon = req ? evhttp_request_get_connection(req) : NULL;
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    return (ccs__conn_ref){.bev = bev, .fd = bev ? bufferevent_getfd(bev) : -1};
}

/* Compares the bufferevent by address only: ref may name one that evhttp
 * has freed since (the guard's own reference keeps a tracked one alive). */
void ccs__conn_guard_touch(ccs__conn_guard *c, ccs__conn_ref ref) {
    if (c == NULL || ref.fd < 0 || (size_t)ref.fd >= c->nfd || c->by_fd[ref.fd] < 0) return;
    conn *k = &c->v[c->by_fd[ref.fd]];
    if (k->bev == ref.bev) k->since = ccs_time_now();
}

void ccs__conn_guard_progress(ccs__conn_guard *c, struct evhttp_request *req) {
    if (c != NULL) ccs__conn_guard_touch(c, ccs__conn_guard_ref(req));
}
