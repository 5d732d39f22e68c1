"""Interop: connections and GATT with the host on BlueZ's btvirt controllers: a
peripheral process serves the reference's HR + UART services; this process
connects, discovers, reads, writes, subscribes, receives notifications, exchanges
the MTU and disconnects."""

import unittest

from tests.interop.test_btvirt import BtVirt
from tests.python import support
from tests.python.support import (IRQ_CENTRAL_DISCONNECT, IRQ_GATTC_CHARACTERISTIC_DONE,
                                  IRQ_GATTC_CHARACTERISTIC_RESULT, IRQ_GATTC_DESCRIPTOR_DONE,
                                  IRQ_GATTC_DESCRIPTOR_RESULT, IRQ_GATTC_NOTIFY,
                                  IRQ_GATTC_READ_DONE, IRQ_GATTC_READ_RESULT,
                                  IRQ_GATTC_SERVICE_DONE, IRQ_GATTC_SERVICE_RESULT,
                                  IRQ_GATTC_WRITE_DONE, IRQ_GATTS_WRITE, IRQ_MTU_EXCHANGED,
                                  IRQ_PERIPHERAL_DISCONNECT)
from bluetooth import UUID

HR_UUID, UART_UUID = support.GATT.HR_UUID, support.GATT.UART_UUID

WAIT = 10


class TestGattOnBtvirt(support.ConnTestCase):
    @classmethod
    def make_air(cls):
        return BtVirt()

    def test_gatt_session(self):
        peer = self.peer()
        (hr,), (tx, rx) = peer.run("ble.gatts_register_services(SERVICES)")
        peer.run("ble.gatts_write(%d, b'\\x00\\x48')" % hr)
        events = self.start()
        conn, peer_conn = self.connect(peer)

        self.ble.gattc_discover_services(conn)
        self.assertEqual(events.wait_for(IRQ_GATTC_SERVICE_DONE, timeout=WAIT)[-1], (conn, 0))
        services = {uuid: (start, end)
                    for _, start, end, uuid in events.of(IRQ_GATTC_SERVICE_RESULT)}
        self.assertIn(UUID(0x1800), services)
        self.assertIn(HR_UUID, services)
        self.assertIn(UART_UUID, services)

        self.ble.gattc_discover_characteristics(conn, *services[UART_UUID])
        events.wait_for(IRQ_GATTC_CHARACTERISTIC_DONE, timeout=WAIT)
        chars = {d[4]: d[2] for d in events.of(IRQ_GATTC_CHARACTERISTIC_RESULT)}
        self.assertEqual(chars[UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")], tx)
        self.assertEqual(chars[UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")], rx)

        self.ble.gattc_discover_descriptors(conn, tx, rx - 1)
        events.wait_for(IRQ_GATTC_DESCRIPTOR_DONE, timeout=WAIT)
        self.assertIn((conn, tx + 1, UUID(0x2902)), events.of(IRQ_GATTC_DESCRIPTOR_RESULT))

        self.ble.gattc_read(conn, hr)
        self.assertEqual(events.wait_for(IRQ_GATTC_READ_DONE, timeout=WAIT)[-1], (conn, hr, 0))
        self.assertEqual(events.of(IRQ_GATTC_READ_RESULT)[-1], (conn, hr, b"\x00\x48"))

        self.ble.gattc_write(conn, rx, b"hello btvirt", 1)
        self.assertEqual(events.wait_for(IRQ_GATTC_WRITE_DONE, timeout=WAIT)[-1], (conn, rx, 0))
        self.assertEqual(peer.wait_for(IRQ_GATTS_WRITE)[-1], (peer_conn, rx))
        self.assertEqual(peer.run("ble.gatts_read(%d)" % rx), b"hello btvirt")

        self.ble.gattc_write(conn, tx + 1, b"\x01\x00", 1)  # subscribe
        events.wait_for(IRQ_GATTC_WRITE_DONE, 2, timeout=WAIT)
        peer.run("ble.gatts_write(%d, b'tx data', True)" % tx)
        self.assertEqual(events.wait_for(IRQ_GATTC_NOTIFY, timeout=WAIT)[-1],
                         (conn, tx, b"tx data"))

        self.ble.config(mtu=100)
        self.ble.gattc_exchange_mtu(conn)
        self.assertEqual(events.wait_for(IRQ_MTU_EXCHANGED, timeout=WAIT)[-1], (conn, 100))

        self.assertTrue(self.ble.gap_disconnect(conn))
        self.assertEqual(events.wait_for(IRQ_PERIPHERAL_DISCONNECT, timeout=WAIT)[-1][0], conn)
        self.assertEqual(peer.wait_for(IRQ_CENTRAL_DISCONNECT, timeout=WAIT)[-1][0], peer_conn)


if __name__ == "__main__":
    unittest.main()
