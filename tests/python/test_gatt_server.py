"""GATT server: gatts_register_services, gatts_read/write/set_buffer locally, and
what a remote client (a child process that connects to this one) does to the
database: reads, writes, subscriptions, notifications and indications
(micropython-semantics.md 4.2, 5, 6, 7.5)."""

import errno
import unittest

import bluetooth
from bluetooth import UUID

from . import support
from .support import (GATT, IRQ_GATTC_INDICATE, IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE,
                      IRQ_GATTC_READ_RESULT, IRQ_GATTC_WRITE_DONE, IRQ_GATTS_INDICATE_DONE,
                      IRQ_GATTS_READ_REQUEST, IRQ_GATTS_WRITE, IRQ_MTU_EXCHANGED)
from .test_ble_api import ErrnoMixin

R, W, N = bluetooth.FLAG_READ, bluetooth.FLAG_WRITE, bluetooth.FLAG_NOTIFY


class RegisterInactive(ErrnoMixin, unittest.TestCase):
    def setUp(self):
        self.ble = bluetooth.BLE()
        self.ble.active(False)

    def test_only_outer_len_before_enodev(self):
        ble = self.ble
        with self.assertRaises(TypeError):
            ble.gatts_register_services(x for x in ())
        with self.assertRaises(TypeError):
            ble.gatts_register_services(5)
        with self.assertRaises(TypeError):
            ble.gatts_register_services()
        with self.assertRaises(TypeError):
            ble.gatts_register_services(services_definition=())
        self.assertErrno(errno.ENODEV, ble.gatts_register_services, [])
        self.assertErrno(errno.ENODEV, ble.gatts_register_services, [1])  # not walked
        self.assertErrno(errno.ENODEV, ble.gatts_register_services, GATT.SERVICES)

    def test_values_inactive(self):
        ble = self.ble
        self.assertEqual(ble.gatts_read(10), b"")
        self.assertErrno(errno.ENODEV, ble.gatts_write, 10, b"x")
        self.assertErrno(errno.ENODEV, ble.gatts_set_buffer, 10, 50)
        self.assertErrno(errno.ENODEV, ble.gatts_notify, 0, 10)
        self.assertErrno(errno.ENODEV, ble.gatts_indicate, 0, 10, b"x")

    def test_argument_errors(self):
        ble = self.ble
        with self.assertRaises(TypeError):
            ble.gatts_read()
        with self.assertRaises(TypeError):
            ble.gatts_read("1")
        with self.assertRaises(TypeError):
            ble.gatts_read(value_handle=1)
        with self.assertRaises(TypeError):
            ble.gatts_write(1)
        with self.assertRaises(TypeError):
            ble.gatts_write(1, 5)
        with self.assertRaises(TypeError):
            ble.gatts_write(1.0, b"")
        with self.assertRaises(TypeError):
            ble.gatts_write(1, b"", False, 1)
        with self.assertRaises(TypeError):
            ble.gatts_write(1, b"", send_update=True)
        with self.assertRaises(TypeError):
            ble.gatts_notify(0)
        with self.assertRaises(TypeError):
            ble.gatts_notify(0, 1, 5)
        with self.assertRaises(TypeError):
            ble.gatts_indicate(0, 1.5)
        with self.assertRaises(TypeError):
            ble.gatts_indicate(0, 1, data=b"")
        with self.assertRaises(TypeError):
            ble.gatts_set_buffer(1)
        with self.assertRaises(TypeError):
            ble.gatts_set_buffer(1, "20")


