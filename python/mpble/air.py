"""Finding `mpble-air` and running a private one for the length of a command."""
import importlib.util
import os
import shutil
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 5.0  # seconds for a new air to accept


def binary():
    """The mpble-air to run, looked up as the `bluetooth` extension does:
    $MPBLE_AIR_BIN, then ../bin/mpble-air beside the extension, then this Python's
    scripts folder (where `pip install .` puts it, on PATH or not), then PATH."""
    named = os.environ.get("MPBLE_AIR_BIN")
    if named:
        return named
    spec = importlib.util.find_spec("bluetooth")
    if spec is not None and spec.origin:
        beside = Path(spec.origin).resolve().parent.parent / "bin" / "mpble-air"
        if beside.is_file():
            return str(beside)
    installed = Path(sysconfig.get_path("scripts")) / "mpble-air"
    if installed.is_file():
        return str(installed)
    found = shutil.which("mpble-air")
    if found is None:
        raise FileNotFoundError("mpble-air not found (set MPBLE_AIR_BIN)")
    return found


class PrivateAir:
    """An mpble-air on a socket in a fresh temporary directory; a context manager.
    `uri` is the MPBLE_HCI value that reaches it. Its log goes to `log_path`."""

    def __init__(self, timing="fast", seed=None, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="mpble-air-")
        self.socket = os.path.join(self.dir, "air.sock")
        self.log_path = os.path.join(self.dir, "air.log")
        self.uri = "unix:" + self.socket
        args = [binary(), "--socket", self.socket, "--timing", timing,
                "--log-file", self.log_path, *extra_args]
        if seed is not None:
            args += ["--seed", str(seed)]
        # Its own process group: a Ctrl-C at the terminal reaches the runner, which
        # stops the devices before the air.
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     process_group=0)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self.close()
                raise RuntimeError("mpble-air did not start:\n" + log)
            time.sleep(0.01)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
