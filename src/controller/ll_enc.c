/* ll_enc.c - LE encryption in the virtual controller: the encryption start
 * procedure (Core v5.4 Vol 6 Part B 5.1.3.1) and the encryption pause procedure
 * that precedes a new start on an encrypted link (5.1.3.2, a key refresh); the HCI
 * commands LE Enable Encryption and LE Long Term Key Request (Negative) Reply (Vol
 * 4 Part E 7.8.24-26) and the events Encryption Change (7.7.8, 7.7.8.1 v2),
 * Encryption Key Refresh Complete (7.7.39) and LE Long Term Key Request
 * (7.7.65.5); the AES-CCM of every non-empty PDU once the link is encrypted (Vol 6
 * Part E, src/crypto/ccm.c).
 *
 * The switches of each side, in order (5.1.3.1): the peripheral receives in
 * encrypted form from the time it sends LL_START_ENC_REQ (in the clear); the
 * central sends and receives encrypted from the time it receives that PDU, and
 * answers LL_START_ENC_RSP; the peripheral sends encrypted from the time it
 * receives it, and answers the same. A pause (5.1.3.2) undoes them the same way:
 * the peripheral receives in the clear after sending its (encrypted)
 * LL_PAUSE_ENC_RSP; the central sends and receives in the clear after receiving
 * it, and answers LL_PAUSE_ENC_RSP in the clear; the peripheral sends in the clear
 * after receiving that. Data PDUs wait from the host's command (central) or
 * LL_ENC_REQ / LL_PAUSE_ENC_REQ (peripheral) to the procedure's end. */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"
#include "crypto/ccm.h"

#define KEY_SIZE 16 /* octets of the LTK used: always all of them */

/* ---- events to the host ---- */

/* Encryption Change: v2 (with the key size) if the host unmasked it, else v1
 * (Vol 4 Part E 7.7.8, 7.7.8.1, 7.3.69). */
static void ev_enc_change(struct ll_conn *cn, uint8_t status)
{
    struct controller *c = cn->ctrl;
    uint8_t ev[5] = {status};
    put_le16(ev + 1, cn->handle);
    ev[3] = status == HCI_SUCCESS; /* Encryption_Enabled: 0x01 AES-CCM */
    ev[4] = status == HCI_SUCCESS ? KEY_SIZE : 0;
    if (c->event_mask_page2 & HCI_EVENT_MASK2_ENCRYPT_CHANGE_V2)
        ctrl_send_event(c, HCI_EV_ENCRYPT_CHANGE_V2, ev, 5);
    else if (c->event_mask & HCI_EVENT_MASK_ENCRYPT_CHANGE)
        ctrl_send_event(c, HCI_EV_ENCRYPT_CHANGE, ev, 4);
}

static void ev_key_refresh(struct ll_conn *cn)
{
    if (!(cn->ctrl->event_mask & HCI_EVENT_MASK_KEY_REFRESH_COMPLETE))
        return;
    uint8_t ev[3] = {HCI_SUCCESS};
    put_le16(ev + 1, cn->handle);
    ctrl_send_event(cn->ctrl, HCI_EV_ENCRYPT_KEY_REFRESH_COMPLETE, ev, sizeof(ev));
}

/* ---- the procedure ---- */

static void enc_idle(struct ll_enc *e)
{
    e->state = LL_ENC_IDLE;
    e->paused = false;
    e->refresh = false;
}

/* The end of a start: the hosts hear of it (the peripheral's only of a success:
 * Vol 6 Part D 6.7), data flows again and so do other procedures. */
static void enc_end(struct ll_conn *cn, uint8_t status)
{
    struct ll_enc *e = &cn->enc;
    bool refresh = e->refresh;
    e->on = status == HCI_SUCCESS;
    enc_idle(e);
    if (refresh && status == HCI_SUCCESS)
        ev_key_refresh(cn);
    else if (cn->role == HCI_ROLE_CENTRAL || status == HCI_SUCCESS)
        ev_enc_change(cn, status);
    ll_ctrl_proc_end(cn, LL_PROC_ENC);
    ll_conn_kick(cn);
}

static void enc_key(struct ll_conn *cn)
{
    struct ll_enc *e = &cn->enc;
    if (ccm_session_key(e->ltk, e->skdm, e->skds, e->sk) < 0)
        log_msg(LOG_LEVEL_ERROR, "connection 0x%03x: no session key: libcrypto failed", cn->handle);
}