class GattServerLocal(ErrnoMixin, support.ConnTestCase):
    """One device: the database and its values."""

    def setUp(self):
        super().setUp()
        self.start()

    def register(self, services=GATT.ALL_SERVICES):
        return self.ble.gatts_register_services(services)

    def test_definition_errors(self):
        bad = [
            (TypeError, None, [1]),
            (ValueError, None, [(GATT.HR_UUID,)]),
            (ValueError, None, [(GATT.HR_UUID, (), ())]),
            (ValueError, "invalid service UUID", [(0x180D, ())]),
            (ValueError, "invalid service UUID", [("180D", ())]),
            (TypeError, None, [(GATT.HR_UUID, 5)]),
            (TypeError, None, [(GATT.HR_UUID, (x for x in [GATT.HR_CHAR]))]),
            (TypeError, None, [(GATT.HR_UUID, [5])]),
            (ValueError, "invalid characteristic tuple", [(GATT.HR_UUID, [(UUID(1),)])]),
            (ValueError, "invalid characteristic tuple", [(GATT.HR_UUID, [(UUID(1), R, (), 0)])]),
            (ValueError, "invalid characteristic UUID", [(GATT.HR_UUID, [(0x2A37, R)])]),
            (TypeError, None, [(GATT.HR_UUID, [(UUID(1), "R")])]),
            (TypeError, None, [(GATT.HR_UUID, [(UUID(1), R, 5)])]),
            (TypeError, None, [(GATT.HR_UUID, [(UUID(1), R, [5])])]),
            (ValueError, None, [(GATT.HR_UUID, [(UUID(1), R, [(UUID(2),)])])]),
            (ValueError, "invalid descriptor UUID", [(GATT.HR_UUID, [(UUID(1), R, [(2, R)])])]),
            (TypeError, None, [(GATT.HR_UUID, [(UUID(1), R, [(UUID(2), 1.5)])])]),
            # The descriptors are checked before the characteristic's flags.
            (ValueError, "invalid descriptor UUID", [(GATT.HR_UUID, [(UUID(1), "R", [(2, R)])])]),
        ]
        for exc, message, services in bad:
            with self.subTest(services=services):
                with self.assertRaises(exc) as cm:
                    self.register(services)
                if message is not None:
                    self.assertEqual(str(cm.exception), message)

    def test_handles(self):
        result = self.register(GATT.SERVICES)
        self.assertIs(type(result), tuple)
        (hr,), (tx, rx) = result
        self.assertTrue(all(type(h) is int for h in (hr, tx, rx)))
        # Per service: declaration, then per characteristic its declaration, value, and
        # a CCCD for notify/indicate (micropython-semantics.md 6.1).
        self.assertEqual((tx - hr, rx - hr), (4, 7))

    def test_handles_with_descriptors(self):
        (hr,), (tx, rx), bat = self.register()
        level = rx + 3
        # value, its two descriptors (CCCD not listed), next value, its descriptor.
        self.assertEqual(bat, (level, level + 2, level + 3, level + 5, level + 6))

    def test_same_definition_same_handles(self):
        first = self.register()
        self.assertEqual(self.register(), first)

    def test_lists_and_empty(self):
        self.assertEqual(self.register([]), ())
        self.assertEqual(self.register([[GATT.HR_UUID, []]]), ((),))
        hr = self.register([[GATT.HR_UUID, [list(GATT.HR_CHAR)]]])
        self.assertEqual(len(hr[0]), 1)

    def test_too_many_services(self):
        self.assertErrno(errno.E2BIG, self.register, [(UUID(0x1000 + i), ()) for i in range(9)])
        self.assertEqual(len(self.register([(UUID(0x1000 + i), ()) for i in range(8)])), 8)

    def test_busy_while_advertising(self):
        self.ble.gap_advertise(20000, GATT.ADV)
        self.assertErrno(errno.EBUSY, self.register)
        self.ble.gap_advertise(None)
        self.register()

    def test_read_write(self):
        (hr,), (tx, rx), bat = self.register()
        ble = self.ble
        self.assertEqual(ble.gatts_read(hr), b"")  # every value starts empty
        self.assertEqual(ble.gatts_write(hr, b"\x01\x02"), 2)
        self.assertEqual(ble.gatts_read(hr), b"\x01\x02")
        self.assertIs(type(ble.gatts_read(hr)), bytes)
        self.assertEqual(ble.gatts_write(tx, "héllo"), 6)  # str: its UTF-8
        self.assertEqual(ble.gatts_read(tx), "héllo".encode())
        self.assertEqual(ble.gatts_write(rx, memoryview(bytearray(100))), 100)
        self.assertEqual(ble.gatts_read(rx), bytes(100))
        self.assertEqual(ble.gatts_write(rx, b"", True), 0)  # nobody subscribed: no error
        self.assertEqual(ble.gatts_read(rx), b"")
        self.assertEqual(ble.gatts_write(bat[1], b"desc"), 4)
        self.assertEqual(ble.gatts_read(bat[1]), b"desc")
        self.assertEqual(ble.gatts_read(hr + 0x10000), b"\x01\x02")  # handles are 16-bit
        self.assertEqual(ble.gatts_read(0xFFF0), b"")  # unknown handle: empty
        self.assertErrno(errno.EINVAL, ble.gatts_write, 0xFFF0, b"x")
        self.assertErrno(errno.EINVAL, ble.gatts_write, hr + 1, b"x")  # the CCCD has no value
        self.register()
        self.assertEqual(ble.gatts_read(hr), b"")  # re-registering discards values

    def test_set_buffer(self):
        (hr,), (tx, rx) = self.register(GATT.SERVICES)
        ble = self.ble
        ble.gatts_write(rx, b"abc")
        self.assertIsNone(ble.gatts_set_buffer(rx, 50))
        self.assertEqual(ble.gatts_read(rx), b"")  # cleared
        self.assertIsNone(ble.gatts_set_buffer(rx, 50, True))
        ble.gatts_write(rx, b"abc")
        ble.gatts_write(rx, b"de")  # a local write replaces, even in append mode
        self.assertEqual(ble.gatts_read(rx), b"de")
        self.assertEqual(ble.gatts_read(rx), b"")  # an append-mode read empties it
        self.assertErrno(errno.EINVAL, ble.gatts_set_buffer, 0xFFF0, 10)

    def test_notify_unknown_connection(self):
        (hr,), _ = self.register(GATT.SERVICES)
        for method in (self.ble.gatts_notify, self.ble.gatts_indicate):
            self.assertErrno(errno.ENOTCONN, method, 1234, hr)
            self.assertErrno(errno.ENOTCONN, method, 1234, hr, b"x")


