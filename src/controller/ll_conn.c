/* ll_conn.c - the connection state: Core v5.4 Vol 6 Part B 4.5.
 *
 * The central runs each connection event from one timer callback: it sends a PDU
 * at the anchor point, the air hands it to the peripheral, whose answer comes
 * back T_IFS after it (radio_link_exchange), and so on, T_IFS apart, while either
 * side sets MD and (real timing) the next exchange fits before the next anchor
 * (4.5.6). Acknowledgement and flow control use SN/NESN (4.5.9): one PDU is in
 * flight per direction until the peer acknowledges it.
 *
 * Real timing: events every connInterval; the air time of each PDU at its PHY.
 * Fast timing: an event also runs at once whenever either side has something to
 * send, with no air time limit; idle connections still have one event per
 * connInterval, so supervision works as in real timing. */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"

#define UNIT_INTERVAL_US 1250u /* connInterval */
#define UNIT_TIMEOUT_US 10000u /* connSupervisionTimeout */
#define WINDOW_DELAY_US 1250u  /* transmitWindowDelay after a CONNECT_IND (4.5.3) */
#define ESTABLISH_INTERVALS 6  /* 4.5.2 */
#define FAST_EXCHANGES_MAX 256 /* per event in fast timing, then another event */
#define FAST_IDLE_RERUNS 16    /* events at once in a row that move nothing */
#define FAST_RETRIES 16        /* fast: unheard events run again at once this often */
#define EMPTY_PDU_LEN 2

static struct radio *conn_radio(const struct ll_conn *cn)
{
    return &cn->ctrl->radio;
}

static bool conn_fast(const struct ll_conn *cn)
{
    return radio_fast(conn_radio(cn));
}

static uint64_t interval_us(const struct ll_conn *cn)
{
    return (uint64_t)cn->params.interval * UNIT_INTERVAL_US;
}

/* ---- slots ---- */

struct ll_conn *ll_conn_alloc(struct controller *c)
{
    for (int i = 0; i < LL_MAX_CONNS; i++)
        if (!c->conns[i].in_use)
            return &c->conns[i];
    return NULL;
}

struct ll_conn *ll_conn_by_handle(struct controller *c, uint16_t handle)
{
    for (int i = 0; i < LL_MAX_CONNS; i++)
        if (c->conns[i].in_use && c->conns[i].handle == handle)
            return &c->conns[i];
    return NULL;
}

static struct ll_conn *conn_by_link(struct controller *c, int link, uint8_t role)
{
    for (int i = 0; i < LL_MAX_CONNS; i++)
        if (c->conns[i].in_use && c->conns[i].link == link && c->conns[i].role == role)
            return &c->conns[i];
    return NULL;
}

bool ll_conn_exists_to(const struct controller *c, uint8_t addr_type, const uint8_t addr[6])
{
    for (int i = 0; i < LL_MAX_CONNS; i++) {
        const struct ll_conn *cn = &c->conns[i];
        if (cn->in_use && cn->peer_addr_type == addr_type && memcmp(cn->peer_addr, addr, 6) == 0)
            return true;
    }
    return false;
}

/* Handles 0x0000..0x0EFF (Vol 4 Part E 5.4.2), in turn, skipping those in use. */
static uint16_t conn_new_handle(struct controller *c)
{
    for (;;) {
        uint16_t h = c->next_handle;
        c->next_handle = (uint16_t)((h + 1) % (HCI_CONN_HANDLE_MAX + 1));
        if (!ll_conn_by_handle(c, h))
            return h;
    }
}

/* ---- Channel Selection Algorithm #1 (4.5.8.2) ---- */

static void csa1_map(struct ll_conn *cn, const uint8_t chm[5])
{
    memcpy(cn->chm, chm, 5);
    cn->nused = 0;
    for (uint8_t ch = 0; ch < LL_DATA_CHANNELS; ch++)
        if (chm[ch / 8] & (1u << (ch % 8)))
            cn->used[cn->nused++] = ch;
}

static uint8_t csa1_next(struct ll_conn *cn)
{
    cn->unmapped = (uint8_t)((cn->unmapped + cn->hop) % LL_DATA_CHANNELS);
    if (cn->chm[cn->unmapped / 8] & (1u << (cn->unmapped % 8)))
        return cn->unmapped;
    return cn->used[cn->unmapped % cn->nused];
}

