/* uuid.c - the bluetooth.UUID type.
 *
 * A length tag (2, 4 or 16) and the value's bytes little-endian, exposed as a
 * read-only buffer; constructed and printed in the human (big-endian) order.
 * Semantics: micropython-semantics.md section 2. */
#include "uuid.h"

#include <limits.h>
#include <string.h>

#include "args.h"

typedef struct {
    PyObject_HEAD
    Py_ssize_t len;
    uint8_t data[16]; /* little-endian */
} UUIDObject;

/* Parses hex text (dashes skipped, first digit most significant) into a 128-bit value. */
static int uuid_parse_text(UUIDObject *self, const uint8_t *s, size_t n)
{
    int nibbles = 32;
    for (size_t i = 0; i < n; i++) {
        int c = s[i];
        int v;
        if (c == '-') {
            continue;
        } else if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            PyErr_SetString(PyExc_ValueError, "invalid char in UUID");
            return -1;
        }
        if (nibbles == 0) {
            PyErr_SetString(PyExc_ValueError, "UUID too long");
            return -1;
        }
        nibbles--;
        self->data[nibbles / 2] |= (uint8_t)(nibbles % 2 ? v << 4 : v);
    }
    if (nibbles > 0) {
        PyErr_SetString(PyExc_ValueError, "UUID too short");
        return -1;
    }
    self->len = 16;
    return 0;
}

static int uuid_init_from(UUIDObject *self, PyObject *value)
{
    /* bool is an int in CPython but not in the reference: it falls to the buffer path. */
    if (PyLong_Check(value) && !PyBool_Check(value)) {
        long long v;
        if (bt_int_get(value, LLONG_MIN, LLONG_MAX, &v) < 0) {
            return -1;
        }
        if (v > 65535) {
            PyErr_SetString(PyExc_ValueError, "invalid UUID");
            return -1;
        }
        self->len = 2;
        self->data[0] = (uint8_t)v;
        self->data[1] = (uint8_t)(v >> 8);
        return 0;
    }
    bt_bytes_t b;
    if (bt_bytes_get(value, &b) < 0) {
        return -1;
    }
    int rc = 0;
    if (b.len == 2 || b.len == 4 || b.len == 16) {
        self->len = (Py_ssize_t)b.len;
        memcpy(self->data, b.buf, b.len);
    } else {
        rc = uuid_parse_text(self, b.buf, b.len);
    }
    bt_bytes_release(&b);
    return rc;
}

static PyObject *uuid_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "UUID() takes no keyword arguments");
        return NULL;
    }
    if (bt_check_nargs("UUID", PyTuple_GET_SIZE(args), 1, 1) < 0) {
        return NULL;
    }
    UUIDObject *self = (UUIDObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    memset(self->data, 0, sizeof(self->data));
    if (uuid_init_from(self, PyTuple_GET_ITEM(args, 0)) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *uuid_repr(PyObject *obj)
{
    UUIDObject *self = (UUIDObject *)obj;
    const uint8_t *d = self->data;
    if (self->len == 2) {
        return PyUnicode_FromFormat("UUID(0x%02x%02x)", d[1], d[0]);
    }
    if (self->len == 4) {
        return PyUnicode_FromFormat("UUID(0x%02x%02x%02x%02x)", d[3], d[2], d[1], d[0]);
    }
    char text[37];
    char *p = text;
    for (int i = 15; i >= 0; i--) {
        static const char hex[] = "0123456789abcdef";
        *p++ = hex[d[i] >> 4];
        *p++ = hex[d[i] & 15];
        /* 8-4-4-4-12: dashes after big-endian bytes 3, 5, 7 and 9. */
        if (i == 12 || i == 10 || i == 8 || i == 6) {
            *p++ = '-';
        }
    }
    *p = '\0';
    return PyUnicode_FromFormat("UUID('%s')", text);
}

static PyObject *uuid_richcompare(PyObject *a, PyObject *b, int op)
{
    if (!PyObject_TypeCheck(a, &bt_uuid_type) || !PyObject_TypeCheck(b, &bt_uuid_type)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    const UUIDObject *x = (UUIDObject *)a;
    const UUIDObject *y = (UUIDObject *)b;
    int c;
    if (x->len != y->len) {
        c = x->len < y->len ? -1 : 1;
    } else {
        c = memcmp(x->data, y->data, (size_t)x->len);
    }
    Py_RETURN_RICHCOMPARE(c, 0, op);
}

static Py_hash_t uuid_hash(PyObject *obj)
{
    const UUIDObject *self = (UUIDObject *)obj;
    /* FNV-1a over the length tag and the little-endian bytes. */
    uint64_t h = 14695981039346656037ull ^ (uint64_t)self->len;
    for (Py_ssize_t i = 0; i < self->len; i++) {
        h = (h ^ self->data[i]) * 1099511628211ull;
    }
    return (Py_hash_t)(h >> 1); /* non-negative, so never the error value -1 */
}

static int uuid_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    UUIDObject *self = (UUIDObject *)obj;
    return PyBuffer_FillInfo(view, obj, self->data, self->len, 1, flags);
}

static PyBufferProcs uuid_as_buffer = {
    .bf_getbuffer = uuid_getbuffer,
};

PyTypeObject bt_uuid_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "bluetooth.UUID",
    .tp_basicsize = sizeof(UUIDObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "UUID(value, /)\n--\n\nA 16-, 32- or 128-bit Bluetooth UUID.",
    .tp_new = uuid_new,
    .tp_repr = uuid_repr,
    .tp_str = uuid_repr,
    .tp_richcompare = uuid_richcompare,
    .tp_hash = uuid_hash,
    .tp_as_buffer = &uuid_as_buffer,
};

int bt_uuid_get(PyObject *obj, mpble_uuid_t *out)
{
    if (!PyObject_TypeCheck(obj, &bt_uuid_type)) {
        return 0;
    }
    const UUIDObject *self = (UUIDObject *)obj;
    out->len = (uint8_t)self->len;
    memcpy(out->le, self->data, (size_t)self->len);
    return 1;
}

PyObject *bt_uuid_new(const mpble_uuid_t *uuid)
{
    UUIDObject *self = PyObject_New(UUIDObject, &bt_uuid_type);
    if (self == NULL) {
        return NULL;
    }
    size_t len = uuid->len <= sizeof(self->data) ? uuid->len : sizeof(self->data);
    memset(self->data, 0, sizeof(self->data));
    memcpy(self->data, uuid->le, len);
    self->len = (Py_ssize_t)len;
    return (PyObject *)self;
}
