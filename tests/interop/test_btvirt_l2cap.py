"""Interop: an L2CAP credit-based channel with the host on BlueZ's btvirt controllers
(the channels are host-only: K-frames cross btvirt as plain ACL): a listener process,
this process connecting, 20 KB each way checked by CRC, a disconnect."""

import unittest
import zlib

from tests.interop.test_btvirt import BtVirt
from tests.python import support
from tests.python.test_l2cap import (DRAIN, IRQ_L2CAP_CONNECT, IRQ_L2CAP_DISCONNECT,
                                     IRQ_L2CAP_RECV, IRQ_L2CAP_SEND_READY, PSM)

WAIT = 10


class TestL2capOnBtvirt(support.ConnTestCase):
    @classmethod
    def make_air(cls):
        return BtVirt()

    def test_channel_session(self):
        peer = self.peer()
        peer.run("ble.l2cap_listen(%d, 1024)" % PSM + DRAIN)
        events = self.start()
        conn, peer_conn = self.connect(peer)
        self.ble.l2cap_connect(conn, PSM, 1024)
        cid = events.wait_for(IRQ_L2CAP_CONNECT, timeout=WAIT)[-1][1]
        peer_cid = peer.wait_for(IRQ_L2CAP_CONNECT, timeout=WAIT)[-1][1]
        data = bytes((i * 13 + i // 256) & 0xFF for i in range(20 * 1024))
        ready = 0
        for off in range(0, len(data), 1000):
            if not self.ble.l2cap_send(conn, cid, data[off:off + 1000]):
                ready += 1
                events.wait_for(IRQ_L2CAP_SEND_READY, ready, timeout=WAIT)
        peer.run("import zlib")
        want = (len(data), zlib.crc32(data))
        for _ in range(200):
            got = peer.run("(len(got.get(%d, b'')), zlib.crc32(got.get(%d, b'')))"
                           % (peer_cid, peer_cid))
            if got == want:
                break
            peer.run("import time; time.sleep(0.05)")
        self.assertEqual(got, want)
        # And back, read here outside the handler.
        peer.run("ble.l2cap_send(conn, %d, b'back over btvirt')" % peer_cid)
        events.wait_for(IRQ_L2CAP_RECV, timeout=WAIT)
        buf = bytearray(64)
        n = self.ble.l2cap_recvinto(conn, cid, buf)
        self.assertEqual(bytes(buf[:n]), b"back over btvirt")
        self.ble.l2cap_disconnect(conn, cid)
        self.assertEqual(events.wait_for(IRQ_L2CAP_DISCONNECT, timeout=WAIT)[-1],
                         (conn, cid, PSM, 0))
        self.assertEqual(peer.wait_for(IRQ_L2CAP_DISCONNECT, timeout=WAIT)[-1],
                         (peer_conn, peer_cid, PSM, 0))
        self.ble.gap_disconnect(conn)


if __name__ == "__main__":
    unittest.main()
