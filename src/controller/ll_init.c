/* ll_init.c - the initiating state: Core v5.4 Vol 6 Part B 4.4.4, driven by LE
 * Create Connection and LE Create Connection Cancel (Vol 4 Part E 7.8.12-13).
 *
 * The initiator listens like a scanner (its scan interval and window, see
 * ll_listening) and answers a connectable advertising PDU of its target (ADV_IND,
 * or ADV_DIRECT_IND addressed to it) with a CONNECT_IND T_IFS later (2.3.3.1);
 * it is then the central of a new connection, whatever the advertiser makes of
 * it: an advertiser that never heard it leaves it to fail after 6 intervals. */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"

#define SCAN_TIME_MIN 0x0004 /* 7.8.12 */
#define SCAN_TIME_MAX 0x4000
#define AA_TRIES 64
#define SCA_20_PPM 7 /* sleep clock accuracy 0..20 ppm (2.3.3.1, table 2.23) */
#define HOP_MIN 5    /* hopIncrement 5..16 (4.5.8.2) */
#define HOP_SPAN 12

void ll_init_reset(struct controller *c)
{
    memset(&c->init, 0, sizeof(c->init));
}

bool ll_init_uses_accept_list(const struct controller *c)
{
    return c->init.enabled && c->init.filter_policy == 1;
}

bool ll_conn_params_valid(const uint8_t *p)
{
    uint16_t min = get_le16(p), max = get_le16(p + 2), latency = get_le16(p + 4),
             timeout = get_le16(p + 6), ce_min = get_le16(p + 8), ce_max = get_le16(p + 10);
    /* Supervision timeout (10 ms units) above (1 + latency) * max (1.25 ms) * 2. */
    return min >= 0x0006 && max <= 0x0c80 && min <= max && latency <= 0x01f3 && timeout >= 0x000a &&
           timeout <= 0x0c80 && ce_min <= ce_max && (uint32_t)timeout * 4 > (1u + latency) * max;
}

/* 7.8.12 */
uint8_t ll_init_create(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_init *s = &c->init;
    if (s->enabled)
        return HCI_ERR_COMMAND_DISALLOWED;
    uint16_t interval = get_le16(p), window = get_le16(p + 2);
    uint8_t policy = p[4], peer_type = p[5], own = p[12];
    if (interval < SCAN_TIME_MIN || interval > SCAN_TIME_MAX || window < SCAN_TIME_MIN ||
        window > interval || policy > 1 || peer_type > 0x03 || own > 0x03 ||
        !ll_conn_params_valid(p + 13))
        return HCI_ERR_INVALID_PARAMS;
    uint8_t own_type, own_addr[6];
    if (!ctrl_own_address(c, own, &own_type, own_addr))
        return HCI_ERR_INVALID_PARAMS;
    /* Identity address types (2, 3) are the public and random ones while the
     * resolving list is empty. */
    peer_type &= 1;
    if (policy == 0 && ll_conn_exists_to(c, peer_type, p + 6))
        return HCI_ERR_CONN_EXISTS;
    if (!ll_conn_alloc(c))
        return HCI_ERR_CONN_LIMIT;
    s->scan_interval = interval;
    s->scan_window = window;
    s->filter_policy = policy;
    s->peer_addr_type = peer_type;
    memcpy(s->peer_addr, p + 6, 6);
    s->own_addr_type = own;
    /* The maximum of Connection_Interval_Min..Max, as the controllers the reference
     * runs on (NimBLE's, Zephyr's) choose: programs' timing depends on it. */
    s->params.interval = get_le16(p + 15);
    s->params.latency = get_le16(p + 17);
    s->params.timeout = get_le16(p + 19);
    s->started = radio_now(&c->radio);
    s->enabled = true;
    ctrl_listen_update(c);
    if (radio_fast(&c->radio))
        radio_advertise_now(&c->radio);
    return HCI_SUCCESS;
}

/* 7.8.13: Command Complete, then LE Connection Complete with Unknown Connection
 * Identifier (7.7.65.1). */
uint8_t ll_init_cancel(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_init *s = &c->init;
    if (!s->enabled)
        return HCI_ERR_COMMAND_DISALLOWED;
    s->enabled = false;
    ctrl_listen_update(c);
    ll_conn_complete_event(c, HCI_ERR_UNKNOWN_CONN_ID, NULL, s->peer_addr_type, s->peer_addr);
    return HCI_SUCCESS;
}

