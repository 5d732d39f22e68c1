"""mpble.compat: MicroPython's names on CPython (ticks, const, schedule,
ThreadSafeFlag, machine, aliases)."""
import asyncio
import io
import sys
import threading
import time
import unittest

import mpble.compat
from mpble.compat import mptime

mpble.compat.install()

import machine  # noqa: E402 - provided by install()
import micropython  # noqa: E402

PERIOD = 1 << 30


class TicksTest(unittest.TestCase):
    def test_ticks_are_within_the_period(self):
        for ticks in (time.ticks_ms, time.ticks_us, time.ticks_cpu):
            self.assertTrue(0 <= ticks() < PERIOD)

    def test_diff_is_signed_and_modular(self):
        self.assertEqual(time.ticks_diff(5, 3), 2)
        self.assertEqual(time.ticks_diff(3, 5), -2)
        self.assertEqual(time.ticks_diff(1, PERIOD - 1), 2)  # across the wrap
        self.assertEqual(time.ticks_diff(PERIOD - 1, 1), -2)
        self.assertEqual(time.ticks_diff(PERIOD // 2, 0), -PERIOD // 2)
        self.assertEqual(time.ticks_diff(PERIOD // 2 - 1, 0), PERIOD // 2 - 1)

    def test_add_wraps_and_checks_the_delta(self):
        self.assertEqual(time.ticks_add(PERIOD - 1, 2), 1)
        self.assertEqual(time.ticks_add(1, -2), PERIOD - 1)
        with self.assertRaises(OverflowError):
            time.ticks_add(0, PERIOD // 2)
        self.assertEqual(time.ticks_add(0, -PERIOD // 2), PERIOD // 2)

    def test_sleep_ms_and_ticks_ms_agree(self):
        start = time.ticks_ms()
        time.sleep_ms(20)
        self.assertTrue(20 <= time.ticks_diff(time.ticks_ms(), start) < 1000)
        self.assertIs(time.sleep_us, mptime.sleep_us)


class MicropythonTest(unittest.TestCase):
    def test_const_and_decorators(self):
        self.assertEqual(micropython.const(42), 42)
        self.assertIs(micropython.native(len), len)
        self.assertIs(micropython.viper(len), len)
        micropython.alloc_emergency_exception_buf(100)
        micropython.opt_level(2)
        self.assertEqual(micropython.opt_level(), 2)
        micropython.opt_level(0)

    def test_schedule_runs_on_the_main_thread_during_a_sleep(self):
        ran = []
        thread = threading.Thread(target=micropython.schedule,
                                  args=(lambda arg: ran.append((arg, threading.current_thread())),
                                        7))
        thread.start()
        thread.join(5)
        deadline = time.monotonic() + 5
        while not ran and time.monotonic() < deadline:
            time.sleep_ms(1)
        self.assertEqual(ran, [(7, threading.main_thread())])

    def test_schedule_queue_is_bounded_and_never_nests(self):
        # Inside a scheduled function nothing else scheduled runs, so the queue fills.
        seen = []

        def fill(_):
            try:
                for i in range(micropython.SCHEDULE_DEPTH + 1):
                    micropython.schedule(seen.append, i)
            except RuntimeError as exc:
                seen.append(str(exc))
            seen.append("fill done")
        micropython.schedule(fill, None)
        deadline = time.monotonic() + 5
        while len(seen) < micropython.SCHEDULE_DEPTH + 2 and time.monotonic() < deadline:
            time.sleep_ms(1)
        self.assertEqual(seen[:2], ["schedule queue full", "fill done"])
        self.assertEqual(seen[2:], list(range(micropython.SCHEDULE_DEPTH)))
        with self.assertRaises(TypeError):
            micropython.schedule(5, None)


class MachineSysTest(unittest.TestCase):
    def test_unique_id_is_stable_bytes(self):
        self.assertIsInstance(machine.unique_id(), bytes)
        self.assertEqual(machine.unique_id(), machine.unique_id())

    def test_print_exception(self):
        out = io.StringIO()
        try:
            raise ValueError("boom")
        except ValueError as exc:
            sys.print_exception(exc, out)
        self.assertIn("ValueError: boom", out.getvalue())
        self.assertIn("Traceback", out.getvalue())

    def test_u_aliases_are_the_modules(self):
        import struct
        import ustruct
        import utime
        import uasyncio
        self.assertIs(ustruct, struct)
        self.assertIs(utime, time)
        self.assertIs(uasyncio, asyncio)
        self.assertEqual(struct.__name__, "struct")
        self.assertEqual(struct.__spec__.name, "struct")


class AsyncioTest(unittest.TestCase):
    def test_thread_safe_flag_set_from_a_thread_wakes_the_task_at_once(self):
        async def main():
            flag = asyncio.ThreadSafeFlag()
            stamps = {}

            def setter():
                time.sleep(0.05)
                stamps["set"] = time.monotonic()
                flag.set()
            threading.Thread(target=setter).start()
            await asyncio.wait_for_ms(flag.wait(), 5000)
            return time.monotonic() - stamps["set"]
        latency = asyncio.run(main())
        self.assertLess(latency, 0.02)

    def test_flag_set_before_wait_returns_at_once_and_clears(self):
        async def main():
            flag = asyncio.ThreadSafeFlag()
            flag.set()
            await asyncio.wait_for_ms(flag.wait(), 100)
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for_ms(flag.wait(), 50)
        asyncio.run(main())

    def test_sleep_ms(self):
        async def main():
            start = time.monotonic()
            await asyncio.sleep_ms(20)
            return time.monotonic() - start
        self.assertGreaterEqual(asyncio.run(main()), 0.019)


if __name__ == "__main__":
    unittest.main()
