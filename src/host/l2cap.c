/* l2cap.c - L2CAP fixed channels on LE and the LE signalling channel
 * (Core v5.4 Vol 3 Part A 2.1, 3.1, 4). */
#include "host/l2cap.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "host/acl.h"
#include "host/att.h"
#include "host/ble_priv.h"
#include "host/host.h"

/* LE signalling codes (Vol 3 Part A 4). */
#define SIG_COMMAND_REJECT 0x01
#define SIG_CONN_PARAM_UPDATE_REQ 0x12
#define SIG_CONN_PARAM_UPDATE_RSP 0x13
#define SIG_LE_CREDIT_CONN_REQ 0x14
#define SIG_LE_CREDIT_CONN_RSP 0x15
#define SIG_HDR 4 /* code, identifier, length(2) */
#define SIG_MTU 23 /* MTU_sig for LE (Vol 3 Part A 4) */
/* Command Reject reasons (4.1). */
#define REJECT_NOT_UNDERSTOOD 0x0000
#define REJECT_MTU_EXCEEDED 0x0001
/* LE Credit Based Connection results (4.23). */
#define LE_CREDIT_SPSM_NOT_SUPPORTED 0x0002
/* Connection Parameter Update results (4.21). */
#define PARAM_ACCEPTED 0x0000
#define PARAM_REJECTED 0x0001

/* SMP (Vol 3 Part H 3.5): until pairing is supported, every attempt is answered
 * with Pairing Failed, reason Pairing Not Supported. */
#define SMP_PAIRING_REQUEST 0x01
#define SMP_PAIRING_FAILED 0x05
#define SMP_SECURITY_REQUEST 0x0b
#define SMP_REASON_PAIRING_NOT_SUPPORTED 0x05

int l2cap_send(struct host *h, struct conn *c, uint16_t cid, const uint8_t *payload, size_t len)
{
    if (len > 0xffff - L2CAP_HDR)
        return -EMSGSIZE;
    uint8_t hdr[L2CAP_HDR];
    put_le16(hdr, (uint16_t)len);
    put_le16(hdr + 2, cid);
    return acl_queue(h, c, hdr, sizeof hdr, payload, len);
}

bool l2cap_can_send(struct host *h, struct conn *c, size_t len)
{
    return acl_has_room(c, L2CAP_HDR + len);
}

static void sig_send(struct host *h, struct conn *c, uint8_t code, uint8_t ident,
                     const uint8_t *data, size_t len)
{
    uint8_t pdu[SIG_HDR + 16];
    pdu[0] = code;
    pdu[1] = ident;
    put_le16(pdu + 2, (uint16_t)len);
    memcpy(pdu + SIG_HDR, data, len);
    l2cap_send(h, c, L2CAP_CID_LE_SIGNALING, pdu, SIG_HDR + len);
}

static void sig_reject(struct host *h, struct conn *c, uint8_t ident, uint16_t reason)
{
    uint8_t d[2];
    put_le16(d, reason);
    sig_send(h, c, SIG_COMMAND_REJECT, ident, d, sizeof d);
}

/* 4.20: only a central answers; the parameters are checked as the controller would. */
static void on_param_update_req(struct host *h, struct conn *c, uint8_t ident,
                                const uint8_t *d, size_t len)
{
    if (c->role != CONN_ROLE_CENTRAL) {
        sig_reject(h, c, ident, REJECT_NOT_UNDERSTOOD);
        return;
    }
    if (len != 8) {
        sig_reject(h, c, ident, REJECT_NOT_UNDERSTOOD);
        return;
    }
    uint16_t imin = get_le16(d), imax = get_le16(d + 2), lat = get_le16(d + 4),
             to = get_le16(d + 6);
    int rc = conn_update_params(h, c, imin, imax, lat, to);
    uint8_t r[2];
    put_le16(r, rc == 0 ? PARAM_ACCEPTED : PARAM_REJECTED);
    sig_send(h, c, SIG_CONN_PARAM_UPDATE_RSP, ident, r, sizeof r);
}

static void on_signal(struct host *h, struct conn *c, const uint8_t *p, size_t len)
{
    if (len > SIG_MTU) {
        sig_reject(h, c, len >= 2 ? p[1] : 0, REJECT_MTU_EXCEEDED);
        return;
    }
    /* One command per C-frame on LE (4). */
    if (len < SIG_HDR || get_le16(p + 2) != len - SIG_HDR || p[1] == 0)
        return; /* malformed or identifier 0 (invalid): silently discarded */
    uint8_t code = p[0], ident = p[1];
    const uint8_t *d = p + SIG_HDR;
    size_t dlen = len - SIG_HDR;
    switch (code) {
    case SIG_CONN_PARAM_UPDATE_REQ:
        on_param_update_req(h, c, ident, d, dlen);
        break;
    case SIG_CONN_PARAM_UPDATE_RSP: /* this host sends no requests */
    case SIG_LE_CREDIT_CONN_REQ: {
        /* No credit-based channel servers yet: SPSM not supported (4.23). */
        if (dlen != 10)
            return;
        uint8_t r[10] = {0};
        put_le16(r + 8, LE_CREDIT_SPSM_NOT_SUPPORTED);
        sig_send(h, c, SIG_LE_CREDIT_CONN_RSP, ident, r, sizeof r);
        break;
    }
    case SIG_COMMAND_REJECT:
        break;
    default:
        sig_reject(h, c, ident, REJECT_NOT_UNDERSTOOD);
        break;
    }
}

static void on_smp(struct host *h, struct conn *c, const uint8_t *p, size_t len)
{
    if (len < 1 || (p[0] != SMP_PAIRING_REQUEST && p[0] != SMP_SECURITY_REQUEST))
        return;
    uint8_t r[2] = {SMP_PAIRING_FAILED, SMP_REASON_PAIRING_NOT_SUPPORTED};
    l2cap_send(h, c, L2CAP_CID_SMP, r, sizeof r);
}

void l2cap_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    if (len < L2CAP_HDR || get_le16(pdu) != len - L2CAP_HDR)
        return;
    const uint8_t *p = pdu + L2CAP_HDR;
    size_t plen = len - L2CAP_HDR;
    switch (get_le16(pdu + 2)) {
    case L2CAP_CID_ATT:
        att_on_pdu(h, c, p, plen);
        break;
    case L2CAP_CID_LE_SIGNALING:
        on_signal(h, c, p, plen);
        break;
    case L2CAP_CID_SMP:
        on_smp(h, c, p, plen);
        break;
    default:
        break; /* an unknown channel: discarded (Vol 3 Part A 4) */
    }
}
