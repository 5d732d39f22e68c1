/* conn.c - LE connections: establishing them as central (Core v5.4 Vol 3 Part C
 * 9.3), accepting them as peripheral, parameter updates, disconnection. */
#include "host/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/gap.h"
#include "host/hci.h"
#include "host/hci_evt.h"
#include "host/host.h"

/* LE Create Connection parameters (Vol 4 Part E 7.8.12) the reference uses:
 * scanning 10 ms every 10 ms, interval 30-50 ms, latency 0, timeout 2.56 s. */
#define CONN_SCAN_UNITS 16
#define CONN_INTERVAL_MIN_DEFAULT 24
#define CONN_INTERVAL_MAX_DEFAULT 40
#define CONN_INTERVAL_UNIT_US 1250u
#define CONN_TIMEOUT_DEFAULT 256
#define CONN_TIMEOUT_MAX 3200
#define CONNECT_DEFAULT_MS 30000u
#define REASON_REMOTE_USER_TERMINATED HCI_ERR_REMOTE_USER_TERM
#define ERR_UNACCEPTABLE_CONN_PARAMS 0x3b
/* LE features (Vol 6 Part B 4.6): bit 5 Data Packet Length Extension, bit 8 2M PHY. */
#define LE_FEATURE_DLE_BYTE 0
#define LE_FEATURE_DLE_BIT 0x20
#define LE_FEATURE_2M_BYTE 1
#define LE_FEATURE_2M_BIT 0x01
#define DATA_LEN_MIN 27
#define DATA_LEN_MAX 251

struct conn *conn_by_handle(struct host *h, uint16_t handle)
{
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++)
        if (h->conns[i].used && h->conns[i].handle == handle)
            return &h->conns[i];
    return NULL;
}

int conn_start(struct host *h)
{
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        struct conn *c = &h->conns[i];
        c->rx = malloc(HOST_L2CAP_RX_MAX);
        c->tx = malloc(HOST_TX_QUEUE_BYTES);
        c->tx_cap = HOST_TX_QUEUE_BYTES;
        if (c->rx == NULL || c->tx == NULL)
            return -ENOMEM;
    }
    return 0;
}

void conn_free(struct host *h)
{
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        free(h->conns[i].rx);
        free(h->conns[i].tx);
        h->conns[i].rx = h->conns[i].tx = NULL;
    }
}

static void emit_conn(struct host *h, int code, uint16_t handle, const mpble_addr_t *peer)
{
    struct mpble_event ev = {.code = code};
    ev.u.conn.conn_handle = handle;
    if (peer) {
        ev.u.conn.addr = *peer;
    } else {
        ev.u.conn.addr.type = MPBLE_ADDR_TYPE_NONE; /* the reference's "no peer" */
    }
    host_emit(h, &ev);
}

/* ---- central: establishing ---- */

static bool valid_params(uint16_t imin, uint16_t imax, uint16_t latency, uint16_t timeout)
{
    /* Vol 4 Part E 7.8.12 ranges; the supervision timeout must exceed
     * (1 + latency) * interval_max * 2 (in ms: timeout * 10 > (1 + l) * imax * 2.5). */
    return imin >= 0x0006 && imax <= 0x0c80 && imin <= imax && latency <= 0x01f3 &&
           timeout >= 0x000a && timeout <= 0x0c80 && (uint32_t)timeout * 4 > (1u + latency) * imax;
}

static void connect_timer_fired(struct host *h, struct host_timer *t)
{
    conn_connect_cancel(h);
}

static bool same_peer(const struct conn *c, const mpble_addr_t *a)
{
    return (c->peer.type & 1) == (a->type & 1) && memcmp(c->peer.val, a->val, 6) == 0;
}

static struct conn *free_slot(struct host *h)
{
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++)
        if (!h->conns[i].used)
            return &h->conns[i];
    return NULL;
}

static uint16_t interval_units(uint32_t us, uint16_t dflt)
{
    if (us == 0)
        return dflt;
    uint32_t u = us / CONN_INTERVAL_UNIT_US;
    return (uint16_t)(u > 0xffff ? 0xffff : u);
}

