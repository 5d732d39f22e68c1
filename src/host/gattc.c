/* gattc.c - the GATT client procedures (Core v5.4 Vol 3 Part G 4) as the module
 * reports them (semantics 4.3, 5.5, 7): zero or more RESULT events, then exactly
 * one DONE event, per procedure. */
#include "host/gattc.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "host/att.h"
#include "host/conn.h"
#include "host/host.h"

#define UUID_PRIMARY_SERVICE 0x2800
#define UUID_CHARACTERISTIC 0x2803

/* ---- the queue ---- */

static struct gattc_proc *head(struct conn *c)
{
    struct gattc_queue *q = &c->att.gattc;
    return q->count ? &q->procs[q->head] : NULL;
}

static bool has_kind(const struct conn *c, uint8_t kind)
{
    const struct gattc_queue *q = &c->att.gattc;
    for (unsigned i = 0; i < q->count; i++)
        if (q->procs[(q->head + i) % GATTC_MAX_PROCS].kind == kind)
            return true;
    return false;
}

/* A new procedure at the end of c's queue; NULL sets *rc. */
static struct gattc_proc *push(struct conn *c, uint8_t kind, int *rc)
{
    struct gattc_queue *q = &c->att.gattc;
    if (c->att.closed) {
        *rc = -ENOTCONN;
        return NULL;
    }
    if (q->count == GATTC_MAX_PROCS) {
        *rc = -ENOMEM;
        return NULL;
    }
    struct gattc_proc *p = &q->procs[(q->head + q->count++) % GATTC_MAX_PROCS];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    return p;
}

/* ---- events ---- */

static void emit_done(struct host *h, struct conn *c, const struct gattc_proc *p)
{
    static const int codes[] = {
        [GATTC_DISC_SVCS] = MPBLE_IRQ_GATTC_SERVICE_DONE,
        [GATTC_DISC_SVCS_UUID] = MPBLE_IRQ_GATTC_SERVICE_DONE,
        [GATTC_DISC_CHRS] = MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE,
        [GATTC_DISC_DSCS] = MPBLE_IRQ_GATTC_DESCRIPTOR_DONE,
        [GATTC_READ] = MPBLE_IRQ_GATTC_READ_DONE,
        [GATTC_WRITE] = MPBLE_IRQ_GATTC_WRITE_DONE,
        [GATTC_MTU] = 0, /* MTU_EXCHANGED on success only */
    };
    struct mpble_event ev = {.code = codes[p->kind]};
    if (ev.code == 0)
        return;
    if (p->kind == GATTC_READ || p->kind == GATTC_WRITE) {
        ev.u.value_done.conn_handle = c->handle;
        ev.u.value_done.value_handle = p->handle;
        ev.u.value_done.status = p->status;
    } else {
        ev.u.done.conn_handle = c->handle;
        ev.u.done.status = p->status;
    }
    host_emit(h, &ev);
}

/* The held characteristic, now that its end handle is known; the UUID filter
 * applies here, after discovery (semantics 7.2). */
static void emit_held(struct host *h, struct conn *c, struct gattc_proc *p, uint16_t end)
{
    if (!p->u.held.valid)
        return;
    p->u.held.valid = false;
    if (p->has_uuid && !att_uuid_eq(&p->u.held.uuid, &p->uuid))
        return;
    struct mpble_event ev = {.code = MPBLE_IRQ_GATTC_CHARACTERISTIC_RESULT};
    ev.u.characteristic.conn_handle = c->handle;
    ev.u.characteristic.end_handle = end;
    ev.u.characteristic.value_handle = p->u.held.value_handle;
    ev.u.characteristic.properties = p->u.held.properties;
    ev.u.characteristic.uuid = p->u.held.uuid;
    host_emit(h, &ev);
}

/* Takes the finished head off the queue, then reports it: the last held
 * characteristic ends at the end of the requested range (semantics 7.2). */
static void finish(struct host *h, struct conn *c)
{
    struct gattc_queue *q = &c->att.gattc;
    struct gattc_proc p = q->procs[q->head];
    q->head = (uint8_t)((q->head + 1) % GATTC_MAX_PROCS);
    q->count--;
    if (p.kind == GATTC_DISC_CHRS)
        emit_held(h, c, &p, p.end);
    emit_done(h, c, &p);
}

/* ---- requests ---- */

