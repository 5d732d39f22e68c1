"""The host's limits against a scripted controller: as many links as HOST_MAX_CONNS,
the next one refused with a reason Disconnect allows, connectable advertising held
while every slot is taken; a controller without ACL buffers; a lost controller."""

import errno
import os
import shutil
import socket
import struct
import tempfile
import threading
import time

from tests.python.fake_controller import OP_LE_READ_BUFFER_SIZE, H4_EVT, adv_report
from tests.python.test_transport import HostCase

HOST_MAX_CONNS = 32
OP_DISCONNECT = 0x0406
OP_LE_SET_ADV_ENABLE = 0x200A
IRQ_CENTRAL_CONNECT, IRQ_CENTRAL_DISCONNECT = 1, 2
IRQ_PERIPHERAL_CONNECT = 7
ROLE_CENTRAL, ROLE_PERIPHERAL = 0, 1
REASON_LOW_RESOURCES = 0x14


def conn_complete(handle, role):
    """LE Connection Complete (Vol 4 Part E 7.7.65.1) for peer address 00:..:handle."""
    params = struct.pack("<BBHBB6sHHHB", 0x01, 0, handle, role, 0,
                         bytes([handle, 0, 0, 0, 0xc0, 0]), 24, 0, 200, 0)
    return bytes([H4_EVT, 0x3E, len(params)]) + params


def disconn_complete(handle, reason=0x13):
    return bytes([H4_EVT, 0x05, 4]) + struct.pack("<BHB", 0, handle, reason)


class TestLinkLimit(HostCase):
    def _irq(self, event, data):
        self.events.append((event, tuple(bytes(d) if isinstance(d, memoryview) else d
                                         for d in data)))

    def adv_enables(self, f):
        return [p[0] for op, p in list(f.commands) if op == OP_LE_SET_ADV_ENABLE]

    def test_full_host_refuses_and_holds_advertising(self):
        f = self.fake()
        self.ble.active(True)
        self.ble.gap_advertise(100000)
        self.assertEqual(self.adv_enables(f), [1])
        for handle in range(1, HOST_MAX_CONNS + 1):
            f.send(conn_complete(handle, ROLE_CENTRAL))
        self.wait_for(lambda: len(self.events) == HOST_MAX_CONNS)
        self.assertEqual({e for e, _ in self.events}, {IRQ_PERIPHERAL_CONNECT})
        # Full: connectable advertising is held (disabled in the controller).
        self.wait_for(lambda: self.adv_enables(f) == [1, 0])
        # Advertising asked for again while full: set up, not enabled.
        self.ble.gap_advertise(100000)
        self.assertEqual(self.adv_enables(f), [1, 0])
        # A link that comes anyway (a race): ended at once with a valid reason,
        # nothing reported here.
        f.send(conn_complete(HOST_MAX_CONNS + 1, ROLE_PERIPHERAL))
        self.wait_for(lambda: OP_DISCONNECT in f.opcodes())
        disc = [p for op, p in list(f.commands) if op == OP_DISCONNECT]
        self.assertEqual(disc, [struct.pack("<HB", HOST_MAX_CONNS + 1, REASON_LOW_RESOURCES)])
        f.send(disconn_complete(HOST_MAX_CONNS + 1, 0x16))
        time.sleep(0.05)
        self.assertEqual(len(self.events), HOST_MAX_CONNS)
        # A slot frees: advertising resumes.
        f.send(disconn_complete(5))
        self.wait_for(lambda: len(self.events) == HOST_MAX_CONNS + 1)
        self.assertEqual(self.events[-1][0], 8)  # _IRQ_PERIPHERAL_DISCONNECT
        self.assertEqual(self.events[-1][1][0], 5)
        self.wait_for(lambda: self.adv_enables(f) == [1, 0, 1])
        # Every link is still usable: handle 1 disconnects as asked.
        self.assertEqual(self.ble.gap_disconnect(1), True)