/* Central: LL_ENC_REQ (2.4.2.4) with a fresh SKDm and IVm. */
static void send_enc_req(struct ll_conn *cn)
{
    struct ll_enc *e = &cn->enc;
    uint8_t pdu[23] = {LL_ENC_REQ};
    rng_bytes(&cn->ctrl->radio.rng, e->skdm, 8);
    rng_bytes(&cn->ctrl->radio.rng, e->iv, 4);
    memcpy(pdu + 1, e->rand, 8);
    memcpy(pdu + 9, e->ediv, 2);
    memcpy(pdu + 11, e->skdm, 8);
    memcpy(pdu + 19, e->iv, 4);
    e->state = LL_ENC_RSP_WAIT;
    ll_ctrl_send(cn, pdu, sizeof(pdu));
}

static void send_opcode(struct ll_conn *cn, uint8_t opcode)
{
    ll_ctrl_send(cn, &opcode, 1);
}

void ll_enc_run(struct ll_conn *cn)
{
    struct ll_enc *e = &cn->enc;
    if (!e->on) {
        send_enc_req(cn);
        return;
    }
    e->refresh = true;
    e->state = LL_ENC_PAUSE_WAIT;
    send_opcode(cn, LL_PAUSE_ENC_REQ);
}

void ll_enc_refused(struct ll_conn *cn, uint8_t error)
{
    cn->enc.tx = cn->enc.rx = false;
    enc_end(cn, error);
}

/* ---- from the peer: one handler per (PDU, role, state) ---- */

/* Peripheral: a key refresh begins; the answer still goes encrypted. */
static void rx_pause_req(struct ll_conn *cn, const uint8_t *p)
{
    cn->enc.paused = true;
    cn->enc.refresh = true;
    cn->enc.state = LL_ENC_PAUSE_WAIT;
    send_opcode(cn, LL_PAUSE_ENC_RSP);
}

/* Central: encryption off both ways; LL_PAUSE_ENC_RSP in the clear, then the start. */
static void rx_pause_rsp_central(struct ll_conn *cn, const uint8_t *p)
{
    cn->enc.tx = cn->enc.rx = false;
    cn->enc.on = false;
    send_opcode(cn, LL_PAUSE_ENC_RSP);
    send_enc_req(cn);
}

/* Peripheral: sends in the clear too; LL_ENC_REQ comes next. */
static void rx_pause_rsp_peripheral(struct ll_conn *cn, const uint8_t *p)
{
    cn->enc.tx = false;
    cn->enc.on = false;
    cn->enc.state = LL_ENC_IDLE;
}

/* Peripheral: LL_ENC_RSP (2.4.2.5) with a fresh SKDs and IVs, then the host is
 * asked for the LTK; a host that masked the request has none (7.7.65.5). */
static void rx_enc_req(struct ll_conn *cn, const uint8_t *p)
{
    struct ll_enc *e = &cn->enc;
    uint8_t rsp[13] = {LL_ENC_RSP};
    e->paused = true;
    memcpy(e->rand, p + 1, 8);
    memcpy(e->ediv, p + 9, 2);
    memcpy(e->skdm, p + 11, 8);
    memcpy(e->iv, p + 19, 4);
    rng_bytes(&cn->ctrl->radio.rng, e->skds, 8);
    rng_bytes(&cn->ctrl->radio.rng, e->iv + 4, 4);
    memcpy(rsp + 1, e->skds, 8);
    memcpy(rsp + 9, e->iv + 4, 4);
    ll_ctrl_send(cn, rsp, sizeof(rsp));
    e->state = LL_ENC_LTK_WAIT;
    if (!ctrl_le_event_enabled(cn->ctrl, HCI_LE_EV_LTK_REQUEST)) {
        uint8_t h[2], ret[2];
        put_le16(h, cn->handle);
        ll_cmd_ltk_neg_reply(cn->ctrl, h, ret);
        return;
    }
    uint8_t ev[13] = {HCI_LE_EV_LTK_REQUEST};
    put_le16(ev + 1, cn->handle);
    memcpy(ev + 3, e->rand, 8);
    memcpy(ev + 11, e->ediv, 2);
    ctrl_send_le_event(cn->ctrl, ev, sizeof(ev));
}

