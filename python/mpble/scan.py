"""`mpble scan`: the devices in range, from an active scan on the controller
MPBLE_HCI names (by default the air): address, address type, RSSI, and the name
and service UUIDs decoded from advertising data and scan responses. Once
(`--time S`, a table at the end) or live (`--live`, a line per device heard and
per change, until Ctrl-C)."""
import os
import threading

import bluetooth

_IRQ_SCAN_RESULT = 5
_IRQ_SCAN_DONE = 6
_NAME_TYPES = (0x09, 0x08)  # complete, shortened local name
_UUID_TYPES = {0x02: 2, 0x03: 2, 0x04: 4, 0x05: 4, 0x06: 16, 0x07: 16}  # type -> size


def decode(payload):
    """(name or None, [UUID, ...]) from an advertising payload."""
    name, services = None, []
    i = 0
    while i + 1 < len(payload) and payload[i]:
        kind, value = payload[i + 1], bytes(payload[i + 2:i + 1 + payload[i]])
        if kind in _NAME_TYPES and name is None:
            name = value.decode(errors="replace")
        size = _UUID_TYPES.get(kind)
        if size:
            services += [bluetooth.UUID(value[j:j + size])
                         for j in range(0, len(value) - size + 1, size)]
        i += 1 + payload[i]
    return name, services


class Device:
    def __init__(self, addr_type, addr):
        self.addr_type, self.addr = addr_type, addr
        self.rssi, self.name, self.services = None, None, []

    def update(self, rssi, payload):
        """Merges a report; returns whether the name or the services changed."""
        self.rssi = rssi
        name, services = decode(payload)
        new = [u for u in services if u not in self.services]
        self.services += new
        renamed = name is not None and name != self.name
        self.name = name if renamed else self.name
        return renamed or bool(new)

    def line(self):
        return "%s %-6s %4d dBm  %-20s %s" % (
            ":".join("%02x" % b for b in self.addr),
            "public" if self.addr_type == 0 else "random", self.rssi,
            repr(self.name) if self.name is not None else "-",
            " ".join(str(u) for u in self.services))


class Scan:
    def __init__(self, live, out):
        self.live, self.out = live, out
        self.devices = {}
        self.done = threading.Event()

    def irq(self, event, data):
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, payload = data
            key = (addr_type, bytes(addr))
            device = self.devices.get(key)
            first = device is None
            if first:
                device = self.devices[key] = Device(*key)
            if device.update(rssi, payload) or first:
                if self.live:
                    print(device.line(), file=self.out, flush=True)
        elif event == _IRQ_SCAN_DONE:
            self.done.set()


def scan(seconds, live, active=True, out=None):
    """Scans seconds (live: until Ctrl-C); returns the devices heard."""
    ble = bluetooth.BLE()
    state = Scan(live, out)
    ble.irq(state.irq)
    ble.active(True)
    try:
        ble.gap_scan(0 if live else int(seconds * 1000), 30000, 30000, active)
        state.done.wait(None if live else seconds + 5)
    except KeyboardInterrupt:
        pass
    finally:
        ble.active(False)
    return list(state.devices.values())


def main(args):
    if args.air:
        os.environ["MPBLE_HCI"] = args.air
    devices = scan(args.time, args.live, not args.passive)
    if not args.live:
        for device in sorted(devices, key=lambda d: -d.rssi):
            print(device.line())
    print("%d device(s)" % len(devices))
    return 0
