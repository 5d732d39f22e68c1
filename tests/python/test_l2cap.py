"""L2CAP credit-based channels between two processes on the air: listen, connect,
send, recvinto, disconnect with the reference's event tuples (micropython-semantics.md
4.4, 8), an accept handler refusing one PSM and taking another, several channels at
once and a listener connecting out, disconnects from either side and the link lost
mid-transfer, a 100 KB stream and 1 MB under the air's --loss checked by CRC, and the
argument errors."""

import errno
import unittest
import zlib

import bluetooth

from . import support
from .test_air_options import OptionAir
from .test_ble_api import ErrnoMixin

IRQ_L2CAP_ACCEPT = 22
IRQ_L2CAP_CONNECT = 23
IRQ_L2CAP_DISCONNECT = 24
IRQ_L2CAP_RECV = 25
IRQ_L2CAP_SEND_READY = 26
PSM = 0x80
NO_RESOURCES = 6  # the initiator's status for a refused channel (reference)

# In the peer: what arrives on a channel is drained into got[cid] by the RECV handler.
# Events wait for the main thread: a RECV may come after its channel closed (the link
# lost with data in flight), and recvinto then raises EINVAL (or ENOTCONN), which would
# end the handler for good (micropython-semantics.md 5.4).
DRAIN = """
import errno
got = {}
def drain(data):
    buf = bytearray(4096)
    try:
        n = ble.l2cap_recvinto(data[0], data[1], buf)
        while n:
            got.setdefault(data[1], bytearray()).extend(buf[:n])
            n = ble.l2cap_recvinto(data[0], data[1], buf)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTCONN):
            raise
hooks[25] = drain
"""


class L2capArguments(ErrnoMixin, unittest.TestCase):
    def test_inactive_and_types(self):
        ble = bluetooth.BLE()
        ble.active(False)
        for method, args in [(ble.l2cap_listen, (PSM, 100)), (ble.l2cap_connect, (0, PSM, 100)),
                             (ble.l2cap_disconnect, (0, 0x40)), (ble.l2cap_send, (0, 0x40, b"x")),
                             (ble.l2cap_recvinto, (0, 0x40, None))]:
            with self.subTest(method=method.__name__):
                self.assertErrno(errno.ENODEV, method, *args)
        for method, args in [(ble.l2cap_listen, (PSM,)), (ble.l2cap_listen, (PSM, 1.0)),
                             (ble.l2cap_connect, (0, "x", 100)), (ble.l2cap_send, (0, 0x40, 5)),
                             (ble.l2cap_recvinto, (0, 0x40, b"read-only"))]:
            with self.subTest(method=method.__name__, args=args):
                with self.assertRaises(TypeError):
                    method(*args)


class Channels(ErrnoMixin, support.ConnTestCase):
    """This process connects to a child (self.server) and opens channels to it."""

    def setUp(self):
        super().setUp()
        self.server = self.peer()
        self.start()
        self.conn, self.server_conn = self.connect(self.server)

    def serve(self, src):
        return self.server.run(src)

    def open(self, mtu=256, psm=PSM):
        """Opens a channel to the listening server: (our cid, its cid)."""
        count = len(self.events.of(IRQ_L2CAP_CONNECT)) + 1
        peer_count = len(self.server.of(IRQ_L2CAP_CONNECT)) + 1
        self.ble.l2cap_connect(self.conn, psm, mtu)
        ev = self.events.wait_for(IRQ_L2CAP_CONNECT, count)[-1]
        peer_ev = self.server.wait_for(IRQ_L2CAP_CONNECT, peer_count)[-1]
        self.assertEqual(ev[:4], (self.conn, ev[1], psm, mtu))
        self.assertEqual(peer_ev[0], self.server_conn)
        self.assertEqual((peer_ev[2], peer_ev[4], ev[4]), (psm, mtu, peer_ev[3]))
        return ev[1], peer_ev[1]

    def stream(self, cid, peer_cid, data, sdu):
        """Sends data in SDUs of sdu bytes through the stalls; checks that the peer's
        drain got it all (length and CRC). Returns the SEND_READY count."""
        ready = 0
        for off in range(0, len(data), sdu):
            if not self.ble.l2cap_send(self.conn, cid, data[off:off + sdu]):
                ready += 1
                self.events.wait_for(IRQ_L2CAP_SEND_READY, ready, timeout=30)
        want = (len(data), zlib.crc32(data))
        self.serve("import zlib")
        for _ in range(400):
            got = self.serve("(len(got.get(%d, b'')), zlib.crc32(got.get(%d, b'')))"
                             % (peer_cid, peer_cid))
            if got == want:
                break
            self.server.run("import time; time.sleep(0.05)")
        self.assertEqual(got, want)
        return ready


