# A Nordic UART Service (NUS) peripheral: what a central writes to RX arrives
# here, and is sent back upper-cased as a notification on TX. Ends when its
# central disconnects, or after IDLE_MS with nobody connected.
# A MicroPython program; with mpble it runs unchanged on CPython.
from micropython import const
import time

import bluetooth

from ble_advertising import advertising_payload

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_WRITE_NO_RESPONSE = const(0x0004)

_UART_UUID = bluetooth.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
_UART_TX = (bluetooth.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E"), _FLAG_NOTIFY)
_UART_RX = (bluetooth.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E"),
            _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE)
_UART_SERVICE = (_UART_UUID, (_UART_TX, _UART_RX))

IDLE_MS = const(5000)


class UART:
    def __init__(self, ble, name="mpy-uart"):
        self._ble = ble
        self._ble.active(True)
        self._ble.irq(self._irq)
        ((self._tx_handle, self._rx_handle),) = self._ble.gatts_register_services(
            (_UART_SERVICE,))
        self._connections = set()
        self._handler = None
        self.served = False
        self._ble.gap_advertise(100_000, advertising_payload(name=name,
                                                             services=[_UART_UUID]))

    def on_write(self, handler):
        self._handler = handler

    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            conn_handle, _, _ = data
            self._connections.add(conn_handle)
            print("central connected")
        elif event == _IRQ_CENTRAL_DISCONNECT:
            conn_handle, _, _ = data
            self._connections.discard(conn_handle)
            print("central disconnected")
            self.served = True
        elif event == _IRQ_GATTS_WRITE:
            conn_handle, value_handle = data
            if value_handle == self._rx_handle and self._handler:
                self._handler(self._ble.gatts_read(self._rx_handle))

    def connected(self):
        return bool(self._connections)

    def write(self, data):
        for conn_handle in self._connections:
            self._ble.gatts_notify(conn_handle, self._tx_handle, data)

    def stop(self):
        self._ble.active(False)


def demo():
    uart = UART(bluetooth.BLE())

    def echo(data):
        print("rx", data)
        uart.write(data.upper())

    uart.on_write(echo)
    print("advertising")
    idle_since = time.ticks_ms()
    while not uart.served:
        if uart.connected():
            idle_since = time.ticks_ms()
        elif time.ticks_diff(time.ticks_ms(), idle_since) > IDLE_MS:
            print("no central came")
            break
        time.sleep_ms(50)
    uart.stop()
    print("done")


if __name__ == "__main__":
    demo()
