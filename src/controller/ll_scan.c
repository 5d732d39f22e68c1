/* ll_scan.c - the scanning state with legacy advertising PDUs: Core v5.4 Vol 6
 * Part B 4.4.3, driven by the HCI commands of Vol 4 Part E 7.8.10-7.8.11; reports
 * go to the host as LE Advertising Report events (7.7.65.2), one report each.
 *
 * Real timing: the scanner listens on one primary advertising channel per scan
 * interval, 37, 38, 39 in turn, for the first scan window of it, and hears a PDU
 * only if the whole PDU falls in the window on that channel. Fast timing: every
 * channel is heard all the time. */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "controller/controller_int.h"
#include "controller/ll_pdu.h"

#define SCAN_TIME_MIN 0x0004 /* 2.5 ms, 7.8.10 */
#define SCAN_TIME_MAX 0x4000 /* 10.24 s */
#define BACKOFF_UPPER_MAX 256

static void scan_backoff_reset(struct ll_scan *s)
{
    s->upper_limit = 1;
    s->backoff_count = 1;
    s->consecutive_ok = s->consecutive_fail = 0;
    s->awaiting_rsp = false;
}

void ll_scan_reset(struct controller *c)
{
    struct ll_scan *s = &c->scan;
    memset(s, 0, sizeof(*s));
    /* Defaults of 7.8.10: passive, 10 ms interval and window, public address. */
    s->interval = s->window = 0x0010;
    scan_backoff_reset(s);
}

/* 7.8.10 */
uint8_t ll_scan_set_params(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_scan *s = &c->scan;
    if (s->enabled)
        return HCI_ERR_COMMAND_DISALLOWED;
    uint16_t interval = get_le16(p + 1), window = get_le16(p + 3);
    if (p[0] > HCI_SCAN_ACTIVE || interval < SCAN_TIME_MIN || interval > SCAN_TIME_MAX ||
        window < SCAN_TIME_MIN || window > SCAN_TIME_MAX || window > interval || p[5] > 0x03 ||
        p[6] > 0x03)
        return HCI_ERR_INVALID_PARAMS;
    s->type = p[0];
    s->interval = interval;
    s->window = window;
    s->own_addr_type = p[5];
    s->filter_policy = p[6];
    return HCI_SUCCESS;
}

/* 7.8.11: enabling starts a new scan (window 0 now, an empty duplicate filter);
 * enabling while enabled only changes Filter_Duplicates. */
uint8_t ll_scan_set_enable(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_scan *s = &c->scan;
    if (p[0] > 1 || p[1] > 1)
        return HCI_ERR_INVALID_PARAMS;
    if (p[0] == 0) {
        s->enabled = false;
        s->awaiting_rsp = false;
        ctrl_listen_update(c);
        return HCI_SUCCESS;
    }
    if (s->enabled) {
        s->filter_duplicates = p[1];
        return HCI_SUCCESS;
    }
    uint8_t addr_type, addr[6];
    if (!ctrl_own_address(c, s->own_addr_type, &addr_type, addr))
        return HCI_ERR_INVALID_PARAMS;
    s->enabled = true;
    s->filter_duplicates = p[1];
    s->started = radio_now(&c->radio);
    s->dup_count = s->dup_next = 0;
    scan_backoff_reset(s);
    ctrl_listen_update(c);
    if (radio_fast(&c->radio))
        radio_advertise_now(&c->radio);
    return HCI_SUCCESS;
}

bool ll_scan_uses_accept_list(const struct controller *c)
{
    return c->scan.enabled && (c->scan.filter_policy & 1);
}

bool ll_listening(const struct controller *c, uint64_t started, uint16_t interval_units,
                  uint16_t window_units, const struct air_pdu *pdu)
{
    if (radio_fast(&c->radio))
        return true;
    if (pdu->start < started)
        return false;
    uint64_t interval = (uint64_t)interval_units * 625, window = (uint64_t)window_units * 625;
    uint64_t elapsed = pdu->start - started;
    uint8_t channel = (uint8_t)(LL_ADV_CHANNEL_FIRST + (elapsed / interval) % LL_ADV_CHANNELS);
    return pdu->channel == channel && elapsed % interval + pdu->duration <= window;
}

/* True if (event type, address) was already reported in this scan; remembers it
 * otherwise. The oldest entry goes when the filter is full. */
static bool scan_seen(struct ll_scan *s, uint8_t event_type, uint8_t addr_type,
                      const uint8_t addr[6])
{
    for (unsigned i = 0; i < s->dup_count; i++) {
        if (s->dups[i].event_type == event_type && s->dups[i].addr_type == addr_type &&
            memcmp(s->dups[i].addr, addr, 6) == 0)
            return true;
    }
    unsigned slot = s->dup_next;
    s->dup_next = (s->dup_next + 1) % LL_DUP_FILTER_SIZE;
    if (s->dup_count < LL_DUP_FILTER_SIZE)
        s->dup_count++;
    s->dups[slot].event_type = event_type;
    s->dups[slot].addr_type = addr_type;
    memcpy(s->dups[slot].addr, addr, 6);
    return false;
}

