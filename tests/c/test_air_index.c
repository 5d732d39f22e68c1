/* test_air_index.c - the medium hands an advertising channel PDU to exactly the
 * radios that listen on those channels (scanning, initiating, an advertiser
 * awaiting its answer: Core v5.4 Vol 6 Part B 4.4) and are in range, and to no
 * others, across scan start and stop, a connection set up, and a Reset.
 *
 * A probe radio listens from the start, before any device, so it hears each PDU
 * first: it then works out from the controllers' states who should hear it, and
 * spies on every controller's receive record who did. */
#include <math.h>

#include "controller/controller_int.h"
#include "test_ll_dev.h"

#define NDEV 6
#define RANGE 10.0

static struct dev *devs[NDEV];
static const struct radio_ops *controller_ops;
static bool expected[NDEV], heard[NDEV], open_pdu;
static int checked, deliveries, skipped, mismatches;

static int dev_index(const struct radio *r)
{
    for (int i = 0; i < NDEV; i++)
        if (devs[i] && controller_radio(devs[i]->c) == r)
            return i;
    return -1;
}

/* What the air delivered for the PDU under way against what it should have. */
static void settle(void)
{
    if (!open_pdu)
        return;
    for (int i = 0; i < NDEV; i++) {
        if (expected[i] != heard[i]) {
            printf("device %d: expected %d, heard %d\n", i, expected[i], heard[i]);
            mismatches++;
        }
        deliveries += heard[i];
        skipped += !expected[i];
    }
    checked++;
    open_pdu = false;
}

static bool listens(const struct controller *c)
{
    return c->scan.enabled || c->init.enabled || c->adv.listening;
}

static void probe_receive(struct radio *probe, const struct air_pdu *pdu)
{
    settle();
    for (int i = 0; i < NDEV; i++) {
        const struct radio *r = controller_radio(devs[i]->c);
        double d = hypot(r->x - pdu->sender->x, r->y - pdu->sender->y);
        expected[i] = r != pdu->sender && d <= RANGE && listens(devs[i]->c);
        heard[i] = false;
    }
    open_pdu = true;
}

static void nothing(struct radio *r)
{
}

static const struct radio_ops probe_ops = {.receive = probe_receive, .advertise_now = nothing};

static void spy_receive(struct radio *r, const struct air_pdu *pdu)
{
    int i = dev_index(r);
    CHECK(i >= 0 && open_pdu);
    if (i >= 0)
        heard[i] = true;
    controller_ops->receive(r, pdu);
}

static void spy_advertise_now(struct radio *r)
{
    controller_ops->advertise_now(r);
}

static size_t spy_link_receive(struct radio *r, int link, const struct air_pdu *pdu, uint8_t *reply,
                               uint8_t *phy)
{
    return controller_ops->link_receive(r, link, pdu, reply, phy);
}

static void spy_link_kick(struct radio *r, int link)
{
    controller_ops->link_kick(r, link);
}

static const struct radio_ops spy_ops = {
    .receive = spy_receive,
    .advertise_now = spy_advertise_now,
    .link_receive = spy_link_receive,
    .link_kick = spy_link_kick,
};

static void scan(struct dev *d, uint8_t type, bool on)
{
    uint8_t params[7] = {type, 0x10, 0, 0x10, 0, 0, 0}, enable[2] = {on, 0};
    if (on)
        CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_SCAN_PARAMS, params, 7), 0);
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_SCAN_ENABLE, enable, 2), 0);
}

static void test_index(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 41), 0);
    medium_set_range(&m, RANGE);
    struct radio probe = {0};
    CHECK_EQ(medium_join(&m, &probe, &probe_ops), 0);
    medium_place(&probe, 0, 0);
    radio_listen(&probe, true);
    /* Two groups 12 m apart, out of each other's range, both within the probe's. */
    static const double at[NDEV][2] = {{-6, 0}, {-6, 0.5}, {-6, 1}, {6, 0}, {6, 0.5}, {-5.5, 0}};
    for (int i = 0; i < NDEV; i++) {
        devs[i] = dev_new(&m, (uint32_t)i + 1, 0xff);
        struct radio *r = controller_radio(devs[i]->c);
        controller_ops = r->ops;
        r->ops = &spy_ops;
        medium_place(r, at[i][0], at[i][1]);
    }
    dev_advertise(devs[0], HCI_ADV_SCAN_IND, 0x20);    /* scannable */
    dev_advertise(devs[4], HCI_ADV_NONCONN_IND, 0x20); /* heard by nobody near */
    run_for(&m, 5000);
    scan(devs[1], HCI_SCAN_ACTIVE, true); /* scan requests and responses near 0 */
    run_for(&m, 5000);
    scan(devs[3], HCI_SCAN_PASSIVE, true); /* hears 4 only */
    run_for(&m, 5000);
    scan(devs[1], 0, false);
    run_for(&m, 5000);
    uint8_t off = 0;
    CHECK_EQ(dev_cmd(devs[0], HCI_OP_LE_SET_ADV_ENABLE, &off, 1), 0);
    int ph, ch = dev_connect(devs[5], devs[0], 24, 100, &ph); /* ADV_IND, CONNECT_IND */
    CHECK(ch >= 0 && !devs[0]->c->adv.enabled && !devs[5]->c->init.enabled);
    if (ch >= 0 && ph >= 0) { /* data PDUs pass the probe by */
        devs[5]->tx[ch] = (struct stream){.seed = 7, .max_len = 100};
        devs[0]->rx[ph] = (struct stream){.seed = 7, .max_len = 100};
        CHECK(dev_pump(devs[5], ch, 2, 27) > 0);
        run_for(&m, 50000);
        CHECK_EQ(stream_done(&devs[0]->rx[ph]), 2);
    }
    scan(devs[2], HCI_SCAN_PASSIVE, true);
    dev_advertise(devs[1], HCI_ADV_SCAN_IND, 0x20);
    run_for(&m, 5000);
    CHECK_EQ(dev_cmd(devs[3], HCI_OP_RESET, NULL, 0), 0); /* stops its scan */
    run_for(&m, 5000);
    settle();
    printf("%d advertising channel PDUs checked: %d deliveries, %d radios skipped\n", checked,
           deliveries, skipped);
    CHECK_EQ(mismatches, 0);
    CHECK(checked > 50 && deliveries > 50 && skipped > 100);
    for (int i = 0; i < NDEV; i++)
        dev_free(devs[i]);
    radio_leave(&probe);
    medium_free(&m);
}

int main(void)
{
    RUN(test_index());
    return check_summary("test_air_index");
}
