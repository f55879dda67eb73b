/* Raw-socket probes of a server on loopback, for the tests of the
 * connection guard (tests/kbs/server_load_test.c, tests/agent/rest_test.c).
 * Header-only: each test program includes it once. cmocka must be included
 * before it. */
#ifndef CCS_TEST_NET_PROBE_H
#define CCS_TEST_NET_PROBE_H

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A connected socket to 127.0.0.1:port (the test fails otherwise). */
static inline int tu_connect_loopback(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* True when the server closed fd within ms (EOF or reset). */
static inline bool tu_closed_within(int fd, int ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char b[256];
    for (int waited = 0; waited < ms; waited += 100) {
        if (poll(&p, 1, 100) == 1) {
            ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN)) return true;
        }
    }
    return false;
}

/* Sends head, then one more byte every 300 ms: true when the server cut
 * the connection within 12 s (a request trickled this way never ends). */
static inline bool tu_trickle_is_cut(int fd, const char *head) {
    if (write(fd, head, strlen(head)) != (ssize_t)strlen(head)) return true;
    for (int i = 0; i < 40; i++) {
        if (write(fd, "a", 1) != 1 || tu_closed_within(fd, 300)) return true;
    }
    return false;
}

#endif
