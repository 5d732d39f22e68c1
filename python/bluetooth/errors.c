/* errors.c - C API error codes to Python exceptions. */
#include "errors.h"

#include <errno.h>
#include <string.h>

/* The errno's symbolic name from the errno module, or strerror() as a fallback. */
static PyObject *errno_name(int code)
{
    PyObject *mod = PyImport_ImportModule("errno");
    if (mod != NULL) {
        PyObject *table = PyObject_GetAttrString(mod, "errorcode");
        Py_DECREF(mod);
        if (table != NULL) {
            PyObject *key = PyLong_FromLong(code);
            PyObject *name = key != NULL ? PyObject_GetItem(table, key) : NULL;
            Py_XDECREF(key);
            Py_DECREF(table);
            if (name != NULL) {
                return name;
            }
        }
    }
    PyErr_Clear();
    return PyUnicode_FromString(strerror(code));
}

PyObject *bt_raise_errno(mpble_t *h, int err)
{
    /* Never a negative code (DECISIONS.md); an unexpected non-negative one is EIO. */
    int code = err < 0 ? -err : EIO;
    const char *msg = h != NULL ? mpble_last_error(h) : NULL;
    PyObject *text = msg != NULL && msg[0] != '\0'
                         ? PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace")
                         : errno_name(code);
    if (text == NULL) {
        return NULL;
    }
    PyObject *args = Py_BuildValue("(iN)", code, text);
    if (args != NULL) {
        PyErr_SetObject(PyExc_OSError, args);
        Py_DECREF(args);
    }
    return NULL;
}
