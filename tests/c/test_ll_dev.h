/* test_ll_dev.h - devices for the connection tests (test_ll*.c): a virtual
 * controller with what its host received, ACL streams of numbered messages that
 * the receiver checks byte by byte, and a host that keeps to its ACL credits. */
#ifndef MPBLE_TEST_LL_DEV_H
#define MPBLE_TEST_LL_DEV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "air/medium.h"
#include "check.h"
#include "common/bytes.h"
#include "common/hci_defs.h"
#include "controller/controller.h"

#define DEV_EVENTS 1024
#define DEV_STREAMS 32 /* handles 0..31 */

struct dev_event {
    uint8_t code, len;
    uint8_t p[255];
    uint64_t at;
};

/* Messages i = 0, 1, ... of length msg_len(seed, i), split into ACL fragments. */
struct stream {
    uint32_t seed, max_len;
    int fixed; /* every message max_len long */
    uint32_t msg, off;
    int started, errors;
    uint64_t bytes, fragments;
};

struct dev {
    struct controller *c;
    struct medium *m;
    uint8_t addr[6];
    int status; /* of the last Command Complete or Command Status */
    int nev;
    struct dev_event ev[DEV_EVENTS];
    int credits, max_outstanding;
    uint64_t completed, acl_in, bad_acl;
    struct stream tx[DEV_STREAMS], rx[DEV_STREAMS];
};

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    return x ^ (x >> 16);
}

static uint32_t msg_len(const struct stream *s, uint32_t i)
{
    return s->fixed ? s->max_len : 1 + mix32(s->seed * 7919u + i) % s->max_len;
}

static uint8_t msg_byte(const struct stream *s, uint32_t i, uint32_t j)
{
    return (uint8_t)(mix32(s->seed ^ (i * 31u)) + j * 13u);
}

static void stream_rx(struct stream *s, int start, const uint8_t *data, size_t len)
{
    if (start) {
        if (s->started) {
            if (s->off != msg_len(s, s->msg))
                s->errors++;
            s->msg++;
        }
        s->started = 1;
        s->off = 0;
    } else if (!s->started) {
        s->errors++;
    }
    for (size_t k = 0; k < len; k++, s->off++)
        if (s->off >= msg_len(s, s->msg) || data[k] != msg_byte(s, s->msg, s->off))
            s->errors++;
    s->bytes += len;
    s->fragments++;
}

/* Whole messages received so far. */
static inline uint32_t stream_done(const struct stream *s)
{
    return s->started ? s->msg + (s->off == msg_len(s, s->msg)) : 0;
}

static void dev_output(void *ctx, const uint8_t *pkt, size_t len)
{
    struct dev *d = ctx;
    if (pkt[0] == H4_ACL) {
        uint16_t hf = get_le16(pkt + 1), h = hf & 0x0fff;
        uint8_t pb = (hf >> 12) & 3;
        d->acl_in++;
        if (h >= DEV_STREAMS || (pb != 2 && pb != 1) || get_le16(pkt + 3) + 5u != len) {
            d->bad_acl++;
            return;
        }
        if (d->rx[h].max_len) /* a stream the test checks */
            stream_rx(&d->rx[h], pb == 2, pkt + 5, len - 5);
        return;
    }
    CHECK_EQ(pkt[0], H4_EVT);
    CHECK_EQ(len, 3u + pkt[2]);
    if (pkt[1] == HCI_EV_CMD_COMPLETE)
        d->status = pkt[6];
    if (pkt[1] == HCI_EV_CMD_STATUS)
        d->status = pkt[3];
    if (pkt[1] == HCI_EV_NUM_COMPLETED_PACKETS) {
        CHECK(pkt[3] >= 1);
        CHECK_EQ(pkt[2], 1u + 4u * pkt[3]);
        for (unsigned i = 0; i < pkt[3]; i++) {
            d->credits += get_le16(pkt + 6 + 4 * i);
            d->completed += get_le16(pkt + 6 + 4 * i);
        }
        return;
    }
    if (d->nev == DEV_EVENTS)
        return;
    struct dev_event *e = &d->ev[d->nev++];
    e->code = pkt[1];
    e->len = pkt[2];
    memcpy(e->p, pkt + 3, pkt[2]);
    e->at = medium_now(d->m);
}

