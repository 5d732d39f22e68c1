/* transport.h - byte transports that carry H4 to a controller, chosen by a URI
 * (MPBLE_HCI): air, air:PATH, unix:PATH, tcp:HOST:PORT. */
#ifndef MPBLE_TRANSPORT_H
#define MPBLE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

enum transport_kind {
    TRANSPORT_AIR,  /* the virtual air; started on demand */
    TRANSPORT_UNIX, /* H4 over a Unix stream socket */
    TRANSPORT_TCP,  /* H4 over TCP */
};

struct transport_uri {
    enum transport_kind kind;
    char path[108]; /* AIR (empty: default socket), UNIX */
    char host[256]; /* TCP */
    char port[16];  /* TCP */
};

/* Parses a URI; NULL or "" means "air". Returns 0 or -EINVAL with a message in err. */
int transport_parse_uri(const char *uri, struct transport_uri *out, char *err, size_t errlen);

/* Opens the transport: a connected, non-blocking, close-on-exec fd, or a negative errno
 * with a message in err. For the air, starts an mpble-air server when none listens on
 * the socket (two processes doing so at once end up on one air). */
int transport_open(const struct transport_uri *uri, char *err, size_t errlen);

/* Writes one whole H4 packet in a single write() where the socket allows (some peers
 * mis-parse packets split across writes); waits for writability when the socket is
 * full, up to timeout_ms. Returns 0 or a negative errno. */
int transport_write_packet(int fd, const uint8_t *pkt, size_t len, int timeout_ms);

#endif
