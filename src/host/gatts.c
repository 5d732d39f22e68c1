/* gatts.c - the GATT server's attribute database (Core v5.4 Vol 3 Part G 3): the
 * reference's layout, the stored values, permissions from the module's flags, and
 * the Client Characteristic Configuration of each connection. */
#include "host/gatts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "host/att.h"
#include "host/host.h"

/* GATT attribute types (Vol 3 Part G 3.1, 3.3, 3.3.3.3) and the stack's own
 * characteristics (Assigned Numbers). */
#define UUID_PRIMARY_SERVICE 0x2800
#define UUID_CHARACTERISTIC 0x2803
#define UUID_CCCD 0x2902
#define CCCD_NOTIFY 0x0001
#define CCCD_INDICATE 0x0002

enum kind { K_SERVICE, K_CHRC, K_VALUE, K_CCCD, K_DESC };
/* Values the stack serves itself. */
enum stack_value { SV_NONE, SV_DEVICE_NAME, SV_APPEARANCE, SV_OTHER };

struct attr {
    uint8_t kind;      /* enum kind */
    uint8_t stack;     /* enum stack_value: part of the GAP/GATT services */
    uint16_t flags;    /* VALUE, CCCD: the characteristic's; DESC: the descriptor's */
    uint16_t ref;      /* SERVICE: group end; CHRC: value handle; VALUE: its CCCD or 0 */
    uint32_t slot;     /* VALUE, DESC: index of the value; CCCD: index of the CCCD */
    mpble_uuid_t uuid; /* SERVICE: the service; CHRC, VALUE: the characteristic; DESC */
};

struct value {
    uint8_t *buf;
    size_t cap, len;
    bool append;
};

struct cccd_state {
    uint16_t bits;
    bool pending; /* an update (gatts_write with send_update) waits to be sent */
};

struct gatts_db {
    struct attr *attrs; /* attrs[i] has handle i + 1 */
    size_t n;
    struct value *values;
    size_t nvalues;
    uint16_t *cccd_handles; /* the CCCDs in handle order */
    size_t ncccd;
    struct cccd_state *cccd; /* [connection slot * ncccd + CCCD index] */
    struct host_timer update_timer;
    uint8_t scratch[MPBLE_GAP_NAME_MAX]; /* a composed value: a declaration, the name */
};
_Static_assert(MPBLE_GAP_NAME_MAX >= 1 + 2 + 16, "room for a characteristic declaration");

/* The stack's services, first in every database (semantics 6.1): GAP with Device
 * Name and Appearance, GATT with Service Changed (Vol 3 Part G 7.1). */
static const struct mpble_gatts_characteristic gap_chars[] = {
    {{2, {0x00, 0x2a}}, GATTS_F_READ, NULL, 0},
    {{2, {0x01, 0x2a}}, GATTS_F_READ, NULL, 0},
};
static const struct mpble_gatts_characteristic gatt_chars[] = {
    {{2, {0x05, 0x2a}}, GATTS_F_INDICATE, NULL, 0},
};
static const struct mpble_gatts_service stack_services[] = {
    {{2, {0x00, 0x18}}, gap_chars, 2},
    {{2, {0x01, 0x18}}, gatt_chars, 1},
};
#define NUM_STACK_SERVICES 2

static bool has_cccd(uint16_t flags)
{
    return flags & (GATTS_F_NOTIFY | GATTS_F_INDICATE);
}

static bool uuid_ok(const mpble_uuid_t *u)
{
    return u->len == 2 || u->len == 4 || u->len == 16;
}

/* ---- building ---- */

struct counts {
    size_t attrs, values, cccds, handles;
};

static int count(const struct mpble_gatts_service *s, size_t n, struct counts *k)
{
    for (size_t i = 0; i < n; i++) {
        if (!uuid_ok(&s[i].uuid))
            return -EINVAL;
        k->attrs++;
        for (size_t j = 0; j < s[i].num_characteristics; j++) {
            const struct mpble_gatts_characteristic *ch = &s[i].characteristics[j];
            if (!uuid_ok(&ch->uuid))
                return -EINVAL;
            k->attrs += 2 + has_cccd(ch->flags) + ch->num_descriptors;
            k->cccds += has_cccd(ch->flags);
            k->values += 1 + ch->num_descriptors;
            k->handles += 1 + ch->num_descriptors;
            for (size_t d = 0; d < ch->num_descriptors; d++)
                if (!uuid_ok(&ch->descriptors[d].uuid))
                    return -EINVAL;
        }
    }
    return 0;
}

