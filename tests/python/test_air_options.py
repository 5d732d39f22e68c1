"""mpble-air's medium options: --pcap (a capture tshark dissects cleanly, ATT inside),
--loss (a GATT session still completes), and the exit status 2 for bad values of
--loss, --position, --range."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from . import support
from .support import (GATT, IRQ_GATTC_NOTIFY, IRQ_GATTC_READ_DONE, IRQ_GATTC_READ_RESULT,
                      IRQ_GATTC_WRITE_DONE, IRQ_GATTS_WRITE, IRQ_PERIPHERAL_DISCONNECT,
                      IRQ_SCAN_RESULT, WAIT)

BAD = "_ws.malformed || _ws.expert.severity >= warning"


class OptionAir(support.Air):
    """support.Air's air with extra options; its capture (if any) at self.pcap."""

    def __init__(self, args, pcap=None):
        self.dir = tempfile.mkdtemp(prefix="mpble-test-")
        self.socket = os.path.join(self.dir, "air.sock")
        self.pcap = pcap and (os.path.join(os.environ.get("MPBLE_TEST_CAPTURES") or self.dir,
                                           pcap))
        self.log = open(os.path.join(self.dir, "air.log"), "wb")
        cmd = [str(support.AIR_BIN), "--socket", self.socket, "--timing", "fast",
               "--seed", "1", "--exit-when-idle", "30", *args]
        if self.pcap:
            cmd += ["--pcap", self.pcap]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log)
        deadline = time.monotonic() + WAIT
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mpble-air did not start; log: " + self.log_text())
            time.sleep(0.01)
        self.uri = "unix:" + self.socket


def tshark(path, *args):
    return subprocess.run(["tshark", "-n", "-r", path, *args], capture_output=True,
                          text=True, timeout=120)


class Session(support.ConnTestCase):
    """A peer advertises and serves; this device scans actively, connects, reads,
    writes, is notified and disconnects."""

    air_args = ()
    pcap = None

    @classmethod
    def make_air(cls):
        return OptionAir(cls.air_args, cls.pcap)

    def session(self):
        self.start()
        peer = self.peer()
        peer.run("((hr,), (tx, rx)) = ble.gatts_register_services(SERVICES)")
        hr, tx, rx = peer.run("(hr, tx, rx)")
        peer.run("ble.gatts_write(hr, b'\\x00\\x48')")
        peer.run("ble.gap_advertise(20000, ADV, resp_data=b'\\x05\\x09peer')")
        self.ble.gap_scan(300, 30000, 30000, True)
        self.events.wait_for(IRQ_SCAN_RESULT)
        self.ble.gap_scan(None)
        conn, _ = self.connect(peer)
        self.ble.gattc_read(conn, hr)
        self.assertEqual(self.events.wait_for(IRQ_GATTC_READ_RESULT)[-1][2], b"\x00\x48")
        self.events.wait_for(IRQ_GATTC_READ_DONE)
        self.ble.gattc_write(conn, rx, b"hello", 1)
        self.events.wait_for(IRQ_GATTC_WRITE_DONE)
        peer.wait_for(IRQ_GATTS_WRITE)
        self.assertEqual(peer.run("ble.gatts_read(rx)"), b"hello")
        peer.run("ble.gatts_notify(conn, tx, b'ping')")
        self.assertEqual(self.events.wait_for(IRQ_GATTC_NOTIFY)[-1][2], b"ping")
        self.ble.gap_disconnect(conn)
        self.events.wait_for(IRQ_PERIPHERAL_DISCONNECT)


@unittest.skipUnless(shutil.which("tshark"), "tshark is not installed")
class Capture(Session):
    pcap = "test_air_options.Capture.pcap"

    def test_session_dissects_cleanly(self):
        self.session()
        path = self.air.pcap
        every = tshark(path)
        self.assertEqual(every.returncode, 0, every.stderr)
        self.assertGreater(len(every.stdout.splitlines()), 10)
        bad = tshark(path, "-Y", BAD)
        self.assertEqual(bad.stdout, "", tshark(path, "-Y", BAD, "-V").stdout[:4000])
        for kind in ("btle.advertising_header.pdu_type == 3",  # SCAN_REQ
                     "btle.advertising_header.pdu_type == 4",  # SCAN_RSP
                     "btle.advertising_header.pdu_type == 5",  # CONNECT_IND
                     "btatt", "btle.control_opcode == 0x14",   # LL_LENGTH_REQ
                     "btle.control_opcode == 0x02"):           # LL_TERMINATE_IND
            found = tshark(path, "-Y", kind)
            self.assertNotEqual(found.stdout, "", kind)
        att = tshark(path, "-Y", "btatt.opcode == 0x1b", "-V").stdout  # notification
        self.assertIn("70696e67", att.replace(":", ""))  # b"ping"


class Loss(Session):
    air_args = ("--loss", "0.2")

    def test_session_completes(self):
        self.session()


class BadValues(unittest.TestCase):
    def test_exit_status_2(self):
        for args in (["--loss", "1.5"], ["--loss", "-0.1"], ["--loss", "x"],
                     ["--range", "0"], ["--range", "nan"], ["--position", "0:1,2"],
                     ["--position", "1:1"], ["--position", "1:a,2"],
                     ["--position", "2:1,1", "--position", "2:0,0"]):
            r = subprocess.run([str(support.AIR_BIN), "--socket", "/nonexistent/x", *args],
                               capture_output=True, text=True, timeout=WAIT)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("mpble-air: --", r.stderr, args)

    def test_help_documents_them(self):
        r = subprocess.run([str(support.AIR_BIN), "--help"], capture_output=True, text=True,
                           timeout=WAIT)
        for opt in ("--loss P", "--position N:X,Y", "--range METRES", "--pcap FILE"):
            self.assertIn(opt, r.stdout)


if __name__ == "__main__":
    unittest.main()
