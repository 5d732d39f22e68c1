"""bluetooth.UUID: constructor forms and errors, repr, comparison, hash, buffer
(micropython-semantics.md section 2)."""

import unittest

from bluetooth import UUID

UART = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
UART_LE = bytes.fromhex(UART.replace("-", ""))[::-1]


class TestConstructor(unittest.TestCase):
    def test_int_is_16_bit(self):
        self.assertEqual(bytes(UUID(0x2A00)), b"\x00\x2a")
        self.assertEqual(bytes(UUID(0)), b"\x00\x00")
        self.assertEqual(bytes(UUID(65535)), b"\xff\xff")

    def test_int_too_large(self):
        for v in (65536, 0x12345678, 2**40):
            with self.assertRaises(ValueError) as cm:
                UUID(v)
            self.assertEqual(str(cm.exception), "invalid UUID")

    def test_int_beyond_machine_word(self):
        with self.assertRaises(OverflowError):
            UUID(2**70)

    def test_negative_keeps_low_16_bits(self):
        self.assertEqual(UUID(-1), UUID(0xFFFF))
        self.assertEqual(UUID(-65536), UUID(0))

    def test_bool_is_not_an_int(self):
        for v in (True, False):
            with self.assertRaises(TypeError):
                UUID(v)

    def test_non_buffer(self):
        for v in (1.5, None, [1, 2], object()):
            with self.assertRaises(TypeError):
                UUID(v)

    def test_argument_count_and_keywords(self):
        with self.assertRaises(TypeError):
            UUID()
        with self.assertRaises(TypeError):
            UUID(1, 2)
        with self.assertRaises(TypeError):
            UUID(value=1)

    def test_raw_buffers_are_little_endian(self):
        self.assertEqual(UUID(b"\x0d\x18"), UUID(0x180D))
        self.assertEqual(repr(UUID(b"\x78\x56\x34\x12")), "UUID(0x12345678)")
        self.assertEqual(UUID(UART_LE), UUID(UART))
        self.assertEqual(UUID(bytearray(b"\x0d\x18")), UUID(0x180D))
        self.assertEqual(UUID(memoryview(b"xx\x0d\x18")[2:]), UUID(0x180D))

    def test_raw_str(self):
        self.assertEqual(repr(UUID("ab")), "UUID(0x6261)")
        self.assertEqual(bytes(UUID("abcd")), b"abcd")
        self.assertEqual(bytes(UUID("0123456789abcdef")), b"0123456789abcdef")

    def test_text(self):
        self.assertEqual(bytes(UUID(UART)), UART_LE)
        self.assertEqual(UUID(UART.lower()), UUID(UART))
        self.assertEqual(UUID(UART.replace("-", "")), UUID(UART))
        self.assertEqual(UUID("-" + UART.replace("-", "--") + "-"), UUID(UART))
        self.assertEqual(UUID(UART.encode()), UUID(UART))
        self.assertEqual(UUID(memoryview(UART.encode())), UUID(UART))

    def test_text_errors(self):
        cases = [
            ("6E400001-B5A3-F393-E0A9-E50E24DCCA9G", "invalid char in UUID"),
            ("6E400001 B5A3-F393-E0A9-E50E24DCCA9E", "invalid char in UUID"),
            ("é" * 20, "invalid char in UUID"),
            (UART + "0", "UUID too long"),
            (UART[:-1], "UUID too short"),
            ("123", "UUID too short"),
            ("", "UUID too short"),
            ("-----", "UUID too short"),
        ]
        for text, message in cases:
            with self.subTest(text=text):
                with self.assertRaises(ValueError) as cm:
                    UUID(text)
                self.assertEqual(str(cm.exception), message)

    def test_copy_of_uuid(self):
        for u in (UUID(0x2A00), UUID(b"\x01\x02\x03\x04"), UUID(UART)):
            c = UUID(u)
            self.assertIsNot(c, u)
            self.assertEqual(c, u)
            self.assertEqual(repr(c), repr(u))


