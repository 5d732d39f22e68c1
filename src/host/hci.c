/* hci.c - the host side of HCI: commands with flow control, reading the transport,
 * and dispatching events (Core v5.4 Vol 4 Part E 4.4 and 7.7). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/acl.h"
#include "host/ble_priv.h"
#include "host/hci_evt.h"
#include "host/host.h"
#include "transport/transport.h"

int hci_status_to_errno(int status)
{
    if (status <= 0)
        return status;
    switch (status) {
    case HCI_ERR_INVALID_PARAMS:
    case HCI_ERR_UNSUPPORTED_FEATURE:
        return -EINVAL;
    case HCI_ERR_COMMAND_DISALLOWED:
        return -EBUSY;
    case HCI_ERR_MEMORY_EXCEEDED:
    case HCI_ERR_CONN_LIMIT:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

void hci_fail(struct host *h, int err, const char *why)
{
    if (h->dead)
        return;
    h->dead = true;
    snprintf(h->dead_reason, sizeof h->dead_reason, "controller connection lost: %s (%s)", why,
             strerror(-err));
    ble_log(h->dev, "%s", h->dead_reason);
    gap_on_transport_lost(h);
    conn_on_transport_lost(h);
}

/* Every command on a dead transport fails the same way, and says why. */
static int dead_error(struct host *h)
{
    ble_set_error(h->dev, "%s", h->dead_reason);
    return -EIO;
}

/* ---- the receive queue: [len:2][packet] records in a ring ---- */

static bool is_adv_report(const uint8_t *pkt, size_t len)
{
    return len >= 4 && pkt[0] == H4_EVT && pkt[1] == HCI_EV_LE_META &&
           pkt[3] == HCI_LE_EV_ADV_REPORT;
}

static void ring_copy_in(struct hci_queue *q, size_t pos, const uint8_t *src, size_t n)
{
    pos %= q->cap;
    size_t first = q->cap - pos < n ? q->cap - pos : n;
    memcpy(q->buf + pos, src, first);
    memcpy(q->buf, src + first, n - first);
}

static void ring_copy_out(const struct hci_queue *q, size_t pos, uint8_t *dst, size_t n)
{
    pos %= q->cap;
    size_t first = q->cap - pos < n ? q->cap - pos : n;
    memcpy(dst, q->buf + pos, first);
    memcpy(dst + first, q->buf, n - first);
}

static int queue_push(struct host *h, const uint8_t *pkt, size_t len)
{
    struct hci_queue *q = &h->queue;
    if (q->cap - q->used < len + 2) {
        /* Advertising reports are lossy on the air anyway; anything else must not be
         * lost, and cannot be: the queue holds many maximum-size packets. */
        if (is_adv_report(pkt, len)) {
            q->dropped_reports++;
            return 0;
        }
        return -ENOBUFS;
    }
    uint8_t l[2];
    put_le16(l, (uint16_t)len);
    ring_copy_in(q, q->head + q->used, l, 2);
    ring_copy_in(q, q->head + q->used + 2, pkt, len);
    q->used += len + 2;
    return 0;
}

static size_t queue_pop(struct host *h, uint8_t *out)
{
    struct hci_queue *q = &h->queue;
    if (q->used == 0)
        return 0;
    uint8_t l[2];
    ring_copy_out(q, q->head, l, 2);
    size_t len = get_le16(l);
    ring_copy_out(q, q->head + 2, out, len);
    q->head = (q->head + len + 2) % q->cap;
    q->used -= len + 2;
    return len;
}

/* ---- receiving ---- */

/* Takes the flow-control credit and, if it answers the command we wait for, its
 * result. Returns true when the packet was consumed that way. */
static bool take_cmd_answer(struct host *h, const uint8_t *pkt, size_t len)
{
    if (len < 2 || pkt[0] != H4_EVT ||
        (pkt[1] != HCI_EV_CMD_COMPLETE && pkt[1] != HCI_EV_CMD_STATUS))
        return false;
    struct hci_evt ev;
    if (hci_evt_parse(pkt + 1, len - 1, &ev) < 0)
        return false; /* malformed: dropped by the dispatcher */
    uint16_t op;
    if (ev.kind == HCI_EVT_CMD_COMPLETE) {
        h->cmd_credits = ev.u.cmd_complete.ncmd;
        op = ev.u.cmd_complete.opcode;
    } else {
        h->cmd_credits = ev.u.cmd_status.ncmd;
        op = ev.u.cmd_status.opcode;
    }
    if (!h->cmd.waiting || op != h->cmd.opcode)
        return true; /* a credit-only (opcode 0) or late answer */
    if (ev.kind == HCI_EVT_CMD_STATUS) {
        h->cmd.status = ev.u.cmd_status.status;
        h->cmd.rsp_len = 0;
    } else if (ev.u.cmd_complete.ret_len == 0) {
        /* Return parameters always start with a status; none is a broken answer. */
        h->cmd.status = HCI_ERR_UNSPECIFIED;
        h->cmd.rsp_len = 0;
    } else {
        const uint8_t *ret = ev.u.cmd_complete.ret;
        size_t n = ev.u.cmd_complete.ret_len - 1;
        h->cmd.status = ret[0];
        h->cmd.rsp_len = n;
        if (n > h->cmd.rsp_cap)
            n = h->cmd.rsp_cap;
        if (h->cmd.rsp)
            memcpy(h->cmd.rsp, ret + 1, n);
    }
    h->cmd.waiting = false;
    return true;
}

