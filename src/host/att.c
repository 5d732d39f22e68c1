/* att.c - the ATT bearer of a connection (Core v5.4 Vol 3 Part F 3.2.11): sets it
 * up, sends its PDUs, routes what arrives to the server or the client side, and
 * closes it after a transaction timeout. */
#include "host/att.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "host/conn.h"
#include "host/host.h"
#include "host/l2cap.h"

struct conn *att_conn(struct att_bearer *b)
{
    return (struct conn *)((char *)b - offsetof(struct conn, att));
}

void att_link_up(struct host *h, struct conn *c)
{
    struct att_bearer *b = &c->att;
    memset(b, 0, sizeof *b);
    b->mtu = ATT_DEFAULT_MTU;
    att_server_init(h, c);
    att_client_init(h, c);
}

enum acl_class att_class(uint8_t op)
{
    return op == ATT_NOTIFY || (op & ATT_OP_COMMAND) ? ACL_DATA : ACL_CONTROL;
}

int att_send(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    if (c->att.closed)
        return -ENOTCONN;
    return l2cap_send(h, c, L2CAP_CID_ATT, att_class(pdu[0]), pdu, len);
}

/* What a client sends goes to the server side, what a server sends to the client
 * side (3.3.1 and 3.4.8: responses answer requests, confirmations indications). */
static bool from_server(uint8_t op)
{
    switch (op) {
    case ATT_ERROR_RSP:
    case ATT_NOTIFY:
    case ATT_INDICATE:
        return true;
    case ATT_CONFIRM:
        return false;
    default:
        return att_op_is_request((uint8_t)(op - 1));
    }
}

void att_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    if (len == 0 || c->att.closed)
        return; /* after a timeout nothing more is processed on the bearer (3.3.3) */
    if (from_server(pdu[0]))
        att_client_on_pdu(h, c, pdu, len);
    else
        att_server_on_pdu(h, c, pdu, len);
}

void att_close(struct host *h, struct conn *c)
{
    c->att.closed = true;
    conn_disconnect(h, c->handle);
}

void att_link_down(struct host *h, struct conn *c)
{
    c->att.closed = true; /* what the DONE events' handlers ask for fails now */
    att_client_on_disconnect(h, c);
    att_server_on_disconnect(h, c);
}

static void on_pdu(struct host *h, struct conn *c, struct l2cap_chan *ch, const uint8_t *pdu,
                   size_t len)
{
    att_on_pdu(h, c, pdu, len);
}

static void on_tx_room(struct host *h, struct conn *c, struct l2cap_chan *ch)
{
    att_client_on_tx_room(h, c);
    att_server_on_tx_room(h, c);
}

const struct l2cap_chan_ops att_chan_ops = {.recv = on_pdu, .tx_room = on_tx_room};