static struct attr *add(struct gatts_db *db, uint8_t kind, uint8_t stack, uint16_t flags,
                        const mpble_uuid_t *uuid)
{
    struct attr *a = &db->attrs[db->n++];
    a->kind = kind;
    a->stack = stack;
    a->flags = flags;
    a->uuid = att_uuid_norm(uuid);
    if (kind == K_VALUE || kind == K_DESC)
        a->slot = (uint32_t)db->nvalues++;
    else if (kind == K_CCCD) {
        a->slot = (uint32_t)db->ncccd;
        db->cccd_handles[db->ncccd++] = (uint16_t)db->n;
    }
    return a;
}

/* Appends services to the database; writes user value/descriptor handles to out. */
static size_t build(struct gatts_db *db, const struct mpble_gatts_service *s, size_t n, bool stack,
                    uint16_t *out)
{
    size_t nout = 0;
    for (size_t i = 0; i < n; i++) {
        struct attr *svc = add(db, K_SERVICE, stack ? SV_OTHER : SV_NONE, 0, &s[i].uuid);
        for (size_t j = 0; j < s[i].num_characteristics; j++) {
            const struct mpble_gatts_characteristic *ch = &s[i].characteristics[j];
            uint8_t sv = !stack             ? SV_NONE
                         : i == 0 && j == 0 ? SV_DEVICE_NAME
                         : i == 0 && j == 1 ? SV_APPEARANCE
                                            : SV_OTHER;
            struct attr *decl = add(db, K_CHRC, sv, ch->flags, &ch->uuid);
            decl->ref = (uint16_t)(db->n + 1);
            struct attr *val = add(db, K_VALUE, sv, ch->flags, &ch->uuid);
            if (out)
                out[nout++] = (uint16_t)db->n;
            if (has_cccd(ch->flags)) {
                mpble_uuid_t t = att_uuid16(UUID_CCCD);
                add(db, K_CCCD, sv, ch->flags, &t);
                val->ref = (uint16_t)db->n;
            }
            for (size_t d = 0; d < ch->num_descriptors; d++) {
                /* Descriptors honour only read and write (semantics 6.3). */
                uint16_t f = ch->descriptors[d].flags &
                             (GATTS_F_READ | GATTS_F_WRITE | GATTS_F_WRITE_NO_RESPONSE);
                add(db, K_DESC, sv, f, &ch->descriptors[d].uuid);
                if (out)
                    out[nout++] = (uint16_t)db->n;
            }
        }
        svc->ref = (uint16_t)db->n;
    }
    return nout;
}

static void db_free(struct host *h, struct gatts_db *db)
{
    if (db == NULL)
        return;
    if (db->update_timer.armed)
        host_timer_stop(h, &db->update_timer);
    for (size_t i = 0; i < db->nvalues; i++)
        free(db->values[i].buf);
    free(db->values);
    free(db->attrs);
    free(db->cccd_handles);
    free(db->cccd);
    free(db);
}

static void send_updates(struct host *h, struct host_timer *t);

/* A database of the stack's services followed by s. */
static int db_new(const struct mpble_gatts_service *s, size_t n, uint16_t *handles,
                  size_t handles_cap, struct gatts_db **out)
{
    struct counts k = {0};
    int rc = count(stack_services, NUM_STACK_SERVICES, &k);
    size_t stack_handles = k.handles;
    if (rc == 0)
        rc = count(s, n, &k);
    if (rc < 0)
        return rc;
    if (k.handles - stack_handles > handles_cap)
        return -EINVAL;
    if (k.attrs > 0xffff)
        return -ENOMEM; /* handles are 16-bit, 0 is reserved (Vol 3 Part F 3.2.2) */
    struct gatts_db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return -ENOMEM;
    db->update_timer.fire = send_updates;
    db->attrs = calloc(k.attrs, sizeof *db->attrs);
    db->values = calloc(k.values, sizeof *db->values);
    db->cccd_handles = calloc(k.cccds + 1, sizeof *db->cccd_handles);
    db->cccd = calloc(k.cccds * HOST_MAX_CONNS + 1, sizeof *db->cccd);
    bool ok = db->attrs && db->values && db->cccd_handles && db->cccd;
    for (size_t i = 0; ok && i < k.values; i++) {
        db->values[i].cap = GATTS_DEFAULT_BUFFER;
        ok = (db->values[i].buf = malloc(GATTS_DEFAULT_BUFFER)) != NULL;
    }
    db->nvalues = k.values; /* for db_free; build counts them again */
    if (!ok) {
        db_free(NULL, db);
        return -ENOMEM;
    }
    db->nvalues = 0;
    build(db, stack_services, NUM_STACK_SERVICES, true, NULL);
    rc = (int)build(db, s, n, false, handles);
    *out = db;
    return rc;
}

