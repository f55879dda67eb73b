/* Host names a loopback listener or client may take as loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ccs/core.h"

bool ccs_host_is_loopback(const char *host, size_t len) {
    char h[INET6_ADDRSTRLEN + 2];
    if (host == NULL || len == 0 || len >= sizeof h) return false;
    if (host[0] == '[') { /* the bracketed IPv6 form of URLs */
        if (len < 2 || host[len - 1] != ']') return false;
        host++, len -= 2;
    }
    memcpy(h, host, len);
    h[len] = '\0';
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, h, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, h, &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
    return strcmp(h, "localhost") == 0;
}
