/* ll_ctrl.c - LL control PDUs (Core v5.4 Vol 6 Part B 2.4.2) and the procedures
 * of 5.1 but encryption (ll_enc.c, which gets its PDUs from here): connection
 * update (5.1.1), channel map update (5.1.2, peripheral side), termination
 * (5.1.3), feature exchange (5.1.4), version exchange (5.1.5), connection
 * parameters request (5.1.7), data length update (5.1.9), PHY update (5.1.10).
 *
 * One locally initiated procedure runs at a time (the others wait their turn);
 * the peer's procedures are answered as they come, except that a central with an
 * instant pending rejects a peer's procedure that would set another (5.3). */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"

#define INSTANT_DELAY 6     /* events from now to an instant the central sets */
#define INSTANT_PAST 0x7fff /* (Instant - connEventCounter) mod 65536 at or above: past */

/* ---- events to the host ---- */

static void ev_conn_update(struct ll_conn *cn, uint8_t status)
{
    uint8_t ev[10] = {HCI_LE_EV_CONN_UPDATE_COMPLETE, status};
    put_le16(ev + 2, cn->handle);
    put_le16(ev + 4, cn->params.interval);
    put_le16(ev + 6, cn->params.latency);
    put_le16(ev + 8, cn->params.timeout);
    ctrl_send_le_event(cn->ctrl, ev, sizeof(ev));
}

static void ev_features(struct ll_conn *cn, uint8_t status)
{
    uint8_t ev[12] = {HCI_LE_EV_READ_REMOTE_FEATURES_COMPLETE, status};
    put_le16(ev + 2, cn->handle);
    if (status == HCI_SUCCESS)
        memcpy(ev + 4, cn->peer_features, 8);
    ctrl_send_le_event(cn->ctrl, ev, sizeof(ev));
}

static void ev_version(struct ll_conn *cn)
{
    if (!(cn->ctrl->event_mask & HCI_EVENT_MASK_READ_REMOTE_VERSION))
        return;
    uint8_t ev[8] = {HCI_SUCCESS};
    put_le16(ev + 1, cn->handle);
    memcpy(ev + 3, cn->peer_version, 5);
    ctrl_send_event(cn->ctrl, HCI_EV_READ_REMOTE_VERSION_COMPLETE, ev, sizeof(ev));
}

static void ev_phy(struct ll_conn *cn, uint8_t status)
{
    uint8_t ev[6] = {HCI_LE_EV_PHY_UPDATE_COMPLETE, status};
    put_le16(ev + 2, cn->handle);
    ev[4] = cn->tx_phy;
    ev[5] = cn->rx_phy;
    ctrl_send_le_event(cn->ctrl, ev, sizeof(ev));
}

/* ---- queue and procedures ---- */

void ll_ctrl_send(struct ll_conn *cn, const uint8_t *pdu, uint8_t len)
{
    if (cn->cq_count == LL_CTRL_QUEUE) {
        log_msg(LOG_LEVEL_WARN, "connection 0x%03x: control queue full, opcode 0x%02x dropped",
                cn->handle, pdu[0]);
        return;
    }
    uint8_t i = (uint8_t)((cn->cq_head + cn->cq_count++) % LL_CTRL_QUEUE);
    memcpy(cn->cq[i], pdu, len);
    cn->cq_len[i] = len;
    ll_conn_kick(cn);
}

static bool by_host(const struct ll_conn *cn, enum ll_proc p)
{
    return cn->proc_by_host & (1u << p);
}

static void proc_start(struct ll_conn *cn);

static void proc_done(struct ll_conn *cn, enum ll_proc p)
{
    if (cn->proc != p)
        return;
    cn->proc = LL_PROC_NONE;
    cn->proc_by_host &= (uint8_t)(~(1u << p));
    proc_start(cn);
}

void ll_ctrl_request(struct ll_conn *cn, enum ll_proc p, bool host)
{
    cn->proc_waiting |= (uint8_t)(1u << p);
    if (host)
        cn->proc_by_host |= (uint8_t)(1u << p);
    proc_start(cn);
}

