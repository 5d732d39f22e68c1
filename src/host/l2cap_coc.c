/* l2cap_coc.c - LE credit-based channels (Core v5.4 Vol 3 Part A 4.22-4.24, 10):
 * the servers, each channel's setting up and closing, and the signalling timeout
 * (RTX, 6.2.1). K-frames and credits are l2cap_coc_data.c. */
#include "host/l2cap_coc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "host/conn.h"
#include "host/host.h"
#include "host/l2cap_sig.h"

/* LE Credit Based Connection results (4.23). */
#define RESULT_SUCCESS 0x0000
#define RESULT_SPSM_NOT_SUPPORTED 0x0002
#define RESULT_NO_RESOURCES 0x0004
#define RESULT_INSUFFICIENT_AUTHEN 0x0005
#define RESULT_INSUFFICIENT_AUTHOR 0x0006
#define RESULT_INSUFFICIENT_KEY_SIZE 0x0007
#define RESULT_INSUFFICIENT_ENCRYPT 0x0008
#define RESULT_INVALID_SOURCE_CID 0x0009
#define RESULT_SOURCE_CID_ALLOCATED 0x000a
#define RESULT_UNACCEPTABLE_PARAMS 0x000b
#define RESULT_COUNT 0x000c
/* The LE PSM range (4.22): fixed 0x0001-0x007F, dynamic 0x0080-0x00FF. */
#define PSM_MAX 0x00ff
/* The SDU MTU the API takes (the reference clamps to it). */
#define API_MTU_MIN 32
#define API_MTU_MAX 65535

/* What the initiator's application sees for each refusal (the reference's codes). */
static const uint16_t refusal_status[RESULT_COUNT] = {
    [RESULT_SPSM_NOT_SUPPORTED] = MPBLE_STATUS_L2CAP_NOT_SUPPORTED,
    [RESULT_NO_RESOURCES] = MPBLE_STATUS_L2CAP_NO_RESOURCES,
    [RESULT_INSUFFICIENT_AUTHEN] = MPBLE_STATUS_L2CAP_AUTHEN,
    [RESULT_INSUFFICIENT_AUTHOR] = MPBLE_STATUS_L2CAP_AUTHOR,
    [RESULT_INSUFFICIENT_KEY_SIZE] = MPBLE_STATUS_L2CAP_KEY_SIZE,
    [RESULT_INSUFFICIENT_ENCRYPT] = MPBLE_STATUS_L2CAP_ENCRYPT,
    [RESULT_UNACCEPTABLE_PARAMS] = MPBLE_STATUS_L2CAP_INVALID,
};

/* What each state means when the channel ends without a response: whether the
 * application knows the channel (it gets L2CAP_DISCONNECT), and the status the link
 * going or the RTX running out gives it. */
struct coc_state_rules {
    bool known;
    uint16_t lost_status, timeout_status;
};

static const struct coc_state_rules rules[COC_STATES] = {
    [COC_CONNECTING] = {true, MPBLE_STATUS_LINK_LOST, MPBLE_STATUS_TIMEOUT},
    [COC_ACCEPTING] = {false, 0, 0},
    [COC_OPEN] = {true, 0, 0},
    [COC_DISCONNECTING] = {true, 0, 0},
};

struct mpble_event coc_event(int code, const struct coc_chan *k, uint16_t status)
{
    struct mpble_event ev = {.code = code};
    ev.u.l2cap.conn_handle = k->c->handle;
    ev.u.l2cap.cid = k->ch->scid;
    ev.u.l2cap.psm = k->psm;
    ev.u.l2cap.our_mtu = k->mtu;
    ev.u.l2cap.peer_mtu = k->peer_mtu;
    ev.u.l2cap.status = status;
    return ev;
}

/* ---- channels ---- */

static void rtx_fired(struct host *h, struct host_timer *t);

size_t l2cap_coc_rx_size(uint16_t mtu)
{
    size_t size = 2 * (size_t)mtu + L2CAP_COC_MPS;
    return size < L2CAP_COC_RX_MIN ? L2CAP_COC_RX_MIN : size;
}

/* A channel in state st on c with an entry (a CID) in c's table, and its buffers:
 * l2cap_coc_rx_size to receive, one SDU (at most twice our MTU: reference) to send.
 * NULL when none of these is free. */
