"""Flow control end to end on the air in fast timing: a peripheral (a child process)
notifies as fast as gatts_notify lets it, retrying on OSError(ENOMEM), the
back-pressure of a full controller; the central (this process) counts with a plain
handler, at full speed (20-octet values) or sleeping 1 ms per notification
(244-octet values at ATT_MTU 247, so that the air's and the sockets' buffers fill
within the stream and the central's controller refuses data on the air). Every
notification arrives, in order, and the link stays up. Also: mpble-air's
--stall-timeout."""

import os
import struct
import subprocess
import time
import unittest

from . import support
from .support import (IRQ_CENTRAL_DISCONNECT, IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE,
                      IRQ_MTU_EXCHANGED, IRQ_PERIPHERAL_DISCONNECT)

FAST_N = 200000
SLOW_N = 2000
BLOCKED_N = 50000
STREAM_BUDGET = 120.0  # seconds: the stream's wall-clock bound, well above its usual time

# Sends n values (a sequence number, then zeros up to size octets) with send(value),
# retrying on ENOMEM (back-pressure); returns how often it said ENOMEM. Run both here
# and in the peer.
SEND_ALL_SRC = r"""
import errno, struct, time
def send_all(send, n, size):
    busy = 0
    for i in range(n):
        value = struct.pack('<I', i) + bytes(size - 4)
        while True:
            try:
                send(value)
                break
            except OSError as e:
                if e.errno != errno.ENOMEM:
                    raise
                busy += 1
                time.sleep(0.0002)
    return busy
"""
_here = {}
exec(SEND_ALL_SRC, _here)
send_all = _here["send_all"]

# In the peer: n notifications of size octets.
STREAM_SRC = SEND_ALL_SRC + r"""
def stream(n, handle, size):
    return send_all(lambda v: ble.gatts_notify(conn, handle, v), n, size)
"""


# In the peer: Write Commands counted and checked for order by a handler of their own.
WRITE_COUNT_SRC = r"""
import struct
got = [0, 0]
def counting(event, data):
    if event == 3:
        seq = struct.unpack_from('<I', ble.gatts_read(data[1]))[0]
        if seq != got[0]:
            got[1] += 1
        got[0] += 1
        return None
    return irq(event, data)
ble.irq(counting)
"""
WRITE_N = 200000


class Counter:
    """The central's handler: notifications counted and checked for order, every
    other event to an Events recorder."""

    def __init__(self, events, delay=0.0, first_delay=0.0):
        self.events, self.delay, self.first_delay = events, delay, first_delay
        self.count, self.out_of_order, self.next = 0, 0, 0

    def __call__(self, event, data):
        if event != IRQ_GATTC_NOTIFY:
            return self.events(event, data)
        seq = struct.unpack_from("<I", data[2])[0]
        if seq != self.next:
            self.out_of_order += 1
        self.next = seq + 1
        self.count += 1
        delay = self.first_delay if self.count == 1 else self.delay
        if delay:
            time.sleep(delay)
        return None


class NotifyFlow(support.ConnTestCase):
    def stream(self, n, delay, mtu=23, first_delay=0.0):
        self.events = support.Events()
        counter = Counter(self.events, delay, first_delay)
        self.ble.irq(counter)
        self.ble.active(True)
        peer = self.peer()
        (hr,), (tx, rx) = peer.run("ble.gatts_register_services(SERVICES)")
        conn, _ = self.connect(peer)
        if mtu != 23:
            peer.run("ble.config(mtu=%d)" % mtu)
            self.ble.config(mtu=mtu)
            self.ble.gattc_exchange_mtu(conn)
            self.assertEqual(self.events.wait_for(IRQ_MTU_EXCHANGED)[0], (conn, mtu))
        peer.run(STREAM_SRC)
        start = time.monotonic()
        busy = peer.run("stream(%d, %d, %d)" % (n, tx, mtu - 3), timeout=STREAM_BUDGET)
        deadline = start + STREAM_BUDGET
        while counter.count < n and time.monotonic() < deadline:
            time.sleep(0.01)
        took = time.monotonic() - start
        print("\n%d notifications in %.1f s (%.0f/s), ENOMEM %d times"
              % (n, took, n / took, busy), end=" ", flush=True)
        self.assertEqual(counter.count, n)
        self.assertEqual(counter.out_of_order, 0)
        self.assertGreater(busy, 0)  # the sender did meet back-pressure
        # The link survived: no disconnection either side, and it still answers.
        self.assertEqual(self.events.of(IRQ_PERIPHERAL_DISCONNECT), [])
        self.assertEqual(peer.of(IRQ_CENTRAL_DISCONNECT), [])
        self.ble.gattc_read(conn, hr)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_DONE)[0][2], 0)

    def test_full_speed(self):
        self.stream(FAST_N, 0.0)

    def test_slow_reader(self):
        self.stream(SLOW_N, 0.001, mtu=247)

    def test_handler_that_blocks(self):
        """The handler blocks for half a second at the first notification (the
        stack stands still meanwhile, as on MicroPython): every later one arrives.
        Enough of them that the sender meets back-pressure while it blocks (the air's
        and the sockets' buffers hold some 100 KB)."""
        self.stream(BLOCKED_N, 0.0, first_delay=0.5)

    def test_write_without_response(self):
        """The other way: this process writes with gattc_write(..., 0) as fast as it
        lets it, retrying on ENOMEM; the peer's handler counts every write, in order."""
        self.events = support.Events()
        self.ble.irq(self.events)
        self.ble.active(True)
        peer = self.peer()
        _, (_, rx) = peer.run("ble.gatts_register_services(SERVICES)")
        conn, _ = self.connect(peer)
        peer.run(WRITE_COUNT_SRC)
        start = time.monotonic()
        busy = send_all(lambda v: self.ble.gattc_write(conn, rx, v, 0), WRITE_N, 20)
        deadline = time.monotonic() + STREAM_BUDGET
        while peer.run("got[0]") < WRITE_N and time.monotonic() < deadline:
            time.sleep(0.05)
        took = time.monotonic() - start
        print("\n%d writes in %.1f s (%.0f/s), ENOMEM %d times"
              % (WRITE_N, took, WRITE_N / took, busy), end=" ", flush=True)
        self.assertEqual(peer.run("got"), [WRITE_N, 0])
        self.assertEqual(self.events.of(IRQ_PERIPHERAL_DISCONNECT), [])


class StallOption(unittest.TestCase):
    def test_help_and_bad_values(self):
        out = subprocess.run([str(support.AIR_BIN), "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertIn("--stall-timeout S", out.stdout)
        for bad in ("0", "-1", "x", ""):
            r = subprocess.run([str(support.AIR_BIN), "--stall-timeout", bad,
                                "--socket", os.devnull + ".none"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--stall-timeout wants seconds", r.stderr)


if __name__ == "__main__":
    unittest.main()
