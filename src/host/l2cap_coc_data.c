/* l2cap_coc_data.c - the data of LE credit-based channels (Core v5.4 Vol 3 Part A
 * 3.4.3, 10.1, 10.2): K-frames, the first with the SDU length; segmentation to the
 * peer's MPS and reassembly up to our MTU; credits both ways. What arrives is a byte
 * stream to the application (reference): credits go back once it has taken
 * everything waiting. */
#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "host/conn.h"
#include "host/host.h"
#include "host/l2cap_coc.h"
#include "host/l2cap_sig.h"

/* Send stalls while the link's transmit queue has less than half of its data
 * allowance free (the reference: its buffer pool less than half free). */
#define TX_LOW_ROOM ((HOST_TX_DATA_BLOCKS / 2) * HOST_TX_BLOCK - L2CAP_HDR)

/* ---- receiving ---- */

uint16_t coc_rx_credits(const struct coc_chan *k)
{
    /* Each credit brings at most one K-frame of L2CAP_COC_MPS octets (3.4.3). */
    return (uint16_t)((k->rx_cap - k->rx_len) / L2CAP_COC_MPS);
}

void coc_send_credits(struct host *h, struct coc_chan *k, uint16_t n)
{
    uint8_t ind[L2CAP_COC_CREDITS_LEN];
    put_le16(ind, k->ch->scid); /* the CID of the sender's endpoint (4.24) */
    put_le16(ind + 2, n);
    k->our_credits = (uint16_t)(k->our_credits + n);
    l2cap_sig_request(h, k->c, L2CAP_SIG_FLOW_CONTROL_CREDIT_IND, ind, sizeof ind);
}

/* Once nothing received waits for the application: the SDU being reassembled moves
 * to the front, and the peer gets back the credits the room allows, when it holds
 * half of them or fewer. */
static void rx_refill(struct host *h, struct coc_chan *k)
{
    if (k->rx_ready > k->rx_off || k->state != COC_OPEN)
        return;
    if (k->rx_off > 0) {
        memmove(k->rx, k->rx + k->rx_ready, k->rx_len - k->rx_ready);
        k->rx_len -= k->rx_ready;
        k->rx_off = k->rx_ready = 0;
    }
    uint16_t full = coc_rx_credits(k);
    if (k->our_credits <= full / 2 && full > k->our_credits)
        coc_send_credits(h, k, (uint16_t)(full - k->our_credits));
}

/* 3.4.3, 10.1: a K-frame beyond the credits, longer than our MPS, announcing an SDU
 * over our MTU, or carrying more than the SDU announced, ends the channel. The
 * payload (past any SDU length) is stored; 1 when it completed an SDU, -1 on a
 * violation, 0 otherwise. */
static int rx_kframe(struct coc_chan *k, const uint8_t *p, size_t len)
{
    if (k->our_credits == 0 || len > L2CAP_COC_MPS)
        return -1;
    k->our_credits--;
    if (!k->sdu_open) {
        if (len < L2CAP_COC_SDU_HDR || get_le16(p) > k->mtu)
            return -1;
        k->sdu_len = get_le16(p);
        k->sdu_open = true;
        p += L2CAP_COC_SDU_HDR;
        len -= L2CAP_COC_SDU_HDR;
    }
    size_t got = k->rx_len - k->rx_ready;
    if (got + len > k->sdu_len || k->rx_len + len > k->rx_cap)
        return -1;
    memcpy(k->rx + k->rx_len, p, len);
    k->rx_len += len;
    if (got + len < k->sdu_len)
        return 0;
    k->sdu_open = false;
    k->rx_ready = k->rx_len;
    return 1;
}

static void on_kframe(struct host *h, struct conn *c, struct l2cap_chan *ch, const uint8_t *p,
                      size_t len)
{
    struct coc_chan *k = ch->owner;
    if (k->state != COC_OPEN)
        return; /* closing: what still arrives is discarded */
    int rc = rx_kframe(k, p, len);
    if (rc < 0) {
        coc_violation(h, k);
        return;
    }
    if (rc > 0) {
        struct mpble_event ev = coc_event(MPBLE_IRQ_L2CAP_RECV, k, 0);
        host_emit(h, &ev);
    }
    rx_refill(h, k); /* a handler that took everything has credits sent now */
}