/* LE Advertising Report, one report (Vol 4 Part E 7.7.65.2). */
static void scan_report(struct controller *c, uint8_t event_type, uint8_t addr_type,
                        const uint8_t addr[6], const uint8_t *data, uint8_t data_len, int8_t rssi)
{
    struct ll_scan *s = &c->scan;
    /* No room at the host: dropped, as a report lost on the air would be (before the
     * duplicate filter, which would keep it from ever being reported). */
    if (!ctrl_host_room(c, 3 + 12 + (size_t)data_len, CONTROLLER_EVENT_RESERVE)) {
        c->reports_dropped++;
        return;
    }
    if (s->filter_duplicates && scan_seen(s, event_type, addr_type, addr))
        return;
    uint8_t ev[12 + HCI_ADV_DATA_MAX];
    ev[0] = HCI_LE_EV_ADV_REPORT;
    ev[1] = 1;
    ev[2] = event_type;
    ev[3] = addr_type;
    memcpy(ev + 4, addr, 6);
    ev[10] = data_len;
    memcpy(ev + 11, data, data_len);
    ev[11 + data_len] = (uint8_t)rssi;
    ctrl_send_le_event(c, ev, (uint8_t)(12 + data_len));
}

/* Backoff after a SCAN_REQ (Vol 6 Part B 4.4.3.2): two successes in a row halve
 * upperLimit, two failures double it (1..256); backoffCount is then drawn anew. */
static void scan_backoff_result(struct controller *c, bool ok)
{
    struct ll_scan *s = &c->scan;
    s->awaiting_rsp = false;
    if (ok) {
        s->consecutive_fail = 0;
        if (++s->consecutive_ok == 2) {
            s->consecutive_ok = 0;
            if (s->upper_limit > 1)
                s->upper_limit /= 2;
        }
    } else {
        s->consecutive_ok = 0;
        if (++s->consecutive_fail == 2) {
            s->consecutive_fail = 0;
            if (s->upper_limit < BACKOFF_UPPER_MAX)
                s->upper_limit *= 2;
        }
    }
    s->backoff_count = (uint16_t)(1 + rng_below(&c->radio.rng, s->upper_limit));
}

static void scan_request(struct controller *c, const struct air_pdu *pdu, uint8_t adv_type,
                         const uint8_t adv_addr[6])
{
    struct ll_scan *s = &c->scan;
    if (s->awaiting_rsp) /* the last request went unanswered */
        scan_backoff_result(c, false);
    if (--s->backoff_count > 0)
        return;
    uint8_t own_type, req[LL_HDR_LEN + LL_SCAN_REQ_PAYLOAD];
    ctrl_own_address(c, s->own_addr_type, &own_type, req + LL_HDR_LEN);
    req[0] = LL_SCAN_REQ | (own_type == HCI_ADDR_RANDOM ? LL_HDR_TXADD : 0) |
             (adv_type == HCI_ADDR_RANDOM ? LL_HDR_RXADD : 0);
    req[1] = LL_SCAN_REQ_PAYLOAD;
    memcpy(req + LL_HDR_LEN + LL_ADDR_LEN, adv_addr, 6);
    s->awaiting_rsp = true;
    s->awaiting_addr_type = adv_type;
    memcpy(s->awaiting_addr, adv_addr, 6);
    radio_transmit(&c->radio, pdu->channel, pdu->start + pdu->duration + AIR_T_IFS_US, req,
                   sizeof(req));
}

void ll_scan_receive(struct controller *c, const struct air_pdu *pdu)
{
    struct ll_scan *s = &c->scan;
    if (!s->enabled || pdu->len < LL_HDR_LEN + LL_ADDR_LEN ||
        pdu->len > LL_HDR_LEN + LL_ADV_PAYLOAD_MAX)
        return;
    uint8_t type = pdu->pdu[0] & LL_HDR_TYPE_MASK;
    uint8_t addr_type = (pdu->pdu[0] & LL_HDR_TXADD) ? HCI_ADDR_RANDOM : HCI_ADDR_PUBLIC;
    const uint8_t *addr = pdu->pdu + LL_HDR_LEN, *data = addr + LL_ADDR_LEN;
    uint8_t data_len = (uint8_t)(pdu->len - LL_HDR_LEN - LL_ADDR_LEN);

    if (type == LL_SCAN_RSP) {
        /* Only the answer to our own request counts (4.4.3.2). */
        if (s->awaiting_rsp && addr_type == s->awaiting_addr_type &&
            memcmp(addr, s->awaiting_addr, 6) == 0) {
            scan_backoff_result(c, true);
            scan_report(c, HCI_ADV_REPORT_SCAN_RSP, addr_type, addr, data, data_len, pdu->rssi);
        }
        return;
    }
    uint8_t event_type;
    switch (type) {
    case LL_ADV_IND:
        event_type = HCI_ADV_IND;
        break;
    case LL_ADV_SCAN_IND:
        event_type = HCI_ADV_SCAN_IND;
        break;
    case LL_ADV_NONCONN_IND:
        event_type = HCI_ADV_NONCONN_IND;
        break;
    default:
        return; /* directed advertising is for initiators; connection PDUs not ours */
    }
    if (!ll_listening(c, s->started, s->interval, s->window, pdu))
        return;
    /* Filter policies 1 and 3: only advertisers on the accept list (7.8.10). */
    if ((s->filter_policy & 1) && !accept_list_contains(&c->accept_list, addr_type, addr))
        return;
    scan_report(c, event_type, addr_type, addr, data, data_len, pdu->rssi);
    if (s->type == HCI_SCAN_ACTIVE && type != LL_ADV_NONCONN_IND)
        scan_request(c, pdu, addr_type, addr);
}
