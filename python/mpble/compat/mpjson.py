"""The json module as a MicroPython program sees it (`import json` or `ujson` in
the program's own code, mpble.compat.transform): CPython's json, with dumps and
dump writing as MicroPython's json does:
- a bytes value is written as a JSON string of its text (MicroPython copies its
  bytes into the output; bytes that are not UTF-8 raise a ValueError here, a
  CPython str cannot hold them);
- non-ASCII text is written as it is, not as \\u escapes;
- a bytearray raises a TypeError: MicroPython writes bytearray(b'...'), which is
  not JSON.
The real json module is not changed."""
import json as _json

__all__ = list(_json.__all__)


def dumps(obj, separators=None, **options):
    """json.dumps with MicroPython's output (see the module docstring)."""
    return _json.dumps(obj, separators=separators, **_micropython_options(options))


def dump(obj, stream, separators=None, **options):
    """json.dump with MicroPython's output (see the module docstring)."""
    _json.dump(obj, stream, separators=separators, **_micropython_options(options))


def _micropython_options(options):
    options.setdefault("ensure_ascii", False)
    options.setdefault("default", _bytes_as_text)
    return options


def _bytes_as_text(value):
    """The JSON value of what CPython's json cannot write."""
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise ValueError("json: MicroPython writes these bytes into the output as they "
                             "are; they are not UTF-8, which a CPython str cannot hold: %r"
                             % (value,)) from None
    if isinstance(value, bytearray):
        raise TypeError("json: MicroPython writes a bytearray as bytearray(b'...'), which is "
                        "not JSON; pass bytes(...) or a str")
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def __getattr__(name):
    return getattr(_json, name)


def __dir__():
    return sorted(set(globals()) | set(dir(_json)))
