/*
 * conn_guard.h - a guard over the connections of one evhttp loop, shared
 * by the servers on libevent (the KBS and the agent's REST endpoint).
 * libevent 2.1's evhttp has no connection limit, and its timeouts are per
 * read: a client that sends one byte every few seconds keeps its
 * connection for ever. The server hands evhttp the bufferevents of its
 * connections itself (evhttp_set_bevcb) and gives each to the guard:
 *  - a connection beyond `limit` open at once is shut down as soon as it
 *    has its socket;
 *  - one that has not completed a request within `deadline` seconds of its
 *    start or of its previous request (an idle keep-alive one included) is
 *    shut down.
 * One loop only: no lock. Internal to the project (built as ccs_core_evhttp).
 */
#ifndef CCS_CORE_EVHTTP_CONN_GUARD_H
#define CCS_CORE_EVHTTP_CONN_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct bufferevent;
struct evhttp_request;

typedef struct ccs__conn_guard ccs__conn_guard;

/* limit: open connections (0: 1); deadline: seconds (<= 0: 30). NULL when
 * out of memory. */
ccs__conn_guard *ccs__conn_guard_new(struct event_base *base, size_t limit, int64_t deadline);
/* Drops every reference (closing the sockets evhttp let go of). Call after
 * evhttp_free. */
void ccs__conn_guard_free(ccs__conn_guard *g);
/* Tracks a new connection's bufferevent (from the evhttp bevcb, before
 * evhttp gives it its socket); false: no memory (the connection is then
 * served unguarded). */
bool ccs__conn_guard_add(ccs__conn_guard *g, struct bufferevent *bev);
/* The connection of req completed a request: its deadline starts again. */
void ccs__conn_guard_progress(ccs__conn_guard *g, struct evhttp_request *req);
/* The same in two steps, for a handler after which req may be gone (evhttp
 * frees a request once it is answered): the connection of req, taken
 * before, and touched after. */
typedef struct ccs__conn_ref {
    const struct bufferevent *bev; /* compared, never followed */
    int fd;
} ccs__conn_ref;
ccs__conn_ref ccs__conn_guard_ref(struct evhttp_request *req);
void ccs__conn_guard_touch(ccs__conn_guard *g, ccs__conn_ref ref);

#endif
