/* hci_evt.c - HCI event decoding (Core v5.4 Vol 4 Part E 7.7). */
#include "host/hci_evt.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"

/* One legacy advertising report: Event_Type, Address_Type, Address(6),
 * Data_Length, Data, RSSI (7.7.65.2; reports follow one another whole, as every
 * controller and host lays them out). */
#define ADV_REPORT_FIXED 10

static int parse_adv_reports(const uint8_t *p, size_t len, struct hci_evt *out)
{
    if (len < 1)
        return -EBADMSG;
    uint8_t num = p[0];
    if (num < 1 || num > 0x19) /* Num_Reports range: 0x01..0x19 */
        return -EBADMSG;
    size_t off = 1;
    for (unsigned i = 0; i < num; i++) {
        if (len - off < ADV_REPORT_FIXED)
            return -EBADMSG;
        uint8_t dlen = p[off + 8];
        if (dlen > HCI_ADV_DATA_MAX || len - off < (size_t)ADV_REPORT_FIXED + dlen)
            return -EBADMSG;
        off += ADV_REPORT_FIXED + dlen;
    }
    if (off != len)
        return -EBADMSG;
    out->kind = HCI_EVT_ADV_REPORT;
    out->u.adv.num = num;
    out->u.adv.p = p + 1;
    out->u.adv.len = len - 1;
    return 0;
}

int hci_evt_parse(const uint8_t *pkt, size_t len, struct hci_evt *out)
{
    memset(out, 0, sizeof *out);
    if (len < HCI_EVT_HDR || len != (size_t)HCI_EVT_HDR + pkt[1])
        return -EBADMSG;
    const uint8_t *p = pkt + HCI_EVT_HDR;
    size_t plen = pkt[1];
    out->code = pkt[0];
    out->kind = HCI_EVT_OTHER;
    switch (pkt[0]) {
    case HCI_EV_CMD_COMPLETE:
        if (plen < 3)
            return -EBADMSG;
        out->kind = HCI_EVT_CMD_COMPLETE;
        out->u.cmd_complete.ncmd = p[0];
        out->u.cmd_complete.opcode = get_le16(p + 1);
        out->u.cmd_complete.ret = p + 3;
        out->u.cmd_complete.ret_len = plen - 3;
        return 0;
    case HCI_EV_CMD_STATUS:
        if (plen != 4)
            return -EBADMSG;
        out->kind = HCI_EVT_CMD_STATUS;
        out->u.cmd_status.status = p[0];
        out->u.cmd_status.ncmd = p[1];
        out->u.cmd_status.opcode = get_le16(p + 2);
        return 0;
    case HCI_EV_HARDWARE_ERROR:
        if (plen != 1)
            return -EBADMSG;
        out->kind = HCI_EVT_HW_ERROR;
        out->u.hw_error = p[0];
        return 0;
    case HCI_EV_LE_META:
        if (plen < 1)
            return -EBADMSG;
        if (p[0] == HCI_LE_EV_ADV_REPORT)
            return parse_adv_reports(p + 1, plen - 1, out);
        return 0;
    default:
        return 0;
    }
}

bool hci_adv_report_next(const struct hci_evt *ev, size_t *off, struct hci_adv_report *r)
{
    const uint8_t *p = ev->u.adv.p;
    if (*off >= ev->u.adv.len)
        return false;
    p += *off;
    r->event_type = p[0];
    r->addr_type = p[1];
    memcpy(r->addr, p + 2, 6);
    r->data_len = p[8];
    r->data = p + 9;
    r->rssi = (int8_t)p[9 + r->data_len];
    *off += ADV_REPORT_FIXED + r->data_len;
    return true;
}
