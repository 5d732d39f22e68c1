/* test_l2cap.c - the host's ACL and L2CAP layers against a socket standing in for
 * the controller: fragmentation with the right boundary flags, flow control by
 * controller buffers, reassembly and its errors, LE signalling and SMP answers. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/acl.h"
#include "host/att_pdu.h"
#include "host/gattc.h"
#include "host/host.h"
#include "host/l2cap.h"
#include "host/l2cap_coc.h"

static struct host *h;
static int ctl; /* the controller's end */
static uint64_t now_us;
static struct mpble_event evs[64];
static unsigned nev;
static int accept_result; /* what the application answers L2CAP_ACCEPT */

static uint64_t test_clock(void)
{
    return now_us;
}

static int on_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    if (nev < 64)
        evs[nev++] = *ev;
    return ev->code == MPBLE_IRQ_L2CAP_ACCEPT ? accept_result : 0;
}

static void setup(uint16_t acl_mtu, uint16_t acl_pkts)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        abort();
    struct host_base base = {.fn = on_event, .now = test_clock};
    nev = 0;
    accept_result = 0;
    h = host_new(&base);
    if (h == NULL)
        abort();
    h->fd = sv[0];
    ctl = sv[1];
    h->acl_mtu = acl_mtu;
    h->acl_pkts = acl_pkts;
    h->acl_credits = acl_pkts; /* as after start-up */
    struct conn *c = &h->conns[0];
    c->used = true;
    c->handle = 0x0042;
    c->role = CONN_ROLE_PERIPHERAL;
    h->conn_up.up(h, c); /* the link-up fan-out: queues, channels, ATT */
}

static void teardown(void)
{
    close(ctl);
    host_free(h);
}

/* Reads exactly n bytes the host wrote (or fails the check). */
static size_t take(uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(ctl, buf + got, n - got, MSG_DONTWAIT);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static size_t pending(void)
{
    uint8_t tmp[4096];
    ssize_t r = recv(ctl, tmp, sizeof tmp, MSG_DONTWAIT | MSG_PEEK);
    return r < 0 ? 0 : (size_t)r;
}

static void test_fragmentation_and_credits(void)
{
    setup(27, 2);
    struct conn *c = &h->conns[0];
    uint8_t payload[60];
    for (int i = 0; i < 60; i++)
        payload[i] = (uint8_t)i;
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_CONTROL, payload, sizeof payload), 0);
    /* 64 bytes of PDU in 27-byte fragments: 27 + 27 + 10, but only 2 credits. */
    uint8_t pkt[64];
    CHECK_EQ(take(pkt, 5 + 27), 32);
    CHECK_EQ(pkt[0], H4_ACL);
    CHECK_EQ(get_le16(pkt + 1), 0x0042); /* PB 00: first non-flushable */
    CHECK_EQ(get_le16(pkt + 3), 27);
    CHECK_EQ(get_le16(pkt + 5), 60); /* L2CAP length */
    CHECK_EQ(get_le16(pkt + 7), L2CAP_CID_ATT);
    CHECK_EQ(pkt[9], 0);
    CHECK_EQ(take(pkt, 5 + 27), 32);
    CHECK_EQ(get_le16(pkt + 1), 0x1042); /* PB 01: continuing */
    CHECK_EQ(pkt[5], 23);
    CHECK_EQ(pending(), 0); /* out of credits */
    acl_on_completed(h, 0x0042, 1);
    CHECK_EQ(take(pkt, 5 + 10), 15);
    CHECK_EQ(get_le16(pkt + 1), 0x1042);
    CHECK_EQ(pkt[14], 59);
    /* Completions beyond what was sent are not credited. */
    acl_on_completed(h, 0x0042, 9);
    CHECK_EQ(h->acl_credits, 2);
    /* A PDU the queue can never hold is refused as such, and nothing is kept. */
    static uint8_t big[HOST_TX_QUEUE_BYTES];
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_CONTROL, big, sizeof big), -EMSGSIZE);
    CHECK(!l2cap_room(h, c, L2CAP_CID_ATT, ACL_CONTROL, sizeof big));
    CHECK(l2cap_room(h, c, L2CAP_CID_ATT, ACL_CONTROL, 100));
    c->disconnecting = true;
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_CONTROL, payload, 1), -ENOTCONN);
    c->disconnecting = false;
    /* Disconnection returns the credits of packets still in the controller. */
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_CONTROL, payload, 1), 0);
    CHECK_EQ(h->acl_credits, 1);
    acl_link_down(h, c);
    CHECK_EQ(h->acl_credits, 2);
    teardown();
}

