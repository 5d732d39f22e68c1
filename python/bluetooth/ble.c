/* ble.c - the bluetooth.BLE type: construction, active(), irq(), config() and the
 * method table (the other methods: ble_gap.c, ble_gatts.c, ble_gattc.c). */
#include "ble.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "args.h"
#include "ble_obj.h"
#include "errors.h"
#include "irq.h"
#include "scheduler.h"
#include "mpble/mpble.h"

/* The singleton, created by the first BLE() and kept for the life of the process. */
static BLEObject *singleton;

static int ble_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    BLEObject *self = ctx;
    return bt_irq_deliver(&self->handler, ev);
}

PyObject *bt_none_or_raise(PyObject *self, int rc)
{
    if (rc < 0) {
        return bt_raise_errno(((BLEObject *)self)->h, rc);
    }
    Py_RETURN_NONE;
}

/* ---- construction ---- */

static PyObject *ble_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    /* Arguments are ignored, as in the reference. */
    if (singleton == NULL) {
        BLEObject *self = (BLEObject *)type->tp_alloc(type, 0);
        if (self == NULL) {
            return NULL;
        }
        self->handler = Py_NewRef(Py_None);
        self->h = mpble_new(ble_event, self);
        if (self->h == NULL) {
            Py_DECREF(self);
            return PyErr_NoMemory();
        }
        /* Handlers run on the main thread (scheduler.c). */
        mpble_set_dispatch_thread(self->h, bt_sched_main_thread(), bt_sched_wake, NULL);
        singleton = self;
    }
    return Py_NewRef((PyObject *)singleton);
}

static void ble_dealloc(PyObject *obj)
{
    BLEObject *self = (BLEObject *)obj;
    if (self->h != NULL) {
        mpble_free(self->h);
    }
    Py_XDECREF(self->handler);
    Py_TYPE(obj)->tp_free(obj);
}

void bt_ble_shutdown(void)
{
    if (singleton != NULL) {
        mpble_t *h = singleton->h;
        WITHOUT_GIL(mpble_active(h, false));
    }
}

void bt_ble_after_fork_child(void)
{
    if (singleton != NULL) {
        mpble_after_fork_child(singleton->h);
        mpble_set_dispatch_thread(singleton->h, bt_sched_main_thread(), bt_sched_wake, NULL);
    }
}

int bt_ble_dispatch(void)
{
    return singleton != NULL ? mpble_dispatch(singleton->h) : 0;
}

/* ---- active, irq ---- */

static PyObject *ble_active(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("active", nargs, 0, 1) < 0) {
        return NULL;
    }
    if (nargs == 1) {
        int on = PyObject_IsTrue(args[0]);
        if (on < 0 || bt_sched_ensure_signal() < 0) {
            return NULL;
        }
        int rc;
        WITHOUT_GIL(rc = mpble_active(self->h, on));
        if (rc < 0) {
            return bt_raise_errno(self->h, rc);
        }
    }
    bool active;
    WITHOUT_GIL(active = mpble_is_active(self->h));
    return PyBool_FromLong(active);
}

static PyObject *ble_irq(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("irq", nargs, 1, 1) < 0) {
        return NULL;
    }
    if (args[0] != Py_None && !PyCallable_Check(args[0])) {
        PyErr_SetString(PyExc_ValueError, "invalid handler");
        return NULL;
    }
    PyObject *old = self->handler;
    self->handler = Py_NewRef(args[0]);
    Py_DECREF(old);
    Py_RETURN_NONE;
}

/* ---- config ---- */

/* Keys with an int value. get NULL: not gettable. A core -EINVAL from set becomes
 * ValueError() where the contract says so (rxbuf, DECISIONS.md). */
static const struct {
    const char *name;
    int (*get)(mpble_t *h);
    int (*set)(mpble_t *h, int value);
    bool einval_is_value_error;
} int_params[] = {
    {"mtu", mpble_get_mtu, mpble_set_mtu, false},
    {"rxbuf", mpble_get_rxbuf, mpble_set_rxbuf, true},
    {"addr_mode", NULL, mpble_set_addr_mode, false},
};

