/* bench_kbs loopback floor: what the kernel's loopback TCP alone costs a
 * server per request on this machine. The same number of keep-alive
 * connections as the KBS run exchange messages of about the flow's sizes
 * (the /auth, /attest and /resource requests and replies, with their HTTP
 * headers, in turn) with a bare epoll thread that parses nothing and does
 * no work: it reads until a request's bytes are in and writes the reply
 * with one send. Its thread CPU per request is the part of a KBS request
 * that no HTTP library, store or handler can take away, and with the
 * in-process baseline and the resource JWE it bounds the efficiency any
 * server can reach here (kbs.c prints the bound). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kbs_bench.h"

/* Request and reply sizes of a flow's three requests, in bytes, as the
 * bench's clients send them (headers included, rounded). */
static const size_t k_req[3] = {330, 6600, 260}, k_rep[3] = {240, 1700, 820};

#define FLOOR_MAX_FD 4096

typedef struct floor_srv {
    int lfd, ep;
    atomic_int *stop;
    const cpu_set_t *set;
    atomic_long done; /* requests answered */
    size_t got[FLOOR_MAX_FD];
    unsigned char turn[FLOOR_MAX_FD];
    bool open[FLOOR_MAX_FD];
} floor_srv;

typedef struct floor_cli {
    int port;
    atomic_int *stop;
    const cpu_set_t *set;
    int error;
} floor_cli;

static void pin_set(const cpu_set_t *set) {
    if (set != NULL && pthread_setaffinity_np(pthread_self(), sizeof *set, set) != 0)
        fprintf(stderr, "bench_kbs: floor: cannot pin a thread\n");
}

static void serve_one(floor_srv *s, int fd, char *buf, size_t cap, const char *reply) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN) return;
        epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
        s->open[fd] = false;
        close(fd);
        return;
    }
    s->got[fd] += (size_t)n;
    int t = s->turn[fd];
    if (s->got[fd] < k_req[t]) return;
    s->got[fd] -= k_req[t];
    s->turn[fd] = (unsigned char)((t + 1) % 3);
    if (send(fd, reply, k_rep[t], MSG_NOSIGNAL) == (ssize_t)k_rep[t]) atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed);
}

static void accept_one(floor_srv *s) {
    int c = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK);
    if (c < 0) return;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
    if (c >= FLOOR_MAX_FD || epoll_ctl(s->ep, EPOLL_CTL_ADD, c, &ce) != 0) close(c);
    else s->open[c] = true;
}

static void *floor_server(void *arg) {
    floor_srv *s = arg;
    pin_set(s->set);
    static char reply[2048];
    char *buf = malloc(65536);
    if (buf == NULL) abort();
    while (!atomic_load(s->stop)) {
        struct epoll_event ev[128];
        int n = epoll_wait(s->ep, ev, 128, 50);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.fd == s->lfd) accept_one(s);
            else serve_one(s, ev[i].data.fd, buf, 65536, reply);
        }
    }
    free(buf);
    /* Clients waiting for a reply see the end of the stream and leave. */
    for (int fd = 0; fd < FLOOR_MAX_FD; fd++)
        if (s->open[fd]) {
            close(fd);
            s->open[fd] = false;
        }
    return NULL;
}

static void *floor_client(void *arg) {
    floor_cli *c = arg;
    pin_set(c->set);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        c->error = 1;
        if (fd >= 0) close(fd);
        return NULL;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    static const char req[8192];
    char *buf = malloc(65536);
    if (buf == NULL) abort();
    for (int t = 0; !atomic_load(c->stop); t = (t + 1) % 3) {
        if (send(fd, req, k_req[t], MSG_NOSIGNAL) != (ssize_t)k_req[t]) break;
        size_t got = 0;
        while (got < k_rep[t]) {
            ssize_t n = recv(fd, buf, 65536, 0);
            if (n <= 0) break;
            got += (size_t)n;
        }
        if (got < k_rep[t]) break;
    }
    free(buf);
    close(fd);
    return NULL;
}

static int listen_loopback(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

kb_floor_result kb_floor_run(int clients, double secs, const cpu_set_t *server, const cpu_set_t *client) {
    kb_floor_result r = {0};
    atomic_int stop = 0;
    floor_srv *s = calloc(1, sizeof *s);
    floor_cli *cl = calloc((size_t)clients, sizeof *cl);
    pthread_t *ct = calloc((size_t)clients, sizeof *ct), st;
    int port = 0, started = 0;
    clockid_t cpu;
    if (s == NULL || cl == NULL || ct == NULL) abort();
    s->stop = &stop;
    s->set = server;
    s->lfd = listen_loopback(&port);
    s->ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = s->lfd};
    if (s->lfd < 0 || s->ep < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &lev) != 0 ||
        pthread_create(&st, NULL, floor_server, s) != 0) {
        r.errors = 1;
        goto out;
    }
    for (; started < clients; started++) {
        cl[started] = (floor_cli){.port = port, .stop = &stop, .set = client};
        if (pthread_create(&ct[started], NULL, floor_client, &cl[started]) != 0) break;
    }
    bool have_clock = pthread_getcpuclockid(st, &cpu) == 0;
    usleep(300000); /* connections up, caches warm */
    long d0 = atomic_load(&s->done);
    double t0 = kb_now(), c0 = have_clock ? kb_cpu(cpu) : 0;
    usleep((useconds_t)(secs * 1e6));
    long d1 = atomic_load(&s->done);
    double t1 = kb_now(), c1 = have_clock ? kb_cpu(cpu) : 0;
    atomic_store(&stop, 1);
    pthread_join(st, NULL);
    for (int i = 0; i < started; i++) {
        pthread_join(ct[i], NULL);
        r.errors += cl[i].error;
    }
    if (started < clients) r.errors++;
    r.rate = (double)(d1 - d0) / (t1 - t0);
    r.cpu_us = d1 > d0 && have_clock ? (c1 - c0) * 1e6 / (double)(d1 - d0) : 0;
out:
    if (s->ep >= 0) close(s->ep);
    if (s->lfd >= 0) close(s->lfd);
    free(ct);
    free(cl);
    free(s);
    return r;
}
