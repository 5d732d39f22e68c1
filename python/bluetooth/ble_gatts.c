/* ble_gatts.c - BLE methods of the GATT server: gatts_register_services,
 * gatts_read, gatts_write, gatts_notify, gatts_indicate, gatts_set_buffer.
 * micropython-semantics.md 4.2 and 6. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "args.h"
#include "ble_obj.h"
#include "errors.h"
#include "uuid.h"

/* ---- gatts_register_services ---- */

/* The C form of a services definition, built in one walk of the Python one:
 * characteristics and descriptors are appended to growing arrays in definition
 * order, and the pointers into them are set once the walk is over (definition_fix). */
typedef struct {
    struct mpble_gatts_service *services;
    size_t num_services;
    struct mpble_gatts_characteristic *chars;
    size_t num_chars, cap_chars;
    struct mpble_gatts_descriptor *descs;
    size_t num_descs, cap_descs;
} definition_t;

/* arr (used of *cap elements of size) with room for one more: arr itself or a larger
 * copy, or NULL with MemoryError set (arr is then unchanged). */
static void *grow(void *arr, size_t *cap, size_t used, size_t size)
{
    if (used < *cap) {
        return arr;
    }
    size_t n = *cap == 0 ? 8 : *cap * 2;
    void *p = PyMem_Realloc(arr, n * size);
    if (p == NULL) {
        return PyErr_NoMemory();
    }
    *cap = n;
    return p;
}

static void definition_free(definition_t *d)
{
    PyMem_Free(d->services);
    PyMem_Free(d->chars);
    PyMem_Free(d->descs);
}

static void definition_fix(definition_t *d)
{
    const struct mpble_gatts_characteristic *c = d->chars;
    for (size_t i = 0; i < d->num_services; i++) {
        d->services[i].characteristics = c;
        c += d->services[i].num_characteristics;
    }
    const struct mpble_gatts_descriptor *desc = d->descs;
    for (size_t i = 0; i < d->num_chars; i++) {
        d->chars[i].descriptors = desc;
        desc += d->chars[i].num_descriptors;
    }
}

/* The reference's len() then iteration: a list of obj's items, or NULL (TypeError
 * for anything without len(), a generator say). */
static PyObject *items_of(PyObject *obj)
{
    return PyObject_Length(obj) < 0 ? NULL : PySequence_List(obj);
}

/* A tuple of the items of a tuple or list (new reference), else TypeError; with
 * want > 0, a length other than want is a ValueError (the reference's
 * mp_obj_get_array and mp_obj_get_array_fixed_n). */
