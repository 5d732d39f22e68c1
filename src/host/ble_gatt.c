/* ble_gatt.c - the public GATT functions (mpble.h): each runs its work on the
 * device's loop. */
#include <errno.h>

#include "host/att.h"
#include "host/ble_priv.h"
#include "host/conn.h"
#include "host/gattc.h"
#include "host/gatts.h"
#include "host/host.h"

/* ---- server ---- */

struct register_args {
    const struct mpble_gatts_service *services;
    size_t n;
    uint16_t *handles;
    size_t cap;
};

static int do_register(struct host *h, void *arg)
{
    struct register_args *a = arg;
    return gatts_register(h, a->services, a->n, a->handles, a->cap);
}

int mpble_gatts_register_services(mpble_t *dev, const struct mpble_gatts_service *services,
                                  size_t num_services, uint16_t *handles, size_t handles_cap)
{
    struct register_args a = {services, num_services, handles, handles_cap};
    return ble_call(dev, do_register, &a);
}

/* The arguments of every other GATT function. */
struct gatt_args {
    int op;
    uint16_t conn, handle, end;
    const mpble_uuid_t *uuid;
    const uint8_t *data;
    size_t len;
    int mode;
    bool flag; /* send_update, append */
    uint8_t **out;
    size_t *out_len;
};

enum {
    OP_READ,
    OP_WRITE,
    OP_SET_BUFFER,
    OP_NOTIFY,
    OP_INDICATE,
    OP_DISC_SVCS,
    OP_DISC_CHRS,
    OP_DISC_DSCS,
    OP_GATTC_READ,
    OP_GATTC_WRITE,
    OP_EXCHANGE_MTU,
};

static int do_local(struct host *h, const struct gatt_args *a)
{
    switch (a->op) {
    case OP_READ:
        return gatts_local_read(h, a->handle, a->out, a->out_len);
    case OP_WRITE:
        return gatts_local_write(h, a->handle, a->data, a->len, a->flag);
    default:
        return gatts_set_buffer(h, a->handle, a->len, a->flag);
    }
}

static int do_gatt(struct host *h, void *arg)
{
    struct gatt_args *a = arg;
    if (a->op <= OP_SET_BUFFER)
        return do_local(h, a);
    if (a->op == OP_GATTC_WRITE && a->mode != 0 && a->mode != 1)
        return -EINVAL; /* before the connection (reference) */
    struct conn *c = conn_by_handle(h, a->conn);
    if (c == NULL)
        return -ENOTCONN;
    switch (a->op) {
    case OP_NOTIFY:
    case OP_INDICATE:
        return att_server_send_value(h, c, a->handle, a->data, a->len, a->op == OP_INDICATE);
    case OP_DISC_SVCS:
        return gattc_discover_services(h, c, a->uuid);
    case OP_DISC_CHRS:
        return gattc_discover_characteristics(h, c, a->handle, a->end, a->uuid);
    case OP_DISC_DSCS:
        return gattc_discover_descriptors(h, c, a->handle, a->end);
    case OP_GATTC_READ:
        return gattc_read(h, c, a->handle);
    case OP_GATTC_WRITE:
        return gattc_write(h, c, a->handle, a->data, a->len, a->mode == 1);
    default:
        return gattc_exchange_mtu(h, c);
    }
}

int mpble_gatts_read(mpble_t *dev, uint16_t value_handle, uint8_t **data, size_t *len)
{
    struct gatt_args a = {.op = OP_READ, .handle = value_handle, .out = data, .out_len = len};
    *data = NULL;
    *len = 0;
    int rc = ble_call(dev, do_gatt, &a);
    return rc == -ENODEV ? 0 : rc; /* inactive reads as empty (reference) */
}

int mpble_gatts_write(mpble_t *dev, uint16_t value_handle, const uint8_t *data, size_t len,
                      bool send_update)
{
    struct gatt_args a = {.op = OP_WRITE, .handle = value_handle, .data = data, .len = len,
                          .flag = send_update};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gatts_set_buffer(mpble_t *dev, uint16_t value_handle, size_t len, bool append)
{
    struct gatt_args a = {.op = OP_SET_BUFFER, .handle = value_handle, .len = len, .flag = append};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gatts_notify(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle,
                       const uint8_t *data, size_t len)
{
    struct gatt_args a = {.op = OP_NOTIFY, .conn = conn_handle, .handle = value_handle,
                          .data = data, .len = len};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gatts_indicate(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle,
                         const uint8_t *data, size_t len)
{
    struct gatt_args a = {.op = OP_INDICATE, .conn = conn_handle, .handle = value_handle,
                          .data = data, .len = len};
    return ble_call(dev, do_gatt, &a);
}

/* ---- client ---- */

int mpble_gattc_discover_services(mpble_t *dev, uint16_t conn_handle, const mpble_uuid_t *uuid)
{
    struct gatt_args a = {.op = OP_DISC_SVCS, .conn = conn_handle, .uuid = uuid};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gattc_discover_characteristics(mpble_t *dev, uint16_t conn_handle, uint16_t start,
                                         uint16_t end, const mpble_uuid_t *uuid)
{
    struct gatt_args a = {.op = OP_DISC_CHRS, .conn = conn_handle, .handle = start, .end = end,
                          .uuid = uuid};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gattc_discover_descriptors(mpble_t *dev, uint16_t conn_handle, uint16_t start,
                                     uint16_t end)
{
    struct gatt_args a = {.op = OP_DISC_DSCS, .conn = conn_handle, .handle = start, .end = end};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gattc_read(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle)
{
    struct gatt_args a = {.op = OP_GATTC_READ, .conn = conn_handle, .handle = value_handle};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gattc_write(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle,
                      const uint8_t *data, size_t len, int mode)
{
    struct gatt_args a = {.op = OP_GATTC_WRITE, .conn = conn_handle, .handle = value_handle,
                          .data = data, .len = len, .mode = mode};
    return ble_call(dev, do_gatt, &a);
}

int mpble_gattc_exchange_mtu(mpble_t *dev, uint16_t conn_handle)
{
    struct gatt_args a = {.op = OP_EXCHANGE_MTU, .conn = conn_handle};
    return ble_call(dev, do_gatt, &a);
}
