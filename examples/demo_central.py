# A central: finds the environmental-sensing peripheral by scanning, connects,
# discovers its temperature characteristic, reads it, subscribes, prints a few
# notifications and disconnects. Runs as it is on MicroPython and, with mpble,
# on CPython.
import struct
import time

import bluetooth

_IRQ_SCAN_RESULT = 5
_IRQ_SCAN_DONE = 6
_IRQ_PERIPHERAL_CONNECT = 7
_IRQ_PERIPHERAL_DISCONNECT = 8
_IRQ_GATTC_SERVICE_RESULT = 9
_IRQ_GATTC_SERVICE_DONE = 10
_IRQ_GATTC_CHARACTERISTIC_RESULT = 11
_IRQ_GATTC_CHARACTERISTIC_DONE = 12
_IRQ_GATTC_READ_RESULT = 15
_IRQ_GATTC_WRITE_DONE = 17
_IRQ_GATTC_NOTIFY = 18

_ENV_SENSE = bluetooth.UUID(0x181A)
_TEMPERATURE = bluetooth.UUID(0x2A6E)
NOTIFICATIONS = 5

state = {"addr": None, "conn": None, "range": None, "value": None, "notes": 0, "done": False}


def has_service(adv_data, uuid):
    i = 0
    while i + 1 < len(adv_data):
        n = adv_data[i]
        if n == 0:
            break
        if adv_data[i + 1] in (0x02, 0x03):
            for j in range(i + 2, i + 1 + n, 2):
                if bluetooth.UUID(bytes(adv_data[j:j + 2])) == uuid:
                    return True
        i += 1 + n
    return False


def celsius(data):
    return struct.unpack("<h", bytes(data))[0] / 100


def irq(event, data):
    if event == _IRQ_SCAN_RESULT:
        addr_type, addr, adv_type, rssi, adv_data = data
        if state["addr"] is None and adv_type == 0 and has_service(adv_data, _ENV_SENSE):
            state["addr"] = (addr_type, bytes(addr))
            print("central: found a sensor at %s (rssi %d)" % (
                ":".join("%02x" % b for b in bytes(addr)), rssi))
            ble.gap_scan(None)
    elif event == _IRQ_SCAN_DONE:
        if state["addr"]:
            ble.gap_connect(*state["addr"])
        else:
            print("central: no sensor found")
            state["done"] = True
    elif event == _IRQ_PERIPHERAL_CONNECT:
        conn_handle, _, _ = data
        state["conn"] = conn_handle
        print("central: connected, handle", conn_handle)
        ble.gattc_discover_services(conn_handle, _ENV_SENSE)
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        conn_handle, start, end, uuid = data
        state["range"] = (start, end)
    elif event == _IRQ_GATTC_SERVICE_DONE:
        ble.gattc_discover_characteristics(state["conn"], *state["range"])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        conn_handle, end_handle, value_handle, properties, uuid = data
        if uuid == _TEMPERATURE:
            state["value"] = value_handle
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        ble.gattc_read(state["conn"], state["value"])
    elif event == _IRQ_GATTC_READ_RESULT:
        conn_handle, value_handle, char_data = data
        print("central: read %.2f C" % celsius(char_data))
        # Subscribe: the CCCD follows the value (notifications on: 0x0001).
        ble.gattc_write(state["conn"], state["value"] + 1, b"\x01\x00", 1)
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("central: subscribed")
    elif event == _IRQ_GATTC_NOTIFY:
        conn_handle, value_handle, notify_data = data
        state["notes"] += 1
        print("central: notified %.2f C" % celsius(notify_data))
        if state["notes"] == NOTIFICATIONS:
            ble.gap_disconnect(conn_handle)
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        print("central: disconnected")
        state["done"] = True


ble = bluetooth.BLE()
ble.irq(irq)
ble.active(True)
ble.gap_scan(5000, 30000, 30000)
t0 = time.time()
while not state["done"] and time.time() - t0 < 15:
    time.sleep(0.05)
ble.active(False)
