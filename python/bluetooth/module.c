/* module.c - the bluetooth module: BLE, UUID and the FLAG_* constants, nothing else
 * public (micropython-semantics.md section 1). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ble.h"
#include "irq.h"
#include "uuid.h"

static PyObject *at_exit(PyObject *self, PyObject *unused)
{
    bt_ble_shutdown();
    Py_RETURN_NONE;
}

static PyMethodDef at_exit_def = {"_bluetooth_at_exit", at_exit, METH_NOARGS, NULL};

/* Deactivates the device at interpreter exit, before finalization starts. */
static int register_at_exit(void)
{
    PyObject *atexit = PyImport_ImportModule("atexit");
    if (atexit == NULL) {
        return -1;
    }
    PyObject *fn = PyCFunction_New(&at_exit_def, NULL);
    PyObject *r = fn != NULL ? PyObject_CallMethod(atexit, "register", "O", fn) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(fn);
    Py_DECREF(atexit);
    return r == NULL ? -1 : 0;
}

static struct PyModuleDef bluetooth_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bluetooth",
    .m_doc = "Low-level Bluetooth Low Energy, MicroPython's bluetooth module.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_bluetooth(void);

PyMODINIT_FUNC PyInit_bluetooth(void)
{
    if (PyType_Ready(&bt_ble_type) < 0 || PyType_Ready(&bt_uuid_type) < 0) {
        return NULL;
    }
    if (bt_irq_init() < 0) {
        return PyErr_NoMemory();
    }
    PyObject *m = PyModule_Create(&bluetooth_module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "BLE", (PyObject *)&bt_ble_type) < 0 ||
        PyModule_AddObjectRef(m, "UUID", (PyObject *)&bt_uuid_type) < 0 ||
        PyModule_AddIntConstant(m, "FLAG_READ", 0x0002) < 0 ||
        PyModule_AddIntConstant(m, "FLAG_WRITE_NO_RESPONSE", 0x0004) < 0 ||
        PyModule_AddIntConstant(m, "FLAG_WRITE", 0x0008) < 0 ||
        PyModule_AddIntConstant(m, "FLAG_NOTIFY", 0x0010) < 0 ||
        PyModule_AddIntConstant(m, "FLAG_INDICATE", 0x0020) < 0 || register_at_exit() < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
