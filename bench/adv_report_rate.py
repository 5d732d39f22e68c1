"""Advertising reports per second one observer receives from one advertiser, through
the whole stack (bluetooth module -> host -> mpble-air in real timing -> host), beside
what the air's model predicts: one report per advertising event, an event every
advInterval plus a random 0-10 ms advDelay (5 ms on average).

usage: PYTHONPATH=build/python python3 bench/adv_report_rate.py [SECONDS] [INTERVAL_MS]"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import bluetooth

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
INTERVAL_MS = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
AIR_BIN = Path(bluetooth.__file__).resolve().parent.parent / "bin" / "mpble-air"

ADVERTISER = """
import bluetooth, sys
ble = bluetooth.BLE()
ble.active(True)
print(repr(ble.config("mac")[1]), flush=True)
ble.gap_advertise(%d, b"\\x02\\x01\\x06\\x05\\x09rate")
sys.stdin.readline()
"""


def main():
    tmp = tempfile.mkdtemp(prefix="mpble-bench-")
    sock = os.path.join(tmp, "air.sock")
    air = subprocess.Popen([str(AIR_BIN), "--socket", sock, "--timing", "real", "--seed", "7"],
                           stderr=subprocess.DEVNULL)
    while not os.path.exists(sock):
        time.sleep(0.01)
    os.environ["MPBLE_HCI"] = "unix:" + sock
    adv = subprocess.Popen([sys.executable, "-u", "-c", ADVERTISER % (INTERVAL_MS * 1000)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    peer = eval(adv.stdout.readline())

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
    adv.stdin.close()
    adv.wait(10)
    air.terminate()
    air.wait(10)

    model = 1000.0 / (INTERVAL_MS + 5.0)
    print(f"advertising interval       {INTERVAL_MS:.1f} ms, scan window = interval = "
          f"{window_us / 1000:.0f} ms, real timing, {SECONDS:.0f} s")
    print(f"reports received           {count} in {elapsed:.2f} s")
    print(f"reports per second         {count / elapsed:.1f}")
    print(f"air model (1 per event)    {model:.1f} per second")


if __name__ == "__main__":
    main()
