"""MicroPython's dialect (mpble.compat.dialect, transform, programs, mpjson, mpos):
the helpers' rules, the rewritten code, and `mpble run` / `mpble multitest` running
programs that use it while CPython's semantics stay everywhere else."""
import array
import json
import os
import sys
import tempfile
import traceback
import unittest
from pathlib import Path

from mpble.compat import dialect, mpjson, mpos, programs

from tests.python.test_mpble_commands import lines_of, mpble_cmd


def run_source(source, path="<program>", **names):
    """Runs source as a program module; returns its globals."""
    namespace = programs.namespace("program", path, **names)
    exec(programs.compile_source(source, path), namespace)  # noqa: S102
    return namespace


class AddTest(unittest.TestCase):
    def test_bytes_plus_str_is_bytes_of_its_utf8(self):
        self.assertEqual(dialect.add(b"\x02\x09", "mpy"), b"\x02\x09mpy")
        self.assertEqual(dialect.add(b"", "é€"), "é€".encode())

    def test_bytearray_plus_str_is_a_new_bytearray(self):
        ba = bytearray(b"a")
        result = dialect.add(ba, "b")
        self.assertEqual((type(result), result, ba), (bytearray, bytearray(b"ab"), bytearray(b"a")))

    def test_memoryview_and_array_plus_buffers(self):
        self.assertEqual(dialect.add(memoryview(b"a"), "b"), bytearray(b"ab"))
        self.assertEqual(dialect.add(array.array("B", [1]), b"\x02"), array.array("B", [1, 2]))
        self.assertEqual(dialect.add(array.array("h", [1]), b"\x02\x00\x03"),
                         array.array("h", [1, 2]))  # whole items only

    def test_what_micropython_rejects_too_stays_a_type_error(self):
        for a, b in (("s", b"b"), (b"b", 1), (1, "s"), (None, None)):
            with self.assertRaises(TypeError):
                dialect.add(a, b)
        with self.assertRaisesRegex(TypeError, "can only concatenate str"):
            dialect.add("s", b"b")

    def test_the_plain_operation_comes_first(self):
        self.assertEqual(dialect.add(1, 2), 3)
        self.assertEqual(dialect.add("a", "b"), "ab")
        self.assertEqual(dialect.add([1], [2]), [1, 2])

    def test_in_place_add_extends_bytearrays_and_arrays(self):
        ba = bytearray(b"a")
        self.assertIs(dialect.iadd(ba, "é"), ba)
        self.assertEqual(ba, bytearray("aé".encode()))
        a = array.array("B", [1])
        self.assertIs(dialect.iadd(a, b"\x02"), a)
        self.assertEqual(a, array.array("B", [1, 2]))
        self.assertEqual(dialect.iadd(b"a", "b"), b"ab")
        with self.assertRaises(TypeError):
            dialect.iadd("a", b"b")


class ItemStoreTest(unittest.TestCase):
    def test_bytearray_items_keep_the_low_8_bits(self):
        ba = bytearray(2)
        dialect.setitem(256 + 7, ba, 0)
        dialect.setitem(-1, ba, 1)
        self.assertEqual(ba, bytearray(b"\x07\xff"))

    def test_arrays_and_memoryviews_of_integers(self):
        signed, short = array.array("b", [0]), array.array("H", [0])
        dialect.setitem(200, signed, 0)
        dialect.setitem(-2, short, 0)
        self.assertEqual((signed[0], short[0]), (-56, 0xFFFE))
        ba = bytearray(1)
        dialect.setitem(0x1FF, memoryview(ba), 0)
        self.assertEqual(ba, bytearray(b"\xff"))

    def test_other_errors_stay(self):
        with self.assertRaises(TypeError):
            dialect.setitem(1.5, bytearray(1), 0)
        with self.assertRaises(TypeError):
            dialect.setitem("x", array.array("B", [0]), 0)
        with self.assertRaises(TypeError):
            dialect.setitem(1, memoryview(b"x"), 0)  # read-only, as on MicroPython
        with self.assertRaises(IndexError):
            dialect.setitem(1, bytearray(1), 5)

    def test_augmented_store(self):
        ba = bytearray(b"\x10")
        dialect.augmented_setitem(ba, 0, "Add", 300)
        self.assertEqual(ba[0], (0x10 + 300) & 0xFF)
        dialect.augmented_setitem(ba, 0, "LShift", 4)
        self.assertEqual(ba[0], (((0x10 + 300) & 0xFF) << 4) & 0xFF)
        counts = {"k": b"a"}
        dialect.augmented_setitem(counts, "k", "Add", "b")
        self.assertEqual(counts, {"k": b"ab"})


