"""The mpble command: run (every example, status, prefixes), multitest (our own
files under tests/multitest: pass, fail, skip), scan, air. Every run is bounded."""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import mpble

from tests.python.support import PYTHONPATH, Air

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MULTITEST = REPO / "tests" / "multitest"
LIMIT = 60  # seconds for any one command


def child_env():
    """The environment of an mpble command: this mpble and bluetooth importable."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        (str(Path(mpble.__file__).resolve().parent.parent), PYTHONPATH)), MPBLE_LOG="0")
    env.pop("MPBLE_SNOOP", None)
    return env


def mpble_cmd(*args, timeout=LIMIT):
    """Runs `python -m mpble args...`; returns (status, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "mpble", *map(str, args)], env=child_env(),
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def lines_of(out, device):
    prefix = "[%s] " % device
    return [line[len(prefix):] for line in out.splitlines() if line.startswith(prefix)]


class RunTest(unittest.TestCase):
    def run_examples(self, *names):
        status, out, err = mpble_cmd("run", "--timing", "fast", "--seed", "3",
                                     *(EXAMPLES / n for n in names))
        self.assertEqual(status, 0, out + err)
        return out

    def test_advertising_helper(self):
        out = self.run_examples("ble_advertising.py")
        self.assertEqual(lines_of(out, "ble_advertising")[1:], ["micropython", "[UUID(0x181a)]"])

    def test_temperature_sensor_and_central(self):
        out = self.run_examples("ble_temperature.py", "ble_temperature_central.py")
        central = lines_of(out, "ble_temperature_central")
        self.assertEqual(central[:2], ["found mpy-temp", "connected"])
        self.assertEqual(sum(line.startswith("notified ") for line in central), 3)
        self.assertEqual(central[-2:], ["disconnected", "done"])
        self.assertEqual(lines_of(out, "ble_temperature")[-2:], ["central disconnected", "done"])

    def test_uart_peripheral_and_central(self):
        out = self.run_examples("ble_uart_peripheral.py", "ble_uart_central.py")
        self.assertIn("echo b'HELLO'", lines_of(out, "ble_uart_central"))
        self.assertIn("echo b'FROM MICROPYTHON'", lines_of(out, "ble_uart_central"))
        self.assertIn("rx b'hello'", lines_of(out, "ble_uart_peripheral"))

    def test_scanner_hears_a_peripheral(self):
        out = self.run_examples("ble_scan.py", "ble_uart_peripheral.py")
        scan = lines_of(out, "ble_scan")
        self.assertEqual(scan[-1], "1 device(s)")
        self.assertIn("name 'mpy-uart' services UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e')",
                      scan[0])

    def test_status_is_the_worst_and_compat_is_installed(self):
        folder = self.enterContext(tempfile.TemporaryDirectory())
        good, bad = Path(folder, "good.py"), Path(folder, "bad.py")
        good.write_text("from micropython import const\nimport utime\n"
                        "print(const(1), utime.ticks_diff(1, 0))\n")
        bad.write_text("import machine\nprint('resetting')\nmachine.reset()\n")
        status, out, err = mpble_cmd("run", "--timing", "fast", good, bad)
        self.assertEqual(lines_of(out, "good"), ["1 1"])
        self.assertEqual(lines_of(out, "bad"), ["resetting"])
        self.assertEqual(status, 86, err)


class MultitestTest(unittest.TestCase):
    def test_our_passing_and_skipping_files(self):
        status, out, err = mpble_cmd("multitest", "--timing", "fast", "-j", "3",
                                     *sorted(MULTITEST.glob("*.py")))
        self.assertEqual(status, 0, out + err)
        for name, verdict in (("gap_connect", "pass"), ("gatt_exchange", "pass"),
                              ("read_request", "pass"), ("sync", "pass"), ("skip", "skip")):
            self.assertIn("tests/multitest/%s.py: %s\n" % (name, verdict), out)
        self.assertIn("metric instance0: round trips: 1", out)
        self.assertIn("5 tests performed, 4 passed, 0 failed, 1 skipped", out)

    def test_our_files_twenty_times_in_a_row(self):
        """Handlers on the main thread make the exchanges' output the same every run:
        each of our passing files 20 times, and the GATT exchange (every line of both
        devices compared) 50 times, without a failure."""
        files = [MULTITEST / name for name in ("gap_connect.py", "gatt_exchange.py",
                                               "read_request.py", "sync.py")]
        runs = files * 20 + [MULTITEST / "gatt_exchange.py"] * 30
        status, out, err = mpble_cmd("multitest", "--timing", "fast", "-j", "2", *runs,
                                     timeout=300)
        self.assertEqual(status, 0, out + err)
        self.assertIn("%d tests performed, %d passed, 0 failed" % (len(runs), len(runs)), out)

    def test_failures_are_reported_with_a_diff(self):
        status, out, err = mpble_cmd("multitest", "--timing", "fast", "--timeout", "3",
                                     *sorted((MULTITEST / "failing").glob("*.py")))
        self.assertEqual(status, 1, err)
        self.assertIn("failing/wrong_output.py: FAIL\n", out)
        self.assertIn("-planet\n+world\n", out)
        self.assertIn("failing/exception.py: FAIL\n", out)
        self.assertIn("+ValueError: boom\n", out)
        self.assertIn("failing/timeout.py: FAIL (timeout after 3 s)\n", out)
        self.assertIn("+TIMEOUT\n", out)
        self.assertIn("3 tests performed, 0 passed, 3 failed, 0 skipped", out)

    def test_snoop_writes_a_capture_per_instance(self):
        folder = self.enterContext(tempfile.TemporaryDirectory())
        status, out, err = mpble_cmd("multitest", "--timing", "fast", "--snoop", folder,
                                     MULTITEST / "gap_connect.py")
        self.assertEqual(status, 0, out + err)
        for index in (0, 1):
            with open(Path(folder, "gap_connect-instance%d.btsnoop" % index), "rb") as f:
                self.assertEqual(f.read(8), b"btsnoop\0")


class ScanAirTest(unittest.TestCase):
    def test_scan_finds_an_advertiser(self):
        air = Air("fast")
        self.addCleanup(air.stop)
        advertiser = subprocess.Popen(
            [sys.executable, "-m", "mpble", "run", "--air", air.uri,
             EXAMPLES / "ble_uart_peripheral.py"],
            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.addCleanup(advertiser.communicate, timeout=LIMIT)
        self.assertIn(b"advertising", advertiser.stdout.readline())
        status, out, err = mpble_cmd("scan", "--air", air.uri, "--time", "1")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"[0-9a-f:]{17} public +-\d+ dBm  'mpy-uart' +"
                              r"UUID\('6e400001-b5a3-f393-e0a9-e50e24dcca9e'\)")
        self.assertTrue(out.endswith("1 device(s)\n"), out)

    def test_air_passes_its_options_through(self):
        status, out, err = mpble_cmd("air", "--help")
        self.assertEqual(status, 0)
        self.assertIn("usage: mpble-air", out)


if __name__ == "__main__":
    unittest.main()
