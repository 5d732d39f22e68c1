/* test_hci_evt.c - the host's HCI event decoder: good events, and every kind of
 * inconsistent length rejected. */
#include <errno.h>

#include "check.h"
#include "common/hci_defs.h"
#include "host/hci_evt.h"

static void test_cmd_complete(void)
{
    /* Read BD_ADDR complete: ncmd 1, opcode 0x1009, status 0, address. */
    const uint8_t e[] = {0x0e, 0x0a, 0x01, 0x09, 0x10, 0x00, 1, 2, 3, 4, 5, 6};
    struct hci_evt ev;
    CHECK_EQ(hci_evt_parse(e, sizeof e, &ev), 0);
    CHECK_EQ(ev.kind, HCI_EVT_CMD_COMPLETE);
    CHECK_EQ(ev.u.cmd_complete.ncmd, 1);
    CHECK_EQ(ev.u.cmd_complete.opcode, HCI_OP_READ_BD_ADDR);
    CHECK_EQ(ev.u.cmd_complete.ret_len, 7);
    CHECK_EQ(ev.u.cmd_complete.ret[0], 0);
    CHECK_EQ(ev.u.cmd_complete.ret[6], 6);

    const uint8_t short_cc[] = {0x0e, 0x02, 0x01, 0x09};
    CHECK_EQ(hci_evt_parse(short_cc, sizeof short_cc, &ev), -EBADMSG);
    /* The parameter length must match the bytes present, both ways. */
    const uint8_t lying[] = {0x0e, 0x05, 0x01, 0x09, 0x10, 0x00};
    CHECK_EQ(hci_evt_parse(lying, sizeof lying, &ev), -EBADMSG);
    CHECK_EQ(hci_evt_parse(e, sizeof e - 1, &ev), -EBADMSG);
    CHECK_EQ(hci_evt_parse(e, 1, &ev), -EBADMSG);
}

static void test_cmd_status(void)
{
    const uint8_t e[] = {0x0f, 0x04, 0x01, 0x01, 0x0d, 0x20};
    struct hci_evt ev;
    CHECK_EQ(hci_evt_parse(e, sizeof e, &ev), 0);
    CHECK_EQ(ev.kind, HCI_EVT_CMD_STATUS);
    CHECK_EQ(ev.u.cmd_status.status, 1);
    CHECK_EQ(ev.u.cmd_status.opcode, HCI_OP_LE_CREATE_CONN);
    const uint8_t bad[] = {0x0f, 0x03, 0x00, 0x01, 0x0d};
    CHECK_EQ(hci_evt_parse(bad, sizeof bad, &ev), -EBADMSG);
}

static void test_adv_reports(void)
{
    /* Two reports: ADV_IND with 3 data bytes, SCAN_RSP with none. */
    const uint8_t e[] = {0x3e, 0x19, 0x02, 0x02, 0x00, 0x01, 0x11, 0x22, 0x33,
                         0x44, 0x55, 0xc6, 0x03, 0x02, 0x01, 0x06, 0xc4, 0x04,
                         0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x00, 0x80};
    struct hci_evt ev;
    CHECK_EQ(hci_evt_parse(e, sizeof e, &ev), 0);
    CHECK_EQ(ev.kind, HCI_EVT_ADV_REPORT);
    CHECK_EQ(ev.u.adv.num, 2);
    struct hci_adv_report r;
    size_t off = 0;
    CHECK(hci_adv_report_next(&ev, &off, &r));
    CHECK_EQ(r.event_type, 0);
    CHECK_EQ(r.addr_type, 1);
    CHECK_EQ(r.addr[0], 0x11);
    CHECK_EQ(r.addr[5], 0xc6);
    CHECK_EQ(r.data_len, 3);
    CHECK_EQ(r.data[2], 0x06);
    CHECK_EQ(r.rssi, -60);
    CHECK(hci_adv_report_next(&ev, &off, &r));
    CHECK_EQ(r.event_type, 4);
    CHECK_EQ(r.data_len, 0);
    CHECK_EQ(r.rssi, -128);
    CHECK(!hci_adv_report_next(&ev, &off, &r));

    /* Num_Reports saying 3 with only two present, or zero. */
    uint8_t bad[sizeof e];
    memcpy(bad, e, sizeof e);
    bad[3] = 3;
    CHECK_EQ(hci_evt_parse(bad, sizeof bad, &ev), -EBADMSG);
    bad[3] = 0;
    CHECK_EQ(hci_evt_parse(bad, sizeof bad, &ev), -EBADMSG);
    /* A data length running past the end. */
    memcpy(bad, e, sizeof e);
    bad[12] = 30;
    CHECK_EQ(hci_evt_parse(bad, sizeof bad, &ev), -EBADMSG);
    /* A data length over 31. */
    const uint8_t big[] = {0x3e, 0x0c, 0x02, 0x01, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 32, 0x00};
    CHECK_EQ(hci_evt_parse(big, sizeof big, &ev), -EBADMSG);
    /* Trailing bytes after the last report. */
    const uint8_t trail[] = {0x3e, 0x0d, 0x02, 0x01, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 0, 0xc0, 0xff};
    CHECK_EQ(hci_evt_parse(trail, sizeof trail, &ev), -EBADMSG);
    /* An LE meta event with no subevent code. */
    const uint8_t empty_meta[] = {0x3e, 0x00};
    CHECK_EQ(hci_evt_parse(empty_meta, sizeof empty_meta, &ev), -EBADMSG);
}

static void test_other(void)
{
    const uint8_t hw[] = {0x10, 0x01, 0x07};
    struct hci_evt ev;
    CHECK_EQ(hci_evt_parse(hw, sizeof hw, &ev), 0);
    CHECK_EQ(ev.kind, HCI_EVT_HW_ERROR);
    CHECK_EQ(ev.u.hw_error, 7);
    const uint8_t unknown[] = {0xff, 0x02, 0xaa, 0xbb};
    CHECK_EQ(hci_evt_parse(unknown, sizeof unknown, &ev), 0);
    CHECK_EQ(ev.kind, HCI_EVT_OTHER);
}

int main(void)
{
    RUN(test_cmd_complete());
    RUN(test_cmd_status());
    RUN(test_adv_reports());
    RUN(test_other());
    return check_summary("test_hci_evt");
}