/* Sends an L2CAP PDU to the host in ACL fragments of at most frag bytes. */
static void deliver(uint16_t cid, const uint8_t *data, size_t len, size_t frag)
{
    uint8_t pdu[600];
    put_le16(pdu, (uint16_t)len);
    put_le16(pdu + 2, cid);
    memcpy(pdu + 4, data, len);
    size_t total = len + 4;
    for (size_t off = 0; off < total; off += frag) {
        size_t n = total - off < frag ? total - off : frag;
        uint8_t pkt[5 + 600];
        pkt[0] = H4_ACL;
        put_le16(pkt + 1, (uint16_t)(0x0042 | ((off == 0 ? 0x2 : 0x1) << 12)));
        put_le16(pkt + 3, (uint16_t)n);
        memcpy(pkt + 5, pdu + off, n);
        acl_on_packet(h, pkt, 5 + n);
    }
}

static void test_signalling_and_smp(void)
{
    setup(251, 8);
    uint8_t out[64];
    /* A peripheral answers a Connection Parameter Update Request with Command
     * Reject (only a central handles it), even when it arrives in 3 fragments. */
    const uint8_t req[] = {0x12, 0x07, 0x08, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x64, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, req, sizeof req, 5);
    CHECK_EQ(take(out, 5 + 4 + 6), 15);
    CHECK_EQ(get_le16(out + 7), L2CAP_CID_LE_SIGNALING);
    CHECK_EQ(out[9], 0x01);  /* Command Reject */
    CHECK_EQ(out[10], 0x07); /* same identifier */
    CHECK_EQ(get_le16(out + 13), 0x0000);
    /* Unknown command code: Command Reject, not understood. */
    const uint8_t odd[] = {0x7f, 0x02, 0x00, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, odd, sizeof odd, 27);
    CHECK_EQ(take(out, 15), 15);
    CHECK_EQ(out[9], 0x01);
    CHECK_EQ(out[10], 0x02);
    /* Identifier 0 and a length that lies are discarded silently. */
    const uint8_t zero_id[] = {0x7f, 0x00, 0x00, 0x00};
    const uint8_t lying[] = {0x7f, 0x03, 0x09, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, zero_id, sizeof zero_id, 27);
    deliver(L2CAP_CID_LE_SIGNALING, lying, sizeof lying, 27);
    CHECK_EQ(pending(), 0);
    /* An LE credit-based connection request: SPSM not supported. */
    const uint8_t coc[] = {0x14, 0x05, 0x0a, 0x00, 0x80, 0x00, 0x40,
                           0x00, 0x00, 0x02, 0xfb, 0x00, 0x05, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, coc, sizeof coc, 27);
    CHECK_EQ(take(out, 5 + 4 + 14), 23);
    CHECK_EQ(out[9], 0x15);
    CHECK_EQ(get_le16(out + 21), 0x0002);
    /* A Connection Parameter Update Response of a wrong length (10, as a credit-based
     * request has) answers a request this host never sent: silently discarded, like
     * one of the right length and every other response (Vol 3 Part A 4). */
    const uint8_t bad_rsp[] = {0x13, 0x06, 0x0a, 0x00, 0x80, 0x00, 0x40,
                               0x00, 0x00, 0x02, 0xfb, 0x00, 0x05, 0x00};
    const uint8_t rsp[] = {0x13, 0x07, 0x02, 0x00, 0x00, 0x00};
    const uint8_t rej[] = {0x01, 0x08, 0x01, 0x00, 0x00};
    const uint8_t coc_rsp[] = {0x15, 0x09, 0x0a, 0x00, 0x40, 0x00, 0x40,
                               0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, bad_rsp, sizeof bad_rsp, 27);
    deliver(L2CAP_CID_LE_SIGNALING, rsp, sizeof rsp, 27);
    deliver(L2CAP_CID_LE_SIGNALING, rej, sizeof rej, 27);
    deliver(L2CAP_CID_LE_SIGNALING, coc_rsp, sizeof coc_rsp, 27);
    CHECK_EQ(pending(), 0);
    /* A request of a wrong length is not understood. */
    const uint8_t short_coc[] = {0x14, 0x0b, 0x08, 0x00, 0x80, 0x00,
                                 0x40, 0x00, 0x00, 0x02, 0xfb, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, short_coc, sizeof short_coc, 27);
    CHECK_EQ(take(out, 15), 15);
    CHECK_EQ(out[9], 0x01);
    CHECK_EQ(out[10], 0x0b);
    CHECK_EQ(get_le16(out + 13), 0x0000);
    /* Longer than MTU_sig: Command Reject, MTU exceeded, with our MTU (4.1). */
    uint8_t long_cmd[4 + 24] = {0x12, 0x0c, 24, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, long_cmd, sizeof long_cmd, 27);
    CHECK_EQ(take(out, 5 + 4 + 8), 17);
    CHECK_EQ(get_le16(out + 5), 8);
    CHECK_EQ(out[9], 0x01);
    CHECK_EQ(out[10], 0x0c);
    CHECK_EQ(get_le16(out + 13), 0x0001);
    CHECK_EQ(get_le16(out + 15), 23);
    CHECK_EQ(pending(), 0);
    /* SMP: pairing is refused with Pairing Not Supported. */
    const uint8_t pair[] = {0x01, 0x03, 0x00, 0x01, 0x10, 0x07, 0x07};
    deliver(L2CAP_CID_SMP, pair, sizeof pair, 27);
    CHECK_EQ(take(out, 5 + 4 + 2), 11);
    CHECK_EQ(get_le16(out + 7), L2CAP_CID_SMP);
    CHECK_EQ(out[9], 0x05);
    CHECK_EQ(out[10], 0x05);
    /* Unknown channels and other SMP codes get no answer. */
    deliver(0x0040, pair, sizeof pair, 27);
    const uint8_t confirm[] = {0x03, 1, 2, 3};
    deliver(L2CAP_CID_SMP, confirm, sizeof confirm, 27);
    CHECK_EQ(pending(), 0);
    teardown();
}

