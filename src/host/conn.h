/* conn.h - the host's LE connections. */
#ifndef MPBLE_CONN_H
#define MPBLE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/att.h"
#include "mpble/mpble.h"

/* Connections one host keeps at once, in both roles together. */
#define HOST_MAX_CONNS 8

/* HCI Role (Vol 4 Part E 7.7.65.1). */
enum conn_role { CONN_ROLE_CENTRAL = 0, CONN_ROLE_PERIPHERAL = 1 };

struct conn {
    bool used;
    bool disconnecting;
    uint16_t handle;
    uint8_t role;
    mpble_addr_t peer;
    uint16_t interval, latency, timeout;

    /* ACL receive: the L2CAP PDU being reassembled (Vol 3 Part A 7.2). */
    uint8_t *rx;
    size_t rx_len, rx_need;
    /* ACL transmit: whole L2CAP PDUs waiting for controller buffers. */
    uint8_t *tx;
    size_t tx_head, tx_used, tx_cap;
    uint16_t tx_in_flight; /* ACL packets sent, not yet completed */
    uint8_t sig_ident;     /* LE signalling identifier of our last request */

    struct att_bearer att;
};

struct host;
struct conn *conn_by_handle(struct host *h, uint16_t handle);

#endif
