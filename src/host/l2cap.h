/* l2cap.h - L2CAP on LE (Core v5.4 Vol 3 Part A): each link's channel table, the
 * fixed channels (2.1) and B-frames (3.1) over the host's ACL links. The LE
 * signalling channel is l2cap_sig.c, credit-based channels l2cap_coc.c. */
#ifndef MPBLE_L2CAP_H
#define MPBLE_L2CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/acl.h" /* enum acl_class */

struct host;
struct conn;

#define L2CAP_CID_ATT 0x0004
#define L2CAP_CID_LE_SIGNALING 0x0005
#define L2CAP_CID_SMP 0x0006
#define L2CAP_HDR 4 /* length(2) channel id(2): a B-frame, Vol 3 Part A 3.1 */
/* The LE dynamic CIDs (2.1), and how many of them one link holds open at once. */
#define L2CAP_CID_DYN_FIRST 0x0040
#define L2CAP_CID_DYN_LAST 0x007f
#define L2CAP_DYN_PER_LINK 16
/* Channels one link holds at once: the three fixed ones and the dynamic ones. */
#define L2CAP_MAX_CHANS (3 + L2CAP_DYN_PER_LINK)

struct l2cap_chan;

/* What a channel's owner registers. */
struct l2cap_chan_ops {
    /* One whole PDU's information payload received on the channel. */
    void (*recv)(struct host *h, struct conn *c, struct l2cap_chan *ch, const uint8_t *p,
                 size_t len);
    /* A send on the channel found the link's transmit queue full, and room has
     * freed since (NULL: the owner does not wait for room). */
    void (*tx_room)(struct host *h, struct conn *c, struct l2cap_chan *ch);
};

struct l2cap_chan {
    const struct l2cap_chan_ops *ops; /* NULL: a free slot */
    uint16_t scid, dcid;              /* ours and the peer's; the same for a fixed channel */
    uint16_t mtu, mps;                /* the largest SDU and PDU payload the owner takes */
    bool wants_room;                  /* a send found the queue full: tell the owner of room */
    void *owner;                      /* the owner's state of a dynamic channel */
};

struct l2cap_link {
    struct l2cap_chan chans[L2CAP_MAX_CHANS];
    uint8_t next_ident; /* the last signalling identifier this host used (4) */
};

/* A link came up: no channel is open. Down: every channel is closed. */
void l2cap_link_up(struct host *h, struct conn *c);
void l2cap_link_down(struct host *h, struct conn *c);
/* Opens a fixed channel on c (at link up). 0, or -ENOMEM when the table is full. */
int l2cap_fixed_open(struct host *h, struct conn *c, uint16_t cid, uint16_t mtu,
                     const struct l2cap_chan_ops *ops);
/* Opens a dynamic channel on c with the lowest free CID of 0x0040-0x007F: the
 * channel (dcid still 0), or NULL when the link holds L2CAP_DYN_PER_LINK already. */
struct l2cap_chan *l2cap_dynamic_open(struct conn *c, const struct l2cap_chan_ops *ops,
                                      void *owner);
void l2cap_chan_close(struct l2cap_chan *ch);
/* The open channel with our CID cid, or NULL. */
struct l2cap_chan *l2cap_chan_by_cid(struct conn *c, uint16_t cid);
/* The open dynamic channel whose peer's CID is dcid, or NULL. */
struct l2cap_chan *l2cap_chan_by_dcid(struct conn *c, uint16_t dcid);

/* Sends one PDU of class cls on our channel cid of c (to the peer's CID of it): framed, fragmented into ACL packets
 * and queued until the controller has buffers for them. 0; -ENOMEM when the link's
 * transmit queue cannot take it now (nothing is queued then; the channel's tx_room
 * follows when room frees); -EMSGSIZE when it never could; -ENOTCONN when c is not
 * connected. */
int l2cap_send(struct host *h, struct conn *c, uint16_t cid, enum acl_class cls,
               const uint8_t *payload, size_t len);
/* Whether a PDU of len payload bytes and class cls fits in c's transmit queue now;
 * if not, the channel's tx_room follows when it does. */
bool l2cap_room(struct host *h, struct conn *c, uint16_t cid, enum acl_class cls, size_t len);

/* From the ACL layer: one whole reassembled L2CAP PDU (header included), and room
 * freed in c's transmit queue. */
void l2cap_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
void l2cap_on_tx_room(struct host *h, struct conn *c);

#endif
