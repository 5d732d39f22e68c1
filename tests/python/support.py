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
    """An IRQ handler recording (event, data) with memoryviews copied to bytes; the
    handler's result is on_event's."""

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
            return self.on_event(event, data)
        return None

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
    def make_air(cls):
        """The controllers' home for this class: a private air (btvirt in interop)."""
        if not AIR_BIN.exists():
            raise RuntimeError("%s is not built: run make" % AIR_BIN)
        return Air(cls.timing)

    @classmethod
    def setUpClass(cls):
        cls.air = cls.make_air()
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


# ---- connections and GATT ----

IRQ_CENTRAL_CONNECT = 1
IRQ_CENTRAL_DISCONNECT = 2
IRQ_GATTS_WRITE = 3
IRQ_GATTS_READ_REQUEST = 4
IRQ_PERIPHERAL_CONNECT = 7
IRQ_PERIPHERAL_DISCONNECT = 8
IRQ_GATTC_SERVICE_RESULT = 9
IRQ_GATTC_SERVICE_DONE = 10
IRQ_GATTC_CHARACTERISTIC_RESULT = 11
IRQ_GATTC_CHARACTERISTIC_DONE = 12
IRQ_GATTC_DESCRIPTOR_RESULT = 13
IRQ_GATTC_DESCRIPTOR_DONE = 14
IRQ_GATTC_READ_RESULT = 15
IRQ_GATTC_READ_DONE = 16
IRQ_GATTC_WRITE_DONE = 17
IRQ_GATTC_NOTIFY = 18
IRQ_GATTC_INDICATE = 19
IRQ_GATTS_INDICATE_DONE = 20
IRQ_MTU_EXCHANGED = 21

# The reference's HR + UART example, and a service whose characteristics have
# descriptors; run in this process (GATT below) and in every Peer.
SERVICES_SRC = """
from bluetooth import UUID, FLAG_READ, FLAG_WRITE, FLAG_WRITE_NO_RESPONSE, FLAG_NOTIFY, FLAG_INDICATE
HR_UUID = UUID(0x180D)
HR_CHAR = (UUID(0x2A37), FLAG_READ | FLAG_NOTIFY,)
HR_SERVICE = (HR_UUID, (HR_CHAR,),)
UART_UUID = UUID('6E400001-B5A3-F393-E0A9-E50E24DCCA9E')
UART_TX = (UUID('6E400003-B5A3-F393-E0A9-E50E24DCCA9E'), FLAG_READ | FLAG_NOTIFY,)
UART_RX = (UUID('6E400002-B5A3-F393-E0A9-E50E24DCCA9E'), FLAG_WRITE,)
UART_SERVICE = (UART_UUID, (UART_TX, UART_RX,),)
SERVICES = (HR_SERVICE, UART_SERVICE,)
BAT_UUID = UUID(0x180F)
BAT_LEVEL = (UUID(0x2A19), FLAG_READ | FLAG_WRITE | FLAG_NOTIFY | FLAG_INDICATE,
             ((UUID(0x2901), FLAG_READ), (UUID(0x2904), FLAG_READ | FLAG_WRITE)))
BAT_NOTE = (UUID(0x2A1A), FLAG_READ | FLAG_WRITE | FLAG_WRITE_NO_RESPONSE, ((UUID(0x2901), FLAG_READ),))
BAT_SERVICE = (BAT_UUID, (BAT_LEVEL, BAT_NOTE))
ALL_SERVICES = SERVICES + (BAT_SERVICE,)
ADV = b"\\x02\\x01\\x06"
"""

_defs = {}
exec(SERVICES_SRC, _defs)
GATT = type("GATT", (), {k: v for k, v in _defs.items() if k.isupper()})