static struct coc_chan *chan_new(struct host *h, struct conn *c, enum coc_state st, uint16_t psm,
                                 uint16_t mtu)
{
    struct coc_chan *k = NULL;
    for (unsigned i = 0; i < L2CAP_COC_MAX_CHANS && k == NULL; i++)
        if (h->coc.chans[i].state == COC_FREE)
            k = &h->coc.chans[i];
    struct l2cap_chan *ch = k ? l2cap_dynamic_open(c, &l2cap_coc_chan_ops, k) : NULL;
    if (ch == NULL)
        return NULL;
    size_t rx_cap = l2cap_coc_rx_size(mtu);
    size_t tx_cap = L2CAP_COC_SDU_HDR + 2 * (size_t)mtu;
    uint8_t *buf = malloc(rx_cap + tx_cap);
    if (buf == NULL) {
        l2cap_chan_close(ch);
        return NULL;
    }
    *k = (struct coc_chan){.state = st, .c = c, .ch = ch, .psm = psm, .mtu = mtu};
    k->rx = buf;
    k->rx_cap = rx_cap;
    k->tx = buf + rx_cap;
    k->tx_cap = tx_cap;
    k->rtx.fire = rtx_fired;
    k->our_credits = coc_rx_credits(k);
    return k;
}

static void chan_free(struct host *h, struct coc_chan *k)
{
    host_timer_stop(h, &k->rtx);
    l2cap_chan_close(k->ch);
    free(k->rx);
    *k = (struct coc_chan){.state = COC_FREE};
}

/* Ends k; the application hears of it (L2CAP_DISCONNECT with status) if it knows it. */
static void chan_end(struct host *h, struct coc_chan *k, uint16_t status)
{
    bool known = rules[k->state].known;
    struct mpble_event ev = coc_event(MPBLE_IRQ_L2CAP_DISCONNECT, k, status);
    chan_free(h, k);
    if (known)
        host_emit(h, &ev);
}

static void rtx_fired(struct host *h, struct host_timer *t)
{
    struct coc_chan *k = (struct coc_chan *)((char *)t - offsetof(struct coc_chan, rtx));
    /* 6.2.1: no response; the attempt (or the channel being closed) is over. */
    chan_end(h, k, rules[k->state].timeout_status);
}

/* Our request on c with identifier ident, still waiting in state st: its channel. */
static struct coc_chan *chan_waiting(struct host *h, struct conn *c, uint8_t ident,
                                     enum coc_state st)
{
    for (unsigned i = 0; i < L2CAP_COC_MAX_CHANS; i++) {
        struct coc_chan *k = &h->coc.chans[i];
        if (k->state == st && k->c == c && k->ident == ident)
            return k;
    }
    return NULL;
}

struct coc_chan *coc_open_by_cid(struct conn *c, uint16_t cid)
{
    struct l2cap_chan *ch = cid >= L2CAP_CID_DYN_FIRST ? l2cap_chan_by_cid(c, cid) : NULL;
    struct coc_chan *k = ch ? ch->owner : NULL;
    return k && k->state == COC_OPEN && !c->going_down ? k : NULL;
}

static void send_disconn_req(struct host *h, struct conn *c, uint16_t dcid, uint16_t scid,
                             uint8_t *ident)
{
    uint8_t req[L2CAP_COC_DISCONN_LEN];
    put_le16(req, dcid);
    put_le16(req + 2, scid);
    *ident = l2cap_sig_request(h, c, L2CAP_SIG_DISCONN_REQ, req, sizeof req);
}

/* 4.6: our Disconnection Request; the channel ends at its response or the RTX. */
static void start_disconnect(struct host *h, struct coc_chan *k)
{
    k->state = COC_DISCONNECTING;
    send_disconn_req(h, k->c, k->ch->dcid, k->ch->scid, &k->ident);
    host_timer_start(h, &k->rtx, L2CAP_RTX_US);
}

void coc_violation(struct host *h, struct coc_chan *k)
{
    host_log(h, "L2CAP channel 0x%04x on 0x%03x: the peer broke the protocol; disconnecting",
             k->ch->scid, k->c->handle);
    start_disconnect(h, k);
}

/* ---- the API ---- */

static bool psm_valid(uint16_t psm)
{
    return psm >= 1 && psm <= PSM_MAX;
}

static uint16_t api_mtu(int mtu)
{
    return (uint16_t)(mtu < API_MTU_MIN ? API_MTU_MIN : mtu > API_MTU_MAX ? API_MTU_MAX : mtu);
}

int l2cap_coc_listen(struct host *h, uint16_t psm, int mtu)
{
    if (!psm_valid(psm))
        return -EINVAL;
    struct coc_server *slot = NULL;
    for (unsigned i = 0; i < MPBLE_L2CAP_MAX_LISTEN; i++) {
        struct coc_server *s = &h->coc.servers[i];
        if (s->psm == psm)
            return -EALREADY;
        if (s->psm == 0 && slot == NULL)
            slot = s;
    }
    if (slot == NULL)
        return -ENOMEM;
    *slot = (struct coc_server){psm, api_mtu(mtu)};
    return 0;
}

