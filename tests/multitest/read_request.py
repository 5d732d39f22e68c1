# Return values from the main thread: the peripheral's _IRQ_GATTS_READ_REQUEST handler
# runs on the main thread (as every handler does), denies the first read and lets the
# second through after changing the value; the central chains its calls from inside
# its own handlers (discovery, reads, disconnect), as the reference's ble_irq_calls.
from micropython import const
import _thread
import time
import machine
import bluetooth

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_READ_REQUEST = const(4)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_GATTS_ERROR_READ_NOT_PERMITTED = const(0x02)
TIMEOUT_MS = 5000

MAIN = _thread.get_ident()
CHAR_UUID = bluetooth.UUID(0x2A19)
SERVICES = ((bluetooth.UUID(0x180F), ((CHAR_UUID, bluetooth.FLAG_READ),)),)

waiting = {}
reads = []
chain = {}


def on_main():
    return _thread.get_ident() == MAIN


def peripheral_irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT", on_main())
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT", on_main())
    elif event == _IRQ_GATTS_READ_REQUEST:
        reads.append(data[1])
        print("_IRQ_GATTS_READ_REQUEST", len(reads), on_main())
        if len(reads) == 1:
            return _GATTS_ERROR_READ_NOT_PERMITTED
        ble.gatts_write(data[1], b"\x64")  # the value this read returns
        return 0
    waiting[event] = True


def central_irq(event, data):
    if event == _IRQ_PERIPHERAL_CONNECT:
        print("_IRQ_PERIPHERAL_CONNECT", on_main())
        chain["conn"] = data[0]
        ble.gattc_discover_characteristics(data[0], 1, 65535)
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        if data[-1] == CHAR_UUID:
            chain["value_handle"] = data[2]
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        print("_IRQ_GATTC_CHARACTERISTIC_DONE", data[-1], on_main())
        ble.gattc_read(chain["conn"], chain["value_handle"])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("_IRQ_GATTC_READ_RESULT", bytes(data[-1]), on_main())
    elif event == _IRQ_GATTC_READ_DONE:
        print("_IRQ_GATTC_READ_DONE", hex(data[-1]), on_main())
        chain["reads"] = chain.get("reads", 0) + 1
        if chain["reads"] == 1:
            ble.gattc_read(chain["conn"], chain["value_handle"])
        else:
            print("gap_disconnect:", ble.gap_disconnect(chain["conn"]))
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        print("_IRQ_PERIPHERAL_DISCONNECT", on_main())
    waiting[event] = True


def wait_for_event(event, timeout_ms):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < timeout_ms:
        if waiting.pop(event, None):
            return True
        time.sleep_ms(1)
    raise ValueError("Timeout waiting for {}".format(event))


# Acting as peripheral.
def instance0():
    multitest.globals(BDADDR=ble.config("mac"))
    ble.irq(peripheral_irq)
    ((char_handle,),) = ble.gatts_register_services(SERVICES)
    ble.gatts_write(char_handle, b"\x32")
    ble.gap_advertise(20_000, b"\x02\x01\x06\x04\x09MPY")
    multitest.next()
    try:
        wait_for_event(_IRQ_CENTRAL_DISCONNECT, TIMEOUT_MS)
    finally:
        ble.active(0)


# Acting as central: everything after gap_connect happens in the handler.
def instance1():
    ble.irq(central_irq)
    multitest.next()
    try:
        print("gap_connect")
        ble.gap_connect(*BDADDR)
        wait_for_event(_IRQ_PERIPHERAL_DISCONNECT, TIMEOUT_MS)
    finally:
        ble.active(0)


ble = bluetooth.BLE()
ble.active(1)
