"""Back-pressure like the reference's, end to end on the air (fast timing, seed 1):
a burst of Write Commands (gattc_write mode 0) or notifications is taken as far as
the controller's ACL buffers (LE Read Buffer Size) plus the host's small data
allowance, then refused with OSError(ENOMEM); once completed packets come back,
sends succeed again, and the peer receives exactly what was taken, in order.

Each burst runs inside an IRQ handler, which holds the host's lock, so that no
Number Of Completed Packets event is handled during it: the depth is exact."""

import re
import struct
import time
from pathlib import Path

from . import support
from .support import IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE

ROOT = Path(__file__).resolve().parents[2]


def c_define(header, name):
    """An integer #define of one of the C headers."""
    text = (ROOT / header).read_text()
    return int(re.search(r"^#define %s (\d+)\b" % name, text, re.M).group(1))


# A 20-octet value's PDU (27 octets) takes one ACL buffer and one block of the
# host's allowance (src/host/conn.h).
DEPTH = (c_define("src/controller/controller.h", "CONTROLLER_ACL_BUFFERS")
         + c_define("src/host/conn.h", "HOST_TX_DATA_BLOCKS"))

# Sends 20-octet values numbered from start until ENOMEM; returns how many went.
BURST_SRC = r"""
import errno, struct
def burst(send, start):
    n = 0
    while True:
        try:
            send(struct.pack('<I', start + n) + bytes(16))
        except OSError as e:
            if e.errno != errno.ENOMEM:
                raise
            return n
        n += 1
"""
_here = {}
exec(BURST_SRC, _here)
burst = _here["burst"]

# In the peer: the values written to rx recorded, but b"go", which starts a burst
# of notifications on tx (set there) from inside the handler.
PEER_SRC = BURST_SRC + r"""
written, bursts = [], []
def on_write(data):
    value = ble.gatts_read(data[1])
    if value == b"go":
        bursts.append(burst(lambda v: ble.gatts_notify(conn, tx, v), sum(bursts)))
    else:
        written.append(struct.unpack_from('<I', value)[0])
hooks[3] = on_write
"""


def wait_until(cond, timeout=support.WAIT):
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.01)
    return cond()


class Backpressure(support.ConnTestCase):
    def setUp(self):
        super().setUp()
        self.bursts = []
        self.start(self.on_event)
        self.peer_ = self.peer()
        (self.hr,), (self.tx, self.rx) = self.peer_.run("ble.gatts_register_services(SERVICES)")
        self.peer_.run("tx = %d" % self.tx)
        self.peer_.run(PEER_SRC)
        self.conn, _ = self.connect(self.peer_)

    def on_event(self, event, data):
        if event == IRQ_GATTC_READ_DONE:
            start = sum(self.bursts)
            self.bursts.append(burst(lambda v: self.ble.gattc_write(self.conn, self.rx, v, 0),
                                     start))

    def test_write_commands(self):
        for i in range(3):  # the first burst, then two after the completions
            self.ble.gattc_read(self.conn, self.hr)
            self.assertTrue(wait_until(lambda: len(self.bursts) == i + 1))
            self.assertEqual(self.bursts[-1], DEPTH)
            total = sum(self.bursts)
            self.assertTrue(wait_until(lambda: self.peer_.run("len(written)") == total))
        self.assertEqual(self.peer_.run("written"), list(range(3 * DEPTH)))

    def test_notifications(self):
        for i in range(3):
            self.ble.gattc_write(self.conn, self.rx, b"go", 0)  # nothing answers it
            self.assertTrue(wait_until(lambda: len(self.peer_.run("bursts")) == i + 1))
            bursts = self.peer_.run("bursts")
            # The peripheral's last notification of a burst is acknowledged in the next
            # connection event (Vol 6 Part B 4.5.9), which brings the "go" before the
            # completed-packets event: its ACL buffer is still taken then.
            self.assertEqual(bursts[-1], DEPTH if i == 0 else DEPTH - 1)
            self.assertTrue(wait_until(
                lambda: len(self.events.of(IRQ_GATTC_NOTIFY)) == sum(bursts)))
        seqs = [struct.unpack_from("<I", d[2])[0] for d in self.events.of(IRQ_GATTC_NOTIFY)]
        self.assertEqual(seqs, list(range(sum(bursts))))


if __name__ == "__main__":
    import unittest
    unittest.main()