# A device in a child process driven line by line: each stdin line is the repr of
# Python source, run there (an expression's value comes back); every event comes back
# as it happens. hooks[code] = fn(data) runs inside the handler; its result is the
# handler's.
PEER_SCRIPT = SERVICES_SRC + r"""
import bluetooth, os, select, sys
ble = bluetooth.BLE()
hooks = {}

# Handlers run on the main thread, between its bytecodes (here too): one write a line.
def out(kind, value):
    sys.stdout.write("%s %r\n" % (kind, value))

def irq(event, data):
    out("EV", (event, tuple(bytes(x) if isinstance(x, memoryview) else x for x in data)))
    hook = hooks.get(event)
    return hook(data) if hook is not None else None

def advertise():
    ble.gap_advertise(20000, ADV)

# Lines from stdin, waited for in select: handlers run during that wait (not during a
# blocking read, as on MicroPython).
def commands():
    buf = b""
    while True:
        while b"\n" not in buf:
            select.select([0], [], [])
            chunk = os.read(0, 65536)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        yield line

ble.irq(irq)
ble.active(True)
out("RET", ble.config("mac"))
for line in commands():
    src = eval(line)
    try:
        try:
            code = compile(src, "<peer>", "eval")
        except SyntaxError:
            exec(compile(src, "<peer>", "exec"), globals())
            result = None
        else:
            result = eval(code, globals())
        out("RET", result)
    except Exception as e:
        out("EXC", (type(e).__name__, e.args))
"""


class PeerError(Exception):
    """An exception in code a Peer ran: args are (type name, the exception's args)."""


class Peer:
    """A BLE device in a child process (PEER_SCRIPT), active, with its handler set.
    mac is its config('mac'); events the (code, data) it received, memoryviews as
    bytes, UUIDs as UUIDs."""

    def __init__(self, test):
        self.child = test.child(PEER_SCRIPT)
        self.events = []
        kind, self.mac = self._read(WAIT)
        assert kind == "RET", kind

    def _read(self, timeout):
        line = self.child.readline(timeout)
        kind, _, rest = line.partition(" ")
        value = eval(rest, {"UUID": bluetooth.UUID})
        if kind == "EV":
            self.events.append(value)
        return kind, value

    def run(self, src, timeout=WAIT):
        """Runs src there; returns an expression's value, raises PeerError."""
        self.child.proc.stdin.write((repr(src) + "\n").encode())
        self.child.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            kind, value = self._read(max(0.0, deadline - time.monotonic()))
            if kind == "RET":
                return value
            if kind == "EXC":
                raise PeerError(*value)

    def of(self, event):
        return [d for e, d in self.events if e == event]

    def wait_for(self, event, count=1, timeout=WAIT):
        """Waits until count events of this kind arrived; returns their data."""
        deadline = time.monotonic() + timeout
        while len(self.of(event)) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("peer event %d: %d of %d within %gs"
                                   % (event, len(self.of(event)), count, timeout))
            kind, value = self._read(left)
            if kind != "EV":
                raise AssertionError("unexpected %s %r from peer" % (kind, value))
        return self.of(event)


class ConnTestCase(AirTestCase):
    """AirTestCase with peers and connection helpers; self.events records this
    device's events once start() ran."""

    def peer(self):
        return Peer(self)

    def start(self, on_event=None):
        """Activates this device with an Events recorder as its handler."""
        self.events = Events(on_event)
        self.ble.irq(self.events)
        self.ble.active(True)
        return self.events

    def connect(self, peer):
        """Connects to peer (which starts advertising); returns (conn here, conn
        there), the latter also as the name conn in the peer."""
        mine, theirs = len(self.events.of(IRQ_PERIPHERAL_CONNECT)) + 1, len(peer.of(IRQ_CENTRAL_CONNECT)) + 1
        peer.run("advertise()")
        self.ble.gap_connect(*peer.mac)
        conn, addr_type, addr = self.events.wait_for(IRQ_PERIPHERAL_CONNECT, mine)[-1]
        self.assertEqual((addr_type, addr), peer.mac)
        peer_conn = peer.wait_for(IRQ_CENTRAL_CONNECT, theirs)[-1][0]
        peer.run("conn = %d" % peer_conn)
        return conn, peer_conn

    def accept(self, peer):
        """The reverse: peer connects to this advertising device."""
        mine, theirs = len(self.events.of(IRQ_CENTRAL_CONNECT)) + 1, len(peer.of(IRQ_PERIPHERAL_CONNECT)) + 1
        mac = self.ble.config("mac")
        self.ble.gap_advertise(20000, GATT.ADV)
        peer.run("ble.gap_connect(*%r)" % (mac,))
        conn, addr_type, addr = self.events.wait_for(IRQ_CENTRAL_CONNECT, mine)[-1]
        self.assertEqual((addr_type, addr), peer.mac)
        peer_conn, addr_type, addr = peer.wait_for(IRQ_PERIPHERAL_CONNECT, theirs)[-1]
        self.assertEqual((addr_type, addr), mac)
        peer.run("conn = %d" % peer_conn)
        return conn, peer_conn
