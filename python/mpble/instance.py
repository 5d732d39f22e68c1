"""One instance of a multitest file: `python -m mpble.instance FILE N`, started
by `mpble multitest` (mpble.multitest), which passes in the environment:
  MPBLE_MULTITEST_FD       a connected socket to the runner (JSON lines both ways);
  MPBLE_MULTITEST_GLOBALS  JSON {name: repr} set by earlier instances' globals().

The file runs as __main__ with the MicroPython compatibility names installed, in
MicroPython's dialect with the modules of its folder (mpble.compat.programs), and a
`multitest` global with MicroPython's instance API; then instanceN() is called.
Messages to the runner: {"op": "next"}, {"op": "broadcast", "msg": ...},
{"op": "set", "name": ..., "value": repr}, {"op": "metric", "data": ...};
from the runner: {"op": "broadcast", "msg": ...}. A skip is the output line SKIP,
as in MicroPython's runner."""
import json
import os
import socket
import sys
import traceback

import mpble.compat
from mpble.compat import programs

HOST_IP = "127.0.0.1"


class multitest:  # noqa: N801 - MicroPython's name
    """The instance API of MicroPython's tests/run-multitests.py."""

    _channel = None  # socket.socket to the runner
    _incoming = None  # its reading file

    @staticmethod
    def _send(**message):
        multitest.flush()
        multitest._channel.sendall(json.dumps(message).encode() + b"\n")

    @staticmethod
    def flush():
        sys.stdout.flush()

    @staticmethod
    def skip():
        print("SKIP")
        multitest.flush()
        raise SystemExit

    @staticmethod
    def next():
        """Lets the runner start the next instance (the first call counts)."""
        multitest._send(op="next")

    @staticmethod
    def broadcast(msg):
        multitest._send(op="broadcast", msg=str(msg))

    @staticmethod
    def wait(msg):
        """Blocks until another instance broadcasts msg; other messages are dropped."""
        for line in multitest._incoming:
            message = json.loads(line)
            if message.get("op") == "broadcast" and message.get("msg") == msg:
                return
        raise SystemExit("multitest.wait(%r): the runner went away" % (msg,))

    @staticmethod
    def globals(**gs):
        """Sends each value's repr to the runner; instances started later get
        name = value as globals."""
        for name, value in gs.items():
            multitest._send(op="set", name=name, value=repr(value))

    @staticmethod
    def get_network_ip():
        return HOST_IP

    @staticmethod
    def expect_reboot(resume, delay_ms=0):
        """A reboot cannot be resumed here: the test is reported as skipped."""
        multitest.skip()

    @staticmethod
    def output_metric(data):
        """Reports data to the runner: shown, not compared with the .exp."""
        multitest._send(op="metric", data=str(data))


def main():
    path, index = sys.argv[1], int(sys.argv[2])
    channel = socket.socket(fileno=int(os.environ["MPBLE_MULTITEST_FD"]))
    multitest._channel = channel
    multitest._incoming = channel.makefile("r", encoding="utf-8")
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    sys.argv = [path]
    mpble.compat.install()
    programs.install(sys.path[0])
    code = programs.compile_file(path)
    namespace = programs.namespace("__main__", path, multitest=multitest, HOST_IP=HOST_IP)
    try:
        exec(code, namespace)
        for name, value in json.loads(os.environ.get("MPBLE_MULTITEST_GLOBALS", "{}")).items():
            namespace[name] = eval(value, namespace)
        namespace["instance%d" % index]()
    except Exception as exc:  # noqa: BLE001 - the test's own traceback, not ours
        multitest.flush()
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        sys.exit(1)
    finally:
        multitest.flush()

if __name__ == "__main__":
    main()