int l2cap_coc_recvinto(struct host *h, struct conn *c, uint16_t cid, uint8_t *buf, size_t cap)
{
    struct coc_chan *k = coc_open_by_cid(c, cid);
    if (k == NULL)
        return c->going_down ? -ENOTCONN : -EINVAL;
    size_t n = k->rx_ready - k->rx_off;
    if (buf == NULL)
        return (int)n;
    if (n > cap)
        n = cap;
    memcpy(buf, k->rx + k->rx_off, n);
    k->rx_off += n;
    if (n > 0)
        rx_refill(h, k);
    return (int)n;
}

/* ---- sending ---- */

static size_t frame_max(const struct coc_chan *k)
{
    return k->peer_mps < L2CAP_COC_MPS ? k->peer_mps : L2CAP_COC_MPS;
}

void coc_tx_pump(struct host *h, struct coc_chan *k)
{
    size_t frame = frame_max(k);
    while (k->tx_sent < k->tx_len && k->peer_credits > 0) {
        size_t n = k->tx_len - k->tx_sent < frame ? k->tx_len - k->tx_sent : frame;
        if (l2cap_send(h, k->c, k->ch->scid, ACL_DATA, k->tx + k->tx_sent, n) != 0)
            return; /* no room: the channel's tx_room follows */
        k->tx_sent += n;
        k->peer_credits--;
    }
}

/* Whether the next SDU may be sent now: this one is queued, the peer has credits,
 * and the link's queue has room (if not, tx_room follows when it has). */
static bool tx_ready(struct host *h, struct coc_chan *k)
{
    return k->tx_sent == k->tx_len && k->peer_credits > 0 &&
           l2cap_room(h, k->c, k->ch->scid, ACL_DATA, TX_LOW_ROOM);
}

int l2cap_coc_send(struct host *h, struct conn *c, uint16_t cid, const uint8_t *data, size_t len)
{
    struct coc_chan *k = coc_open_by_cid(c, cid);
    if (k == NULL)
        return c->going_down ? -ENOTCONN : -EINVAL;
    if (len > k->peer_mtu || L2CAP_COC_SDU_HDR + len > k->tx_cap)
        return -EINVAL;
    if (k->stalled)
        return -EBUSY;
    put_le16(k->tx, (uint16_t)len);
    memcpy(k->tx + L2CAP_COC_SDU_HDR, data, len);
    k->tx_len = L2CAP_COC_SDU_HDR + len;
    k->tx_sent = 0;
    coc_tx_pump(h, k);
    k->stalled = !tx_ready(h, k);
    return !k->stalled;
}

/* Credits or room came: more of the SDU goes, and a stalled sender hears when it
 * may send again (L2CAP_SEND_READY, status 0: all sent). */
static void tx_resume(struct host *h, struct coc_chan *k)
{
    coc_tx_pump(h, k);
    if (!k->stalled || !tx_ready(h, k))
        return;
    k->stalled = false;
    struct mpble_event ev = coc_event(MPBLE_IRQ_L2CAP_SEND_READY, k, 0);
    host_emit(h, &ev);
}

static void on_tx_room(struct host *h, struct conn *c, struct l2cap_chan *ch)
{
    struct coc_chan *k = ch->owner;
    if (k->state == COC_OPEN)
        tx_resume(h, k);
}

void l2cap_coc_credits(struct host *h, struct conn *c, const uint8_t *ind)
{
    /* The CID is the peer's endpoint of the channel (4.24). */
    struct l2cap_chan *ch = l2cap_chan_by_dcid(c, get_le16(ind));
    struct coc_chan *k = ch ? ch->owner : NULL;
    if (k == NULL || k->state != COC_OPEN)
        return;
    uint32_t credits = (uint32_t)k->peer_credits + get_le16(ind + 2);
    if (credits > 0xffff) {
        coc_violation(h, k); /* 10.1: a credit count over 65535 */
        return;
    }
    k->peer_credits = (uint16_t)credits;
    tx_resume(h, k);
}

const struct l2cap_chan_ops l2cap_coc_chan_ops = {.recv = on_kframe, .tx_room = on_tx_room};
