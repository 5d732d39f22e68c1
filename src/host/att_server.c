/* att_server.c - the ATT server (Core v5.4 Vol 3 Part F 3.4): every request a GATT
 * server answers, with the spec's checks and error responses, prepared writes, and
 * the notifications and indications it sends. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common/bytes.h"
#include "host/att.h"
#include "host/conn.h"
#include "host/gatts.h"
#include "host/host.h"

#define UUID_PRIMARY_SERVICE 0x2800
#define UUID_SECONDARY_SERVICE 0x2801
#define PREP_HDR 6 /* a prepare queue entry: handle, offset, length, then the value */

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* A response uses the transmit queue's reserve, which notifications cannot take
 * (conn.h); one that finds even that full is dropped: a client has one request
 * outstanding (3.3.2), so that needs a flooding peer. */
static void respond(struct host *h, struct conn *c, const uint8_t *rsp, size_t len)
{
    if (att_send(h, c, rsp, len) == -ENOMEM)
        host_log(h, "ATT: no room for a response on connection %u", c->handle);
}

static void error(struct host *h, struct conn *c, uint8_t req_op, uint16_t handle, uint8_t code)
{
    uint8_t rsp[5];
    respond(h, c, rsp, att_error_rsp(rsp, req_op, handle, code));
}

/* A request's handle range (3.4.3.1, 3.4.3.3, 3.4.4.1, 3.4.4.9): Invalid Handle for
 * a zero start or a start after the end. */
static bool range_ok(struct host *h, struct conn *c, const uint8_t *pdu, uint16_t *start,
                     uint16_t *last)
{
    *start = get_le16(pdu + 1);
    uint16_t end = get_le16(pdu + 3);
    if (*start == 0 || *start > end) {
        error(h, c, pdu[0], *start, ATT_ERR_INVALID_HANDLE);
        return false;
    }
    uint16_t n = gatts_last_handle(h);
    *last = end < n ? end : n;
    return true;
}

/* ---- 3.4.2 MTU exchange ---- */

static void on_mtu_req(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint16_t ours = (uint16_t)host_settings(h)->mtu;
    uint8_t rsp[3] = {ATT_MTU_RSP};
    put_le16(rsp + 1, ours);
    respond(h, c, rsp, sizeof rsp);
    if (c->att.mtu_exchanged)
        return; /* sent once per connection (3.4.2.1): a second one changes nothing */
    uint16_t theirs = get_le16(pdu + 1);
    uint16_t mtu = theirs < ours ? theirs : ours;
    c->att.mtu = mtu < ATT_MTU_MIN ? ATT_MTU_MIN : mtu;
    c->att.mtu_exchanged = true;
    struct mpble_event ev = {.code = MPBLE_IRQ_MTU_EXCHANGED};
    ev.u.mtu.conn_handle = c->handle;
    ev.u.mtu.mtu = c->att.mtu;
    host_emit(h, &ev);
}

/* ---- 3.4.3 discovery ---- */

static void on_find_info(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint16_t start, last;
    if (!range_ok(h, c, pdu, &start, &last))
        return;
    uint8_t rsp[ATT_MTU_MAX] = {ATT_FIND_INFO_RSP};
    size_t n = 2, mtu = c->att.mtu;
    for (uint32_t a = start; a <= last; a++) {
        mpble_uuid_t t = gatts_type(h, (uint16_t)a);
        uint8_t format = t.len == 2 ? 1 : 2; /* 3.4.3.2: all entries of one format */
        if ((n > 2 && format != rsp[1]) || n + 2 + t.len > mtu)
            break;
        rsp[1] = format;
        put_le16(rsp + n, (uint16_t)a);
        memcpy(rsp + n + 2, t.le, t.len);
        n += 2u + t.len;
    }
    if (n == 2)
        error(h, c, pdu[0], start, ATT_ERR_ATTR_NOT_FOUND);
    else
        respond(h, c, rsp, n);
}

