"""The host against a scripted controller: start-up, transports and URIs, a silent,
refusing, lying or vanishing controller, whole-packet writes, and btsnoop capture."""

import errno
import os
import struct
import tempfile
import time
import unittest

import bluetooth

from tests.python.fake_controller import (OP_LE_RAND, OP_READ_BD_ADDR, OP_READ_LOCAL_FEATURES,
                                          OP_RESET, FakeController, adv_report)

IRQ_SCAN_RESULT, IRQ_SCAN_DONE = 5, 6


class HostCase(unittest.TestCase):
    def setUp(self):
        self.ble = bluetooth.BLE()
        self.ble.active(False)
        self.events = []
        self.ble.irq(self._irq)
        self.fakes = []
        self.saved_env = {k: os.environ.get(k)
                          for k in ("MPBLE_HCI", "MPBLE_SNOOP", "MPBLE_LOG", "MPBLE_ADDR")}
        os.environ["MPBLE_LOG"] = "0"  # the faults these tests provoke are on purpose

    def tearDown(self):
        self.ble.active(False)
        self.ble.irq(None)
        for f in self.fakes:
            f.close()
        for k, v in self.saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def _irq(self, event, data):
        if event == IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            self.events.append((event, addr_type, bytes(addr), adv_type, rssi, bytes(adv_data)))
        else:
            self.events.append((event,))

    def fake(self, **kw):
        f = FakeController(**kw)
        self.fakes.append(f)
        os.environ["MPBLE_HCI"] = f.uri
        return f

    def wait_for(self, cond, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                self.fail("timed out waiting")
            time.sleep(0.005)


class TestStartup(HostCase):
    def test_startup_sequence_and_public_address(self):
        f = self.fake()
        self.assertTrue(self.ble.active(True))
        ops = f.opcodes()
        self.assertEqual(ops[0], OP_RESET)
        self.assertIn(OP_READ_BD_ADDR, ops)
        self.assertEqual(self.ble.config("mac"), (0, bytes.fromhex("112233445566")))

    def test_no_public_address_gives_random_static(self):
        f = self.fake()
        f.answers[OP_READ_BD_ADDR] = b"\x00" + bytes(6)
        self.ble.active(True)
        addr_type, addr = self.ble.config("mac")
        self.assertEqual(addr_type, 1)
        self.assertEqual(addr[0] & 0xC0, 0xC0)  # Vol 6 Part B 1.3.2.1
        self.assertIn(OP_LE_RAND, f.opcodes())
        with self.assertRaises(OSError) as cm:
            self.ble.config(addr_mode=0)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_every_packet_written_whole(self):
        f = self.fake()
        self.ble.active(True)
        self.ble.gap_advertise(100_000, b"\x02\x01\x06")
        for chunk in f.chunks:  # one command in flight at a time: one recv each
            self.assertEqual(len(chunk), 4 + chunk[3], chunk.hex())
        # LE Set Advertising Data: always 32 parameter bytes, unused ones zero.
        adv = [p for op, p in f.commands if op == 0x2008][0]
        self.assertEqual(adv, b"\x03\x02\x01\x06" + bytes(28))

    def test_tcp_transport(self):
        self.fake(tcp=True)
        self.assertTrue(self.ble.active(True))
        self.assertEqual(self.ble.config("mac")[1], bytes.fromhex("112233445566"))


class TestControllerFailures(HostCase):
    def test_silent_controller_times_out(self):
        f = self.fake()
        f.answers[OP_RESET] = None
        t0 = time.monotonic()
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertFalse(self.ble.active())

    def test_refused_reset(self):
        f = self.fake()
        f.answers[OP_RESET] = 0x03
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertIn("Reset", str(cm.exception))
        self.assertFalse(self.ble.active())

    def test_controller_without_le(self):
        f = self.fake()
        f.answers[OP_READ_LOCAL_FEATURES] = b"\x00" + bytes(8)
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.ENODEV)

    def test_nobody_listening(self):
        os.environ["MPBLE_HCI"] = "unix:" + os.path.join(tempfile.mkdtemp(), "nothing")
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.ENOENT)

    def test_bad_uris(self):
        for uri in ("foo", "serial", "bogus:x", "tcp:host", "tcp:host:0", "tcp::1",
                    "tcp:h:99999", "unix:", "unix:" + "x" * 200):
            os.environ["MPBLE_HCI"] = uri
            with self.assertRaises(OSError, msg=uri) as cm:
                self.ble.active(True)
            self.assertEqual(cm.exception.errno, errno.EINVAL, uri)
            self.assertIn("MPBLE_HCI", str(cm.exception))

    def scanning(self):
        f = self.fake()
        self.ble.active(True)
        self.ble.gap_scan(0)
        return f

    def test_malformed_events_are_ignored(self):
        f = self.scanning()
        addr = bytes([1, 2, 3, 4, 5, 6])
        good = adv_report(addr, b"\x02\x01\x06", rssi=-42)
        bad = bytearray(good)
        bad[-5] = 30  # data length runs past the event
        f.send(bytes(bad) + good)
        self.wait_for(lambda: any(e[0] == IRQ_SCAN_RESULT for e in self.events))
        results = [e for e in self.events if e[0] == IRQ_SCAN_RESULT]
        self.assertEqual(results, [(IRQ_SCAN_RESULT, 0, addr[::-1], 0, -42, b"\x02\x01\x06")])
        self.ble.gap_scan(None)
        self.assertEqual(self.events[-1], (IRQ_SCAN_DONE,))

    def check_lost(self, f):
        self.wait_for(lambda: (IRQ_SCAN_DONE,) in self.events)
        with self.assertRaises(OSError) as cm:
            self.ble.gap_scan(0)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertIn("lost", str(cm.exception))
        self.ble.active(False)
        self.assertFalse(self.ble.active())

    def test_garbage_from_controller_ends_the_scan(self):
        f = self.scanning()
        f.send(b"\xff\x00")
        self.check_lost(f)

    def test_controller_hangs_up(self):
        f = self.scanning()
        f.hang_up()
        self.check_lost(f)