/* Sends the head's next request. 0, or -ENOTCONN. */
static int send_step(struct host *h, struct conn *c, struct gattc_proc *p)
{
    uint8_t pdu[ATT_MTU_MAX];
    size_t n = 3;
    put_le16(pdu + 1, p->handle);
    switch (p->kind) {
    case GATTC_DISC_SVCS: /* Vol 3 Part G 4.4.1 */
        pdu[0] = ATT_READ_BY_GROUP_REQ;
        put_le16(pdu + 3, p->end);
        put_le16(pdu + 5, UUID_PRIMARY_SERVICE);
        n = 7;
        break;
    case GATTC_DISC_SVCS_UUID: /* 4.4.2 */
        pdu[0] = ATT_FIND_BY_TYPE_REQ;
        put_le16(pdu + 3, p->end);
        put_le16(pdu + 5, UUID_PRIMARY_SERVICE);
        memcpy(pdu + 7, p->uuid.le, p->uuid.len);
        n = 7u + p->uuid.len;
        break;
    case GATTC_DISC_CHRS: /* 4.6.1 */
        pdu[0] = ATT_READ_BY_TYPE_REQ;
        put_le16(pdu + 3, p->end);
        put_le16(pdu + 5, UUID_CHARACTERISTIC);
        n = 7;
        break;
    case GATTC_DISC_DSCS: /* 4.7.1 */
        pdu[0] = ATT_FIND_INFO_REQ;
        put_le16(pdu + 3, p->end);
        n = 5;
        break;
    case GATTC_READ: /* 4.8.1 */
        pdu[0] = ATT_READ_REQ;
        break;
    case GATTC_WRITE: { /* 4.9.3; longer data is cut to ATT_MTU-3 (semantics 7.5) */
        size_t len = p->u.write.len < c->att.mtu - 3u ? p->u.write.len : c->att.mtu - 3u;
        pdu[0] = ATT_WRITE_REQ;
        memcpy(pdu + 3, p->u.write.data, len);
        n = 3 + len;
        break;
    }
    case GATTC_MTU: /* 4.3.1 */
        pdu[0] = ATT_MTU_REQ;
        put_le16(pdu + 1, p->end);
        break;
    }
    return att_client_request(h, c, pdu, n);
}

void gattc_run(struct host *h, struct conn *c)
{
    struct att_bearer *b = &c->att;
    if (b->gattc.busy)
        return;
    b->gattc.busy = true;
    struct gattc_proc *p;
    while ((p = head(c)) != NULL) {
        if (!p->done && (b->req_op || b->req_wait_room))
            break; /* a request is out, or waits for room */
        if (!p->done && send_step(h, c, p) == 0)
            break;
        if (!p->done) {
            p->done = true;
            p->status = MPBLE_STATUS_LINK_LOST;
        }
        finish(h, c);
    }
    b->gattc.busy = false;
}

/* ---- responses ---- */

static void emit_service(struct host *h, struct conn *c, uint16_t start, uint16_t end,
                         const mpble_uuid_t *uuid)
{
    struct mpble_event ev = {.code = MPBLE_IRQ_GATTC_SERVICE_RESULT};
    ev.u.service.conn_handle = c->handle;
    ev.u.service.start_handle = start;
    ev.u.service.end_handle = end;
    ev.u.service.uuid = *uuid;
    host_emit(h, &ev);
}

/* One entry of a discovery response at handle a, ending at end (an attribute or a
 * group). Returns false when the entry is out of order (the answer is bad data);
 * marks p done when it reaches the end of the range. */
static bool advance(struct gattc_proc *p, uint16_t a, uint16_t end)
{
    if (a < p->handle || end < a)
        return false;
    if (end >= p->end)
        p->done = true;
    else
        p->handle = (uint16_t)(end + 1);
    return true;
}

/* Read By Group Type Response (Vol 3 Part F 3.4.4.10). */
static bool on_services(struct host *h, struct conn *c, struct gattc_proc *p, const uint8_t *pdu,
                        size_t len)
{
    size_t each = pdu[1];
    if (each != 6 && each != 20)
        return false;
    for (size_t i = 2; i < len && !p->done; i += each) {
        uint16_t start = get_le16(pdu + i), end = get_le16(pdu + i + 2);
        mpble_uuid_t uuid;
        att_uuid_get(&uuid, pdu + i + 4, each - 4);
        if (!advance(p, start, end))
            return false;
        emit_service(h, c, start, end, &uuid);
    }
    return true;
}

