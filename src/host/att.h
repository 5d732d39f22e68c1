/* att.h - the Attribute Protocol bearer on a connection (Core v5.4 Vol 3 Part F):
 * what the connection layer calls, and the per-connection ATT state. */
#ifndef MPBLE_ATT_H
#define MPBLE_ATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host_timer.h"

struct host;
struct conn;

#define ATT_DEFAULT_MTU 23 /* LE: Vol 3 Part F 3.2.8 */

/* Per-connection ATT state (server and client side). */
struct att_bearer {
    uint16_t mtu;
    bool mtu_exchanged;
    struct host_timer timeout; /* the 30 s transaction timeout (Vol 3 Part F 3.3.3) */
};

/* A connection came up: reset the bearer (MTU 23, nothing pending). */
void att_bearer_init(struct host *h, struct conn *c);
/* One ATT PDU received on the connection's ATT channel. */
void att_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
/* The connection is gone: end pending procedures (their DONE events carry
 * MPBLE_STATUS_LINK_LOST) and stop timers. */
void att_on_disconnect(struct host *h, struct conn *c);

#endif
