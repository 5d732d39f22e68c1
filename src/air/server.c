/* server.c - the air server's event loop: listeners, clients, the clock. */
#include "air/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "air/capture.h"
#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller.h"
#include "transport/h4.h"

struct air_client {
    struct air_server *server;
    int fd;
    unsigned ordinal;
    bool closing;
    uint64_t waiting_since; /* output began to wait, or last went out */
    bool pending;           /* on the server's list of clients with output queued */
    uint32_t watched;       /* the epoll events its socket is watched for */
    struct air_client *next_pending;
    struct controller *ctrl;
    uint8_t addr[6];           /* its controller's public address (LSB first), once attached */
    size_t out_head, out_tail; /* the packets of out[out_head..out_tail) wait */
    uint8_t out[AIR_CLIENT_OUT_BUF];
    struct h4_deframer rx;
};

struct air_server {
    struct air_server_config cfg;
    struct medium medium;
    struct air_capture *capture;
    int unix_fd, tcp_fd;
    int stop_pipe[2];
    int epoll_fd;   /* every client's socket */
    int reserve_fd; /* /dev/null, given up at the fd limit to accept and refuse */
    struct timespec t0;
    uint64_t stall_limit_us;
    uint64_t idle_since;
    unsigned next_ordinal;
    unsigned next_spare; /* of the spare addresses (client_default_address) */
    unsigned nclients, capacity, nclosing;
    struct air_client **clients; /* grown as they come */
    struct air_client *pending;  /* those with output queued */
};

static uint64_t server_clock(const struct air_server *s)
{
    if (s->cfg.clock)
        return s->cfg.clock(s->cfg.clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)(ts.tv_sec - s->t0.tv_sec) * 1000000u +
           (uint64_t)((ts.tv_nsec - s->t0.tv_nsec) / 1000);
}

/* ---- listeners ---- */

/* Both listen non-blocking (so that accepting stops when none is left) with the
 * largest backlog the system allows (so that many hosts starting at once wait
 * rather than fail). */

/* Binds the Unix socket, replacing a stale one: a socket nobody accepts on. */
static int listen_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        log_msg(LOG_LEVEL_ERROR, "socket path too long: %s", path);
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            log_msg(LOG_LEVEL_ERROR, "%s exists and is not a socket", path);
            close(fd);
            return -EEXIST;
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            log_msg(LOG_LEVEL_ERROR, "another air is already running on %s", path);
            close(fd);
            return -EADDRINUSE;
        }
        log_msg(LOG_LEVEL_INFO, "replacing stale socket %s", path);
        unlink(path);
        close(fd);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
    }
    /* Bound and listening under a temporary name, then renamed into place: the
     * socket path appears only once connections to it are accepted. */
    char tmp[sizeof(sa.sun_path)];
    int n = snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        snprintf(tmp, sizeof(tmp), "%s", path); /* no room for a suffix: bind in place */
    strcpy(sa.sun_path, tmp);
    unlink(tmp);
    /* Only this user may connect, whatever the umask. */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(tmp, 0600) < 0 ||
        listen(fd, SOMAXCONN) < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        log_msg(LOG_LEVEL_ERROR, "cannot listen on %s: %s", path, strerror(e));
        unlink(tmp);
        close(fd);
        return -e;
    }
    return fd;
}

static int listen_tcp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, SOMAXCONN) < 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        int e = errno;
        log_msg(LOG_LEVEL_ERROR, "cannot listen on 127.0.0.1:%d: %s", port, strerror(e));
        close(fd);
        return -e;
    }
    log_msg(LOG_LEVEL_WARN,
            "listening on 127.0.0.1:%d: any local user can reach this air "
            "there (the Unix socket is this user's alone)",
            port);
    return fd;
}

