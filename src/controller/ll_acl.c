/* ll_acl.c - ACL data between the host and the link layer.
 *
 * Host to air: each HCI ACL packet (Vol 4 Part E 5.4.2; Packet_Boundary_Flag 00
 * first non-flushable, 01 continuation) takes one of CONTROLLER_ACL_BUFFERS
 * buffers (LE Read Buffer Size) until the peer has acknowledged all of it; it
 * goes out as LL data PDUs of at most the effective maximum payload (Vol 6 Part B
 * 4.5.10): the first of a PB 00 packet with LLID 10, every other with LLID 01.
 * Then Number Of Completed Packets (7.7.19) returns the credit.
 *
 * Air to host: each LL data PDU becomes one HCI ACL packet, PB 10 (first,
 * automatically flushable) for LLID 10 and PB 01 for LLID 01; the host
 * recombines the L2CAP PDU. */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"

static void report_all_completed(struct timer *t, void *ctx)
{
    struct controller *c = ctx;
    uint8_t ev[1 + 4 * LL_MAX_CONNS];
    uint8_t n = 0;
    for (int i = 0; i < LL_MAX_CONNS; i++) {
        struct ll_conn *cn = &c->conns[i];
        if (!cn->in_use || cn->completed == 0)
            continue;
        put_le16(ev + 1 + 4 * n, cn->handle);
        put_le16(ev + 3 + 4 * n, cn->completed);
        cn->completed = 0;
        n++;
    }
    if (n == 0)
        return;
    ev[0] = n;
    ctrl_send_event(c, HCI_EV_NUM_COMPLETED_PACKETS, ev, (uint8_t)(1 + 4 * n));
}

void ll_acl_reset(struct controller *c)
{
    memset(c->acl, 0, sizeof(c->acl));
    if (c->completed_timer.armed)
        radio_timer_cancel(&c->radio, &c->completed_timer);
    timer_init(&c->completed_timer, report_all_completed, c);
}

void ll_acl_report_completed_soon(struct controller *c)
{
    if (!c->completed_timer.armed)
        radio_timer_arm(&c->radio, &c->completed_timer, radio_now(&c->radio));
}

static struct ll_acl_buf *acl_front(struct controller *c, const struct ll_conn *cn)
{
    return &c->acl[cn->acl_queue[cn->acl_head]];
}

void ll_acl_from_host(struct controller *c, const uint8_t *acl, size_t len)
{
    uint16_t hf = get_le16(acl), dlen = get_le16(acl + 2);
    uint16_t handle = hf & 0x0fff;
    uint8_t pb = (hf >> 12) & 0x3, bc = (uint8_t)(hf >> 14);
    struct ll_conn *cn = ll_conn_by_handle(c, handle);
    if (!cn) {
        log_msg(LOG_LEVEL_WARN, "ACL data for unknown connection handle 0x%03x dropped", handle);
        return;
    }
    if (bc != 0 || (pb != HCI_ACL_PB_FIRST_NONFLUSH && pb != HCI_ACL_PB_CONT)) {
        log_msg(LOG_LEVEL_WARN,
                "ACL data for 0x%03x with flags PB %u BC %u dropped: an LE "
                "host sends PB 00 or 01, BC 00",
                handle, pb, bc);
        return;
    }
    if (dlen == 0) { /* nothing to send: done at once */
        cn->completed++;
        ll_acl_report_completed_soon(c);
        return;
    }
    int free_buf = -1;
    for (int i = 0; i < CONTROLLER_ACL_BUFFERS && free_buf < 0; i++)
        if (!c->acl[i].used)
            free_buf = i;
    if (free_buf < 0) {
        log_msg(LOG_LEVEL_WARN,
                "host sent more ACL packets than its %d credits (LE Read "
                "Buffer Size): one for 0x%03x dropped",
                CONTROLLER_ACL_BUFFERS, handle);
        return;
    }
    struct ll_acl_buf *b = &c->acl[free_buf];
    b->used = true;
    b->start = pb == HCI_ACL_PB_FIRST_NONFLUSH;
    b->len = (uint8_t)dlen;
    b->sent = 0;
    memcpy(b->data, acl + 4, dlen);
    cn->acl_queue[(cn->acl_head + cn->acl_count) % CONTROLLER_ACL_BUFFERS] = (uint8_t)free_buf;
    cn->acl_count++;
    ll_conn_kick(cn);
}

bool ll_acl_pending(const struct ll_conn *cn)
{
    if (cn->acl_count == 0)
        return false;
    const struct ll_acl_buf *b = acl_front(cn->ctrl, cn);
    unsigned in_flight = cn->tx_busy && cn->tx_kind == LL_TX_DATA ? cn->tx_piece : 0;
    return cn->acl_count > 1 || (unsigned)(b->len - b->sent) > in_flight;
}

uint8_t ll_acl_next_len(struct controller *c, const struct ll_conn *cn, uint8_t max)
{
    const struct ll_acl_buf *b = acl_front(c, cn);
    uint8_t n = (uint8_t)(b->len - b->sent);
    return n < max ? n : max;
}

uint8_t ll_acl_next(struct controller *c, struct ll_conn *cn, uint8_t *payload, uint8_t max,
                    uint8_t *llid)
{
    struct ll_acl_buf *b = acl_front(c, cn);
    uint8_t n = ll_acl_next_len(c, cn, max);
    memcpy(payload, b->data + b->sent, n);
    *llid = b->sent == 0 && b->start ? LL_LLID_START : LL_LLID_CONT;
    return n;
}

void ll_acl_acked(struct controller *c, struct ll_conn *cn)
{
    struct ll_acl_buf *b = acl_front(c, cn);
    b->sent = (uint8_t)(b->sent + cn->tx_piece);
    if (b->sent < b->len)
        return;
    b->used = false;
    cn->acl_head = (uint8_t)((cn->acl_head + 1) % CONTROLLER_ACL_BUFFERS);
    cn->acl_count--;
    cn->completed++;
}

void ll_acl_to_host(struct controller *c, struct ll_conn *cn, uint8_t llid, const uint8_t *data,
                    uint8_t len)
{
    uint8_t pkt[1 + HCI_ACL_HDR + LL_DATA_MAX];
    uint8_t pb = llid == LL_LLID_START ? HCI_ACL_PB_FIRST_FLUSH : HCI_ACL_PB_CONT;
    pkt[0] = H4_ACL;
    put_le16(pkt + 1, (uint16_t)(cn->handle | pb << 12));
    put_le16(pkt + 3, len);
    memcpy(pkt + 5, data, len);
    ctrl_send_packet(c, pkt, 5u + len);
}

void ll_acl_report_completed(struct controller *c, struct ll_conn *cn)
{
    if (cn->completed == 0)
        return;
    uint8_t ev[5] = {1};
    put_le16(ev + 1, cn->handle);
    put_le16(ev + 3, cn->completed);
    cn->completed = 0;
    ctrl_send_event(c, HCI_EV_NUM_COMPLETED_PACKETS, ev, sizeof(ev));
}

void ll_acl_flush(struct controller *c, struct ll_conn *cn)
{
    for (; cn->acl_count > 0; cn->acl_count--) {
        c->acl[cn->acl_queue[cn->acl_head]].used = false;
        cn->acl_head = (uint8_t)((cn->acl_head + 1) % CONTROLLER_ACL_BUFFERS);
    }
    cn->completed = 0;
}
