# An observer: scans for a few seconds and prints each device it hears once:
# address, address type, RSSI and the name from its advertising payload.
# Runs as it is on MicroPython and, with mpble, on CPython.
import time

import bluetooth

_IRQ_SCAN_RESULT = 5
_IRQ_SCAN_DONE = 6
_ADV_TYPE_NAME_SHORT = 0x08
_ADV_TYPE_NAME = 0x09
SCAN_MS = 3000

seen = {}
done = False


def decode_name(payload):
    i = 0
    while i + 1 < len(payload):
        length = payload[i]
        if length == 0:
            break
        if payload[i + 1] in (_ADV_TYPE_NAME, _ADV_TYPE_NAME_SHORT):
            return bytes(payload[i + 2:i + 1 + length]).decode("utf-8", "replace")
        i += 1 + length
    return ""


def irq(event, data):
    global done
    if event == _IRQ_SCAN_RESULT:
        addr_type, addr, adv_type, rssi, adv_data = data
        key = bytes(addr)
        if key not in seen:
            seen[key] = True
            print("observer: %s type %d rssi %d dBm adv_type %d name %r" % (
                ":".join("%02x" % b for b in key), addr_type, rssi, adv_type,
                decode_name(adv_data)))
    elif event == _IRQ_SCAN_DONE:
        done = True


ble = bluetooth.BLE()
ble.irq(irq)
ble.active(True)
print("observer: scanning for %d ms" % SCAN_MS)
ble.gap_scan(SCAN_MS, 30000, 30000)
t0 = time.time()
while not done and time.time() - t0 < SCAN_MS / 1000 + 2:
    time.sleep(0.05)
ble.active(False)
print("observer: %d device(s) heard" % len(seen))
