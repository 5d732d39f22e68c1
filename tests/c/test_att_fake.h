/* test_att_fake.h - a host for the ATT/GATT unit tests and fuzz targets: the
 * layers below and around ATT replaced by recorders (what was sent, what was
 * emitted), a fake clock, and helpers to feed PDUs in. Include it in exactly one
 * file per program; link with the library, whose ATT/GATT objects then use these. */
#ifndef MPBLE_TEST_ATT_FAKE_H
#define MPBLE_TEST_ATT_FAKE_H

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host/att.h"
#include "host/ble_priv.h"
#include "host/conn.h"
#include "host/gatts.h"
#include "host/host.h"
#include "host/l2cap.h"

#define FAKE_MAX 64
#define FAKE_DATA 600

struct fake_pdu {
    uint16_t conn, cid;
    size_t len;
    uint8_t data[FAKE_DATA];
};

struct fake_event {
    struct mpble_event ev;
    uint8_t data[FAKE_DATA];
};

static struct {
    struct host h;
    uint64_t now;
    struct fake_pdu tx[FAKE_MAX];
    unsigned ntx, tx_read;
    int tx_fail; /* l2cap_send returns this (e.g. -ENOMEM) while non-zero */
    struct fake_event ev[FAKE_MAX];
    unsigned nev, ev_read;
    int read_request_result;
    void (*on_event)(const struct mpble_event *ev); /* runs inside host_emit */
    int preferred_mtu;
    const char *name;
    unsigned disconnects;
} fk;

static uint64_t fake_clock(void)
{
    return fk.now;
}

/* ---- the replaced functions ---- */

int l2cap_send(struct host *h, struct conn *c, uint16_t cid, const uint8_t *payload, size_t len)
{
    if (len > c->att.mtu || c->att.closed || !c->used)
        abort(); /* never more than ATT_MTU (Vol 3 Part F 3.2.8), never after a timeout */
    if (fk.tx_fail)
        return fk.tx_fail;
    struct fake_pdu *p = &fk.tx[fk.ntx++ % FAKE_MAX];
    p->conn = c->handle;
    p->cid = cid;
    p->len = len;
    memcpy(p->data, payload, len < FAKE_DATA ? len : FAKE_DATA);
    return 0;
}

int host_emit(struct host *h, const struct mpble_event *ev)
{
    struct fake_event *e = &fk.ev[fk.nev++ % FAKE_MAX];
    e->ev = *ev;
    if (ev->code == MPBLE_IRQ_GATTC_READ_RESULT || ev->code == MPBLE_IRQ_GATTC_NOTIFY ||
        ev->code == MPBLE_IRQ_GATTC_INDICATE) {
        memcpy(e->data, ev->u.data.data, ev->u.data.len < FAKE_DATA ? ev->u.data.len : FAKE_DATA);
        e->ev.u.data.data = e->data;
    }
    if (fk.on_event)
        fk.on_event(ev);
    return ev->code == MPBLE_IRQ_GATTS_READ_REQUEST ? fk.read_request_result : 0;
}

void host_timer_start(struct host *h, struct host_timer *t, uint64_t delay_us)
{
    host_timer_stop(h, t);
    t->due_us = h->now() + delay_us;
    t->armed = true;
    t->next = h->timers;
    h->timers = t;
}

void host_timer_stop(struct host *h, struct host_timer *t)
{
    for (struct host_timer **p = &h->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

size_t ble_gap_name(struct mpble *dev, uint8_t *buf, size_t cap)
{
    size_t n = strlen(fk.name);
    memcpy(buf, fk.name, n < cap ? n : cap);
    return n;
}

int ble_preferred_mtu(struct mpble *dev)
{
    return fk.preferred_mtu;
}

void ble_log(struct mpble *dev, const char *fmt, ...)
{
}

int conn_disconnect(struct host *h, uint16_t handle)
{
    fk.disconnects++;
    return 1;
}

/* ---- helpers ---- */

#define RX(c, ...)                                                   \
    do {                                                             \
        const uint8_t rx_[] = {__VA_ARGS__};                         \
        att_on_pdu(&fk.h, (c), rx_, sizeof rx_);                     \
    } while (0)

/* Advances the clock by us and fires what is due, as the loop does. */
static void fake_advance(uint64_t us)
{
    fk.now += us;
    for (;;) {
        struct host_timer *due = NULL;
        for (struct host_timer *t = fk.h.timers; t; t = t->next)
            if (t->due_us <= fk.now)
                due = t;
        if (due == NULL)
            return;
        host_timer_stop(&fk.h, due);
        due->fire(&fk.h, due);
    }
}

/* A fresh host with only the stack's services and no connection. */
static void fake_setup(void)
{
    if (fk.h.gatts)
        gatts_stop(&fk.h);
    memset(&fk, 0, sizeof fk);
    fk.h.now = fake_clock;
    fk.preferred_mtu = 256;
    fk.name = "MPY NIMBLE";
    gatts_start(&fk.h);
}

static struct conn *fake_connect(unsigned slot, uint16_t handle)
{
    struct conn *c = &fk.h.conns[slot];
    c->used = true;
    c->handle = handle;
    att_bearer_init(&fk.h, c);
    return c;
}

static void fake_disconnect(struct conn *c)
{
    att_on_disconnect(&fk.h, c);
    c->used = false;
}

/* The next PDU sent, or NULL. */
static const struct fake_pdu *fake_tx(void)
{
    return fk.tx_read < fk.ntx ? &fk.tx[fk.tx_read++ % FAKE_MAX] : NULL;
}

/* The next event emitted, or NULL. */
static const struct mpble_event *fake_ev(void)
{
    return fk.ev_read < fk.nev ? &fk.ev[fk.ev_read++ % FAKE_MAX].ev : NULL;
}

static void fake_drain(void)
{
    fk.tx_read = fk.ntx;
    fk.ev_read = fk.nev;
}

#ifdef MPBLE_CHECK_H
/* Checks that the next PDU sent is exactly want. */
static void expect_tx(const uint8_t *want, size_t n, int line)
{
    const struct fake_pdu *p = fake_tx();
    if (p && p->cid == L2CAP_CID_ATT && p->len == n && memcmp(p->data, want, n) == 0) {
        check_passed++;
        return;
    }
    check_failed++;
    fprintf(stderr, "line %d: expected PDU", line);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, "\n   sent");
    for (size_t i = 0; p && i < p->len; i++)
        fprintf(stderr, " %02x", p->data[i]);
    fprintf(stderr, p ? "\n" : " nothing\n");
}
#define EXPECT_TX(...)                                  \
    do {                                                \
        const uint8_t want_[] = {__VA_ARGS__};          \
        expect_tx(want_, sizeof want_, __LINE__);       \
    } while (0)
#define EXPECT_ERR(op, handle, code) EXPECT_TX(0x01, op, (handle) & 0xff, (handle) >> 8, code)
#define EXPECT_NO_TX() CHECK(fake_tx() == NULL)
#define EXPECT_NO_EV() CHECK(fake_ev() == NULL)

/* Checks the next event's code and returns it (NULL when there is none). */
static const struct mpble_event *expect_ev(int code, int line)
{
    const struct mpble_event *e = fake_ev();
    if (e && e->code == code) {
        check_passed++;
        return e;
    }
    check_failed++;
    fprintf(stderr, "line %d: expected event %d, got %d\n", line, code, e ? e->code : -1);
    return NULL;
}
#define EXPECT_EV(code) expect_ev(code, __LINE__)
#endif

#endif
