"""A device's public address on a private air: kept across activations, as seen by
another process that scans for it and connects to it; asked for with MPBLE_ADDR,
refused (EADDRINUSE) while another live device has it, granted once that one
deactivated."""

import errno
import os

from . import support
from .support import IRQ_CENTRAL_CONNECT, IRQ_CENTRAL_DISCONNECT, Events

ADV = support.adv_payload(name="mpble-addr")

# Scans for ADV at each line on stdin, connects to the first advertiser of it and
# disconnects; prints (addr_type, addr) as the scan and the connection saw them.
SCANNER = """
import bluetooth, sys, time
ble = bluetooth.BLE()
seen, got, conn = [], set(), []
# Handlers run on the main thread, between its bytecodes: flags, not locks.
def irq(event, data):
    if event == 5 and bytes(data[4]) == {adv!r} and not seen:
        seen.append((data[0], bytes(data[1])))
    if event == 7:
        conn.append((data[0], data[1], bytes(data[2])))
    got.add(event)
def wait(event):
    end = time.monotonic() + 5
    while event not in got and time.monotonic() < end:
        time.sleep(0.001)
ble.irq(irq)
ble.active(True)
print("ready")
for line in sys.stdin:
    del seen[:], conn[:]
    got.clear()
    ble.gap_scan(300, 30000, 30000)
    wait(6)
    if seen:
        ble.gap_connect(*seen[0])
        wait(7)
    if conn:
        ble.gap_disconnect(conn[0][0])
        wait(8)
    print(repr((seen[:1], [c[1:] for c in conn])))
"""

# Activates (with the environment's MPBLE_ADDR), prints config('mac'), deactivates
# at the first line on stdin and says so.
HOLDER = """
import bluetooth, sys
ble = bluetooth.BLE()
ble.active(True)
print(repr(ble.config("mac")))
sys.stdin.readline()
ble.active(False)
print("off")
sys.stdin.readline()
"""


def restore_env(key, value):
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


def tell(child, line="go"):
    child.proc.stdin.write(line.encode() + b"\n")
    child.proc.stdin.flush()


class AddressKept(support.AirTestCase):
    def test_kept_across_three_activations(self):
        scanner = self.child(SCANNER.format(adv=ADV))
        self.assertEqual(scanner.readline(), "ready")
        macs = []
        for _ in range(3):
            events = Events()
            self.ble.irq(events)
            self.ble.active(True)
            macs.append(self.ble.config("mac"))
            self.ble.gap_advertise(20000, ADV)
            tell(scanner)
            seen, connected = eval(scanner.readline(timeout=3 * support.WAIT))
            self.assertEqual(seen, [macs[-1]])
            self.assertEqual(connected, [macs[-1]])
            events.wait_for(IRQ_CENTRAL_CONNECT)
            events.wait_for(IRQ_CENTRAL_DISCONNECT)
            self.ble.active(False)
        self.assertEqual(macs, [macs[0]] * 3)
        self.assertEqual(macs[0][0], 0)


class AddressRequested(support.AirTestCase):
    def setUp(self):
        super().setUp()
        for key in ("MPBLE_ADDR", "MPBLE_LOG"):
            self.addCleanup(restore_env, key, os.environ.get(key))

    def test_granted(self):
        os.environ["MPBLE_ADDR"] = "C0:FF:EE:00:00:02"
        self.ble.active(True)
        self.assertEqual(self.ble.config("mac"), (0, bytes.fromhex("c0ffee000002")))

    def test_refused_while_held(self):
        os.environ["MPBLE_ADDR"] = "C0:FF:EE:00:00:03"
        holder = self.child(HOLDER)
        self.assertEqual(eval(holder.readline()), (0, bytes.fromhex("c0ffee000003")))
        os.environ["MPBLE_LOG"] = "0"  # the refusal is on purpose
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.EADDRINUSE)
        self.assertIn("C0:FF:EE:00:00:03", str(cm.exception))
        self.assertFalse(self.ble.active())
        tell(holder)
        self.assertEqual(holder.readline(), "off")
        self.ble.active(True)
        self.assertEqual(self.ble.config("mac"), (0, bytes.fromhex("c0ffee000003")))
