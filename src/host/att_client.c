/* att_client.c - the ATT client's transactions (Core v5.4 Vol 3 Part F 3.3): one
 * request at a time with its 30 s timeout, matching the answer to it, and the
 * notifications and indications a server sends. */
#include <errno.h>
#include <stddef.h>

#include "common/bytes.h"
#include "host/att.h"
#include "host/conn.h"
#include "host/host.h"

static void req_timer_fired(struct host *h, struct host_timer *t)
{
    struct att_bearer *b = ATT_BEARER_OF(t, req_timer);
    struct conn *c = att_conn(b);
    /* 3.3.3: the transaction failed, and the bearer with it. */
    b->req_op = 0;
    att_close(h, c);
    gattc_fail_all(h, c, MPBLE_STATUS_TIMEOUT);
}

int att_client_request(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    struct att_bearer *b = &c->att;
    int rc = att_send(h, c, pdu, len);
    if (rc == -ENOMEM) {
        b->req_wait_room = true; /* the ATT channel's tx_room follows */
        return 0;
    }
    if (rc < 0)
        return rc;
    b->req_op = pdu[0];
    host_timer_start(h, &b->req_timer, ATT_TIMEOUT_US);
    return 0;
}

static void on_value(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    bool indication = pdu[0] == ATT_INDICATE;
    struct mpble_event ev = {.code = MPBLE_IRQ_GATTC_NOTIFY};
    if (indication)
        ev.code = MPBLE_IRQ_GATTC_INDICATE;
    ev.u.data.conn_handle = c->handle;
    ev.u.data.value_handle = get_le16(pdu + 1);
    ev.u.data.data = pdu + 3;
    ev.u.data.len = len - 3;
    host_emit(h, &ev);
    if (indication) { /* confirmed by the stack (3.4.7.3) */
        uint8_t cfm = ATT_CONFIRM;
        att_send(h, c, &cfm, 1);
    }
}

void att_client_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    struct att_bearer *b = &c->att;
    uint8_t op = pdu[0];
    if (op == ATT_NOTIFY || op == ATT_INDICATE) {
        if (att_pdu_valid(pdu, len))
            on_value(h, c, pdu, len);
        return;
    }
    /* Only an answer to the request we have out counts (3.3.2). */
    bool answer = b->req_op && (op == ATT_ERROR_RSP ? len >= 2 && pdu[1] == b->req_op
                                                    : op == att_rsp_op(b->req_op));
    if (!answer)
        return;
    host_timer_stop(h, &b->req_timer);
    if (att_pdu_valid(pdu, len))
        gattc_on_rsp(h, c, pdu, len);
    else
        gattc_fail_current(h, c, ATT_STATUS_BAD_DATA);
    b->req_op = 0;
    gattc_run(h, c);
}

void att_client_init(struct host *h, struct conn *c)
{
    c->att.req_timer.fire = req_timer_fired;
}

void att_client_on_tx_room(struct host *h, struct conn *c)
{
    if (c->att.req_wait_room) {
        c->att.req_wait_room = false;
        gattc_run(h, c);
    }
}

void att_client_on_disconnect(struct host *h, struct conn *c)
{
    host_timer_stop(h, &c->att.req_timer);
    c->att.req_op = 0;
    c->att.req_wait_room = false;
    gattc_fail_all(h, c, MPBLE_STATUS_LINK_LOST);
}
