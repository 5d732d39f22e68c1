/* test_ll_throughput.c - the air's physical throughput limit in real timing:
 * one direction (central to peripheral, the peripheral answering with empty
 * PDUs), LE 1M and 2M, 27- and 251-octet payloads, 7.5 and 30 ms intervals, in
 * virtual time. Prints the figures and checks them against the model's formula:
 * per event, as many exchanges (data PDU, T_IFS, empty PDU, T_IFS) as end T_IFS
 * before the next anchor. */
#include <stdio.h>

#include "common/log.h"
#include "test_ll_dev.h"

#define WARMUP_US 500000
#define MEASURE_US 4000000

/* from_peripheral: the peripheral sends; piece: the host's ACL packet size (0: as
 * large a whole number of full PDUs as fits). */
static double measure(uint8_t phy, uint16_t octets, uint16_t interval, bool from_peripheral,
                      uint32_t piece)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_REAL, 31), 0);
    struct dev *a = dev_new(&m, 1, 0xfff), *b = dev_new(&m, 2, 0xfff);
    uint8_t dl[4];
    put_le16(dl, octets);
    put_le16(dl + 2, (uint16_t)((octets + 14) * 8));
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH, dl, 4), 0);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH, dl, 4), 0);
    int ah = -1, bh = dev_connect(b, a, interval, 400, &ah);
    uint8_t set[7] = {0, 0, 0, phy, phy, 0, 0};
    put_le16(set, (uint16_t)bh);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_PHY, set, 7), 0);
    run_for(&m, 300000);
    /* Messages a whole number of full PDUs long, as large a host fragment as
     * that allows (so host credits never limit). */
    uint32_t frag = piece ? piece : CONTROLLER_ACL_MTU / octets * octets;
    struct dev *tx = from_peripheral ? a : b, *rx = from_peripheral ? b : a;
    int txh = from_peripheral ? ah : bh, rxh = from_peripheral ? bh : ah;
    tx->tx[txh] = (struct stream){.seed = 1, .max_len = frag, .fixed = 1};
    rx->rx[rxh] = tx->tx[txh];
    for (uint64_t t = 0; t < WARMUP_US; t += 1000) {
        dev_pump(tx, txh, UINT32_MAX, frag);
        run_for(&m, 1000);
    }
    uint64_t before = rx->rx[rxh].bytes;
    for (uint64_t t = 0; t < MEASURE_US; t += 1000) {
        dev_pump(tx, txh, UINT32_MAX, frag);
        run_for(&m, 1000);
    }
    CHECK_EQ(rx->rx[rxh].errors, 0);
    double kbps = (double)(rx->rx[rxh].bytes - before) * 8.0 / MEASURE_US * 1000.0;
    dev_free(a);
    dev_free(b);
    medium_free(&m);
    return kbps;
}

/* Every PHY, length and interval: the stream at the air's limit. */
static void test_matrix(void)
{
    printf("real timing, one direction, LL payload throughput (kbit/s):\n");
    printf("  PHY  octets  interval   measured  model\n");
    static const uint8_t phys[] = {AIR_PHY_1M, AIR_PHY_2M};
    static const uint16_t lens[] = {27, 251}, intervals[] = {6, 24};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) {
                double got = measure(phys[i], lens[j], intervals[k], false, 0);
                double want = air_link_limit_kbps(phys[i], lens[j], intervals[k] * 1250u);
                printf("  %uM   %3u     %4.1f ms  %8.1f  %8.1f\n", phys[i], lens[j],
                       intervals[k] * 1.25, got, want);
                CHECK(got > want * 0.99 && got < want * 1.01);
            }
}

/* The peripheral sending 27-octet host packets on a link that allows 251: each
 * event still carries as many 27-octet PDUs as fit, to the last one. */
static void test_short_packets_on_a_long_link(void)
{
    static const uint16_t intervals[] = {6, 24};
    for (int k = 0; k < 2; k++) {
        double got = measure(AIR_PHY_1M, 251, intervals[k], true, 27);
        double want = air_link_limit_kbps(AIR_PHY_1M, 27, intervals[k] * 1250u);
        printf("  peripheral, 27-octet packets on a 251 link, %4.1f ms: %.1f (model %.1f)\n",
               intervals[k] * 1.25, got, want);
        CHECK(got > want * 0.99 && got < want * 1.01);
    }
}

int main(void)
{
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    RUN(test_matrix());
    RUN(test_short_packets_on_a_long_link());
    return check_summary("test_ll_throughput");
}
