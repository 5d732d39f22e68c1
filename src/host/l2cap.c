/* l2cap.c - L2CAP on LE: each link's channel table, B-frames on it, and the
 * demultiplexing of what arrives by channel ID (Core v5.4 Vol 3 Part A 2.1, 3.1). */
#include "host/l2cap.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "host/acl.h"
#include "host/conn.h"

void l2cap_link_up(struct host *h, struct conn *c)
{
    memset(&c->l2cap, 0, sizeof c->l2cap);
}

void l2cap_link_down(struct host *h, struct conn *c)
{
    memset(&c->l2cap, 0, sizeof c->l2cap);
}

int l2cap_fixed_open(struct host *h, struct conn *c, uint16_t cid, uint16_t mtu,
                     const struct l2cap_chan_ops *ops)
{
    for (unsigned i = 0; i < L2CAP_MAX_CHANS; i++) {
        struct l2cap_chan *ch = &c->l2cap.chans[i];
        if (ch->ops == NULL) {
            *ch = (struct l2cap_chan){.ops = ops, .scid = cid, .dcid = cid, .mtu = mtu, .mps = mtu};
            return 0;
        }
    }
    return -ENOMEM;
}

struct l2cap_chan *l2cap_dynamic_open(struct conn *c, const struct l2cap_chan_ops *ops, void *owner)
{
    unsigned dynamic = 0;
    struct l2cap_chan *slot = NULL;
    for (unsigned i = 0; i < L2CAP_MAX_CHANS; i++) {
        struct l2cap_chan *ch = &c->l2cap.chans[i];
        if (ch->ops == NULL && slot == NULL)
            slot = ch;
        else if (ch->ops && ch->scid >= L2CAP_CID_DYN_FIRST)
            dynamic++;
    }
    if (slot == NULL || dynamic >= L2CAP_DYN_PER_LINK)
        return NULL;
    uint16_t cid = L2CAP_CID_DYN_FIRST;
    while (l2cap_chan_by_cid(c, cid) != NULL)
        cid++; /* at most L2CAP_DYN_PER_LINK of the 64 are taken */
    *slot = (struct l2cap_chan){.ops = ops, .scid = cid, .owner = owner};
    return slot;
}

void l2cap_chan_close(struct l2cap_chan *ch)
{
    *ch = (struct l2cap_chan){0};
}

struct l2cap_chan *l2cap_chan_by_dcid(struct conn *c, uint16_t dcid)
{
    for (unsigned i = 0; i < L2CAP_MAX_CHANS; i++) {
        struct l2cap_chan *ch = &c->l2cap.chans[i];
        if (ch->ops && ch->scid >= L2CAP_CID_DYN_FIRST && ch->dcid == dcid)
            return ch;
    }
    return NULL;
}

struct l2cap_chan *l2cap_chan_by_cid(struct conn *c, uint16_t cid)
{
    for (unsigned i = 0; i < L2CAP_MAX_CHANS; i++) {
        struct l2cap_chan *ch = &c->l2cap.chans[i];
        if (ch->ops && ch->scid == cid)
            return ch;
    }
    return NULL;
}

int l2cap_send(struct host *h, struct conn *c, uint16_t cid, enum acl_class cls,
               const uint8_t *payload, size_t len)
{
    if (len > 0xffff - L2CAP_HDR)
        return -EMSGSIZE;
    struct l2cap_chan *ch = l2cap_chan_by_cid(c, cid);
    uint8_t hdr[L2CAP_HDR];
    put_le16(hdr, (uint16_t)len);
    put_le16(hdr + 2, ch ? ch->dcid : cid);
    int rc = acl_queue(h, c, cls, hdr, sizeof hdr, payload, len);
    if (rc == -ENOMEM && ch != NULL)
        ch->wants_room = true;
    return rc;
}

bool l2cap_room(struct host *h, struct conn *c, uint16_t cid, enum acl_class cls, size_t len)
{
    if (acl_room(c, cls, L2CAP_HDR + len))
        return true;
    struct l2cap_chan *ch = l2cap_chan_by_cid(c, cid);
    if (ch)
        ch->wants_room = true;
    return false;
}

void l2cap_on_tx_room(struct host *h, struct conn *c)
{
    for (unsigned i = 0; i < L2CAP_MAX_CHANS && c->used; i++) {
        struct l2cap_chan *ch = &c->l2cap.chans[i];
        if (ch->ops && ch->wants_room) {
            ch->wants_room = false;
            if (ch->ops->tx_room)
                ch->ops->tx_room(h, c, ch);
        }
    }
}

void l2cap_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    if (len < L2CAP_HDR || get_le16(pdu) != len - L2CAP_HDR)
        return;
    struct l2cap_chan *ch = l2cap_chan_by_cid(c, get_le16(pdu + 2));
    if (ch)
        ch->ops->recv(h, c, ch, pdu + L2CAP_HDR, len - L2CAP_HDR);
    /* else an unknown channel: discarded (Vol 3 Part A 4) */
}
