/* l2cap_sig.c - the LE signalling channel (Core v5.4 Vol 3 Part A 4): one command
 * per C-frame, each checked against the length the spec gives it, then handled by
 * the entry of its code in the table below. */
#include "host/l2cap_sig.h"

#include <stdbool.h>
#include <string.h>

#include "common/bytes.h"
#include "host/conn.h"
#include "host/l2cap_coc.h"

/* LE signalling codes (Vol 3 Part A 4, Table 4.2). */
#define SIG_COMMAND_REJECT 0x01
#define SIG_DISCONN_RSP 0x07
#define SIG_CONN_PARAM_UPDATE_REQ 0x12
#define SIG_CONN_PARAM_UPDATE_RSP 0x13
#define SIG_CREDIT_CONN_RSP 0x18
#define SIG_CREDIT_RECONF_RSP 0x1a
#define SIG_HDR 4       /* code, identifier, length(2) */
#define SIG_DATA_MAX 16 /* the longest command this host sends */
/* Command Reject reasons (4.1). */
#define REJECT_NOT_UNDERSTOOD 0x0000
#define REJECT_MTU_EXCEEDED 0x0001
#define REJECT_INVALID_CID 0x0002
/* Connection Parameter Update results (4.21). */
#define PARAM_ACCEPTED 0x0000
#define PARAM_REJECTED 0x0001

/* A command's handler: it writes its answer's data to rsp (*rsp_len octets, at most
 * SIG_DATA_MAX) and returns the answer's code, or 0 for no answer. */
typedef uint8_t (*sig_fn)(struct host *h, struct conn *c, uint8_t ident, const uint8_t *d,
                          size_t len, uint8_t *rsp, size_t *rsp_len);

struct sig_command {
    uint8_t len;   /* the command's data length */
    bool at_least; /* ... or its least (the rest is the command's to read) */
    bool response; /* answers a request: never answered; without a handler, discarded */
    sig_fn handle;
};

static uint8_t reject(uint16_t reason, uint8_t *rsp, size_t *rsp_len)
{
    put_le16(rsp, reason);
    *rsp_len = 2;
    return SIG_COMMAND_REJECT;
}

/* 4.20: only a central answers; the parameters are checked as the controller would. */
static uint8_t on_param_update_req(struct host *h, struct conn *c, uint8_t ident, const uint8_t *d,
                                   size_t len, uint8_t *rsp, size_t *rsp_len)
{
    if (c->role != CONN_ROLE_CENTRAL)
        return reject(REJECT_NOT_UNDERSTOOD, rsp, rsp_len);
    int rc = conn_update_params(h, c, get_le16(d), get_le16(d + 2), get_le16(d + 4),
                                get_le16(d + 6));
    put_le16(rsp, rc == 0 ? PARAM_ACCEPTED : PARAM_REJECTED);
    *rsp_len = 2;
    return SIG_CONN_PARAM_UPDATE_RSP;
}

/* The credit-based channels' commands: l2cap_coc.c answers a connection request
 * itself (before the channel's connect event). */
static uint8_t on_le_credit_conn_req(struct host *h, struct conn *c, uint8_t ident,
                                     const uint8_t *d, size_t len, uint8_t *rsp, size_t *rsp_len)
{
    l2cap_coc_conn_req(h, c, ident, d);
    return 0;
}

static uint8_t on_le_credit_conn_rsp(struct host *h, struct conn *c, uint8_t ident,
                                     const uint8_t *d, size_t len, uint8_t *rsp, size_t *rsp_len)
{
    l2cap_coc_conn_rsp(h, c, ident, d);
    return 0;
}

static uint8_t on_disconn_req(struct host *h, struct conn *c, uint8_t ident, const uint8_t *d,
                              size_t len, uint8_t *rsp, size_t *rsp_len)
{
    /* A CID of no channel: Command Reject, Invalid CID, with the request's CIDs (4.1). */
    if (l2cap_coc_disconn_req(h, c, d, rsp + 2) < 0) {
        put_le16(rsp, REJECT_INVALID_CID);
        *rsp_len = 2 + L2CAP_COC_DISCONN_LEN;
        return SIG_COMMAND_REJECT;
    }
    memmove(rsp, rsp + 2, L2CAP_COC_DISCONN_LEN);
    *rsp_len = L2CAP_COC_DISCONN_LEN;
    return SIG_DISCONN_RSP;
}

static uint8_t on_disconn_rsp(struct host *h, struct conn *c, uint8_t ident, const uint8_t *d,
                              size_t len, uint8_t *rsp, size_t *rsp_len)
{
    l2cap_coc_disconn_rsp(h, c, ident, d);
    return 0;
}