/* Set-only keys taking the value's truthiness. */
static const struct {
    const char *name;
    void (*set)(mpble_t *h, bool on);
} bool_params[] = {
    {"bond", mpble_set_bond},
    {"mitm", mpble_set_mitm},
    {"le_secure", mpble_set_le_secure},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static PyObject *unknown_param(void)
{
    PyErr_SetString(PyExc_ValueError, "unknown config param");
    return NULL;
}

static PyObject *config_get(BLEObject *self, const char *name)
{
    mpble_t *h = self->h;
    if (strcmp(name, "mac") == 0) {
        mpble_addr_t addr;
        int rc;
        WITHOUT_GIL(rc = mpble_get_mac(h, &addr));
        if (rc < 0) {
            return bt_raise_errno(h, rc);
        }
        return Py_BuildValue("(iy#)", addr.type, (const char *)addr.val,
                             (Py_ssize_t)sizeof(addr.val));
    }
    if (strcmp(name, "gap_name") == 0) {
        uint8_t buf[MPBLE_GAP_NAME_MAX];
        size_t len;
        WITHOUT_GIL(len = mpble_get_gap_name(h, buf, sizeof(buf)));
        return PyBytes_FromStringAndSize((const char *)buf,
                                         (Py_ssize_t)(len < sizeof(buf) ? len : sizeof(buf)));
    }
    for (size_t i = 0; i < COUNT(int_params); i++) {
        if (strcmp(name, int_params[i].name) == 0 && int_params[i].get != NULL) {
            int rc;
            WITHOUT_GIL(rc = int_params[i].get(h));
            return rc < 0 ? bt_raise_errno(h, rc) : PyLong_FromLong(rc);
        }
    }
    return unknown_param();
}

/* Applies one key; 0 or -1 with an exception set. */
static int config_set(BLEObject *self, const char *name, PyObject *value)
{
    mpble_t *h = self->h;
    long long v;
    int rc;
    if (strcmp(name, "gap_name") == 0) {
        bt_bytes_t b;
        if (bt_bytes_get(value, &b) < 0) {
            return -1;
        }
        WITHOUT_GIL(rc = mpble_set_gap_name(h, b.buf, b.len));
        bt_bytes_release(&b);
        return rc < 0 ? (bt_raise_errno(h, rc), -1) : 0;
    }
    if (strcmp(name, "io") == 0) {
        if (bt_int_get(value, INT_MIN, INT_MAX, &v) < 0) {
            return -1;
        }
        WITHOUT_GIL(mpble_set_io(h, (int)v));
        return 0;
    }
    for (size_t i = 0; i < COUNT(bool_params); i++) {
        if (strcmp(name, bool_params[i].name) == 0) {
            int on = PyObject_IsTrue(value);
            if (on < 0) {
                return -1;
            }
            WITHOUT_GIL(bool_params[i].set(h, on));
            return 0;
        }
    }
    for (size_t i = 0; i < COUNT(int_params); i++) {
        if (strcmp(name, int_params[i].name) == 0) {
            if (bt_int_get(value, INT_MIN, INT_MAX, &v) < 0) {
                return -1;
            }
            WITHOUT_GIL(rc = int_params[i].set(h, (int)v));
            if (rc == -EINVAL && int_params[i].einval_is_value_error) {
                PyErr_SetNone(PyExc_ValueError);
                return -1;
            }
            return rc < 0 ? (bt_raise_errno(h, rc), -1) : 0;
        }
    }
    unknown_param();
    return -1;
}

static PyObject *ble_config(PyObject *obj, PyObject *args, PyObject *kwargs)
{
    BLEObject *self = (BLEObject *)obj;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0) {
        if (nargs != 0) {
            PyErr_SetString(PyExc_TypeError, "can't specify pos and kw args");
            return NULL;
        }
        /* In the caller's order; an unknown key fails after the earlier ones applied. */
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(kwargs, &pos, &key, &value)) {
            const char *name = PyUnicode_AsUTF8(key);
            if (name == NULL || config_set(self, name, value) < 0) {
                return NULL;
            }
        }
        Py_RETURN_NONE;
    }
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "must query one param");
        return NULL;
    }
    PyObject *param = PyTuple_GET_ITEM(args, 0);
    if (!PyUnicode_Check(param)) {
        PyErr_Format(PyExc_TypeError, "can't convert '%.200s' object to str implicitly",
                     Py_TYPE(param)->tp_name);
        return NULL;
    }
    const char *name = PyUnicode_AsUTF8(param);
    return name == NULL ? NULL : config_get(self, name);
}

