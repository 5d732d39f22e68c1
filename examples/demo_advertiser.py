# An advertiser: broadcasts its name and a service UUID for a few seconds.
# Runs as it is on MicroPython and, with mpble, on CPython.
import sys
import time

import bluetooth

NAME = sys.argv[1] if len(sys.argv) > 1 else "mpble-demo"
SECONDS = 4

_ADV_TYPE_FLAGS = 0x01
_ADV_TYPE_NAME = 0x09
_ADV_TYPE_UUID16_COMPLETE = 0x03
_ENV_SENSING = bluetooth.UUID(0x181A)


def field(kind, value):
    return bytes((len(value) + 1, kind)) + value


payload = (field(_ADV_TYPE_FLAGS, b"\x06") + field(_ADV_TYPE_NAME, NAME.encode())
           + field(_ADV_TYPE_UUID16_COMPLETE, bytes(_ENV_SENSING)))

ble = bluetooth.BLE()
ble.active(True)
addr_type, addr = ble.config("mac")
print("advertiser: %s as %s (type %d) every 100 ms for %d s" % (
    NAME, ":".join("%02x" % b for b in addr), addr_type, SECONDS))
ble.gap_advertise(100_000, payload)
time.sleep(SECONDS)
ble.gap_advertise(None)
ble.active(False)
print("advertiser: done")
