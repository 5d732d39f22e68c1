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

static void parse_params(const uint8_t *p, struct hci_conn_params *out)
{
    out->interval = get_le16(p);
    out->latency = get_le16(p + 2);
    out->timeout = get_le16(p + 4);
}

/* LE Connection Complete (18 octets after the subevent code) or its enhanced form
 * (30: two resolvable private addresses before the parameters). */
static int parse_conn_complete(const uint8_t *p, size_t len, bool enhanced, struct hci_evt *out)
{
    if (len != (enhanced ? 30u : 18u))
        return -EBADMSG;
    out->kind = HCI_EVT_CONN_COMPLETE;
    out->u.conn.status = p[0];
    out->u.conn.handle = get_le16(p + 1) & 0x0fff;
    out->u.conn.role = p[3];
    out->u.conn.peer_type = p[4];
    memcpy(out->u.conn.peer, p + 5, 6);
    parse_params(p + (enhanced ? 23 : 11), &out->u.conn.params);
    return 0;
}

static int parse_le_meta(const uint8_t *p, size_t plen, struct hci_evt *out)
{
    if (plen < 1)
        return -EBADMSG;
    const uint8_t *q = p + 1;
    size_t qlen = plen - 1;
    switch (p[0]) {
    case HCI_LE_EV_ADV_REPORT:
        return parse_adv_reports(q, qlen, out);
    case HCI_LE_EV_CONN_COMPLETE:
        return parse_conn_complete(q, qlen, false, out);
    case HCI_LE_EV_ENH_CONN_COMPLETE:
        return parse_conn_complete(q, qlen, true, out);
    case HCI_LE_EV_CONN_UPDATE_COMPLETE:
        if (qlen != 9)
            return -EBADMSG;
        out->kind = HCI_EVT_CONN_UPDATE;
        out->u.update.status = q[0];
        out->u.update.handle = get_le16(q + 1) & 0x0fff;
        parse_params(q + 3, &out->u.update.params);
        return 0;
    case HCI_LE_EV_REMOTE_CONN_PARAM_REQ:
        if (qlen != 10)
            return -EBADMSG;
        out->kind = HCI_EVT_CONN_PARAM_REQ;
        out->u.param_req.handle = get_le16(q) & 0x0fff;
        out->u.param_req.interval_min = get_le16(q + 2);
        out->u.param_req.interval_max = get_le16(q + 4);
        out->u.param_req.latency = get_le16(q + 6);
        out->u.param_req.timeout = get_le16(q + 8);
        return 0;
    default:
        return 0;
    }
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
        return parse_le_meta(p, plen, out);
    case HCI_EV_DISCONN_COMPLETE:
        if (plen != 4)
            return -EBADMSG;
        out->kind = HCI_EVT_DISCONN_COMPLETE;
        out->u.disconn.status = p[0];
        out->u.disconn.handle = get_le16(p + 1) & 0x0fff;
        out->u.disconn.reason = p[3];
        return 0;
    case HCI_EV_NUM_COMPLETED_PACKETS:
        if (plen < 1 || plen != 1u + 4u * p[0])
            return -EBADMSG;
        out->kind = HCI_EVT_NUM_COMPLETED;
        out->u.completed.num = p[0];
        out->u.completed.p = p + 1;
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

bool hci_num_completed_next(const struct hci_evt *ev, unsigned *i, uint16_t *handle,
                            uint16_t *count)
{
    if (*i >= ev->u.completed.num)
        return false;
    const uint8_t *p = ev->u.completed.p + 4 * *i;
    *handle = get_le16(p) & 0x0fff;
    *count = get_le16(p + 2);
    (*i)++;
    return true;
}
