/* ble_obj.h - the BLE object's layout and its methods, shared by the files that
 * implement them (ble.c: the type, active, config, irq; ble_gap.c; ble_gatts.c;
 * ble_gattc.c; ble_l2cap.c).
 *
 * A thin binding: argument conversion here, semantics (state checks, payload
 * retention, unit conversion, range checks) in the C core. Every C call is made
 * without the GIL: it may wait for the host's lock or the controller, and other
 * Python threads (an in-process controller, say) go on meanwhile. */
#ifndef BT_BLE_OBJ_H
#define BT_BLE_OBJ_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mpble/mpble.h"

#define WITHOUT_GIL(stmt)      \
    do {                       \
        Py_BEGIN_ALLOW_THREADS \
        stmt;                  \
        Py_END_ALLOW_THREADS   \
    } while (0)

typedef struct {
    PyObject_HEAD
    mpble_t *h;
    PyObject *handler; /* callable or None; read and replaced only under the GIL */
} BLEObject;

/* Returns None for rc >= 0, else raises OSError. */
PyObject *bt_none_or_raise(PyObject *self, int rc);

/* Methods, named as in Python; all positional-only (METH_FASTCALL) except
 * gap_advertise (METH_VARARGS | METH_KEYWORDS). */
PyObject *bt_ble_gap_advertise(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *bt_ble_gap_scan(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gap_connect(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gap_disconnect(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

PyObject *bt_ble_gatts_register_services(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gatts_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gatts_write(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gatts_notify(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gatts_indicate(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gatts_set_buffer(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

PyObject *bt_ble_gattc_discover_services(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gattc_discover_characteristics(PyObject *self, PyObject *const *args,
                                                Py_ssize_t nargs);
PyObject *bt_ble_gattc_discover_descriptors(PyObject *self, PyObject *const *args,
                                            Py_ssize_t nargs);
PyObject *bt_ble_gattc_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gattc_write(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_gattc_exchange_mtu(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_l2cap_listen(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_l2cap_connect(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_l2cap_disconnect(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_l2cap_send(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bt_ble_l2cap_recvinto(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

#endif
