/* test_ll_flow.c - flow control towards a host that does not read (Core v5.4 Vol 6
 * Part B 4.5.9): while the receiving host's output has no room, its controller
 * leaves the peer's data PDUs unacknowledged, so the sender's Number Of Completed
 * Packets stop and its credits run out; nothing is lost, the link survives, and once
 * the host reads again everything arrives in order. Events always fit; advertising
 * reports are dropped meanwhile. */
#include "common/log.h"
#include "test_ll_dev.h"

#define LE_MASK_ALL 0x00000fffu
#define HOST_SLACK 4000 /* octets the host's output takes beyond the event reserve */
#define HOST_CAP (CONTROLLER_EVENT_RESERVE + HOST_SLACK)

/* The host of one device reads, or not: then what its controller sends waits in
 * held ([le16 length][packet] each), and the controller sees the room left. */
static struct {
    struct dev *d;
    int reading;
    size_t queued, at; /* packet octets held; octets of held used */
    uint8_t held[2 * HOST_CAP];
} host;

static void slow_output(void *ctx, const uint8_t *pkt, size_t len)
{
    if (ctx != host.d || host.reading) {
        dev_output(ctx, pkt, len);
        return;
    }
    CHECK(host.queued + len <= HOST_CAP); /* the controller kept to the room */
    put_le16(host.held + host.at, (uint16_t)len);
    memcpy(host.held + host.at + 2, pkt, len);
    host.at += 2 + len;
    host.queued += len;
}

static size_t slow_room(void *ctx)
{
    return ctx != host.d || host.reading ? SIZE_MAX / 2 : HOST_CAP - host.queued;
}

static void host_stop(struct dev *d)
{
    host.d = d;
    host.reading = 0;
    host.queued = host.at = 0;
}

/* The host reads what waited, in order, and its controller hears of the room. */
static void host_read(void)
{
    host.reading = 1;
    for (size_t at = 0; at < host.at; at += 2 + (size_t)get_le16(host.held + at))
        dev_output(host.d, host.held + at + 2, get_le16(host.held + at));
    host.queued = host.at = 0;
    controller_host_ready(host.d->c);
}

static struct dev *slow_dev(struct medium *m, uint32_t ordinal)
{
    struct dev *d = dev_new_out(m, ordinal, LE_MASK_ALL, slow_output);
    controller_set_host_room(d->c, slow_room);
    return d;
}

/* Pumps tx's stream for ms milliseconds of air time. */
static void pump_for(struct dev *tx, int txh, uint32_t n, int ms)
{
    for (int i = 0; i < ms; i++) {
        dev_pump(tx, txh, n, 251);
        run_for(tx->m, 1000);
    }
}

/* n messages from one end to the other whose host stops reading three times for
 * 3 s (three supervision timeouts), reading read_ms in between. */
static void test_flow(enum medium_timing timing, int slow_peripheral, uint32_t n, int read_ms)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, timing, 40u + (uint32_t)slow_peripheral), 0);
    struct dev *p = slow_dev(&m, 1), *c = slow_dev(&m, 2);
    int ph = -1, ch = dev_connect(c, p, 6, 100, &ph);
    run_for(&m, 20000);
    struct dev *tx = slow_peripheral ? c : p, *rx = slow_peripheral ? p : c;
    int txh = slow_peripheral ? ch : ph, rxh = slow_peripheral ? ph : ch;
    tx->tx[txh] = (struct stream){.seed = 7, .max_len = 600};
    rx->rx[rxh] = (struct stream){.seed = 7, .max_len = 600};
    for (int round = 0; round < 3; round++) {
        host_stop(rx);
        pump_for(tx, txh, n, 2000);
        uint64_t completed = tx->completed, acl_in = rx->acl_in;
        pump_for(tx, txh, n, 1000);
        /* Stalled: no credit back, nothing more for the host, the link up. */
        CHECK_EQ(tx->credits, 0);
        CHECK_EQ(tx->completed, completed);
        CHECK_EQ(rx->acl_in, acl_in);
        CHECK(host.queued <= HOST_SLACK);
        CHECK_EQ(dev_count(tx, HCI_EV_DISCONN_COMPLETE, -1), 0);
        host_read();
        pump_for(tx, txh, n, read_ms);
    }
    CHECK(stream_done(&rx->rx[rxh]) < n); /* the stalls held it back */
    for (int guard = 0; guard < 200000 && stream_done(&rx->rx[rxh]) < n; guard++)
        pump_for(tx, txh, n, 1);
    CHECK_EQ(stream_done(&rx->rx[rxh]), n);
    CHECK_EQ(rx->rx[rxh].errors, 0);
    CHECK_EQ(rx->rx[rxh].bytes, tx->tx[txh].bytes);
    CHECK_EQ(rx->bad_acl, 0);
    run_for(&m, 100000);
    CHECK_EQ(tx->credits, CONTROLLER_ACL_BUFFERS);
    CHECK_EQ(dev_count(tx, HCI_EV_DISCONN_COMPLETE, -1), 0);
    CHECK_EQ(dev_count(rx, HCI_EV_DISCONN_COMPLETE, -1), 0);
    dev_free(p);
    dev_free(c);
    medium_free(&m);
}

/* Advertising reports for a host that does not read stop at the room left for
 * data: the rest are dropped, and reports flow again once it reads. */
static void test_reports_dropped(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 44), 0);
    struct dev *adv = dev_new(&m, 1, LE_MASK_ALL), *scanner = slow_dev(&m, 2);
    host_stop(scanner);
    dev_advertise(adv, HCI_ADV_NONCONN_IND, 0x20);
    /* Passive scanning; the Command Completes wait with the host. */
    uint8_t params[7] = {0, 0x10, 0, 0x10, 0, 0, 0}, on[2] = {1, 0};
    dev_cmd(scanner, HCI_OP_LE_SET_SCAN_PARAMS, params, 7);
    dev_cmd(scanner, HCI_OP_LE_SET_SCAN_ENABLE, on, 2);
    run_for(&m, 200000); /* some 600 reports of 3 + 12 octets each */
    CHECK(host.queued <= HOST_SLACK);
    CHECK(host.queued > HOST_SLACK - 64);
    host_read();
    int got = dev_count(scanner, HCI_EV_LE_META, HCI_LE_EV_ADV_REPORT);
    CHECK(got > 100 && got < 300);
    CHECK_EQ(scanner->status, 0); /* the commands' Command Complete came through */
    run_for(&m, 20000);
    CHECK(dev_count(scanner, HCI_EV_LE_META, HCI_LE_EV_ADV_REPORT) > got + 20);
    dev_free(adv);
    dev_free(scanner);
    medium_free(&m);
}

int main(void)
{
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    RUN(test_flow(MEDIUM_TIMING_FAST, 1, 3000, 5));
    RUN(test_flow(MEDIUM_TIMING_FAST, 0, 3000, 5));
    RUN(test_flow(MEDIUM_TIMING_REAL, 1, 300, 300));
    RUN(test_flow(MEDIUM_TIMING_REAL, 0, 300, 300));
    RUN(test_reports_dropped());
    return check_summary("test_ll_flow");
}