int gatts_start(struct host *h)
{
    return db_new(NULL, 0, NULL, 0, &h->gatts);
}

void gatts_stop(struct host *h)
{
    db_free(h, h->gatts);
    h->gatts = NULL;
}

static bool gap_busy(const struct host *h)
{
    if (h->advertising || h->adv_held || h->scanning || h->connecting)
        return true;
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++)
        if (h->conns[i].used)
            return true;
    return false;
}

int gatts_register(struct host *h, const struct mpble_gatts_service *services, size_t n,
                   uint16_t *handles, size_t handles_cap)
{
    /* The reference refuses to change the database while GAP is active (NimBLE),
     * then counts services one by one. */
    if (gap_busy(h))
        return -EBUSY;
    if (n > GATTS_MAX_SERVICES)
        return -E2BIG;
    struct gatts_db *db;
    int rc = db_new(services, n, handles, handles_cap, &db);
    if (rc < 0)
        return rc;
    gatts_stop(h);
    h->gatts = db;
    return rc;
}

/* ---- lookups ---- */

static struct attr *attr_at(const struct host *h, uint16_t handle)
{
    struct gatts_db *db = h->gatts;
    if (db == NULL || handle == 0 || handle > db->n)
        return NULL;
    return &db->attrs[handle - 1];
}

/* The stored value of a characteristic value or descriptor. */
static struct value *value_of(const struct host *h, uint16_t handle)
{
    struct attr *a = attr_at(h, handle);
    if (a == NULL || (a->kind != K_VALUE && a->kind != K_DESC))
        return NULL;
    return &h->gatts->values[a->slot];
}

static struct cccd_state *cccd_of(const struct host *h, const struct conn *c, uint32_t slot)
{
    return &h->gatts->cccd[(size_t)(c - h->conns) * h->gatts->ncccd + slot];
}

uint16_t gatts_last_handle(const struct host *h)
{
    return h->gatts ? (uint16_t)h->gatts->n : 0;
}

mpble_uuid_t gatts_type(const struct host *h, uint16_t handle)
{
    const struct attr *a = attr_at(h, handle);
    switch (a->kind) {
    case K_SERVICE:
        return att_uuid16(UUID_PRIMARY_SERVICE);
    case K_CHRC:
        return att_uuid16(UUID_CHARACTERISTIC);
    case K_CCCD:
        return att_uuid16(UUID_CCCD);
    default:
        return a->uuid;
    }
}

uint16_t gatts_group_end(const struct host *h, uint16_t handle)
{
    const struct attr *a = attr_at(h, handle);
    return a && a->kind == K_SERVICE ? a->ref : 0;
}

bool gatts_fixed_length(const struct host *h, uint16_t handle)
{
    const struct attr *a = attr_at(h, handle);
    return a && a->kind != K_VALUE && a->kind != K_DESC;
}

/* ---- the API's values ---- */

int gatts_local_read(struct host *h, uint16_t handle, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    struct value *v = value_of(h, handle);
    if (v == NULL || v->len == 0)
        return 0; /* the reference gives b'' */
    if ((*data = malloc(v->len)) == NULL)
        return -ENOMEM;
    memcpy(*data, v->buf, v->len);
    *len = v->len;
    if (v->append)
        v->len = 0;
    return 0;
}

static int resize(struct value *v, size_t cap)
{
    uint8_t *b = realloc(v->buf, cap ? cap : 1);
    if (b == NULL)
        return -ENOMEM;
    v->buf = b;
    v->cap = cap;
    return 0;
}

