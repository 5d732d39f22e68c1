#!/usr/bin/env python3
"""Advertising report rate through mpble-air over its Unix socket.

Starts an air (real timing) on a temporary socket, connects an advertiser
(ADV_NONCONN_IND every 20 ms) and a passive observer, and prints the advertising
reports per second the observer's host receives, with the scan window equal to
the scan interval and with a window of a tenth of it. Expected: about
1 / (20 ms + 5 ms mean advDelay) = 40/s, and about a tenth of that.

usage: bench/air_adv_rate.py [--air build/bin/mpble-air] [--seconds 5]
"""
import argparse
import os
import select
import socket
import struct
import subprocess
import tempfile
import time


class Host:
    """A minimal HCI host over H4 on a stream socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""

    def packets(self, timeout):
        """Yields whole event packets (code, params) until timeout passes quietly."""
        while True:
            while len(self.buf) >= 3:
                assert self.buf[0] == 0x04, "not an event"
                n = 3 + self.buf[2]
                if len(self.buf) < n:
                    break
                pkt, self.buf = self.buf[:n], self.buf[n:]
                yield pkt[1], pkt[3:]
            if not select.select([self.sock], [], [], timeout)[0]:
                return
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("air closed the connection")
            self.buf += data

    def cmd(self, opcode, params=b""):
        self.sock.sendall(struct.pack("<BHB", 1, opcode, len(params)) + params)
        for code, p in self.packets(5.0):
            if code == 0x0E and struct.unpack_from("<H", p, 1)[0] == opcode:
                if p[3] != 0:
                    raise RuntimeError("command 0x%04x failed: status 0x%02x" % (opcode, p[3]))
                return p[4:]
        raise TimeoutError("no Command Complete for 0x%04x" % opcode)

    def setup(self):
        self.cmd(0x0C03)  # Reset
        self.cmd(0x0C01, struct.pack("<Q", 0x3FFFFFFFFFFFFFFF))  # Set Event Mask: LE Meta on


def count_reports(host, seconds):
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for code, p in host.packets(end - time.monotonic()):
            if code == 0x3E and p[0] == 0x02:
                n += 1
            if time.monotonic() >= end:
                break
    return n


def measure(path, interval, window, seconds):
    adv, obs = Host(path), Host(path)
    adv.setup()
    obs.setup()
    # 20 ms, ADV_NONCONN_IND, public address, channels 37-39.
    adv.cmd(0x2006, struct.pack("<HHBBB6sBB", 0x20, 0x20, 3, 0, 0, bytes(6), 7, 0))
    adv.cmd(0x2008, bytes([3, 2, 1, 6]) + bytes(28))
    adv.cmd(0x200A, b"\x01")
    obs.cmd(0x200B, struct.pack("<BHHBB", 0, interval, window, 0, 0))
    obs.cmd(0x200C, b"\x01\x00")
    rate = count_reports(obs, seconds) / seconds
    adv.sock.close()
    obs.sock.close()
    return rate


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--air", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                  "bin", "mpble-air"))
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "air.sock")
        air = subprocess.Popen([args.air, "--socket", path, "--seed", "1", "--log-level",
                                "warn"])
        try:
            for _ in range(500):
                if os.path.exists(path):
                    break
                time.sleep(0.01)
            full = measure(path, 0x20, 0x20, args.seconds)
            print("20 ms advertising, scan window == interval (20 ms): %.1f reports/s" % full)
            tenth = measure(path, 0x64, 0x0A, args.seconds)
            print("20 ms advertising, scan window 6.25 ms of 62.5 ms:  %.1f reports/s" % tenth)
        finally:
            air.terminate()
            air.wait()


if __name__ == "__main__":
    main()
