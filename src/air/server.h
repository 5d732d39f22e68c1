/* server.h - the mpble-air server: one virtual controller per client connection,
 * H4 over a Unix stream socket (and optionally TCP on 127.0.0.1), all controllers
 * on one medium, one event loop. Clients: as many as the process may open files
 * (RLIMIT_NOFILE, less the air's own half dozen) and memory allows; one beyond is
 * accepted and closed at once, with a warning in the log. No two live clients'
 * controllers have the same public address: each gets its ordinal's
 * (medium_public_address), and one a host writes (Write BD_ADDR, hci_defs.h) that
 * another live client has is refused. */
#ifndef MPBLE_AIR_SERVER_H
#define MPBLE_AIR_SERVER_H

#include <stdint.h>

#include "air/medium.h"
#include "controller/controller.h"

/* Packets queued for one client. Its controller keeps CONTROLLER_EVENT_RESERVE of it
 * for events (controller.h), and the client's input waits while less is free, so
 * that what one read of it raises fits too. */
#define AIR_CLIENT_OUT_BUF (2 * CONTROLLER_EVENT_RESERVE)
#define AIR_STALL_LIMIT_S 10  /* default: output waiting, nothing read: closed */
#define AIR_MAX_POSITIONS 256 /* --position options */

/* Where the controller of the ordinal-th client sits, in metres. */
struct air_position {
    uint32_t ordinal;
    double x, y;
};

struct air_server_config {
    const char *socket_path;
    int tcp_port; /* 0: no TCP listener */
    enum medium_timing timing;
    uint64_t seed;
    int exit_when_idle_s;                 /* < 0: never */
    double loss;                          /* probability 0..1 that a transmission is lost */
    double range;                         /* metres beyond which nothing is heard; 0: unlimited */
    const char *pcap_path;                /* capture of every PDU (air/capture.h); NULL: none */
    const struct air_position *positions; /* the others sit at random spots */
    unsigned npositions;
    double stall_timeout_s; /* a client whose output waits this long unread is closed;
                               0: AIR_STALL_LIMIT_S */
    /* The clock, in us from any origin; NULL: CLOCK_MONOTONIC. */
    uint64_t (*clock)(void *ctx);
    void *clock_ctx;
};

struct air_server;

/* Opens the capture file, then listens. Returns 0; -EADDRINUSE if another server accepts on the socket path
 * (a stale socket is replaced); -EEXIST if the path is something else than a
 * socket; another -errno on failure. Errors are logged. */
int air_server_open(struct air_server **out, const struct air_server_config *cfg);

/* Serves until air_server_stop or the idle time runs out. Returns 0 or -errno. */
int air_server_run(struct air_server *s);

/* One turn of air_server_run, waiting at most max_wait_us for something to do.
 * Returns 1 to go on, 0 when stopped or idle long enough, or -errno. */
int air_server_turn(struct air_server *s, uint64_t max_wait_us);

/* Makes air_server_run return soon; async-signal-safe, callable from any thread. */
void air_server_stop(struct air_server *s);

/* Drops every client, closes the listeners and unlinks the socket. */
void air_server_close(struct air_server *s);

#endif
