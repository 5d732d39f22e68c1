"""MicroPython's additions to `time`: millisecond/microsecond sleeps and the
wrapping tick counters.

Ticks count from an arbitrary origin and wrap at TICKS_PERIOD (2**30, as on
MicroPython's ports), so only `ticks_diff` and `ticks_add` give meaningful
results on them."""
import time

TICKS_PERIOD = 1 << 30
_TICKS_MAX = TICKS_PERIOD - 1
_TICKS_HALF = TICKS_PERIOD // 2


def sleep_ms(ms):
    """Sleeps ms milliseconds (a negative value sleeps not at all)."""
    time.sleep(max(0, ms) / 1000)


def sleep_us(us):
    """Sleeps us microseconds (a negative value sleeps not at all)."""
    time.sleep(max(0, us) / 1_000_000)


def ticks_ms():
    return (time.monotonic_ns() // 1_000_000) & _TICKS_MAX


def ticks_us():
    return (time.monotonic_ns() // 1_000) & _TICKS_MAX


def ticks_cpu():
    """The finest counter available: nanoseconds of the performance clock."""
    return time.perf_counter_ns() & _TICKS_MAX


def ticks_diff(ticks1, ticks2):
    """The signed difference ticks1 - ticks2 modulo the period, in
    [-TICKS_PERIOD/2, TICKS_PERIOD/2)."""
    return ((ticks1 - ticks2 + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


def ticks_add(ticks, delta):
    """ticks + delta modulo the period; like MicroPython, a delta outside
    [-TICKS_PERIOD/2, TICKS_PERIOD/2) is an OverflowError."""
    if not -_TICKS_HALF <= delta < _TICKS_HALF:
        raise OverflowError("ticks interval overflow")
    return (ticks + delta) & _TICKS_MAX


NAMES = ("sleep_ms", "sleep_us", "ticks_ms", "ticks_us", "ticks_cpu", "ticks_diff",
         "ticks_add")


def install():
    """Adds the names to CPython's own `time` module."""
    for name in NAMES:
        setattr(time, name, globals()[name])
