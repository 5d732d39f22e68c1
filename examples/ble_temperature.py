# A temperature sensor peripheral: the environmental-sensing service with a
# temperature characteristic that centrals read and subscribe to; a new value is
# notified every 200 ms. Ends when its central
# disconnects, or after IDLE_MS with nobody connected.
# A MicroPython program; with mpble it runs unchanged on CPython.
from micropython import const
import struct
import time

import bluetooth

from ble_advertising import advertising_payload

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_FLAG_READ = const(0x0002)
_FLAG_NOTIFY = const(0x0010)

_ENV_SENSE_UUID = bluetooth.UUID(0x181A)
_TEMP_CHAR = (bluetooth.UUID(0x2A6E), _FLAG_READ | _FLAG_NOTIFY)
_ENV_SENSE_SERVICE = (_ENV_SENSE_UUID, (_TEMP_CHAR,))
_APPEARANCE_THERMOMETER = const(768)

UPDATE_MS = const(200)
IDLE_MS = const(5000)


class Sensor:
    def __init__(self, ble, name="mpy-temp"):
        self._ble = ble
        self._ble.active(True)
        self._ble.irq(self._irq)
        ((self._handle,),) = self._ble.gatts_register_services((_ENV_SENSE_SERVICE,))
        self._connections = set()
        self.served = False
        self._payload = advertising_payload(name=name, services=[_ENV_SENSE_UUID],
                                            appearance=_APPEARANCE_THERMOMETER)
        self._advertise()

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

    def connected(self):
        return bool(self._connections)

    def set_temperature(self, celsius):
        # org.bluetooth.characteristic.temperature: sint16 in 0.01 degrees Celsius;
        # send_update notifies the subscribed centrals.
        self._ble.gatts_write(self._handle, struct.pack("<h", int(celsius * 100)), True)

    def _advertise(self, interval_us=100_000):
        self._ble.gap_advertise(interval_us, adv_data=self._payload)

    def stop(self):
        self._ble.active(False)


def demo():
    sensor = Sensor(bluetooth.BLE())
    print("advertising")
    temperature = 20.0
    idle_since = time.ticks_ms()
    while not sensor.served:
        if sensor.connected():
            idle_since = time.ticks_ms()
        elif time.ticks_diff(time.ticks_ms(), idle_since) > IDLE_MS:
            print("no central came")
            break
        temperature += 0.25
        sensor.set_temperature(temperature)
        time.sleep_ms(UPDATE_MS)
    sensor.stop()
    print("done")


if __name__ == "__main__":
    demo()