/* ---- events to the host ---- */

void ll_conn_complete_event(struct controller *c, uint8_t status, const struct ll_conn *cn,
                            uint8_t peer_type, const uint8_t peer[6])
{
    uint8_t ev[31] = {0};
    bool enhanced = ctrl_le_event_enabled(c, HCI_LE_EV_ENHANCED_CONN_COMPLETE);
    ev[0] = enhanced ? HCI_LE_EV_ENHANCED_CONN_COMPLETE : HCI_LE_EV_CONN_COMPLETE;
    ev[1] = status;
    ev[5] = peer_type;
    memcpy(ev + 6, peer, 6);
    uint8_t *tail = ev + (enhanced ? 24 : 12); /* after the RPAs, all zero here */
    if (cn) {
        put_le16(ev + 2, cn->handle);
        ev[4] = cn->role;
        put_le16(tail, cn->params.interval);
        put_le16(tail + 2, cn->params.latency);
        put_le16(tail + 4, cn->params.timeout);
        /* Central_Clock_Accuracy: the central's SCA, 0 on the central itself. */
        tail[6] = cn->role == HCI_ROLE_PERIPHERAL ? cn->sca : 0;
    }
    ctrl_send_le_event(c, ev, enhanced ? 31 : 19);
}

/* ---- life ---- */

static void conn_event(struct timer *t, void *ctx);
static void conn_supervision(struct timer *t, void *ctx);

void ll_conn_start(struct controller *c, struct ll_conn *cn, uint8_t role, int link,
                   uint8_t peer_type, const uint8_t *ind, uint64_t ind_end)
{
    memset(cn, 0, sizeof(*cn));
    cn->ctrl = c;
    cn->handle = conn_new_handle(c);
    cn->in_use = true;
    cn->role = role;
    cn->link = link;
    cn->peer_addr_type = peer_type;
    memcpy(cn->peer_addr, ind + (role == HCI_ROLE_CENTRAL ? 6 : 0), 6);
    const uint8_t *ll = ind + 12; /* LLData: AA 4, CRCInit 3, WinSize 1, WinOffset 2 */
    cn->params.interval = get_le16(ll + 10);
    cn->params.latency = get_le16(ll + 12);
    cn->params.timeout = get_le16(ll + 14);
    csa1_map(cn, ll + 16);
    cn->hop = ll[21] & 0x1f;
    cn->sca = ll[21] >> 5;
    /* The first anchor at the start of the transmit window; fast: now. */
    uint64_t first = radio_now(&c->radio);
    if (!radio_fast(&c->radio))
        first = ind_end + WINDOW_DELAY_US + (uint64_t)get_le16(ll + 8) * UNIT_INTERVAL_US;
    cn->anchor = first;
    cn->established_by = first + ESTABLISH_INTERVALS * interval_us(cn);
    timer_init(&cn->event_timer, conn_event, cn);
    timer_init(&cn->supervision, conn_supervision, cn);
    if (role == HCI_ROLE_CENTRAL)
        radio_timer_arm(&c->radio, &cn->event_timer, first);
    ll_conn_supervise(cn);
    ll_ctrl_init(c, cn);
    ll_conn_complete_event(c, HCI_SUCCESS, cn, peer_type, cn->peer_addr);
}

void ll_conn_end(struct ll_conn *cn, uint8_t reason, bool quiet)
{
    struct controller *c = cn->ctrl;
    radio_timer_cancel(&c->radio, &cn->event_timer);
    radio_timer_cancel(&c->radio, &cn->supervision);
    radio_link_close(&c->radio, cn->link);
    cn->in_use = false;
    if (!quiet)
        ll_acl_report_completed(c, cn);
    ll_acl_flush(c, cn);
    log_msg(LOG_LEVEL_DEBUG, "connection 0x%03x ended, reason 0x%02x", cn->handle, reason);
    if (quiet || !(c->event_mask & HCI_EVENT_MASK_DISCONN_COMPLETE))
        return;
    uint8_t ev[4] = {HCI_SUCCESS};
    put_le16(ev + 1, cn->handle);
    ev[3] = reason;
    ctrl_send_event(c, HCI_EV_DISCONN_COMPLETE, ev, sizeof(ev));
}

