"""`mpble run A.py [B.py ...]`: each script a device in its own process on one air,
its output prefixed with its name; the status is the worst of the devices'."""
import os
import subprocess
import sys
import threading
import time

from mpble import spawn
from mpble.air import PrivateAir

STOP_GRACE = 3.0  # seconds a device gets to end after SIGINT
TIMEOUT_STATUS = 124


def device_names(scripts):
    """[A] for A.py; a name used more than once gets #1, #2, ..."""
    stems = [os.path.splitext(os.path.basename(s))[0] for s in scripts]
    return [stem if stems.count(stem) == 1 else "%s#%d" % (stem, stems[:i + 1].count(stem))
            for i, stem in enumerate(stems)]


class Printer:
    """Copies lines from device pipes to our stdout/stderr, whole lines at a time."""

    def __init__(self):
        self.lock = threading.Lock()

    def pump(self, pipe, prefix, out):
        for line in iter(pipe.readline, b""):
            text = line.decode(errors="replace").rstrip("\n")
            with self.lock:
                out.write("%s %s\n" % (prefix, text))
                out.flush()
        pipe.close()


def run_devices(scripts, hci, timeout=None):
    """Runs every script as a device on hci; returns the worst exit status."""
    printer = Printer()
    procs, pumps = [], []
    for script, name in zip(scripts, device_names(scripts)):
        proc = spawn.start("mpble.device", [script], hci, name,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs.append(proc)
        for pipe, out in ((proc.stdout, sys.stdout), (proc.stderr, sys.stderr)):
            pump = threading.Thread(target=printer.pump, args=(pipe, "[%s]" % name, out),
                                    daemon=True)
            pump.start()
            pumps.append(pump)
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    try:
        while any(p.poll() is None for p in procs):
            if deadline is not None and time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(0.02)
    except KeyboardInterrupt:
        pass  # the devices get SIGINT below and report their own status
    finally:
        statuses = [spawn.exit_status(spawn.stop(p, STOP_GRACE)) for p in procs]
        for pump in pumps:
            pump.join(STOP_GRACE)
    if timed_out:
        print("mpble run: timed out after %g s" % timeout, file=sys.stderr)
        return TIMEOUT_STATUS
    return max(statuses)


def main(args):
    if args.air:
        return run_devices(args.scripts, args.air, args.timeout)
    with PrivateAir(args.timing, args.seed) as air:
        return run_devices(args.scripts, air.uri, args.timeout)