class GattServerRemote(ErrnoMixin, support.ConnTestCase):
    """This process serves; a child connects and acts as the client."""

    def setUp(self):
        super().setUp()
        self.start()
        (self.hr,), (self.tx, self.rx), self.bat = self.ble.gatts_register_services(GATT.ALL_SERVICES)
        self.peer_ = self.peer()
        self.conn, self.peer_conn = self.accept(self.peer_)

    def client(self, src):
        """Runs src in the client, where conn is its connection handle."""
        return self.peer_.run(src)

    def test_read_request_and_result(self):
        self.ble.gatts_write(self.hr, b"\x10\x20")
        self.client("ble.gattc_read(conn, %d)" % self.hr)
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_READ_DONE), [(self.peer_conn, self.hr, 0)])
        self.assertEqual(self.peer_.of(IRQ_GATTC_READ_RESULT), [(self.peer_conn, self.hr, b"\x10\x20")])
        self.assertEqual(self.events.of(IRQ_GATTS_READ_REQUEST), [(self.conn, self.hr)])

    def test_read_denied(self):
        results = iter([2, True, 0x0F, None, 0.0])

        def on_event(event, data):
            if event == IRQ_GATTS_READ_REQUEST:
                return next(results)

        self.ble.irq(support.Events(on_event))
        statuses = []
        for n in range(1, 6):
            self.client("ble.gattc_read(conn, %d)" % self.tx)
            statuses.append(self.peer_.wait_for(IRQ_GATTC_READ_DONE, n)[-1][2])
        self.assertEqual(statuses, [0x102, 0x101, 0x10F, 0, 0])
        self.assertEqual(len(self.peer_.of(IRQ_GATTC_READ_RESULT)), 2)  # only the allowed reads

    def test_read_request_may_change_value(self):
        def on_event(event, data):
            if event == IRQ_GATTS_READ_REQUEST:
                self.ble.gatts_write(data[1], b"fresh")

        self.ble.irq(support.Events(on_event))
        self.client("ble.gattc_read(conn, %d)" % self.bat[0])
        self.peer_.wait_for(IRQ_GATTC_READ_DONE)
        self.assertEqual(self.peer_.of(IRQ_GATTC_READ_RESULT), [(self.peer_conn, self.bat[0], b"fresh")])

    def test_descriptor_read_and_write(self):
        self.ble.gatts_write(self.bat[1], b"Battery")
        self.client("ble.gattc_read(conn, %d)" % self.bat[1])
        self.peer_.wait_for(IRQ_GATTC_READ_DONE)
        self.assertEqual(self.peer_.of(IRQ_GATTC_READ_RESULT)[0][2], b"Battery")
        self.assertEqual(self.events.of(IRQ_GATTS_READ_REQUEST), [(self.conn, self.bat[1])])
        self.client("ble.gattc_write(conn, %d, b'\\x04', 1)" % self.bat[2])
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_WRITE_DONE), [(self.peer_conn, self.bat[2], 0)])
        self.assertEqual(self.events.wait_for(IRQ_GATTS_WRITE), [(self.conn, self.bat[2])])
        self.assertEqual(self.ble.gatts_read(self.bat[2]), b"\x04")

    def test_write_modes(self):
        self.client("ble.gattc_write(conn, %d, b'req', 1)" % self.rx)
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_WRITE_DONE), [(self.peer_conn, self.rx, 0)])
        self.assertEqual(self.events.wait_for(IRQ_GATTS_WRITE), [(self.conn, self.rx)])
        self.assertEqual(self.ble.gatts_read(self.rx), b"req")
        self.client("ble.gattc_write(conn, %d, 'cmd')" % self.bat[3])
        self.assertEqual(self.events.wait_for(IRQ_GATTS_WRITE, 2)[-1], (self.conn, self.bat[3]))
        self.assertEqual(self.ble.gatts_read(self.bat[3]), b"cmd")
        self.client("ble.gattc_write(conn, %d, b'', 1)" % self.rx)  # zero-length write
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE, 2)
        self.assertEqual(self.events.wait_for(IRQ_GATTS_WRITE, 3)[-1], (self.conn, self.rx))
        self.assertEqual(self.ble.gatts_read(self.rx), b"")
        self.assertEqual(len(self.peer_.of(IRQ_GATTC_WRITE_DONE)), 2)  # none for mode 0

    def exchange_mtu(self, mtu=256):
        self.client("ble.config(mtu=%d); ble.gattc_exchange_mtu(conn)" % mtu)
        self.events.wait_for(IRQ_MTU_EXCHANGED)
        self.peer_.wait_for(IRQ_MTU_EXCHANGED)

    def write_and_read_back(self, data, count):
        self.client("ble.gattc_write(conn, %d, %r, 1)" % (self.rx, data))
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE, count)
        return self.ble.gatts_read(self.rx)

    def test_write_truncated_to_buffer(self):
        self.exchange_mtu()  # so that only the 20-byte buffer limits the write
        data = bytes(range(60))
        self.assertEqual(self.write_and_read_back(data, 1), data[:20])
        self.ble.gatts_write(self.rx, bytes(50))  # a local write grows the buffer
        self.assertEqual(self.write_and_read_back(data, 2), data[:50])
        self.ble.gatts_write(self.rx, b"")  # a shorter one does not shrink it
        self.assertEqual(self.write_and_read_back(data, 3), data[:50])

    def test_append_mode(self):
        self.ble.gatts_set_buffer(self.rx, 10, True)
        for i, chunk in enumerate((b"abcd", b"efgh", b"ijkl")):
            self.client("ble.gattc_write(conn, %d, %r, 1)" % (self.rx, chunk))
            self.peer_.wait_for(IRQ_GATTC_WRITE_DONE, i + 1)
        # The response goes out before the event is raised: wait for the third.
        self.assertEqual(len(self.events.wait_for(IRQ_GATTS_WRITE, 3)), 3)
        self.assertEqual(self.ble.gatts_read(self.rx), b"abcdefghij")  # excess dropped
        self.assertEqual(self.ble.gatts_read(self.rx), b"")  # the read emptied it
        self.assertEqual(self.write_and_read_back(b"xy", 4), b"xy")

    def test_notify_and_indicate(self):
        self.assertIsNone(self.ble.gatts_notify(self.conn, self.tx, b"note"))
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_NOTIFY), [(self.peer_conn, self.tx, b"note")])
        self.assertIsNone(self.ble.gatts_indicate(self.conn, self.hr, "ind"))
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_INDICATE), [(self.peer_conn, self.hr, b"ind")])
        self.assertEqual(self.events.wait_for(IRQ_GATTS_INDICATE_DONE), [(self.conn, self.hr, 0)])
        self.assertEqual(self.ble.gatts_read(self.tx), b"")  # data given: the value is untouched

    def test_notify_stored_value(self):
        """Without data the stored value is sent, read through READ_REQUEST (65535, h)
        inside the call."""
        self.ble.gatts_write(self.tx, b"stored")
        self.ble.gatts_notify(self.conn, self.tx)
        self.assertEqual(self.events.of(IRQ_GATTS_READ_REQUEST), [(65535, self.tx)])
        self.ble.gatts_indicate(self.conn, self.tx, None)
        self.assertEqual(self.events.of(IRQ_GATTS_READ_REQUEST), [(65535, self.tx)] * 2)
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_NOTIFY), [(self.peer_conn, self.tx, b"stored")])
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_INDICATE), [(self.peer_conn, self.tx, b"stored")])
        self.events.wait_for(IRQ_GATTS_INDICATE_DONE)

    def test_subscriptions(self):
        """CCCD writes subscribe; gatts_write(..., True) then notifies or indicates."""
        cccd = self.bat[0] + 1
        self.client("ble.gattc_write(conn, %d, b'\\x01\\x00', 1)" % cccd)
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE)
        self.ble.gatts_write(self.bat[0], b"\x55", True)
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_NOTIFY), [(self.peer_conn, self.bat[0], b"\x55")])
        self.client("ble.gattc_write(conn, %d, b'\\x02\\x00', 1)" % cccd)
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE, 2)
        self.ble.gatts_write(self.bat[0], b"\x56", True)
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_INDICATE), [(self.peer_conn, self.bat[0], b"\x56")])
        self.assertEqual(self.events.wait_for(IRQ_GATTS_INDICATE_DONE), [(self.conn, self.bat[0], 0)])
        self.client("ble.gattc_write(conn, %d, b'\\x00\\x00', 1)" % cccd)
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE, 3)
        self.ble.gatts_write(self.bat[0], b"\x57", True)  # unsubscribed: nothing sent
        self.ble.gatts_notify(self.conn, self.hr, b"marker")
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_NOTIFY, 2)[-1], (self.peer_conn, self.hr, b"marker"))
        self.assertEqual(len(self.peer_.of(IRQ_GATTC_NOTIFY)), 2)
        self.assertEqual(len(self.peer_.of(IRQ_GATTC_INDICATE)), 1)
        self.assertEqual(self.events.of(IRQ_GATTS_WRITE), [])  # CCCD writes raise nothing

    def test_write_done_before_notification(self):
        """A write response reaches the client before a notification the server sends
        from its GATTS_WRITE handler, or after it (semantics 5.5)."""
        sent = []

        def on_event(event, data):
            if event == IRQ_GATTS_WRITE and not sent:
                self.ble.gatts_notify(self.conn, self.tx, b"inside")
                sent.append(1)

        self.ble.irq(support.Events(on_event))
        self.client("ble.gattc_write(conn, %d, b'go', 1)" % self.rx)
        self.peer_.wait_for(IRQ_GATTC_NOTIFY)
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE)
        order = [e for e, _ in self.peer_.events if e in (IRQ_GATTC_WRITE_DONE, IRQ_GATTC_NOTIFY)]
        self.assertEqual(order, [IRQ_GATTC_WRITE_DONE, IRQ_GATTC_NOTIFY])
        events = support.Events()
        self.ble.irq(events)
        self.client("ble.gattc_write(conn, %d, b'again', 1)" % self.rx)
        events.wait_for(IRQ_GATTS_WRITE)
        self.ble.gatts_notify(self.conn, self.tx, b"after")
        self.peer_.wait_for(IRQ_GATTC_NOTIFY, 2)
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE, 2)
        order = [e for e, _ in self.peer_.events if e in (IRQ_GATTC_WRITE_DONE, IRQ_GATTC_NOTIFY)]
        self.assertEqual(order, [IRQ_GATTC_WRITE_DONE, IRQ_GATTC_NOTIFY] * 2)

    def test_notify_truncated_to_mtu(self):
        self.exchange_mtu(50)
        self.assertEqual(self.events.of(IRQ_MTU_EXCHANGED), [(self.conn, 50)])
        self.ble.gatts_notify(self.conn, self.tx, bytes(range(64)))
        self.assertEqual(self.peer_.wait_for(IRQ_GATTC_NOTIFY)[0][2], bytes(range(47)))

    def test_values_survive_disconnect(self):
        self.client("ble.gattc_write(conn, %d, b'kept', 1)" % self.rx)
        self.peer_.wait_for(IRQ_GATTC_WRITE_DONE)
        self.assertIs(self.ble.gap_disconnect(self.conn), True)
        self.peer_.wait_for(support.IRQ_PERIPHERAL_DISCONNECT)
        self.assertEqual(self.ble.gatts_read(self.rx), b"kept")
        self.assertErrno(errno.ENOTCONN, self.ble.gatts_notify, self.conn, self.tx, b"x")


if __name__ == "__main__":
    unittest.main()
