/* ll_adv.c - the advertising state with legacy advertising PDUs: Core v5.4 Vol 6
 * Part B 4.4.2, driven by the HCI commands of Vol 4 Part E 7.8.5-7.8.9.
 *
 * One advertising event is sent from one timer callback: the PDU on each channel of
 * the channel map in turn, each stamped with its own time on the air (a PDU, then
 * room for a SCAN_REQ and the SCAN_RSP, or a CONNECT_IND), the air delivering
 * them at once. Connectable advertising (ADV_IND, low duty cycle ADV_DIRECT_IND)
 * takes a CONNECT_IND T_IFS after a PDU while a connection slot is free, and
 * stops: the host hears of it by LE Connection Complete only (4.4.2, 4.5). High
 * duty cycle directed advertising is refused when enabled (Invalid HCI Command
 * Parameters). */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"
#include "controller/ll_pdu.h"

#define ADV_INTERVAL_MIN 0x0020 /* 20 ms, 7.8.5 */
#define ADV_INTERVAL_MAX 0x4000 /* 10.24 s */
#define ADV_DELAY_MAX_US 10000  /* advDelay 0..10 ms: Vol 6 Part B 4.4.2.2.1 */
#define FAST_EVENT_SPACING_US 1000

static void adv_event(struct timer *t, void *ctx);

void ll_adv_reset(struct controller *c)
{
    struct ll_adv *a = &c->adv;
    radio_timer_cancel(&c->radio, &a->event_timer);
    memset(a, 0, sizeof(*a));
    /* Defaults of 7.8.5: 1.28 s, ADV_IND, public address, all channels. */
    a->interval_min = a->interval_max = 0x0800;
    a->type = HCI_ADV_IND;
    a->channel_map = 0x07;
    timer_init(&a->event_timer, adv_event, c);
}

/* 7.8.5 */
uint8_t ll_adv_set_params(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_adv *a = &c->adv;
    if (a->enabled)
        return HCI_ERR_COMMAND_DISALLOWED;
    uint16_t min = get_le16(p), max = get_le16(p + 2);
    uint8_t type = p[4], own = p[5], peer_type = p[6], map = p[13], policy = p[14];
    if (type > HCI_ADV_DIRECT_IND_LOW || own > 0x03 || peer_type > HCI_ADDR_RANDOM || map == 0 ||
        map > 0x07 || policy > 0x03)
        return HCI_ERR_INVALID_PARAMS;
    /* High duty cycle directed advertising ignores the interval. */
    if (type != HCI_ADV_DIRECT_IND_HIGH &&
        (min < ADV_INTERVAL_MIN || max > ADV_INTERVAL_MAX || min > max))
        return HCI_ERR_INVALID_PARAMS;
    a->interval_min = min;
    a->interval_max = max;
    a->type = type;
    a->own_addr_type = own;
    a->peer_addr_type = peer_type;
    memcpy(a->peer_addr, p + 7, 6);
    a->channel_map = map;
    a->filter_policy = policy;
    return HCI_SUCCESS;
}

/* 7.8.7 and 7.8.8: a length octet, then always 31 octets of which that many count. */
static uint8_t set_data(uint8_t *len, uint8_t *data, const uint8_t *p)
{
    if (p[0] > HCI_ADV_DATA_MAX)
        return HCI_ERR_INVALID_PARAMS;
    *len = p[0];
    memcpy(data, p + 1, p[0]);
    return HCI_SUCCESS;
}

uint8_t ll_adv_set_data(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    return set_data(&c->adv.data_len, c->adv.data, p);
}

uint8_t ll_adv_set_scan_rsp_data(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    return set_data(&c->adv.scan_rsp_len, c->adv.scan_rsp, p);
}

/* 7.8.9 */
uint8_t ll_adv_set_enable(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_adv *a = &c->adv;
    if (p[0] > 1)
        return HCI_ERR_INVALID_PARAMS;
    if (p[0] == 0) {
        a->enabled = false;
        radio_timer_cancel(&c->radio, &a->event_timer);
        return HCI_SUCCESS;
    }
    if (a->enabled)
        return HCI_SUCCESS;
    uint8_t addr_type, addr[6];
    if (!ctrl_own_address(c, a->own_addr_type, &addr_type, addr))
        return HCI_ERR_INVALID_PARAMS;
    if (a->type == HCI_ADV_DIRECT_IND_HIGH)
        return HCI_ERR_INVALID_PARAMS;
    a->enabled = true;
    /* Real timing: the first event after an advDelay; fast: right away. */
    uint64_t first = radio_now(&c->radio);
    if (!radio_fast(&c->radio))
        first += rng_below(&c->radio.rng, ADV_DELAY_MAX_US + 1);
    radio_timer_arm(&c->radio, &a->event_timer, first);
    return HCI_SUCCESS;
}