int conn_connect(struct host *h, const struct conn_connect_args *a)
{
    if (h->connecting)
        return -EALREADY;
    if (a->peer.type > 3)
        return -EINVAL;
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        if (h->conns[i].used && same_peer(&h->conns[i], &a->peer)) {
            host_error(h, "already connected to that device");
            return -EIO;
        }
    }
    if (free_slot(h) == NULL)
        return -ENOMEM;
    uint16_t imin = interval_units(a->min_interval_us, CONN_INTERVAL_MIN_DEFAULT);
    uint16_t imax = interval_units(a->max_interval_us, CONN_INTERVAL_MAX_DEFAULT);
    if (a->min_interval_us && !a->max_interval_us && imax < imin)
        imax = imin;
    if (a->max_interval_us && !a->min_interval_us && imin > imax)
        imin = imax;
    uint32_t timeout = CONN_TIMEOUT_DEFAULT;
    if (timeout * 4 <= imax)
        timeout = imax / 4u + 1u;
    if (timeout > CONN_TIMEOUT_MAX)
        timeout = CONN_TIMEOUT_MAX;
    if (!valid_params(imin, imax, 0, (uint16_t)timeout)) {
        host_error(h, "connection interval out of range (7.5 ms .. 4 s, min <= max)");
        return -EINVAL;
    }
    if (h->scanning)
        gap_scan_stop(h);

    uint8_t p[25];
    put_le16(p, CONN_SCAN_UNITS);
    put_le16(p + 2, CONN_SCAN_UNITS);
    p[4] = 0x00; /* filter policy: the peer address below */
    p[5] = a->peer.type;
    bdaddr_reverse(p + 6, a->peer.val);
    p[12] = h->own_addr_type;
    put_le16(p + 13, imin);
    put_le16(p + 15, imax);
    put_le16(p + 17, 0);
    put_le16(p + 19, (uint16_t)timeout);
    put_le16(p + 21, 0);
    put_le16(p + 23, 0);
    int rc = hci_status_to_errno(hci_cmd(h, HCI_OP_LE_CREATE_CONN, p, sizeof p, NULL, 0, NULL));
    if (rc < 0)
        return rc;
    h->connecting = true;
    h->connect_cancelled = false;
    h->connect_timer.fire = connect_timer_fired;
    uint32_t ms = a->scan_duration_ms ? a->scan_duration_ms : CONNECT_DEFAULT_MS;
    host_timer_start(h, &h->connect_timer, (uint64_t)ms * 1000u);
    return 0;
}

int conn_connect_cancel(struct host *h)
{
    if (!h->connecting)
        return -EALREADY;
    host_timer_stop(h, &h->connect_timer);
    h->connect_cancelled = true;
    int st = hci_cmd(h, HCI_OP_LE_CREATE_CONN_CANCEL, NULL, 0, NULL, 0, NULL);
    /* Command Disallowed: the connection completed meanwhile; its event follows. */
    return st == HCI_ERR_COMMAND_DISALLOWED ? 0 : hci_status_to_errno(st);
}

/* ---- events ---- */

/* A link the host has no slot for: ended at once with a reason Disconnect allows
 * (Vol 4 Part E 7.1.6); the peer sees it come and go. Here only a connection attempt
 * of ours learns of it, as a failed one (handle 0, as other failures). */
static void refuse(struct host *h, const struct hci_evt *ev)
{
    host_log(h, "no slot for connection 0x%03x: disconnecting it", ev->u.conn.handle);
    uint8_t p[3];
    put_le16(p, ev->u.conn.handle);
    p[2] = HCI_ERR_REMOTE_LOW_RESOURCES;
    hci_cmd(h, HCI_OP_DISCONNECT, p, sizeof p, NULL, 0, NULL);
    if (ev->u.conn.role == CONN_ROLE_PERIPHERAL)
        gap_on_peripheral_link(h, false);
    else
        emit_conn(h, MPBLE_IRQ_PERIPHERAL_DISCONNECT, 0, NULL);
}

