/* errors.h - C API error codes to Python exceptions. */
#ifndef BT_ERRORS_H
#define BT_ERRORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mpble/mpble.h"

/* Raises OSError(errno, text) for a negative errno result of a call on h, where text
 * is mpble_last_error(h) when it has one, else the errno's name ('ENODEV'); h NULL:
 * an error found without a call, always the name. The error is always a positive
 * errno. Returns NULL. */
PyObject *bt_raise_errno(mpble_t *h, int err);

#endif
