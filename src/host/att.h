/* att.h - the Attribute Protocol bearer on a connection (Core v5.4 Vol 3 Part F):
 * what the connection layer calls, the per-connection ATT state, and what the ATT
 * server (att_server.c), the ATT client (att_client.c) and the bearer (att.c) offer
 * each other and the API. */
#ifndef MPBLE_ATT_H
#define MPBLE_ATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/att_pdu.h"
#include "host/gattc.h"
#include "host/host_timer.h"
#include "host/l2cap.h"

struct host;
struct conn;

#define ATT_DEFAULT_MTU ATT_MTU_MIN /* LE: Vol 3 Part F 3.2.8 */
#define ATT_TIMEOUT_US 30000000u    /* the transaction timeout (3.3.3) */
#define ATT_IND_QUEUE 4             /* indications waiting behind an unconfirmed one */
#define ATT_PREP_BYTES 1024         /* the prepare queue (3.4.6.1), entries included */

/* Statuses in events besides MPBLE_STATUS_*: NimBLE's host error codes, which the
 * reference reports as they are. */
#define ATT_STATUS_NO_MEM 6
#define ATT_STATUS_APP 9       /* the application denied the read of a notification */
#define ATT_STATUS_BAD_DATA 10 /* the peer's answer was malformed */

struct att_ind {
    uint16_t handle, len;
    uint8_t data[ATT_MTU_MAX - 3];
};

/* Per-connection ATT state (server and client side). */
struct att_bearer {
    uint16_t mtu;
    bool mtu_exchanged;
    bool closed; /* a transaction timed out: no more PDUs on this bearer (3.3.3) */

    /* server: the indication awaiting its confirmation, and those queued behind it
     * (the head waiting for transmit room when ind_wait_room) */
    bool ind_waiting, ind_wait_room;
    uint16_t ind_handle;
    struct host_timer ind_timer;
    struct att_ind ind_queue[ATT_IND_QUEUE];
    uint8_t ind_head, ind_count;
    /* server: prepared writes, sorted by handle then offset */
    uint16_t prep_used;
    uint8_t prep[ATT_PREP_BYTES];

    /* client: our request awaiting its response (0: none) and its timeout, or
     * waiting for transmit room */
    uint8_t req_op;
    struct host_timer req_timer;
    bool req_wait_room;
    struct gattc_queue gattc;
};

/* ---- the host's top calls these ---- */

/* The ATT channel's operations (CID 0x0004, opened at link up): what arrives goes
 * to the server or the client side; transmit room lets waiting PDUs go. */
extern const struct l2cap_chan_ops att_chan_ops;
/* A connection came up: reset the bearer (MTU 23, nothing pending). */
void att_link_up(struct host *h, struct conn *c);
/* The connection is gone: end pending procedures (their DONE events carry
 * MPBLE_STATUS_LINK_LOST) and stop timers. */
void att_link_down(struct host *h, struct conn *c);
/* One ATT PDU received on the connection's ATT channel. */
void att_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);

/* ---- the API ---- */

/* A Handle Value Notification or Indication (the latter queued behind an
 * unconfirmed one), truncated to ATT_MTU-3. data NULL: the stored value, read
 * with _IRQ_GATTS_READ_REQUEST(0xffff, handle) first. 0, -EACCES when that read
 * fails, -ENOMEM when there is no room (an indication then also gets its
 * INDICATE_DONE with the error status), -ENOTCONN when the bearer timed out. */
int att_server_send_value(struct host *h, struct conn *c, uint16_t handle, const uint8_t *data,
                          size_t len, bool indicate);
/* Whether an indication is unconfirmed or queued on c. */
bool att_server_indicating(const struct conn *c);
/* A changed value for a subscriber (gatts_write with send_update): a notification,
 * or an indication when none is outstanding. 0; -EAGAIN when the transmit queue has
 * no room (nothing read or sent: att_chan_ops.tx_room kicks the updates again);
 * else as att_server_send_value. */
int att_server_update(struct host *h, struct conn *c, uint16_t handle, bool indicate);

/* ---- between the bearer's parts ---- */

/* What the transmit queue counts a PDU with opcode op as: notifications and
 * commands, which nothing answers (3.3.1), are data; requests, responses,
 * indications and confirmations, one outstanding each way, may use the reserve. */
enum acl_class att_class(uint8_t op);
/* Sends a PDU on c's ATT channel: 0, -ENOMEM, -ENOTCONN. */
int att_send(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
/* The bearer timed out: closed, the link is dropped (the reference does the same). */
void att_close(struct host *h, struct conn *c);

void att_server_init(struct host *h, struct conn *c);
void att_server_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
void att_server_on_disconnect(struct host *h, struct conn *c);
void att_server_on_tx_room(struct host *h, struct conn *c);

void att_client_init(struct host *h, struct conn *c);
void att_client_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
void att_client_on_disconnect(struct host *h, struct conn *c);
void att_client_on_tx_room(struct host *h, struct conn *c);
/* Sends one of our requests and starts its timeout; when the transmit queue is full
 * it goes as soon as room frees (through gattc_run). 0, or -ENOTCONN. */
int att_client_request(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);

/* The connection that owns a bearer; the bearer of one of its timers. */
struct conn *att_conn(struct att_bearer *b);
/* (timer is a plain name: no parentheses, which clang-format would take for a cast.) */
#define ATT_BEARER_OF(timer, field) \
    ((struct att_bearer *)((char *)timer - offsetof(struct att_bearer, field)))

#endif
