"""Interop: the host on BlueZ's btvirt virtual controllers (an LE controller per
connection to /tmp/bt-server-le, a simulated air between them), a peer no one here
wrote. Advertising and scanning between two processes, as on mpble's own air."""

import os
import subprocess
import time
import unittest
from pathlib import Path

import bluetooth

from tests.python import support

IRQ_SCAN_RESULT, IRQ_SCAN_DONE = 5, 6
REPO = Path(__file__).resolve().parents[2]
START_BTVIRT = REPO.parent / "shared" / "tools" / "btvirt" / "start-btvirt"
SOCKET = "/tmp/bt-server-le"

ADVERTISER = """
import bluetooth, sys
ble = bluetooth.BLE()
ble.active(True)
print(repr(ble.config("mac")))
ble.gap_advertise(20000, %r, resp_data=%r, connectable=%r)
print("advertising")
sys.stdin.readline()
"""


class BtVirt:
    def __init__(self):
        if not START_BTVIRT.exists():
            raise RuntimeError("%s is missing: the btvirt starter lives in the shared folder "
                               "beside the repository" % START_BTVIRT)
        out = subprocess.run([str(START_BTVIRT)], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("start-btvirt failed: " + out.stderr)
        self.pid = int(out.stdout.split()[-1])
        self.uri = "unix:" + SOCKET

    def stop(self):
        try:
            os.kill(self.pid, 15)
        except ProcessLookupError:
            pass


class TestAdvertiseScanOnBtvirt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.btvirt = BtVirt()
        cls.saved = os.environ.get("MPBLE_HCI")
        os.environ["MPBLE_HCI"] = cls.btvirt.uri

    @classmethod
    def tearDownClass(cls):
        cls.btvirt.stop()
        if cls.saved is None:
            os.environ.pop("MPBLE_HCI", None)
        else:
            os.environ["MPBLE_HCI"] = cls.saved

    def setUp(self):
        self.ble = bluetooth.BLE()
        self.children = []
        support.capture(self, "scanner")

    def tearDown(self):
        self.ble.irq(None)
        self.ble.active(False)
        for c in self.children:
            c.kill()

    def advertiser(self, adv, resp, connectable):
        child = support.Child(ADVERTISER % (adv, resp, connectable), self.btvirt,
                              capture=support.capture_path(self, "advertiser"))
        self.children.append(child)
        mac = eval(child.readline())
        self.assertEqual(child.readline(), "advertising")
        return mac

    def scan(self, active):
        events = support.Events()
        self.ble.irq(events)
        self.ble.active(True)
        self.ble.gap_scan(1500, 30000, 30000, active)
        events.wait_for(IRQ_SCAN_DONE, timeout=10)
        return events.of(IRQ_SCAN_RESULT)

    def from_peer(self, results, mac):
        return [(adv_type, data) for addr_type, addr, adv_type, rssi, data in results
                if (addr_type, addr) == mac]

    def test_active_scan_sees_advertising_and_scan_response(self):
        adv = support.adv_payload(name="btvirt-peer")
        mac = self.advertiser(adv, b"\x05\x09resp", True)
        seen = self.from_peer(self.scan(active=True), mac)
        self.assertIn((0, adv), seen)
        self.assertIn((4, b"\x05\x09resp"), seen)
        self.assertNotEqual(self.ble.config("mac"), mac)

    def test_passive_scan_of_scannable_advertising(self):
        adv = support.adv_payload(name="btvirt-scannable")
        mac = self.advertiser(adv, b"\x03\x09rr", False)
        seen = self.from_peer(self.scan(active=False), mac)
        self.assertIn((2, adv), seen)
        self.assertNotIn(4, [t for t, _ in seen])


if __name__ == "__main__":
    unittest.main()
