"""Broadcaster and observer across two processes on a private air: a child
advertises, this process scans (micropython-semantics.md 4.1, 5.1, 5.2, 5.5)."""

import time
import unittest

from bluetooth import UUID

from . import support
from .support import IRQ_SCAN_DONE, IRQ_SCAN_RESULT, Events

ADV_IND, ADV_SCAN_IND, SCAN_RSP = 0, 2, 4

ADVERTISER = """
import bluetooth, sys
ble = bluetooth.BLE()
ble.active(True)
ble.gap_advertise({interval}, {adv!r}, resp_data={resp!r}, connectable={connectable})
print(repr(ble.config("mac")))
sys.stdin.readline()
"""

ADV = support.adv_payload(name="mpble-child", services=[UUID(0x180D)])
RESP = support.adv_payload(name="mpble-response", flags=None)


class AdvScanFast(support.AirTestCase):
    timing = "fast"
    adv_interval_us = 20000
    scan_ms = 300
    scan_interval_us = 30000

    def advertise(self, connectable=True, adv=ADV, resp=RESP):
        """Starts an advertising child; returns its (addr_type, addr)."""
        child = self.child(ADVERTISER.format(interval=self.adv_interval_us, adv=adv, resp=resp,
                                             connectable=connectable))
        mac = eval(child.readline())  # config('mac') is a valid literal
        self.assertIsInstance(mac, tuple)
        return mac

    def scan(self, active=False, on_event=None):
        """Scans for scan_ms; returns the recorder once SCAN_DONE arrived."""
        events = Events(on_event)
        self.ble.irq(events)
        self.ble.active(True)
        self.ble.gap_scan(self.scan_ms, self.scan_interval_us, self.scan_interval_us, active)
        events.wait_for(IRQ_SCAN_DONE, timeout=self.scan_ms / 1000 + support.WAIT)
        return events

    def results_from(self, events, mac):
        found = [r for r in events.of(IRQ_SCAN_RESULT) if (r[0], r[1]) == mac]
        self.assertTrue(found, "no scan result from %r among %d" % (mac, len(events.of(IRQ_SCAN_RESULT))))
        return found

    def check_results(self, results, adv_types, data):
        for addr_type, addr, adv_type, rssi, adv_data in results:
            self.assertIn(adv_type, adv_types)
            self.assertEqual(adv_data, data[adv_type])
            self.assertIs(type(rssi), int)
            self.assertTrue(-100 <= rssi <= 0, rssi)

    def test_passive_connectable(self):
        mac = self.advertise(connectable=True)
        events = self.scan(active=False)
        found = self.results_from(events, mac)
        self.check_results(found, {ADV_IND}, {ADV_IND: ADV})

    def test_passive_scannable(self):
        mac = self.advertise(connectable=False)
        events = self.scan(active=False)
        found = self.results_from(events, mac)
        self.check_results(found, {ADV_SCAN_IND}, {ADV_SCAN_IND: ADV})

    def test_active_gets_scan_responses(self):
        for connectable, adv_type in ((True, ADV_IND), (False, ADV_SCAN_IND)):
            with self.subTest(connectable=connectable):
                mac = self.advertise(connectable=connectable)
                events = self.scan(active=True)
                found = self.results_from(events, mac)
                self.check_results(found, {adv_type, SCAN_RSP}, {adv_type: ADV, SCAN_RSP: RESP})
                self.assertIn(SCAN_RSP, {r[2] for r in found})
                self.assertIn(adv_type, {r[2] for r in found})
                self.ble.active(False)

    def test_scan_done_ends_results(self):
        mac = self.advertise()
        events = self.scan()
        self.results_from(events, mac)
        kinds = [e for e, _ in events.events]
        self.assertEqual(kinds[-1], IRQ_SCAN_DONE)
        self.assertEqual(kinds.count(IRQ_SCAN_DONE), 1)
        time.sleep(0.05)
        self.assertEqual(len(events.events), len(kinds))  # nothing after SCAN_DONE

    def test_memoryviews_valid_only_during_handler(self):
        mac = self.advertise()
        kept = []
        checks = []

        def on_event(event, data):
            if event != IRQ_SCAN_RESULT or kept:
                return
            addr_type, addr, adv_type, rssi, adv_data = data
            kept.extend((addr, adv_data))
            checks.append((
                type(addr) is memoryview and type(adv_data) is memoryview,
                addr.readonly and adv_data.readonly and addr.format == "B",
                len(addr) == 6 and len(adv_data) == len(bytes(adv_data)),
                addr[0] == bytes(addr)[0],
                adv_data == bytes(adv_data),
                b"<" + adv_data == b"<" + bytes(adv_data),
            ))

        self.scan(on_event=on_event)
        self.assertEqual(checks[0], (True,) * 6)
        for view in kept:
            with self.assertRaises(ValueError):
                bytes(view)
            with self.assertRaises(ValueError):
                view[0]
        self.assertTrue(mac)

    def test_handler_stops_scan(self):
        self.advertise()
        inner = []

        def on_event(event, data):
            if event == IRQ_SCAN_RESULT and not inner:
                self.ble.gap_scan(None)
                inner.append([e for e, _ in events.events])

        events = Events(on_event)
        self.ble.irq(events)
        self.ble.active(True)
        self.ble.gap_scan(0, self.scan_interval_us, self.scan_interval_us)
        deadline = time.monotonic() + support.WAIT + self.scan_ms / 1000
        while not inner and time.monotonic() < deadline:
            time.sleep(0.001)
        self.assertTrue(inner)
        # SCAN_DONE was delivered inside the nested gap_scan(None), and was the last event.
        self.assertEqual(inner[0][-1], IRQ_SCAN_DONE)
        time.sleep(0.05)
        kinds = [e for e, _ in events.events]
        self.assertEqual(kinds.count(IRQ_SCAN_DONE), 1)
        self.assertEqual(kinds[-1], IRQ_SCAN_DONE)

    def test_exit_while_scanning(self):
        """The atexit hook deactivates cleanly while events are flowing."""
        self.advertise()
        child = self.child("""
import bluetooth
seen = []
def handler(event, data):
    seen.append(bytes(data[1]) if event == 5 else event)
    if len(seen) == 1:
        print("seen", flush=True)
ble = bluetooth.BLE()
ble.irq(handler)
ble.active(True)
ble.gap_scan(0, 30000, 30000)
""")
        self.assertEqual(child.readline(timeout=support.WAIT + self.scan_ms / 1000), "seen")
        code, err = child.wait()
        self.assertEqual(code, 0, err)
        self.assertNotIn("Fatal", err)
        self.assertNotIn("Error", err)


class AdvScanReal(AdvScanFast):
    """The same in real timing: advertising intervals and scan windows take time."""

    timing = "real"
    adv_interval_us = 100000
    scan_ms = 1500
    scan_interval_us = 100000


if __name__ == "__main__":
    unittest.main()