int gatts_local_write(struct host *h, uint16_t handle, const uint8_t *data, size_t len,
                      bool send_update)
{
    struct value *v = value_of(h, handle);
    if (v == NULL)
        return -EINVAL;
    if (len > v->cap && resize(v, len) < 0)
        return -ENOMEM;
    if (len)
        memcpy(v->buf, data, len);
    v->len = len;
    const struct attr *a = attr_at(h, handle);
    if (!send_update || a->kind != K_VALUE || a->ref == 0)
        return 0;
    /* Mark the value changed for every subscriber; sent on a later turn (semantics
     * 4.2), each reading the value then. */
    uint32_t slot = attr_at(h, a->ref)->slot;
    bool any = false;
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        struct cccd_state *s = cccd_of(h, &h->conns[i], slot);
        if (h->conns[i].used && s->bits) {
            s->pending = true;
            any = true;
        }
    }
    if (any)
        gatts_kick_updates(h);
    return 0;
}

int gatts_set_buffer(struct host *h, uint16_t handle, size_t len, bool append)
{
    struct value *v = value_of(h, handle);
    if (v == NULL)
        return -EINVAL;
    if (resize(v, len) < 0)
        return -ENOMEM;
    v->len = 0;
    v->append = append;
    return 0;
}

/* ---- notifications and indications of changed values ---- */

void gatts_kick_updates(struct host *h)
{
    if (h->gatts && !h->gatts->update_timer.armed)
        host_timer_start(h, &h->gatts->update_timer, 0);
}

/* Notify where the client asked for notifications, else indicate unless an
 * indication is unconfirmed (it then waits for the confirmation). */
static void send_updates(struct host *h, struct host_timer *t)
{
    struct gatts_db *db = h->gatts;
    for (unsigned i = 0; i < HOST_MAX_CONNS; i++) {
        struct conn *c = &h->conns[i];
        for (size_t k = 0; c->used && k < db->ncccd; k++) {
            struct cccd_state *s = cccd_of(h, c, (uint32_t)k);
            bool notify = s->bits & CCCD_NOTIFY;
            if (!s->pending || (!notify && att_server_indicating(c)))
                continue;
            s->pending = false;
            uint16_t value_handle = (uint16_t)(db->cccd_handles[k] - 1);
            if (att_server_update(h, c, value_handle, !notify) == -EAGAIN) {
                s->pending = true; /* nothing was read: the ATT channel's room kicks again */
                break;
            }
            db = h->gatts; /* the read request's handler may have changed it */
            if (db == NULL)
                return;
        }
    }
}

/* ---- the ATT server's access ---- */

/* The security bits of a permission (Vol 3 Part F 3.2.5). */
static uint8_t security(const struct conn *c, bool enc, bool authen, bool author)
{
    if (enc && !c->sec.encrypted)
        return ATT_ERR_INSUFFICIENT_ENC;
    if (authen && !c->sec.authenticated)
        return ATT_ERR_INSUFFICIENT_AUTHEN;
    if (author)
        return ATT_ERR_INSUFFICIENT_AUTHOR; /* nothing authorizes a client */
    return 0;
}

static uint8_t read_allowed(const struct attr *a, const struct conn *c)
{
    if ((a->kind == K_VALUE || a->kind == K_DESC) && !(a->flags & GATTS_F_READ))
        return ATT_ERR_READ_NOT_PERMITTED;
    if (a->kind != K_VALUE)
        return 0;
    return security(c, a->flags & GATTS_F_READ_ENCRYPTED, a->flags & GATTS_F_READ_AUTHENTICATED,
                    a->flags & GATTS_F_READ_AUTHORIZED);
}

/* The ATT error for a read request handler's non-zero result. */
static uint8_t denial(int rc)
{
    return (uint8_t)rc ? (uint8_t)rc : ATT_ERR_UNLIKELY;
}

