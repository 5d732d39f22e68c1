/* conn.h - the host's LE connections. */
#ifndef MPBLE_CONN_H
#define MPBLE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/att.h"
#include "host/l2cap.h"
#include "mpble/mpble.h"

/* Connections one host keeps at once, in both roles together. */
#define HOST_MAX_CONNS MPBLE_MAX_LINKS
/* Largest L2CAP PDU received (header included). */
#define HOST_L2CAP_RX_MAX (4 + 2048)

/* A link's transmit queue: whole L2CAP PDUs the controller has no ACL buffer for yet
 * (acl.c), each a record of HOST_TX_RECORD bytes (length, blocks) and the PDU.
 *
 * Data (ATT notifications and commands, which nothing answers: Vol 3 Part F 3.3.1)
 * may hold HOST_TX_DATA_BLOCKS blocks there, a PDU one per HOST_TX_BLOCK bytes of
 * its length: the reference's buffer pool, NimBLE's msys of 12 blocks of 292 bytes
 * (MicroPython's extmod/nimble/syscfg/syscfg.h), a block holding about 256 bytes
 * once NimBLE's buffer headers are off, from which a PDU waiting for a controller
 * buffer is taken. So a burst is taken as far as the controller's free ACL buffers
 * (LE Read Buffer Size) plus 12 PDUs of up to a 244-byte value (251 bytes with
 * their headers), and then refused with -ENOMEM until Number Of Completed Packets
 * frees buffers. The host's 12 are what a link carries in one to four connection
 * events in real timing (the air's controller holds 128 more).
 *
 * The rest, HOST_TX_RESERVE, only what must not be lost may use: responses and
 * confirmations, our one request and one indication, signalling and SMP (the largest
 * ATT PDUs: ATT_MTU_MAX). A queue full of data never blocks them. */
#define HOST_TX_RECORD 3
#define HOST_TX_BLOCK 256
#define HOST_TX_DATA_BLOCKS 12
#define HOST_TX_RESERVE (4 * (HOST_TX_RECORD + L2CAP_HDR + ATT_MTU_MAX))
#define HOST_TX_QUEUE_BYTES \
    (HOST_TX_DATA_BLOCKS * (HOST_TX_RECORD + HOST_TX_BLOCK) + HOST_TX_RESERVE)

/* HCI Role (Vol 4 Part E 7.7.65.1). */
enum conn_role { CONN_ROLE_CENTRAL = 0, CONN_ROLE_PERIPHERAL = 1 };

/* The link's security (Vol 3 Part C 10.2), which the GATT server's permission
 * checks read; the Security Manager sets it. Nothing encrypts a link yet. */
struct conn_security {
    bool encrypted, authenticated, bonded;
    uint8_t key_size; /* octets; 0 while not encrypted */
};

struct host;

struct conn {
    bool used;
    bool disconnecting;
    bool going_down; /* the link-down fan-out runs: its disconnect event follows */
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
    size_t tx_sent;          /* bytes of the head PDU already sent */
    uint16_t tx_in_flight;   /* ACL packets sent, not yet completed */
    unsigned tx_blocks;      /* data blocks queued (of HOST_TX_DATA_BLOCKS) */
    size_t tx_want;          /* queueings found no room: report when this much is free */
    unsigned tx_want_blocks; /* ... or when this many data blocks are */

    struct conn_security sec;
    struct l2cap_link l2cap;
    struct att_bearer att;
};

/* What the layers above do when a link comes up (before its connect event) and
 * goes down (before its disconnect event); host.c registers them. */
struct conn_upper {
    void (*up)(struct host *h, struct conn *c);
    void (*down)(struct host *h, struct conn *c);
};

struct hci_evt;

struct conn *conn_by_handle(struct host *h, uint16_t handle);

/* Activation: the per-link buffers, sized once; conn_free releases them. */
int conn_start(struct host *h);
void conn_free(struct host *h);
/* Deactivation: cancels a connection attempt and disconnects every link (the
 * events are not delivered then). */
void conn_stop(struct host *h);
/* The transport died: everything is disconnected (reason: connection timeout). */
void conn_on_transport_lost(struct host *h);

struct conn_connect_args {
    mpble_addr_t peer;
    uint32_t scan_duration_ms, min_interval_us, max_interval_us;
};
/* mpble_gap_connect and mpble_gap_connect_cancel. */
int conn_connect(struct host *h, const struct conn_connect_args *a);
int conn_connect_cancel(struct host *h);
/* 1 when a disconnection started, 0 when handle is not connected, or -errno. */
int conn_disconnect(struct host *h, uint16_t handle);
/* Asks the controller for new parameters (HCI units); -EINVAL when invalid. */
int conn_update_params(struct host *h, struct conn *c, uint16_t imin, uint16_t imax,
                       uint16_t latency, uint16_t timeout);
/* mpble_gap_set_data_length and mpble_gap_set_phy. */
int conn_set_data_length(struct host *h, uint16_t handle, uint16_t octets);
int conn_set_phy(struct host *h, uint16_t handle, int phy);
/* _IRQ_CONNECTION_UPDATE with c's current parameters. */
void conn_emit_update(struct host *h, struct conn *c, bool failed);

/* HCI events about connections. */
void conn_on_complete(struct host *h, const struct hci_evt *ev);
void conn_on_disconnect(struct host *h, const struct hci_evt *ev);
void conn_on_update(struct host *h, const struct hci_evt *ev);
void conn_on_param_req(struct host *h, const struct hci_evt *ev);

#endif
