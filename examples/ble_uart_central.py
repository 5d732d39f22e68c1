# A central for ble_uart_peripheral.py: finds a Nordic UART Service by its
# advertising payload, connects, discovers RX and TX, subscribes to TX, writes
# each of MESSAGES to RX and waits for its echo, then disconnects.
# A MicroPython program; with mpble it runs unchanged on CPython.
from micropython import const
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
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)

_UART_UUID = bluetooth.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
_UART_RX_UUID = bluetooth.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")
_UART_TX_UUID = bluetooth.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")

MESSAGES = (b"hello", b"from micropython")
STEP_TIMEOUT_MS = const(5000)


class UARTCentral:
    """Records what each step produced; the main program waits for them in turn."""

    def __init__(self, ble):
        self._ble = ble
        self._ble.active(True)
        self._ble.irq(self._irq)
        self.peer = None
        self.conn = None
        self.range = None
        self.rx = None
        self.tx = None
        self.steps = set()
        self.received = []

    def _irq(self, event, data):
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if self.peer is None and _UART_UUID in decode_services(adv_data):
                self.peer = (addr_type, bytes(addr))
                print("found", decode_name(adv_data))
                self._ble.gap_scan(None)
        elif event == _IRQ_PERIPHERAL_CONNECT:
            self.conn = data[0]
        elif event == _IRQ_GATTC_SERVICE_RESULT:
            conn_handle, start_handle, end_handle, uuid = data
            if uuid == _UART_UUID:
                self.range = (start_handle, end_handle)
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            conn_handle, end_handle, value_handle, properties, uuid = data
            if uuid == _UART_RX_UUID:
                self.rx = value_handle
            elif uuid == _UART_TX_UUID:
                self.tx = value_handle
        elif event == _IRQ_GATTC_NOTIFY:
            conn_handle, value_handle, notify_data = data
            if value_handle == self.tx:
                self.received.append(bytes(notify_data))
        self.steps.add(event)

    def wait_for(self, event):
        t0 = time.ticks_ms()
        while event not in self.steps:
            if time.ticks_diff(time.ticks_ms(), t0) > STEP_TIMEOUT_MS:
                raise OSError("timed out waiting for event %d" % event)
            time.sleep_ms(10)
        self.steps.discard(event)

    def session(self):
        self._ble.gap_scan(5000, 30000, 30000)
        self.wait_for(_IRQ_SCAN_DONE)
        if self.peer is None:
            print("no UART found")
            return
        self._ble.gap_connect(*self.peer)
        self.wait_for(_IRQ_PERIPHERAL_CONNECT)
        print("connected")
        self._ble.gattc_discover_services(self.conn)
        self.wait_for(_IRQ_GATTC_SERVICE_DONE)
        self._ble.gattc_discover_characteristics(self.conn, *self.range)
        self.wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
        # Subscribe to TX: the server puts the CCCD right after the value.
        self._ble.gattc_write(self.conn, self.tx + 1, b"\x01\x00", 1)
        self.wait_for(_IRQ_GATTC_WRITE_DONE)
        for message in MESSAGES:
            self._ble.gattc_write(self.conn, self.rx, message, 1)
            self.wait_for(_IRQ_GATTC_WRITE_DONE)
            self.wait_for(_IRQ_GATTC_NOTIFY)
            print("echo", self.received[-1])
        self._ble.gap_disconnect(self.conn)
        self.wait_for(_IRQ_PERIPHERAL_DISCONNECT)
        print("disconnected")

    def stop(self):
        self._ble.active(False)


def demo():
    central = UARTCentral(bluetooth.BLE())
    try:
        central.session()
    finally:
        central.stop()
    print("done")


if __name__ == "__main__":
    demo()
