/* module.c - the bluetooth module: BLE, UUID and the FLAG_* constants, nothing else
 * public (micropython-semantics.md section 1). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ble.h"
#include "scheduler.h"
#include "uuid.h"

static PyObject *at_exit(PyObject *self, PyObject *unused)
{
    bt_ble_shutdown();
    Py_RETURN_NONE;
}

static PyObject *after_fork_child(PyObject *self, PyObject *unused)
{
    bt_sched_after_fork_child();
    bt_ble_after_fork_child();
    Py_RETURN_NONE;
}

static PyMethodDef at_exit_def = {"_bluetooth_at_exit", at_exit, METH_NOARGS, NULL};
static PyMethodDef after_fork_child_def = {"_bluetooth_after_fork_child", after_fork_child,
                                           METH_NOARGS, NULL};

/* Calls module.method(fn), or with keyword, module.method(keyword=fn), where fn is a
 * function made of def. 0, or -1 with an exception set. */
static int register_hook(const char *module, const char *method, PyMethodDef *def,
                         const char *keyword)
{
    PyObject *mod = PyImport_ImportModule(module);
    PyObject *name = PyUnicode_FromString(method);
    PyObject *fn = PyCFunction_New(def, NULL);
    PyObject *kwnames = keyword != NULL ? Py_BuildValue("(s)", keyword) : NULL;
    PyObject *r = NULL;
    if (mod != NULL && name != NULL && fn != NULL && (keyword == NULL || kwnames != NULL)) {
        PyObject *argv[] = {mod, fn};
        r = PyObject_VectorcallMethod(name, argv, keyword != NULL ? 1 : 2, kwnames);
    }
    Py_XDECREF(r);
    Py_XDECREF(kwnames);
    Py_XDECREF(fn);
    Py_XDECREF(name);
    Py_XDECREF(mod);
    return r == NULL ? -1 : 0;
}

/* Deactivates the device at interpreter exit, before finalization starts; leaves a
 * forked child's device inactive and the parent's connection alone. */
static int register_hooks(void)
{
    if (register_hook("atexit", "register", &at_exit_def, NULL) < 0) {
        return -1;
    }
    return register_hook("os", "register_at_fork", &after_fork_child_def, "after_in_child");
}

/* Not part of the module's contract: the compatibility layer's micropython.schedule. */
static PyMethodDef module_methods[] = {
    {"_schedule", (PyCFunction)(void (*)(void))bt_sched_schedule, METH_FASTCALL,
     "_schedule(function, argument, /)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef bluetooth_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bluetooth",
    .m_doc = "Low-level Bluetooth Low Energy, MicroPython's bluetooth module.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit_bluetooth(void);

PyMODINIT_FUNC PyInit_bluetooth(void)
{
    if (PyType_Ready(&bt_ble_type) < 0 || PyType_Ready(&bt_uuid_type) < 0) {
        return NULL;
    }
    if (bt_sched_init() < 0) {
        return NULL;
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
        PyModule_AddIntConstant(m, "FLAG_INDICATE", 0x0020) < 0 || register_hooks() < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