void ll_conn_reset(struct controller *c)
{
    for (int i = 0; i < LL_MAX_CONNS; i++)
        if (c->conns[i].in_use)
            ll_conn_end(&c->conns[i], HCI_ERR_LOCAL_HOST_TERM, true);
    c->next_handle = 0;
}

void ll_conn_supervise(struct ll_conn *cn)
{
    uint64_t due = cn->established ? cn->last_rx + (uint64_t)cn->params.timeout * UNIT_TIMEOUT_US
                                   : cn->established_by;
    radio_timer_arm(conn_radio(cn), &cn->supervision, due);
}

/* Not established within 6 intervals: 0x3E (4.5.2); then silence for the
 * supervision timeout: 0x08 (4.5.2), or 0x16 if our LL_TERMINATE_IND went
 * unacknowledged that long (5.1.3). */
static void conn_supervision(struct timer *t, void *ctx)
{
    struct ll_conn *cn = ctx;
    uint64_t now = radio_now(conn_radio(cn));
    if (!cn->established) {
        if (now >= cn->established_by)
            ll_conn_end(cn, HCI_ERR_CONN_FAILED_TO_ESTABLISH, false);
        else
            ll_conn_supervise(cn);
        return;
    }
    if (now >= cn->last_rx + (uint64_t)cn->params.timeout * UNIT_TIMEOUT_US)
        ll_conn_end(cn, cn->terminating ? HCI_ERR_LOCAL_HOST_TERM : HCI_ERR_CONN_TIMEOUT, false);
    else
        ll_conn_supervise(cn);
}

void ll_conn_kick(struct ll_conn *cn)
{
    if (!conn_fast(cn))
        return;
    if (cn->role == HCI_ROLE_PERIPHERAL) {
        radio_link_kick(conn_radio(cn), cn->link);
        return;
    }
    cn->kicked = true;
    radio_timer_arm(conn_radio(cn), &cn->event_timer, radio_now(conn_radio(cn)));
}

void ll_conn_link_kick(struct controller *c, int link)
{
    struct ll_conn *cn = conn_by_link(c, link, HCI_ROLE_CENTRAL);
    if (cn)
        ll_conn_kick(cn);
}

void ll_conn_host_ready(struct controller *c)
{
    for (int i = 0; i < LL_MAX_CONNS; i++) {
        struct ll_conn *cn = &c->conns[i];
        if (cn->in_use && cn->refused) {
            cn->refused = false;
            ll_conn_kick(cn);
        }
    }
}

/* ---- PDUs ---- */

/* Payload octets that fit in time us at phy, MIC room included (4.5.10). */
static uint16_t octets_in_time(uint8_t phy, uint16_t time)
{
    int overhead = phy == AIR_PHY_2M ? 15 : 14; /* preamble, AA, header, MIC, CRC */
    int octets = time / (phy == AIR_PHY_2M ? 4 : 8) - overhead;
    return (uint16_t)(octets < LL_DATA_OCTETS_MIN ? LL_DATA_OCTETS_MIN : octets);
}

/* Host data to send, unless an encryption procedure holds it back (5.1.3). */
static bool data_ready(const struct ll_conn *cn)
{
    return ll_acl_pending(cn) && !cn->enc.paused;
}

static bool acl_waiting(const struct ll_conn *cn)
{
    return cn->cq_count > 0 || data_ready(cn);
}

/* What goes on the air: the PDU, or its encrypted form (Vol 6 Part E). */
static const uint8_t *conn_air(const struct ll_conn *cn)
{
    return cn->tx_sealed ? cn->txe : cn->tx;
}

/* The next PDU into cn->tx: the one in flight again, else a control PDU, else
 * data, else an empty PDU. limit (0: none): the time a new non-empty PDU sent at
 * start must end by. must: send an empty PDU rather than nothing. Returns the PDU
 * length, or 0 for nothing. */
