/* acl.c - LE ACL data between host and controller. */
#include "host/acl.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/host.h"
#include "host/l2cap.h" /* L2CAP_HDR: the length that ends reassembly */
#include "transport/transport.h"

/* Packet_Boundary_Flag (Vol 4 Part E 5.4.2): host to controller on LE, 00 first
 * non-automatically-flushable, 01 continuing; controller to host 10 first
 * automatically-flushable (00 also accepted), 01 continuing. */
#define PB_FIRST_NON_FLUSHABLE 0x0
#define PB_CONTINUING 0x1
#define PB_FIRST_FLUSHABLE 0x2

/* The queue holds [length:2][blocks:1][L2CAP PDU] records (blocks: of the data
 * allowance, 0 for control); tx_sent is how much of the head record's PDU has
 * left as ACL fragments. */
static uint8_t tx_byte(const struct conn *c, size_t off)
{
    return c->tx[(c->tx_head + off) % c->tx_cap];
}

static size_t head_len(const struct conn *c)
{
    uint8_t l[2] = {tx_byte(c, 0), tx_byte(c, 1)};
    return get_le16(l);
}

static void copy_out(const struct conn *c, size_t off, uint8_t *dst, size_t n)
{
    size_t pos = (c->tx_head + off) % c->tx_cap;
    size_t first = c->tx_cap - pos < n ? c->tx_cap - pos : n;
    memcpy(dst, c->tx + pos, first);
    memcpy(dst + first, c->tx, n - first);
}

/* Sends the next fragment of c's head PDU; false when c has nothing to send. */
static bool send_fragment(struct host *h, struct conn *c)
{
    if (c->tx_used == 0)
        return false;
    size_t pdu_len = head_len(c);
    size_t n = pdu_len - c->tx_sent;
    if (n > h->acl_mtu)
        n = h->acl_mtu;
    uint8_t pkt[1 + HCI_ACL_HDR + 65535];
    uint16_t pb = c->tx_sent == 0 ? PB_FIRST_NON_FLUSHABLE : PB_CONTINUING;
    pkt[0] = H4_ACL;
    put_le16(pkt + 1, (uint16_t)(c->handle | (pb << 12)));
    put_le16(pkt + 3, (uint16_t)n);
    copy_out(c, HOST_TX_RECORD + c->tx_sent, pkt + 1 + HCI_ACL_HDR, n);
    if (hci_send_packet(h, pkt, 1 + HCI_ACL_HDR + n) < 0)
        return false;
    h->acl_credits--;
    c->tx_in_flight++;
    c->tx_sent += n;
    if (c->tx_sent == pdu_len) { /* the controller has it all: its blocks free */
        c->tx_blocks -= tx_byte(c, 2);
        c->tx_head = (c->tx_head + HOST_TX_RECORD + pdu_len) % c->tx_cap;
        c->tx_used -= HOST_TX_RECORD + pdu_len;
        c->tx_sent = 0;
    }
    return true;
}

/* Sends queued L2CAP PDUs as ACL packets while the controller has buffers: round
 * robin over the links, one fragment each. */
static void kick(struct host *h)
{
    while (h->acl_credits > 0 && !h->dead) {
        bool sent = false;
        for (unsigned i = 0; i < HOST_MAX_CONNS && h->acl_credits > 0; i++) {
            struct conn *c = &h->conns[(h->tx_next + i) % HOST_MAX_CONNS];
            if (c->used && send_fragment(h, c))
                sent = true;
        }
        h->tx_next = (h->tx_next + 1) % HOST_MAX_CONNS;
        if (!sent)
            break;
    }
}

static void copy_in(struct conn *c, size_t off, const uint8_t *src, size_t n)
{
    size_t pos = (c->tx_head + off) % c->tx_cap;
    size_t first = c->tx_cap - pos < n ? c->tx_cap - pos : n;
    memcpy(c->tx + pos, src, first);
    memcpy(c->tx, src + first, n - first);
}

static unsigned blocks_of(enum acl_class cls, size_t pdu_len)
{
    return cls == ACL_DATA ? (unsigned)((pdu_len + HOST_TX_BLOCK - 1) / HOST_TX_BLOCK) : 0;
}

static bool fits_ever(const struct conn *c, enum acl_class cls, size_t pdu_len)
{
    return HOST_TX_RECORD + pdu_len <= c->tx_cap && blocks_of(cls, pdu_len) <= HOST_TX_DATA_BLOCKS;
}

bool acl_room(struct conn *c, enum acl_class cls, size_t pdu_len)
{
    if (!fits_ever(c, cls, pdu_len))
        return false; /* never: nothing to report */
    size_t need = HOST_TX_RECORD + pdu_len;
    unsigned blocks = blocks_of(cls, pdu_len);
    bool bytes_ok = c->tx_cap - c->tx_used >= need;
    bool blocks_ok = c->tx_blocks + blocks <= HOST_TX_DATA_BLOCKS;
    if (c->used && !c->disconnecting && bytes_ok && blocks_ok)
        return true;
    /* The smallest wanted: whoever still finds too little then asks again. */
    if (!bytes_ok && (c->tx_want == 0 || c->tx_want > need))
        c->tx_want = need;
    if (!blocks_ok && (c->tx_want_blocks == 0 || c->tx_want_blocks > blocks))
        c->tx_want_blocks = blocks;
    return false;
}

