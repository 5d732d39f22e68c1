# A scanner: an active scan of SCAN_MS, then one line per device heard: address,
# address type, RSSI, name and service UUIDs (advertising data and scan response).
# A MicroPython program; with mpble it runs unchanged on CPython.
from micropython import const
import time

import bluetooth

from ble_advertising import decode_name, decode_services

_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)
SCAN_MS = const(2000)

devices = {}  # address bytes -> [addr_type, best rssi, name, services]
finished = False


def irq(event, data):
    global finished
    if event == _IRQ_SCAN_RESULT:
        addr_type, addr, adv_type, rssi, adv_data = data
        entry = devices.setdefault(bytes(addr), [addr_type, rssi, "", []])
        entry[1] = max(entry[1], rssi)
        entry[2] = entry[2] or decode_name(adv_data)
        for uuid in decode_services(adv_data):
            if uuid not in entry[3]:
                entry[3].append(uuid)
    elif event == _IRQ_SCAN_DONE:
        finished = True


ble = bluetooth.BLE()
ble.irq(irq)
ble.active(True)
ble.gap_scan(SCAN_MS, 30000, 30000, True)
t0 = time.ticks_ms()
while not finished and time.ticks_diff(time.ticks_ms(), t0) < SCAN_MS + 1000:
    time.sleep_ms(50)
ble.active(False)
for addr, (addr_type, rssi, name, services) in devices.items():
    print("%s type %d rssi %d name %r services %s" % (
        ":".join("%02x" % b for b in addr), addr_type, rssi, name,
        ",".join(str(u) for u in services)))
print("%d device(s)" % len(devices))