/* A positional-only method bt_ble_<name> with its signature as the docstring. */
#define POSITIONAL(name, sig)                                                                  \
    {                                                                                          \
#name, (PyCFunction)(void (*)(void))bt_ble_##name, METH_FASTCALL, #name "(" sig ", /)" \
    }

static PyMethodDef ble_methods[] = {
    {"active", (PyCFunction)(void (*)(void))ble_active, METH_FASTCALL, "active([active], /)"},
    {"config", (PyCFunction)(void (*)(void))ble_config, METH_VARARGS | METH_KEYWORDS,
     "config('param', /) or config(*, param=value, ...)"},
    {"irq", (PyCFunction)(void (*)(void))ble_irq, METH_FASTCALL, "irq(handler, /)"},
    {"gap_advertise", (PyCFunction)(void (*)(void))bt_ble_gap_advertise,
     METH_VARARGS | METH_KEYWORDS,
     "gap_advertise(interval_us=500000, adv_data=None, *, resp_data=None, connectable=True)"},
    POSITIONAL(gap_scan, "duration_ms=0, interval_us=1280000, window_us=11250, active=False"),
    POSITIONAL(gap_connect, "addr_type, addr, scan_duration_ms=2000, min_conn_interval_us=None, "
                            "max_conn_interval_us=None"),
    POSITIONAL(gap_disconnect, "conn_handle"),
    POSITIONAL(gatts_register_services, "services_definition"),
    POSITIONAL(gatts_read, "value_handle"),
    POSITIONAL(gatts_write, "value_handle, data, send_update=False"),
    POSITIONAL(gatts_notify, "conn_handle, value_handle, data=None"),
    POSITIONAL(gatts_indicate, "conn_handle, value_handle, data=None"),
    POSITIONAL(gatts_set_buffer, "value_handle, len, append=False"),
    POSITIONAL(gattc_discover_services, "conn_handle, uuid=None"),
    POSITIONAL(gattc_discover_characteristics, "conn_handle, start_handle, end_handle, uuid=None"),
    POSITIONAL(gattc_discover_descriptors, "conn_handle, start_handle, end_handle"),
    POSITIONAL(gattc_read, "conn_handle, value_handle"),
    POSITIONAL(gattc_write, "conn_handle, value_handle, data, mode=0"),
    POSITIONAL(gattc_exchange_mtu, "conn_handle"),
    POSITIONAL(l2cap_listen, "psm, mtu"),
    POSITIONAL(l2cap_connect, "conn_handle, psm, mtu"),
    POSITIONAL(l2cap_disconnect, "conn_handle, cid"),
    POSITIONAL(l2cap_send, "conn_handle, cid, buf"),
    POSITIONAL(l2cap_recvinto, "conn_handle, cid, buf"),
    {NULL, NULL, 0, NULL},
};

PyTypeObject bt_ble_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "bluetooth.BLE",
    .tp_basicsize = sizeof(BLEObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "BLE()\n--\n\nThe singleton BLE device.",
    .tp_new = ble_new,
    .tp_dealloc = ble_dealloc,
    .tp_methods = ble_methods,
};