static unsigned conn_build(struct ll_conn *cn, uint64_t start, uint64_t limit, bool must)
{
    struct controller *c = cn->ctrl;
    if (!cn->tx_busy) {
        uint16_t fit = octets_in_time(cn->tx_phy, cn->eff_tx_time);
        uint8_t max = (uint8_t)(fit < cn->eff_tx_octets ? fit : cn->eff_tx_octets);
        /* The PDU actually next, so that a short one still fits at the event's end. */
        uint8_t want = cn->cq_count ? cn->cq_len[cn->cq_head]
                                    : (data_ready(cn) ? ll_acl_next_len(c, cn, max) : 0);
        uint8_t mic = want && cn->enc.tx ? LL_MIC_LEN : 0;
        bool fits = !limit || start + air_time(cn->tx_phy, 2u + want + mic) <= limit;
        if (!must && (!fits || want == 0) && !cn->peer_md)
            return 0;
        if (want && fits && cn->cq_count) {
            uint8_t i = cn->cq_head;
            cn->tx_kind = LL_TX_CTRL;
            cn->tx[0] = LL_LLID_CTRL;
            cn->tx[1] = cn->cq_len[i];
            memcpy(cn->tx + 2, cn->cq[i], cn->cq_len[i]);
            cn->cq_head = (uint8_t)((i + 1) % LL_CTRL_QUEUE);
            cn->cq_count--;
        } else if (want && fits) {
            uint8_t llid;
            cn->tx_kind = LL_TX_DATA;
            cn->tx_piece = ll_acl_next(c, cn, cn->tx + 2, max, &llid);
            cn->tx[0] = llid;
            cn->tx[1] = cn->tx_piece;
        } else {
            cn->tx_kind = LL_TX_EMPTY;
            cn->tx[0] = LL_LLID_CONT;
            cn->tx[1] = 0;
        }
        cn->tx_busy = true;
        ll_enc_seal(cn);
    }
    cn->tx[0] = (uint8_t)((cn->tx[0] & LL_LLID_MASK) | (cn->nesn ? LL_NESN : 0) |
                          (cn->sn ? LL_SN : 0) | (acl_waiting(cn) ? LL_MD : 0));
    cn->txe[0] = cn->tx[0];
    return 2u + conn_air(cn)[1];
}

/* Whether the host can take what a new PDU brings: data with the event reserve
 * left, a control PDU with room for the events it raises (controller.h). A PDU
 * not taken is not acknowledged (NESN kept, 4.5.9): the peer sends it again, as
 * to a controller whose buffers to its host are full. */
static bool conn_can_take(struct ll_conn *cn, uint8_t llid, uint8_t len)
{
    struct controller *c = cn->ctrl;
    if (len == 0)
        return true;
    bool ok = llid == LL_LLID_CTRL
                  ? ctrl_host_room(c, 0, CONTROLLER_CTRL_EVENT_ROOM)
                  : ctrl_host_room(c, 1u + HCI_ACL_HDR + len, CONTROLLER_EVENT_RESERVE);
    cn->refused = !ok;
    c->host_refused = c->host_refused || !ok;
    return ok;
}

/* A new PDU taken from the peer: to the LL control procedures or the host. */
static void conn_deliver(struct ll_conn *cn, uint8_t llid, const uint8_t *payload, uint8_t len)
{
    switch (llid) {
    case LL_LLID_CTRL:
        if (len == 0)
            log_msg(LOG_LEVEL_WARN, "connection 0x%03x: empty LL control PDU ignored", cn->handle);
        else
            ll_ctrl_receive(cn, payload, len);
        break;
    case LL_LLID_START:
    case LL_LLID_CONT:
        if (len > 0)
            ll_acl_to_host(cn->ctrl, cn, llid, payload, len);
        else if (llid == LL_LLID_START)
            log_msg(LOG_LEVEL_WARN, "connection 0x%03x: empty start PDU ignored", cn->handle);
        break;
    default:
        log_msg(LOG_LEVEL_WARN, "connection 0x%03x: data PDU with reserved LLID 0 ignored",
                cn->handle);
    }
}

/* A new non-empty PDU's payload in the clear: decrypted into plain on an encrypted
 * link (Vol 6 Part E). A MIC failure, or a data PDU while the encryption start
 * allows none (Vol 6 Part B 5.1.3.1), ends the link at once with 0x3D: false. */
