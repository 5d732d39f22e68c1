/* ble.c - the bluetooth.BLE type.
 *
 * A thin binding: argument conversion here, semantics (state checks, payload
 * retention, unit conversion, range checks) in the C core. Every C call is made
 * without the GIL, since a call from this thread may wait for the event loop, which
 * may itself be waiting for the GIL to deliver an event. */
#include "ble.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "args.h"
#include "errors.h"
#include "irq.h"
#include "mpble/mpble.h"

#define WITHOUT_GIL(stmt)          \
    do {                           \
        Py_BEGIN_ALLOW_THREADS     \
        stmt;                      \
        Py_END_ALLOW_THREADS       \
    } while (0)

typedef struct {
    PyObject_HEAD
    mpble_t *h;
    PyObject *handler; /* callable or None; read and replaced only under the GIL */
} BLEObject;

/* The singleton, created by the first BLE() and kept for the life of the process. */
static BLEObject *singleton;

static int ble_event(void *ctx, const struct mpble_event *ev)
{
    BLEObject *self = ctx;
    return bt_irq_deliver(&self->handler, ev);
}

/* Returns None for rc >= 0, else raises OSError. */
static PyObject *none_or_raise(BLEObject *self, int rc)
{
    if (rc < 0) {
        return bt_raise_errno(self->h, rc);
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

/* ---- active, irq ---- */

static PyObject *ble_active(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("active", nargs, 0, 1) < 0) {
        return NULL;
    }
    if (nargs == 1) {
        int on = PyObject_IsTrue(args[0]);
        if (on < 0) {
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
        return Py_BuildValue("(iy#)", addr.type, (const char *)addr.val, (Py_ssize_t)sizeof(addr.val));
    }
    if (strcmp(name, "gap_name") == 0) {
        uint8_t buf[MPBLE_GAP_NAME_MAX];
        size_t len;
        WITHOUT_GIL(len = mpble_get_gap_name(h, buf, sizeof(buf)));
        return PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)(len < sizeof(buf) ? len : sizeof(buf)));
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

/* ---- broadcaster, observer ---- */

static PyObject *ble_gap_advertise(PyObject *obj, PyObject *args, PyObject *kwargs)
{
    BLEObject *self = (BLEObject *)obj;
    static char *kwlist[] = {"interval_us", "adv_data", "resp_data", "connectable", NULL};
    PyObject *interval = NULL, *adv_obj = Py_None, *resp_obj = Py_None;
    int connectable = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO$Op:gap_advertise", kwlist, &interval, &adv_obj,
                                     &resp_obj, &connectable)) {
        return NULL;
    }
    int rc;
    if (interval == Py_None) {
        WITHOUT_GIL(rc = mpble_gap_advertise_stop(self->h));
        return none_or_raise(self, rc);
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
    WITHOUT_GIL(rc = mpble_gap_advertise(self->h, (uint32_t)interval_us, adv.buf, adv.len, resp.buf, resp.len,
                                         connectable));
    bt_bytes_release(&adv);
    bt_bytes_release(&resp);
    return none_or_raise(self, rc);
}

static PyObject *ble_gap_scan(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("gap_scan", nargs, 0, 4) < 0) {
        return NULL;
    }
    int rc;
    if (nargs >= 1 && args[0] == Py_None) {
        WITHOUT_GIL(rc = mpble_gap_scan_stop(self->h));
        return none_or_raise(self, rc);
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
    WITHOUT_GIL(rc = mpble_gap_scan(self->h, (uint32_t)value[0], (uint32_t)value[1], (uint32_t)value[2], active));
    return none_or_raise(self, rc);
}

static PyMethodDef ble_methods[] = {
    {"active", (PyCFunction)(void (*)(void))ble_active, METH_FASTCALL, "active([active], /)"},
    {"config", (PyCFunction)(void (*)(void))ble_config, METH_VARARGS | METH_KEYWORDS,
     "config('param', /) or config(*, param=value, ...)"},
    {"irq", (PyCFunction)(void (*)(void))ble_irq, METH_FASTCALL, "irq(handler, /)"},
    {"gap_advertise", (PyCFunction)(void (*)(void))ble_gap_advertise, METH_VARARGS | METH_KEYWORDS,
     "gap_advertise(interval_us=500000, adv_data=None, *, resp_data=None, connectable=True)"},
    {"gap_scan", (PyCFunction)(void (*)(void))ble_gap_scan, METH_FASTCALL,
     "gap_scan(duration_ms=0, interval_us=1280000, window_us=11250, active=False, /)"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject bt_ble_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bluetooth.BLE",
    .tp_basicsize = sizeof(BLEObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "BLE()\n--\n\nThe singleton BLE device.",
    .tp_new = ble_new,
    .tp_dealloc = ble_dealloc,
    .tp_methods = ble_methods,
};