void ll_adv_stop(struct controller *c)
{
    c->adv.enabled = false;
    c->adv.listening = false;
    ctrl_listen_update(c);
    radio_timer_cancel(&c->radio, &c->adv.event_timer);
}

void ll_adv_now(struct controller *c)
{
    if (c->adv.enabled)
        radio_timer_arm(&c->radio, &c->adv.event_timer, radio_now(&c->radio));
}

bool ll_adv_uses_accept_list(const struct controller *c)
{
    return c->adv.enabled && c->adv.filter_policy != 0;
}

static uint8_t adv_pdu_type(uint8_t hci_type)
{
    switch (hci_type) {
    case HCI_ADV_SCAN_IND:
        return LL_ADV_SCAN_IND;
    case HCI_ADV_NONCONN_IND:
        return LL_ADV_NONCONN_IND;
    case HCI_ADV_DIRECT_IND_LOW:
        return LL_ADV_DIRECT_IND;
    default:
        return LL_ADV_IND;
    }
}

/* ADV_IND and ADV_SCAN_IND take scan requests (Vol 6 Part B 4.4.2.3, 4.4.2.5). */
static bool adv_scannable(const struct ll_adv *a)
{
    return a->type == HCI_ADV_IND || a->type == HCI_ADV_SCAN_IND;
}

static bool adv_connectable(const struct ll_adv *a)
{
    return a->type == HCI_ADV_IND || a->type == HCI_ADV_DIRECT_IND_LOW;
}

static void adv_event(struct timer *t, void *ctx)
{
    struct controller *c = ctx;
    struct ll_adv *a = &c->adv;
    uint64_t start = radio_now(&c->radio);
    uint8_t addr_type, pdu[LL_HDR_LEN + LL_ADV_PAYLOAD_MAX];
    ctrl_own_address(c, a->own_addr_type, &addr_type, pdu + LL_HDR_LEN);
    pdu[0] = adv_pdu_type(a->type) | (addr_type == HCI_ADDR_RANDOM ? LL_HDR_TXADD : 0);
    size_t len;
    if (a->type == HCI_ADV_DIRECT_IND_LOW) { /* AdvA, TargetA (2.3.1.2) */
        pdu[0] |= a->peer_addr_type == HCI_ADDR_RANDOM ? LL_HDR_RXADD : 0;
        memcpy(pdu + LL_HDR_LEN + LL_ADDR_LEN, a->peer_addr, 6);
        len = LL_HDR_LEN + LL_ADV_DIRECT_PAYLOAD;
    } else {
        memcpy(pdu + LL_HDR_LEN + LL_ADDR_LEN, a->data, a->data_len);
        len = LL_HDR_LEN + LL_ADDR_LEN + a->data_len;
    }
    pdu[1] = (uint8_t)(len - LL_HDR_LEN);
    uint32_t air = air_time_le1m(len);
    /* Each channel's slot: the PDU, and if scannable a SCAN_REQ and SCAN_RSP T_IFS apart. */
    uint32_t slot = air + AIR_T_IFS_US;
    if (adv_connectable(a) && !adv_scannable(a))
        slot += air_time_le1m(LL_HDR_LEN + LL_CONNECT_IND_PAYLOAD);
    if (adv_scannable(a))
        slot += air_time_le1m(LL_HDR_LEN + LL_SCAN_REQ_PAYLOAD) + AIR_T_IFS_US +
                air_time_le1m(LL_HDR_LEN + LL_ADDR_LEN + a->scan_rsp_len);
    uint64_t at = start;
    for (int i = 0; i < LL_ADV_CHANNELS; i++) {
        if (!(a->channel_map & (1u << i)))
            continue;
        if (!a->enabled)
            return; /* a CONNECT_IND ended advertising */
        uint8_t channel = (uint8_t)(LL_ADV_CHANNEL_FIRST + i);
        a->listening = adv_scannable(a) || adv_connectable(a);
        a->listen_channel = channel;
        a->listen_after = at + air;
        ctrl_listen_update(c);
        radio_transmit(&c->radio, channel, at, pdu, len);
        a->listening = false;
        ctrl_listen_update(c);
        at += slot;
    }
    if (!a->enabled)
        return;
    /* T_advEvent = advInterval + advDelay (Vol 6 Part B 4.4.2.2.1); fast: 1 ms. */
    uint64_t next = start + FAST_EVENT_SPACING_US;
    if (!radio_fast(&c->radio))
        next = start + (uint64_t)a->interval_min * 625 +
               rng_below(&c->radio.rng, ADV_DELAY_MAX_US + 1);
    radio_timer_arm(&c->radio, t, next);
}

