"""MicroPython's semantics for the operations where CPython's differ, as the
functions a program's own code calls in their place (mpble.compat.transform
rewrites the operations, mpble.compat.programs puts these functions in the
program's modules as `__mp_NAME__`; see HELPERS). Each one does CPython's
operation first and applies MicroPython's rule only where CPython raised:
- `+` of bytes, bytearray, array or memoryview with a str (its UTF-8 bytes) or,
  for an array or memoryview, with any buffer: bytes + str is bytes, bytearray +
  str a bytearray (`str + bytes` stays a TypeError, as on MicroPython);
- an int stored into an item of a bytearray, or of an array or memoryview of
  integers, keeps its low bits (`ba[0] = 263` stores 7, `ba[0] = -1` 255);
- `memoryview(str)` is a read-only view of the str's UTF-8 bytes;
- `print` writes its whole output at once: CPython runs signal handlers, and so
  the BLE event handlers (the bluetooth module's scheduler), between the pieces
  its own print writes, and MicroPython runs none inside a print."""
import array
import builtins
import operator
import struct
import sys

_SIGNED = frozenset("bhilq")
_INTEGER_FORMATS = _SIGNED | frozenset("BHILQ")


def add(a, b):
    """a + b."""
    try:
        return a + b
    except TypeError:
        result = _concatenation(a, b)
        if result is None:
            raise
        return result


def iadd(a, b):
    """a += b: a bytearray or array grows in place, as on MicroPython."""
    try:
        a += b
        return a
    except TypeError:
        result = _extended(a, b)
        if result is None:
            result = _concatenation(a, b)
        if result is None:
            raise
        return result


def iadd_attribute(owner, name, value):
    """owner.name += value (name already mangled)."""
    setattr(owner, name, iadd(getattr(owner, name), value))


def setitem(value, container, key):
    """container[key] = value; the value comes first, as Python evaluates it first."""
    try:
        container[key] = value
    except (ValueError, OverflowError):
        wrapped = _low_bits(container, value)
        if wrapped is None:
            raise
        container[key] = wrapped


_IN_PLACE = {"Add": iadd, "Sub": operator.isub, "Mult": operator.imul,
             "MatMult": operator.imatmul, "Div": operator.itruediv,
             "FloorDiv": operator.ifloordiv, "Mod": operator.imod, "Pow": operator.ipow,
             "LShift": operator.ilshift, "RShift": operator.irshift,
             "BitOr": operator.ior, "BitXor": operator.ixor, "BitAnd": operator.iand}


def augmented_setitem(container, key, op, value):
    """container[key] op= value, op the name of an ast operator ("Add", "LShift", ...)."""
    setitem(_IN_PLACE[op](container[key], value), container, key)


def memoryview_call(factory, obj):
    """memoryview(obj), factory being what the name memoryview means where it is
    called (a program may have its own)."""
    if factory is memoryview and isinstance(obj, str):
        obj = obj.encode()
    return factory(obj)


def print_call(factory, *args, sep=" ", end="\n", file=None, flush=False):
    """print(*args, ...), factory being what the name print means where it is called;
    the builtin's output goes out in one write."""
    if factory is not builtins.print:
        return factory(*args, sep=sep, end=end, file=file, flush=flush)
    if file is None:
        file = sys.stdout
        if file is None:
            return None
    sep = " " if sep is None else sep
    file.write(sep.join(map(str, args)) + ("\n" if end is None else end))
    if flush:
        file.flush()
    return None


HELPERS = {"add": add, "iadd": iadd, "iadd_attribute": iadd_attribute,
           "setitem": setitem, "augmented_setitem": augmented_setitem,
           "memoryview": memoryview_call, "print": print_call}


def global_name(helper):
    """The global name under which a program's code finds HELPERS[helper]."""
    return "__mp_%s__" % helper


def helper_globals():
    """{global name: function} for a program module's namespace."""
    return {global_name(name): function for name, function in HELPERS.items()}


def _buffer_bytes(value):
    """value's bytes (a str's UTF-8), or None if it has no buffer."""
    if isinstance(value, str):
        return value.encode()
    try:
        return memoryview(value).tobytes()
    except TypeError:
        return None


def _whole_items(container, data):
    """data cut to a whole number of container's items, as MicroPython cuts it."""
    return data[:len(data) - len(data) % container.itemsize]


def _extended(a, b):
    """a (a bytearray or array) extended in place with b's bytes, else None."""
    data = _buffer_bytes(b)
    if data is None:
        return None
    if isinstance(a, bytearray):
        a.extend(data)
    elif isinstance(a, array.array):
        a.frombytes(_whole_items(a, data))
    else:
        return None
    return a


def _concatenation(a, b):
    """MicroPython's a + b where CPython has none, or None if MicroPython has none
    either: a bytes-like a and a str b, or an array or memoryview a and any buffer b."""
    if isinstance(a, memoryview):
        if a.format != "B" and a.format not in array.typecodes:
            return None
        a = bytearray(a) if a.format == "B" else array.array(a.format, a.tobytes())
    if isinstance(a, (bytes, bytearray)):
        data = _buffer_bytes(b)
        return None if data is None else a + data
    if isinstance(a, array.array):
        return _extended(array.array(a.typecode, a), b)
    return None


def _item_format(container):
    """The struct format of container's items if they are integers, else None."""
    if isinstance(container, bytearray):
        return "B"
    if isinstance(container, array.array):
        fmt = container.typecode
    elif isinstance(container, memoryview):
        fmt = container.format.lstrip("@")
    else:
        return None
    return fmt if fmt in _INTEGER_FORMATS else None


def _low_bits(container, value):
    """value as MicroPython stores it into an item of container (its low bits), or
    None if MicroPython would not store it either."""
    fmt = _item_format(container)
    if fmt is None or not isinstance(value, int):
        return None
    bits = 8 * struct.calcsize(fmt)
    value &= (1 << bits) - 1
    if fmt in _SIGNED and value >> (bits - 1):
        value -= 1 << bits
    return value
