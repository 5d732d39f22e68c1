/* ble_priv.h - what the host's layers use of the device object (ble.c). */
#ifndef MPBLE_BLE_PRIV_H
#define MPBLE_BLE_PRIV_H

#include "mpble/mpble.h"

/* Sets the message mpble_last_error() returns. */
void ble_set_error(struct mpble *dev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A diagnostic line on stderr ("mpble: ..."), unless MPBLE_LOG=0. */
void ble_log(struct mpble *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Settings the layers read while active. */
size_t ble_gap_name(struct mpble *dev, uint8_t *buf, size_t cap);
int ble_preferred_mtu(struct mpble *dev);

/* Runs fn on the device's loop if the device is active (else -ENODEV), clearing the
 * error message first: how every public API function reaches the stack. */
struct host;
int ble_call(struct mpble *dev, int (*fn)(struct host *h, void *arg), void *arg);

#endif
