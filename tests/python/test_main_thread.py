"""Where handlers run (micropython-semantics.md 5.5, 10.2): on the main thread, never
beside the main program, between its bytecodes and inside its waits, in a plain
CPython program (this one: it imports bluetooth, nothing else) and under
`mpble run` with MicroPython's waits. The event each wait meets is the SCAN_DONE of
a 20 ms scan, which the host's loop thread raises when the scan's time is up."""

import asyncio
import os
import select
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

from . import support
from .support import IRQ_SCAN_DONE

SCAN_MS = 20
WAIT_S = 1.0  # each wait's length: the handler must have run well inside it


class PlainCPython(support.AirTestCase):
    def setUp(self):
        super().setUp()
        self.calls = []  # (thread ident, monotonic time) of each SCAN_DONE
        self.ble.irq(self.irq)
        self.ble.active(True)

    def irq(self, event, data):
        if event == IRQ_SCAN_DONE:
            self.calls.append((threading.get_ident(), time.monotonic()))

    def during(self, wait):
        """Starts a scan, runs wait(); asserts SCAN_DONE came once, on the main thread,
        while the wait was still on."""
        self.calls.clear()
        self.ble.gap_scan(SCAN_MS)
        wait()
        end = time.monotonic()
        self.assertEqual(len(self.calls), 1)
        ident, when = self.calls[0]
        self.assertEqual(ident, threading.main_thread().ident)
        self.assertLess(when, end - WAIT_S / 2)

    def test_sleep(self):
        self.during(lambda: time.sleep(WAIT_S))

    def test_select(self):
        self.during(lambda: select.select([], [], [], WAIT_S))

    def test_event_wait_with_timeout(self):
        self.during(lambda: threading.Event().wait(WAIT_S))

    def test_bytecode_boundaries(self):
        def spin():
            end = time.monotonic() + WAIT_S
            while time.monotonic() < end:
                pass
        self.during(spin)

    def test_asyncio_sleep(self):
        self.during(lambda: asyncio.run(asyncio.sleep(WAIT_S)))

    def test_asyncio_event_set_by_the_handler_wakes_its_task(self):
        """The handler runs inside the event loop's wait; the task it wakes runs at
        once (the module wakes the loop), not when the loop's timeout ends."""
        async def main():
            done = asyncio.Event()
            self.ble.irq(lambda event, data: done.set() if event == IRQ_SCAN_DONE else None)
            start = time.monotonic()
            self.ble.gap_scan(SCAN_MS)
            await asyncio.wait_for(done.wait(), 10)
            return time.monotonic() - start
        self.assertLess(asyncio.run(main()), WAIT_S / 2)

    def test_blocking_read_delivers_after_it(self):
        """As on MicroPython, nothing is delivered while the main thread is blocked
        in a plain read: the event comes once the read returns."""
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        self.addCleanup(os.close, w)
        written = []
        threading.Timer(WAIT_S, lambda: (written.append(time.monotonic()),
                                         os.write(w, b"x"))).start()
        self.calls.clear()
        self.ble.gap_scan(SCAN_MS)
        os.read(r, 1)
        time.sleep(0.05)
        self.assertEqual(len(self.calls), 1)
        self.assertGreaterEqual(self.calls[0][1], written[0])


# Under `mpble run`: each of MicroPython's waits, then the answer for each.
WAITS_SCRIPT = textwrap.dedent("""
    import _thread, asyncio, bluetooth, machine, time

    MAIN = _thread.get_ident()
    SCAN_DONE = 6
    ble = bluetooth.BLE()
    seen = []

    def irq(event, data):
        if event == SCAN_DONE:
            seen.append((_thread.get_ident() == MAIN, time.ticks_ms()))
            if flag is not None:
                flag.set()

    flag = None
    ble.irq(irq)
    ble.active(True)

    def check(name, wait, scan_ms=20):
        seen.clear()
        ble.gap_scan(scan_ms)
        woke = wait()
        end = time.ticks_ms()
        ok = len(seen) == 1 and seen[0][0] and time.ticks_diff(end, seen[0][1]) > 300
        if woke is not None:  # a task the handler woke ran at once
            ok = ok and time.ticks_diff(woke, seen[0][1]) < 200
        print(name, "main thread, inside the wait:", ok)

    def spin(step):
        end = time.ticks_add(time.ticks_ms(), 1000)
        while time.ticks_diff(end, time.ticks_ms()) > 0:
            step()

    async def woken():
        await asyncio.wait_for_ms(flag.wait(), 5000)
        woke = time.ticks_ms()
        await asyncio.sleep_ms(700)  # the wait goes on after the event
        return woke

    def set_by_handler(kind):
        global flag
        flag = kind()
        try:
            return asyncio.run(woken())
        finally:
            flag = None

    check("sleep_ms", lambda: time.sleep_ms(1000))
    check("sleep_us", lambda: spin(lambda: time.sleep_us(100)))
    check("sleep", lambda: time.sleep(1))
    check("idle", lambda: spin(machine.idle))
    check("lightsleep", lambda: machine.lightsleep(1000))
    check("asyncio.sleep", lambda: asyncio.run(asyncio.sleep(1)))
    check("asyncio.sleep_ms", lambda: asyncio.run(asyncio.sleep_ms(1000)))
    # The scan ends once the task waits.
    check("ThreadSafeFlag", lambda: set_by_handler(asyncio.ThreadSafeFlag), 200)
    check("Event", lambda: set_by_handler(asyncio.Event), 200)
    ble.active(False)
""")


class UnderMpbleRun(unittest.TestCase):
    def test_every_micropython_wait(self):
        with tempfile.TemporaryDirectory() as folder:
            script = os.path.join(folder, "waits.py")
            with open(script, "w") as f:
                f.write(WAITS_SCRIPT)
            proc = subprocess.run([sys.executable, "-m", "mpble", "run", "--timing", "fast",
                                   "--timeout", "60", script], env=dict(
                                       os.environ, PYTHONPATH=support.PYTHONPATH),
                                  capture_output=True, text=True, timeout=90)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        lines = [line.split("] ", 1)[1] for line in proc.stdout.splitlines()]
        names = ["sleep_ms", "sleep_us", "sleep", "idle", "lightsleep", "asyncio.sleep",
                 "asyncio.sleep_ms", "ThreadSafeFlag", "Event"]
        self.assertEqual(lines, ["%s main thread, inside the wait: True" % n for n in names])


if __name__ == "__main__":
    unittest.main()