int acl_queue(struct host *h, struct conn *c, enum acl_class cls, const uint8_t *hdr,
              size_t hdr_len, const uint8_t *payload, size_t len)
{
    if (!c->used || c->disconnecting)
        return -ENOTCONN;
    if (!fits_ever(c, cls, hdr_len + len))
        return -EMSGSIZE; /* never fits: no room to wait for */
    if (!acl_room(c, cls, hdr_len + len))
        return -ENOMEM;
    uint8_t rec[HOST_TX_RECORD];
    put_le16(rec, (uint16_t)(hdr_len + len));
    rec[2] = (uint8_t)blocks_of(cls, hdr_len + len);
    copy_in(c, c->tx_used, rec, sizeof rec);
    copy_in(c, c->tx_used + sizeof rec, hdr, hdr_len);
    copy_in(c, c->tx_used + sizeof rec + hdr_len, payload, len);
    c->tx_used += sizeof rec + hdr_len + len;
    c->tx_blocks += rec[2];
    kick(h);
    return 0;
}

/* Tells the layer above of the room freed on the links that ran out of it. A
 * handler may queue more, or end a link: each link is looked at once. */
static void report_room(struct host *h)
{
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        struct conn *c = &h->conns[i];
        bool bytes = c->tx_want && c->tx_cap - c->tx_used >= c->tx_want;
        bool blocks = c->tx_want_blocks && c->tx_blocks + c->tx_want_blocks <= HOST_TX_DATA_BLOCKS;
        if (c->used && (bytes || blocks)) {
            c->tx_want = 0;
            c->tx_want_blocks = 0;
            h->acl_up.room(h, c);
        }
    }
}

void acl_on_completed(struct host *h, uint16_t handle, uint16_t count)
{
    struct conn *c = conn_by_handle(h, handle);
    if (c == NULL)
        return; /* late completions of a connection already gone were returned then */
    if (count > c->tx_in_flight) {
        host_log(h, "controller completed %u packets on 0x%03x, %u were sent", count, handle,
                 c->tx_in_flight);
        count = c->tx_in_flight;
    }
    c->tx_in_flight -= count;
    h->acl_credits += count;
    kick(h);
    report_room(h);
}

static void reset(struct conn *c)
{
    c->tx_in_flight = 0;
    c->tx_used = 0;
    c->tx_head = 0;
    c->tx_sent = 0;
    c->tx_blocks = 0;
    c->tx_want = 0;
    c->tx_want_blocks = 0;
    c->rx_len = 0;
    c->rx_need = 0;
}

void acl_link_up(struct host *h, struct conn *c)
{
    reset(c);
}

void acl_link_down(struct host *h, struct conn *c)
{
    h->acl_credits += c->tx_in_flight;
    reset(c);
    kick(h); /* the other links may use the buffers returned */
}

void acl_on_packet(struct host *h, const uint8_t *pkt, size_t len)
{
    if (len < 1 + HCI_ACL_HDR)
        return;
    uint16_t hf = get_le16(pkt + 1);
    uint16_t dlen = get_le16(pkt + 3);
    const uint8_t *data = pkt + 1 + HCI_ACL_HDR;
    struct conn *c = conn_by_handle(h, hf & 0x0fff);
    if (c == NULL || dlen != len - 1 - HCI_ACL_HDR) {
        host_log(h, "dropping ACL data for unknown handle 0x%03x", hf & 0x0fff);
        return;
    }
    unsigned pb = (hf >> 12) & 0x3;
    if (pb == PB_FIRST_FLUSHABLE || pb == PB_FIRST_NON_FLUSHABLE) {
        /* A new PDU; an unfinished one before it is lost (Vol 3 Part A 7.2.1). */
        c->rx_len = 0;
        c->rx_need = 0;
    } else if (pb != PB_CONTINUING || c->rx_len == 0) {
        return; /* a continuation with nothing to continue */
    }
    if (dlen > HOST_L2CAP_RX_MAX - c->rx_len) {
        host_log(h, "dropping an L2CAP PDU longer than %d bytes", HOST_L2CAP_RX_MAX);
        c->rx_len = 0;
        c->rx_need = 0;
        return;
    }
    memcpy(c->rx + c->rx_len, data, dlen);
    c->rx_len += dlen;
    if (c->rx_need == 0 && c->rx_len >= L2CAP_HDR)
        c->rx_need = L2CAP_HDR + get_le16(c->rx);
    if (c->rx_need == 0 || c->rx_len < c->rx_need)
        return;
    size_t n = c->rx_need, got = c->rx_len;
    c->rx_len = 0;
    c->rx_need = 0;
    if (got != n) {
        host_log(h, "dropping an L2CAP PDU with %zu bytes beyond its length", got - n);
        return;
    }
    h->acl_up.pdu(h, c, c->rx, n);
}