static int dev_cmd(struct dev *d, uint16_t op, const uint8_t *p, uint8_t plen)
{
    uint8_t pkt[260] = {H4_CMD, (uint8_t)op, (uint8_t)(op >> 8), plen};
    if (plen)
        memcpy(pkt + 4, p, plen);
    d->status = -1;
    CHECK_EQ(controller_receive(d->c, pkt, 4u + plen), 0);
    return d->status;
}

/* Every event unmasked; mask_le: the LE event mask's low 32 bits; what the
 * controller sends goes to out(d, ...), which passes it on to dev_output. */
static struct dev *dev_new_out(struct medium *m, uint32_t ordinal, uint32_t mask_le,
                               controller_output_fn out)
{
    struct dev *d = calloc(1, sizeof(*d));
    d->m = m;
    medium_public_address(m, ordinal, d->addr);
    d->c = controller_create(&m->air, d->addr, out, d);
    CHECK(d->c != NULL);
    uint8_t mask[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f};
    CHECK_EQ(dev_cmd(d, HCI_OP_SET_EVENT_MASK, mask, 8), 0);
    uint8_t le[8] = {0};
    put_le32(le, mask_le);
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_EVENT_MASK, le, 8), 0);
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_READ_BUFFER_SIZE, NULL, 0), 0);
    d->credits = CONTROLLER_ACL_BUFFERS;
    return d;
}

static inline struct dev *dev_new(struct medium *m, uint32_t ordinal, uint32_t mask_le)
{
    return dev_new_out(m, ordinal, mask_le, dev_output);
}

static void dev_free(struct dev *d)
{
    controller_destroy(d->c);
    free(d);
}

static void run_for(struct medium *m, uint64_t us)
{
    timerq_run_until(&m->air.timers, medium_now(m) + us);
}

/* Index of the first event at or after from with this code (and LE subevent
 * when sub >= 0), or -1. */
static int dev_find(const struct dev *d, int from, uint8_t code, int sub)
{
    for (int i = from; i < d->nev; i++)
        if (d->ev[i].code == code && (sub < 0 || d->ev[i].p[0] == sub))
            return i;
    return -1;
}

static inline int dev_count(const struct dev *d, uint8_t code, int sub)
{
    int n = 0;
    for (int i = dev_find(d, 0, code, sub); i >= 0; i = dev_find(d, i + 1, code, sub))
        n++;
    return n;
}

static void dev_advertise(struct dev *d, uint8_t type, uint16_t interval)
{
    uint8_t p[15] = {0};
    put_le16(p, interval);
    put_le16(p + 2, interval);
    p[4] = type;
    p[13] = 0x07;
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    uint8_t on = 1;
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), 0);
}

/* LE Create Connection parameters to peer. */
static void conn_params(uint8_t p[25], const uint8_t peer[6], uint16_t interval, uint16_t latency,
                        uint16_t timeout)
{
    memset(p, 0, 25);
    put_le16(p, 0x0010);
    put_le16(p + 2, 0x0010);
    memcpy(p + 6, peer, 6);
    put_le16(p + 13, interval);
    put_le16(p + 15, interval);
    put_le16(p + 17, latency);
    put_le16(p + 19, timeout);
}

/* central connects to peripheral (advertising ADV_IND); returns the central's
 * handle and sets *ph to the peripheral's. */