class TestControllerLimits(HostCase):
    def test_no_acl_buffers(self):
        f = self.fake()
        f.answers[OP_LE_READ_BUFFER_SIZE] = b"\x00\xfb\x00\x00"  # 251 octets, 0 buffers
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertIn("no ACL data buffers", str(cm.exception))
        self.assertFalse(self.ble.active())

    def test_refused_at_once(self):
        """A controller (an air at its limit) that takes the connection and closes it
        before answering Reset: a message that says so."""
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = os.path.join(tempfile.mkdtemp(), "full.sock")
        server.bind(path)
        server.listen(1)

        def refuse():
            conn, _ = server.accept()
            conn.close()

        t = threading.Thread(target=refuse)
        t.start()
        os.environ["MPBLE_HCI"] = "unix:" + path
        try:
            with self.assertRaises(OSError) as cm:
                self.ble.active(True)
        finally:
            t.join(5)
            server.close()
            shutil.rmtree(os.path.dirname(path))
        self.assertIn("before answering HCI Reset", str(cm.exception))
        self.assertIn("limit", str(cm.exception))

    def test_inactive_once_the_controller_is_lost(self):
        f = self.fake()
        self.ble.active(True)
        self.assertTrue(self.ble.active())
        f.hang_up()
        self.wait_for(lambda: not self.ble.active())
        with self.assertRaises(OSError) as cm:
            self.ble.gap_scan(0)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertIn("lost", str(cm.exception))
        self.fake()  # another controller: activating again works
        self.ble.active(True)
        self.assertTrue(self.ble.active())


class TestFlood(HostCase):
    def test_flooding_controller_never_kills_the_host(self):
        """Advertising reports flood in while the host's commands wait for their
        answers: parked ones beyond the room are dropped (reports only), the host
        stays alive and its commands keep working."""
        f = self.fake()
        self.ble.active(True)
        self.ble.gap_scan(0)
        report = adv_report(bytes([1, 2, 3, 4, 5, 6]), b"\x02\x01\x06" + bytes(28))
        burst = report * 200
        sender = threading.Thread(target=lambda: [f.send(burst) for _ in range(1000)])
        sender.start()
        for _ in range(50):
            self.ble.gap_advertise(100000)
            self.ble.gap_advertise(None)
        sender.join()
        self.assertTrue(self.ble.active())
        self.wait_for(lambda: sum(1 for e in self.events if e[0] == 5) > 1000)
        self.ble.gap_scan(None)
        self.assertEqual(self.events[-1], (6,))
        self.assertTrue(self.ble.active())


class TestRefusedConnect(HostCase):
    def _irq(self, event, data):
        self.events.append((event, tuple(bytes(d) if isinstance(d, memoryview) else d
                                         for d in data)))

    def test_own_attempt_refused_for_want_of_a_slot(self):
        """One slot left; our connection attempt completes just after a peripheral
        link took it: the attempt ends as a failed one (handle 0), not in silence."""
        f = self.fake()
        self.ble.active(True)
        for handle in range(1, HOST_MAX_CONNS):
            f.send(conn_complete(handle, ROLE_CENTRAL))
        self.wait_for(lambda: len(self.events) == HOST_MAX_CONNS - 1)
        self.ble.gap_connect(0, bytes([9, 9, 9, 9, 9, 9]))
        f.send(conn_complete(HOST_MAX_CONNS, ROLE_PERIPHERAL))
        f.send(conn_complete(HOST_MAX_CONNS + 1, ROLE_CENTRAL))
        self.wait_for(lambda: len(self.events) == HOST_MAX_CONNS + 1)
        self.assertEqual(self.events[-2][0], IRQ_CENTRAL_CONNECT)
        self.assertEqual(self.events[-1], (8, (0, 255, bytes(6))))
        self.wait_for(lambda: OP_DISCONNECT in f.opcodes())
        disc = [p for op, p in list(f.commands) if op == OP_DISCONNECT]
        self.assertEqual(disc, [struct.pack("<HB", HOST_MAX_CONNS + 1, REASON_LOW_RESOURCES)])
