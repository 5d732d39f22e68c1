# A peripheral with an environmental-sensing service: its temperature
# characteristic can be read, and a new value every 200 ms is notified to the
# centrals that subscribed. Runs as it is on MicroPython and, with mpble, on CPython.
import struct
import sys
import time

import bluetooth

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_FLAG_READ = 0x0002
_FLAG_NOTIFY = 0x0010

_ENV_SENSE = bluetooth.UUID(0x181A)
_TEMPERATURE = (bluetooth.UUID(0x2A6E), _FLAG_READ | _FLAG_NOTIFY)
_SERVICE = (_ENV_SENSE, (_TEMPERATURE,))
NAME = sys.argv[1] if len(sys.argv) > 1 else "mpble-sensor"


def field(kind, value):
    return bytes((len(value) + 1, kind)) + value


served = False


def irq(event, data):
    global served
    if event == _IRQ_CENTRAL_CONNECT:
        conn_handle, _, _ = data
        print("sensor: central connected, handle", conn_handle)
    elif event == _IRQ_CENTRAL_DISCONNECT:
        served = True
        print("sensor: central disconnected")


ble = bluetooth.BLE()
ble.irq(irq)
ble.active(True)
((temp_handle,),) = ble.gatts_register_services((_SERVICE,))
payload = (field(0x01, b"\x06") + field(0x09, NAME.encode())
           + field(0x03, bytes(_ENV_SENSE)))
ble.gap_advertise(100_000, payload)
print("sensor: advertising as", NAME)

temperature = 21.5
t0 = time.time()
while not served and time.time() - t0 < 15:
    temperature += 0.1
    # org.bluetooth.characteristic.temperature: sint16, 0.01 degrees Celsius;
    # send_update notifies the subscribed centrals.
    ble.gatts_write(temp_handle, struct.pack("<h", int(temperature * 100)), True)
    time.sleep(0.2)
ble.active(False)
print("sensor: done")