static void send_features(struct ll_conn *cn, uint8_t opcode)
{
    uint8_t pdu[9] = {opcode, LL_FEATURES_0, LL_FEATURES_1};
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

/* LL_VERSION_IND (2.4.2.13): Bluetooth 5.4, company 0xFFFF (tests), subversion 0. */
static void send_version(struct ll_conn *cn)
{
    uint8_t pdu[6] = {LL_VERSION_IND, HCI_VERSION_5_4, 0xff, 0xff, 0, 0};
    cn->version_sent = true;
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

void ll_ctrl_reject(struct ll_conn *cn, uint8_t opcode, uint8_t error)
{
    uint8_t pdu[3] = {LL_REJECT_EXT_IND, opcode, error};
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

/* Central: LL_CONNECTION_UPDATE_IND (2.4.2.1), WinSize 1, WinOffset 0. */
static void send_update_ind(struct ll_conn *cn, const struct ll_conn_params *p)
{
    uint8_t pdu[12] = {LL_CONNECTION_UPDATE_IND, 1};
    put_le16(pdu + 4, p->interval);
    put_le16(pdu + 6, p->latency);
    put_le16(pdu + 8, p->timeout);
    cn->update = *p;
    cn->update_instant = (uint16_t)(cn->event + INSTANT_DELAY + cn->params.latency);
    cn->update_pending = true;
    put_le16(pdu + 10, cn->update_instant);
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

static void send_length(struct ll_conn *cn, uint8_t opcode)
{
    uint8_t pdu[9] = {opcode};
    put_le16(pdu + 1, LL_DATA_MAX);
    put_le16(pdu + 3, LL_DATA_TIME_MAX);
    put_le16(pdu + 5, cn->max_tx_octets);
    put_le16(pdu + 7, cn->max_tx_time);
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

static void proc_run(struct ll_conn *cn, enum ll_proc p)
{
    uint8_t pdu[LL_CTRL_MAX] = {0};
    switch (p) {
    case LL_PROC_FEATURE:
        if (cn->features_known) {
            if (by_host(cn, p))
                ev_features(cn, HCI_SUCCESS);
            proc_done(cn, p);
            return;
        }
        send_features(cn,
                      cn->role == HCI_ROLE_CENTRAL ? LL_FEATURE_REQ : LL_PERIPHERAL_FEATURE_REQ);
        return;
    case LL_PROC_VERSION: /* exchanged once per connection (5.1.5) */
        if (cn->version_known) {
            ev_version(cn);
            proc_done(cn, p);
            return;
        }
        if (!cn->version_sent)
            send_version(cn);
        return;
    case LL_PROC_CONN_UPDATE:
        send_update_ind(cn, &cn->want);
        return;
    case LL_PROC_CONN_PARAM: /* 2.4.2.16; no preferred periodicity or offsets */
        pdu[0] = LL_CONNECTION_PARAM_REQ;
        put_le16(pdu + 1, cn->want.interval);
        put_le16(pdu + 3, cn->want_max);
        put_le16(pdu + 5, cn->want.latency);
        put_le16(pdu + 7, cn->want.timeout);
        put_le16(pdu + 10, cn->event);
        memset(pdu + 12, 0xff, 12);
        ll_ctrl_send(cn, pdu, 24);
        return;
    case LL_PROC_LENGTH:
        send_length(cn, LL_LENGTH_REQ);
        return;
    case LL_PROC_PHY:
        pdu[0] = LL_PHY_REQ;
        pdu[1] = cn->pref_tx;
        pdu[2] = cn->pref_rx;
        ll_ctrl_send(cn, pdu, 3);
        return;
    case LL_PROC_ENC:
        ll_enc_run(cn);
        return;
    default:
        return;
    }
}

/* Procedures that set an instant wait while another instant is set or being
 * decided by the host. */
static bool sets_instant(enum ll_proc p)
{
    return p == LL_PROC_CONN_UPDATE || p == LL_PROC_CONN_PARAM || p == LL_PROC_PHY;
}

static void proc_start(struct ll_conn *cn)
{
    if (cn->proc != LL_PROC_NONE || cn->terminating)
        return;
    bool instant_busy = ll_ctrl_instant_pending(cn) || cn->param_req_host;
    for (int p = LL_PROC_FEATURE; p < LL_PROC_COUNT; p++) {
        if (!(cn->proc_waiting & (1u << p)) || (instant_busy && sets_instant(p)))
            continue;
        if (cn->enc.paused && p != LL_PROC_ENC) /* no other procedure meanwhile (5.1.3.1) */
            continue;
        cn->proc_waiting &= (uint8_t)(~(1u << p));
        cn->proc = (enum ll_proc)p;
        proc_run(cn, (enum ll_proc)p);
        return; /* a procedure done at once started the next one itself */
    }
}

void ll_ctrl_proc_end(struct ll_conn *cn, enum ll_proc p)
{
    proc_done(cn, p);
    proc_start(cn);
}

void ll_ctrl_init(struct controller *c, struct ll_conn *cn)
{
    cn->max_tx_octets = c->default_tx_octets;
    cn->max_tx_time = c->default_tx_time;
    cn->peer_rx_octets = cn->peer_tx_octets = LL_DATA_OCTETS_MIN;
    cn->peer_rx_time = cn->peer_tx_time = LL_DATA_TIME_MIN;
    cn->eff_tx_octets = cn->eff_rx_octets = LL_DATA_OCTETS_MIN;
    cn->eff_tx_time = cn->eff_rx_time = LL_DATA_TIME_MIN;
    cn->tx_phy = cn->rx_phy = AIR_PHY_1M;
    cn->pref_tx = c->default_tx_phys;
    cn->pref_rx = c->default_rx_phys;
    /* The host suggested longer PDUs: negotiate them at once (5.1.9). */
    if (cn->max_tx_octets != LL_DATA_OCTETS_MIN || cn->max_tx_time != LL_DATA_TIME_MIN)
        ll_ctrl_request(cn, LL_PROC_LENGTH, false);
}

void ll_ctrl_terminate(struct ll_conn *cn, uint8_t reason)
{
    uint8_t pdu[2] = {LL_TERMINATE_IND, reason};
    cn->terminating = true;
    cn->term_reason = reason;
    cn->cq_count = 0;
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

/* ---- data length and PHY ---- */

static uint16_t min16(uint16_t a, uint16_t b)
{
    return a < b ? a : b;
}

/* The effective data length from both sides' values; the host hears of a change
 * (Vol 4 Part E 7.7.65.7). */
static void update_length(struct ll_conn *cn)
{
    uint16_t old[4] = {cn->eff_tx_octets, cn->eff_tx_time, cn->eff_rx_octets, cn->eff_rx_time};
    cn->eff_tx_octets = min16(cn->max_tx_octets, cn->peer_rx_octets);
    cn->eff_tx_time = min16(cn->max_tx_time, cn->peer_rx_time);
    cn->eff_rx_octets = min16(LL_DATA_MAX, cn->peer_tx_octets);
    cn->eff_rx_time = min16(LL_DATA_TIME_MAX, cn->peer_tx_time);
    uint16_t now[4] = {cn->eff_tx_octets, cn->eff_tx_time, cn->eff_rx_octets, cn->eff_rx_time};
    if (memcmp(old, now, sizeof(old)) == 0)
        return;
    uint8_t ev[11] = {HCI_LE_EV_DATA_LENGTH_CHANGE};
    put_le16(ev + 1, cn->handle);
    for (int i = 0; i < 4; i++)
        put_le16(ev + 3 + 2 * i, now[i]);
    ctrl_send_le_event(cn->ctrl, ev, sizeof(ev));
}

/* LL_LENGTH_REQ/RSP values: at least 27 octets and 328 us (2.4.2.21). */
static bool length_values(struct ll_conn *cn, const uint8_t *p)
{
    uint16_t rxo = get_le16(p + 1), rxt = get_le16(p + 3), txo = get_le16(p + 5),
             txt = get_le16(p + 7);
    if (rxo < LL_DATA_OCTETS_MIN || txo < LL_DATA_OCTETS_MIN || rxt < LL_DATA_TIME_MIN ||
        txt < LL_DATA_TIME_MIN)
        return false;
    cn->peer_rx_octets = rxo;
    cn->peer_rx_time = rxt;
    cn->peer_tx_octets = txo;
    cn->peer_tx_time = txt;
    return true;
}

/* The fastest PHY in a preference mask, 0 for none. */
static uint8_t phy_pick(uint8_t mask)
{
    return (mask & AIR_PHY_2M) ? AIR_PHY_2M : (mask & AIR_PHY_1M) ? AIR_PHY_1M : 0;
}

/* Central: the PHYs from both sides' preferences, then LL_PHY_UPDATE_IND
 * (2.4.2.24); both zero when nothing changes, which ends the procedure now. */
static void phy_decide(struct ll_conn *cn, uint8_t peer_tx, uint8_t peer_rx)
{
    uint8_t c_to_p = phy_pick(cn->pref_tx & peer_rx), p_to_c = phy_pick(peer_tx & cn->pref_rx);
    if (c_to_p == cn->tx_phy)
        c_to_p = 0;
    if (p_to_c == cn->rx_phy)
        p_to_c = 0;
    uint8_t pdu[5] = {LL_PHY_UPDATE_IND, c_to_p, p_to_c};
    if (c_to_p || p_to_c) {
        cn->phy_c_to_p = c_to_p;
        cn->phy_p_to_c = p_to_c;
        cn->phy_instant = (uint16_t)(cn->event + INSTANT_DELAY + cn->params.latency);
        cn->phy_pending = true;
        put_le16(pdu + 3, cn->phy_instant);
    }
    ll_ctrl_send(cn, pdu, sizeof(pdu));
    if (!cn->phy_pending && cn->proc == LL_PROC_PHY) {
        if (by_host(cn, LL_PROC_PHY))
            ev_phy(cn, HCI_SUCCESS);
        proc_done(cn, LL_PROC_PHY);
    }
}

/* ---- instants ---- */

static bool instant_reached(const struct ll_conn *cn, uint16_t instant)
{
    return (uint16_t)(cn->event - instant) < 0x8000;
}

/* The peripheral's side of an instant it was just given: in the past, the
 * connection is lost with 0x28 Instant Passed (5.5.6). */
static bool instant_passed(struct ll_conn *cn, uint16_t instant)
{
    if ((uint16_t)(instant - cn->event) < INSTANT_PAST)
        return false;
    log_msg(LOG_LEVEL_INFO, "connection 0x%03x: instant %u already passed (event %u)", cn->handle,
            instant, cn->event);
    ll_conn_end(cn, HCI_ERR_INSTANT_PASSED, false);
    return true;
}

bool ll_ctrl_instant_pending(const struct ll_conn *cn)
{
    return cn->update_pending || cn->phy_pending;
}

void ll_ctrl_instants(struct ll_conn *cn)
{
    if (cn->update_pending && instant_reached(cn, cn->update_instant)) {
        /* Reported on both sides only if a parameter changed (5.1.1). */
        bool changed = memcmp(&cn->params, &cn->update, sizeof(cn->params)) != 0;
        cn->params = cn->update;
        cn->update_pending = false;
        ll_conn_supervise(cn);
        if (changed)
            ev_conn_update(cn, HCI_SUCCESS);
        proc_done(cn, cn->role == HCI_ROLE_CENTRAL ? LL_PROC_CONN_UPDATE : LL_PROC_CONN_PARAM);
    }
    if (cn->phy_pending && instant_reached(cn, cn->phy_instant)) {
        bool central = cn->role == HCI_ROLE_CENTRAL;
        uint8_t tx = central ? cn->phy_c_to_p : cn->phy_p_to_c;
        uint8_t rx = central ? cn->phy_p_to_c : cn->phy_c_to_p;
        bool changed = (tx && tx != cn->tx_phy) || (rx && rx != cn->rx_phy);
        if (tx)
            cn->tx_phy = tx;
        if (rx)
            cn->rx_phy = rx;
        cn->phy_pending = false;
        if (changed || by_host(cn, LL_PROC_PHY))
            ev_phy(cn, HCI_SUCCESS);
        proc_done(cn, LL_PROC_PHY);
    }
    proc_start(cn); /* one waiting for the instant to pass */
}

/* ---- from the peer ---- */

/* Length of each opcode's PDU, opcode included (2.4.2); 0: not handled here. */
static uint8_t ctrl_pdu_len(uint8_t opcode)
{
    switch (opcode) {
    case LL_CONNECTION_UPDATE_IND:
        return 12;
    case LL_CHANNEL_MAP_IND:
        return 8;
    case LL_TERMINATE_IND:
    case LL_UNKNOWN_RSP:
    case LL_REJECT_IND:
        return 2;
    case LL_ENC_REQ:
        return 23;
    case LL_ENC_RSP:
        return 13;
    case LL_START_ENC_REQ:
    case LL_START_ENC_RSP:
    case LL_PAUSE_ENC_REQ:
    case LL_PAUSE_ENC_RSP:
        return 1;
    case LL_FEATURE_REQ:
    case LL_FEATURE_RSP:
    case LL_PERIPHERAL_FEATURE_REQ:
    case LL_LENGTH_REQ:
    case LL_LENGTH_RSP:
        return 9;
    case LL_VERSION_IND:
        return 6;
    case LL_CONNECTION_PARAM_REQ:
    case LL_CONNECTION_PARAM_RSP:
        return 24;
    case LL_REJECT_EXT_IND:
    case LL_PHY_REQ:
    case LL_PHY_RSP:
        return 3;
    case LL_PHY_UPDATE_IND:
        return 5;
    default:
        return 0;
    }
}

/* The PDUs of the encryption procedures, which ll_enc.c handles. */
static bool enc_opcode(uint8_t opcode)
{
    return (opcode >= LL_ENC_REQ && opcode <= LL_START_ENC_RSP) || opcode == LL_PAUSE_ENC_REQ ||
           opcode == LL_PAUSE_ENC_RSP;
}

/* Opcodes only a central sends, and those only a peripheral sends. */
static bool ctrl_role_ok(const struct ll_conn *cn, uint8_t opcode)
{
    switch (opcode) {
    case LL_CONNECTION_UPDATE_IND:
    case LL_CHANNEL_MAP_IND:
    case LL_FEATURE_REQ:
    case LL_PHY_UPDATE_IND:
    case LL_ENC_REQ:
    case LL_PAUSE_ENC_REQ:
        return cn->role == HCI_ROLE_PERIPHERAL;
    case LL_PERIPHERAL_FEATURE_REQ:
    case LL_ENC_RSP:
    case LL_START_ENC_REQ:
    case LL_PHY_RSP:
    case LL_CONNECTION_PARAM_RSP:
        return cn->role == HCI_ROLE_CENTRAL;
    default:
        return true;
    }
}

/* The local procedure the peer refused (LL_UNKNOWN_RSP, LL_REJECT_IND,
 * LL_REJECT_EXT_IND) ends with error, told to the host where an event exists. */
static void proc_refused(struct ll_conn *cn, uint8_t error)
{
    enum ll_proc p = cn->proc;
    switch (p) {
    case LL_PROC_FEATURE:
        if (by_host(cn, p))
            ev_features(cn, error);
        break;
    case LL_PROC_CONN_PARAM:
        ev_conn_update(cn, error);
        break;
    case LL_PROC_PHY:
        if (by_host(cn, p))
            ev_phy(cn, error);
        break;
    case LL_PROC_ENC:
        ll_enc_refused(cn, error);
        break;
    default:
        break;
    }
    proc_done(cn, p);
}

/* A connection parameter request's values (2.4.2.16, Vol 4 Part E 7.8.18). */
static bool param_values(const uint8_t *p, struct ll_conn_params *out, uint16_t *max)
{
    uint8_t hci[12];
    memcpy(hci, p + 1, 8);
    memset(hci + 8, 0, 4); /* CE lengths: none */
    if (!ll_conn_params_valid(hci))
        return false;
    out->interval = get_le16(p + 1);
    *max = get_le16(p + 3);
    out->latency = get_le16(p + 5);
    out->timeout = get_le16(p + 7);
    return true;
}

/* Central: a peer's procedure that would set an instant while one is set or being
 * set collides (5.3): LL procedure collision for the same, else different
 * transaction collision. */
static bool central_collides(struct ll_conn *cn, uint8_t opcode, enum ll_proc same)
{
    bool busy_update = cn->update_pending || cn->proc == LL_PROC_CONN_UPDATE;
    bool busy_phy = cn->phy_pending || cn->proc == LL_PROC_PHY;
    if (!busy_update && !busy_phy && !cn->param_req_host)
        return false;
    bool is_same = same == LL_PROC_PHY ? busy_phy : (busy_update || cn->param_req_host);
    ll_ctrl_reject(cn, opcode,
                   is_same ? HCI_ERR_LL_PROCEDURE_COLLISION
                           : HCI_ERR_DIFFERENT_TRANSACTION_COLLISION);
    return true;
}

static void rx_param_req(struct ll_conn *cn, const uint8_t *p)
{
    struct ll_conn_params want;
    uint16_t max;
    if (!param_values(p, &want, &max)) {
        ll_ctrl_reject(cn, p[0], HCI_ERR_UNSUPPORTED_LL_PARAM);
        return;
    }
    if (cn->role == HCI_ROLE_PERIPHERAL) { /* the central asks: accepted as asked */
        uint8_t rsp[24];
        memcpy(rsp, p, sizeof(rsp));
        rsp[0] = LL_CONNECTION_PARAM_RSP;
        ll_ctrl_send(cn, rsp, sizeof(rsp));
        return;
    }
    if (central_collides(cn, p[0], LL_PROC_CONN_UPDATE))
        return;
    if (!ctrl_le_event_enabled(cn->ctrl, HCI_LE_EV_REMOTE_CONN_PARAM_REQ)) {
        want.interval = max; /* the host does not take part: accepted, at the maximum */
        ll_ctrl_param_reply(cn, &want);
        return;
    }
    cn->want = want;
    cn->want_max = max;
    cn->param_req_host = true;
    uint8_t ev[11] = {HCI_LE_EV_REMOTE_CONN_PARAM_REQ};
    put_le16(ev + 1, cn->handle);
    memcpy(ev + 3, p + 1, 8);
    ctrl_send_le_event(cn->ctrl, ev, sizeof(ev));
}

void ll_ctrl_param_reply(struct ll_conn *cn, const struct ll_conn_params *p)
{
    cn->param_req_host = false;
    send_update_ind(cn, p);
}

void ll_ctrl_param_neg_reply(struct ll_conn *cn, uint8_t reason)
{
    cn->param_req_host = false;
    ll_ctrl_reject(cn, LL_CONNECTION_PARAM_REQ, reason);
    proc_start(cn); /* one that waited for the host's answer */
}

static void rx_update_ind(struct ll_conn *cn, const uint8_t *p)
{
    uint16_t instant = get_le16(p + 10);
    uint8_t hci[12] = {0};
    memcpy(hci, p + 4, 2);     /* interval as both minimum and maximum */
    memcpy(hci + 2, p + 4, 6); /* interval, latency, timeout */
    if (!ll_conn_params_valid(hci)) {
        log_msg(LOG_LEVEL_WARN,
                "connection 0x%03x: LL_CONNECTION_UPDATE_IND with invalid "
                "parameters ignored",
                cn->handle);
        return;
    }
    if (instant_passed(cn, instant))
        return;
    cn->update.interval = get_le16(p + 4);
    cn->update.latency = get_le16(p + 6);
    cn->update.timeout = get_le16(p + 8);
    cn->update_instant = instant;
    cn->update_pending = true;
}

static void rx_phy_update_ind(struct ll_conn *cn, const uint8_t *p)
{
    uint8_t c_to_p = p[1], p_to_c = p[2];
    if ((c_to_p & ~3) || (p_to_c & ~3) || c_to_p == 3 || p_to_c == 3) {
        log_msg(LOG_LEVEL_WARN,
                "connection 0x%03x: LL_PHY_UPDATE_IND with unknown PHYs "
                "ignored",
                cn->handle);
        return;
    }
    if (!c_to_p && !p_to_c) { /* no change: the procedure ends now */
        if (cn->proc == LL_PROC_PHY) {
            if (by_host(cn, LL_PROC_PHY))
                ev_phy(cn, HCI_SUCCESS);
            proc_done(cn, LL_PROC_PHY);
        }
        return;
    }
    uint16_t instant = get_le16(p + 3);
    if (instant_passed(cn, instant))
        return;
    cn->phy_c_to_p = c_to_p;
    cn->phy_p_to_c = p_to_c;
    cn->phy_instant = instant;
    cn->phy_pending = true;
}

static void rx_known(struct ll_conn *cn, const uint8_t *p)
{
    uint8_t pdu[3];
    switch (p[0]) {
    case LL_TERMINATE_IND: /* acknowledged, then the connection ends (5.1.3) */
        cn->terminated_by_peer = true;
        cn->term_reason = p[1];
        break;
    case LL_UNKNOWN_RSP:
        proc_refused(cn, HCI_ERR_UNSUPPORTED_REMOTE_FEATURE);
        break;
    case LL_REJECT_IND:
        proc_refused(cn, p[1]);
        break;
    case LL_REJECT_EXT_IND:
        proc_refused(cn, p[2]);
        break;
    case LL_FEATURE_REQ:
    case LL_PERIPHERAL_FEATURE_REQ:
        memcpy(cn->peer_features, p + 1, 8);
        cn->features_known = true;
        send_features(cn, LL_FEATURE_RSP);
        break;
    case LL_FEATURE_RSP:
        memcpy(cn->peer_features, p + 1, 8);
        cn->features_known = true;
        if (cn->proc == LL_PROC_FEATURE)
            proc_run(cn, LL_PROC_FEATURE);
        break;
    case LL_VERSION_IND:
        memcpy(cn->peer_version, p + 1, 5);
        cn->version_known = true;
        if (!cn->version_sent)
            send_version(cn);
        if (cn->proc == LL_PROC_VERSION)
            proc_run(cn, LL_PROC_VERSION);
        break;
    case LL_CONNECTION_UPDATE_IND:
        rx_update_ind(cn, p);
        break;
    case LL_CHANNEL_MAP_IND: /* the channel comes with each PDU: only the instant */
        instant_passed(cn, get_le16(p + 6));
        break;
    case LL_CONNECTION_PARAM_REQ:
        rx_param_req(cn, p);
        break;
    case LL_CONNECTION_PARAM_RSP: /* this central never asks */
        log_msg(LOG_LEVEL_INFO,
                "connection 0x%03x: unexpected LL_CONNECTION_PARAM_RSP "
                "ignored",
                cn->handle);
        break;
    case LL_LENGTH_REQ:
    case LL_LENGTH_RSP:
        if (!length_values(cn, p)) {
            log_msg(LOG_LEVEL_WARN,
                    "connection 0x%03x: data length below the minimum "
                    "ignored",
                    cn->handle);
            break;
        }
        if (p[0] == LL_LENGTH_REQ)
            send_length(cn, LL_LENGTH_RSP);
        update_length(cn);
        if (p[0] == LL_LENGTH_RSP)
            proc_done(cn, LL_PROC_LENGTH);
        break;
    case LL_PHY_REQ:
        if (cn->role == HCI_ROLE_PERIPHERAL) {
            pdu[0] = LL_PHY_RSP;
            pdu[1] = cn->pref_tx;
            pdu[2] = cn->pref_rx;
            ll_ctrl_send(cn, pdu, 3);
        } else if (!central_collides(cn, p[0], LL_PROC_PHY)) {
            phy_decide(cn, p[1], p[2]);
        }
        break;
    case LL_PHY_RSP:
        if (cn->proc == LL_PROC_PHY && !cn->phy_pending)
            phy_decide(cn, p[1], p[2]);
        break;
    case LL_PHY_UPDATE_IND:
        rx_phy_update_ind(cn, p);
        break;
    default:
        break;
    }
}

/* Unknown opcodes, wrong lengths and opcodes the other role sends get
 * LL_UNKNOWN_RSP (2.4.2, 2.4.2.6). */
void ll_ctrl_receive(struct ll_conn *cn, const uint8_t *p, uint8_t len)
{
    uint8_t want = ctrl_pdu_len(p[0]);
    if (want == 0 || len != want || !ctrl_role_ok(cn, p[0])) {
        log_msg(LOG_LEVEL_INFO,
                "connection 0x%03x: LL control PDU opcode 0x%02x, %u octets: "
                "answered LL_UNKNOWN_RSP",
                cn->handle, p[0], len);
        uint8_t rsp[2] = {LL_UNKNOWN_RSP, p[0]};
        ll_ctrl_send(cn, rsp, sizeof(rsp));
        return;
    }
    if (enc_opcode(p[0]))
        ll_enc_receive(cn, p);
    else
        rx_known(cn, p);
}

void ll_ctrl_acked(struct ll_conn *cn, const uint8_t *p)
{
    if (p[0] == LL_TERMINATE_IND) /* 5.1.3: the initiator ends on the acknowledgement */
        ll_conn_end(cn, HCI_ERR_LOCAL_HOST_TERM, false);
}