/* Find By Type Value Response (3.4.3.4): the services of the UUID sought. */
static bool on_services_by_uuid(struct host *h, struct conn *c, struct gattc_proc *p,
                                const uint8_t *pdu, size_t len)
{
    for (size_t i = 1; i < len && !p->done; i += 4) {
        uint16_t start = get_le16(pdu + i), end = get_le16(pdu + i + 2);
        if (!advance(p, start, end))
            return false;
        emit_service(h, c, start, end, &p->uuid);
    }
    return true;
}

/* Read By Type Response for 0x2803 (3.4.4.2; declarations: Vol 3 Part G 3.3.1). */
static bool on_characteristics(struct host *h, struct conn *c, struct gattc_proc *p,
                               const uint8_t *pdu, size_t len)
{
    size_t each = pdu[1];
    if (each != 7 && each != 21)
        return false;
    for (size_t i = 2; i < len && !p->done; i += each) {
        uint16_t decl = get_le16(pdu + i);
        if (!advance(p, decl, decl))
            return false;
        emit_held(h, c, p, (uint16_t)(decl - 1));
        p->u.held.valid = true;
        p->u.held.properties = pdu[i + 2];
        p->u.held.value_handle = get_le16(pdu + i + 3);
        att_uuid_get(&p->u.held.uuid, pdu + i + 5, each - 5);
    }
    return true;
}

/* Find Information Response (3.4.3.2): every attribute in the range. */
static bool on_descriptors(struct host *h, struct conn *c, struct gattc_proc *p, const uint8_t *pdu,
                           size_t len)
{
    size_t each = pdu[1] == 1 ? 4 : 18;
    for (size_t i = 2; i < len && !p->done; i += each) {
        uint16_t a = get_le16(pdu + i);
        if (!advance(p, a, a))
            return false;
        struct mpble_event ev = {.code = MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT};
        ev.u.descriptor.conn_handle = c->handle;
        ev.u.descriptor.handle = a;
        att_uuid_get(&ev.u.descriptor.uuid, pdu + i + 2, each - 2);
        host_emit(h, &ev);
    }
    return true;
}

static void on_read(struct host *h, struct conn *c, struct gattc_proc *p, const uint8_t *pdu,
                    size_t len)
{
    struct mpble_event ev = {.code = MPBLE_IRQ_GATTC_READ_RESULT};
    ev.u.data.conn_handle = c->handle;
    ev.u.data.value_handle = p->handle;
    ev.u.data.data = pdu + 1;
    ev.u.data.len = len - 1;
    host_emit(h, &ev);
    p->done = true;
}

static void on_mtu(struct host *h, struct conn *c, struct gattc_proc *p, const uint8_t *pdu)
{
    p->done = true;
    if (c->att.mtu_exchanged)
        return; /* the peer's own exchange came first */
    uint16_t theirs = get_le16(pdu + 1);
    uint16_t mtu = theirs < p->end ? theirs : p->end;
    c->att.mtu = mtu < ATT_MTU_MIN ? ATT_MTU_MIN : mtu;
    c->att.mtu_exchanged = true;
    struct mpble_event ev = {.code = MPBLE_IRQ_MTU_EXCHANGED};
    ev.u.mtu.conn_handle = c->handle;
    ev.u.mtu.mtu = c->att.mtu;
    host_emit(h, &ev);
}

static void on_error(struct gattc_proc *p, uint8_t code)
{
    p->done = true;
    /* A discovery ends with Attribute Not Found (Vol 3 Part G 4.4.1, 4.6.1, 4.7.1). */
    bool discovery = p->kind <= GATTC_DISC_DSCS;
    p->status = discovery && code == ATT_ERR_ATTR_NOT_FOUND ? 0 : MPBLE_STATUS_ATT_ERR(code);
}

void gattc_on_rsp(struct host *h, struct conn *c, const uint8_t *pdu, size_t len)
{
    struct gattc_proc *p = head(c);
    if (p == NULL)
        return;
    c->att.gattc.busy = true;
    bool ok = true;
    if (pdu[0] == ATT_ERROR_RSP) {
        on_error(p, pdu[4]);
    } else {
        switch (p->kind) {
        case GATTC_DISC_SVCS:
            ok = on_services(h, c, p, pdu, len);
            break;
        case GATTC_DISC_SVCS_UUID:
            ok = on_services_by_uuid(h, c, p, pdu, len);
            break;
        case GATTC_DISC_CHRS:
            ok = on_characteristics(h, c, p, pdu, len);
            break;
        case GATTC_DISC_DSCS:
            ok = on_descriptors(h, c, p, pdu, len);
            break;
        case GATTC_READ:
            on_read(h, c, p, pdu, len);
            break;
        case GATTC_WRITE:
            p->done = true;
            break;
        case GATTC_MTU:
            on_mtu(h, c, p, pdu);
            break;
        }
    }
    if (!ok) {
        p->done = true;
        p->status = ATT_STATUS_BAD_DATA;
    }
    c->att.gattc.busy = false;
}

