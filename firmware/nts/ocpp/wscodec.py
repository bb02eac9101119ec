# RFC 6455 WebSocket, client side, sans-IO: the opening handshake (request text, and
# the check of the server's answer) and the frame codec. nts.ocpp.wslink does the I/O.
# Not MicroPython's built-in `websocket` module: that one frames only, unmasked-server
# checks and fragments are left to the caller, and CPython has none; one tested codec
# for both interpreters is simpler than two paths.
#
#   key = new_key()
#   stream.write(handshake_request("csms.example", 80, "/ocpp/CP1", key, "ocpp1.6"))
#   check_handshake(head_bytes, key, "ocpp1.6")     # WSError when the upgrade failed
#   stream.write(encode(OP_TEXT, b"[2,...]"))       # client frames are always masked
#   dec = Decoder(); for op, payload in dec.feed(data): ...
#
# Messages are reassembled from fragments (control frames may come between them);
# frames a server must not send (masked, reserved bits, unknown opcodes, fragmented or
# long control frames, a continuation with nothing to continue) are WSError with the
# close code to send. Messages over `max_message` bytes are WSError 1009.
import binascii
import hashlib

from micropython import const

from nts.errors import NTSError
from nts.platform import random_bytes

OP_CONT = const(0)
OP_TEXT = const(1)
OP_BINARY = const(2)
OP_CLOSE = const(8)
OP_PING = const(9)
OP_PONG = const(10)

CLOSE_NORMAL = const(1000)
CLOSE_PROTOCOL = const(1002)
CLOSE_BAD_DATA = const(1007)
CLOSE_TOO_BIG = const(1009)

MAX_HEAD = const(4096)          # bytes of the server's HTTP answer we read at most
MAX_MESSAGE = const(16384)      # an InstallCertificate of 11000 PEM characters is ~11.5 KB
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   # RFC 6455 section 1.3


class WSError(NTSError):
    """A WebSocket protocol failure; `code` is the close code to answer with."""

    def __init__(self, message, code=CLOSE_PROTOCOL):
        super().__init__(message)
        self.code = code


def _b64(data):
    return binascii.b2a_base64(data).strip()


def new_key():
    """A fresh Sec-WebSocket-Key (base64 of 16 random bytes) as bytes."""
    return _b64(random_bytes(16))


def sha1(data):
    """hashlib's SHA-1 where the port has it, else nts.ocpp.sha1 (plain Python)."""
    if hasattr(hashlib, "sha1"):
        return hashlib.sha1(data).digest()
    from nts.ocpp import sha1 as plain
    return plain.digest(data)


def accept_for(key):
    """The Sec-WebSocket-Accept a server must answer `key` with (RFC 6455 4.2.2)."""
    return _b64(sha1(key + _GUID))


def handshake_request(host, port, path, key, subprotocol, basic_auth=None, default_port=80):
    """The HTTP/1.1 upgrade request. basic_auth: (user, password) for OCPP security
    profile 1/2 (HTTP Basic, RFC 7617), or None."""
    hostport = host if port == default_port else "%s:%d" % (host, port)
    if ":" in host and not host.startswith("["):
        hostport = "[%s]" % host if port == default_port else "[%s]:%d" % (host, port)
    lines = ["GET %s HTTP/1.1" % path, "Host: " + hostport, "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key.decode(),
             "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: " + subprotocol]
    if basic_auth is not None:
        cred = ("%s:%s" % basic_auth).encode()
        lines.append("Authorization: Basic " + _b64(cred).decode())
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse_head(head):
    """(status, {lower-case name: value}) of an HTTP response head (bytes up to and
    including the blank line)."""
    try:
        text = head.decode()
    except UnicodeError:
        raise WSError("handshake answer is not text")
    lines = text.split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise WSError("not an HTTP answer: %r" % lines[0][:60])
    try:
        status = int(parts[1])
    except ValueError:
        raise WSError("bad HTTP status %r" % parts[1][:20])
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        i = line.find(":")
        if i <= 0:
            raise WSError("bad header line %r" % line[:60])
        name = line[:i].strip().lower()
        value = line[i + 1:].strip()
        headers[name] = headers[name] + ", " + value if name in headers else value
    return status, headers


def _tokens(value):
    return [t.strip().lower() for t in value.split(",")]