class L2cap(Channels):

    def test_connect_send_recv_disconnect(self):
        self.serve("ble.l2cap_listen(%d, 512)" % PSM)
        cid, peer_cid = self.open()
        accept = self.server.of(IRQ_L2CAP_ACCEPT)
        self.assertEqual(accept, [(self.server_conn, peer_cid, PSM, 512, 256)])
        self.assertEqual(self.ble.l2cap_send(self.conn, cid, b"hello"), True)
        self.assertEqual(self.server.wait_for(IRQ_L2CAP_RECV), [(self.server_conn, peer_cid)])
        self.serve("buf = bytearray(3)")
        self.assertEqual(self.serve("ble.l2cap_recvinto(conn, %d, None)" % peer_cid), 5)
        self.assertEqual(self.serve("ble.l2cap_recvinto(conn, %d, buf), bytes(buf)" % peer_cid),
                         (3, b"hel"))
        self.assertEqual(self.serve("ble.l2cap_recvinto(conn, %d, buf), bytes(buf)" % peer_cid),
                         (2, b"lol"))
        self.assertEqual(self.serve("ble.l2cap_recvinto(conn, %d, buf)" % peer_cid), 0)
        # And back: the peer sends, this side reads in its handler's absence.
        self.serve("ble.l2cap_send(conn, %d, b'back')" % peer_cid)
        self.events.wait_for(IRQ_L2CAP_RECV)
        buf = bytearray(10)
        self.assertEqual(self.ble.l2cap_recvinto(self.conn, cid, buf), 4)
        self.assertEqual(bytes(buf[:4]), b"back")
        self.assertErrno(errno.EINVAL, self.ble.l2cap_send, self.conn, cid, bytes(513))
        self.assertErrno(errno.EINVAL, self.ble.l2cap_send, self.conn, cid + 1, b"x")
        self.assertErrno(errno.ENOTCONN, self.ble.l2cap_send, self.conn + 9, cid, b"x")
        with self.assertRaises(support.PeerError) as cm:
            self.serve("ble.l2cap_listen(%d, 512)" % PSM)
        self.assertEqual(cm.exception.args[1][0], errno.EALREADY)
        self.ble.l2cap_disconnect(self.conn, cid)
        self.assertEqual(self.events.wait_for(IRQ_L2CAP_DISCONNECT), [(self.conn, cid, PSM, 0)])
        self.assertEqual(self.server.wait_for(IRQ_L2CAP_DISCONNECT),
                         [(self.server_conn, peer_cid, PSM, 0)])
        self.assertErrno(errno.EINVAL, self.ble.l2cap_disconnect, self.conn, cid)

    def test_accept_refuses_one_psm(self):
        self.serve("ble.l2cap_listen(%d, 100); ble.l2cap_listen(%d, 100)" % (PSM, PSM + 1))
        self.serve("hooks[22] = lambda d: 1 if d[2] == %d else 0" % (PSM + 1))
        self.ble.l2cap_connect(self.conn, PSM + 1, 100)
        ev = self.events.wait_for(IRQ_L2CAP_DISCONNECT)[-1]
        self.assertEqual((ev[0], ev[2], ev[3]), (self.conn, PSM + 1, NO_RESOURCES))
        self.assertEqual(self.server.of(IRQ_L2CAP_CONNECT), [])
        self.open(100)
        # Several at once, to both PSMs' server and from the listener out to this side.
        self.serve("hooks[22] = None")
        cids = [self.open(100 + i, PSM + (i & 1)) for i in range(4)]
        self.assertEqual(len({c for c, _ in cids}), 4)
        self.ble.l2cap_listen(PSM, 64)
        self.serve("ble.l2cap_connect(conn, %d, 64)" % PSM)
        self.assertEqual(self.server.wait_for(IRQ_L2CAP_CONNECT, 6)[-1][2:], (PSM, 64, 64))

    def send_some(self, cid, count, size=256):
        """Sends count SDUs on cid as far as they are taken (a stall is fine)."""
        for _ in range(count):
            try:
                self.ble.l2cap_send(self.conn, cid, bytes(size))
            except OSError as e:
                self.assertEqual(e.errno, errno.EBUSY)

    def test_disconnect_from_peer_and_link_lost(self):
        self.serve("ble.l2cap_listen(%d, 512)" % PSM + DRAIN)
        opened = [self.open() for _ in range(3)]
        (a, pa), rest = opened[0], opened[1:]
        self.serve("ble.l2cap_disconnect(conn, %d)" % pa)
        self.assertEqual(self.events.wait_for(IRQ_L2CAP_DISCONNECT), [(self.conn, a, PSM, 0)])
        self.assertEqual(self.server.wait_for(IRQ_L2CAP_DISCONNECT),
                         [(self.server_conn, pa, PSM, 0)])
        # The link goes mid-transfer: every channel left gets its event on both sides,
        # before the link's own disconnect event.
        for cid, _ in rest:
            self.send_some(cid, 8)
        self.ble.gap_disconnect(self.conn)
        self.events.wait_for(support.IRQ_PERIPHERAL_DISCONNECT)
        self.server.wait_for(support.IRQ_CENTRAL_DISCONNECT)
        self.assertEqual(self.events.of(IRQ_L2CAP_DISCONNECT)[1:],
                         [(self.conn, cid, PSM, 0) for cid, _ in rest])
        self.assertEqual(sorted(self.server.of(IRQ_L2CAP_DISCONNECT)[1:]),
                         [(self.server_conn, peer_cid, PSM, 0) for _, peer_cid in rest])
        codes = [e for e, _ in self.events.events]
        self.assertLess(max(i for i, e in enumerate(codes) if e == IRQ_L2CAP_DISCONNECT),
                        codes.index(support.IRQ_PERIPHERAL_DISCONNECT))
        self.assertErrno(errno.ENOTCONN, self.ble.l2cap_send, self.conn, rest[0][0], b"x")

    def test_channels_across_connections(self):
        other = self.peer()
        conn2, _ = self.connect(other)
        for peer in (self.server, other):
            peer.run("ble.l2cap_listen(%d, 300)" % PSM + DRAIN)
        cid1, peer_cid1 = self.open(300)
        self.ble.l2cap_connect(conn2, PSM, 300)
        cid2 = self.events.wait_for(IRQ_L2CAP_CONNECT, 2)[-1][1]
        peer_cid2 = other.wait_for(IRQ_L2CAP_CONNECT)[-1][1]
        self.assertTrue(self.ble.l2cap_send(self.conn, cid1, b"one"))
        self.assertTrue(self.ble.l2cap_send(conn2, cid2, b"two"))
        self.server.wait_for(IRQ_L2CAP_RECV)
        other.wait_for(IRQ_L2CAP_RECV)
        self.assertEqual(self.serve("bytes(got[%d])" % peer_cid1), b"one")
        self.assertEqual(other.run("bytes(got[%d])" % peer_cid2), b"two")

    def test_stream_100k(self):
        self.serve("ble.l2cap_listen(%d, 2048)" % PSM + DRAIN)
        cid, peer_cid = self.open(2048)
        data = bytes((i * 31 + i // 251) & 0xFF for i in range(100 * 1024))
        ready = self.stream(cid, peer_cid, data, 2000)
        self.assertGreater(ready, 0)  # the sender stalled and resumed on SEND_READY
        self.assertEqual(self.events.of(IRQ_L2CAP_SEND_READY)[0], (self.conn, cid, 0))



class L2capUnderLoss(Channels):
    """The air loses a tenth of its packets: the link layer's retransmissions keep a
    1 MB stream intact (--loss, fast timing; at 0.2 the same takes some 85 s)."""

    @classmethod
    def make_air(cls):
        return OptionAir(("--loss", "0.1"))

    def test_megabyte_under_loss(self):
        self.serve("ble.l2cap_listen(%d, 4096)" % PSM + DRAIN)
        cid, peer_cid = self.open(4096)
        self.stream(cid, peer_cid, bytes((i * 7 + i // 4093) & 0xFF for i in range(1 << 20)),
                    4096)


if __name__ == "__main__":
    unittest.main()