class MemoryviewTest(unittest.TestCase):
    def test_a_str_is_viewed_as_its_utf8_bytes_read_only(self):
        view = dialect.memoryview_call(memoryview, "hé")
        self.assertEqual((bytes(view), view.readonly), ("hé".encode(), True))

    def test_a_program_of_its_own_memoryview_keeps_it(self):
        self.assertEqual(dialect.memoryview_call(len, "hé"), 2)


class PrintTest(unittest.TestCase):
    class Writes:
        def __init__(self):
            self.pieces = []

        def write(self, text):
            self.pieces.append(text)

        def flush(self):
            self.pieces.append("<flush>")

    def test_one_write_a_call(self):
        out = self.Writes()
        dialect.print_call(print, "a:", True, 3, file=out)
        dialect.print_call(print, "x", "y", sep=None, end=None, file=out)
        dialect.print_call(print, "z", sep="-", end="", file=out, flush=True)
        self.assertEqual(out.pieces, ["a: True 3\n", "x y\n", "z", "<flush>"])

    def test_in_program_code_and_a_program_of_its_own_print(self):
        out = self.Writes()
        ns = run_source("print('value', 7, file=out)\n", out=out)
        self.assertIn("__mp_print__", ns)
        self.assertEqual(out.pieces, ["value 7\n"])
        mine = []
        run_source("def print(*a, **k):\n    mine.append(a)\nprint(1, 2)\n", mine=mine)
        self.assertEqual(mine, [(1, 2)])


class TransformTest(unittest.TestCase):
    def test_constructs_in_program_code(self):
        ns = run_source(
            "import struct\n"
            "def field(t, v):\n"
            "    return struct.pack('BB', len(v) + 1, t) + v\n"
            "payload = bytearray()\n"
            "payload += field(9, 'mpy')\n"
            "payload += 'x'\n"
            "payload[0] = 256 + 5\n"
            "payload[1] += 300\n"
            "view = bytes(memoryview('é'))\n"
            "slices = [1, 2, 3]\n"
            "slices[0:2] = [9]\n")
        self.assertEqual(ns["payload"], bytearray(b"\x05" + bytes([(9 + 300) & 0xFF]) + b"mpyx"))
        self.assertEqual((ns["view"], ns["slices"]), ("é".encode(), [9, 3]))

    def test_attributes_private_names_included(self):
        ns = run_source(
            "class Buffer:\n"
            "    def __init__(self):\n"
            "        self.__data = b''\n"
            "        self.public = b''\n"
            "    def add(self, text):\n"
            "        self.__data += text\n"
            "        self.public += text\n"
            "        return self.__data, self._Buffer__data, self.public\n"
            "result = Buffer().add('ab')\n")
        self.assertEqual(ns["result"], (b"ab", b"ab", b"ab"))

    def test_evaluation_order_of_a_store(self):
        ns = run_source(
            "order = []\n"
            "def note(x):\n"
            "    order.append(x)\n"
            "    return x\n"
            "d = {}\n"
            "note(d)[note('k')] = note(1)\n")
        self.assertEqual(ns["order"], [1, {"k": 1}, "k"])

    def test_tracebacks_point_at_the_program_line(self):
        try:
            run_source("x = 1\n\ny = x + 'a'\n", path="prog.py")
        except TypeError as exc:
            frames = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]
        else:
            self.fail("no TypeError")
        self.assertIn(("prog.py", 3), frames)

    def test_imports_of_json_and_os_get_the_compat_modules(self):
        ns = run_source("import json, ujson, uos as o\nimport os.path\n"
                        "from json import dumps\nfrom os import ilistdir\nfrom os.path import join\n")
        self.assertEqual([ns[n] for n in ("json", "ujson", "o", "os")], [mpjson, mpjson, mpos, mpos])
        self.assertEqual((ns["dumps"], ns["ilistdir"], ns["join"]),
                         (mpjson.dumps, mpos.ilistdir, os.path.join))

    def test_helper_names_do_not_clash_with_a_programs_names(self):
        ns = run_source("add = 1\nsetitem = 2\nvalue = add + setitem\n")
        self.assertEqual(ns["value"], 3)


