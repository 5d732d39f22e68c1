"""Connections: gap_connect (with cancel and timeout) and gap_disconnect in both
roles, across two processes on a private air (micropython-semantics.md 4.1, 5.1)."""

import errno
import os
import struct
import tempfile
import time
import unittest

import bluetooth

from . import support
from .support import (IRQ_CENTRAL_CONNECT, IRQ_CENTRAL_DISCONNECT, IRQ_PERIPHERAL_CONNECT,
                      IRQ_PERIPHERAL_DISCONNECT, IRQ_SCAN_DONE)
from .test_ble_api import ErrnoMixin

NOBODY = bytes.fromhex("c0ffee000001")  # an address nobody advertises
FAILED = (65535, 255, bytes(6))  # PERIPHERAL_DISCONNECT of a timed-out or cancelled attempt


def connection_intervals(path):
    """Conn_Interval of each LE Connection Complete (Vol 4 Part E 7.7.65.1) in a btsnoop
    file of H4 packets."""
    with open(path, "rb") as f:
        data = f.read()
    intervals, pos = [], 16
    while pos + 24 <= len(data):
        length = struct.unpack_from(">I", data, pos + 4)[0]
        pkt = data[pos + 24:pos + 24 + length]
        pos += 24 + length
        if pkt[:2] == b"\x04\x3e" and pkt[3] == 0x01 and pkt[4] == 0:
            intervals.append(struct.unpack_from("<H", pkt, 15)[0])
    return intervals


class GapConnectArguments(ErrnoMixin, unittest.TestCase):
    """Argument rules need no controller; state errors with the radio off."""

    def setUp(self):
        self.ble = bluetooth.BLE()
        self.ble.active(False)

    def test_argument_errors(self):
        ble = self.ble
        with self.assertRaises(TypeError):
            ble.gap_connect()
        with self.assertRaisesRegex(TypeError, "invalid addr"):
            ble.gap_connect(0)
        with self.assertRaisesRegex(ValueError, "invalid addr"):
            ble.gap_connect(0, b"12345")
        with self.assertRaisesRegex(ValueError, "invalid addr"):
            ble.gap_connect(0, bytes(7))
        with self.assertRaises(TypeError):
            ble.gap_connect(0, 12)
        with self.assertRaises(TypeError):
            ble.gap_connect(0.0, bytes(6))
        with self.assertRaises(TypeError):
            ble.gap_connect(0, bytes(6), 1.5)
        with self.assertRaises(TypeError):
            ble.gap_connect(0, bytes(6), 100, "x")
        with self.assertRaises(TypeError):
            ble.gap_connect(0, bytes(6), 100, None, None, None)
        with self.assertRaises(TypeError):
            ble.gap_connect(0, bytes(6), scan_duration_ms=100)
        with self.assertRaises(TypeError):
            ble.gap_disconnect()
        with self.assertRaises(TypeError):
            ble.gap_disconnect(1.5)
        with self.assertRaises(TypeError):
            ble.gap_disconnect(conn_handle=0)
        with self.assertRaises(TypeError):
            ble.gap_disconnect(0, 1)

    def test_inactive(self):
        self.assertErrno(errno.ENODEV, self.ble.gap_connect, 0, bytes(6))
        self.assertErrno(errno.ENODEV, self.ble.gap_connect, None)
        self.assertErrno(errno.ENODEV, self.ble.gap_disconnect, 0)


