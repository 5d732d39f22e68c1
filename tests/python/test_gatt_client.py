"""GATT client: discovery (with UUID filters and the reference's end handles), reads,
writes, notifications, indications and MTU exchange against a server in a child
process, and handlers that chain procedures (micropython-semantics.md 4.3, 5, 7)."""

import errno
import unittest

import bluetooth
from bluetooth import UUID

from . import support
from .support import (GATT, IRQ_GATTC_CHARACTERISTIC_DONE, IRQ_GATTC_CHARACTERISTIC_RESULT,
                      IRQ_GATTC_DESCRIPTOR_DONE, IRQ_GATTC_DESCRIPTOR_RESULT, IRQ_GATTC_INDICATE,
                      IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE, IRQ_GATTC_READ_RESULT,
                      IRQ_GATTC_SERVICE_DONE, IRQ_GATTC_SERVICE_RESULT, IRQ_GATTC_WRITE_DONE,
                      IRQ_GATTS_INDICATE_DONE, IRQ_GATTS_READ_REQUEST, IRQ_GATTS_WRITE,
                      IRQ_MTU_EXCHANGED, IRQ_PERIPHERAL_CONNECT, IRQ_PERIPHERAL_DISCONNECT)
from .test_ble_api import ErrnoMixin

DECLARATION, CCCD = UUID(0x2803), UUID(0x2902)


def methods_with_conn(ble, conn):
    """Every client method, called on conn with otherwise valid arguments."""
    return [
        (ble.gattc_discover_services, (conn,)),
        (ble.gattc_discover_services, (conn, GATT.HR_UUID)),
        (ble.gattc_discover_characteristics, (conn, 1, 0xFFFF)),
        (ble.gattc_discover_characteristics, (conn, 1, 0xFFFF, GATT.HR_UUID)),
        (ble.gattc_discover_descriptors, (conn, 1, 0xFFFF)),
        (ble.gattc_read, (conn, 3)),
        (ble.gattc_write, (conn, 3, b"x")),
        (ble.gattc_write, (conn, 3, b"x", 1)),
        (ble.gattc_exchange_mtu, (conn,)),
    ]


class ClientArguments(ErrnoMixin, unittest.TestCase):
    def setUp(self):
        self.ble = bluetooth.BLE()
        self.ble.active(False)

    def test_argument_errors(self):
        ble = self.ble
        for method, args in [
            (ble.gattc_discover_services, ()),
            (ble.gattc_discover_services, (0, None, 1)),
            (ble.gattc_discover_services, (1.0,)),
            (ble.gattc_discover_characteristics, (0, 1)),
            (ble.gattc_discover_characteristics, (0, 1, "2")),
            (ble.gattc_discover_descriptors, (0, 1, 2, None)),
            (ble.gattc_read, (0,)),
            (ble.gattc_read, (0, None)),
            (ble.gattc_write, (0, 1)),
            (ble.gattc_write, (0, 1, 2)),
            (ble.gattc_write, (0, 1, b"", 1.0)),
            (ble.gattc_exchange_mtu, ()),
            (ble.gattc_exchange_mtu, ("0",)),
        ]:
            with self.subTest(method=method.__name__, args=args):
                with self.assertRaises(TypeError):
                    method(*args)
        with self.assertRaisesRegex(TypeError, "^UUID$"):
            ble.gattc_discover_services(0, 0x180D)
        with self.assertRaisesRegex(TypeError, "^UUID$"):
            ble.gattc_discover_characteristics(0, 1, 2, "2A37")
        with self.assertRaises(TypeError):
            ble.gattc_read(0, value_handle=1)
        with self.assertRaises(TypeError):
            ble.gattc_write(0, 1, b"", mode=1)

    def test_inactive(self):
        for method, args in methods_with_conn(self.ble, 0):
            with self.subTest(method=method.__name__, args=args):
                self.assertErrno(errno.ENODEV, method, *args)