class CompatModulesTest(unittest.TestCase):
    def test_json_writes_bytes_as_text_and_unicode_as_is(self):
        self.assertEqual(mpjson.dumps({"a": b"xy", "b": "é"}), '{"a": "xy", "b": "é"}')
        self.assertEqual(mpjson.loads('{"a": 1}'), {"a": 1})
        self.assertIs(mpjson.JSONDecodeError, json.JSONDecodeError)

    def test_json_says_what_it_cannot_write(self):
        with self.assertRaisesRegex(ValueError, "not UTF-8"):
            mpjson.dumps(b"\xff")
        with self.assertRaisesRegex(TypeError, r"bytearray\(b'...'\)"):
            mpjson.dumps(bytearray(b"x"))
        with self.assertRaisesRegex(TypeError, "not JSON serializable"):
            mpjson.dumps(object())

    def test_the_real_json_is_unchanged(self):
        with self.assertRaises(TypeError):
            json.dumps(b"x")
        self.assertFalse(hasattr(os, "ilistdir") or hasattr(os, "dupterm"))

    def test_ilistdir(self):
        folder = self.enterContext(tempfile.TemporaryDirectory())
        Path(folder, "f").write_bytes(b"1")
        os.mkdir(Path(folder, "d"))
        entries = sorted(mpos.ilistdir(folder))
        self.assertEqual([(name, kind) for name, kind, _ in entries], [("d", 0x4000), ("f", 0x8000)])
        self.assertEqual(entries[1][2], os.stat(Path(folder, "f")).st_ino)
        self.assertEqual(sorted(n for n, _, _ in mpos.ilistdir(os.fsencode(folder))), [b"d", b"f"])
        with self.assertRaises(FileNotFoundError):
            mpos.ilistdir(Path(folder, "missing"))

    def test_dupterm_returns_the_stream_before(self):
        self.assertIsNone(mpos.dupterm(sys.stdout, 1))
        self.assertIs(mpos.dupterm(None, 1), sys.stdout)
        with self.assertRaisesRegex(ValueError, "invalid dupterm index"):
            mpos.dupterm(None, 2)


PROGRAM = """\
import sys
sys.path.append(%r)
import struct, ujson, uos
import helper, outside, pkg.sub
ba = bytearray(2)
ba[0] = 256 + 7
ba[1] -= 1
print(struct.pack("BB", 4, 9) + "mpy", helper.name_field("é"), ba)
print(bytes(memoryview("hé")), ujson.dumps({"v": b"x"}), sorted(uos.ilistdir(sys.path[0]))[0][:2])
print(uos.dupterm(None), outside.concatenate(), pkg.sub.joined())
"""

HELPER = """\
import struct
def name_field(name):
    return struct.pack("BB", len(name) + 1, 9) + name
"""

OUTSIDE = """\
def concatenate():
    try:
        return b"x" + "y"
    except TypeError as exc:
        return "TypeError: " + str(exc)
"""

MULTITEST = """\
import struct
def instance0():
    multitest.next()
    print(struct.pack("B", 1) + "a")
def instance1():
    b = bytearray(1)
    b[0] = -1
    print(b)
"""


class CommandsTest(unittest.TestCase):
    def folder(self):
        return Path(self.enterContext(tempfile.TemporaryDirectory()))

    def test_run_a_program_and_its_modules_but_not_others(self):
        program, elsewhere = self.folder(), self.folder()
        (program / "main.py").write_text(PROGRAM % str(elsewhere))
        (program / "helper.py").write_text(HELPER)
        (elsewhere / "outside.py").write_text(OUTSIDE)
        (program / "pkg").mkdir()
        (program / "pkg" / "__init__.py").write_text("")
        (program / "pkg" / "sub.py").write_text("def joined():\n    return b'p' + 'q'\n")
        status, out, err = mpble_cmd("run", "--timing", "fast", program / "main.py")
        self.assertEqual(status, 0, out + err)
        self.assertEqual(lines_of(out, "main"), [
            "b'\\x04\\tmpy' b'\\x02\\t\\xc3\\xa9' bytearray(b'\\x07\\xff')",
            "b'h\\xc3\\xa9' {\"v\": \"x\"} ('helper.py', 32768)",
            "None TypeError: can't concat str to bytes b'pq'"])
        self.assertEqual(sorted(str(p.relative_to(program)) for p in program.rglob("*")),
                         ["helper.py", "main.py", "pkg", "pkg/__init__.py", "pkg/sub.py"])

    def test_multitest_file(self):
        folder = self.folder()
        (folder / "dialect.py").write_text(MULTITEST)
        (folder / "dialect.py.exp").write_text(
            "--- instance0 ---\nb'\\x01a'\n--- instance1 ---\nbytearray(b'\\xff')\n")
        status, out, err = mpble_cmd("multitest", "--timing", "fast", folder / "dialect.py")
        self.assertEqual(status, 0, out + err)
        self.assertIn("1 tests performed, 1 passed", out)


if __name__ == "__main__":
    unittest.main()
