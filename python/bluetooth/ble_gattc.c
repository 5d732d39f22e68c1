/* ble_gattc.c - BLE methods of the GATT client: discovery, read, write, MTU
 * exchange. All return None; results arrive as events.
 * micropython-semantics.md 4.3 and 7. */
#include <limits.h>
#include <stdint.h>

#include "args.h"
#include "ble_obj.h"
#include "uuid.h"

/* An optional UUID filter: NULL for None, else buf filled from a UUID; anything
 * else is TypeError("UUID"). */
static int uuid_filter(PyObject *obj, mpble_uuid_t *buf, const mpble_uuid_t **out)
{
    *out = NULL;
    if (obj == Py_None) {
        return 0;
    }
    if (!bt_uuid_get(obj, buf)) {
        PyErr_SetString(PyExc_TypeError, "UUID");
        return -1;
    }
    *out = buf;
    return 0;
}

PyObject *bt_ble_gattc_discover_services(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t conn;
    mpble_uuid_t buf;
    const mpble_uuid_t *uuid;
    if (bt_check_nargs("gattc_discover_services", nargs, 1, 2) < 0 ||
        bt_handles_get(args, 1, &conn) < 0 ||
        uuid_filter(nargs == 2 ? args[1] : Py_None, &buf, &uuid) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gattc_discover_services(self->h, conn, uuid));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gattc_discover_characteristics(PyObject *obj, PyObject *const *args,
                                                Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[3]; /* conn, start, end */
    mpble_uuid_t buf;
    const mpble_uuid_t *uuid;
    if (bt_check_nargs("gattc_discover_characteristics", nargs, 3, 4) < 0 ||
        bt_handles_get(args, 3, h) < 0 ||
        uuid_filter(nargs == 4 ? args[3] : Py_None, &buf, &uuid) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gattc_discover_characteristics(self->h, h[0], h[1], h[2], uuid));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gattc_discover_descriptors(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[3]; /* conn, start, end */
    if (bt_check_nargs("gattc_discover_descriptors", nargs, 3, 3) < 0 ||
        bt_handles_get(args, 3, h) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gattc_discover_descriptors(self->h, h[0], h[1], h[2]));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gattc_read(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[2]; /* conn, value */
    if (bt_check_nargs("gattc_read", nargs, 2, 2) < 0 || bt_handles_get(args, 2, h) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gattc_read(self->h, h[0], h[1]));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gattc_write(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[2]; /* conn, value */
    long long mode = 0;
    if (bt_check_nargs("gattc_write", nargs, 3, 4) < 0 || bt_handles_get(args, 2, h) < 0) {
        return NULL;
    }
    bt_bytes_t b;
    if (bt_bytes_get(args[2], &b) < 0) {
        return NULL;
    }
    if (nargs == 4 && bt_int_get(args[3], INT_MIN, INT_MAX, &mode) < 0) {
        bt_bytes_release(&b);
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gattc_write(self->h, h[0], h[1], b.buf, b.len, (int)mode));
    bt_bytes_release(&b);
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gattc_exchange_mtu(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t conn;
    if (bt_check_nargs("gattc_exchange_mtu", nargs, 1, 1) < 0 ||
        bt_handles_get(args, 1, &conn) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gattc_exchange_mtu(self->h, conn));
    return bt_none_or_raise(obj, rc);
}
