/* test_capture.c - the air's pcap file (air/capture.h): the CRC of a known PDU, RF
 * channels, and a captured session (advertising, CONNECT_IND, data with an ATT
 * request, LL control procedures, termination) read back: file header, one record
 * per PDU with its pseudo-header, access address and a CRC that checks. The file
 * goes to $MPBLE_TEST_CAPTURES when set, where the test runner dissects it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "air/capture.h"
#include "controller/ll_pdu.h"
/* This test sends its own ACL data (well-formed L2CAP for the dissector), not the
 * header's numbered streams. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "test_ll_dev.h"

#define HCI_OP_LE_SET_PHY HCI_OPCODE(0x08, 0x0032)

static void test_crc_and_channels(void)
{
    /* An ADV_IND as mpble-air sent it, its CRC (41 bc 3c on the air) checked by
     * Wireshark's btle dissector. */
    static const uint8_t adv[] = {0x00, 0x09, 0x02, 0x00, 0x00, 0x00, 0x0e, 0xdc, 0x02, 0x01, 0x06};
    CHECK_EQ(air_crc24(AIR_ADV_CRC_INIT, adv, sizeof(adv)), 0x3cbc41);
    CHECK(air_crc24(0x123456, adv, sizeof(adv)) != 0x3cbc41);
    CHECK_EQ(air_rf_channel(37), 0);
    CHECK_EQ(air_rf_channel(0), 1);
    CHECK_EQ(air_rf_channel(10), 11);
    CHECK_EQ(air_rf_channel(38), 12);
    CHECK_EQ(air_rf_channel(11), 13);
    CHECK_EQ(air_rf_channel(36), 38);
    CHECK_EQ(air_rf_channel(39), 39);
}

/* An ATT Read Request for handle 1 in an L2CAP frame on the ATT channel. */
static void send_att(struct dev *d, int handle)
{
    uint8_t pkt[] = {H4_ACL, (uint8_t)handle, (uint8_t)(handle >> 8), 7, 0, 3, 0, 4, 0, 0x0a, 0x01,
                     0x00};
    CHECK_EQ(controller_receive(d->c, pkt, sizeof(pkt)), 0);
}

static void session(struct medium *m)
{
    struct dev *a = dev_new(m, 1, 0xfff), *b = dev_new(m, 2, 0xfff);
    int ah = -1, bh = dev_connect(b, a, 24, 200, &ah);
    run_for(m, 1000);
    uint8_t h[6] = {(uint8_t)bh, (uint8_t)(bh >> 8)};
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_READ_REMOTE_FEATURES, h, 2), 0);
    CHECK_EQ(dev_cmd(b, HCI_OP_READ_REMOTE_VERSION, h, 2), 0);
    put_le16(h + 2, 251);
    put_le16(h + 4, 2120);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_DATA_LENGTH, h, 6), 0);
    run_for(m, 1000);
    send_att(b, bh);
    run_for(m, 1000);
    uint8_t p[14] = {0};
    put_le16(p, (uint16_t)bh);
    put_le16(p + 2, 40);
    put_le16(p + 4, 48);
    put_le16(p + 8, 500);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CONN_UPDATE, p, 14), 0);
    run_for(m, 200000);
    uint8_t phy[7] = {0, 0, 0, AIR_PHY_2M, AIR_PHY_2M, 0, 0};
    put_le16(phy, (uint16_t)ah);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_SET_PHY, phy, 7), 0);
    run_for(m, 200000);
    send_att(a, ah);
    run_for(m, 1000);
    uint8_t disc[3] = {(uint8_t)bh, (uint8_t)(bh >> 8), 0x13};
    CHECK_EQ(dev_cmd(b, HCI_OP_DISCONNECT, disc, 3), 0);
    run_for(m, 100000);
    CHECK_EQ(dev_count(a, HCI_EV_DISCONN_COMPLETE, -1), 1);
    dev_free(a);
    dev_free(b);
}