OP_VS_WRITE_BD_ADDR = 0xFC06  # Zephyr's vendor command
INTEL_VERSION = b"\x00\x0d\x00\x00\x0d\x02\x00\x00\x00"  # Company_Identifier 0x0002


class TestAddress(HostCase):
    """The public address asked for (MPBLE_ADDR) or kept, against controllers that
    cannot set theirs."""

    def unable(self, how):
        """A controller that cannot set its address: by its maker, whose vendor commands
        are others (the host never sends it the command), or answering Unknown HCI
        Command."""
        f = self.fake()
        if how == "maker":
            f.answers[0x1001] = INTEL_VERSION
        else:
            f.answers[OP_VS_WRITE_BD_ADDR] = 0x01
        return f

    def test_requested_and_unable(self):
        for how in ("maker", "unknown"):
            with self.subTest(how=how):
                f = self.unable(how)
                os.environ["MPBLE_ADDR"] = "C0:FF:EE:00:00:09"
                with self.assertRaises(OSError) as cm:
                    self.ble.active(True)
                self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)
                self.assertIn("cannot set its address", str(cm.exception))
                self.assertIn("C0:FF:EE:00:00:09", str(cm.exception))
                self.assertEqual(OP_VS_WRITE_BD_ADDR in f.opcodes(), how == "unknown")

    def test_kept_and_unable(self):
        self.fake()
        self.assertTrue(self.ble.active(True))  # the address to keep
        self.ble.active(False)
        for how in ("maker", "unknown"):
            with self.subTest(how=how):
                f = self.unable(how)
                self.assertTrue(self.ble.active(True))
                self.assertEqual(self.ble.config("mac"), (0, bytes.fromhex("112233445566")))
                self.assertEqual(OP_VS_WRITE_BD_ADDR in f.opcodes(), how == "unknown")
                self.ble.active(False)

    def test_written_after_reset(self):
        f = self.fake()
        os.environ["MPBLE_ADDR"] = "c0:ff:ee:00:00:0a"
        self.assertTrue(self.ble.active(True))
        ops = f.opcodes()
        self.assertLess(ops.index(OP_RESET), ops.index(OP_VS_WRITE_BD_ADDR))
        self.assertLess(ops.index(OP_VS_WRITE_BD_ADDR), ops.index(OP_READ_BD_ADDR))
        self.assertIn((OP_VS_WRITE_BD_ADDR, bytes.fromhex("0a0000eeffc0")), f.commands)

    def test_malformed(self):
        self.fake()
        for text in ("C0:FF:EE:00:00", "C0:FF:EE:00:00:0A:", "C0-FF-EE-00-00-0A", "00:00:00:00:00:00",
                     " C0:FF:EE:00:00:0A", "C0:FF:EE:00:00:+A"):
            os.environ["MPBLE_ADDR"] = text
            with self.assertRaises(OSError, msg=text) as cm:
                self.ble.active(True)
            self.assertEqual(cm.exception.errno, errno.EINVAL, text)
            self.assertIn("MPBLE_ADDR", str(cm.exception))


class TestSnoop(HostCase):
    def test_btsnoop_file(self):
        self.fake()
        path = os.path.join(tempfile.mkdtemp(), "hci.btsnoop")
        os.environ["MPBLE_SNOOP"] = path
        self.ble.active(True)
        self.ble.active(False)
        with open(path, "rb") as fh:
            data = fh.read()
        self.assertEqual(data[:8], b"btsnoop\0")
        self.assertEqual(struct.unpack(">II", data[8:16]), (1, 1002))
        # First record: the Reset command, sent (flags: command, host to controller).
        orig, incl, flags, drops = struct.unpack(">IIII", data[16:32])
        self.assertEqual((orig, incl, flags, drops), (4, 4, 2, 0))
        self.assertEqual(data[40:44], b"\x01\x03\x0c\x00")

    def test_unwritable_snoop_path(self):
        self.fake()
        os.environ["MPBLE_SNOOP"] = "/nonexistent/dir/x.btsnoop"
        with self.assertRaises(OSError) as cm:
            self.ble.active(True)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertIn("MPBLE_SNOOP", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