/* Central: the session key is known; LL_START_ENC_REQ or a reject follows. */
static void rx_enc_rsp(struct ll_conn *cn, const uint8_t *p)
{
    struct ll_enc *e = &cn->enc;
    memcpy(e->skds, p + 1, 8);
    memcpy(e->iv + 4, p + 9, 4);
    enc_key(cn);
    e->state = LL_ENC_START_WAIT;
}

/* Central: encrypted both ways from now, counters from 0; LL_START_ENC_RSP. */
static void rx_start_req(struct ll_conn *cn, const uint8_t *p)
{
    struct ll_enc *e = &cn->enc;
    e->tx = e->rx = true;
    e->tx_ctr = e->rx_ctr = 0;
    e->state = LL_ENC_START_RSP_WAIT;
    send_opcode(cn, LL_START_ENC_RSP);
}

/* Central: the peripheral's LL_START_ENC_RSP ends the procedure. */
static void rx_start_rsp_central(struct ll_conn *cn, const uint8_t *p)
{
    enc_end(cn, HCI_SUCCESS);
}

/* Peripheral: sends encrypted from now, answers and is done. */
static void rx_start_rsp_peripheral(struct ll_conn *cn, const uint8_t *p)
{
    cn->enc.tx = true;
    cn->enc.tx_ctr = 0;
    send_opcode(cn, LL_START_ENC_RSP);
    enc_end(cn, HCI_SUCCESS);
}

static const struct enc_step {
    uint8_t opcode, role;
    enum ll_enc_state state;
    bool on; /* the link must be encrypted (else in the clear) */
    void (*fn)(struct ll_conn *cn, const uint8_t *p);
} steps[] = {
    {LL_PAUSE_ENC_REQ, HCI_ROLE_PERIPHERAL, LL_ENC_IDLE, true, rx_pause_req},
    {LL_PAUSE_ENC_RSP, HCI_ROLE_CENTRAL, LL_ENC_PAUSE_WAIT, true, rx_pause_rsp_central},
    {LL_PAUSE_ENC_RSP, HCI_ROLE_PERIPHERAL, LL_ENC_PAUSE_WAIT, true, rx_pause_rsp_peripheral},
    {LL_ENC_REQ, HCI_ROLE_PERIPHERAL, LL_ENC_IDLE, false, rx_enc_req},
    {LL_ENC_RSP, HCI_ROLE_CENTRAL, LL_ENC_RSP_WAIT, false, rx_enc_rsp},
    {LL_START_ENC_REQ, HCI_ROLE_CENTRAL, LL_ENC_START_WAIT, false, rx_start_req},
    {LL_START_ENC_RSP, HCI_ROLE_CENTRAL, LL_ENC_START_RSP_WAIT, false, rx_start_rsp_central},
    {LL_START_ENC_RSP, HCI_ROLE_PERIPHERAL, LL_ENC_START_RSP_WAIT, false, rx_start_rsp_peripheral},
};

void ll_enc_receive(struct ll_conn *cn, const uint8_t *p)
{
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        const struct enc_step *s = &steps[i];
        if (s->opcode == p[0] && s->role == cn->role && s->state == cn->enc.state &&
            s->on == cn->enc.on) {
            s->fn(cn, p);
            return;
        }
    }
    log_msg(LOG_LEVEL_INFO,
            "connection 0x%03x: LL opcode 0x%02x out of the encryption "
            "procedure (state %d) ignored",
            cn->handle, p[0], (int)cn->enc.state);
}

/* ---- PDUs on an encrypted link ---- */

/* The peripheral's switches on sending (5.1.3.1-2): receiving encrypted after
 * LL_START_ENC_REQ, in the clear after LL_PAUSE_ENC_RSP. */
static void enc_sending(struct ll_conn *cn, uint8_t opcode)
{
    if (cn->role != HCI_ROLE_PERIPHERAL)
        return;
    if (opcode == LL_START_ENC_REQ) {
        cn->enc.rx = true;
        cn->enc.rx_ctr = 0;
    } else if (opcode == LL_PAUSE_ENC_RSP && cn->enc.state == LL_ENC_PAUSE_WAIT) {
        cn->enc.rx = false;
    }
}

static struct ccm_params enc_params(const struct ll_conn *cn, uint64_t counter, bool sending)
{
    bool central = cn->role == HCI_ROLE_CENTRAL;
    return (struct ccm_params){.sk = cn->enc.sk,
                               .iv = cn->enc.iv,
                               .counter = counter,
                               .central_to_peripheral = sending == central};
}

