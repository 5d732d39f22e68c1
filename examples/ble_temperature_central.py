# A central for ble_temperature.py: finds the sensor by the service in its
# advertising payload, connects, discovers the temperature characteristic, reads
# it, subscribes, prints NOTIFICATIONS notifications and disconnects.
# A MicroPython program; with mpble it runs unchanged on CPython.
from micropython import const
import struct
import time

import bluetooth

from ble_advertising import decode_name, decode_services

_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)
_ADV_IND = const(0x00)

_ENV_SENSE_UUID = bluetooth.UUID(0x181A)
_TEMP_UUID = bluetooth.UUID(0x2A6E)
NOTIFICATIONS = const(3)
TIMEOUT_MS = const(10000)


def celsius(data):
    return struct.unpack("<h", data)[0] / 100


class Central:
    def __init__(self, ble):
        self._ble = ble
        self._ble.active(True)
        self._ble.irq(self._irq)
        self._peer = None
        self._conn = None
        self._range = None
        self._value_handle = None
        self.notifications = 0
        self.done = False

    def _irq(self, event, data):
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if (self._peer is None and adv_type == _ADV_IND
                    and _ENV_SENSE_UUID in decode_services(adv_data)):
                self._peer = (addr_type, bytes(addr))
                print("found", decode_name(adv_data))
                self._ble.gap_scan(None)
        elif event == _IRQ_SCAN_DONE:
            if self._peer:
                self._ble.gap_connect(*self._peer)
            else:
                print("no sensor found")
                self.done = True
        elif event == _IRQ_PERIPHERAL_CONNECT:
            conn_handle, _, _ = data
            self._conn = conn_handle
            print("connected")
            self._ble.gattc_discover_services(conn_handle, _ENV_SENSE_UUID)
        elif event == _IRQ_GATTC_SERVICE_RESULT:
            conn_handle, start_handle, end_handle, uuid = data
            self._range = (start_handle, end_handle)
        elif event == _IRQ_GATTC_SERVICE_DONE:
            self._ble.gattc_discover_characteristics(self._conn, *self._range)
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            conn_handle, end_handle, value_handle, properties, uuid = data
            if uuid == _TEMP_UUID:
                self._value_handle = value_handle
        elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
            self._ble.gattc_read(self._conn, self._value_handle)
        elif event == _IRQ_GATTC_READ_RESULT:
            conn_handle, value_handle, char_data = data
            print("read %.2f C" % celsius(char_data))
            # Subscribe: the server puts the CCCD right after the value.
            self._ble.gattc_write(self._conn, self._value_handle + 1, b"\x01\x00", 1)
        elif event == _IRQ_GATTC_WRITE_DONE:
            print("subscribed")
        elif event == _IRQ_GATTC_NOTIFY:
            conn_handle, value_handle, notify_data = data
            self.notifications += 1
            print("notified %.2f C" % celsius(notify_data))
            if self.notifications == NOTIFICATIONS:
                self._ble.gap_disconnect(conn_handle)
        elif event == _IRQ_PERIPHERAL_DISCONNECT:
            print("disconnected")
            self.done = True

    def scan(self):
        self._ble.gap_scan(5000, 30000, 30000)

    def stop(self):
        self._ble.active(False)


def demo():
    central = Central(bluetooth.BLE())
    central.scan()
    t0 = time.ticks_ms()
    while not central.done and time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        time.sleep_ms(50)
    central.stop()
    print("done" if central.notifications == NOTIFICATIONS else "incomplete")


if __name__ == "__main__":
    demo()
