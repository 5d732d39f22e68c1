#!/usr/bin/env python3
"""The bluetooth module's cost per IRQ, and a Python-level notification stream.

(1) Builds bench/irq_cost/driver.c against a build's module objects and runs it:
    the time bt_irq_deliver takes per _IRQ_GATTC_NOTIFY (20 bytes) delivered from a
    thread Python has not seen (as the host's loop thread is) to a trivial handler,
    that handler's own body, and the difference: the binding's cost per event.
(2) Starts that build's mpble-air (fast timing) and two Python processes with its
    bluetooth module: a server notifying 20-byte values as fast as gatts_notify
    accepts them, and a client counting _IRQ_GATTC_NOTIFY in a trivial handler.
    Prints the notifications per second the client's handler received over the
    last seconds - 1 of the stream, and how many the server sent until the client
    left.
(3) The same two processes playing ping-pong from their handlers: the client's
    notification handler answers with a Write Command, the server's write handler
    with the next notification. Prints the round trip.

usage: bench/irq_cost.py [--build build] [--events 200000] [--seconds 3]
"""
import argparse
import os
import select
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER = r"""
import bluetooth, errno, sys, time
from bluetooth import UUID, FLAG_READ, FLAG_NOTIFY, FLAG_WRITE_NO_RESPONSE
ble = bluetooth.BLE()
conn = []
pong = bytes(20)

def irq(event, data):
    if event == 1:
        conn.append(data[0])
    elif event == 3:  # ping-pong: a write answered by the next notification
        ble.gatts_notify(conn[0], value, pong)

ble.irq(irq)
ble.active(True)
CHAR = (UUID(0x2A37), FLAG_READ | FLAG_NOTIFY | FLAG_WRITE_NO_RESPONSE)
((value,),) = ble.gatts_register_services(((UUID(0x180D), (CHAR,)),))
ble.gap_advertise(20000, b"\x02\x01\x06")
print(repr((ble.config("mac"), value)), flush=True)
while not conn:
    time.sleep(0.001)
if sys.argv[2] == "pingpong":
    time.sleep(float(sys.argv[1]))
    sys.exit()
payload, sent, end = bytes(20), 0, time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        ble.gatts_notify(conn[0], value, payload)
        sent += 1
    except OSError as e:
        if e.errno == errno.ENOTCONN:
            break  # the client measured and left
        time.sleep(0)  # out of buffers: let the link drain
print(sent, flush=True)
"""

CLIENT = r"""
import bluetooth, sys, time
ble = bluetooth.BLE()
count = 0
conn = []
pingpong = sys.argv[2] == "pingpong"
ping = bytes(20)

def irq(event, data):
    global count
    if event == 18:
        count += 1
        if pingpong:
            ble.gattc_write(conn[0], value, ping, 0)
    elif event == 7:
        conn.append(data[0])

ble.irq(irq)
ble.active(True)
mac, value = eval(sys.stdin.readline())
ble.gap_connect(*mac)
while not conn:
    time.sleep(0.001)
if pingpong:
    time.sleep(0.2)
    ble.gattc_write(conn[0], value, ping, 0)
while count == 0:
    time.sleep(0.001)
seconds = float(sys.argv[1]) - 1.0
first, start = count, time.monotonic()
time.sleep(seconds)
print((count - first) / (time.monotonic() - start), flush=True)
"""


def cost_per_event(build, events):
    obj = build / "obj" / "python" / "bluetooth"
    embed = subprocess.check_output(["python3-config", "--embed", "--ldflags"], text=True).split()
    with tempfile.TemporaryDirectory(prefix="irq-cost-") as folder:
        exe = os.path.join(folder, "driver")
        subprocess.check_call(
            ["cc", "-O2", "-I" + str(ROOT / "include"), "-I" + str(ROOT / "python" / "bluetooth"),
             "-I" + sysconfig.get_paths()["include"], "-o", exe,
             str(ROOT / "bench" / "irq_cost" / "driver.c"),
             str(obj / "irq.o"), str(obj / "uuid.o"), str(obj / "args.o"),
             str(build / "lib" / "libmpble.a")] + embed + ["-lcrypto", "-lpthread"])
        return subprocess.check_output([exe, str(events)], text=True).strip()


def readline(proc, timeout):
    if not select.select([proc.stdout], [], [], timeout)[0]:
        raise TimeoutError("no answer from %s" % proc.args)
    line = proc.stdout.readline()
    if not line:
        raise EOFError("%s ended: %s" % (proc.args, proc.stderr.read()))
    return line.strip()


def stream(build, seconds, mode):
    """(2) with mode "stream", (3) with "pingpong": the client's notifications per
    second and the number the server sent (0 for ping-pong)."""
    with tempfile.TemporaryDirectory(prefix="irq-stream-") as folder:
        return stream_in(build, seconds, os.path.join(folder, "air.sock"), mode)


def stream_in(build, seconds, sock, mode):
    air = subprocess.Popen([str(build / "bin" / "mpble-air"), "--socket", sock, "--timing", "fast",
                            "--exit-when-idle", "30"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    procs = [air]
    try:
        while not os.path.exists(sock):
            time.sleep(0.01)
        env = dict(os.environ, PYTHONPATH=str(build / "python"), MPBLE_HCI="unix:" + sock,
                   MPBLE_LOG="0")

        def start(script, total):
            p = subprocess.Popen([sys.executable, "-c", script, str(total), mode], env=env,
                                 text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            procs.append(p)
            return p
        server = start(SERVER, seconds + 1.0)
        mac = readline(server, 10)
        client = start(CLIENT, seconds)
        client.stdin.write(mac + "\n")
        client.stdin.flush()
        rate = float(readline(client, seconds + 20))
        sent = int(readline(server, seconds + 20)) if mode == "stream" else 0
        return rate, sent
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.kill()
            p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    build = Path(args.build).resolve()
    print("binding (%s): %s" % (build, cost_per_event(build, args.events)))
    rate, sent = stream(build, args.seconds, "stream")
    print("python stream (%s): %.0f notifications/s received by the handler (%d sent)"
          % (build, rate, sent))
    rate, _ = stream(build, args.seconds, "pingpong")
    print("python ping-pong (%s): %.1f us round trip (handler to handler)" % (build, 1e6 / rate))


if __name__ == "__main__":
    main()