void conn_on_complete(struct host *h, const struct hci_evt *ev)
{
    bool central = ev->u.conn.role == CONN_ROLE_CENTRAL;
    if (central && h->connecting) {
        h->connecting = false;
        host_timer_stop(h, &h->connect_timer);
    }
    if (ev->u.conn.status != HCI_SUCCESS) {
        if (central) {
            /* Timed out or cancelled: 0xffff; another failure: handle 0 (reference). */
            bool cancelled = h->connect_cancelled || ev->u.conn.status == HCI_ERR_UNKNOWN_CONN_ID;
            emit_conn(h, MPBLE_IRQ_PERIPHERAL_DISCONNECT, cancelled ? MPBLE_CONN_HANDLE_NONE : 0,
                      NULL);
        }
        return;
    }
    struct conn *c = free_slot(h);
    if (c == NULL || conn_by_handle(h, ev->u.conn.handle)) {
        refuse(h, ev);
        return;
    }
    c->used = true;
    c->disconnecting = false;
    c->going_down = false;
    c->handle = ev->u.conn.handle;
    c->role = ev->u.conn.role;
    c->peer.type = ev->u.conn.peer_type & 1; /* identity type of a resolved address */
    bdaddr_reverse(c->peer.val, ev->u.conn.peer);
    c->interval = ev->u.conn.params.interval;
    c->latency = ev->u.conn.params.latency;
    c->timeout = ev->u.conn.params.timeout;
    c->sec = (struct conn_security){0};
    h->conn_up.up(h, c);
    if (h->le_features[LE_FEATURE_DLE_BYTE] & LE_FEATURE_DLE_BIT)
        conn_set_data_length(h, c->handle, DATA_LEN_MAX);
    if (!central)
        gap_on_peripheral_link(h, true);
    if (free_slot(h) == NULL)
        gap_set_links_full(h, true);
    emit_conn(h, central ? MPBLE_IRQ_PERIPHERAL_CONNECT : MPBLE_IRQ_CENTRAL_CONNECT, c->handle,
              &c->peer);
}

void conn_on_disconnect(struct host *h, const struct hci_evt *ev)
{
    struct conn *c = conn_by_handle(h, ev->u.disconn.handle);
    if (c == NULL || c->going_down)
        return; /* unknown, or already being taken down (a handler's call ended up here) */
    if (ev->u.disconn.status != HCI_SUCCESS) {
        c->disconnecting = false;
        return;
    }
    c->going_down = true;
    h->conn_up.down(h, c);
    c->used = false;
    gap_set_links_full(h, false);
    mpble_addr_t peer = c->peer;
    emit_conn(h,
              c->role == CONN_ROLE_CENTRAL ? MPBLE_IRQ_PERIPHERAL_DISCONNECT
                                           : MPBLE_IRQ_CENTRAL_DISCONNECT,
              c->handle, &peer);
}

void conn_on_update(struct host *h, const struct hci_evt *ev)
{
    struct conn *c = conn_by_handle(h, ev->u.update.handle);
    if (c == NULL)
        return;
    if (ev->u.update.status == HCI_SUCCESS) {
        c->interval = ev->u.update.params.interval;
        c->latency = ev->u.update.params.latency;
        c->timeout = ev->u.update.params.timeout;
    }
    conn_emit_update(h, c, ev->u.update.status != HCI_SUCCESS);
}

void conn_emit_update(struct host *h, struct conn *c, bool failed)
{
    struct mpble_event e = {.code = MPBLE_IRQ_CONNECTION_UPDATE};
    e.u.conn_update.conn_handle = c->handle;
    e.u.conn_update.interval = c->interval;
    e.u.conn_update.latency = c->latency;
    e.u.conn_update.timeout = c->timeout;
    e.u.conn_update.status = failed ? 1 : 0;
    host_emit(h, &e);
}

/* The peer (peripheral) asks, through the LL Connection Parameters Request
 * procedure, for other parameters (7.7.65.6): accept what is valid. */
void conn_on_param_req(struct host *h, const struct hci_evt *ev)
{
    uint8_t p[14];
    put_le16(p, ev->u.param_req.handle);
    if (conn_by_handle(h, ev->u.param_req.handle) &&
        valid_params(ev->u.param_req.interval_min, ev->u.param_req.interval_max,
                     ev->u.param_req.latency, ev->u.param_req.timeout)) {
        put_le16(p + 2, ev->u.param_req.interval_min);
        put_le16(p + 4, ev->u.param_req.interval_max);
        put_le16(p + 6, ev->u.param_req.latency);
        put_le16(p + 8, ev->u.param_req.timeout);
        put_le16(p + 10, 0);
        put_le16(p + 12, 0);
        hci_cmd(h, HCI_OP_LE_REMOTE_CONN_PARAM_REPLY, p, sizeof p, NULL, 0, NULL);
    } else {
        p[2] = ERR_UNACCEPTABLE_CONN_PARAMS;
        hci_cmd(h, HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY, p, 3, NULL, 0, NULL);
    }
}

