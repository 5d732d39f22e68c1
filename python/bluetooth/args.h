/* args.h - argument conversion shared by the bluetooth module's methods.
 *
 * The reference's rules: an int argument must be an int (bool counts; float and
 * anything else is a TypeError), and a buffer argument is anything with the buffer
 * protocol or a str (taken as its UTF-8 bytes). */
#ifndef BT_ARGS_H
#define BT_ARGS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* A borrowed byte range from a buffer or str argument; release it with bt_bytes_release. */
typedef struct {
    Py_buffer view; /* view.obj is NULL for a str */
    const uint8_t *buf;
    size_t len;
} bt_bytes_t;

/* Fills out from obj; 0 on success, -1 with TypeError set. */
int bt_bytes_get(PyObject *obj, bt_bytes_t *out);
/* The same, where None means "no buffer": out->buf is then NULL. */
int bt_bytes_get_or_none(PyObject *obj, bt_bytes_t *out);
void bt_bytes_release(bt_bytes_t *b);

/* Converts an int argument to a C value clamped to lo..hi (an out-of-range value then
 * fails the C core's own range check). 0 on success, -1 with TypeError or, beyond 64
 * bits, OverflowError set. */
int bt_int_get(PyObject *obj, long long lo, long long hi, long long *out);

/* Converts an int argument the way the reference stores it in an unsigned C field of
 * `bits` bits (1..64): truncated, so 0x10001 is handle 1 and -1 the field's maximum.
 * 0 on success, -1 with TypeError or, beyond 64 bits, OverflowError set. */
int bt_uint_get(PyObject *obj, unsigned bits, uint64_t *out);

/* Converts args[0..n-1] to 16-bit handles (or other 16-bit ints) with bt_uint_get. */
int bt_handles_get(PyObject *const *args, Py_ssize_t n, uint16_t *out);

/* Checks a positional-only call of method name with min..max arguments; 0 or -1 with
 * TypeError set. */
int bt_check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t min, Py_ssize_t max);

#endif