/* Access address rules of Vol 6 Part B 2.1.2 (those for LE 1M and 2M). */
static bool aa_valid(uint32_t aa)
{
    if (aa == AIR_ADV_AA || __builtin_popcount(aa ^ AIR_ADV_AA) == 1)
        return false;
    uint8_t b0 = (uint8_t)aa;
    if (b0 == (uint8_t)(aa >> 8) && b0 == (uint8_t)(aa >> 16) && b0 == (uint8_t)(aa >> 24))
        return false;
    int run = 1, transitions = 0, top_transitions = 0;
    for (int i = 1; i < 32; i++) {
        bool same = ((aa >> i) & 1) == ((aa >> (i - 1)) & 1);
        run = same ? run + 1 : 1;
        if (run > 6)
            return false;
        if (!same) {
            transitions++;
            if (i >= 27) /* between bits of the six most significant: 26..31 */
                top_transitions++;
        }
    }
    return transitions <= 24 && top_transitions >= 2;
}

/* Whether adv (the advertiser's address) is the one this initiator wants. */
static bool init_target(const struct controller *c, uint8_t adv_type, const uint8_t *adv)
{
    const struct ll_init *s = &c->init;
    if (s->filter_policy == 1)
        return accept_list_contains(&c->accept_list, adv_type, adv);
    return adv_type == s->peer_addr_type && memcmp(adv, s->peer_addr, 6) == 0;
}

void ll_init_receive(struct controller *c, const struct air_pdu *pdu)
{
    struct ll_init *s = &c->init;
    if (!s->enabled)
        return;
    uint8_t type = pdu->pdu[0] & LL_HDR_TYPE_MASK;
    uint8_t own_type, own[6];
    ctrl_own_address(c, s->own_addr_type, &own_type, own);
    const uint8_t *adv = pdu->pdu + LL_HDR_LEN;
    uint8_t adv_type = (pdu->pdu[0] & LL_HDR_TXADD) ? HCI_ADDR_RANDOM : HCI_ADDR_PUBLIC;
    if (type == LL_ADV_IND) {
        if (pdu->len < LL_HDR_LEN + LL_ADDR_LEN || pdu->len > LL_HDR_LEN + LL_ADV_PAYLOAD_MAX)
            return;
    } else if (type == LL_ADV_DIRECT_IND) {
        bool rx_random = pdu->pdu[0] & LL_HDR_RXADD;
        if (pdu->len != LL_HDR_LEN + LL_ADV_DIRECT_PAYLOAD ||
            rx_random != (own_type == HCI_ADDR_RANDOM) || memcmp(adv + LL_ADDR_LEN, own, 6) != 0)
            return;
    } else {
        return;
    }
    if (!ll_listening(c, s->started, s->scan_interval, s->scan_window, pdu) ||
        !init_target(c, adv_type, adv) || ll_conn_exists_to(c, adv_type, adv))
        return;
    struct ll_conn *cn = ll_conn_alloc(c);
    if (!cn)
        return;
    struct rng *rng = &c->radio.rng;
    uint32_t aa = 0, crc_init = rng_u32(rng) & 0xffffff;
    int link = -1;
    for (int i = 0; i < AA_TRIES && link < 0; i++) {
        aa = rng_u32(rng);
        if (aa_valid(aa))
            link = radio_link_open(&c->radio, aa, crc_init);
    }
    if (link < 0) {
        log_msg(LOG_LEVEL_WARN, "no free access address or link on the air: not connecting");
        return;
    }
    /* CONNECT_IND (2.3.3.1): InitA, AdvA, then LLData. */
    uint8_t ind[LL_HDR_LEN + LL_CONNECT_IND_PAYLOAD] = {0};
    ind[0] = LL_CONNECT_IND | (own_type == HCI_ADDR_RANDOM ? LL_HDR_TXADD : 0) |
             (adv_type == HCI_ADDR_RANDOM ? LL_HDR_RXADD : 0);
    ind[1] = LL_CONNECT_IND_PAYLOAD;
    uint8_t *q = ind + LL_HDR_LEN;
    memcpy(q, own, 6);
    memcpy(q + 6, adv, 6);
    put_le32(q + 12, aa);
    put_le24(q + 16, crc_init);
    q[19] = 1; /* WinSize 1.25 ms, WinOffset 0 */
    put_le16(q + 22, s->params.interval);
    put_le16(q + 24, s->params.latency);
    put_le16(q + 26, s->params.timeout);
    memset(q + 28, 0xff, 4); /* ChM: all 37 data channels */
    q[32] = 0x1f;
    q[33] = (uint8_t)((HOP_MIN + rng_below(rng, HOP_SPAN)) | SCA_20_PPM << 5);
    uint64_t start = pdu->start + pdu->duration + AIR_T_IFS_US;
    s->enabled = false;
    ctrl_listen_update(c);
    radio_transmit(&c->radio, pdu->channel, start, ind, sizeof(ind));
    ll_conn_start(c, cn, HCI_ROLE_CENTRAL, link, adv_type, q, start + air_time_le1m(sizeof(ind)));
}
