/* h4.h - H4 (UART transport) framing: Core v5.4 Vol 4 Part A.
 *
 * An incremental deframer that accepts bytes in arbitrary chunks and yields whole
 * packets (indicator byte included). Used by the host on its transport and by the
 * air server on each client connection.
 */
#ifndef MPBLE_H4_H
#define MPBLE_H4_H

#include <stddef.h>
#include <stdint.h>

/* Largest packet we accept: indicator + ACL header + 65535 payload bytes. */
#define H4_MAX_PACKET (1 + 4 + 65535)

/* Which direction a deframer reads: a host receives events and ACL data; a
 * controller receives commands and ACL data. Anything else is a protocol error. */
enum h4_side {
    H4_FROM_CONTROLLER, /* events, ACL, ISO */
    H4_FROM_HOST,       /* commands, ACL, ISO */
};

struct h4_deframer {
    enum h4_side side;
    size_t max_acl;  /* largest ACL payload accepted (<= 65535) */
    size_t have;     /* bytes of the current packet collected */
    size_t need;     /* total bytes of the current packet, 0 while unknown */
    const char *err; /* why the stream was refused, or NULL */
    uint8_t buf[H4_MAX_PACKET];
};

/* Called for each whole packet: pkt[0] is the H4 indicator. Return 0 to go on, or a
 * negative value to stop; h4_feed returns that value. */
typedef int (*h4_packet_fn)(void *ctx, const uint8_t *pkt, size_t len);

void h4_init(struct h4_deframer *d, enum h4_side side, size_t max_acl);

/* Feeds bytes. Returns 0, the callback's negative value, or -EPROTO when the stream
 * has an unknown packet indicator or an impossible length (the deframer is then
 * unusable until h4_init). */
int h4_feed(struct h4_deframer *d, const uint8_t *data, size_t len, h4_packet_fn fn, void *ctx);

/* Takes bytes from *data (advancing it and *len) until one packet is whole: returns 1
 * with *pkt and *pkt_len (in the deframer: valid until its next use), 0 when the
 * bytes ran out first, or -EPROTO as h4_feed. */
int h4_next(struct h4_deframer *d, const uint8_t **data, size_t *len, const uint8_t **pkt,
            size_t *pkt_len);

/* Describes the last -EPROTO, for error messages. */
const char *h4_error(const struct h4_deframer *d);

#endif
