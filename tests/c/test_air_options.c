/* test_air_options.c - the medium's options: loss (seeded statistics on the air,
 * data complete and in order under 20% loss, a link that hears nothing ends by its
 * supervision timeout), positions (RSSI falls with distance) and range. */
#include "test_ll_dev.h"

static int sniffed, sniffed_rssi;

static void sniff(struct radio *r, const struct air_pdu *pdu)
{
    sniffed++;
    sniffed_rssi = pdu->rssi;
}

static void nothing(struct radio *r)
{
}

static const struct radio_ops sniffer = {.receive = sniff, .advertise_now = nothing};

/* n transmissions from a to a sniffer: how many arrived. */
static int heard_of(struct medium *m, struct radio *a, int n)
{
    static const uint8_t pdu[8] = {0x02, 6};
    sniffed = 0;
    for (int i = 0; i < n; i++)
        radio_transmit(a, 37, medium_now(m) + i * 1000u, pdu, sizeof(pdu));
    return sniffed;
}

static void test_loss_statistics(void)
{
    struct medium m;
    struct radio a = {0}, s = {0};
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 3), 0);
    CHECK_EQ(medium_join(&m, &a, &sniffer), 0);
    CHECK_EQ(medium_join(&m, &s, &sniffer), 0);
    radio_listen(&s, true);
    CHECK_EQ(heard_of(&m, &a, 1000), 1000);
    medium_set_loss(&m, 0.1);
    int got = heard_of(&m, &a, 10000);
    CHECK(got > 8800 && got < 9200); /* 10% lost: 1000 +- 4 sigma */
    medium_set_loss(&m, 1);
    CHECK_EQ(heard_of(&m, &a, 100), 0);
    radio_leave(&a);
    radio_leave(&s);
    medium_free(&m);

    /* The same seed loses the same transmissions. */
    int runs[2];
    for (int k = 0; k < 2; k++) {
        CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 4), 0);
        medium_set_loss(&m, 0.3);
        CHECK_EQ(medium_join(&m, &a, &sniffer), 0);
        CHECK_EQ(medium_join(&m, &s, &sniffer), 0);
        radio_listen(&s, true);
        runs[k] = heard_of(&m, &a, 997);
        radio_leave(&a);
        radio_leave(&s);
        medium_free(&m);
    }
    CHECK_EQ(runs[0], runs[1]);
}

static void test_positions_and_range(void)
{
    struct medium m;
    struct radio a = {0}, near = {0}, far = {0};
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 5), 0);
    CHECK_EQ(medium_join(&m, &a, &sniffer), 0);
    CHECK_EQ(medium_join(&m, &near, &sniffer), 0);
    radio_listen(&near, true);
    medium_place(&a, 0, 0);
    medium_place(&near, 1, 0); /* -40 dBm +- 2 */
    CHECK_EQ(heard_of(&m, &a, 1), 1);
    CHECK(sniffed_rssi >= -42 && sniffed_rssi <= -38);
    medium_place(&near, 0, 10); /* -60 dBm +- 2 */
    CHECK_EQ(heard_of(&m, &a, 1), 1);
    CHECK(sniffed_rssi >= -62 && sniffed_rssi <= -58);
    CHECK_EQ(medium_join(&m, &far, &sniffer), 0);
    radio_listen(&far, true);
    medium_place(&far, 30, 40); /* 50 m */
    medium_set_range(&m, 20);
    CHECK_EQ(heard_of(&m, &a, 10), 10); /* near only */
    medium_set_range(&m, 0);
    CHECK_EQ(heard_of(&m, &a, 10), 20);
    radio_leave(&a);
    radio_leave(&near);
    radio_leave(&far);
    medium_free(&m);
}

/* Under 20% loss: 200 messages each way, complete and in order. */
static void test_data_under_loss(enum medium_timing timing)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, timing, 6), 0);
    medium_set_loss(&m, 0.2);
    struct dev *a = dev_new(&m, 1, 0xfff), *b = dev_new(&m, 2, 0xfff);
    int ah = -1, bh = dev_connect(b, a, 6, 300, &ah);
    CHECK(ah >= 0 && bh >= 0);
    if (ah < 0 || bh < 0)
        return;
    struct stream *tx[2] = {&a->tx[ah], &b->tx[bh]}, *rx[2] = {&b->rx[bh], &a->rx[ah]};
    for (int k = 0; k < 2; k++) {
        tx[k]->seed = rx[k]->seed = 40u + k;
        tx[k]->max_len = rx[k]->max_len = 600;
    }
    for (int i = 0; i < 20000 && (stream_done(rx[0]) < 200 || stream_done(rx[1]) < 200); i++) {
        dev_pump(a, ah, 200, 251);
        dev_pump(b, bh, 200, 251);
        run_for(&m, 1000);
    }
    for (int k = 0; k < 2; k++) {
        CHECK_EQ(stream_done(rx[k]), 200);
        CHECK_EQ(rx[k]->errors, 0);
    }
    CHECK_EQ(dev_count(a, HCI_EV_DISCONN_COMPLETE, -1), 0);

    /* Nothing gets through: the supervision timeout (3 s) ends the link. */
    medium_set_loss(&m, 1);
    run_for(&m, 3100000);
    int i = dev_find(a, 0, HCI_EV_DISCONN_COMPLETE, -1);
    CHECK(i >= 0);
    if (i >= 0)
        CHECK_EQ(a->ev[i].p[3], HCI_ERR_CONN_TIMEOUT);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

int main(void)
{
    RUN(test_loss_statistics());
    RUN(test_positions_and_range());
    RUN(test_data_under_loss(MEDIUM_TIMING_FAST));
    RUN(test_data_under_loss(MEDIUM_TIMING_REAL));
    return check_summary("test_air_options");
}