/* A central answers a Connection Parameter Update Request (Vol 3 Part A 4.20/4.21):
 * valid parameters go to the controller (LE Connection Update) and are accepted;
 * invalid ones are rejected without a command. */
static void test_central_param_update(void)
{
    setup(251, 8);
    h->conns[0].role = CONN_ROLE_CENTRAL;
    /* The controller's Command Status for LE Connection Update, waiting in the socket
     * for the command the host is about to send. */
    const uint8_t status[] = {H4_EVT, HCI_EV_CMD_STATUS, 4, 0x00, 1, 0x13, 0x20};
    CHECK_EQ(write(ctl, status, sizeof status), (ssize_t)sizeof status);
    /* interval 7.5-15 ms, latency 0, timeout 1 s */
    const uint8_t req[] = {0x12, 0x09, 0x08, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x64, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, req, sizeof req, 27);
    uint8_t out[64];
    CHECK_EQ(take(out, 4 + 14), 18);
    CHECK_EQ(out[0], H4_CMD);
    CHECK_EQ(get_le16(out + 1), HCI_OP_LE_CONN_UPDATE);
    CHECK_EQ(get_le16(out + 4), 0x0042);
    CHECK_EQ(get_le16(out + 6), 6);
    CHECK_EQ(get_le16(out + 8), 12);
    CHECK_EQ(get_le16(out + 12), 100);
    CHECK_EQ(take(out, 5 + 4 + 6), 15);
    CHECK_EQ(out[9], 0x13); /* Connection Parameter Update Response */
    CHECK_EQ(out[10], 0x09);
    CHECK_EQ(get_le16(out + 13), 0x0000); /* accepted */
    /* min > max: rejected, no command. */
    const uint8_t bad[] = {0x12, 0x0a, 0x08, 0x00, 0x10, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x64, 0x00};
    deliver(L2CAP_CID_LE_SIGNALING, bad, sizeof bad, 27);
    CHECK_EQ(take(out, 15), 15);
    CHECK_EQ(out[9], 0x13);
    CHECK_EQ(get_le16(out + 13), 0x0001); /* rejected */
    CHECK_EQ(pending(), 0);
    teardown();
}