static void on_find_by_type(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint16_t start, last;
    if (!range_ok(h, c, pdu, &start, &last))
        return;
    uint16_t type = get_le16(pdu + 5);
    const uint8_t *want = pdu + 7;
    size_t want_len = len - 7;
    uint8_t rsp[ATT_MTU_MAX] = {ATT_FIND_BY_TYPE_RSP};
    size_t n = 1, mtu = c->att.mtu;
    for (uint32_t a = start; a <= last && n + 4 <= mtu; a++) {
        mpble_uuid_t t = gatts_type(h, (uint16_t)a);
        const uint8_t *v;
        size_t vl;
        if (!att_uuid_is(&t, type) || gatts_read(h, c, (uint16_t)a, false, &v, &vl) != 0 ||
            vl != want_len || memcmp(v, want, vl) != 0)
            continue;
        uint16_t group_end = gatts_group_end(h, (uint16_t)a); /* 3.4.3.4 */
        put_le16(rsp + n, (uint16_t)a);
        put_le16(rsp + n + 2, group_end ? group_end : (uint16_t)a);
        n += 4;
    }
    if (n == 1)
        error(h, c, pdu[0], start, ATT_ERR_ATTR_NOT_FOUND);
    else
        respond(h, c, rsp, n);
}

/* ---- 3.4.4 reads ---- */

/* Sends a list response (Read By Type, Read By Group Type: 3.4.4.2, 3.4.4.10) of
 * entries each bytes long, or Attribute Not Found when none matched. */
static void respond_list(struct host *h, struct conn *c, uint8_t op, uint16_t start, uint8_t *rsp,
                         size_t n, size_t each)
{
    if (!each) {
        error(h, c, op, start, ATT_ERR_ATTR_NOT_FOUND);
        return;
    }
    rsp[1] = (uint8_t)each;
    respond(h, c, rsp, n);
}

static void on_read_by_type(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint16_t start, last;
    if (!range_ok(h, c, pdu, &start, &last))
        return;
    mpble_uuid_t type;
    att_uuid_get(&type, pdu + 5, len - 5);
    uint8_t rsp[ATT_MTU_MAX] = {ATT_READ_BY_TYPE_RSP};
    size_t n = 2, each = 0, mtu = c->att.mtu;
    /* 3.4.4.2: values of one length, each cut to ATT_MTU-4 or 253 octets. */
    size_t cap = min_sz(mtu - 4, 253);
    for (uint32_t a = start; a <= last; a++) {
        mpble_uuid_t t = gatts_type(h, (uint16_t)a);
        if (!att_uuid_eq(&t, &type))
            continue;
        if (each && n + each > mtu)
            break;
        const uint8_t *v;
        size_t vl;
        uint8_t err = gatts_read(h, c, (uint16_t)a, true, &v, &vl);
        if (err && !each) {
            error(h, c, pdu[0], (uint16_t)a, err); /* the first one decides (3.4.4.1) */
            return;
        }
        vl = min_sz(vl, cap);
        if (err || (each && 2 + vl != each))
            break;
        each = 2 + vl;
        put_le16(rsp + n, (uint16_t)a);
        memcpy(rsp + n + 2, v, vl);
        n += each;
    }
    respond_list(h, c, pdu[0], start, rsp, n, each);
}

/* Read (3.4.4.3) and Read Blob (3.4.4.5). */
static void on_read(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint16_t handle = get_le16(pdu + 1);
    bool blob = pdu[0] == ATT_READ_BLOB_REQ;
    uint16_t offset = blob ? get_le16(pdu + 3) : 0;
    const uint8_t *v;
    size_t vl;
    uint8_t err = gatts_read(h, c, handle, true, &v, &vl);
    if (!err && blob && gatts_fixed_length(h, handle))
        err = ATT_ERR_ATTR_NOT_LONG; /* all of them fit in ATT_MTU-1 */
    if (!err && offset > vl)
        err = ATT_ERR_INVALID_OFFSET;
    if (err) {
        error(h, c, pdu[0], handle, err);
        return;
    }
    uint8_t rsp[ATT_MTU_MAX] = {blob ? ATT_READ_BLOB_RSP : ATT_READ_RSP};
    size_t n = min_sz(vl - offset, c->att.mtu - 1u);
    memcpy(rsp + 1, v + offset, n);
    respond(h, c, rsp, 1 + n);
}

static void on_read_mult(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint8_t rsp[ATT_MTU_MAX] = {ATT_READ_MULT_RSP};
    size_t n = 1, mtu = c->att.mtu;
    for (size_t i = 1; i < len; i += 2) {
        uint16_t handle = get_le16(pdu + i);
        const uint8_t *v;
        size_t vl;
        uint8_t err = gatts_read(h, c, handle, true, &v, &vl);
        if (err) {
            error(h, c, pdu[0], handle, err); /* 3.4.4.7: any failure fails them all */
            return;
        }
        vl = min_sz(vl, mtu - n); /* the set is cut to ATT_MTU-1 (3.4.4.8) */
        memcpy(rsp + n, v, vl);
        n += vl;
    }
    respond(h, c, rsp, n);
}