class TestRepr(unittest.TestCase):
    def test_formats(self):
        self.assertEqual(repr(UUID(0x2A00)), "UUID(0x2a00)")
        self.assertEqual(repr(UUID(0x0001)), "UUID(0x0001)")
        self.assertEqual(repr(UUID(b"\x78\x56\x34\x12")), "UUID(0x12345678)")
        self.assertEqual(repr(UUID(UART)), "UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e')")

    def test_str_is_repr(self):
        for u in (UUID(0x2A00), UUID(b"\xab\xcd\xef\x01"), UUID(UART)):
            self.assertEqual(str(u), repr(u))

    def test_repr_round_trip(self):
        from bluetooth import UUID as U  # noqa: F401 (eval context)
        for u in (UUID(0xABCD), UUID(UART)):
            self.assertEqual(eval(repr(u), {"UUID": UUID}), u)


class TestCompare(unittest.TestCase):
    def test_equality(self):
        self.assertEqual(UUID(0x180D), UUID(0x180D))
        self.assertNotEqual(UUID(0x180D), UUID(0x180E))
        self.assertTrue(UUID(0x180D) != UUID(0x180E))
        self.assertFalse(UUID(0x180D) != UUID(0x180D))

    def test_16_bit_is_not_its_128_bit_expansion(self):
        self.assertNotEqual(UUID(0x180D), UUID("0000180d-0000-1000-8000-00805f9b34fb"))

    def test_ordering_same_length_is_little_endian_bytewise(self):
        # 0x0201 has LE bytes 01 02, 0x0102 has 02 01: LSB decides first.
        self.assertLess(UUID(0x0201), UUID(0x0102))
        self.assertGreater(UUID(0x0102), UUID(0x0201))
        self.assertLessEqual(UUID(0x0201), UUID(0x0201))
        self.assertGreaterEqual(UUID(0x0201), UUID(0x0201))
        self.assertLess(UUID(b"\x00\x00\x00\x01"), UUID(b"\x00\x00\x00\x02"))

    def test_ordering_different_lengths_compares_lengths(self):
        u16, u32, u128 = UUID(0xFFFF), UUID(b"\x00\x00\x00\x00"), UUID(bytes(16))
        self.assertLess(u16, u32)
        self.assertLess(u32, u128)
        self.assertGreater(u128, u16)
        self.assertNotEqual(u16, u32)
        self.assertEqual(sorted([u128, u32, u16]), [u16, u32, u128])

    def test_with_other_types(self):
        u = UUID(0x180D)
        for other in (0x180D, b"\x0d\x18", "180d", None):
            self.assertFalse(u == other)
            self.assertTrue(u != other)
            for op in ("__lt__", "__le__", "__gt__", "__ge__"):
                with self.assertRaises(TypeError):
                    {"__lt__": lambda: u < other, "__le__": lambda: u <= other,
                     "__gt__": lambda: u > other, "__ge__": lambda: u >= other}[op]()

    def test_hash(self):
        self.assertEqual(hash(UUID(0x180D)), hash(UUID(b"\x0d\x18")))
        self.assertEqual(hash(UUID(UART)), hash(UUID(UART.lower())))
        d = {UUID(0x180D): "hr", UUID(UART): "uart"}
        self.assertEqual(d[UUID(0x180D)], "hr")
        self.assertEqual(d[UUID(UART_LE)], "uart")
        self.assertNotIn(UUID(0x180E), d)
        self.assertEqual(len({UUID(1), UUID(1), UUID(b"\x01\x00\x00\x00")}), 2)


class TestBuffer(unittest.TestCase):
    def test_read_only_bytes(self):
        for u, length in ((UUID(0x180D), 2), (UUID(b"1234"), 4), (UUID(UART), 16)):
            m = memoryview(u)
            self.assertEqual(m.format, "B")
            self.assertEqual(m.itemsize, 1)
            self.assertEqual(len(m), length)
            self.assertTrue(m.readonly)
            with self.assertRaises(TypeError):
                m[0] = 1
            m.release()

    def test_little_endian(self):
        self.assertEqual(bytes(UUID(0x180D)), b"\x0d\x18")
        self.assertEqual(bytes(UUID(UART)), UART_LE)

    def test_embeds_in_payload(self):
        self.assertEqual(b"\x03\x03" + UUID(0x180D), b"\x03\x03\x0d\x18")
        self.assertEqual(bytearray(UUID(0x180D)), bytearray(b"\x0d\x18"))

    def test_writable_buffer_refused(self):
        import ctypes
        with self.assertRaises(TypeError):
            ctypes.c_char.from_buffer(UUID(0x180D))

    def test_no_extra_attributes(self):
        public = {n for n in dir(UUID) if not n.startswith("_")}
        self.assertEqual(public, set())


if __name__ == "__main__":
    unittest.main()
