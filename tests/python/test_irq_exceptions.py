"""Exceptions in IRQ handlers (micropython-semantics.md 5.4): for every event the air
can produce here, a handler that raises gets "Unhandled exception in IRQ callback
handler" and the traceback on stderr and is unset (later events reach no handler),
and the process goes on; the same for an exception from a method the handler calls
(active(True) inside a handler: EDEADLK). Also the conversion of what a
_IRQ_GATTS_READ_REQUEST handler returns (5.3).

The device whose handler raises is a Peer (a child process), so that its stderr can
be read. _IRQ_CONNECTION_UPDATE is missing: nothing reachable from Python makes the
peer's controller report one."""

import errno

from . import support
from .support import (GATT, IRQ_CENTRAL_CONNECT, IRQ_CENTRAL_DISCONNECT,
                      IRQ_GATTC_CHARACTERISTIC_DONE, IRQ_GATTC_CHARACTERISTIC_RESULT,
                      IRQ_GATTC_DESCRIPTOR_DONE, IRQ_GATTC_DESCRIPTOR_RESULT, IRQ_GATTC_INDICATE,
                      IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE, IRQ_GATTC_READ_RESULT,
                      IRQ_GATTC_SERVICE_DONE, IRQ_GATTC_SERVICE_RESULT, IRQ_GATTC_WRITE_DONE,
                      IRQ_GATTS_INDICATE_DONE, IRQ_GATTS_READ_REQUEST, IRQ_GATTS_WRITE,
                      IRQ_MTU_EXCHANGED, IRQ_PERIPHERAL_CONNECT, IRQ_PERIPHERAL_DISCONNECT,
                      IRQ_SCAN_DONE, IRQ_SCAN_RESULT)

# In the peer: arm(code) makes its handler raise on the next event `code`.
RAISER_SRC = """
def boom(data):
    raise RuntimeError("boom")

def deadlock(data):
    ble.active(True)

def arm(code, hook=boom):
    hooks.clear()
    hooks[code] = hook
"""

PREFIX = "Unhandled exception in IRQ callback handler\n"