static void on_read_by_group(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint16_t start, last;
    if (!range_ok(h, c, pdu, &start, &last))
        return;
    mpble_uuid_t type;
    att_uuid_get(&type, pdu + 5, len - 5);
    /* 3.4.4.9: only grouping types; there are no secondary services here. */
    bool secondary = att_uuid_is(&type, UUID_SECONDARY_SERVICE);
    if (!secondary && !att_uuid_is(&type, UUID_PRIMARY_SERVICE)) {
        error(h, c, pdu[0], start, ATT_ERR_UNSUPPORTED_GROUP);
        return;
    }
    uint8_t rsp[ATT_MTU_MAX] = {ATT_READ_BY_GROUP_RSP};
    size_t n = 2, each = 0, mtu = c->att.mtu;
    for (uint32_t a = start; !secondary && a <= last; a++) {
        uint16_t group_end = gatts_group_end(h, (uint16_t)a);
        const uint8_t *v;
        size_t vl;
        if (group_end == 0 || gatts_read(h, c, (uint16_t)a, false, &v, &vl) != 0)
            continue;
        vl = min_sz(vl, mtu - 6); /* 3.4.4.10 */
        if (each && (4 + vl != each || n + each > mtu))
            break;
        each = 4 + vl;
        put_le16(rsp + n, (uint16_t)a);
        put_le16(rsp + n + 2, group_end);
        memcpy(rsp + n + 4, v, vl);
        n += each;
    }
    respond_list(h, c, pdu[0], start, rsp, n, each);
}

/* ---- 3.4.5 writes ---- */

/* Write Request and Write Command: a command is never answered, so whatever it
 * cannot do is ignored (3.4.5.3). */
static void on_write(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    bool command = pdu[0] == ATT_WRITE_CMD;
    uint16_t handle = get_le16(pdu + 1);
    uint8_t err = gatts_write_allowed(h, c, handle);
    if (!err)
        err = gatts_value_ok(h, handle, pdu + 3, len - 3);
    if (err) {
        if (!command)
            error(h, c, pdu[0], handle, err);
        return;
    }
    gatts_store(h, c, handle, pdu + 3, len - 3);
    if (!command) {
        uint8_t rsp[1] = {ATT_WRITE_RSP};
        respond(h, c, rsp, 1); /* before anything the write's event leads to */
    }
    gatts_written(h, c, handle);
}

/* ---- 3.4.6 queued writes ---- */

static void on_prep_write(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    struct att_bearer *b = &c->att;
    uint16_t handle = get_le16(pdu + 1), offset = get_le16(pdu + 3);
    size_t vl = len - 5;
    /* 3.4.6.1: the handle and the permission now, lengths and offsets at execution. */
    uint8_t err = gatts_write_allowed(h, c, handle);
    if (!err && b->prep_used + PREP_HDR + vl > ATT_PREP_BYTES)
        err = ATT_ERR_PREPARE_QUEUE_FULL;
    if (err) {
        error(h, c, pdu[0], handle, err);
        return;
    }
    /* Kept sorted by handle, then offset (as NimBLE, the reference, does). */
    size_t at = 0;
    while (at < b->prep_used) {
        uint16_t eh = get_le16(b->prep + at), eo = get_le16(b->prep + at + 2);
        if (eh > handle || (eh == handle && eo > offset))
            break;
        at += PREP_HDR + get_le16(b->prep + at + 4);
    }
    memmove(b->prep + at + PREP_HDR + vl, b->prep + at, b->prep_used - at);
    put_le16(b->prep + at, handle);
    put_le16(b->prep + at + 2, offset);
    put_le16(b->prep + at + 4, (uint16_t)vl);
    memcpy(b->prep + at + PREP_HDR, pdu + 5, vl);
    b->prep_used = (uint16_t)(b->prep_used + PREP_HDR + vl);
    uint8_t rsp[ATT_MTU_MAX];
    memcpy(rsp, pdu, len); /* 3.4.6.2: the request echoed */
    rsp[0] = ATT_PREP_WRITE_RSP;
    respond(h, c, rsp, len);
}

/* Reassembles the entries of one handle starting at *at into value (ATT_VALUE_MAX
 * bytes), advancing *at. 0, or the ATT error of a gap, an overlap or an overlong
 * value (3.4.6.3). */
