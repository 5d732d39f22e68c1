"""gatts_set_buffer's length: 0..512, the longest attribute value (Core Vol 3 Part F
3.2.9); below or above is a ValueError, checked before anything else, beyond 64 bits
an OverflowError as for every int argument."""

import errno

from . import support
from .support import GATT
from .test_ble_api import ErrnoMixin


class SetBufferBounds(ErrnoMixin, support.AirTestCase):
    def test_bounds(self):
        ble = self.ble
        ble.active(True)
        ((hr,),) = ble.gatts_register_services((GATT.HR_SERVICE,))
        for n in (-1, -(2 ** 63), 513, 2 ** 31, 2 ** 63 - 1):
            with self.subTest(n=n):
                with self.assertRaises(ValueError):
                    ble.gatts_set_buffer(hr, n)
        for n in (2 ** 64, -(2 ** 64)):
            with self.assertRaises(OverflowError):
                ble.gatts_set_buffer(hr, n)
        with self.assertRaises(ValueError):
            ble.gatts_set_buffer(0xFFF0, -1)  # before the handle's check
        for n in (0, 512):
            with self.subTest(n=n):
                self.assertIsNone(ble.gatts_set_buffer(hr, n, True))
                self.assertEqual(ble.gatts_write(hr, bytes(range(256)) * 2), 512)
                self.assertEqual(ble.gatts_read(hr), bytes(range(256)) * 2)

    def test_inactive(self):
        self.ble.active(False)
        with self.assertRaises(ValueError):
            self.ble.gatts_set_buffer(1, -1)
        self.assertErrno(errno.ENODEV, self.ble.gatts_set_buffer, 1, 512)