class GattClient(ErrnoMixin, support.ConnTestCase):
    """This process connects to a child serving GATT.ALL_SERVICES and is its client."""

    def setUp(self):
        super().setUp()
        self.server = self.peer()
        (self.hr,), (self.tx, self.rx), self.bat = self.server.run("ble.gatts_register_services(ALL_SERVICES)")
        self.start()
        self.conn, self.server_conn = self.connect(self.server)

    def serve(self, src):
        """Runs src in the server, where conn is its connection handle."""
        return self.server.run(src)

    def discover(self, method, args, result, done):
        """Runs one discovery; returns its results once DONE (status 0) arrived last."""
        before, count = len(self.events.events), len(self.events.of(done)) + 1
        method(*args)
        self.assertEqual(self.events.wait_for(done, count)[-1], (self.conn, 0))
        new = self.events.events[before:]
        self.assertEqual(new[-1][0], done)
        self.assertEqual({e for e, _ in new}, {result, done} if len(new) > 1 else {done})
        return [d for _, d in new[:-1]]

    def test_unknown_connection(self):
        for method, args in methods_with_conn(self.ble, self.conn + 100):
            with self.subTest(method=method.__name__, args=args):
                self.assertErrno(errno.ENOTCONN, method, *args)
        self.assertErrno(errno.EINVAL, self.ble.gattc_write, self.conn, self.rx, b"x", 2)

    def test_discover_services(self):
        found = self.discover(self.ble.gattc_discover_services, (self.conn,),
                              IRQ_GATTC_SERVICE_RESULT, IRQ_GATTC_SERVICE_DONE)
        for conn, start, end, uuid in found:
            self.assertEqual(conn, self.conn)
            self.assertIs(type(uuid), bluetooth.UUID)
            self.assertLessEqual(start, end)
        uuids = [d[3] for d in found]
        self.assertEqual(uuids, [UUID(0x1800), UUID(0x1801), GATT.HR_UUID, GATT.UART_UUID, GATT.BAT_UUID])
        hr = found[2]
        self.assertEqual((hr[1] + 2, hr[2] - hr[1]), (self.hr, 3))  # decl, value, CCCD
        self.assertEqual(found[3][1:3], (self.tx - 2, self.rx))
        self.assertEqual(found[4][1:3], (self.rx + 1, self.bat[-1]))
        only = self.discover(self.ble.gattc_discover_services, (self.conn, GATT.UART_UUID),
                             IRQ_GATTC_SERVICE_RESULT, IRQ_GATTC_SERVICE_DONE)
        self.assertEqual(only, [found[3]])
        none = self.discover(self.ble.gattc_discover_services, (self.conn, UUID(0x1234)),
                             IRQ_GATTC_SERVICE_RESULT, IRQ_GATTC_SERVICE_DONE)
        self.assertEqual(none, [])

    def test_discover_characteristics(self):
        found = self.discover(self.ble.gattc_discover_characteristics, (self.conn, self.hr - 2, 0xFFFF),
                              IRQ_GATTC_CHARACTERISTIC_RESULT, IRQ_GATTC_CHARACTERISTIC_DONE)
        R, W, WNR = bluetooth.FLAG_READ, bluetooth.FLAG_WRITE, bluetooth.FLAG_WRITE_NO_RESPONSE
        N, I = bluetooth.FLAG_NOTIFY, bluetooth.FLAG_INDICATE
        level, note = self.bat[0], self.bat[3]
        # (conn, end_handle, value_handle, properties, UUID); end = next characteristic
        # declaration - 1 (so it may cover the next service's declaration), the last
        # one's the end of the requested range (semantics 7.2).
        self.assertEqual(found, [
            (self.conn, self.hr + 2, self.hr, R | N, UUID(0x2A37)),
            (self.conn, self.tx + 1, self.tx, R | N, GATT.UART_TX[0]),
            (self.conn, self.rx + 1, self.rx, W, GATT.UART_RX[0]),
            (self.conn, note - 2, level, R | W | N | I, UUID(0x2A19)),
            (self.conn, 0xFFFF, note, R | W | WNR, UUID(0x2A1A)),
        ])
        self.assertIs(type(found[0][4]), bluetooth.UUID)
        # A UUID filter keeps the end handles of the unfiltered discovery.
        only = self.discover(self.ble.gattc_discover_characteristics, (self.conn, 1, 0xFFFF, GATT.UART_TX[0]),
                             IRQ_GATTC_CHARACTERISTIC_RESULT, IRQ_GATTC_CHARACTERISTIC_DONE)
        self.assertEqual(only, [found[1]])
        # Within one service's range the last end handle is that range's end.
        uart = self.discover(self.ble.gattc_discover_characteristics, (self.conn, self.tx - 2, self.rx),
                             IRQ_GATTC_CHARACTERISTIC_RESULT, IRQ_GATTC_CHARACTERISTIC_DONE)
        self.assertEqual(uart, [found[1], found[2][:1] + (self.rx,) + found[2][2:]])

    def test_discover_descriptors(self):
        # A whole service with one notify characteristic: 3 results (semantics 7.3).
        found = self.discover(self.ble.gattc_discover_descriptors, (self.conn, self.hr - 2, self.hr + 1),
                              IRQ_GATTC_DESCRIPTOR_RESULT, IRQ_GATTC_DESCRIPTOR_DONE)
        self.assertEqual(found, [(self.conn, self.hr - 1, DECLARATION), (self.conn, self.hr, UUID(0x2A37)),
                                 (self.conn, self.hr + 1, CCCD)])
        self.assertIs(type(found[0][2]), bluetooth.UUID)
        # (value, end) of a characteristic: its CCCD and its descriptors.
        level = self.bat[0]
        found = self.discover(self.ble.gattc_discover_descriptors, (self.conn, level, self.bat[3] - 2),
                              IRQ_GATTC_DESCRIPTOR_RESULT, IRQ_GATTC_DESCRIPTOR_DONE)
        self.assertEqual(found, [(self.conn, level + 1, CCCD), (self.conn, self.bat[1], UUID(0x2901)),
                                 (self.conn, self.bat[2], UUID(0x2904))])

    def test_read(self):
        self.serve("ble.gatts_write(%d, b'\\x48')" % self.hr)
        self.assertIsNone(self.ble.gattc_read(self.conn, self.hr))
        self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_DONE), [(self.conn, self.hr, 0)])
        self.assertEqual(self.events.of(IRQ_GATTC_READ_RESULT), [(self.conn, self.hr, b"\x48")])
        self.assertEqual(self.server.wait_for(IRQ_GATTS_READ_REQUEST), [(self.server_conn, self.hr)])
        self.ble.gattc_read(self.conn, self.tx)  # never written: empty
        self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_DONE, 2)[-1], (self.conn, self.tx, 0))
        self.assertEqual(self.events.of(IRQ_GATTC_READ_RESULT)[-1], (self.conn, self.tx, b""))

    def test_read_denied(self):
        self.serve("hooks[4] = lambda data: 5")
        self.ble.gattc_read(self.conn, self.hr)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_DONE), [(self.conn, self.hr, 0x105)])
        self.assertEqual(self.events.of(IRQ_GATTC_READ_RESULT), [])

    def test_read_truncated_to_mtu(self):
        self.serve("ble.gatts_write(%d, bytes(range(100)))" % self.hr)
        self.ble.gattc_read(self.conn, self.hr)
        self.events.wait_for(IRQ_GATTC_READ_DONE)
        self.assertEqual(self.events.of(IRQ_GATTC_READ_RESULT)[0][2], bytes(range(22)))  # ATT_MTU - 1

    def test_write(self):
        self.assertIsNone(self.ble.gattc_write(self.conn, self.rx, b"one", 1))
        self.assertEqual(self.events.wait_for(IRQ_GATTC_WRITE_DONE), [(self.conn, self.rx, 0)])
        self.assertEqual(self.server.wait_for(IRQ_GATTS_WRITE), [(self.server_conn, self.rx)])
        self.assertEqual(self.serve("ble.gatts_read(%d)" % self.rx), b"one")
        self.assertIsNone(self.ble.gattc_write(self.conn, self.bat[3], bytearray(b"two")))
        self.server.wait_for(IRQ_GATTS_WRITE, 2)
        self.assertEqual(self.serve("ble.gatts_read(%d)" % self.bat[3]), b"two")
        self.ble.gattc_write(self.conn, self.rx, bytes(range(40)), 1)  # no long write: MTU - 3
        self.events.wait_for(IRQ_GATTC_WRITE_DONE, 2)
        self.assertEqual(self.serve("ble.gatts_read(%d)" % self.rx), bytes(range(20)))
        self.assertEqual(len(self.events.of(IRQ_GATTC_WRITE_DONE)), 2)

    def test_write_error_status(self):
        """Writing a read-only value: WRITE_DONE with 0x100 + write not permitted."""
        self.ble.gattc_write(self.conn, self.hr, b"x", 1)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_WRITE_DONE), [(self.conn, self.hr, 0x103)])
        self.assertEqual(self.server.of(IRQ_GATTS_WRITE), [])

    def test_notify_and_indicate(self):
        self.serve("ble.gatts_notify(conn, %d, b'hello')" % self.tx)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_NOTIFY), [(self.conn, self.tx, b"hello")])
        self.serve("ble.gatts_indicate(conn, %d, b'world')" % self.hr)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_INDICATE), [(self.conn, self.hr, b"world")])
        self.assertEqual(self.server.wait_for(IRQ_GATTS_INDICATE_DONE), [(self.server_conn, self.hr, 0)])

    def test_subscribe(self):
        cccd = self.bat[0] + 1
        self.ble.gattc_write(self.conn, cccd, b"\x01\x00", 1)
        self.events.wait_for(IRQ_GATTC_WRITE_DONE)
        self.serve("ble.gatts_write(%d, b'n', True)" % self.bat[0])
        self.assertEqual(self.events.wait_for(IRQ_GATTC_NOTIFY), [(self.conn, self.bat[0], b"n")])
        self.ble.gattc_write(self.conn, cccd, b"\x02\x00", 1)
        self.events.wait_for(IRQ_GATTC_WRITE_DONE, 2)
        self.serve("ble.gatts_write(%d, b'i', True)" % self.bat[0])
        self.assertEqual(self.events.wait_for(IRQ_GATTC_INDICATE), [(self.conn, self.bat[0], b"i")])
        self.server.wait_for(IRQ_GATTS_INDICATE_DONE)
        self.assertEqual(self.server.of(IRQ_GATTS_WRITE), [])

    def test_event_objects_lifetime(self):
        """Views die with the handler; UUIDs are fresh objects that stay valid."""
        kept = []

        def on_event(event, data):
            if event in (IRQ_GATTC_NOTIFY, IRQ_GATTC_SERVICE_RESULT):
                kept.append(data[-1])

        self.events.on_event = on_event
        self.serve("ble.gatts_notify(conn, %d, b'gone')" % self.tx)
        self.events.wait_for(IRQ_GATTC_NOTIFY)
        with self.assertRaises(ValueError):
            bytes(kept[0])
        self.ble.gattc_discover_services(self.conn, GATT.HR_UUID)
        self.events.wait_for(IRQ_GATTC_SERVICE_DONE)
        self.assertEqual(kept[1], GATT.HR_UUID)
        self.assertIsNot(kept[1], GATT.HR_UUID)
        self.assertEqual(bytes(kept[1]), bytes(GATT.HR_UUID))

    def exchange(self, initiator_is_central, ours, theirs):
        self.ble.config(mtu=ours)
        self.serve("ble.config(mtu=%d)" % theirs)
        if initiator_is_central:
            self.ble.gattc_exchange_mtu(self.conn)
        else:
            self.serve("ble.gattc_exchange_mtu(conn)")
        mtu = self.events.wait_for(IRQ_MTU_EXCHANGED)[-1]
        self.assertEqual(self.server.wait_for(IRQ_MTU_EXCHANGED)[-1][1], mtu[1])
        self.assertEqual(mtu[0], self.conn)
        return mtu[1]

    def reconnect(self):
        self.ble.gap_disconnect(self.conn)
        self.events.wait_for(IRQ_PERIPHERAL_DISCONNECT)
        self.server.wait_for(support.IRQ_CENTRAL_DISCONNECT)
        self.events.events.clear()
        self.server.events.clear()
        self.conn, self.server_conn = self.connect(self.server)

    def test_mtu_exchange(self):
        """Both ends learn min(preferred MTUs) (the reference's ble_mtu expectations),
        whichever end starts; once per link."""
        cases = [(theirs, expected, central) for theirs, expected in ((256, 256), (200, 200), (400, 300), (50, 50))
                 for central in (True, False)]
        for i, (theirs, expected, central) in enumerate(cases):
            with self.subTest(theirs=theirs, central=central):
                if i > 0:
                    self.reconnect()
                self.assertEqual(self.exchange(central, 300, theirs), expected)
                self.assertErrno(errno.EALREADY, self.ble.gattc_exchange_mtu, self.conn)

    def test_mtu_bounds_data(self):
        self.exchange(True, 50, 100)
        self.serve("ble.gatts_notify(conn, %d, bytes(range(64)))" % self.tx)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_NOTIFY)[0][2], bytes(range(47)))
        self.serve("ble.gatts_write(%d, bytes(100))" % self.rx)  # room for 100
        self.ble.gattc_write(self.conn, self.rx, bytes(range(70)), 1)
        self.events.wait_for(IRQ_GATTC_WRITE_DONE)
        self.assertEqual(self.serve("ble.gatts_read(%d)" % self.rx), bytes(range(47)))

    def test_link_lost_during_procedure(self):
        """A server that vanishes mid-read: READ_DONE (link lost), then DISCONNECT within
        the supervision timeout; never a hang."""
        self.server.run("hooks[4] = lambda data: __import__('os')._exit(0)")
        self.ble.gattc_read(self.conn, self.hr)
        self.events.wait_for(IRQ_PERIPHERAL_DISCONNECT, timeout=2.56 + support.WAIT)
        self.assertEqual([d[2] for d in self.events.of(IRQ_GATTC_READ_DONE)], [7])
        kinds = [e for e, _ in self.events.events]
        self.assertEqual(kinds[-2:], [IRQ_GATTC_READ_DONE, IRQ_PERIPHERAL_DISCONNECT])


