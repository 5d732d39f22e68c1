"""A scripted HCI controller for host tests: listens on a Unix (or TCP) socket,
answers the host's start-up and GAP commands, and lets a test inject raw bytes,
events, silence or a hang-up."""

import os
import shutil
import socket
import struct
import tempfile
import threading

H4_CMD, H4_EVT = 0x01, 0x04
OP_RESET = 0x0C03
OP_READ_LOCAL_FEATURES = 0x1003
OP_READ_BD_ADDR = 0x1009
OP_READ_LOCAL_VERSION = 0x1001
OP_READ_LOCAL_COMMANDS = 0x1002
OP_LE_READ_BUFFER_SIZE = 0x2002
OP_LE_RAND = 0x2018

PUBLIC_ADDR = bytes([0x66, 0x55, 0x44, 0x33, 0x22, 0x11])  # HCI order: 11:22:33:44:55:66


def cmd_complete(opcode, ret):
    params = bytes([1]) + struct.pack("<H", opcode) + ret
    return bytes([H4_EVT, 0x0E, len(params)]) + params


def adv_report(addr_hci, data, rssi=-50, event_type=0, addr_type=0):
    rep = bytes([1, event_type, addr_type]) + addr_hci + bytes([len(data)]) + data + \
        struct.pack("b", rssi)
    params = bytes([0x02]) + rep
    return bytes([H4_EVT, 0x3E, len(params)]) + params


class FakeController:
    """answers: opcode -> return parameters after the status (or a status int, or
    None for silence). Commands not listed get status 0 and no parameters."""

    def __init__(self, tcp=False, features=b"\x00\x00\x00\x00\x60\x00\x00\x00"):
        self.answers = {
            OP_READ_LOCAL_VERSION: b"\x00\x0d\x00\x00\x0d\xf1\x05\x00\x00",
            OP_READ_LOCAL_COMMANDS: b"\x00" + bytes(64),
            OP_READ_LOCAL_FEATURES: b"\x00" + features,
            OP_LE_READ_BUFFER_SIZE: b"\x00\xfb\x00\x08",
            0x2003: b"\x00" + bytes(8),  # LE Read Local Supported Features
            OP_READ_BD_ADDR: b"\x00" + PUBLIC_ADDR,
            OP_LE_RAND: b"\x00" + bytes(range(1, 9)),
        }
        self.commands = []      # (opcode, params) in order
        self.chunks = []        # every recv() as it came
        self.dir = tempfile.mkdtemp(prefix="mpble-fake-")
        if tcp:
            self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.server.bind(("127.0.0.1", 0))
            self.uri = "tcp:127.0.0.1:%d" % self.server.getsockname()[1]
        else:
            path = os.path.join(self.dir, "hci.sock")
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(path)
            self.uri = "unix:" + path
        self.server.listen(1)
        self.conn = None
        self.connected = threading.Event()
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.conn, _ = self.server.accept()
        except OSError:
            return
        self.connected.set()
        buf = b""
        while True:
            try:
                chunk = self.conn.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            self.chunks.append(chunk)
            buf += chunk
            while len(buf) >= 4 and buf[0] == H4_CMD and len(buf) >= 4 + buf[3]:
                opcode, plen = struct.unpack("<H", buf[1:3])[0], buf[3]
                params, buf = buf[4:4 + plen], buf[4 + plen:]
                with self.lock:
                    self.commands.append((opcode, params))
                    answer = self.answers.get(opcode, b"\x00")
                if answer is None:
                    continue
                if isinstance(answer, int):
                    answer = bytes([answer])
                self.send(cmd_complete(opcode, answer))

    def send(self, data):
        with self.send_lock:  # whole packets: the test's and the answers' never mix
            self.conn.sendall(data)

    def hang_up(self):
        self.conn.shutdown(socket.SHUT_RDWR)
        self.conn.close()
        self.thread.join(5)

    def opcodes(self):
        with self.lock:
            return [op for op, _ in self.commands]

    def close(self):
        for s in (self.conn, self.server):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        self.thread.join(5)
        shutil.rmtree(self.dir, ignore_errors=True)
