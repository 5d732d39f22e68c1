"""Starting device processes: Python running one of this package's entry modules,
unbuffered, able to import `mpble` and `bluetooth`, on a given controller."""
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path


def _import_path():
    """PYTHONPATH for a child: the folders holding mpble and bluetooth, then the
    caller's own PYTHONPATH."""
    folders = [str(Path(__file__).resolve().parent.parent)]
    spec = importlib.util.find_spec("bluetooth")
    if spec is not None and spec.origin:
        folders.append(str(Path(spec.origin).resolve().parent))
    if os.environ.get("PYTHONPATH"):
        folders.append(os.environ["PYTHONPATH"])
    return os.pathsep.join(dict.fromkeys(folders))


def start(module, args, hci, name, extra_env=None, **popen_args):
    """Popen of `python -u -m module args...` with MPBLE_HCI=hci (None: the
    caller's choice stands) and MPBLE_DEVICE=name, in its own process group (the
    runner decides when a device gets SIGINT)."""
    env = dict(os.environ, PYTHONPATH=_import_path(), MPBLE_DEVICE=name,
               PYTHONUNBUFFERED="1")
    if hci is not None:
        env["MPBLE_HCI"] = hci
    env.update(extra_env or {})
    return subprocess.Popen([sys.executable, "-u", "-m", module, *args], env=env,
                            stdin=subprocess.DEVNULL, process_group=0, **popen_args)


def stop(proc, grace):
    """SIGINT, then after grace seconds SIGKILL; returns the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def exit_status(returncode):
    """A shell-style status: 128+N for death by signal N."""
    return 128 - returncode if returncode < 0 else returncode