static void put_conn_params(uint8_t *p, const struct coc_chan *k)
{
    put_le16(p, k->ch->scid);
    put_le16(p + 2, k->mtu);
    put_le16(p + 4, L2CAP_COC_MPS);
    put_le16(p + 6, k->our_credits);
}

/* 4.22: our LE Credit Based Connection Request. */
int l2cap_coc_connect(struct host *h, struct conn *c, uint16_t psm, int mtu)
{
    if (!psm_valid(psm))
        return -EINVAL;
    if (c->disconnecting || c->going_down)
        return -ENOTCONN;
    struct coc_chan *k = chan_new(h, c, COC_CONNECTING, psm, api_mtu(mtu));
    if (k == NULL)
        return -ENOMEM;
    uint8_t req[L2CAP_COC_CONN_REQ_LEN];
    put_le16(req, psm);
    put_conn_params(req + 2, k);
    k->ident = l2cap_sig_request(h, c, L2CAP_SIG_LE_CREDIT_CONN_REQ, req, sizeof req);
    host_timer_start(h, &k->rtx, L2CAP_RTX_US);
    return 0;
}

int l2cap_coc_disconnect(struct host *h, struct conn *c, uint16_t cid)
{
    struct coc_chan *k = coc_open_by_cid(c, cid);
    if (k == NULL)
        return c->going_down ? -ENOTCONN : -EINVAL;
    start_disconnect(h, k);
    return 0;
}

/* ---- the peer's requests ---- */

static const struct coc_server *server_of(struct host *h, uint16_t psm)
{
    for (unsigned i = 0; i < MPBLE_L2CAP_MAX_LISTEN; i++)
        if (h->coc.servers[i].psm == psm && psm != 0)
            return &h->coc.servers[i];
    return NULL;
}

/* The security the server asks of the link (4.23: insufficient authentication,
 * authorization, encryption key size, encryption). Servers ask for none until the
 * Security Manager pairs: every link is good enough. */
static uint16_t security_result(const struct coc_server *s, const struct conn *c)
{
    return RESULT_SUCCESS;
}

/* 4.23: what the request's fields allow; *k the channel set up for it. */
static uint16_t request_result(struct host *h, struct conn *c, const uint8_t *req,
                               struct coc_chan **k)
{
    const struct coc_server *s = server_of(h, get_le16(req));
    uint16_t scid = get_le16(req + 2), mtu = get_le16(req + 4), mps = get_le16(req + 6);
    if (s == NULL)
        return RESULT_SPSM_NOT_SUPPORTED;
    uint16_t security = security_result(s, c);
    if (security != RESULT_SUCCESS)
        return security;
    if (scid < L2CAP_CID_DYN_FIRST || scid > L2CAP_CID_DYN_LAST)
        return RESULT_INVALID_SOURCE_CID;
    if (l2cap_chan_by_dcid(c, scid) != NULL)
        return RESULT_SOURCE_CID_ALLOCATED;
    if (mtu < L2CAP_COC_MIN || mps < L2CAP_COC_MIN || mps > L2CAP_COC_MPS_MAX)
        return RESULT_UNACCEPTABLE_PARAMS;
    *k = chan_new(h, c, COC_ACCEPTING, s->psm, s->mtu);
    if (*k == NULL)
        return RESULT_NO_RESOURCES;
    (*k)->ch->dcid = scid;
    (*k)->peer_mtu = mtu;
    (*k)->peer_mps = mps;
    (*k)->peer_credits = get_le16(req + 8);
    return RESULT_SUCCESS;
}

/* L2CAP_ACCEPT: whether the application takes k. It may answer on another thread,
 * the host lock lent meanwhile (mpble.h): k may have ended with its link then. */
static bool accepted(struct host *h, struct coc_chan *k)
{
    struct mpble_event ev = coc_event(MPBLE_IRQ_L2CAP_ACCEPT, k, 0);
    int refused = host_emit(h, &ev);
    if (k->state != COC_ACCEPTING)
        return false;
    if (refused)
        chan_free(h, k);
    return !refused;
}

void l2cap_coc_conn_req(struct host *h, struct conn *c, uint8_t ident, const uint8_t *req)
{
    uint8_t rsp[L2CAP_COC_CONN_RSP_LEN] = {0}; /* refused: all but the result 0 (4.23) */
    struct coc_chan *k = NULL;
    uint16_t result = request_result(h, c, req, &k);
    if (result == RESULT_SUCCESS && !accepted(h, k))
        result = RESULT_NO_RESOURCES;
    if (result == RESULT_SUCCESS) {
        k->state = COC_OPEN;
        put_conn_params(rsp, k);
    }
    put_le16(rsp + 8, result);
    l2cap_sig_send(h, c, L2CAP_SIG_LE_CREDIT_CONN_RSP, ident, rsp, sizeof rsp);
    if (result == RESULT_SUCCESS) {
        struct mpble_event ev = coc_event(MPBLE_IRQ_L2CAP_CONNECT, k, 0);
        host_emit(h, &ev);
    }
}