static uint8_t on_credits(struct host *h, struct conn *c, uint8_t ident, const uint8_t *d,
                          size_t len, uint8_t *rsp, size_t *rsp_len)
{
    l2cap_coc_credits(h, c, d);
    return 0;
}

static uint8_t on_command_reject(struct host *h, struct conn *c, uint8_t ident, const uint8_t *d,
                                 size_t len, uint8_t *rsp, size_t *rsp_len)
{
    l2cap_coc_rejected(h, c, ident);
    return 0;
}

/* The commands this host takes; any other request is not understood (4.1). A
 * response that matches no request of ours is discarded (4). */
static const struct sig_command commands[256] = {
    [SIG_COMMAND_REJECT] = {2, true, true, on_command_reject},
    [L2CAP_SIG_DISCONN_REQ] = {L2CAP_COC_DISCONN_LEN, false, false, on_disconn_req},
    [SIG_DISCONN_RSP] = {L2CAP_COC_DISCONN_LEN, false, true, on_disconn_rsp},
    [SIG_CONN_PARAM_UPDATE_REQ] = {8, false, false, on_param_update_req},
    [SIG_CONN_PARAM_UPDATE_RSP] = {.response = true},
    [L2CAP_SIG_LE_CREDIT_CONN_REQ] = {L2CAP_COC_CONN_REQ_LEN, false, false, on_le_credit_conn_req},
    [L2CAP_SIG_LE_CREDIT_CONN_RSP] = {L2CAP_COC_CONN_RSP_LEN, false, true, on_le_credit_conn_rsp},
    [L2CAP_SIG_FLOW_CONTROL_CREDIT_IND] = {L2CAP_COC_CREDITS_LEN, false, false, on_credits},
    [SIG_CREDIT_CONN_RSP] = {.response = true},
    [SIG_CREDIT_RECONF_RSP] = {.response = true},
};

void l2cap_sig_send(struct host *h, struct conn *c, uint8_t code, uint8_t ident,
                    const uint8_t *data, size_t len)
{
    uint8_t pdu[SIG_HDR + SIG_DATA_MAX];
    pdu[0] = code;
    pdu[1] = ident;
    put_le16(pdu + 2, (uint16_t)len);
    memcpy(pdu + SIG_HDR, data, len);
    l2cap_send(h, c, L2CAP_CID_LE_SIGNALING, ACL_CONTROL, pdu, SIG_HDR + len);
}

uint8_t l2cap_sig_request(struct host *h, struct conn *c, uint8_t code, const uint8_t *data,
                          size_t len)
{
    uint8_t ident = ++c->l2cap.next_ident;
    if (ident == 0)
        ident = ++c->l2cap.next_ident; /* 0 is not a valid identifier (4) */
    l2cap_sig_send(h, c, code, ident, data, len);
    return ident;
}

static bool length_ok(const struct sig_command *cmd, size_t dlen)
{
    return cmd->at_least ? dlen >= cmd->len : dlen == cmd->len;
}

static void on_signal(struct host *h, struct conn *c, struct l2cap_chan *ch, const uint8_t *p,
                      size_t len)
{
    uint8_t rsp[SIG_DATA_MAX];
    size_t rsp_len = 0;
    if (len > L2CAP_SIG_MTU) {
        /* The reason's data is our MTU_sig (4.1). */
        reject(REJECT_MTU_EXCEEDED, rsp, &rsp_len);
        put_le16(rsp + rsp_len, L2CAP_SIG_MTU);
        l2cap_sig_send(h, c, SIG_COMMAND_REJECT, len >= 2 ? p[1] : 0, rsp, rsp_len + 2);
        return;
    }
    /* One command per C-frame on LE (4). */
    if (len < SIG_HDR || get_le16(p + 2) != len - SIG_HDR || p[1] == 0)
        return; /* malformed or identifier 0 (invalid): silently discarded */
    const struct sig_command *cmd = &commands[p[0]];
    size_t dlen = len - SIG_HDR;
    uint8_t code;
    if (cmd->response && (cmd->handle == NULL || !length_ok(cmd, dlen)))
        return;
    if (cmd->handle == NULL || !length_ok(cmd, dlen))
        code = reject(REJECT_NOT_UNDERSTOOD, rsp, &rsp_len);
    else
        code = cmd->handle(h, c, p[1], p + SIG_HDR, dlen, rsp, &rsp_len);
    if (code)
        l2cap_sig_send(h, c, code, p[1], rsp, rsp_len);
}

const struct l2cap_chan_ops l2cap_sig_ops = {.recv = on_signal};