class HandlerRaises(support.ConnTestCase):
    def setUp(self):
        super().setUp()
        self.dev = self.peer()
        self.dev.run(RAISER_SRC)
        self.raised = 0
        self.start()

    def raises(self, code, trigger, hook="boom"):
        """Arms the peer's handler to raise on code, runs trigger(), and checks that
        the event came once and left the handler unset, the peer alive. Then sets the
        handler again for what follows."""
        count = len(self.dev.of(code)) + 1
        self.dev.run("arm(%d, %s)" % (code, hook))
        trigger()
        self.dev.wait_for(code, count)
        self.raised += 1
        # SCAN_DONE comes inside gap_scan(None): an unset handler shows no event
        # before the call returns (the first call ends a scan the trigger started).
        done = len(self.dev.of(IRQ_SCAN_DONE))
        self.dev.run("ble.gap_scan(None); ble.gap_scan(0); ble.gap_scan(None)")
        self.assertEqual(len(self.dev.of(IRQ_SCAN_DONE)), done)
        self.assertEqual(len(self.dev.of(code)), count)
        self.assertTrue(self.dev.run("ble.active()"))
        self.dev.run("hooks.clear(); ble.irq(irq)")

    def assert_reported(self, exception="RuntimeError: boom"):
        """Ends the peer; its stderr has one report per raise, each a traceback."""
        rc, err = self.dev.child.wait()
        self.assertEqual(rc, 0, err)
        self.assertEqual(err.count(PREFIX + "Traceback (most recent call last):\n"), self.raised, err)
        self.assertEqual(err.count(exception), self.raised, err)

    def peer_runs(self, src):
        return lambda: self.dev.run(src)

    def test_scan_result_and_done(self):
        self.ble.gap_advertise(20000, GATT.ADV)
        self.raises(IRQ_SCAN_RESULT, self.peer_runs("ble.gap_scan(0)"))
        self.raises(IRQ_SCAN_DONE, self.peer_runs("ble.gap_scan(0); ble.gap_scan(None)"))
        self.assert_reported()

    def test_active_inside_handler(self):
        """OSError(EDEADLK) from active(True): on the loop thread (a scan result, whose
        tuple holds views) and inside a method call (SCAN_DONE in gap_scan(None))."""
        self.ble.gap_advertise(20000, GATT.ADV)
        self.raises(IRQ_SCAN_RESULT, self.peer_runs("ble.gap_scan(0)"), "deadlock")
        self.raises(IRQ_SCAN_DONE, self.peer_runs("ble.gap_scan(0); ble.gap_scan(None)"), "deadlock")
        self.assert_reported("OSError: [Errno %d]" % errno.EDEADLK)

    def test_peripheral_events(self):
        """The peer advertises and serves; this process connects and is its client."""
        (hr,), (tx, rx), bat = self.dev.run("ble.gatts_register_services(ALL_SERVICES)")
        conn = []
        self.raises(IRQ_CENTRAL_CONNECT, lambda: conn.extend(self.connect(self.dev)))
        self.raises(IRQ_GATTS_WRITE, lambda: self.ble.gattc_write(conn[0], rx, b"x", 1))
        self.assertEqual(self.events.wait_for(IRQ_GATTC_WRITE_DONE), [(conn[0], rx, 0)])
        self.raises(IRQ_GATTS_READ_REQUEST, lambda: self.ble.gattc_read(conn[0], hr))
        # The handler raised: its result counts as None, which allows the read.
        self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_DONE), [(conn[0], hr, 0)])
        self.raises(IRQ_GATTS_INDICATE_DONE, self.peer_runs("ble.gatts_indicate(conn, %d, b'i')" % tx))
        self.raises(IRQ_CENTRAL_DISCONNECT, lambda: self.ble.gap_disconnect(conn[0]))
        self.assert_reported()

    def test_central_events(self):
        """This process advertises and serves; the peer connects and is its client.
        Events that end a procedure first; then those with more of the procedure to
        come (the rest reaches no handler, or the handler set again)."""
        (hr,), (tx, rx), bat = self.ble.gatts_register_services(GATT.ALL_SERVICES)
        conn = []
        self.raises(IRQ_PERIPHERAL_CONNECT, lambda: conn.extend(self.accept(self.dev)))
        run = self.peer_runs
        self.raises(IRQ_GATTC_SERVICE_DONE, run("ble.gattc_discover_services(conn)"))
        self.raises(IRQ_GATTC_CHARACTERISTIC_DONE, run("ble.gattc_discover_characteristics(conn, 1, 0xffff)"))
        self.raises(IRQ_GATTC_DESCRIPTOR_DONE, run("ble.gattc_discover_descriptors(conn, %d, %d)" % (bat[0], bat[1])))
        self.raises(IRQ_GATTC_READ_DONE, run("ble.gattc_read(conn, %d)" % hr))
        self.raises(IRQ_GATTC_WRITE_DONE, run("ble.gattc_write(conn, %d, b'w', 1)" % rx))
        self.raises(IRQ_GATTC_NOTIFY, lambda: self.ble.gatts_notify(conn[0], tx, b"n"))
        self.raises(IRQ_GATTC_INDICATE, lambda: self.ble.gatts_indicate(conn[0], tx, b"i"))
        self.raises(IRQ_MTU_EXCHANGED, run("ble.gattc_exchange_mtu(conn)"))
        self.raises(IRQ_GATTC_SERVICE_RESULT, run("ble.gattc_discover_services(conn)"))
        self.raises(IRQ_GATTC_CHARACTERISTIC_RESULT, run("ble.gattc_discover_characteristics(conn, %d, %d)" % (bat[0] - 1, 0xffff)))
        self.raises(IRQ_GATTC_DESCRIPTOR_RESULT, run("ble.gattc_discover_descriptors(conn, %d, %d)" % (bat[0], bat[1])))
        self.raises(IRQ_GATTC_READ_RESULT, run("ble.gattc_read(conn, %d)" % hr))
        self.raises(IRQ_PERIPHERAL_DISCONNECT, lambda: self.ble.gap_disconnect(conn[0]))
        self.assert_reported()


class ReadRequestResults(support.ConnTestCase):
    """What a READ_REQUEST handler returns, as the status of the client's READ_DONE:
    0 allows; otherwise 0x100 + the low byte (0 in it: ATT's Unlikely Error, 0x0e)."""

    def test_conversions(self):
        server = self.peer()
        (hr,), _, _ = server.run("ble.gatts_register_services(ALL_SERVICES)")
        self.start()
        conn, _ = self.connect(server)
        for result, status in [("None", 0), ("b'x'", 0), ("False", 0), ("True", 0x101),
                               ("5", 0x105), ("5.9", 0x105), ("-0.5", 0), ("float('nan')", 0),
                               ("float('inf')", 0x1FF), ("float('-inf')", 0x10E),
                               ("1e300", 0x1FF), ("2 ** 100", 0x1FF), ("-2 ** 100", 0x10E),
                               ("2 ** 40 + 7", 0x1FF)]:
            with self.subTest(result=result):
                server.run("hooks[4] = lambda data: %s" % result)
                count = len(self.events.of(IRQ_GATTC_READ_DONE)) + 1
                self.ble.gattc_read(conn, hr)
                self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_DONE, count)[-1], (conn, hr, status))
