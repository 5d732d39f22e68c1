/* ble.h - the bluetooth.BLE type: the process-wide singleton over one mpble_t. */
#ifndef BT_BLE_H
#define BT_BLE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyTypeObject bt_ble_type;

/* Deactivates the singleton, if one was made, so that no event thread calls into the
 * interpreter while it finalizes. Called with the GIL held (from an atexit hook). */
void bt_ble_shutdown(void);

/* In a forked child: leaves the singleton inactive without touching the parent's
 * connection to its controller (mpble_after_fork_child). */
void bt_ble_after_fork_child(void);

/* Delivers the singleton's queued events on the main thread (mpble_dispatch): their
 * number. Without the GIL: the handlers take it. */
int bt_ble_dispatch(void);

#endif