int conn_update_params(struct host *h, struct conn *c, uint16_t imin, uint16_t imax,
                       uint16_t latency, uint16_t timeout)
{
    if (!valid_params(imin, imax, latency, timeout))
        return -EINVAL;
    uint8_t p[14];
    put_le16(p, c->handle);
    put_le16(p + 2, imin);
    put_le16(p + 4, imax);
    put_le16(p + 6, latency);
    put_le16(p + 8, timeout);
    put_le16(p + 10, 0);
    put_le16(p + 12, 0);
    return hci_status_to_errno(hci_cmd(h, HCI_OP_LE_CONN_UPDATE, p, sizeof p, NULL, 0, NULL));
}

int conn_set_data_length(struct host *h, uint16_t handle, uint16_t octets)
{
    struct conn *c = conn_by_handle(h, handle);
    if (c == NULL)
        return -ENOTCONN;
    if (octets < DATA_LEN_MIN || octets > DATA_LEN_MAX ||
        !(h->le_features[LE_FEATURE_DLE_BYTE] & LE_FEATURE_DLE_BIT))
        return -EINVAL;
    /* 7.8.33: TxTime for these octets on the 1M PHY: (octets + 14) * 8 us. */
    uint8_t p[6];
    put_le16(p, handle);
    put_le16(p + 2, octets);
    put_le16(p + 4, (uint16_t)((octets + 14u) * 8u));
    return hci_status_to_errno(hci_cmd(h, HCI_OP_LE_SET_DATA_LENGTH, p, sizeof p, NULL, 0, NULL));
}

int conn_set_phy(struct host *h, uint16_t handle, int phy)
{
    struct conn *c = conn_by_handle(h, handle);
    if (c == NULL)
        return -ENOTCONN;
    if ((phy != MPBLE_PHY_1M && phy != MPBLE_PHY_2M) ||
        (phy == MPBLE_PHY_2M && !(h->le_features[LE_FEATURE_2M_BYTE] & LE_FEATURE_2M_BIT)))
        return -EINVAL;
    /* 7.8.49: handle, ALL_PHYS 0 (both directions given), TX, RX, options. */
    uint8_t p[7];
    put_le16(p, handle);
    p[2] = 0;
    p[3] = (uint8_t)phy;
    p[4] = (uint8_t)phy;
    put_le16(p + 5, 0);
    return hci_status_to_errno(hci_cmd(h, HCI_OP_LE_SET_PHY, p, sizeof p, NULL, 0, NULL));
}

int conn_disconnect(struct host *h, uint16_t handle)
{
    struct conn *c = conn_by_handle(h, handle);
    if (c == NULL)
        return 0;
    if (c->disconnecting)
        return -EALREADY;
    uint8_t p[3];
    put_le16(p, handle);
    p[2] = REASON_REMOTE_USER_TERMINATED; /* Vol 4 Part E 7.1.6: the usual reason */
    int rc = hci_status_to_errno(hci_cmd(h, HCI_OP_DISCONNECT, p, sizeof p, NULL, 0, NULL));
    if (rc < 0)
        return rc;
    c->disconnecting = true;
    return 1;
}

void conn_stop(struct host *h)
{
    if (h->connecting && !h->dead)
        conn_connect_cancel(h);
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++)
        if (h->conns[i].used && !h->conns[i].disconnecting && !h->dead)
            conn_disconnect(h, h->conns[i].handle);
}

void conn_on_transport_lost(struct host *h)
{
    if (h->connecting) {
        h->connecting = false;
        host_timer_stop(h, &h->connect_timer);
        emit_conn(h, MPBLE_IRQ_PERIPHERAL_DISCONNECT, MPBLE_CONN_HANDLE_NONE, NULL);
    }
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        struct conn *c = &h->conns[i];
        if (!c->used || c->going_down)
            continue;
        struct hci_evt ev = {.kind = HCI_EVT_DISCONN_COMPLETE};
        ev.u.disconn.handle = c->handle;
        ev.u.disconn.reason = HCI_ERR_CONN_TIMEOUT;
        conn_on_disconnect(h, &ev);
    }
}