class HandlerChain(support.ConnTestCase):
    """Procedures started from inside the handler, from the connection on. A class of
    its own so that its capture holds one connection: btmon 5.66 crashes reading a
    capture where a characteristic discovery runs on a second connection after the
    first one closed."""

    def test_handler_chain(self):
        """Discovery, read and disconnect chained from inside the handler."""
        server = self.peer()
        (hr,), _, _ = server.run("ble.gatts_register_services(ALL_SERVICES)")
        server.run("ble.gatts_write(%d, b'chained')" % hr)
        found = {}

        def on_event(event, data):
            ble = self.ble
            if event == IRQ_PERIPHERAL_CONNECT:
                ble.gattc_discover_services(data[0], GATT.HR_UUID)
            elif event == IRQ_GATTC_SERVICE_RESULT:
                found["range"] = data[1:3]
            elif event == IRQ_GATTC_SERVICE_DONE:
                ble.gattc_discover_characteristics(data[0], *found["range"])
            elif event == IRQ_GATTC_CHARACTERISTIC_RESULT:
                found["value"] = data[2]
            elif event == IRQ_GATTC_CHARACTERISTIC_DONE:
                ble.gattc_read(data[0], found["value"])
            elif event == IRQ_GATTC_READ_DONE:
                found["disconnect"] = ble.gap_disconnect(data[0])

        events = self.start(on_event)
        server.run("advertise()")
        self.ble.gap_connect(*server.mac)
        events.wait_for(IRQ_PERIPHERAL_DISCONNECT)
        self.assertEqual([e for e, _ in events.events], [
            IRQ_PERIPHERAL_CONNECT, IRQ_GATTC_SERVICE_RESULT, IRQ_GATTC_SERVICE_DONE,
            IRQ_GATTC_CHARACTERISTIC_RESULT, IRQ_GATTC_CHARACTERISTIC_DONE, IRQ_GATTC_READ_RESULT,
            IRQ_GATTC_READ_DONE, IRQ_PERIPHERAL_DISCONNECT])
        self.assertEqual(events.of(IRQ_GATTC_READ_RESULT)[0][2], b"chained")
        self.assertEqual(found["value"], hr)
        self.assertIs(found["disconnect"], True)


if __name__ == "__main__":
    unittest.main()
