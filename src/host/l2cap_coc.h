/* l2cap_coc.h - LE credit-based connection-oriented channels (Core v5.4 Vol 3
 * Part A 4.22-4.24, 5.4, 10): the servers listening on SPSMs, each channel's
 * signalling (l2cap_coc.c) and its K-frames and credits (l2cap_coc_data.c). */
#ifndef MPBLE_L2CAP_COC_H
#define MPBLE_L2CAP_COC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host_timer.h"
#include "host/l2cap.h"
#include "mpble/mpble.h"

struct host;
struct conn;

#define L2CAP_COC_CONN_REQ_LEN 10 /* SPSM, source CID, MTU, MPS, initial credits */
#define L2CAP_COC_CONN_RSP_LEN 10 /* destination CID, MTU, MPS, initial credits, result */
#define L2CAP_COC_DISCONN_LEN 4   /* destination CID, source CID (4.6, 4.7) */
#define L2CAP_COC_CREDITS_LEN 4   /* CID, credits (4.24) */

/* The MPS we take and the largest K-frame payload we send: a K-frame with its basic
 * header is one 251-octet LL PDU. */
#define L2CAP_COC_MPS 247
/* MTU and MPS bounds (4.22): both at least 23; MPS at most 65533. */
#define L2CAP_COC_MIN 23
#define L2CAP_COC_MPS_MAX 65533
#define L2CAP_COC_SDU_HDR 2 /* the SDU length in a first K-frame (3.4.3) */
/* The signalling timeout, RTX (6.2.1: 1 to 60 s). */
#define L2CAP_RTX_US (30u * 1000 * 1000)
/* Channels one host holds at once over all its links. */
#define L2CAP_COC_MAX_CHANS 64
/* A channel's receive buffer: two of our SDUs and a K-frame, and at least
 * L2CAP_COC_RX_MIN octets, so that the credits it allows (one per MPS) keep a link
 * busy through the round trip of their return whatever the MTU. */
#define L2CAP_COC_RX_MIN (32 * 1024)
size_t l2cap_coc_rx_size(uint16_t mtu);

/* A channel's life: our request is out (CONNECTING), the peer's waits for the
 * application (ACCEPTING), open, or our disconnection request is out. */
enum coc_state { COC_FREE, COC_CONNECTING, COC_ACCEPTING, COC_OPEN, COC_DISCONNECTING, COC_STATES };

struct coc_chan {
    enum coc_state state;
    struct conn *c;
    struct l2cap_chan *ch; /* its entry in the link's channel table: scid, dcid */
    uint16_t psm;
    uint16_t mtu, peer_mtu, peer_mps;
    uint16_t peer_credits; /* K-frames we may still send */
    uint16_t our_credits;  /* K-frames the peer may still send us */
    uint8_t ident;         /* our outstanding request's identifier */
    struct host_timer rtx;
    /* Receive: [rx_off, rx_ready) whole SDUs not taken yet, [rx_ready, rx_len) the
     * SDU being reassembled, sdu_len its announced length (sdu_open: one is). */
    uint8_t *rx;
    size_t rx_cap, rx_off, rx_ready, rx_len, sdu_len;
    bool sdu_open;
    /* Transmit: one SDU, its length first (tx[0..1]), then [2, tx_len) its data;
     * tx_sent octets of it are queued. stalled: send said no more for now. */
    uint8_t *tx;
    size_t tx_cap, tx_len, tx_sent;
    bool stalled;
};

struct coc_server {
    uint16_t psm; /* 0: a free slot */
    uint16_t mtu;
};

struct l2cap_coc {
    struct coc_server servers[MPBLE_L2CAP_MAX_LISTEN];
    struct coc_chan chans[L2CAP_COC_MAX_CHANS];
};

/* ---- the API (mpble_l2cap_*), under the host lock ---- */

int l2cap_coc_listen(struct host *h, uint16_t psm, int mtu);
int l2cap_coc_connect(struct host *h, struct conn *c, uint16_t psm, int mtu);
int l2cap_coc_disconnect(struct host *h, struct conn *c, uint16_t cid);
int l2cap_coc_send(struct host *h, struct conn *c, uint16_t cid, const uint8_t *data, size_t len);
int l2cap_coc_recvinto(struct host *h, struct conn *c, uint16_t cid, uint8_t *buf, size_t cap);

/* ---- from the signalling channel: each command's data, checked for length ---- */

/* An LE Credit Based Connection Request (4.22): answered (4.23) here. */
void l2cap_coc_conn_req(struct host *h, struct conn *c, uint8_t ident, const uint8_t *req);
void l2cap_coc_conn_rsp(struct host *h, struct conn *c, uint8_t ident, const uint8_t *rsp);
/* A Disconnection Request (4.6): 0 with the response's data in rsp, or -EINVAL for
 * a CID of no channel (then rsp holds the Command Reject's CIDs, 4.1). */
int l2cap_coc_disconn_req(struct host *h, struct conn *c, const uint8_t *req, uint8_t *rsp);
void l2cap_coc_disconn_rsp(struct host *h, struct conn *c, uint8_t ident, const uint8_t *rsp);
void l2cap_coc_credits(struct host *h, struct conn *c, const uint8_t *ind);
/* A Command Reject answering our request ident. */
void l2cap_coc_rejected(struct host *h, struct conn *c, uint8_t ident);

/* ---- the host ---- */

/* The link is going: each of its channels closes (L2CAP_DISCONNECT). */
void l2cap_coc_link_down(struct host *h, struct conn *c);
/* Frees every channel's buffers (the host is freed). */
void l2cap_coc_free(struct host *h);

/* ---- between l2cap_coc.c and l2cap_coc_data.c ---- */

/* The channel operations of an open channel's entry in the link's table. */
extern const struct l2cap_chan_ops l2cap_coc_chan_ops;
/* Closes a channel on a protocol violation: a Disconnection Request (10.1). */
void coc_violation(struct host *h, struct coc_chan *k);
/* The channel's open counterpart of (c, cid), or NULL. */
struct coc_chan *coc_open_by_cid(struct conn *c, uint16_t cid);
/* Sends a Flow Control Credit Ind of n credits. */
void coc_send_credits(struct host *h, struct coc_chan *k, uint16_t n);
/* Credits the peer may be given for the room left (credits to top it up to). */
uint16_t coc_rx_credits(const struct coc_chan *k);
/* Sends what the credits and the link's queue take of the pending SDU. */
void coc_tx_pump(struct host *h, struct coc_chan *k);
/* One L2CAP event about k (emitted once the state is changed: the host lock may be
 * lent while it is delivered, base.h). */
struct mpble_event coc_event(int code, const struct coc_chan *k, uint16_t status);

#endif
