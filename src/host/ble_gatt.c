/* ble_gatt.c - the public GATT functions (mpble.h). */
#include <errno.h>

#include "host/att.h"
#include "host/ble_priv.h"
#include "host/conn.h"
#include "host/gattc.h"
#include "host/gatts.h"
#include "host/host.h"

/* ---- server ---- */

int mpble_gatts_register_services(mpble_t *dev, const struct mpble_gatts_service *services,
                                  size_t num_services, uint16_t *handles, size_t handles_cap)
{
    BLE_ON_HOST(dev, gatts_register(h, services, num_services, handles, handles_cap));
}

int mpble_gatts_read(mpble_t *dev, uint16_t value_handle, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    struct host *h;
    if (ble_enter(dev, &h) < 0)
        return 0; /* inactive reads as empty (reference) */
    int rc = gatts_local_read(h, value_handle, data, len);
    ble_leave(dev);
    return rc;
}

int mpble_gatts_write(mpble_t *dev, uint16_t value_handle, const uint8_t *data, size_t len,
                      bool send_update)
{
    BLE_ON_HOST(dev, gatts_local_write(h, value_handle, data, len, send_update));
}

int mpble_gatts_set_buffer(mpble_t *dev, uint16_t value_handle, size_t len, bool append)
{
    BLE_ON_HOST(dev, gatts_set_buffer(h, value_handle, len, append));
}

int mpble_gatts_notify(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle,
                       const uint8_t *data, size_t len)
{
    BLE_ON_CONN(dev, conn_handle, att_server_send_value(h, c, value_handle, data, len, false));
}

int mpble_gatts_indicate(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle,
                         const uint8_t *data, size_t len)
{
    BLE_ON_CONN(dev, conn_handle, att_server_send_value(h, c, value_handle, data, len, true));
}

/* ---- client ---- */

int mpble_gattc_discover_services(mpble_t *dev, uint16_t conn_handle, const mpble_uuid_t *uuid)
{
    BLE_ON_CONN(dev, conn_handle, gattc_discover_services(h, c, uuid));
}

int mpble_gattc_discover_characteristics(mpble_t *dev, uint16_t conn_handle, uint16_t start,
                                         uint16_t end, const mpble_uuid_t *uuid)
{
    BLE_ON_CONN(dev, conn_handle, gattc_discover_characteristics(h, c, start, end, uuid));
}

int mpble_gattc_discover_descriptors(mpble_t *dev, uint16_t conn_handle, uint16_t start,
                                     uint16_t end)
{
    BLE_ON_CONN(dev, conn_handle, gattc_discover_descriptors(h, c, start, end));
}

int mpble_gattc_read(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle)
{
    BLE_ON_CONN(dev, conn_handle, gattc_read(h, c, value_handle));
}

static int write_mode(struct host *h, uint16_t conn_handle, uint16_t value_handle,
                      const uint8_t *data, size_t len, int mode)
{
    if (mode != 0 && mode != 1)
        return -EINVAL; /* before the connection (reference) */
    struct conn *c = conn_by_handle(h, conn_handle);
    return c ? gattc_write(h, c, value_handle, data, len, mode == 1) : -ENOTCONN;
}

int mpble_gattc_write(mpble_t *dev, uint16_t conn_handle, uint16_t value_handle,
                      const uint8_t *data, size_t len, int mode)
{
    BLE_ON_HOST(dev, write_mode(h, conn_handle, value_handle, data, len, mode));
}

int mpble_gattc_exchange_mtu(mpble_t *dev, uint16_t conn_handle)
{
    BLE_ON_CONN(dev, conn_handle, gattc_exchange_mtu(h, c));
}
