/* transport.c - opening H4 byte transports and writing whole packets. */
#include "transport/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport/air_client.h"

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

int transport_connect_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int rc = set_nonblocking(fd);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

static int connect_tcp(const char *host, const char *port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "tcp:%s:%s: %s", host, port, gai_strerror(gai));
        return -EHOSTUNREACH;
    }
    int fd = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            fd = -errno;
            continue;
        }
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            fd = s;
            break;
        }
        fd = -errno;
        close(s);
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "tcp:%s:%s: %s", host, port, strerror(-fd));
        return fd;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = set_nonblocking(fd);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int transport_open(const struct transport_uri *uri, char *err, size_t errlen)
{
    int fd;
    switch (uri->kind) {
    case TRANSPORT_AIR:
        return air_client_open(uri->path[0] ? uri->path : NULL, err, errlen);
    case TRANSPORT_UNIX:
        fd = transport_connect_unix(uri->path);
        if (fd < 0)
            snprintf(err, errlen, "unix:%s: %s", uri->path, strerror(-fd));
        return fd;
    default:
        return connect_tcp(uri->host, uri->port, err, errlen);
    }
}

int transport_write_packet(int fd, const uint8_t *pkt, size_t len, int timeout_ms)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, pkt + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r = poll(&p, 1, timeout_ms);
        if (r == 0)
            return -ETIMEDOUT;
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r > 0 && (p.revents & (POLLERR | POLLHUP)) && !(p.revents & POLLOUT))
            return -EPIPE;
    }
    return 0;
}