class GapConnect(ErrnoMixin, support.ConnTestCase):
    def test_connect_and_disconnect_from_central(self):
        peer = self.peer()
        events = self.start()
        conn, peer_conn = self.connect(peer)
        self.assertIsInstance(conn, int)
        mac = self.ble.config("mac")
        self.assertEqual(peer.of(IRQ_CENTRAL_CONNECT), [(peer_conn,) + mac])
        self.assertIs(self.ble.gap_disconnect(conn), True)
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_DISCONNECT), [(conn,) + peer.mac])
        self.assertEqual(peer.wait_for(IRQ_CENTRAL_DISCONNECT), [(peer_conn,) + mac])
        self.assertIs(self.ble.gap_disconnect(conn), False)
        self.assertEqual(peer.run("ble.gap_disconnect(%d)" % peer_conn), False)

    def test_disconnect_from_peripheral(self):
        peer = self.peer()
        events = self.start()
        conn, peer_conn = self.connect(peer)
        self.assertIs(peer.run("ble.gap_disconnect(%d)" % peer_conn), True)
        self.assertEqual(peer.wait_for(IRQ_CENTRAL_DISCONNECT), [(peer_conn,) + self.ble.config("mac")])
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_DISCONNECT), [(conn,) + peer.mac])
        self.assertIs(self.ble.gap_disconnect(conn), False)

    def test_reverse_roles(self):
        """This process advertises and the child connects: CENTRAL_* events here."""
        peer = self.peer()
        events = self.start()
        conn, peer_conn = self.accept(peer)
        self.assertIs(self.ble.gap_disconnect(conn), True)
        self.assertEqual(events.wait_for(IRQ_CENTRAL_DISCONNECT), [(conn,) + peer.mac])
        self.assertEqual(peer.wait_for(IRQ_PERIPHERAL_DISCONNECT),
                         [(peer_conn,) + self.ble.config("mac")])
        # Advertising stopped when the central connected; it connects again once restarted.
        conn, peer_conn = self.accept(peer)
        self.assertIs(peer.run("ble.gap_disconnect(%d)" % peer_conn), True)
        self.assertEqual(events.wait_for(IRQ_CENTRAL_DISCONNECT, 2)[-1], (conn,) + peer.mac)

    def test_event_tuple_types(self):
        peer = self.peer()
        kinds = []

        def on_event(event, data):
            if event == IRQ_PERIPHERAL_CONNECT:
                kinds.append((type(data), [type(x) for x in data], data[2].readonly, len(data[2])))

        self.start(on_event)
        self.connect(peer)
        self.assertEqual(kinds, [(tuple, [int, int, memoryview], True, 6)])

    def test_address_buffers(self):
        """addr may be any 6-byte buffer; ints are truncated to their C width."""
        peer = self.peer()
        events = self.start()
        peer.run("advertise()")
        addr_type, addr = peer.mac
        self.ble.gap_connect(addr_type + 256, memoryview(bytearray(addr)), 2000, None, None)
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_CONNECT)[0][1:], peer.mac)

    def test_connection_intervals(self):
        peer = self.peer()
        events = self.start()
        peer.run("advertise()")
        self.assertIsNone(self.ble.gap_connect(*peer.mac, 1000, 7500, 10000))
        events.wait_for(IRQ_PERIPHERAL_CONNECT)
        peer.run("advertise()")
        self.ble.gap_disconnect(events.of(IRQ_PERIPHERAL_CONNECT)[0][0])
        events.wait_for(IRQ_PERIPHERAL_DISCONNECT)
        self.assertIsNone(self.ble.gap_connect(*peer.mac, None, None, 100000))
        events.wait_for(IRQ_PERIPHERAL_CONNECT, 2)

    def test_disconnect_twice(self):
        """Inside the handler the link cannot finish disconnecting: the second call
        finds it disconnecting (EALREADY)."""
        peer = self.peer()
        results = []

        def on_event(event, data):
            if event == IRQ_PERIPHERAL_CONNECT:
                results.append(self.ble.gap_disconnect(data[0]))
                try:
                    self.ble.gap_disconnect(data[0])
                except OSError as e:
                    results.append(e.errno)

        events = self.start(on_event)
        peer.run("advertise()")
        self.ble.gap_connect(*peer.mac)
        events.wait_for(IRQ_PERIPHERAL_DISCONNECT)
        self.assertEqual(results, [True, errno.EALREADY])

    def test_interval_is_the_longest_asked(self):
        """Asked for 30-50 ms, the air's controller picks 50 ms, as NimBLE's and
        Zephyr's do: read back from the LE Connection Complete in this host's btsnoop
        (no event of the module carries the interval of a new connection)."""
        folder = self.enterContext(tempfile.TemporaryDirectory())
        snoop = os.path.join(folder, "central.btsnoop")
        saved = os.environ.get("MPBLE_SNOOP")
        os.environ["MPBLE_SNOOP"] = snoop
        try:
            events = self.start()
        finally:
            if saved is None:
                os.environ.pop("MPBLE_SNOOP")
            else:
                os.environ["MPBLE_SNOOP"] = saved
        peer = self.peer()
        peer.run("advertise()")
        self.ble.gap_connect(*peer.mac, 2000, 30000, 50000)
        events.wait_for(IRQ_PERIPHERAL_CONNECT)
        self.ble.active(False)  # the capture is complete
        self.assertEqual(connection_intervals(snoop), [40])  # 1.25 ms units

    def test_connect_timeout(self):
        events = self.start()
        start = time.monotonic()
        self.assertIsNone(self.ble.gap_connect(0, NOBODY, 300))
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_DISCONNECT), [FAILED])
        self.assertGreaterEqual(time.monotonic() - start, 0.3)
        self.assertEqual(events.of(IRQ_PERIPHERAL_CONNECT), [])

    def test_connect_cancel(self):
        events = self.start()
        self.ble.gap_connect(0, NOBODY, 0)
        self.assertErrno(errno.EALREADY, self.ble.gap_connect, 0, NOBODY)
        start = time.monotonic()
        self.assertIsNone(self.ble.gap_connect(None))
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_DISCONNECT), [FAILED])
        self.assertLess(time.monotonic() - start, support.WAIT)
        self.assertErrno(errno.EALREADY, self.ble.gap_connect, None)

    def test_addr_type_out_of_range(self):
        self.start()
        self.assertErrno(errno.EINVAL, self.ble.gap_connect, 4, NOBODY)
        self.assertErrno(errno.EINVAL, self.ble.gap_connect, -1, NOBODY)

    def test_connect_stops_scan(self):
        events = self.start()
        self.ble.gap_scan(0)
        self.ble.gap_connect(0, NOBODY, 100)
        self.assertEqual(len(events.of(IRQ_SCAN_DONE)), 1)  # delivered inside the call
        events.wait_for(IRQ_PERIPHERAL_DISCONNECT)

    def test_already_connected(self):
        peer = self.peer()
        self.start()
        self.connect(peer)
        self.assertErrno(errno.EIO, self.ble.gap_connect, *peer.mac)

    def test_peer_killed(self):
        """A peer that vanishes gives a DISCONNECT within the supervision timeout."""
        peer = self.peer()
        events = self.start()
        conn, _ = self.connect(peer)
        start = time.monotonic()
        peer.child.kill()
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_DISCONNECT, timeout=2.56 + support.WAIT),
                         [(conn,) + peer.mac])
        self.assertLess(time.monotonic() - start, 2.56 + support.WAIT)
        self.assertIs(self.ble.gap_disconnect(conn), False)

    def test_deactivate_while_connected(self):
        peer = self.peer()
        self.start()
        _, peer_conn = self.connect(peer)
        self.ble.active(False)
        self.assertEqual(peer.wait_for(IRQ_CENTRAL_DISCONNECT, timeout=2.56 + support.WAIT)[0][0], peer_conn)


if __name__ == "__main__":
    unittest.main()
