"""The `micropython` module for CPython.

`schedule(func, arg)` keeps MicroPython's contract: func(arg) runs soon, on the
main thread, between Python instructions (also in the middle of `time.sleep_ms`),
never nested inside another scheduled function or a BLE event handler, in the
order scheduled, from a queue of SCHEDULE_DEPTH entries (full: RuntimeError("schedule queue
full")). The queue is the `bluetooth` module's: the scheduler that runs the BLE
handlers on the main thread runs these functions too (see the README), and an
exception in one is printed and the rest still run, as MicroPython's does."""
import gc

import bluetooth

SCHEDULE_DEPTH = 8  # the bluetooth module's queue (MicroPython's depth on its ports)
_opt_level = 0


def const(value):
    """MicroPython's compile-time constant marker: the value itself."""
    return value


def native(func):
    """Code-emitter decorator: a no-op on CPython."""
    return func


viper = native


def alloc_emergency_exception_buf(size):
    """Nothing to reserve on CPython."""


def opt_level(level=None):
    """Gets or sets the optimisation level (recorded, without effect on CPython)."""
    global _opt_level
    if level is None:
        return _opt_level
    _opt_level = int(level)
    return None


def mem_info(verbose=False):
    """Prints a summary in the spirit of MicroPython's (CPython's GC counts)."""
    counts = gc.get_count()
    print("GC: gen0 %d gen1 %d gen2 %d objects %d" % (counts + (len(gc.get_objects()),)))
    if verbose:
        print("GC thresholds:", gc.get_threshold())


def schedule(func, arg):
    """Queues func(arg) to run soon on the main thread; callable from any thread."""
    bluetooth._schedule(func, arg)