/* A CONNECT_IND (2.3.3.1) for us: from the target if directed, else through
 * filter policies 2 and 3 (the accept list), with valid parameters (4.5.1), and a
 * free slot: we are the peripheral of a new connection. */
static void adv_connect(struct controller *c, const struct air_pdu *pdu, uint8_t init_type)
{
    struct ll_adv *a = &c->adv;
    const uint8_t *ind = pdu->pdu + LL_HDR_LEN, *ll = ind + 12;
    if (a->type == HCI_ADV_DIRECT_IND_LOW
            ? init_type != a->peer_addr_type || memcmp(ind, a->peer_addr, 6) != 0
            : a->filter_policy >= 2 && !accept_list_contains(&c->accept_list, init_type, ind))
        return;
    uint8_t params[12] = {0}; /* interval as minimum and maximum, latency, timeout */
    memcpy(params, ll + 10, 2);
    memcpy(params + 2, ll + 10, 6);
    uint16_t interval = get_le16(ll + 10);
    uint8_t hop = ll[21] & 0x1f, nused = 0;
    for (int i = 0; i < LL_DATA_CHANNELS; i++)
        nused = (uint8_t)(nused + ((ll[16 + i / 8] >> (i % 8)) & 1));
    if (!ll_conn_params_valid(params) || ll[7] < 1 || ll[7] > 8 || ll[7] >= interval ||
        get_le16(ll + 8) > interval || hop < 5 || hop > 16 || nused < 2 || (ll[20] & 0xe0)) {
        log_msg(LOG_LEVEL_INFO, "CONNECT_IND with invalid parameters ignored");
        return;
    }
    struct ll_conn *cn = ll_conn_alloc(c);
    int link = cn ? radio_link_attach(&c->radio, get_le32(ll)) : -1;
    if (link < 0)
        return;
    ll_adv_stop(c);
    ll_conn_start(c, cn, HCI_ROLE_PERIPHERAL, link, init_type, ind, pdu->start + pdu->duration);
}

/* A SCAN_REQ (Vol 6 Part B 2.3.2.1) or CONNECT_IND arriving T_IFS after our PDU on
 * its channel and naming our address. A SCAN_REQ is answered with a SCAN_RSP
 * T_IFS later (4.4.2.3); filter policies 1 and 3 take scan requests only from the
 * accept list (Vol 4 Part E 7.8.5). */
void ll_adv_receive(struct controller *c, const struct air_pdu *pdu)
{
    struct ll_adv *a = &c->adv;
    uint8_t type = pdu->pdu[0] & LL_HDR_TYPE_MASK;
    size_t want = type == LL_SCAN_REQ ? LL_HDR_LEN + LL_SCAN_REQ_PAYLOAD
                                      : LL_HDR_LEN + LL_CONNECT_IND_PAYLOAD;
    if (!a->listening || pdu->channel != a->listen_channel || pdu->len != want ||
        pdu->start < a->listen_after || pdu->start > a->listen_after + AIR_T_IFS_US + 2)
        return;
    uint8_t addr_type, addr[6];
    ctrl_own_address(c, a->own_addr_type, &addr_type, addr);
    const uint8_t *scan_a = pdu->pdu + LL_HDR_LEN, *adv_a = scan_a + LL_ADDR_LEN;
    bool rx_random = pdu->pdu[0] & LL_HDR_RXADD;
    if (memcmp(adv_a, addr, 6) != 0 || rx_random != (addr_type == HCI_ADDR_RANDOM))
        return;
    uint8_t scanner_type = (pdu->pdu[0] & LL_HDR_TXADD) ? HCI_ADDR_RANDOM : HCI_ADDR_PUBLIC;
    if (type == LL_CONNECT_IND) {
        if (adv_connectable(a))
            adv_connect(c, pdu, scanner_type);
        return;
    }
    if (!adv_scannable(a) || ((a->filter_policy == 1 || a->filter_policy == 3) &&
                              !accept_list_contains(&c->accept_list, scanner_type, scan_a)))
        return;
    a->listening = false; /* one answer per PDU */
    uint8_t rsp[LL_HDR_LEN + LL_ADV_PAYLOAD_MAX];
    rsp[0] = LL_SCAN_RSP | (addr_type == HCI_ADDR_RANDOM ? LL_HDR_TXADD : 0);
    rsp[1] = (uint8_t)(LL_ADDR_LEN + a->scan_rsp_len);
    memcpy(rsp + LL_HDR_LEN, addr, 6);
    memcpy(rsp + LL_HDR_LEN + LL_ADDR_LEN, a->scan_rsp, a->scan_rsp_len);
    radio_transmit(&c->radio, pdu->channel, pdu->start + pdu->duration + AIR_T_IFS_US, rsp,
                   LL_HDR_LEN + LL_ADDR_LEN + a->scan_rsp_len);
}