static void test_reassembly_errors(void)
{
    setup(251, 8);
    uint8_t out[32];
    uint8_t pkt[16] = {H4_ACL};
    /* A continuation with nothing to continue. */
    put_le16(pkt + 1, 0x1042);
    put_le16(pkt + 3, 4);
    acl_on_packet(h, pkt, 9);
    /* An unknown handle, and a header length that lies. */
    put_le16(pkt + 1, 0x2043);
    acl_on_packet(h, pkt, 9);
    put_le16(pkt + 1, 0x2042);
    acl_on_packet(h, pkt, 8);
    CHECK_EQ(pending(), 0);
    /* A start, then a new start: the first PDU is dropped, the second answered. */
    const uint8_t pair[] = {0x01, 0x03, 0x00, 0x01, 0x10, 0x07, 0x07};
    uint8_t first[5 + 6] = {H4_ACL};
    put_le16(first + 1, 0x2042);
    put_le16(first + 3, 6);
    put_le16(first + 5, 7);
    put_le16(first + 7, L2CAP_CID_SMP);
    first[9] = 0x01;
    first[10] = 0x03;
    acl_on_packet(h, first, sizeof first);
    deliver(L2CAP_CID_SMP, pair, sizeof pair, 27);
    CHECK_EQ(take(out, 11), 11);
    CHECK_EQ(pending(), 0);
    /* More bytes than the L2CAP length: dropped. */
    uint8_t extra[5 + 4 + 8] = {H4_ACL};
    put_le16(extra + 1, 0x2042);
    put_le16(extra + 3, 12);
    put_le16(extra + 5, 7);
    put_le16(extra + 7, L2CAP_CID_SMP);
    memcpy(extra + 9, pair, 7);
    extra[16] = 0xee;
    acl_on_packet(h, extra, 5 + 12);
    CHECK_EQ(pending(), 0);
    teardown();
}

/* Reads the ACL packets the host wrote; returns how many. */
static unsigned drain_acl(void)
{
    unsigned n = 0;
    uint8_t hdr[5], data[251];
    while (take(hdr, 5) == 5) {
        CHECK_EQ(take(data, get_le16(hdr + 3)), get_le16(hdr + 3));
        n++;
    }
    return n;
}

/* An ATT request that meets a full transmit queue goes out at the first
 * completed-packets event after which it fits: no timer, no polling. */