/* Reads the capture back; every record checked. */
static void check_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    uint8_t h[24];
    CHECK_EQ(fread(h, 1, 24, f), 24);
    CHECK_EQ(get_le32(h), 0xa1b2c3d4u);
    CHECK_EQ(get_le16(h + 4), 2);
    CHECK_EQ(get_le16(h + 6), 4);
    CHECK_EQ(get_le32(h + 20), AIR_PCAP_LINKTYPE);
    uint32_t snap = get_le32(h + 16), crc_init = 0, aa = 0;
    uint64_t last = 0;
    int adv = 0, connect_ind = 0, c2p = 0, p2c = 0, att = 0, ctrl[32] = {0}, phy2m = 0;
    uint8_t rec[16], pkt[512];
    while (fread(rec, 1, 16, f) == 16) {
        uint32_t n = get_le32(rec + 8);
        CHECK_EQ(get_le32(rec + 12), n);
        CHECK(n >= 10 + 4 + 2 + 3 && n <= snap);
        if (n < 19 || n > sizeof(pkt) || fread(pkt, 1, n, f) != n)
            break;
        uint64_t t = get_le32(rec) * 1000000ull + get_le32(rec + 4);
        CHECK(get_le32(rec + 4) < 1000000 && t >= last);
        last = t;
        uint16_t flags = get_le16(pkt + 8);
        unsigned dir = (flags >> 7) & 7;
        const uint8_t *pdu = pkt + 14;
        size_t len = n - 17;
        CHECK_EQ(len, 2u + pdu[1]);
        CHECK_EQ((int8_t)pkt[1], AIR_TX_POWER_DBM);
        CHECK_EQ(flags & 0x3f, 0x13); /* de-whitened, signal, reference AA valid */
        CHECK_EQ(flags & 0x0c00, 0);  /* CRC left to the reader */
        CHECK_EQ(get_le32(pkt + 4), get_le32(pkt + 10)); /* reference AA = AA */
        if (dir == AIR_DIR_ADV) {
            adv++;
            CHECK_EQ(get_le32(pkt + 10), AIR_ADV_AA);
            CHECK(pkt[0] == 0 || pkt[0] == 12 || pkt[0] == 39);
            CHECK_EQ(get_le24(pdu + len), air_crc24(AIR_ADV_CRC_INIT, pdu, len));
            if ((pdu[0] & LL_HDR_TYPE_MASK) == LL_CONNECT_IND) {
                connect_ind++;
                aa = get_le32(pdu + 14);
                crc_init = get_le24(pdu + 18);
            }
            continue;
        }
        CHECK(dir == AIR_DIR_C2P || dir == AIR_DIR_P2C);
        c2p += dir == AIR_DIR_C2P;
        p2c += dir == AIR_DIR_P2C;
        phy2m += flags >> 14 == 1;
        CHECK(pkt[0] != 0 && pkt[0] != 12 && pkt[0] != 39);
        CHECK_EQ(get_le32(pkt + 10), aa);
        CHECK_EQ(get_le24(pdu + len), air_crc24(crc_init, pdu, len));
        if ((pdu[0] & LL_LLID_MASK) == LL_LLID_CTRL && len > 2)
            ctrl[pdu[2] & 31]++;
        if ((pdu[0] & LL_LLID_MASK) == LL_LLID_START && len == 9 && pdu[4] == 4 && pdu[6] == 0x0a)
            att++;
    }
    fclose(f);
    CHECK(adv > 0);
    CHECK_EQ(connect_ind, 1);
    CHECK(c2p > 10 && p2c > 10);
    CHECK_EQ(att, 2);
    CHECK(phy2m > 0);
    CHECK(ctrl[LL_VERSION_IND] == 2 && ctrl[LL_FEATURE_REQ] == 1);
    CHECK(ctrl[LL_LENGTH_REQ] >= 1 && ctrl[LL_LENGTH_RSP] >= 1);
    CHECK(ctrl[LL_PHY_REQ] >= 1 && ctrl[LL_PHY_UPDATE_IND] >= 1);
    CHECK_EQ(ctrl[LL_CONNECTION_UPDATE_IND], 1);
    CHECK_EQ(ctrl[LL_TERMINATE_IND], 1);
}

static void test_session_file(void)
{
    char path[4096];
    const char *dir = getenv("MPBLE_TEST_CAPTURES");
    if (dir)
        snprintf(path, sizeof(path), "%s/test_capture.pcap", dir);
    else
        snprintf(path, sizeof(path), "/tmp/test_capture.%d.pcap", (int)getpid());
    struct medium m;
    struct air_capture *cap;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 21), 0);
    CHECK_EQ(air_capture_open(&cap, path, 1700000000000000ull), 0);
    m.capture = cap;
    session(&m);
    air_capture_close(cap);
    medium_free(&m);
    check_file(path);
    if (!dir)
        unlink(path);
    CHECK_EQ(air_capture_open(&cap, "/nonexistent/x.pcap", 0), -ENOENT);
}

int main(void)
{
    RUN(test_crc_and_channels());
    RUN(test_session_file());
    return check_summary("test_capture");
}