uint8_t gatts_read(struct host *h, struct conn *c, uint16_t handle, bool ask_app,
                   const uint8_t **val, size_t *len)
{
    struct attr *a = attr_at(h, handle);
    if (a == NULL)
        return ATT_ERR_INVALID_HANDLE;
    uint8_t err = c ? read_allowed(a, c) : 0;
    if (err)
        return err;
    if (ask_app && a->stack == SV_NONE && (a->kind == K_VALUE || a->kind == K_DESC)) {
        struct mpble_event ev = {.code = MPBLE_IRQ_GATTS_READ_REQUEST};
        ev.u.gatts.conn_handle = c ? c->handle : 0xffff;
        ev.u.gatts.attr_handle = handle;
        int rc = host_emit(h, &ev);
        if (rc != 0)
            return denial(rc);
        if ((a = attr_at(h, handle)) == NULL)
            return ATT_ERR_INVALID_HANDLE;
    }
    uint8_t *s = h->gatts->scratch;
    *val = s;
    switch (a->kind) {
    case K_SERVICE:
        *val = a->uuid.le;
        *len = a->uuid.len;
        return 0;
    case K_CHRC: /* Vol 3 Part G 3.3.1: properties, value handle, UUID */
        s[0] = (uint8_t)a->flags;
        put_le16(s + 1, a->ref);
        memcpy(s + 3, a->uuid.le, a->uuid.len);
        *len = 3u + a->uuid.len;
        return 0;
    case K_CCCD:
        put_le16(s, c ? cccd_of(h, c, a->slot)->bits : 0);
        *len = 2;
        return 0;
    default:
        break;
    }
    if (a->stack == SV_DEVICE_NAME) {
        const struct host_settings *set = host_settings(h);
        memcpy(s, set->gap_name, set->gap_name_len);
        *len = set->gap_name_len;
    } else if (a->stack == SV_APPEARANCE) {
        put_le16(s, 0x0000); /* Unknown */
        *len = 2;
    } else {
        const struct value *v = &h->gatts->values[a->slot];
        *val = v->buf;
        *len = v->len;
    }
    return 0;
}

uint8_t gatts_write_allowed(struct host *h, struct conn *c, uint16_t handle)
{
    const struct attr *a = attr_at(h, handle);
    if (a == NULL)
        return ATT_ERR_INVALID_HANDLE;
    uint16_t any_write = GATTS_F_WRITE | GATTS_F_WRITE_NO_RESPONSE;
    switch (a->kind) {
    case K_CCCD:
        return 0;
    case K_DESC:
        return a->flags & any_write ? 0 : ATT_ERR_WRITE_NOT_PERMITTED;
    case K_VALUE:
        /* The attribute's permission decides, whatever the PDU: a Write Command to a
         * characteristic with only WRITE is taken, as the reference takes it. */
        if (a->stack != SV_NONE || !(a->flags & any_write))
            return ATT_ERR_WRITE_NOT_PERMITTED;
        return security(c, a->flags & GATTS_F_WRITE_ENCRYPTED,
                        a->flags & GATTS_F_WRITE_AUTHENTICATED,
                        a->flags & GATTS_F_WRITE_AUTHORIZED);
    default:
        return ATT_ERR_WRITE_NOT_PERMITTED;
    }
}

uint8_t gatts_value_ok(struct host *h, uint16_t handle, const uint8_t *data, size_t len)
{
    const struct attr *a = attr_at(h, handle);
    if (a->kind != K_CCCD)
        return len > ATT_VALUE_MAX ? ATT_ERR_INVALID_VALUE_LEN : 0;
    if (len != 2)
        return ATT_ERR_INVALID_VALUE_LEN;
    uint16_t allowed = (a->flags & GATTS_F_NOTIFY ? CCCD_NOTIFY : 0) |
                       (a->flags & GATTS_F_INDICATE ? CCCD_INDICATE : 0);
    /* NimBLE (the reference) refuses bits the characteristic does not support so. */
    return get_le16(data) & ~allowed ? ATT_ERR_REQ_NOT_SUPPORTED : 0;
}

void gatts_store(struct host *h, struct conn *c, uint16_t handle, const uint8_t *data, size_t len)
{
    const struct attr *a = attr_at(h, handle);
    if (a->kind == K_CCCD) {
        cccd_of(h, c, a->slot)->bits = get_le16(data);
        return;
    }
    /* Remote writes never grow the buffer: truncated, or appended up to it
     * (semantics 6.2). */
    struct value *v = &h->gatts->values[a->slot];
    size_t at = v->append ? v->len : 0;
    size_t n = len < v->cap - at ? len : v->cap - at;
    memcpy(v->buf + at, data, n);
    v->len = at + n;
}

void gatts_written(struct host *h, struct conn *c, uint16_t handle)
{
    const struct attr *a = attr_at(h, handle);
    if (a == NULL || a->stack != SV_NONE || (a->kind != K_VALUE && a->kind != K_DESC))
        return;
    struct mpble_event ev = {.code = MPBLE_IRQ_GATTS_WRITE};
    ev.u.gatts.conn_handle = c->handle;
    ev.u.gatts.attr_handle = handle;
    host_emit(h, &ev);
}

void gatts_conn_reset(struct host *h, struct conn *c)
{
    if (h->gatts)
        memset(cccd_of(h, c, 0), 0, h->gatts->ncccd * sizeof(struct cccd_state));
}
