"""The air started on demand: processes starting at the same moment share one air,
the per-user default socket directory is private, and an air started on demand
exits by itself once idle."""

import os
import select
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from tests.python import support

CLIENT = """
import bluetooth, sys
ble = bluetooth.BLE()
ble.active(True)
print(repr(ble.config("mac")), flush=True)
sys.stdin.readline()
"""


def air_pids(sock):
    """The mpble-air processes serving sock (read from /proc: no helper process, which
    would inherit a sanitizer preload)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, ValueError):
            continue
        if argv and argv[0].endswith(b"mpble-air") and sock.encode() in argv:
            pids.append(int(entry))
    return pids


class TestAutostart(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mpble-auto-")
        self.children = []

    def tearDown(self):
        self.stop_clients()

    def stop_clients(self):
        for p in self.children:
            if p.poll() is None:
                p.kill()
            p.communicate(timeout=10)
        self.children = []

    def start_clients(self, n, env):
        procs = [subprocess.Popen([sys.executable, "-u", "-c", CLIENT], env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(n)]
        self.children.extend(procs)
        return [eval(self.readline(p) or "None") for p in procs]

    def readline(self, proc, timeout=support.WAIT * 2):
        if not select.select([proc.stdout], [], [], timeout)[0]:
            self.fail("no answer from a client within %gs" % timeout)
        return proc.stdout.readline()

    def env(self, **extra):
        env = dict(os.environ, PYTHONPATH=support.PYTHONPATH, MPBLE_AIR_IDLE_EXIT="1",
                   MPBLE_AIR_BIN=str(support.AIR_BIN))
        env.pop("MPBLE_HCI", None)
        env.update(extra)
        return env

    def wait_gone(self, sock):
        deadline = time.monotonic() + 10
        while air_pids(sock) or os.path.exists(sock):
            if time.monotonic() > deadline:
                self.fail("the air at %s did not exit when idle" % sock)
            time.sleep(0.05)

    def test_simultaneous_starts_share_one_air(self):
        sock = os.path.join(self.dir, "air.sock")
        macs = self.start_clients(4, self.env(MPBLE_HCI="air:" + sock))
        self.assertNotIn(None, macs)
        self.assertEqual(len(set(macs)), 4)  # four controllers, four addresses
        self.assertEqual(len(air_pids(sock)), 1)
        self.stop_clients()
        self.wait_gone(sock)

    def test_default_socket_in_private_directory(self):
        runtime = os.path.join(self.dir, "run")
        os.mkdir(runtime, 0o700)
        macs = self.start_clients(2, self.env(XDG_RUNTIME_DIR=runtime))
        self.assertNotIn(None, macs)
        sock = os.path.join(runtime, "mpble", "air.sock")
        self.assertTrue(stat.S_ISSOCK(os.stat(sock).st_mode))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(sock)).st_mode), 0o700)
        self.stop_clients()
        self.wait_gone(sock)


if __name__ == "__main__":
    unittest.main()