static bool conn_open(struct ll_conn *cn, uint8_t hdr, const uint8_t **payload, uint8_t *len,
                      uint8_t plain[LL_DATA_MAX])
{
    if (*len == 0)
        return true;
    if (cn->enc.rx) {
        if (!ll_enc_open(cn, hdr, *payload, *len, plain)) {
            log_msg(LOG_LEVEL_INFO, "connection 0x%03x: MIC failure", cn->handle);
            ll_conn_end(cn, HCI_ERR_MIC_FAILURE, false);
            return false;
        }
        *payload = plain;
        *len = (uint8_t)(*len - LL_MIC_LEN);
    }
    if (ll_enc_unexpected(cn, hdr & LL_LLID_MASK)) {
        log_msg(LOG_LEVEL_INFO, "connection 0x%03x: data PDU during the encryption start",
                cn->handle);
        ll_conn_end(cn, HCI_ERR_MIC_FAILURE, false);
        return false;
    }
    return true;
}

/* A PDU from the peer (4.5.9). Returns false if it could not be decoded (as a
 * CRC error: not heard). */
static bool conn_rx(struct ll_conn *cn, const struct air_pdu *pdu)
{
    struct controller *c = cn->ctrl;
    unsigned max = LL_DATA_MAX + (cn->enc.rx ? LL_MIC_LEN : 0);
    if (pdu->len < 2 || pdu->len != 2u + pdu->pdu[1] || pdu->pdu[1] > max) {
        log_msg(LOG_LEVEL_WARN, "connection 0x%03x: undecodable data PDU (%zu octets) ignored",
                cn->handle, pdu->len);
        return false;
    }
    uint8_t hdr = pdu->pdu[0], len = pdu->pdu[1], plain[LL_DATA_MAX];
    const uint8_t *payload = pdu->pdu + 2;
    cn->last_rx = pdu->start;
    if (!cn->established) {
        cn->established = true;
        ll_conn_supervise(cn);
    }
    cn->peer_md = hdr & LL_MD;
    /* NESN other than our SN: what we sent is acknowledged. */
    if (cn->tx_busy && !!(hdr & LL_NESN) != cn->sn) {
        cn->sn ^= 1;
        cn->tx_busy = false;
        cn->moved = cn->moved || cn->tx_kind != LL_TX_EMPTY;
        if (cn->tx_kind == LL_TX_DATA)
            ll_acl_acked(c, cn);
        else if (cn->tx_kind == LL_TX_CTRL)
            ll_ctrl_acked(cn, cn->tx + 2);
        if (!cn->in_use)
            return true;
    }
    /* SN equal to our NESN: new; else a resent PDU, already taken. A PDU not taken
     * comes again with the same packet counter. */
    bool sealed = cn->enc.rx && len > 0;
    if (!!(hdr & LL_SN) != cn->nesn || !conn_open(cn, hdr, &payload, &len, plain) ||
        !conn_can_take(cn, hdr & LL_LLID_MASK, len))
        return true;
    cn->enc.rx_ctr += sealed;
    cn->nesn ^= 1;
    cn->moved = cn->moved || len > 0;
    conn_deliver(cn, hdr & LL_LLID_MASK, payload, len);
    return true;
}

/* ---- the central: connection events ---- */