void ll_enc_seal(struct ll_conn *cn)
{
    struct ll_enc *e = &cn->enc;
    if (cn->tx_kind == LL_TX_CTRL)
        enc_sending(cn, cn->tx[2]);
    cn->tx_sealed = e->tx && cn->tx[1] > 0;
    if (!cn->tx_sealed)
        return;
    struct ccm_params p = enc_params(cn, e->tx_ctr++, true);
    if (ccm_encrypt(&p, cn->tx[0], cn->tx + 2, cn->tx[1], cn->txe + 2) < 0)
        log_msg(LOG_LEVEL_ERROR, "connection 0x%03x: libcrypto failed to encrypt", cn->handle);
    cn->txe[1] = (uint8_t)(cn->tx[1] + LL_MIC_LEN);
}

bool ll_enc_open(struct ll_conn *cn, uint8_t hdr, const uint8_t *in, uint8_t len, uint8_t *out)
{
    struct ccm_params p = enc_params(cn, cn->enc.rx_ctr, false);
    return ccm_decrypt(&p, hdr, in, len, out) == 0;
}

bool ll_enc_unexpected(const struct ll_conn *cn, uint8_t llid)
{
    enum ll_enc_state s = cn->enc.state;
    bool window = cn->role == HCI_ROLE_CENTRAL
                      ? s == LL_ENC_START_WAIT || s == LL_ENC_START_RSP_WAIT
                      : s == LL_ENC_LTK_WAIT || s == LL_ENC_START_RSP_WAIT;
    return window && llid != LL_LLID_CTRL;
}

/* ---- HCI commands ---- */

/* 7.8.24: the central starts encryption, or refreshes the key of an encrypted
 * link; one procedure at a time. */
uint8_t ll_cmd_enable_encryption(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = ll_conn_by_handle(c, get_le16(p));
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    struct ll_enc *e = &cn->enc;
    if (cn->role != HCI_ROLE_CENTRAL || e->paused || cn->terminating || cn->terminated_by_peer)
        return HCI_ERR_COMMAND_DISALLOWED;
    memcpy(e->rand, p + 2, 8);
    memcpy(e->ediv, p + 10, 2);
    memcpy(e->ltk, p + 12, 16);
    e->paused = true;
    ll_ctrl_request(cn, LL_PROC_ENC, true);
    return HCI_SUCCESS;
}

/* The peripheral's host answers LE Long Term Key Request: Command Disallowed on a
 * link that awaits no answer (7.8.25-26). */
static struct ll_conn *ltk_asked(struct controller *c, const uint8_t *p, uint8_t *ret,
                                 uint8_t *status)
{
    struct ll_conn *cn = ll_conn_by_handle(c, get_le16(p));
    memcpy(ret, p, 2);
    *status = !cn ? HCI_ERR_UNKNOWN_CONN_ID
                  : (cn->role != HCI_ROLE_PERIPHERAL || cn->enc.state != LL_ENC_LTK_WAIT
                         ? HCI_ERR_COMMAND_DISALLOWED
                         : HCI_SUCCESS);
    return *status == HCI_SUCCESS ? cn : NULL;
}

/* 7.8.25: the session key, then LL_START_ENC_REQ in the clear. */
uint8_t ll_cmd_ltk_reply(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    uint8_t status;
    struct ll_conn *cn = ltk_asked(c, p, ret, &status);
    if (!cn)
        return status;
    memcpy(cn->enc.ltk, p + 2, 16);
    enc_key(cn);
    cn->enc.state = LL_ENC_START_RSP_WAIT;
    send_opcode(cn, LL_START_ENC_REQ);
    return HCI_SUCCESS;
}

/* 7.8.26: LL_REJECT_EXT_IND with PIN or Key Missing (5.1.3.1); the link goes on
 * unencrypted. */
uint8_t ll_cmd_ltk_neg_reply(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    uint8_t status;
    struct ll_conn *cn = ltk_asked(c, p, ret, &status);
    if (!cn)
        return status;
    ll_ctrl_reject(cn, LL_ENC_REQ, HCI_ERR_PIN_OR_KEY_MISSING);
    enc_end(cn, HCI_ERR_PIN_OR_KEY_MISSING);
    return HCI_SUCCESS;
}
