"""MicroPython's names that CPython lacks, with MicroPython's behaviour.

`install()` provides them process-wide:
- the modules `micropython` and `machine` (see their docstrings);
- `time.sleep_ms/sleep_us/ticks_ms/ticks_us/ticks_cpu/ticks_diff/ticks_add`;
- `sys.print_exception`;
- `asyncio.ThreadSafeFlag/sleep_ms/wait_for_ms`;
- the u-prefixed aliases MicroPython programs import (`ubluetooth`, `utime`,
  `uasyncio`, `ustruct`, ...), resolved lazily to the real modules.
`mpble run` and `mpble multitest` install them before a script runs, and compile the
script and the modules of its folder in MicroPython's dialect (mpble.compat.programs)."""
import importlib
import importlib.abc
import importlib.machinery
import sys

from mpble.compat import machine, micropython, mpasyncio, mpsys, mptime

ALIASES = {"u" + name: name for name in (
    "asyncio", "binascii", "bluetooth", "collections", "errno", "hashlib", "heapq",
    "io", "json", "os", "random", "re", "select", "socket", "ssl", "struct", "sys",
    "time", "zlib")}


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `uNAME` as the module NAME itself (the same object). The import
    machinery stamps the alias's spec on the module between create_module and
    exec_module; exec_module puts the module's own attributes back."""

    _SAVED = ("__name__", "__spec__", "__loader__", "__package__")

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in ALIASES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(ALIASES[spec.name])
        spec.loader_state = {name: getattr(module, name, None) for name in self._SAVED}
        return module

    def exec_module(self, module):
        for name, value in module.__spec__.loader_state.items():
            setattr(module, name, value)


_finder = _AliasFinder()


def install():
    """Installs everything (idempotent)."""
    sys.modules.setdefault("micropython", micropython)
    sys.modules.setdefault("machine", machine)
    mptime.install()
    mpsys.install()
    mpasyncio.install()
    if _finder not in sys.meta_path:
        sys.meta_path.append(_finder)
