/* ble_priv.h - how the public API (ble.c, ble_gatt.c) reaches a device's host:
 * each function enters the host's lock, calls the layer, and leaves. */
#ifndef MPBLE_BLE_PRIV_H
#define MPBLE_BLE_PRIV_H

#include <stdint.h>

#include "mpble/mpble.h"

struct host;
struct conn;

/* Clears the error message and takes the active device's host lock with *h: 0, or
 * -ENODEV (inactive; nothing taken). ble_leave gives the lock back. */
int ble_enter(struct mpble *dev, struct host **h);
void ble_leave(struct mpble *dev);
/* As ble_enter, with *c the connection conn_handle: -ENOTCONN (nothing taken) when
 * it is not connected. */
int ble_conn_enter(struct mpble *dev, uint16_t conn_handle, struct host **h, struct conn **c);

/* Returns expr, computed between a successful entry (entered is 0) and ble_leave,
 * or the entry's error. */
#define BLE_RETURN(dev, entered, expr) \
    do {                               \
        int rc_ = (entered);           \
        if (rc_ == 0) {                \
            rc_ = (expr);              \
            ble_leave(dev);            \
        }                              \
        return rc_;                    \
    } while (0)

/* The body of an API function: expr's value, computed under the host lock with
 * `h` the host, or -ENODEV when the device is inactive. */
#define BLE_ON_HOST(dev, expr)                     \
    do {                                           \
        struct host *h;                            \
        BLE_RETURN(dev, ble_enter(dev, &h), expr); \
    } while (0)

/* The same with `c` the connection conn_handle too (-ENOTCONN when it is not). */
#define BLE_ON_CONN(dev, conn_handle, expr)                              \
    do {                                                                 \
        struct host *h;                                                  \
        struct conn *c;                                                  \
        BLE_RETURN(dev, ble_conn_enter(dev, conn_handle, &h, &c), expr); \
    } while (0)

#endif
