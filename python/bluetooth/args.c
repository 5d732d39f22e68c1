/* args.c - argument conversion shared by the bluetooth module's methods. */
#include "args.h"

#include <limits.h>

int bt_bytes_get(PyObject *obj, bt_bytes_t *out)
{
    if (PyUnicode_Check(obj)) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
        if (s == NULL) {
            return -1;
        }
        out->view.obj = NULL;
        out->buf = (const uint8_t *)s;
        out->len = (size_t)len;
        return 0;
    }
    if (PyObject_GetBuffer(obj, &out->view, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "object with buffer protocol required, not '%.200s'",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    out->buf = out->view.buf;
    out->len = (size_t)out->view.len;
    return 0;
}

int bt_bytes_get_or_none(PyObject *obj, bt_bytes_t *out)
{
    if (obj == Py_None) {
        out->view.obj = NULL;
        out->buf = NULL;
        out->len = 0;
        return 0;
    }
    return bt_bytes_get(obj, out);
}

void bt_bytes_release(bt_bytes_t *b)
{
    if (b->view.obj != NULL) {
        PyBuffer_Release(&b->view);
    }
}

int bt_int_get(PyObject *obj, long long lo, long long hi, long long *out)
{
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "can't convert %.200s to int", Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow != 0) {
        PyErr_SetString(PyExc_OverflowError, "overflow converting long int to machine word");
        return -1;
    }
    *out = v < lo ? lo : v > hi ? hi : v;
    return 0;
}

int bt_uint_get(PyObject *obj, unsigned bits, uint64_t *out)
{
    long long v;
    if (bt_int_get(obj, LLONG_MIN, LLONG_MAX, &v) < 0) {
        return -1;
    }
    *out = bits < 64 ? (uint64_t)v & ((UINT64_C(1) << bits) - 1) : (uint64_t)v;
    return 0;
}

int bt_handles_get(PyObject *const *args, Py_ssize_t n, uint16_t *out)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t v;
        if (bt_uint_get(args[i], 16, &v) < 0) {
            return -1;
        }
        out[i] = (uint16_t)v;
    }
    return 0;
}

int bt_check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t min, Py_ssize_t max)
{
    if (nargs >= min && nargs <= max) {
        return 0;
    }
    if (min == max) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd positional argument%s (%zd given)",
                     name, min, min == 1 ? "" : "s", nargs);
    } else {
        PyErr_Format(PyExc_TypeError, "%s() takes from %zd to %zd positional arguments (%zd given)",
                     name, min, max, nargs);
    }
    return -1;
}