int air_server_open(struct air_server **out, const struct air_server_config *cfg)
{
    struct air_server *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cfg = *cfg;
    s->tcp_fd = s->epoll_fd = s->reserve_fd = -1;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    double stall_s = cfg->stall_timeout_s > 0 ? cfg->stall_timeout_s : AIR_STALL_LIMIT_S;
    s->stall_limit_us = (uint64_t)(stall_s * 1e6);
    struct timespec wall;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    clock_gettime(CLOCK_REALTIME, &wall);
    int rc = medium_init(&s->medium, cfg->timing, cfg->seed);
    if (rc < 0) {
        log_msg(LOG_LEVEL_ERROR, "cannot set up the random generator");
        free(s);
        return rc;
    }
    s->idle_since = server_clock(s);
    medium_set_loss(&s->medium, cfg->loss);
    medium_set_range(&s->medium, cfg->range);
    /* Capture timestamps: the wall clock at medium time 0. */
    uint64_t base = (uint64_t)wall.tv_sec * 1000000u + (uint64_t)wall.tv_nsec / 1000;
    if (cfg->pcap_path && (rc = air_capture_open(&s->capture, cfg->pcap_path, base)) < 0)
        log_msg(LOG_LEVEL_ERROR, "cannot write the capture %s: %s", cfg->pcap_path, strerror(-rc));
    else if ((s->unix_fd = listen_unix(cfg->socket_path)) < 0)
        rc = s->unix_fd;
    if (rc < 0) {
        air_capture_close(s->capture);
        medium_free(&s->medium);
        free(s);
        return rc;
    }
    s->medium.capture = s->capture;
    if (cfg->tcp_port > 0 && (s->tcp_fd = listen_tcp(cfg->tcp_port)) < 0)
        rc = s->tcp_fd;
    else if (pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
             (s->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
             (s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        rc = -errno;
    if (rc < 0) {
        air_server_close(s);
        return rc;
    }
    log_msg(LOG_LEVEL_INFO, "listening on %s (timing %s, seed %llu)", cfg->socket_path,
            cfg->timing == MEDIUM_TIMING_FAST ? "fast" : "real", (unsigned long long)cfg->seed);
    if (s->tcp_fd >= 0)
        log_msg(LOG_LEVEL_INFO, "listening on 127.0.0.1:%d", cfg->tcp_port);
    *out = s;
    return 0;
}

/* ---- clients ---- */

static void client_close(struct air_client *cl, const char *why)
{
    if (cl->closing)
        return;
    if (cl->ctrl)
        log_msg(LOG_LEVEL_INFO, "client %u %s", cl->ordinal, why);
    else
        log_msg(LOG_LEVEL_DEBUG, "connection without a controller %s", why);
    cl->closing = true;
    cl->server->nclosing++;
}

static size_t client_out_free(const struct air_client *cl)
{
    return sizeof(cl->out) - (cl->out_tail - cl->out_head);
}

/* The controller's room check (controller_set_host_room). */
static size_t client_room(void *ctx)
{
    return client_out_free(ctx);
}

/* The client's input waits while its output has less than the controller's event
 * reserve free: its commands and data then wait in the socket, back-pressure on
 * the host, and the events they would raise cannot overflow the output. */
static bool client_takes_input(const struct air_client *cl)
{
    return client_out_free(cl) >= CONTROLLER_EVENT_RESERVE;
}

/* The controller's packets, queued whole; client_flush writes all that is queued in
 * one write(), so a packet is never split across writes unless the socket itself
 * takes only part of it. Nothing is ever dropped: the controller produces only what
 * fits (controller_set_host_room). */
static void client_output(void *ctx, const uint8_t *pkt, size_t len)
{
    struct air_client *cl = ctx;
    if (cl->closing)
        return;
    if (cl->out_tail + len > sizeof(cl->out) && cl->out_head > 0) {
        memmove(cl->out, cl->out + cl->out_head, cl->out_tail - cl->out_head);
        cl->out_tail -= cl->out_head;
        cl->out_head = 0;
    }
    if (cl->out_tail + len > sizeof(cl->out)) { /* the controller's reserve broke */
        log_msg(LOG_LEVEL_ERROR, "client %u: output full, a packet for it would be lost",
                cl->ordinal);
        client_close(cl, "closed: its output overflowed");
        return;
    }
    if (cl->out_head == cl->out_tail)
        cl->waiting_since = server_clock(cl->server);
    memcpy(cl->out + cl->out_tail, pkt, len);
    cl->out_tail += len;
    if (!cl->pending) {
        cl->pending = true;
        cl->next_pending = cl->server->pending;
        cl->server->pending = cl;
    }
}

/* Writes what waits; what went out restarts the stall time, and room made may let
 * the controller take data it refused. */
static void client_flush(struct air_client *cl)
{
    bool moved = false;
    while (!cl->closing && cl->out_head < cl->out_tail) {
        ssize_t n = send(cl->fd, cl->out + cl->out_head, cl->out_tail - cl->out_head,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            char why[96];
            snprintf(why, sizeof(why), "closed: write failed: %s", strerror(errno));
            client_close(cl, why);
            return;
        }
        moved = true;
        cl->out_head += (size_t)n;
    }
    if (cl->out_head == cl->out_tail)
        cl->out_head = cl->out_tail = 0;
    if (moved) {
        cl->waiting_since = server_clock(cl->server);
        if (cl->ctrl)
            controller_host_ready(cl->ctrl);
    }
}

/* Whether output has waited the stall time with nothing read. now may be earlier
 * than the stamp (taken while the turn ran): that is no time at all. */
static bool client_dead(const struct air_client *cl, uint64_t now)
{
    return cl->out_head < cl->out_tail && now > cl->waiting_since &&
           now - cl->waiting_since >= cl->server->stall_limit_us;
}

static int client_packet(void *ctx, const uint8_t *pkt, size_t len)
{
    struct air_client *cl = ctx;
    return controller_receive(cl->ctrl, pkt, len);
}

/* ---- the addresses: no two live clients have the same ---- */

/* Whether the host hung up: its deactivation closed the socket, and this air has
 * not read up to the end yet. */
static bool client_hung_up(const struct air_client *cl)
{
    struct pollfd p = {.fd = cl->fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/* The live client other than self whose controller has addr, or NULL. One that hung
 * up is closed here: so a device that deactivates and activates again at once finds
 * its address free, whichever the air sees first. */
static struct air_client *address_holder(struct air_server *s, const uint8_t addr[6],
                                         const struct air_client *self)
{
    for (unsigned i = 0; i < s->nclients; i++) {
        struct air_client *cl = s->clients[i];
        if (cl == self || cl->closing || !cl->ctrl || memcmp(cl->addr, addr, 6) != 0)
            continue;
        if (!client_hung_up(cl))
            return cl;
        client_close(cl, "disconnected");
    }
    return NULL;
}

/* Spare addresses from this ordinal on: no client gets that far. */
#define SPARE_ORDINAL 0x80000000u

/* A new controller's address: its ordinal's (medium_public_address), unless a live
 * client wrote that one for itself; then the next free spare one. */
static void client_default_address(struct air_server *s, unsigned ordinal, uint8_t addr[6])
{
    medium_public_address(&s->medium, ordinal, addr);
    while (address_holder(s, addr, NULL))
        medium_public_address(&s->medium, SPARE_ORDINAL + s->next_spare++, addr);
}

/* The controller's claim (controller_set_address_claim): an address another live
 * client holds is refused with Connection Rejected due to Limited Resources (0x0D,
 * Vol 1 Part F 2.13: the address is the resource, taken); the host tells it apart
 * from a malformed command's Invalid HCI Command Parameters (0x12). */
static uint8_t client_claim(void *ctx, const uint8_t addr[6])
{
    struct air_client *cl = ctx;
    struct air_client *holder = address_holder(cl->server, addr, cl);
    char text[BDADDR_TEXT_LEN];
    if (holder) {
        log_msg(LOG_LEVEL_INFO, "client %u: refused address %s: client %u has it", cl->ordinal,
                bdaddr_text(addr, text), holder->ordinal);
        return HCI_ERR_LIMITED_RESOURCES;
    }
    memcpy(cl->addr, addr, 6);
    log_msg(LOG_LEVEL_INFO, "client %u: controller now %s", cl->ordinal, bdaddr_text(addr, text));
    return HCI_SUCCESS;
}

/* The controller comes with the client's first bytes, so a mere probe (another
 * air checking whether this one runs) takes no ordinal and no address. */
static bool client_attach(struct air_client *cl)
{
    struct air_server *s = cl->server;
    unsigned ordinal = s->next_ordinal + 1;
    client_default_address(s, ordinal, cl->addr);
    cl->ctrl = controller_create(&s->medium.air, cl->addr, client_output, cl);
    if (!cl->ctrl) {
        client_close(cl, "closed: out of memory for its controller");
        return false;
    }
    controller_set_host_room(cl->ctrl, client_room);
    controller_set_address_claim(cl->ctrl, client_claim);
    s->next_ordinal = cl->ordinal = ordinal;
    for (unsigned i = 0; i < s->cfg.npositions; i++)
        if (s->cfg.positions[i].ordinal == ordinal)
            medium_place(controller_radio(cl->ctrl), s->cfg.positions[i].x, s->cfg.positions[i].y);
    char text[BDADDR_TEXT_LEN];
    log_msg(LOG_LEVEL_INFO, "client %u: controller %s", ordinal, bdaddr_text(cl->addr, text));
    return true;
}

static void client_read(struct air_client *cl)
{
    uint8_t buf[4096];
    ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0) {
        client_close(cl, "disconnected");
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            char why[96];
            snprintf(why, sizeof(why), "closed: read failed: %s", strerror(errno));
            client_close(cl, why);
        }
        return;
    }
    if (!cl->ctrl && !client_attach(cl))
        return;
    if (h4_feed(&cl->rx, buf, (size_t)n, client_packet, cl) < 0) {
        char why[160];
        snprintf(why, sizeof(why), "closed: malformed H4 stream: %s",
                 cl->rx.err ? h4_error(&cl->rx) : "malformed packet");
        client_close(cl, why);
    }
}

static void client_free(struct air_client *cl)
{
    controller_destroy(cl->ctrl);
    close(cl->fd);
    free(cl);
}

/* At the fd limit: the reserve descriptor makes room to accept the connection and
 * close it at once, so it does not wait in the backlog (nor keep the listener
 * readable) for ever. */
static void server_refuse(struct air_server *s, int lfd)
{
    struct rlimit rl = {0};
    getrlimit(RLIMIT_NOFILE, &rl);
    log_msg(LOG_LEVEL_WARN,
            "refused a client: %u clients reach the limit of %llu open files "
            "(ulimit -n)",
            s->nclients, (unsigned long long)rl.rlim_cur);
    close(s->reserve_fd);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        close(fd);
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Room for one more client in s->clients, doubling it when full. */
static bool server_room(struct air_server *s)
{
    if (s->nclients < s->capacity)
        return true;
    unsigned capacity = s->capacity ? 2 * s->capacity : 64;
    struct air_client **grown = realloc(s->clients, capacity * sizeof(*grown));
    if (!grown)
        return false;
    s->clients = grown;
    s->capacity = capacity;
    return true;
}

/* What a client's socket is watched for: input while the client takes input (its
 * commands then wait in the socket), room to write while its output waits. */
static void client_watch(struct air_client *cl)
{
    uint32_t want = (client_takes_input(cl) ? EPOLLIN : 0) |
                    (cl->out_head < cl->out_tail ? EPOLLOUT : 0);
    if (want == cl->watched)
        return;
    struct epoll_event ev = {.events = want, .data.ptr = cl};
    if (epoll_ctl(cl->server->epoll_fd, EPOLL_CTL_MOD, cl->fd, &ev) == 0)
        cl->watched = want;
}

/* Returns false when nothing more waits to be accepted. */
static bool server_accept(struct air_server *s, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            server_refuse(s, lfd);
        return errno == EINTR || errno == ECONNABORTED;
    }
    if (lfd == s->tcp_fd) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    struct air_client *cl = server_room(s) ? calloc(1, sizeof(*cl)) : NULL;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cl};
    if (!cl || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        log_msg(LOG_LEVEL_ERROR, "refused a client: %s (%u clients)",
                cl ? strerror(errno) : "out of memory", s->nclients);
        free(cl);
        close(fd);
        return true;
    }
    cl->server = s;
    cl->fd = fd;
    cl->watched = EPOLLIN;
    h4_init(&cl->rx, H4_FROM_HOST, CONTROLLER_ACL_MTU);
    s->clients[s->nclients++] = cl;
    log_msg(LOG_LEVEL_DEBUG, "connection on the %s socket", lfd == s->tcp_fd ? "tcp" : "unix");
    return true;
}

/* At most this many at a time, so that a burst of connections cannot hold up the
 * air's clock. */
#define ACCEPT_BURST 64

static void server_accept_burst(struct air_server *s, int lfd)
{
    for (int i = 0; i < ACCEPT_BURST && server_accept(s, lfd); i++)
        ;
}

static void server_reap(struct air_server *s)
{
    if (!s->nclosing)
        return;
    unsigned kept = 0;
    for (unsigned i = 0; i < s->nclients; i++) {
        if (s->clients[i]->closing)
            client_free(s->clients[i]);
        else
            s->clients[kept++] = s->clients[i];
    }
    s->nclients = kept;
    s->nclosing = 0;
}

/* ---- the loop ---- */

/* Writes out what the clients with output queued have (the others have nothing to
 * write, so this costs what was queued, not the number of clients), closes the dead,
 * sets what each waits for, and reaps the closed. A client stays on the list while
 * output remains. */
static void server_tend(struct air_server *s, uint64_t now)
{
    struct air_client **p = &s->pending;
    while (*p) {
        struct air_client *cl = *p;
        client_flush(cl);
        if (!cl->closing && client_dead(cl, now)) {
            char why[128];
            snprintf(why, sizeof(why),
                     "closed: it read nothing for %.3g s while its output "
                     "waited",
                     (double)s->stall_limit_us / 1e6);
            client_close(cl, why);
        }
        if (!cl->closing)
            client_watch(cl);
        if (!cl->closing && cl->out_head < cl->out_tail) {
            p = &cl->next_pending;
        } else {
            *p = cl->next_pending;
            cl->pending = false;
        }
    }
    server_reap(s);
    if (s->nclients > 0)
        s->idle_since = now;
}

/* How long to sleep: until the next timer, the idle deadline or 1 s, whichever is
 * first, at most max_wait_us. */
static uint64_t server_wait(const struct air_server *s, uint64_t now, uint64_t max_wait_us)
{
    uint64_t wait = max_wait_us < 1000000 ? max_wait_us : 1000000;
    uint64_t due;
    if (timerq_next(&s->medium.air.timers, &due))
        wait = due > now ? (due - now < wait ? due - now : wait) : 0;
    uint64_t idle_end = s->idle_since + (uint64_t)s->cfg.exit_when_idle_s * 1000000u;
    if (s->cfg.exit_when_idle_s >= 0 && s->nclients == 0 && idle_end - now < wait)
        wait = idle_end - now;
    return wait;
}

/* Up to EPOLL_BATCH clients whose sockets are ready; any more are ready still on
 * the next turn of the loop, once the timers had theirs. */
#define EPOLL_BATCH 256

static void server_serve_clients(struct air_server *s)
{
    struct epoll_event ev[EPOLL_BATCH];
    int n = epoll_wait(s->epoll_fd, ev, EPOLL_BATCH, 0);
    for (int i = 0; i < n; i++) {
        struct air_client *cl = ev[i].data.ptr;
        if (cl->closing)
            continue; /* freed on the next turn */
        if ((ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && client_takes_input(cl))
            client_read(cl);
        if (ev[i].events & EPOLLOUT)
            client_flush(cl);
    }
}

int air_server_turn(struct air_server *s, uint64_t max_wait_us)
{
    uint64_t now = server_clock(s);
    timerq_run_until(&s->medium.air.timers, now);
    server_tend(s, now);
    uint64_t idle_limit = (uint64_t)s->cfg.exit_when_idle_s * 1000000u;
    if (s->cfg.exit_when_idle_s >= 0 && now - s->idle_since >= idle_limit) {
        log_msg(LOG_LEVEL_INFO, "no client for %d s: exiting", s->cfg.exit_when_idle_s);
        return 0;
    }
    uint64_t wait = server_wait(s, now, max_wait_us);
    /* The clients' sockets are behind the one epoll descriptor. */
    struct pollfd pfd[4] = {
        {.fd = s->stop_pipe[0], .events = POLLIN},
        {.fd = s->unix_fd, .events = POLLIN},
        {.fd = s->tcp_fd, .events = POLLIN}, /* -1: ignored */
        {.fd = s->epoll_fd, .events = POLLIN},
    };
    struct timespec ts = {(time_t)(wait / 1000000), (long)(wait % 1000000) * 1000};
    int rc = ppoll(pfd, 4, &ts, NULL);
    if (rc < 0 && errno != EINTR) {
        log_msg(LOG_LEVEL_ERROR, "poll failed: %s", strerror(errno));
        return -errno;
    }
    if (rc <= 0)
        return 1;
    if (pfd[0].revents) {
        log_msg(LOG_LEVEL_INFO, "stopping");
        return 0;
    }
    /* Commands act at the current time: first catch up with the timers. */
    timerq_run_until(&s->medium.air.timers, server_clock(s));
    if (pfd[3].revents & POLLIN)
        server_serve_clients(s);
    if (pfd[1].revents & POLLIN)
        server_accept_burst(s, s->unix_fd);
    if (pfd[2].revents & POLLIN)
        server_accept_burst(s, s->tcp_fd);
    return 1;
}

int air_server_run(struct air_server *s)
{
    int rc;
    while ((rc = air_server_turn(s, UINT64_MAX)) == 1)
        continue;
    return rc;
}

void air_server_stop(struct air_server *s)
{
    char b = 1;
    ssize_t n = write(s->stop_pipe[1], &b, 1);
    (void)n; /* a full pipe already says stop */
}

void air_server_close(struct air_server *s)
{
    for (unsigned i = 0; i < s->nclients; i++)
        client_free(s->clients[i]);
    free(s->clients);
    s->nclients = 0;
    if (s->unix_fd >= 0) {
        close(s->unix_fd);
        unlink(s->cfg.socket_path);
    }
    if (s->tcp_fd >= 0)
        close(s->tcp_fd);
    for (int i = 0; i < 2; i++)
        if (s->stop_pipe[i] >= 0)
            close(s->stop_pipe[i]);
    if (s->epoll_fd >= 0)
        close(s->epoll_fd);
    if (s->reserve_fd >= 0)
        close(s->reserve_fd);
    medium_free(&s->medium);
    air_capture_close(s->capture);
    free(s);
}
