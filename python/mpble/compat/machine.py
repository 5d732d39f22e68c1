"""The parts of MicroPython's `machine` module a BLE program on a PC can use.

`reset()` and `soft_reset()` end the device's process at once with exit status
RESET_STATUS (after flushing stdout and stderr), so a runner such as
`mpble run` can tell a reset from an ordinary exit or an error."""
import hashlib
import os
import signal
import socket
import sys
import time

RESET_STATUS = 86

_unique_id = None


def idle():
    """Waits for the next "interrupt": here, up to a millisecond, in which BLE
    events and scheduled functions run (as inside every sleep)."""
    time.sleep(0.001)


def lightsleep(time_ms=None):
    """Sleeps time_ms milliseconds, or without one until the next BLE event or
    scheduled function has run; they run during the sleep, as on a board that
    wakes for them."""
    if time_ms is None:
        signal.pause()
    else:
        time.sleep(max(0, time_ms) / 1000)


def deepsleep(time_ms=None):
    """A board wakes from deep sleep by resetting: lightsleep, then reset()."""
    lightsleep(time_ms)
    reset()


def unique_id():
    """8 bytes, stable for the life of the process: a hash of the host name,
    the device name given by `mpble run` ($MPBLE_DEVICE) and the process id."""
    global _unique_id
    if _unique_id is None:
        seed = "%s/%s/%d" % (socket.gethostname(), os.environ.get("MPBLE_DEVICE", ""),
                             os.getpid())
        _unique_id = hashlib.sha256(seed.encode()).digest()[:8]
    return _unique_id


def reset():
    """Ends the process with RESET_STATUS (nothing survives, as on a board)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(RESET_STATUS)


soft_reset = reset
