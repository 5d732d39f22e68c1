/* ble_l2cap.c - the public L2CAP credit-based channel functions (mpble.h). */
#include "host/ble_priv.h"
#include "host/conn.h"
#include "host/host.h"
#include "host/l2cap_coc.h"

int mpble_l2cap_listen(mpble_t *dev, uint16_t psm, int mtu)
{
    BLE_ON_HOST(dev, l2cap_coc_listen(h, psm, mtu));
}

int mpble_l2cap_connect(mpble_t *dev, uint16_t conn_handle, uint16_t psm, int mtu)
{
    BLE_ON_CONN(dev, conn_handle, l2cap_coc_connect(h, c, psm, mtu));
}

int mpble_l2cap_disconnect(mpble_t *dev, uint16_t conn_handle, uint16_t cid)
{
    BLE_ON_CONN(dev, conn_handle, l2cap_coc_disconnect(h, c, cid));
}

int mpble_l2cap_send(mpble_t *dev, uint16_t conn_handle, uint16_t cid, const uint8_t *data,
                     size_t len)
{
    BLE_ON_CONN(dev, conn_handle, l2cap_coc_send(h, c, cid, data, len));
}

int mpble_l2cap_recvinto(mpble_t *dev, uint16_t conn_handle, uint16_t cid, uint8_t *buf, size_t cap)
{
    BLE_ON_CONN(dev, conn_handle, l2cap_coc_recvinto(h, c, cid, buf, cap));
}