static void test_tx_room(void)
{
    setup(251, 4);
    struct conn *c = &h->conns[0];
    static uint8_t big[1000];
    unsigned queued = 0;
    for (size_t n = sizeof big; n > 0; n /= 2) /* to the last byte */
        while (l2cap_send(h, c, L2CAP_CID_ATT, ACL_CONTROL, big, n) == 0)
            queued++;
    CHECK(queued > 8);
    CHECK_EQ(gattc_read(h, c, 7), 0);
    CHECK_EQ(c->att.req_op, 0);
    CHECK(c->att.req_wait_room);
    unsigned events = 0;
    while (c->att.req_op == 0 && events < 10000) {
        /* Still waiting: there was no room for it (header, L2CAP, Read Request). */
        CHECK(c->tx_cap - c->tx_used < HOST_TX_RECORD + L2CAP_HDR + 3);
        acl_on_completed(h, 0x0042, (uint16_t)drain_acl());
        events++;
    }
    CHECK_EQ(c->att.req_op, ATT_READ_REQ);
    CHECK(!c->att.req_wait_room);
    CHECK(c->att.req_timer.armed);
    teardown();
}

/* Notifications and commands take the controller's free buffers and then
 * HOST_TX_DATA_BLOCKS blocks of the queue, then -ENOMEM until packets complete;
 * what must not be lost still has the reserve. */
static void test_data_allowance(void)
{
    setup(251, 4);
    struct conn *c = &h->conns[0];
    static uint8_t big[HOST_TX_DATA_BLOCKS * HOST_TX_BLOCK];
    unsigned accepted = 0;
    while (l2cap_send(h, c, L2CAP_CID_ATT, ACL_DATA, big, 23) == 0)
        accepted++;
    CHECK_EQ(accepted, 4 + HOST_TX_DATA_BLOCKS); /* a 27-byte PDU: one block */
    CHECK_EQ(c->tx_blocks, HOST_TX_DATA_BLOCKS);
    CHECK(!l2cap_room(h, c, L2CAP_CID_ATT, ACL_DATA, 23));
    CHECK(l2cap_chan_by_cid(c, L2CAP_CID_ATT)->wants_room);
    /* The peer's request is answered all the same (its response queued). */
    size_t used = c->tx_used;
    deliver(L2CAP_CID_ATT, (const uint8_t[]){ATT_MTU_REQ, 23, 0}, 3, 27);
    CHECK_EQ(c->tx_used, used + HOST_TX_RECORD + L2CAP_HDR + 3);
    for (int i = 0; i < 3; i++) /* a request, an indication, signalling */
        CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_CONTROL, big, ATT_MTU_MAX), 0);
    CHECK(l2cap_room(h, c, L2CAP_CID_ATT, ACL_CONTROL, 23));
    /* Four complete: four queued PDUs go to the controller, their blocks free. */
    acl_on_completed(h, 0x0042, (uint16_t)drain_acl());
    CHECK_EQ(c->tx_blocks, HOST_TX_DATA_BLOCKS - 4);
    CHECK(!l2cap_chan_by_cid(c, L2CAP_CID_ATT)->wants_room); /* room was reported */
    /* A PDU takes a block per HOST_TX_BLOCK bytes; more than the allowance, never. */
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_DATA, big, 2 * HOST_TX_BLOCK), 0);
    CHECK_EQ(c->tx_blocks, HOST_TX_DATA_BLOCKS - 1);
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_DATA, big, 23), 0);
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_DATA, big, 23), -ENOMEM);
    CHECK_EQ(l2cap_send(h, c, L2CAP_CID_ATT, ACL_DATA, big, sizeof big), -EMSGSIZE);
    /* The link goes: nothing is counted any more. */
    acl_link_down(h, c);
    CHECK_EQ(c->tx_blocks, 0);
    teardown();
}

#include "test_l2cap_coc.h"

int main(void)
{
    RUN(test_tx_room());
    RUN(test_data_allowance());
    RUN(test_fragmentation_and_credits());
    RUN(test_signalling_and_smp());
    RUN(test_central_param_update());
    RUN(test_reassembly_errors());
    RUN(test_coc_request_results());
    RUN(test_coc_connect_out());
    RUN(test_coc_refusal_statuses());
    RUN(test_coc_rtx());
    RUN(test_coc_data_both_ways());
    RUN(test_coc_violations());
    RUN(test_coc_disconnection());
    RUN(test_coc_link_lost());
    return check_summary("test_l2cap");
}
