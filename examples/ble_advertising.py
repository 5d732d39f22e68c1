# Advertising payloads: building them (flags, name, service UUIDs, appearance)
# and reading the name and service UUIDs back out of a received one.
# A MicroPython module; with mpble it runs unchanged on CPython.
from micropython import const
import struct

import bluetooth

_ADV_TYPE_FLAGS = const(0x01)
_ADV_TYPE_UUID16_MORE = const(0x02)
_ADV_TYPE_UUID16_COMPLETE = const(0x03)
_ADV_TYPE_UUID32_MORE = const(0x04)
_ADV_TYPE_UUID32_COMPLETE = const(0x05)
_ADV_TYPE_UUID128_MORE = const(0x06)
_ADV_TYPE_UUID128_COMPLETE = const(0x07)
_ADV_TYPE_NAME_SHORT = const(0x08)
_ADV_TYPE_NAME = const(0x09)
_ADV_TYPE_APPEARANCE = const(0x19)
_ADV_MAX_PAYLOAD = const(31)

_FLAG_LE_LIMITED = const(0x01)
_FLAG_LE_GENERAL = const(0x02)
_FLAG_NO_BR_EDR = const(0x04)
_FLAGS_BR_EDR = const(0x18)  # controller and host support simultaneous LE and BR/EDR

# UUID size in bytes -> (complete list type, incomplete list type)
_UUID_TYPES = {2: (_ADV_TYPE_UUID16_COMPLETE, _ADV_TYPE_UUID16_MORE),
               4: (_ADV_TYPE_UUID32_COMPLETE, _ADV_TYPE_UUID32_MORE),
               16: (_ADV_TYPE_UUID128_COMPLETE, _ADV_TYPE_UUID128_MORE)}


def advertising_payload(limited_disc=False, br_edr=False, name=None, services=None,
                        appearance=0):
    """An advertising payload; ValueError if it exceeds the 31 bytes allowed."""
    payload = bytearray()

    def add(adv_type, value):
        payload.extend(struct.pack("BB", len(value) + 1, adv_type))
        payload.extend(value)

    flags = _FLAG_LE_LIMITED if limited_disc else _FLAG_LE_GENERAL
    flags |= _FLAGS_BR_EDR if br_edr else _FLAG_NO_BR_EDR
    add(_ADV_TYPE_FLAGS, struct.pack("B", flags))
    if name:
        add(_ADV_TYPE_NAME, name.encode())
    for uuid in services or ():
        value = bytes(uuid)
        add(_UUID_TYPES[len(value)][0], value)
    if appearance:
        add(_ADV_TYPE_APPEARANCE, struct.pack("<H", appearance))
    if len(payload) > _ADV_MAX_PAYLOAD:
        raise ValueError("advertising payload too large")
    return payload


def decode_field(payload, adv_type):
    """The values of every field of type adv_type, in order."""
    values = []
    i = 0
    while i + 1 < len(payload):
        length = payload[i]
        if length == 0:
            break
        if payload[i + 1] == adv_type:
            values.append(bytes(payload[i + 2:i + 1 + length]))
        i += 1 + length
    return values


def decode_name(payload):
    """The complete (else shortened) local name, or ""."""
    names = decode_field(payload, _ADV_TYPE_NAME) or decode_field(payload, _ADV_TYPE_NAME_SHORT)
    return str(names[0], "utf-8") if names else ""


def decode_services(payload):
    """Every service UUID listed, complete or incomplete lists alike."""
    services = []
    for size, adv_types in _UUID_TYPES.items():
        for adv_type in adv_types:
            for value in decode_field(payload, adv_type):
                for i in range(0, len(value) - size + 1, size):
                    services.append(bluetooth.UUID(value[i:i + size]))
    return services


def demo():
    payload = advertising_payload(name="micropython", services=[bluetooth.UUID(0x181A)],
                                  appearance=0x0300)
    print(payload)
    print(decode_name(payload))
    print(decode_services(payload))


if __name__ == "__main__":
    demo()