static uint8_t prep_group(const struct att_bearer *b, size_t *at, uint16_t *handle, uint8_t *value,
                          size_t *len)
{
    *handle = get_le16(b->prep + *at);
    *len = 0;
    while (*at < b->prep_used && get_le16(b->prep + *at) == *handle) {
        const uint8_t *e = b->prep + *at;
        uint16_t offset = get_le16(e + 2), n = get_le16(e + 4);
        *at += PREP_HDR + n;
        if (offset != *len)
            return ATT_ERR_INVALID_OFFSET;
        if (*len + n > ATT_VALUE_MAX)
            return ATT_ERR_INVALID_VALUE_LEN;
        memcpy(value + *len, e + PREP_HDR, n);
        *len += n;
    }
    return 0;
}

static void on_exec_write(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    struct att_bearer *b = &c->att;
    uint8_t flags = pdu[1];
    if (flags > 1) { /* 0x00 cancel, 0x01 write; the rest reserved (3.4.6.3) */
        error(h, c, pdu[0], 0, ATT_ERR_INVALID_PDU);
        return;
    }
    uint8_t value[ATT_VALUE_MAX];
    uint16_t handle;
    size_t at, n;
    /* Everything is checked before anything is written. */
    for (at = 0; flags && at < b->prep_used;) {
        uint8_t err = prep_group(b, &at, &handle, value, &n);
        if (!err)
            err = gatts_value_ok(h, handle, value, n);
        if (err) {
            b->prep_used = 0;
            error(h, c, pdu[0], handle, err);
            return;
        }
    }
    for (at = 0; flags && at < b->prep_used;) {
        prep_group(b, &at, &handle, value, &n);
        gatts_store(h, c, handle, value, n);
    }
    uint8_t rsp[1] = {ATT_EXEC_WRITE_RSP};
    respond(h, c, rsp, 1);
    for (at = 0; flags && at < b->prep_used;) {
        prep_group(b, &at, &handle, value, &n);
        gatts_written(h, c, handle);
    }
    b->prep_used = 0;
}

/* ---- 3.4.7 notifications and indications ---- */

static void emit_indicate_done(struct host *h, struct conn *c, uint16_t handle, uint16_t status)
{
    struct mpble_event ev = {.code = MPBLE_IRQ_GATTS_INDICATE_DONE};
    ev.u.value_done.conn_handle = c->handle;
    ev.u.value_done.value_handle = handle;
    ev.u.value_done.status = status;
    host_emit(h, &ev);
}

static int send_value(struct host *h, struct conn *c, uint8_t op, uint16_t handle,
                      const uint8_t *data, size_t len)
{
    uint8_t pdu[ATT_MTU_MAX] = {op};
    put_le16(pdu + 1, handle);
    if (len)
        memcpy(pdu + 3, data, len);
    int rc = att_send(h, c, pdu, 3 + len);
    if (rc == 0 && op == ATT_INDICATE) {
        c->att.ind_waiting = true;
        c->att.ind_handle = handle;
        host_timer_start(h, &c->att.ind_timer, ATT_TIMEOUT_US);
    }
    return rc;
}

/* Sends queued indications until one is out (or none is left); one that finds the
 * transmit queue full waits at the head for room. */
static void next_indication(struct host *h, struct conn *c)
{
    struct att_bearer *b = &c->att;
    while (!b->ind_waiting && !b->ind_wait_room && b->ind_count) {
        struct att_ind *q = &b->ind_queue[b->ind_head];
        int rc = send_value(h, c, ATT_INDICATE, q->handle, q->data, q->len);
        if (rc == -ENOMEM) {
            b->ind_wait_room = true;
            return;
        }
        b->ind_head = (uint8_t)((b->ind_head + 1) % ATT_IND_QUEUE);
        b->ind_count--;
        if (rc < 0)
            emit_indicate_done(h, c, q->handle, ATT_STATUS_NO_MEM);
    }
    gatts_kick_updates(h);
}

void att_server_on_tx_room(struct host *h, struct conn *c)
{
    if (c->att.ind_wait_room) {
        c->att.ind_wait_room = false;
        next_indication(h, c);
    }
    gatts_kick_updates(h);
}

bool att_server_indicating(const struct conn *c)
{
    return c->att.ind_waiting || c->att.ind_count;
}