static int dev_connect(struct dev *central, struct dev *peripheral, uint16_t interval,
                       uint16_t timeout, int *ph)
{
    int c0 = central->nev, p0 = peripheral->nev;
    dev_advertise(peripheral, HCI_ADV_IND, 0x20);
    uint8_t p[25];
    conn_params(p, peripheral->addr, interval, 0, timeout);
    CHECK_EQ(dev_cmd(central, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    for (int i = 0; i < 2000; i++) {
        if (dev_find(central, c0, HCI_EV_LE_META, -1) >= 0 &&
            dev_find(peripheral, p0, HCI_EV_LE_META, -1) >= 0)
            break;
        run_for(central->m, 1000);
    }
    int ci = dev_find(central, c0, HCI_EV_LE_META, -1);
    int pi = dev_find(peripheral, p0, HCI_EV_LE_META, -1);
    CHECK(ci >= 0 && pi >= 0);
    if (ci < 0 || pi < 0)
        return -1;
    CHECK_EQ(central->ev[ci].p[1], 0);
    CHECK_EQ(peripheral->ev[pi].p[1], 0);
    *ph = get_le16(peripheral->ev[pi].p + 2);
    return get_le16(central->ev[ci].p + 2);
}

/* Sends fragments of d's stream on handle while credits last, up to msgs
 * messages; fragments of at most frag octets. Returns fragments sent. */
static int dev_pump(struct dev *d, int handle, uint32_t msgs, uint32_t frag)
{
    struct stream *s = &d->tx[handle];
    int sent = 0;
    while (d->credits > 0 && s->msg < msgs) {
        uint32_t len = msg_len(s, s->msg), n = len - s->off;
        if (n > frag)
            n = frag;
        uint8_t pkt[5 + 251];
        pkt[0] = H4_ACL;
        put_le16(pkt + 1, (uint16_t)(handle | (s->off ? 0x1000 : 0x0000)));
        put_le16(pkt + 3, (uint16_t)n);
        for (uint32_t k = 0; k < n; k++)
            pkt[5 + k] = msg_byte(s, s->msg, s->off + k);
        CHECK_EQ(controller_receive(d->c, pkt, 5 + n), 0);
        d->credits--;
        int out = CONTROLLER_ACL_BUFFERS - d->credits;
        if (out > d->max_outstanding)
            d->max_outstanding = out;
        s->off += n;
        s->bytes += n;
        if (s->off == len) {
            s->msg++;
            s->off = 0;
        }
        sent++;
    }
    return sent;
}

/* LE Write Suggested Default Data Length: octets, and the time they take at LE 1M. */
static inline void set_default_length(struct dev *d, uint16_t octets)
{
    uint8_t p[4];
    put_le16(p, octets);
    put_le16(p + 2, (uint16_t)((octets + 14) * 8));
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH, p, 4), 0);
}

/* Numbered streams both ways between a (handle ah) and b (bh), random sizes up to
 * max_len. */
static inline void traffic_streams(struct dev *a, int ah, struct dev *b, int bh, uint32_t max_len)
{
    a->tx[ah] = (struct stream){.seed = 100u + (uint32_t)ah, .max_len = max_len};
    b->rx[bh] = (struct stream){.seed = 100u + (uint32_t)ah, .max_len = max_len};
    b->tx[bh] = (struct stream){.seed = 200u + (uint32_t)bh, .max_len = max_len};
    a->rx[ah] = (struct stream){.seed = 200u + (uint32_t)bh, .max_len = max_len};
}

/* Runs the streams to n messages each way, host fragments of at most frag octets;
 * checks order, content, boundaries and credits. */
static inline void traffic_finish(struct dev *a, int ah, struct dev *b, int bh, uint32_t n,
                                  uint32_t frag)
{
    for (int guard = 0; guard < 2000000; guard++) {
        dev_pump(a, ah, n, frag);
        dev_pump(b, bh, n, frag);
        if (stream_done(&b->rx[bh]) == n && stream_done(&a->rx[ah]) == n)
            break;
        run_for(a->m, 1000);
    }
    CHECK_EQ(stream_done(&b->rx[bh]), n);
    CHECK_EQ(stream_done(&a->rx[ah]), n);
    CHECK_EQ(b->rx[bh].errors, 0);
    CHECK_EQ(a->rx[ah].errors, 0);
    CHECK_EQ(b->rx[bh].bytes, a->tx[ah].bytes);
    CHECK_EQ(a->rx[ah].bytes, b->tx[bh].bytes);
    CHECK(a->max_outstanding <= CONTROLLER_ACL_BUFFERS);
}

/* n messages each way, random sizes up to max_len, host fragments of at most
 * frag octets. */
static inline void run_traffic(struct dev *a, int ah, struct dev *b, int bh, uint32_t n,
                               uint32_t max_len, uint32_t frag)
{
    traffic_streams(a, ah, b, bh, max_len);
    traffic_finish(a, ah, b, bh, n, frag);
}

#endif
