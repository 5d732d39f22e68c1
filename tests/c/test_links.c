/* test_links.c - one peripheral holding as many links as a host can, each one
 * carrying data, on an air in this process (fast timing): the next central cannot
 * connect while every slot is taken (the peripheral's connectable advertising is
 * held), and does once a slot frees. Through the public C API only. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "host/conn.h"
#include "mpble/mpble.h"
#include "private_air.h"

#define CENTRALS HOST_MAX_CONNS
#define FLAG_READ 0x0002
#define FLAG_WRITE 0x0008
#define FLAG_NOTIFY 0x0010

struct device {
    mpble_t *h;
    atomic_int conn;     /* central: the link (-1 none, -2 refused or gone) */
    atomic_int notified; /* central: the value of the last notification + 1 */
    atomic_int links;    /* peripheral: links up now */
    atomic_int connects; /* peripheral: CENTRAL_CONNECT events */
    atomic_int reports;  /* scan results from the peripheral's address */
    mpble_addr_t peer;   /* the peripheral's address, for scan results */
};

static struct device peripheral, centrals[CENTRALS + 1];
static uint16_t value_handle;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define WAIT_UNTIL(cond)                     \
    do {                                     \
        uint64_t until_ = now_ms() + 10000;  \
        while (!(cond) && now_ms() < until_) \
            usleep(1000);                    \
        CHECK(cond);                         \
    } while (0)

/* The peripheral echoes every write back to its writer as a notification. */
static int on_peripheral(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    struct device *d = ctx;
    if (ev->code == MPBLE_IRQ_CENTRAL_CONNECT) {
        atomic_fetch_add(&d->links, 1);
        atomic_fetch_add(&d->connects, 1);
    } else if (ev->code == MPBLE_IRQ_CENTRAL_DISCONNECT) {
        atomic_fetch_sub(&d->links, 1);
    } else if (ev->code == MPBLE_IRQ_GATTS_WRITE) {
        uint8_t *v;
        size_t n;
        if (mpble_gatts_read(d->h, ev->u.gatts.attr_handle, &v, &n) == 0)
            mpble_gatts_notify(d->h, ev->u.gatts.conn_handle, ev->u.gatts.attr_handle, v, n);
        free(v);
    }
    return 0;
}

static int on_central(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    struct device *d = ctx;
    switch (ev->code) {
    case MPBLE_IRQ_PERIPHERAL_CONNECT:
        atomic_store(&d->conn, ev->u.conn.conn_handle);
        break;
    case MPBLE_IRQ_PERIPHERAL_DISCONNECT:
        atomic_store(&d->conn, -2);
        break;
    case MPBLE_IRQ_GATTC_NOTIFY:
        if (ev->u.data.len == 1)
            atomic_store(&d->notified, ev->u.data.data[0] + 1);
        break;
    case MPBLE_IRQ_SCAN_RESULT:
        if (memcmp(ev->u.scan_result.addr.val, d->peer.val, 6) == 0)
            atomic_fetch_add(&d->reports, 1);
        break;
    default:
        break;
    }
    return 0;
}

static void activate(struct device *d, mpble_event_fn fn, const char *uri)
{
    d->h = mpble_new(fn, d);
    atomic_store(&d->conn, -1);
    CHECK_EQ(mpble_set_transport(d->h, uri), 0);
    CHECK_EQ(mpble_active(d->h, true), 0);
}

static void start_peripheral(const char *uri)
{
    activate(&peripheral, on_peripheral, uri);
    static const struct mpble_gatts_characteristic chr = {
        {2, {0x01, 0xaa}}, FLAG_READ | FLAG_WRITE | FLAG_NOTIFY, NULL, 0};
    static const struct mpble_gatts_service svc = {{2, {0x00, 0xaa}}, &chr, 1};
    CHECK_EQ(mpble_gatts_register_services(peripheral.h, &svc, 1, &value_handle, 1), 1);
    CHECK_EQ(mpble_get_mac(peripheral.h, &peripheral.peer), 0);
}

static int advertise(void)
{
    return mpble_gap_advertise(peripheral.h, 20000, NULL, 0, NULL, 0, true);
}

/* Connects central d to the peripheral (advertising again for it); the link's
 * state after up to timeout_ms. */
static int connect_central(struct device *d, uint32_t timeout_ms)
{
    atomic_store(&d->conn, -1);
    CHECK_EQ(advertise(), 0);
    CHECK_EQ(mpble_gap_connect(d->h, &peripheral.peer, timeout_ms, 7500, 7500), 0);
    WAIT_UNTIL(atomic_load(&d->conn) != -1);
    return atomic_load(&d->conn);
}

/* Whether a scan of 300 ms by d hears the peripheral. */
static bool hears_peripheral(struct device *d)
{
    d->peer = peripheral.peer;
    atomic_store(&d->reports, 0);
    CHECK_EQ(mpble_gap_scan(d->h, 300, 30000, 30000, false), 0);
    usleep(400000);
    return atomic_load(&d->reports) > 0;
}

static void test_every_slot(const char *uri)
{
    start_peripheral(uri);
    for (int i = 0; i < CENTRALS; i++) {
        activate(&centrals[i], on_central, uri);
        CHECK(connect_central(&centrals[i], 5000) >= 0);
    }
    WAIT_UNTIL(atomic_load(&peripheral.links) == CENTRALS);
    /* Data on every link: each central writes its number, the peripheral echoes it. */
    for (int i = 0; i < CENTRALS; i++) {
        uint8_t v = (uint8_t)i;
        CHECK_EQ(mpble_gattc_write(centrals[i].h, (uint16_t)atomic_load(&centrals[i].conn),
                                   value_handle, &v, 1, 1),
                 0);
    }
    for (int i = 0; i < CENTRALS; i++)
        WAIT_UNTIL(atomic_load(&centrals[i].notified) == i + 1);

    /* Full: advertising asked for is held, nobody hears it, the next one cannot
     * connect (its attempt times out). */
    struct device *extra = &centrals[CENTRALS];
    activate(extra, on_central, uri);
    CHECK_EQ(advertise(), 0);
    CHECK(!hears_peripheral(extra));
    CHECK_EQ(connect_central(extra, 500), -2);
    CHECK_EQ(atomic_load(&peripheral.connects), CENTRALS);

    /* A slot frees: advertising resumes by itself, and the next one connects. */
    CHECK_EQ(mpble_gap_disconnect(centrals[0].h, (uint16_t)atomic_load(&centrals[0].conn)), 1);
    WAIT_UNTIL(atomic_load(&peripheral.links) == CENTRALS - 1);
    CHECK(hears_peripheral(extra));
    CHECK(connect_central(extra, 5000) >= 0);
    WAIT_UNTIL(atomic_load(&peripheral.links) == CENTRALS);

    for (int i = 0; i <= CENTRALS; i++)
        mpble_free(centrals[i].h);
    mpble_free(peripheral.h);
}

int main(void)
{
    setenv("MPBLE_LOG", "0", 1);
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    struct private_air air;
    CHECK_EQ(private_air_start(&air, "links", 7), 0);
    if (check_failed)
        return check_summary("test_links");
    RUN(test_every_slot(air.uri));
    private_air_stop(&air);
    return check_summary("test_links");
}
