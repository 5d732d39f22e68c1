"""Several simultaneous connections: one central (this process) to three peripheral
children, each serving the same database with its own values
(micropython-semantics.md 4.1, 5.5, 6.1)."""

import unittest

from . import support
from .support import (IRQ_CENTRAL_DISCONNECT, IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE,
                      IRQ_GATTC_READ_RESULT, IRQ_GATTC_WRITE_DONE, IRQ_GATTS_WRITE,
                      IRQ_PERIPHERAL_DISCONNECT)

COUNT = 3


class GattMulti(support.ConnTestCase):
    def setUp(self):
        super().setUp()
        self.start()
        self.peers = []
        for i in range(COUNT):
            peer = self.peer()
            peer.handles = peer.run("ble.gatts_register_services(SERVICES)")
            peer.run("ble.gatts_write(%d, b'peer%d')" % (peer.handles[0][0], i))
            peer.conn, peer.peer_conn = self.connect(peer)
            self.peers.append(peer)

    def test_distinct_connections(self):
        conns = [p.conn for p in self.peers]
        self.assertEqual(len(set(conns)), COUNT)
        # Same definition, same handles on every device (semantics 6.1).
        self.assertEqual(len({p.handles for p in self.peers}), 1)
        self.assertEqual(len({p.mac for p in self.peers}), COUNT)

    def test_read_each(self):
        hr = self.peers[0].handles[0][0]
        for p in self.peers:
            self.ble.gattc_read(p.conn, hr)  # all three in flight at once
        self.events.wait_for(IRQ_GATTC_READ_DONE, COUNT)
        results = {conn: data for conn, _, data in self.events.of(IRQ_GATTC_READ_RESULT)}
        self.assertEqual(results, {p.conn: b"peer%d" % i for i, p in enumerate(self.peers)})
        self.assertEqual({d[2] for d in self.events.of(IRQ_GATTC_READ_DONE)}, {0})

    def test_write_and_notify_each(self):
        (hr,), (tx, rx) = self.peers[0].handles
        for i, p in enumerate(self.peers):
            self.ble.gattc_write(p.conn, rx, b"to%d" % i, 1)
        self.events.wait_for(IRQ_GATTC_WRITE_DONE, COUNT)
        for i, p in enumerate(self.peers):
            self.assertEqual(p.wait_for(IRQ_GATTS_WRITE), [(p.peer_conn, rx)])
            self.assertEqual(p.run("ble.gatts_read(%d)" % rx), b"to%d" % i)
            p.run("ble.gatts_notify(%d, %d, b'from%d')" % (p.peer_conn, tx, i))
        self.events.wait_for(IRQ_GATTC_NOTIFY, COUNT)
        self.assertEqual(sorted(self.events.of(IRQ_GATTC_NOTIFY)),
                         sorted((p.conn, tx, b"from%d" % i) for i, p in enumerate(self.peers)))

    def test_disconnect_one(self):
        gone, rest = self.peers[1], self.peers[:1] + self.peers[2:]
        self.assertIs(self.ble.gap_disconnect(gone.conn), True)
        self.assertEqual(self.events.wait_for(IRQ_PERIPHERAL_DISCONNECT), [(gone.conn,) + gone.mac])
        gone.wait_for(IRQ_CENTRAL_DISCONNECT)
        hr = rest[0].handles[0][0]
        for p in rest:
            self.ble.gattc_read(p.conn, hr)
        self.events.wait_for(IRQ_GATTC_READ_DONE, len(rest))
        self.assertEqual({d[0] for d in self.events.of(IRQ_GATTC_READ_RESULT)}, {p.conn for p in rest})
        for p in rest:
            self.assertIs(self.ble.gap_disconnect(p.conn), True)
        self.events.wait_for(IRQ_PERIPHERAL_DISCONNECT, COUNT)
        for p in rest:
            p.wait_for(IRQ_CENTRAL_DISCONNECT)

    def test_peer_killed_others_unaffected(self):
        victim = self.peers[0]
        victim.child.kill()
        self.assertEqual(self.events.wait_for(IRQ_PERIPHERAL_DISCONNECT, timeout=2.56 + support.WAIT),
                         [(victim.conn,) + victim.mac])
        hr = victim.handles[0][0]
        for p in self.peers[1:]:
            self.ble.gattc_read(p.conn, hr)
        self.events.wait_for(IRQ_GATTC_READ_DONE, COUNT - 1)
        self.assertEqual(len(self.events.of(IRQ_GATTC_READ_RESULT)), COUNT - 1)


if __name__ == "__main__":
    unittest.main()
