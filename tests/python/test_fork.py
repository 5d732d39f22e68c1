"""os.fork() with an active BLE: the child's device is inactive (its methods raise
ENODEV, active() is False) and its exit leaves the parent's connection alone; the
child may activate a device of its own; the parent goes on working."""

import errno
import os
import pickle

from . import support
from .support import GATT, IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE, IRQ_GATTC_READ_RESULT


def child_checks(ble, conn, tx, capture):
    """Runs in the child: what it saw, as a dict. Its own activation is captured to
    capture (the parent's capture file is the parent's)."""
    seen = {"active": ble.active()}
    for name, call in [("gap_scan", lambda: ble.gap_scan(0)),
                       ("gatts_notify", lambda: ble.gatts_notify(conn, tx, b"child")),
                       ("gap_disconnect", lambda: ble.gap_disconnect(conn)),
                       ("mac", lambda: ble.config("mac"))]:
        try:
            call()
            seen[name] = None
        except OSError as e:
            seen[name] = e.errno
    if capture:
        os.environ["MPBLE_SNOOP"] = capture
    else:
        os.environ.pop("MPBLE_SNOOP", None)
    ble.active(True)
    seen["own_mac"] = ble.config("mac")
    ble.active(False)
    return seen


class Fork(support.ConnTestCase):
    def test_child_sees_inactive_device(self):
        self.start()
        _, (tx, _), _ = self.ble.gatts_register_services(GATT.ALL_SERVICES)
        peer = self.peer()
        conn, _ = self.accept(peer)
        mac = self.ble.config("mac")
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(r)
                os.write(w, pickle.dumps(child_checks(self.ble, conn, tx, support.capture_path(self, "forked"))))
                code = 0
            finally:
                # The interpreter's exit hooks (the module's deactivation among them),
                # without unwinding the parent's test runner.
                import atexit
                atexit._run_exitfuncs()
                os._exit(code)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            data = f.read()
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        seen = pickle.loads(data)
        own_mac = seen.pop("own_mac")
        self.assertEqual(seen, {"active": False, "gap_scan": errno.ENODEV,
                                "gatts_notify": errno.ENODEV, "gap_disconnect": errno.ENODEV,
                                "mac": errno.ENODEV})
        self.assertNotEqual(own_mac, mac)
        # The parent's device and connection work as before.
        self.assertTrue(self.ble.active())
        self.assertEqual(self.ble.config("mac"), mac)
        self.ble.gatts_notify(conn, tx, b"parent")
        self.assertEqual(peer.wait_for(IRQ_GATTC_NOTIFY), [(peer.run("conn"), tx, b"parent")])
        self.ble.gatts_write(tx, b"v")
        peer.run("ble.gattc_read(conn, %d)" % tx)
        self.assertEqual(peer.wait_for(IRQ_GATTC_READ_DONE), [(peer.run("conn"), tx, 0)])
        self.assertEqual(peer.of(IRQ_GATTC_READ_RESULT), [(peer.run("conn"), tx, b"v")])
