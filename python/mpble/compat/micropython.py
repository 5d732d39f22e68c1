"""The `micropython` module for CPython.

`schedule(func, arg)` keeps MicroPython's contract: func(arg) runs soon, on the
main thread, between Python instructions (also in the middle of `time.sleep_ms`),
never nested inside another scheduled function, in the order scheduled, from a
queue of SCHEDULE_DEPTH entries (full: RuntimeError("schedule queue full")).
CPython has no public pending-call hook, so the queue is drained by a Python
signal handler: scheduling sends SCHEDULE_SIGNAL (SIGUSR1) to the main thread,
whose handler CPython runs on the main thread at the next instruction boundary,
interrupting and then resuming a sleep. `install()` (on the main thread) sets the
handler; a program must then leave SIGUSR1 to it."""
import collections
import gc
import signal
import threading

from mpble.compat.mpsys import print_exception

SCHEDULE_DEPTH = 8
SCHEDULE_SIGNAL = signal.SIGUSR1

_queue = collections.deque()
_lock = threading.Lock()
_draining = False
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
    if not callable(func):
        raise TypeError("function not callable")
    with _lock:
        if len(_queue) >= SCHEDULE_DEPTH:
            raise RuntimeError("schedule queue full")
        _queue.append((func, arg))
    signal.pthread_kill(threading.main_thread().ident, SCHEDULE_SIGNAL)


def _drain(signum=None, frame=None):
    """Runs the queued functions (the signal handler). A signal arriving while a
    scheduled function runs finds _draining set: the outer loop picks its entry up.
    An exception in a function is printed and the rest still run, as MicroPython's
    scheduler does."""
    global _draining
    if _draining:
        return
    _draining = True
    try:
        while True:
            with _lock:
                if not _queue:
                    return
                func, arg = _queue.popleft()
            try:
                func(arg)
            except Exception as exc:  # noqa: BLE001 - reported like MicroPython
                print_exception(exc)
    finally:
        _draining = False


def install():
    """Sets the signal handler that drains the schedule queue (main thread only)."""
    signal.signal(SCHEDULE_SIGNAL, _drain)