int l2cap_coc_disconn_req(struct host *h, struct conn *c, const uint8_t *req, uint8_t *rsp)
{
    uint16_t dcid = get_le16(req), scid = get_le16(req + 2);
    memcpy(rsp, req, L2CAP_COC_DISCONN_LEN); /* the response repeats both CIDs (4.7) */
    struct l2cap_chan *ch = dcid >= L2CAP_CID_DYN_FIRST ? l2cap_chan_by_cid(c, dcid) : NULL;
    struct coc_chan *k = ch ? ch->owner : NULL;
    if (k == NULL || ch->dcid != scid || (k->state != COC_OPEN && k->state != COC_DISCONNECTING))
        return -EINVAL;
    chan_end(h, k, 0);
    return 0;
}

/* ---- the peer's answers to ours ---- */

/* A response's destination CID is one the link may use for a new channel. */
static bool dcid_free(struct conn *c, uint16_t dcid)
{
    return dcid >= L2CAP_CID_DYN_FIRST && dcid <= L2CAP_CID_DYN_LAST &&
           l2cap_chan_by_dcid(c, dcid) == NULL;
}

void l2cap_coc_conn_rsp(struct host *h, struct conn *c, uint8_t ident, const uint8_t *rsp)
{
    struct coc_chan *k = chan_waiting(h, c, ident, COC_CONNECTING);
    if (k == NULL)
        return; /* answers nothing of ours (any more): discarded (4) */
    uint16_t dcid = get_le16(rsp), mtu = get_le16(rsp + 2), mps = get_le16(rsp + 4);
    uint16_t result = get_le16(rsp + 8);
    if (result != RESULT_SUCCESS) {
        uint16_t status = result < RESULT_COUNT ? refusal_status[result] : 0;
        chan_end(h, k, status ? status : MPBLE_STATUS_L2CAP_UNKNOWN);
        return;
    }
    if (!dcid_free(c, dcid) || mtu < L2CAP_COC_MIN || mps < L2CAP_COC_MIN ||
        mps > L2CAP_COC_MPS_MAX) {
        /* A channel the peer thinks open, with parameters we cannot use: closed. */
        uint8_t unused;
        if (dcid >= L2CAP_CID_DYN_FIRST && dcid <= L2CAP_CID_DYN_LAST)
            send_disconn_req(h, c, dcid, k->ch->scid, &unused);
        chan_end(h, k, MPBLE_STATUS_L2CAP_INVALID);
        return;
    }
    host_timer_stop(h, &k->rtx);
    k->ch->dcid = dcid;
    k->peer_mtu = mtu;
    k->peer_mps = mps;
    k->peer_credits = get_le16(rsp + 6);
    k->state = COC_OPEN;
    struct mpble_event ev = coc_event(MPBLE_IRQ_L2CAP_CONNECT, k, 0);
    host_emit(h, &ev);
}

void l2cap_coc_disconn_rsp(struct host *h, struct conn *c, uint8_t ident, const uint8_t *rsp)
{
    struct coc_chan *k = chan_waiting(h, c, ident, COC_DISCONNECTING);
    if (k != NULL && get_le16(rsp) == k->ch->dcid && get_le16(rsp + 2) == k->ch->scid)
        chan_end(h, k, 0);
}

void l2cap_coc_rejected(struct host *h, struct conn *c, uint8_t ident)
{
    struct coc_chan *k = chan_waiting(h, c, ident, COC_CONNECTING);
    if (k != NULL)
        chan_end(h, k, MPBLE_STATUS_L2CAP_NOT_SUPPORTED);
    else if ((k = chan_waiting(h, c, ident, COC_DISCONNECTING)) != NULL)
        chan_end(h, k, 0); /* the peer knows no such channel: it is closed */
}

/* ---- the host ---- */

void l2cap_coc_link_down(struct host *h, struct conn *c)
{
    for (unsigned i = 0; i < L2CAP_COC_MAX_CHANS; i++) {
        struct coc_chan *k = &h->coc.chans[i];
        if (k->state != COC_FREE && k->c == c)
            chan_end(h, k, rules[k->state].lost_status);
    }
}

void l2cap_coc_free(struct host *h)
{
    for (unsigned i = 0; i < L2CAP_COC_MAX_CHANS; i++) {
        free(h->coc.chans[i].rx);
        h->coc.chans[i].rx = NULL;
    }
}