void gattc_fail_current(struct host *h, struct conn *c, uint16_t status)
{
    struct gattc_proc *p = head(c);
    if (p) {
        p->done = true;
        p->status = status;
    }
}

void gattc_fail_all(struct host *h, struct conn *c, uint16_t status)
{
    struct gattc_queue *q = &c->att.gattc;
    for (unsigned i = 0; i < q->count; i++) {
        struct gattc_proc *p = &q->procs[(q->head + i) % GATTC_MAX_PROCS];
        p->done = true;
        p->status = status;
    }
    gattc_run(h, c);
}

/* ---- the module's procedures ---- */

static int start(struct host *h, struct conn *c)
{
    gattc_run(h, c);
    return 0;
}

static bool uuid_ok(const mpble_uuid_t *u)
{
    return u->len == 2 || u->len == 4 || u->len == 16;
}

int gattc_discover_services(struct host *h, struct conn *c, const mpble_uuid_t *uuid)
{
    if (uuid && !uuid_ok(uuid))
        return -EINVAL;
    int rc;
    struct gattc_proc *p = push(c, uuid ? GATTC_DISC_SVCS_UUID : GATTC_DISC_SVCS, &rc);
    if (p == NULL)
        return rc;
    if (uuid)
        p->uuid = att_uuid_norm(uuid);
    p->handle = 1;
    p->end = 0xffff;
    return start(h, c);
}

int gattc_discover_characteristics(struct host *h, struct conn *c, uint16_t start_handle,
                                   uint16_t end, const mpble_uuid_t *uuid)
{
    if (uuid && !uuid_ok(uuid))
        return -EINVAL;
    /* One characteristic discovery at a time across all links (reference). */
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++)
        if (h->conns[i].used && has_kind(&h->conns[i], GATTC_DISC_CHRS))
            return -EBUSY;
    int rc;
    struct gattc_proc *p = push(c, GATTC_DISC_CHRS, &rc);
    if (p == NULL)
        return rc;
    p->has_uuid = uuid != NULL;
    if (uuid)
        p->uuid = *uuid;
    p->handle = start_handle;
    p->end = end;
    return start(h, c);
}

int gattc_discover_descriptors(struct host *h, struct conn *c, uint16_t start_handle, uint16_t end)
{
    int rc;
    struct gattc_proc *p = push(c, GATTC_DISC_DSCS, &rc);
    if (p == NULL)
        return rc;
    /* Find Information from the handle after start (semantics 7.3); nothing to ask
     * for when the range is empty. */
    p->done = start_handle >= end;
    p->handle = (uint16_t)(start_handle + 1);
    p->end = end;
    return start(h, c);
}

int gattc_read(struct host *h, struct conn *c, uint16_t handle)
{
    int rc;
    struct gattc_proc *p = push(c, GATTC_READ, &rc);
    if (p == NULL)
        return rc;
    p->handle = handle;
    return start(h, c);
}

int gattc_write(struct host *h, struct conn *c, uint16_t handle, const uint8_t *data, size_t len,
                bool with_response)
{
    /* Cut to ATT_MTU-3 when sent, never a long write (semantics 7.5). */
    if (!with_response) {
        if (len > c->att.mtu - 3u)
            len = c->att.mtu - 3u;
        uint8_t pdu[ATT_MTU_MAX] = {ATT_WRITE_CMD};
        put_le16(pdu + 1, handle);
        if (len)
            memcpy(pdu + 3, data, len);
        return att_send(h, c, pdu, 3 + len);
    }
    int rc;
    struct gattc_proc *p = push(c, GATTC_WRITE, &rc);
    if (p == NULL)
        return rc;
    p->handle = handle;
    if (len > sizeof p->u.write.data)
        len = sizeof p->u.write.data;
    p->u.write.len = (uint16_t)len;
    if (len)
        memcpy(p->u.write.data, data, len);
    return start(h, c);
}

int gattc_exchange_mtu(struct host *h, struct conn *c)
{
    if (c->att.mtu_exchanged || has_kind(c, GATTC_MTU))
        return -EALREADY;
    int rc;
    struct gattc_proc *p = push(c, GATTC_MTU, &rc);
    if (p == NULL)
        return rc;
    p->end = (uint16_t)host_settings(h)->mtu;
    return start(h, c);
}