static PyObject *tuple_of(PyObject *obj, Py_ssize_t want)
{
    if (!PyTuple_Check(obj) && !PyList_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "object '%.200s' isn't a tuple or list",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    PyObject *t = PySequence_Tuple(obj);
    if (t != NULL && want > 0 && PyTuple_GET_SIZE(t) != want) {
        PyErr_SetString(PyExc_ValueError, "tuple/list has wrong length");
        Py_CLEAR(t);
    }
    return t;
}

/* Checks that obj is a UUID and copies it, else ValueError(msg). */
static int uuid_or_value_error(PyObject *obj, mpble_uuid_t *out, const char *msg)
{
    if (!bt_uuid_get(obj, out)) {
        PyErr_SetString(PyExc_ValueError, msg);
        return -1;
    }
    return 0;
}

static int flags_get(PyObject *obj, uint16_t *out)
{
    return bt_handles_get(&obj, 1, out);
}

/* Appends the descriptors of a characteristic, (uuid, flags) each. */
static int add_descriptors(definition_t *d, PyObject *descs_in, size_t *count)
{
    PyObject *list = items_of(descs_in);
    if (list == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(list); i++) {
        PyObject *t = tuple_of(PyList_GET_ITEM(list, i), 2);
        void *descs = t == NULL ? NULL
                                : grow(d->descs, &d->cap_descs, d->num_descs, sizeof(*d->descs));
        if (descs == NULL) {
            rc = -1;
        } else {
            d->descs = descs;
            struct mpble_gatts_descriptor *desc = &d->descs[d->num_descs];
            rc = uuid_or_value_error(PyTuple_GET_ITEM(t, 0), &desc->uuid,
                                     "invalid descriptor UUID");
            if (rc == 0 && (rc = flags_get(PyTuple_GET_ITEM(t, 1), &desc->flags)) == 0) {
                d->num_descs++;
                (*count)++;
            }
        }
        Py_XDECREF(t);
    }
    Py_DECREF(list);
    return rc;
}

/* Appends one characteristic, (uuid, flags[, descriptors]). */
static int add_characteristic(definition_t *d, PyObject *char_in)
{
    PyObject *t = tuple_of(char_in, 0);
    if (t == NULL) {
        return -1;
    }
    int rc = -1;
    Py_ssize_t n = PyTuple_GET_SIZE(t);
    struct mpble_gatts_characteristic c = {.num_descriptors = 0};
    if (n < 2 || n > 3) {
        PyErr_SetString(PyExc_ValueError, "invalid characteristic tuple");
    } else if (uuid_or_value_error(PyTuple_GET_ITEM(t, 0), &c.uuid,
                                   "invalid characteristic UUID") == 0 &&
               (n == 2 || add_descriptors(d, PyTuple_GET_ITEM(t, 2), &c.num_descriptors) == 0) &&
               flags_get(PyTuple_GET_ITEM(t, 1), &c.flags) == 0) {
        void *chars = grow(d->chars, &d->cap_chars, d->num_chars, sizeof(*d->chars));
        if (chars != NULL) {
            d->chars = chars;
            d->chars[d->num_chars++] = c;
            rc = 0;
        }
    }
    Py_DECREF(t);
    return rc;
}

/* Fills service i from (uuid, characteristics). */
static int add_service(definition_t *d, PyObject *svc_in, size_t i)
{
    PyObject *t = tuple_of(svc_in, 2);
    if (t == NULL) {
        return -1;
    }
    struct mpble_gatts_service *s = &d->services[i];
    PyObject *list = NULL;
    int rc = uuid_or_value_error(PyTuple_GET_ITEM(t, 0), &s->uuid, "invalid service UUID");
    if (rc == 0 && (list = items_of(PyTuple_GET_ITEM(t, 1))) == NULL) {
        rc = -1;
    }
    size_t first = d->num_chars;
    for (Py_ssize_t j = 0; rc == 0 && j < PyList_GET_SIZE(list); j++) {
        rc = add_characteristic(d, PyList_GET_ITEM(list, j));
    }
    s->num_characteristics = d->num_chars - first;
    Py_XDECREF(list);
    Py_DECREF(t);
    return rc;
}

/* The result: per service, a tuple of its handles (values and their descriptors). */
static PyObject *handles_result(const definition_t *d, const uint16_t *handles)
{
    PyObject *result = PyTuple_New((Py_ssize_t)d->num_services);
    const struct mpble_gatts_characteristic *c = d->chars;
    for (size_t i = 0; result != NULL && i < d->num_services; i++) {
        size_t n = 0;
        for (size_t j = 0; j < d->services[i].num_characteristics; j++, c++) {
            n += 1 + c->num_descriptors;
        }
        PyObject *t = PyTuple_New((Py_ssize_t)n);
        for (size_t k = 0; t != NULL && k < n; k++) {
            PyObject *v = PyLong_FromLong(*handles++);
            if (v == NULL) {
                Py_CLEAR(t);
            } else {
                PyTuple_SET_ITEM(t, (Py_ssize_t)k, v);
            }
        }
        if (t == NULL) {
            Py_CLEAR(result);
        } else {
            PyTuple_SET_ITEM(result, (Py_ssize_t)i, t);
        }
    }
    return result;
}

PyObject *bt_ble_gatts_register_services(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    if (bt_check_nargs("gatts_register_services", nargs, 1, 1) < 0) {
        return NULL;
    }
    if (PyObject_Length(args[0]) < 0) {
        return NULL;
    }
    /* The reference refuses an inactive device before walking the definition. Not
     * activated, that is: after a lost controller the registration itself fails
     * with the reason (mpble_get_mtu is -ENODEV exactly when not activated). */
    int mtu;
    WITHOUT_GIL(mtu = mpble_get_mtu(self->h));
    if (mtu < 0) {
        return bt_raise_errno(NULL, -ENODEV);
    }
    PyObject *list = PySequence_List(args[0]);
    if (list == NULL) {
        return NULL;
    }
    definition_t d = {.num_services = (size_t)PyList_GET_SIZE(list)};
    uint16_t *handles = NULL;
    PyObject *result = NULL;
    d.services = PyMem_Calloc(d.num_services + 1, sizeof(*d.services));
    if (d.services == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (size_t i = 0; i < d.num_services; i++) {
        if (add_service(&d, PyList_GET_ITEM(list, (Py_ssize_t)i), i) < 0) {
            goto out;
        }
    }
    definition_fix(&d);
    size_t cap = d.num_chars + d.num_descs;
    handles = PyMem_Calloc(cap + 1, sizeof(*handles));
    if (handles == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    int rc;
    WITHOUT_GIL(
        rc = mpble_gatts_register_services(self->h, d.services, d.num_services, handles, cap));
    if (rc < 0) {
        bt_none_or_raise(obj, rc);
    } else {
        result = handles_result(&d, handles);
    }
out:
    PyMem_Free(handles);
    definition_free(&d);
    Py_DECREF(list);
    return result;
}

/* ---- values ---- */

PyObject *bt_ble_gatts_read(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t handle;
    if (bt_check_nargs("gatts_read", nargs, 1, 1) < 0 || bt_handles_get(args, 1, &handle) < 0) {
        return NULL;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    int rc;
    /* The reference ignores the error: an unknown handle or inactive device reads b''. */
    WITHOUT_GIL(rc = mpble_gatts_read(self->h, handle, &data, &len));
    PyObject *result = PyBytes_FromStringAndSize((const char *)data, rc < 0 ? 0 : (Py_ssize_t)len);
    free(data);
    return result;
}

PyObject *bt_ble_gatts_write(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t handle;
    if (bt_check_nargs("gatts_write", nargs, 2, 3) < 0 || bt_handles_get(args, 1, &handle) < 0) {
        return NULL;
    }
    int update = 0;
    bt_bytes_t b;
    if (bt_bytes_get(args[1], &b) < 0) {
        return NULL;
    }
    if (nargs == 3 && (update = PyObject_IsTrue(args[2])) < 0) {
        bt_bytes_release(&b);
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gatts_write(self->h, handle, b.buf, b.len, update));
    size_t len = b.len;
    bt_bytes_release(&b);
    return rc < 0 ? bt_raise_errno(self->h, rc) : PyLong_FromSize_t(len);
}

/* gatts_notify and gatts_indicate: (conn_handle, value_handle, data=None). */
static PyObject *send_value(PyObject *obj, PyObject *const *args, Py_ssize_t nargs,
                            const char *name,
                            int (*send)(mpble_t *, uint16_t, uint16_t, const uint8_t *, size_t))
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t handles[2];
    if (bt_check_nargs(name, nargs, 2, 3) < 0 || bt_handles_get(args, 2, handles) < 0) {
        return NULL;
    }
    bt_bytes_t b;
    if (bt_bytes_get_or_none(nargs == 3 ? args[2] : Py_None, &b) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = send(self->h, handles[0], handles[1], b.buf, b.len));
    bt_bytes_release(&b);
    return bt_none_or_raise(obj, rc);
}

PyObject *bt_ble_gatts_notify(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    return send_value(obj, args, nargs, "gatts_notify", mpble_gatts_notify);
}

PyObject *bt_ble_gatts_indicate(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    return send_value(obj, args, nargs, "gatts_indicate", mpble_gatts_indicate);
}

/* The longest attribute value (Core Vol 3 Part F 3.2.9). The reference takes any
 * length its allocator grants (-1 asks for 2**64 bytes, 2**31 succeeds); no client
 * can write or read a value beyond this, so a buffer is at most this long. */
#define VALUE_MAX 512

PyObject *bt_ble_gatts_set_buffer(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
    BLEObject *self = (BLEObject *)obj;
    uint16_t handle;
    long long len;
    if (bt_check_nargs("gatts_set_buffer", nargs, 2, 3) < 0 ||
        bt_handles_get(args, 1, &handle) < 0 ||
        bt_int_get(args[1], LLONG_MIN, LLONG_MAX, &len) < 0) {
        return NULL;
    }
    if (len < 0 || len > VALUE_MAX) {
        PyErr_Format(PyExc_ValueError, "buffer length must be 0..%d", VALUE_MAX);
        return NULL;
    }
    int append = 0;
    if (nargs == 3 && (append = PyObject_IsTrue(args[2])) < 0) {
        return NULL;
    }
    int rc;
    WITHOUT_GIL(rc = mpble_gatts_set_buffer(self->h, handle, (size_t)len, append));
    return bt_none_or_raise(obj, rc);
}
