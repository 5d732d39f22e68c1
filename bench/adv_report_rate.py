"""Advertising reports per second one observer receives from one advertiser, through
the whole stack (bluetooth module -> host -> mpble-air in real timing -> host), beside
what the air's model predicts: one report per advertising event, an event every
advInterval plus a random 0-10 ms advDelay (5 ms on average).

usage: PYTHONPATH=build/python python3 bench/adv_report_rate.py [SECONDS] [INTERVAL_MS]"""

import os
import subprocess
import sys
import threading
import time

import bluetooth
from mpble.air import PrivateAir  # stops its air on success and on failure

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
INTERVAL_MS = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0

ADVERTISER = """
import bluetooth, sys
ble = bluetooth.BLE()
ble.active(True)
print(repr(ble.config("mac")[1]), flush=True)
ble.gap_advertise(%d, b"\\x02\\x01\\x06\\x05\\x09rate")
sys.stdin.readline()
"""


def main():
    with PrivateAir("real", 7) as air:
        os.environ["MPBLE_HCI"] = air.uri
        adv = subprocess.Popen([sys.executable, "-u", "-c", ADVERTISER % (INTERVAL_MS * 1000)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            count, elapsed, window_us = observe(eval(adv.stdout.readline()))
        finally:
            adv.stdin.close()
            try:
                adv.wait(10)
            except subprocess.TimeoutExpired:
                adv.kill()
                adv.wait()

    model = 1000.0 / (INTERVAL_MS + 5.0)
    print(f"advertising interval       {INTERVAL_MS:.1f} ms, scan window = interval = "
          f"{window_us / 1000:.0f} ms, real timing, {SECONDS:.0f} s")
    print(f"reports received           {count} in {elapsed:.2f} s")
    print(f"reports per second         {count / elapsed:.1f}")
    print(f"air model (1 per event)    {model:.1f} per second")


def observe(peer):
    """Scans for SECONDS; returns the reports from peer, the time, the window."""
    count = 0
    done = threading.Event()

    def irq(event, data):
        nonlocal count
        if event == 5 and bytes(data[1]) == peer:
            count += 1
        elif event == 6:
            done.set()

    ble = bluetooth.BLE()
    ble.irq(irq)
    ble.active(True)
    window_us = 100_000
    t0 = time.monotonic()
    ble.gap_scan(int(SECONDS * 1000), window_us, window_us)
    done.wait(SECONDS + 10)
    elapsed = time.monotonic() - t0
    ble.active(False)
    return count, elapsed, window_us

if __name__ == "__main__":
    main()
