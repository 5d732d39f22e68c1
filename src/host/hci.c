/* hci.c - the host side of HCI: commands with flow control, reading the transport,
 * and dispatching events (Core v5.4 Vol 4 Part E 4.4 and 7.7). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/byte_ring.h"
#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/hci.h"
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
    __atomic_store_n(&h->dead, true, __ATOMIC_RELAXED); /* mpble_is_active reads it */
    snprintf(h->dead_reason, sizeof h->dead_reason, "controller connection lost: %s (%s)", why,
             strerror(-err));
    host_log(h, "%s", h->dead_reason);
    h->hci_up.lost(h);
}

/* Every command on a dead transport fails the same way, and says why. */
static int dead_error(struct host *h)
{
    host_error(h, "%s", h->dead_reason);
    return -EIO;
}

/* ---- parked packets: [len:4][packet] records in a ring ---- */

static bool is_adv_report(const uint8_t *pkt, size_t len)
{
    return len >= 4 && pkt[0] == H4_EVT && pkt[1] == HCI_EV_LE_META &&
           pkt[3] == HCI_LE_EV_ADV_REPORT;
}

static int park(struct host *h, const uint8_t *pkt, size_t len)
{
    struct byte_ring *q = &h->parked;
    if (q->cap - q->used < len + 4) {
        /* Advertising reports are lossy on the air anyway; anything else must not be
         * lost, and cannot be: a command's answer comes long before this fills. */
        if (is_adv_report(pkt, len))
            return 0;
        return -ENOBUFS;
    }
    uint8_t l[4];
    put_le32(l, (uint32_t)len);
    byte_ring_write(q, q->used, l, 4);
    byte_ring_write(q, q->used + 4, pkt, len);
    q->used += len + 4;
    return 0;
}

static size_t unpark(struct host *h, uint8_t *out)
{
    struct byte_ring *q = &h->parked;
    if (q->used == 0)
        return 0;
    uint8_t l[4];
    byte_ring_read(q, 0, l, 4);
    size_t len = get_le32(l);
    byte_ring_read(q, 4, out, len);
    byte_ring_consume(q, len + 4);
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

/* Reads once from the transport into the (empty) input buffer: 1 when bytes came,
 * 0 when none is there now, -EIO when the transport failed. */
static int read_input(struct host *h)
{
    if (h->dead)
        return -EIO;
    for (;;) {
        ssize_t n = read(h->fd, h->rx_in, HCI_READ_CHUNK);
        if (n > 0) {
            h->rx_pos = 0;
            h->rx_len = (size_t)n;
            return 1;
        }
        if (n == 0) {
            hci_fail(h, -ECONNRESET, "the controller closed the connection");
            return -EIO;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        hci_fail(h, -errno, "read failed");
        return -EIO;
    }
}

/* The next whole packet of the bytes read: 1 with *pkt (valid until the next call),
 * 0 when they ran out, -EIO when the stream is broken. A command's answer is taken
 * here and never returned. */
static int next_packet(struct host *h, const uint8_t **pkt, size_t *len)
{
    for (;;) {
        const uint8_t *in = h->rx_in + h->rx_pos;
        size_t left = h->rx_len - h->rx_pos;
        int rc = h4_next(&h->rx, &in, &left, pkt, len);
        h->rx_pos = h->rx_len - left;
        if (rc == -EPROTO) {
            h->rx_pos = h->rx_len; /* nothing after it can be framed */
            hci_fail(h, -EPROTO, h4_error(&h->rx));
            return -EIO;
        }
        if (rc == 0)
            return 0;
        snoop_write(&h->snoop, *pkt, *len, true);
        if (!take_cmd_answer(h, *pkt, *len))
            return 1;
    }
}

static void dispatch(struct host *h, const uint8_t *pkt, size_t len)
{
    if (pkt[0] == H4_EVT) {
        struct hci_evt ev;
        if (hci_evt_parse(pkt + 1, len - 1, &ev) < 0)
            host_log(h, "ignoring a malformed HCI event 0x%02x (%zu bytes)", pkt[1], len - 1);
        else
            h->hci_up.event(h, &ev);
    } else if (pkt[0] == H4_ACL) {
        h->hci_up.acl(h, pkt, len);
    }
    /* ISO data: not used by this host; dropped. */
}

static void dispatch_parked(struct host *h)
{
    size_t len;
    while (!h->base.stopping && (len = unpark(h, h->rx_pkt)) > 0)
        dispatch(h, h->rx_pkt, len);
}

void hci_run(struct host *h, bool readable)
{
    dispatch_parked(h);
    if (h->dead || (h->rx_pos == h->rx_len && (!readable || read_input(h) <= 0)))
        return;
    const uint8_t *pkt;
    size_t len;
    while (!h->base.stopping && next_packet(h, &pkt, &len) == 1) {
        /* A handler's command reads on, and overwrites the deframer's buffer. */
        memcpy(h->rx_pkt, pkt, len);
        dispatch(h, h->rx_pkt, len);
        dispatch_parked(h); /* those came before the rest of the input */
    }
}

bool hci_pending(const struct host *h)
{
    return !h->base.stopping && (h->parked.used > 0 || (!h->dead && h->rx_pos < h->rx_len));
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

static bool still_waiting(const struct host *h, bool for_credit)
{
    return for_credit ? h->cmd_credits == 0 : h->cmd.waiting;
}

/* Waits until the command answer (or a credit) arrives or the deadline passes; what
 * else arrives meanwhile is parked. */
static int wait_answer(struct host *h, bool for_credit, uint64_t deadline)
{
    while (still_waiting(h, for_credit)) {
        const uint8_t *pkt;
        size_t len;
        int rc = next_packet(h, &pkt, &len);
        if (rc == 1) {
            if (park(h, pkt, len) == 0)
                continue;
            hci_fail(h, -ENOBUFS, "too much arrived while a command waited");
        }
        if (rc != 0 || h->dead)
            return -EIO;
        if (!still_waiting(h, for_credit))
            break; /* the bytes read held the answer */
        uint64_t now = host_now(h);
        if (now >= deadline)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = h->fd, .events = POLLIN};
        int ms = (int)((deadline - now + 999) / 1000);
        int r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR) {
            hci_fail(h, -errno, "poll failed");
            return -EIO;
        }
        if (r > 0 && read_input(h) < 0)
            return -EIO;
    }
    return 0;
}

int hci_cmd(struct host *h, uint16_t opcode, const void *params, uint8_t plen, uint8_t *rsp,
            size_t rsp_cap, size_t *rsp_len)
{
    if (h->dead)
        return dead_error(h);
    uint64_t deadline = host_now(h) + HCI_CMD_TIMEOUT_US;
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
        host_error(h, "the controller did not answer HCI command 0x%04x", opcode);
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
