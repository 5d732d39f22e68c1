/* ble_l2cap.c - BLE methods of the L2CAP credit-based channels: l2cap_listen,
 * l2cap_connect, l2cap_disconnect, l2cap_send, l2cap_recvinto.
 * micropython-semantics.md 4.4 and 8 (without the reference's one channel). */
#include <limits.h>
#include <stdint.h>

#include "args.h"
#include "ble_obj.h"

/* The first n arguments as 16-bit values (conn_handle, psm, cid), then an mtu. */
static int handles_and_mtu(PyObject *const *args, Py_ssize_t n, uint16_t *handles, int *mtu)
{
    long long v;
    if (bt_handles_get(args, n, handles) < 0 || bt_int_get(args[n], INT_MIN, INT_MAX, &v) < 0) {
        return -1;
    }
    *mtu = (int)v;
    return 0;
}

PyObject *bt_ble_l2cap_listen(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t psm;
    int mtu, rc;
    if (bt_check_nargs("l2cap_listen", nargs, 2, 2) < 0 ||
        handles_and_mtu(args, 1, &psm, &mtu) < 0) {
        return NULL;
    }
    WITHOUT_GIL(rc = mpble_l2cap_listen(self->h, psm, mtu));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_l2cap_connect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[2]; /* conn, psm */
    int mtu, rc;
    if (bt_check_nargs("l2cap_connect", nargs, 3, 3) < 0 || handles_and_mtu(args, 2, h, &mtu) < 0) {
        return NULL;
    }
    WITHOUT_GIL(rc = mpble_l2cap_connect(self->h, h[0], h[1], mtu));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_l2cap_disconnect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[2]; /* conn, cid */
    int rc;
    if (bt_check_nargs("l2cap_disconnect", nargs, 2, 2) < 0 || bt_handles_get(args, 2, h) < 0) {
        return NULL;
    }
    WITHOUT_GIL(rc = mpble_l2cap_disconnect(self->h, h[0], h[1]));
    return bt_none_or_raise(obj, rc);
}

/* True when more may be sent now, False when stalled (the data was taken). */
PyObject *bt_ble_l2cap_send(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[2]; /* conn, cid */
    bt_bytes_t b;
    if (bt_check_nargs("l2cap_send", nargs, 3, 3) < 0 || bt_handles_get(args, 2, h) < 0 ||
        bt_bytes_get(args[2], &b) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_l2cap_send(self->h, h[0], h[1], b.buf, b.len));
    bt_bytes_release(&b);
    if (rc < 0) {
        return bt_none_or_raise(obj, rc);
    }
    return PyBool_FromLong(rc);
}

/* The bytes copied into a writable buffer; with None, the bytes waiting. */
PyObject *bt_ble_l2cap_recvinto(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t h[2]; /* conn, cid */
    if (bt_check_nargs("l2cap_recvinto", nargs, 3, 3) < 0 || bt_handles_get(args, 2, h) < 0) {
        return NULL;
    }
    Py_buffer view = {0};
    if (args[2] != Py_None && PyObject_GetBuffer(args[2], &view, PyBUF_WRITABLE) < 0) {
        PyErr_SetString(PyExc_TypeError, "object with buffer protocol required"); /* reference */
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_l2cap_recvinto(self->h, h[0], h[1], view.buf, (size_t)view.len));
    if (view.obj != NULL) {
        PyBuffer_Release(&view);
    }
    if (rc < 0) {
        return bt_none_or_raise(obj, rc);
    }
    return PyLong_FromLong(rc);
}
