/* uuid.h - the bluetooth.UUID type: a 16-, 32- or 128-bit UUID stored little-endian. */
#ifndef BT_UUID_H
#define BT_UUID_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mpble/mpble.h"

extern PyTypeObject bt_uuid_type;

/* If obj is a UUID, copies its value to *out and returns 1; otherwise returns 0 (no
 * exception set: each caller raises its own, as the reference does). */
int bt_uuid_get(PyObject *obj, mpble_uuid_t *out);
/* A new UUID object with the C core's value, or NULL with an exception set. */
PyObject *bt_uuid_new(const mpble_uuid_t *uuid);

#endif