static int on_packet(void *ctx, const uint8_t *pkt, size_t len)
{
    struct host *h = ctx;
    snoop_write(&h->snoop, pkt, len, true);
    if (take_cmd_answer(h, pkt, len))
        return 0;
    return queue_push(h, pkt, len);
}

int hci_read(struct host *h)
{
    uint8_t buf[4096];
    if (h->dead)
        return -EIO;
    for (;;) {
        ssize_t n = read(h->fd, buf, sizeof buf);
        if (n == 0) {
            hci_fail(h, -ECONNRESET, "the controller closed the connection");
            return -EIO;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            hci_fail(h, -errno, "read failed");
            return -EIO;
        }
        int rc = h4_feed(&h->rx, buf, (size_t)n, on_packet, h);
        if (rc == -EPROTO) {
            hci_fail(h, -EPROTO, h4_error(&h->rx));
            return -EIO;
        }
        if (rc < 0) {
            hci_fail(h, rc, "receive queue overflow");
            return -EIO;
        }
        if ((size_t)n < sizeof buf)
            return 0;
    }
}

static void dispatch_event(struct host *h, const uint8_t *evt, size_t len)
{
    struct hci_evt ev;
    if (hci_evt_parse(evt, len, &ev) < 0) {
        ble_log(h->dev, "ignoring a malformed HCI event 0x%02x (%zu bytes)", evt[0], len);
        return;
    }
    unsigned i = 0;
    uint16_t handle, count;
    switch (ev.kind) {
    case HCI_EVT_ADV_REPORT:
        gap_on_adv_reports(h, &ev);
        break;
    case HCI_EVT_CONN_COMPLETE:
        conn_on_complete(h, &ev);
        break;
    case HCI_EVT_DISCONN_COMPLETE:
        conn_on_disconnect(h, &ev);
        break;
    case HCI_EVT_CONN_UPDATE:
        conn_on_update(h, &ev);
        break;
    case HCI_EVT_CONN_PARAM_REQ:
        conn_on_param_req(h, &ev);
        break;
    case HCI_EVT_NUM_COMPLETED:
        while (hci_num_completed_next(&ev, &i, &handle, &count))
            acl_on_completed(h, handle, count);
        break;
    case HCI_EVT_HW_ERROR:
        ble_log(h->dev, "controller reports hardware error 0x%02x", ev.u.hw_error);
        break;
    default:
        break;
    }
}

void hci_dispatch(struct host *h)
{
    uint8_t *pkt = h->rx_dispatch;
    size_t len;
    while (!h->stopping && (len = queue_pop(h, pkt)) > 0) {
        if (pkt[0] == H4_EVT)
            dispatch_event(h, pkt + 1, len - 1);
        else if (pkt[0] == H4_ACL)
            acl_on_packet(h, pkt, len);
        /* ISO data: not used by this host; dropped. */
    }
}

/* ---- sending commands ---- */

int hci_send_packet(struct host *h, const uint8_t *pkt, size_t len)
{
    snoop_write(&h->snoop, pkt, len, false);
    int rc = transport_write_packet(h->fd, pkt, len, (int)(HCI_CMD_TIMEOUT_US / 1000));
    if (rc < 0)
        hci_fail(h, rc, "write failed");
    return rc;
}

/* Waits until the command answer (or a credit) arrives or the deadline passes. */
static int wait_answer(struct host *h, bool for_credit, uint64_t deadline)
{
    while (for_credit ? h->cmd_credits == 0 : h->cmd.waiting) {
        if (h->dead)
            return -EIO;
        uint64_t now = h->now();
        if (now >= deadline)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = h->fd, .events = POLLIN};
        int ms = (int)((deadline - now + 999) / 1000);
        int r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR) {
            hci_fail(h, -errno, "poll failed");
            return -EIO;
        }
        if (r > 0 && hci_read(h) < 0)
            return -EIO;
    }
    return 0;
}

int hci_cmd(struct host *h, uint16_t opcode, const void *params, uint8_t plen, uint8_t *rsp,
            size_t rsp_cap, size_t *rsp_len)
{
    if (h->dead)
        return dead_error(h);
    uint64_t deadline = h->now() + HCI_CMD_TIMEOUT_US;
    int rc = wait_answer(h, true, deadline);
    if (rc < 0)
        return rc;
    uint8_t pkt[1 + HCI_CMD_HDR + HCI_CMD_MAX_PARAM];
    pkt[0] = H4_CMD;
    put_le16(pkt + 1, opcode);
    pkt[3] = plen;
    if (plen)
        memcpy(pkt + 4, params, plen);
    h->cmd.waiting = true;
    h->cmd.opcode = opcode;
    h->cmd.status = -1;
    h->cmd.rsp = rsp;
    h->cmd.rsp_cap = rsp_cap;
    h->cmd.rsp_len = 0;
    h->cmd_credits--;
    rc = hci_send_packet(h, pkt, 4u + plen);
    if (rc == 0)
        rc = wait_answer(h, false, deadline);
    h->cmd.waiting = false;
    if (h->dead)
        return dead_error(h);
    if (rc == -ETIMEDOUT) {
        ble_set_error(h->dev, "the controller did not answer HCI command 0x%04x", opcode);
        /* Assume the command was lost, so that later commands are not stuck. */
        h->cmd_credits = 1;
        return rc;
    }
    if (rc < 0)
        return rc;
    if (rsp_len)
        *rsp_len = h->cmd.rsp_len;
    return h->cmd.status;
}