static void conn_event(struct timer *t, void *ctx)
{
    struct ll_conn *cn = ctx;
    struct controller *c = cn->ctrl;
    bool fast = conn_fast(cn);
    ll_ctrl_instants(cn);
    if (!cn->in_use)
        return;
    uint64_t start = fast ? radio_now(&c->radio) : cn->anchor;
    uint64_t end = start + interval_us(cn) - AIR_T_IFS_US; /* real timing */
    struct air_pdu tx = {.channel = csa1_next(cn), .event = cn->event};
    uint8_t buf[AIR_PDU_MAX];
    struct air_pdu rx;
    bool heard = false;
    cn->kicked = false;
    uint64_t at = start;
    for (unsigned n = 0; !fast || n < FAST_EXCHANGES_MAX; n++) {
        /* Room for this PDU and an empty answer, each T_IFS after the last. */
        uint32_t reply_min = AIR_T_IFS_US + air_time(cn->rx_phy, EMPTY_PDU_LEN);
        if (!fast && n > 0 && at + air_time(cn->tx_phy, EMPTY_PDU_LEN) + reply_min > end)
            break;
        unsigned len = conn_build(cn, at, fast ? 0 : end - reply_min, n == 0);
        if (len == 0)
            break;
        tx.start = at;
        tx.pdu = conn_air(cn);
        tx.phy = cn->tx_phy;
        tx.duration = air_time(cn->tx_phy, len);
        tx.len = len;
        bool acking_terminate = cn->terminated_by_peer;
        heard = radio_link_exchange(&c->radio, cn->link, &tx, &rx, buf);
        if (acking_terminate) { /* that PDU acknowledged the LL_TERMINATE_IND */
            ll_conn_end(cn, cn->term_reason, false);
            return;
        }
        at += tx.duration + AIR_T_IFS_US;
        if (!heard || !conn_rx(cn, &rx))
            break; /* nothing heard closes the event (4.5.6) */
        if (!cn->in_use)
            return;
        at = rx.start + rx.duration + AIR_T_IFS_US;
        if (!(cn->tx[0] & LL_MD) && !cn->peer_md && !cn->terminated_by_peer)
            break; /* both MD bits 0 (4.5.6) */
        /* Fast timing: a side that cannot take data now (the PDU in flight not
         * acknowledged, or ours refused) ends the event rather than spin; the host's
         * room coming back runs the next one (ll_conn_host_ready). */
        if (fast && (cn->tx_busy || cn->refused))
            break;
    }
    ll_acl_report_completed_soon(c);
    cn->event++;
    cn->anchor = start + interval_us(cn);
    /* Fast timing: after an event where nothing was heard (a PDU lost either way)
     * the next comes at once too, a few times in a row; then on the clock, so that
     * a link that hears nothing at all reaches its supervision timeout. */
    if (heard)
        cn->unheard = 0;
    else if (cn->unheard < FAST_RETRIES)
        cn->unheard++;
    bool again = heard ? cn->kicked || acl_waiting(cn) || cn->peer_md || cn->terminated_by_peer ||
                             ll_ctrl_instant_pending(cn)
                       : cn->unheard < FAST_RETRIES;
    /* Nor more than a few in a row that move nothing (a peer that keeps its MD bit
     * set with nothing to send, an instant far ahead): else the clock, which must
     * go on, stands still. */
    cn->idle_rerun = cn->moved ? 0 : (uint8_t)(cn->idle_rerun + (cn->idle_rerun < UINT8_MAX));
    cn->moved = false;
    if (cn->idle_rerun > FAST_IDLE_RERUNS)
        again = false;
    radio_timer_arm(&c->radio, t, fast && again ? radio_now(&c->radio) : cn->anchor);
}

/* ---- the peripheral: answering ---- */

size_t ll_conn_link_receive(struct controller *c, int link, const struct air_pdu *pdu,
                            uint8_t *reply, uint8_t *phy)
{
    struct ll_conn *cn = conn_by_link(c, link, HCI_ROLE_PERIPHERAL);
    if (!cn)
        return 0;
    if (!cn->established || pdu->event != cn->event) { /* a new connection event */
        cn->event = pdu->event;
        cn->anchor = pdu->start;
        ll_ctrl_instants(cn);
        if (!cn->in_use)
            return 0;
    }
    if (!conn_rx(cn, pdu) || !cn->in_use)
        return 0;
    uint64_t start = pdu->start + pdu->duration + AIR_T_IFS_US;
    uint64_t limit = conn_fast(cn) ? 0 : cn->anchor + interval_us(cn) - AIR_T_IFS_US;
    unsigned len = conn_build(cn, start, limit, true);
    memcpy(reply, conn_air(cn), len);
    *phy = cn->tx_phy;
    if (cn->terminated_by_peer) /* this answer acknowledges the LL_TERMINATE_IND */
        ll_conn_end(cn, cn->term_reason, false);
    else
        ll_acl_report_completed_soon(c);
    return len;
}
