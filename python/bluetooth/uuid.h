/* uuid.h - the bluetooth.UUID type: a 16-, 32- or 128-bit UUID stored little-endian. */
#ifndef BT_UUID_H
#define BT_UUID_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyTypeObject bt_uuid_type;

#endif
