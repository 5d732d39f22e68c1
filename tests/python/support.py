"""Helpers for the bluetooth module's tests: a private mpble-air per test class,
child processes running small scripts against it, and an event recorder.

Every wait is bounded; tearDown kills what setUp started."""

import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

import bluetooth

IRQ_SCAN_RESULT = 5
IRQ_SCAN_DONE = 6

# The build tree this bluetooth module came from: <build>/python/bluetooth*.so.
BUILD_DIR = Path(bluetooth.__file__).resolve().parent.parent
AIR_BIN = BUILD_DIR / "bin" / "mpble-air"
PYTHONPATH = str(Path(bluetooth.__file__).resolve().parent)

WAIT = 5.0  # seconds: the budget of any single wait


def adv_payload(name=None, services=(), flags=0x06):
    """An advertising payload: flags, complete local name, service UUIDs (as UUIDs)."""
    out = bytearray()

    def field(kind, value):
        out.extend(bytes((len(value) + 1, kind)) + value)

    if flags is not None:
        field(0x01, bytes((flags,)))
    if name is not None:
        field(0x09, name.encode())
    for uuid in services:
        data = bytes(uuid)
        field({2: 0x03, 4: 0x05, 16: 0x07}[len(data)], data)
    return bytes(out)


class Air:
    """A private mpble-air on a socket in a temporary directory."""

    def __init__(self, timing="fast"):
        self.dir = tempfile.mkdtemp(prefix="mpble-test-")
        self.socket = os.path.join(self.dir, "air.sock")
        self.log = open(os.path.join(self.dir, "air.log"), "wb")
        self.proc = subprocess.Popen(
            [str(AIR_BIN), "--socket", self.socket, "--timing", timing, "--seed", "1",
             "--exit-when-idle", "30"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + WAIT
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mpble-air did not start; log: " + self.log_text())
            time.sleep(0.01)
        self.uri = "unix:" + self.socket

    def log_text(self):
        with open(os.path.join(self.dir, "air.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(WAIT)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def capture_path(test, role):
    """Where a btsnoop capture of this test's device `role` goes: a file in
    $MPBLE_TEST_CAPTURES (the test runner dissects them all with tshark), or None."""
    folder = os.environ.get("MPBLE_TEST_CAPTURES")
    if not folder:
        return None
    return os.path.join(folder, "%s-%s.btsnoop" % (test.id(), role))


def capture(test, role):
    """Captures this process's HCI traffic (MPBLE_SNOOP) for the rest of the test."""
    path = capture_path(test, role)
    if path is None:
        return
    saved = os.environ.get("MPBLE_SNOOP")
    os.environ["MPBLE_SNOOP"] = path

    def restore():
        if saved is None:
            os.environ.pop("MPBLE_SNOOP", None)
        else:
            os.environ["MPBLE_SNOOP"] = saved
    test.addCleanup(restore)


class Child:
    """A Python child process running script on the same air; reads its stdout by line."""

    def __init__(self, script, air, capture=None):
        env = dict(os.environ, PYTHONPATH=PYTHONPATH, MPBLE_HCI=air.uri)
        env.pop("MPBLE_SNOOP", None)
        if capture:
            env["MPBLE_SNOOP"] = capture
        self.proc = subprocess.Popen([sys.executable, "-u", "-c", script], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.buffer = b""
        self.done = False

    def readline(self, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise TimeoutError("no line from child; stderr: " + self.stderr())
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise EOFError("child exited; stderr: " + self.stderr())
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def wait(self, timeout=WAIT):
        """Waits for the child to exit; returns (returncode, stderr text)."""
        out, err = self.proc.communicate(timeout=timeout)
        self.done = True
        return self.proc.returncode, err.decode(errors="replace")

    def stderr(self):
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read().decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        if not self.done:
            self.proc.communicate(timeout=WAIT)
            self.done = True


class Events:
    """An IRQ handler recording (event, data) with memoryviews copied to bytes."""

    def __init__(self, on_event=None):
        self.cond = threading.Condition()
        self.events = []
        self.on_event = on_event

    def __call__(self, event, data):
        copied = tuple(bytes(x) if isinstance(x, memoryview) else x for x in data)
        with self.cond:
            self.events.append((event, copied))
            self.cond.notify_all()
        if self.on_event is not None:
            self.on_event(event, data)

    def of(self, event):
        with self.cond:
            return [d for e, d in self.events if e == event]

    def wait_for(self, event, count=1, timeout=WAIT):
        """Waits until count events of this kind arrived; returns their data."""
        with self.cond:
            self.cond.wait_for(lambda: len([1 for e, _ in self.events if e == event]) >= count,
                               timeout)
        found = self.of(event)
        if len(found) < count:
            raise TimeoutError("event %d: %d of %d within %gs" % (event, len(found), count, timeout))
        return found


class AirTestCase(unittest.TestCase):
    """A test class with its own air (MPBLE_HCI points at it) and an inactive BLE after
    every test."""

    timing = "fast"

    @classmethod
    def setUpClass(cls):
        if not AIR_BIN.exists():
            raise RuntimeError("%s is not built: run make" % AIR_BIN)
        cls.air = Air(cls.timing)
        cls.saved_hci = os.environ.get("MPBLE_HCI")
        os.environ["MPBLE_HCI"] = cls.air.uri

    @classmethod
    def tearDownClass(cls):
        if cls.saved_hci is None:
            os.environ.pop("MPBLE_HCI", None)
        else:
            os.environ["MPBLE_HCI"] = cls.saved_hci
        cls.air.stop()

    def setUp(self):
        self.ble = bluetooth.BLE()
        self.children = []
        self.addCleanup(self.cleanup)
        capture(self, "self")

    def cleanup(self):
        self.ble.irq(None)
        self.ble.active(False)
        for child in self.children:
            child.kill()

    def child(self, script):
        c = Child(script, self.air, capture_path(self, "child%d" % len(self.children)))
        self.children.append(c)
        return c