int att_server_send_value(struct host *h, struct conn *c, uint16_t handle, const uint8_t *data,
                          size_t len, bool indicate)
{
    struct att_bearer *b = &c->att;
    if (b->closed)
        return -ENOTCONN;
    int rc = 0;
    if (data == NULL && gatts_read(h, NULL, handle, true, &data, &len) != 0)
        rc = -EACCES; /* the application denied it (the reference: BLE_HS_EAPP) */
    len = min_sz(len, b->mtu - 3u);
    if (rc == 0 && !indicate)
        return send_value(h, c, ATT_NOTIFY, handle, data, len);
    if (rc == 0 && att_server_indicating(c)) {
        if (b->ind_count == ATT_IND_QUEUE) {
            rc = -ENOMEM;
        } else {
            struct att_ind *q = &b->ind_queue[(b->ind_head + b->ind_count++) % ATT_IND_QUEUE];
            q->handle = handle;
            q->len = (uint16_t)len;
            if (len)
                memcpy(q->data, data, len);
            return 0;
        }
    }
    if (rc == 0 && (rc = send_value(h, c, ATT_INDICATE, handle, data, len)) == 0)
        return 0;
    if (indicate) /* the reference reports a failed indication at once as well */
        emit_indicate_done(h, c, handle, rc == -EACCES ? ATT_STATUS_APP : ATT_STATUS_NO_MEM);
    return rc;
}

int att_server_update(struct host *h, struct conn *c, uint16_t handle, bool indicate)
{
    if (c->att.closed)
        return -ENOTCONN;
    uint8_t op = indicate ? ATT_INDICATE : ATT_NOTIFY;
    if (!l2cap_room(h, c, L2CAP_CID_ATT, att_class(op), c->att.mtu))
        return -EAGAIN;
    return att_server_send_value(h, c, handle, NULL, 0, indicate);
}

static void on_confirm(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    struct att_bearer *b = &c->att;
    if (!b->ind_waiting)
        return; /* nothing to confirm */
    host_timer_stop(h, &b->ind_timer);
    b->ind_waiting = false;
    emit_indicate_done(h, c, b->ind_handle, 0);
    next_indication(h, c);
}

/* Ends the indication in flight and those queued with status. */
static void end_indications(struct host *h, struct conn *c, uint16_t status)
{
    struct att_bearer *b = &c->att;
    host_timer_stop(h, &b->ind_timer);
    b->ind_wait_room = false;
    if (b->ind_waiting) {
        b->ind_waiting = false;
        emit_indicate_done(h, c, b->ind_handle, status);
    }
    while (b->ind_count) {
        uint16_t handle = b->ind_queue[b->ind_head].handle;
        b->ind_head = (uint8_t)((b->ind_head + 1) % ATT_IND_QUEUE);
        b->ind_count--;
        emit_indicate_done(h, c, handle, status);
    }
}

static void ind_timeout(struct host *h, struct host_timer *t)
{
    struct conn *c = att_conn(ATT_BEARER_OF(t, ind_timer));
    att_close(h, c);
    end_indications(h, c, MPBLE_STATUS_TIMEOUT);
}

/* ---- the server's side of the bearer ---- */

typedef void (*request_fn)(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);

static const request_fn handlers[256] = {
    [ATT_MTU_REQ] = on_mtu_req,
    [ATT_FIND_INFO_REQ] = on_find_info,
    [ATT_FIND_BY_TYPE_REQ] = on_find_by_type,
    [ATT_READ_BY_TYPE_REQ] = on_read_by_type,
    [ATT_READ_REQ] = on_read,
    [ATT_READ_BLOB_REQ] = on_read,
    [ATT_READ_MULT_REQ] = on_read_mult,
    [ATT_READ_BY_GROUP_REQ] = on_read_by_group,
    [ATT_WRITE_REQ] = on_write,
    [ATT_WRITE_CMD] = on_write,
    [ATT_PREP_WRITE_REQ] = on_prep_write,
    [ATT_EXEC_WRITE_REQ] = on_exec_write,
    [ATT_CONFIRM] = on_confirm,
};

void att_server_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    uint8_t op = pdu[0];
    request_fn fn = handlers[op];
    bool answers = !(op & ATT_OP_COMMAND) && op != ATT_CONFIRM;
    if (fn == NULL) {
        if (answers) /* 3.4.1.1; commands we do not know are ignored (3.3.1) */
            error(h, c, op, 0, ATT_ERR_REQ_NOT_SUPPORTED);
        return;
    }
    if (!att_pdu_valid(pdu, len) || len > c->att.mtu) {
        if (answers)
            error(h, c, op, 0, ATT_ERR_INVALID_PDU);
        return;
    }
    fn(h, c, pdu, len);
}

void att_server_init(struct host *h, struct conn *c)
{
    c->att.ind_timer.fire = ind_timeout;
}

void att_server_on_disconnect(struct host *h, struct conn *c)
{
    end_indications(h, c, MPBLE_STATUS_LINK_LOST);
    c->att.prep_used = 0;
}