def check_handshake(head, key, subprotocol):
    """Check the server's answer to handshake_request (RFC 6455 4.1, steps 1-6)."""
    status, h = parse_head(head)
    if status != 101:
        raise WSError("HTTP %d instead of 101 Switching Protocols%s" % (
            status, " (authorization failed)" if status in (401, 403) else ""))
    if h.get("upgrade", "").lower() != "websocket":
        raise WSError("no Upgrade: websocket")
    if "upgrade" not in _tokens(h.get("connection", "")):
        raise WSError("no Connection: Upgrade")
    if h.get("sec-websocket-accept", "").encode() != accept_for(key):
        raise WSError("Sec-WebSocket-Accept does not match the key")
    if h.get("sec-websocket-extensions"):
        raise WSError("server chose an extension we did not offer")
    got = h.get("sec-websocket-protocol")
    if got != subprotocol:
        raise WSError("server chose subprotocol %r, not %s" % (got, subprotocol))


def mask(data, key):
    """data XOR the repeated 4-byte key (one big-integer XOR: no per-byte loop)."""
    n = len(data)
    if not n:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def encode(opcode, payload=b"", fin=True, mask_key=None):
    """One client frame (masked: RFC 6455 5.3; mask_key is random unless given)."""
    n = len(payload)
    head = bytearray([(0x80 if fin else 0) | opcode])
    if n < 126:
        head.append(0x80 | n)
    elif n < 65536:
        head.append(0x80 | 126)
        head += n.to_bytes(2, "big")
    else:
        head.append(0x80 | 127)
        head += n.to_bytes(8, "big")
    key = mask_key if mask_key is not None else random_bytes(4)
    return bytes(head) + key + mask(payload, key)


def close_payload(code, reason=""):
    return code.to_bytes(2, "big") + reason.encode()[:123]


def parse_close(payload):
    """(code, reason) of a close frame's payload (1005: no code given)."""
    if not payload:
        return 1005, ""
    if len(payload) == 1:
        raise WSError("close frame with a 1-byte payload")
    try:
        reason = payload[2:].decode()
    except UnicodeError:
        raise WSError("close reason is not UTF-8", CLOSE_BAD_DATA)
    return int.from_bytes(payload[:2], "big"), reason


class Decoder:
    """Server frames -> complete messages. feed(data) returns [(opcode, payload), ...]:
    OP_TEXT / OP_BINARY messages (reassembled) and control frames as they come."""

    def __init__(self, max_message=MAX_MESSAGE):
        self.max_message = max_message
        self._buf = b""
        self._frag_op = None
        self._frag = []
        self._frag_len = 0

    def feed(self, data):
        self._buf += data
        out = []
        while True:
            frame = self._frame()
            if frame is None:
                return out
            msg = self._message(*frame)
            if msg is not None:
                out.append(msg)

    def _frame(self):
        # RFC 6455 5.2:  FIN RSV1-3 opcode(4) | MASK len(7) [len16 | len64] [mask(4)] data
        b = self._buf
        if len(b) < 2:
            return None
        b0, b1 = b[0], b[1]
        if b0 & 0x70:
            raise WSError("reserved bits set (no extension was negotiated)")
        if b1 & 0x80:
            raise WSError("server frames must not be masked")
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            if len(b) < 4:
                return None
            n = int.from_bytes(b[2:4], "big")
            pos = 4
        elif n == 127:
            if len(b) < 10:
                return None
            n = int.from_bytes(b[2:10], "big")
            pos = 10
        opcode = b0 & 0x0F
        fin = bool(b0 & 0x80)
        if opcode >= 8:
            if not fin or n > 125:
                raise WSError("control frames must be whole and at most 125 bytes")
        elif n + self._frag_len > self.max_message:
            raise WSError("message over %d bytes" % self.max_message, CLOSE_TOO_BIG)
        if len(b) < pos + n:
            return None
        payload = b[pos:pos + n]
        self._buf = b[pos + n:]
        return fin, opcode, payload

    def _message(self, fin, opcode, payload):
        if opcode >= 8:
            if opcode not in (OP_CLOSE, OP_PING, OP_PONG):
                raise WSError("unknown control opcode %d" % opcode)
            return opcode, payload
        if opcode == OP_CONT:
            if self._frag_op is None:
                raise WSError("continuation frame with nothing to continue")
        elif opcode in (OP_TEXT, OP_BINARY):
            if self._frag_op is not None:
                raise WSError("new message inside a fragmented one")
            self._frag_op = opcode
        else:
            raise WSError("unknown data opcode %d" % opcode)
        self._frag.append(payload)
        self._frag_len += len(payload)
        if not fin:
            return None
        op = self._frag_op
        data = b"".join(self._frag)
        self._frag_op = None
        self._frag = []
        self._frag_len = 0
        return op, data
