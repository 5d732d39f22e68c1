/* ble_gap.c - BLE methods of the GAP roles: broadcaster (gap_advertise), observer
 * (gap_scan), central and peripheral (gap_connect, gap_disconnect).
 * micropython-semantics.md 4.1. */
#include <stdint.h>
#include <string.h>

#include "args.h"
#include "ble_obj.h"
#include "errors.h"

PyObject *bt_ble_gap_advertise(PyObject *obj, PyObject *args, PyObject *kwargs)
{
    BLEObject *self = (BLEObject *)obj;
    static char *kwlist[] = {"interval_us", "adv_data", "resp_data", "connectable", NULL};
    PyObject *interval = NULL, *adv_obj = Py_None, *resp_obj = Py_None;
    int connectable = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO$Op:gap_advertise", kwlist, &interval,
                                     &adv_obj, &resp_obj, &connectable)) {
        return NULL;
    }
    int rc;
    if (interval == Py_None) {
        WITHOUT_GIL(rc = mpble_gap_advertise_stop(self->h));
        return bt_none_or_raise(obj, rc);
    }
    long long interval_us = 500000;
    if (interval != NULL && bt_int_get(interval, 0, UINT32_MAX, &interval_us) < 0) {
        return NULL;
    }
    bt_bytes_t adv, resp;
    if (bt_bytes_get_or_none(adv_obj, &adv) < 0) {
        return NULL;
    }
    if (bt_bytes_get_or_none(resp_obj, &resp) < 0) {
        bt_bytes_release(&adv);
        return NULL;
    }
    WITHOUT_GIL(rc = mpble_gap_advertise(self->h, (uint32_t)interval_us, adv.buf, adv.len, resp.buf,
                                         resp.len, connectable));
    bt_bytes_release(&adv);
    bt_bytes_release(&resp);
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gap_scan(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("gap_scan", nargs, 0, 4) < 0) {
        return NULL;
    }
    int rc;
    if (nargs >= 1 && args[0] == Py_None) {
        WITHOUT_GIL(rc = mpble_gap_scan_stop(self->h));
        return bt_none_or_raise(obj, rc);
    }
    long long value[3] = {0, 1280000, 11250}; /* duration_ms, interval_us, window_us */
    for (Py_ssize_t i = 0; i < nargs && i < 3; i++) {
        if (bt_int_get(args[i], 0, UINT32_MAX, &value[i]) < 0) {
            return NULL;
        }
    }
    int active = 0;
    if (nargs == 4 && (active = PyObject_IsTrue(args[3])) < 0) {
        return NULL;
    }
    WITHOUT_GIL(rc = mpble_gap_scan(self->h, (uint32_t)value[0], (uint32_t)value[1],
                                    (uint32_t)value[2], active));
    return bt_none_or_raise(obj, rc);
}

/* gap_connect(None) cancels; otherwise addr_type, a 6-byte addr and optional ints
 * where None means the default. */
PyObject *bt_ble_gap_connect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("gap_connect", nargs, 1, 5) < 0) {
        return NULL;
    }
    int rc;
    if (nargs == 1) {
        if (args[0] != Py_None) {
            PyErr_SetString(PyExc_TypeError, "invalid addr");
            return NULL;
        }
        WITHOUT_GIL(rc = mpble_gap_connect_cancel(self->h));
        return bt_none_or_raise(obj, rc);
    }
    uint64_t addr_type;
    if (bt_uint_get(args[0], 8, &addr_type) < 0) {
        return NULL;
    }
    bt_bytes_t addr;
    if (bt_bytes_get(args[1], &addr) < 0) {
        return NULL;
    }
    mpble_addr_t peer = {.type = (uint8_t)addr_type};
    size_t addr_len = addr.len;
    if (addr_len == sizeof(peer.val)) {
        memcpy(peer.val, addr.buf, sizeof(peer.val));
    }
    bt_bytes_release(&addr);
    if (addr_len != sizeof(peer.val)) {
        PyErr_SetString(PyExc_ValueError, "invalid addr");
        return NULL;
    }
    /* scan_duration_ms, min_conn_interval_us, max_conn_interval_us; 0: the default. */
    long long value[3] = {2000, 0, 0};
    for (Py_ssize_t i = 2; i < nargs; i++) {
        if (args[i] != Py_None && bt_int_get(args[i], 0, UINT32_MAX, &value[i - 2]) < 0) {
            return NULL;
        }
    }
    WITHOUT_GIL(rc = mpble_gap_connect(self->h, &peer, (uint32_t)value[0], (uint32_t)value[1],
                                       (uint32_t)value[2]));
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gap_disconnect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t conn;
    if (bt_check_nargs("gap_disconnect", nargs, 1, 1) < 0 || bt_handles_get(args, 1, &conn) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gap_disconnect(self->h, conn));
    if (rc < 0) {
        return bt_raise_errno(self->h, rc);
    }
    return PyBool_FromLong(rc > 0);
}
