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
#include "host/conn.h"
#include "host/gatts.h"
#include "host/host.h"
#include "host/l2cap.h"

/* A 16-bit UUID (mpble_uuid_t) from its value. */
#define U16(v)                   \
    {                            \
        2,                       \
        {                        \
            (v) & 0xff, (v) >> 8 \
        }                        \
    }

#define FAKE_MAX 64
#define FAKE_DATA 600

struct fake_pdu {
    uint16_t conn, cid;
    enum acl_class cls;
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
    void (*on_event)(const struct mpble_event *ev); /* runs inside the event callback */
    unsigned disconnects;
} fk;

static uint64_t fake_clock(void)
{
    return fk.now;
}

/* ---- the replaced functions ---- */

int l2cap_send(struct host *h, struct conn *c, uint16_t cid, enum acl_class cls,
               const uint8_t *payload, size_t len)
{
    if (len > c->att.mtu || c->att.closed || !c->used)
        abort(); /* never more than ATT_MTU (Vol 3 Part F 3.2.8), never after a timeout */
    if (fk.tx_fail)
        return fk.tx_fail;
    struct fake_pdu *p = &fk.tx[fk.ntx++ % FAKE_MAX];
    p->conn = c->handle;
    p->cid = cid;
    p->cls = cls;
    p->len = len;
    memcpy(p->data, payload, len < FAKE_DATA ? len : FAKE_DATA);
    return 0;
}

bool l2cap_room(struct host *h, struct conn *c, uint16_t cid, enum acl_class cls, size_t len)
{
    return fk.tx_fail == 0;
}

/* The application's event callback. */
static int fake_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
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

int conn_disconnect(struct host *h, uint16_t handle)
{
    fk.disconnects++;
    return 1;
}

/* ---- helpers ---- */

#define RX(c, ...)                               \
    do {                                         \
        const uint8_t rx_[] = {__VA_ARGS__};     \
        att_on_pdu(&fk.h, (c), rx_, sizeof rx_); \
    } while (0)

/* Advances the clock by us and fires what is due, as the loop does. */
static void fake_advance(uint64_t us)
{
    fk.now += us;
    host_timers_run(&fk.h);
}

/* Sets the preferred MTU and the device name the layers read. */
static void fake_settings(int mtu, const char *name)
{
    struct host_settings *s = &fk.h.base.settings;
    s->mtu = mtu;
    s->gap_name_len = strlen(name);
    memcpy(s->gap_name, name, s->gap_name_len);
}

/* A fresh host with only the stack's services and no connection. */
static void fake_setup(void)
{
    if (fk.h.gatts)
        gatts_stop(&fk.h);
    memset(&fk, 0, sizeof fk);
    fk.h.base.now = fake_clock;
    fk.h.base.fn = fake_event;
    fake_settings(256, "MPY NIMBLE");
    gatts_start(&fk.h);
}

static struct conn *fake_connect(unsigned slot, uint16_t handle)
{
    struct conn *c = &fk.h.conns[slot];
    c->used = true;
    c->handle = handle;
    c->sec = (struct conn_security){0};
    att_link_up(&fk.h, c);
    return c;
}

static void fake_disconnect(struct conn *c)
{
    att_link_down(&fk.h, c); /* as the host's link-down fan-out */
    gatts_conn_reset(&fk.h, c);
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
#define EXPECT_TX(...)                            \
    do {                                          \
        const uint8_t want_[] = {__VA_ARGS__};    \
        expect_tx(want_, sizeof want_, __LINE__); \
    } while (0)
#define EXPECT_ERR(op, handle, code) EXPECT_TX(0x01, op, (handle)&0xff, (handle) >> 8, code)
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
