"""`mpble multitest FILE ...`: MicroPython's multi-instance tests on the air.

A test file defines instance0(), instance1(), ...; each runs in its own process
(mpble.instance) on one fresh private air. As in MicroPython's runner, instances
start in order, each once the one before called multitest.next() (or ended), and
globals() set by earlier instances are globals of later ones. Broadcasts go to
every other instance (those not started yet get them when they start). Each
instance's output (stdout and stderr, lines right-stripped) is compared with
FILE.exp, sections headed "--- instanceN ---"; a test with an output line SKIP is
skipped; one still running at --timeout gets the line TIMEOUT and is stopped."""
import concurrent.futures
import difflib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

from mpble import spawn
from mpble.air import PrivateAir

STOP_GRACE = 2.0


class Hub:
    """The runner's side of every instance's control socket: relays broadcasts,
    collects globals and metrics, notes who called next()."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sockets = {}  # index -> socket of started instances
        self.broadcasts = []  # (sender index, msg), for instances started later
        self.globals = {}  # name -> repr
        self.metrics = []  # (index, data)
        self.ready = {}  # index -> threading.Event set by next()

    def attach(self, index, sock):
        with self.lock:
            self.ready[index] = threading.Event()
            self.sockets[index] = sock
            for sender, msg in self.broadcasts:
                if sender != index:
                    self._send(sock, msg)
        threading.Thread(target=self._serve, args=(index, sock), daemon=True).start()

    @staticmethod
    def _send(sock, msg):
        try:
            sock.sendall(json.dumps({"op": "broadcast", "msg": msg}).encode() + b"\n")
        except OSError:
            pass  # that instance has ended

    def _serve(self, index, sock):
        for line in sock.makefile("r", encoding="utf-8"):
            message = json.loads(line)
            op = message.get("op")
            with self.lock:
                if op == "next":
                    self.ready[index].set()
                elif op == "set":
                    self.globals[message["name"]] = message["value"]
                elif op == "metric":
                    self.metrics.append((index, message["data"]))
                elif op == "broadcast":
                    self.broadcasts.append((index, message["msg"]))
                    for other, peer in self.sockets.items():
                        if other != index:
                            self._send(peer, message["msg"])


class Instance:
    """One instance process; its output lines are collected by a thread."""

    def __init__(self, path, index, hub, hci, snoop_dir):
        ours, theirs = socket.socketpair()
        env = {"MPBLE_MULTITEST_FD": str(theirs.fileno()),
               "MPBLE_MULTITEST_GLOBALS": json.dumps(hub.globals)}
        if snoop_dir:
            stem = os.path.splitext(os.path.basename(path))[0]
            env["MPBLE_SNOOP"] = os.path.join(snoop_dir, "%s-instance%d.btsnoop" % (stem, index))
        self.proc = spawn.start("mpble.instance", [path, str(index)], hci,
                                "instance%d" % index, env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, pass_fds=(theirs.fileno(),))
        theirs.close()
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        hub.attach(index, ours)
        self.ready = hub.ready[index]
        self.socket = ours

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.append(line.decode(errors="replace").rstrip())

    def running(self):
        return self.proc.poll() is None

    def finish(self, timed_out):
        """Ends the process (killed if the test timed out, else SIGINT if it still
        runs); the output is complete on return."""
        killed = timed_out and self.running()
        if killed:
            self.proc.kill()
        spawn.stop(self.proc, STOP_GRACE)
        self.reader.join(STOP_GRACE)
        if killed:
            self.lines.append("TIMEOUT")
        self.socket.close()


def instance_count(path):
    with open(path, encoding="utf-8") as f:
        indexes = [int(m.group(1)) for m in re.finditer(r"^def instance(\d+)\(\):", f.read(),
                                                          re.MULTILINE)]
    return max(indexes) + 1 if indexes else 0


class Result:
    def __init__(self, path, verdict, output, expected=None, metrics=(), note=""):
        self.path, self.verdict, self.output = path, verdict, output
        self.expected, self.metrics, self.note = expected, list(metrics), note

    def report(self):
        """The text printed for this test: its verdict, metrics, and on failure the
        output, the expected output and their diff."""
        lines = ["%s: %s%s" % (self.path, self.verdict, self.note and " (%s)" % self.note)]
        lines += ["  metric instance%d: %s" % m for m in self.metrics]
        if self.verdict == "FAIL":
            lines += ["### TEST ###", self.output.rstrip("\n")]
            if self.expected is not None:
                lines += ["### TRUTH ###", self.expected.rstrip("\n"), "### DIFF ###"]
                lines += [d.rstrip("\n") for d in difflib.unified_diff(
                    self.expected.splitlines(True), self.output.splitlines(True),
                    "expected", "output")]
        return "\n".join(lines) + "\n"


def run_instances(path, count, hci, timeout, snoop_dir):
    """Runs the instances of path; returns (output text, metrics, timed out)."""
    hub = Hub()
    deadline = time.monotonic() + timeout
    instances = []
    timed_out = False
    try:
        for index in range(count):
            instance = Instance(path, index, hub, hci, snoop_dir)
            instances.append(instance)
            while not instance.ready.wait(0.01) and instance.running():
                if time.monotonic() > deadline:
                    timed_out = True
                    break
            if not instance.running():
                instance.reader.join(STOP_GRACE)  # all its output, a SKIP included
            if timed_out or "SKIP" in instance.lines:
                break
        while not timed_out and any(i.running() for i in instances):
            timed_out = time.monotonic() > deadline
            time.sleep(0.01)
    finally:
        for instance in instances:
            instance.finish(timed_out)
    output = "".join("--- instance%d ---\n%s\n" % (i, "\n".join(inst.lines))
                     for i, inst in enumerate(instances))
    return output, hub.metrics, timed_out


def run_file(path, options):
    """Runs one test file on its own air; returns its Result."""
    count = instance_count(path)
    if count == 0:
        return Result(path, "FAIL", "", note="no instance0() in the file")
    with PrivateAir(options.timing, options.seed) as air:
        output, metrics, timed_out = run_instances(path, count, air.uri, options.timeout,
                                                   options.snoop)
    if any(line == "SKIP" for line in output.splitlines()):
        return Result(path, "skip", output, metrics=metrics)
    try:
        with open(path + ".exp", encoding="utf-8") as f:
            expected = f.read()
    except OSError:
        return Result(path, "FAIL", output, metrics=metrics, note="no %s.exp" % path)
    note = "timeout after %g s" % options.timeout if timed_out else ""
    verdict = "pass" if output == expected and not timed_out else "FAIL"
    return Result(path, verdict, output, expected, metrics, note)


def main(options):
    if options.snoop:
        os.makedirs(options.snoop, exist_ok=True)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max(1, options.jobs)) as pool:
        futures = [pool.submit(run_file, path, options) for path in options.files]
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            sys.stdout.write(result.report())
            sys.stdout.flush()
            results.append(result)
    by_verdict = {v: sorted(r.path for r in results if r.verdict == v)
                  for v in ("pass", "FAIL", "skip")}
    print("%d tests performed, %d passed, %d failed, %d skipped" % (
        len(results), len(by_verdict["pass"]), len(by_verdict["FAIL"]),
        len(by_verdict["skip"])))
    for verdict, label in (("skip", "skipped"), ("FAIL", "failed")):
        if by_verdict[verdict]:
            print("%s: %s" % (label, " ".join(by_verdict[verdict])))
    return 1 if by_verdict["FAIL"] else 0
