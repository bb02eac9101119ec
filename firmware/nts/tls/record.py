# TLS 1.3 record layer (RFC 8446 section 5), sans-IO: bytes from the socket go in with
# feed(), whole records come out of next_record() with protection removed; seal() turns
# content into records to send. Handshake messages may be split over records or share
# one; HandshakeBuffer reassembles them. Sizes are checked from the header, before a
# record is buffered, so a peer cannot make us hold more than one maximal record.
from micropython import const

from nts.crypto.gcm import AESGCM
from nts.errors import ParseError, TLSAlert, TLSError
from nts.wire import Reader

CHANGE_CIPHER_SPEC = const(20)
ALERT = const(21)
HANDSHAKE = const(22)
APPLICATION_DATA = const(23)

_HEADER = const(5)
_TAG = const(16)
MAX_PLAINTEXT = const(16384)             # 2^14 (RFC 8446 5.1)
MAX_CIPHERTEXT = const(16384 + 256)      # 2^14 + 256 (RFC 8446 5.2)
# Largest handshake message we reassemble: a certificate chain of a few RSA-4096
# certificates fits with room to spare.
MAX_HANDSHAKE_MESSAGE = 24576

CLOSE_NOTIFY = const(0)


class _Protection:
    """AEAD state of one direction: key, static IV, and the 64-bit record sequence.

    With defer_tags, records are decrypted now and their tags kept for check_tags_steps():
    only for the server's handshake flight, whose plaintext the server Finished MAC
    covers, so nothing unauthenticated is trusted meanwhile (see RecordLayer)."""

    def __init__(self, key, iv, defer_tags=False):
        # The AES-GCM context (key schedule, GHASH tables) is made on first use: the
        # server's application key is set with our Finished but first used only for the
        # response, which keeps its setup off the critical path.
        self._key = key
        self._aead = None
        self._iv = iv
        self._seq = 0
        self.pending = [] if defer_tags else None

    def _gcm(self):
        if self._aead is None:
            self._aead = AESGCM(self._key)
            self._key = None
        return self._aead

    def _nonce(self):
        # RFC 8446 5.3: the sequence number, left-padded to iv_length, XOR the static IV.
        n = bytearray(self._iv)
        s = self._seq
        for i in range(11, 3, -1):
            n[i] ^= s & 0xFF
            s >>= 8
        self._seq += 1
        return bytes(n)

    def seal(self, header, inner):
        return self._gcm().encrypt(self._nonce(), inner, header)

    def open(self, header, ciphertext):
        return self._gcm().decrypt(self._nonce(), ciphertext, header, self.pending)

    def check_tags_steps(self):
        if self.pending:
            yield from self._gcm().check_deferred_steps(self.pending)
        self.pending = None


class RecordLayer:
    """Record framing and protection for both directions of one connection.

    accept_ccs: set by the handshake while a middlebox-compatibility ChangeCipherSpec
    may arrive (after our ClientHello, before the server Finished, RFC 8446 5); such a
    record is dropped, any other is an error.

    set_read_key(..., defer_tags=True) keeps the GHASH work of the server's handshake
    flight off the critical path (plain-Python GHASH costs ~2 ms a block on a board, a
    certificate flight is hundreds of blocks): the records are decrypted at once and the
    server Finished MAC, over their plaintext, is what the handshake relies on; the tags
    are checked by check_deferred_tags_steps() before anything from the session is used.
    """

    def __init__(self):
        self._buf = bytearray()
        self._read = None
        self._write = None
        self._unchecked = None      # a replaced read protection with tags still to check
        self.accept_ccs = False

    def set_read_key(self, key, iv, defer_tags=False):
        if self._read is not None and self._read.pending:
            self._unchecked = self._read
        self._read = _Protection(key, iv, defer_tags)

    def check_deferred_tags_steps(self):
        """AuthError unless every deferred record tag verifies (in slices, nts.slices)."""
        for p in (self._unchecked, self._read):
            if p is not None:
                yield from p.check_tags_steps()
        self._unchecked = None

    def set_write_key(self, key, iv):
        self._write = _Protection(key, iv)

    def feed(self, data):
        self._buf.extend(data)

    def buffered(self):
        return len(self._buf)

    def next_record(self):
        """(content_type, content) of the next whole record, or None if more bytes are needed.

        struct {
            ContentType type;
            ProtocolVersion legacy_record_version;
            uint16 length;
            opaque fragment[TLSPlaintext.length];
        } TLSPlaintext;   (TLSCiphertext has the same header, opaque_type = 23)

        Alerts raise TLSAlert, except close_notify, returned as (ALERT, b"").
        """
        while True:
            if len(self._buf) < _HEADER:
                return None
            r = Reader(self._buf, 0, _HEADER)
            ctype, major, _minor, length = r.u8(), r.u8(), r.u8(), r.u16()
            if major != 3 or ctype not in (CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA):
                raise ParseError("not a TLS record (type %d, version %d)" % (ctype, major))
            protected = ctype == APPLICATION_DATA and self._read is not None
            if length > (MAX_CIPHERTEXT if protected else MAX_PLAINTEXT):
                raise TLSError("record_overflow: %d-byte record" % length)
            if len(self._buf) < _HEADER + length:
                return None
            header = bytes(self._buf[:_HEADER])
            # One copy of the fragment; the prefix is then cut from the buffer in place.
            fragment = bytes(memoryview(self._buf)[_HEADER:_HEADER + length])
            self._buf[:_HEADER + length] = b""
            if ctype == CHANGE_CIPHER_SPEC:
                if not (self.accept_ccs and fragment == b"\x01"):
                    raise TLSError("unexpected change_cipher_spec")
                continue
            if protected:
                ctype, fragment = self._unprotect(header, fragment)
            elif self._read is not None and ctype != ALERT:
                raise TLSError("unprotected record type %d after keys were set" % ctype)
            if ctype == ALERT:
                return self._alert(fragment)
            if not fragment and ctype != APPLICATION_DATA:
                raise TLSError("empty record of type %d" % ctype)
            return ctype, fragment

    def _unprotect(self, header, fragment):
        """TLSInnerPlaintext (RFC 8446 5.2) from one TLSCiphertext.

        struct {
            opaque content[TLSPlaintext.length];
            ContentType type;
            uint8 zeros[length_of_padding];
        } TLSInnerPlaintext;
        """
        if len(fragment) <= _TAG:
            raise TLSError("protected record too short")
        inner = self._read.open(header, fragment)    # AuthError on a bad tag
        end = len(inner)
        while end and inner[end - 1] == 0:
            end -= 1
        if end == 0:
            raise TLSError("protected record without a content type")
        if end - 1 > MAX_PLAINTEXT:
            raise TLSError("record_overflow: inner plaintext too long")
        ctype = inner[end - 1]
        if ctype not in (ALERT, HANDSHAKE, APPLICATION_DATA):
            raise TLSError("bad inner content type %d" % ctype)
        return ctype, inner[:end - 1]

    def _alert(self, fragment):
        # struct { AlertLevel level; AlertDescription description; } Alert;
        r = Reader(fragment)
        level, description = r.u8(), r.u8()
        r.expect_end("alert")
        if description == CLOSE_NOTIFY:
            return ALERT, b""
        raise TLSAlert(level, description)

    def seal(self, ctype, data):
        """data as one or more records of ctype (a bytearray), protected once a write key is set.

        The output is allocated once: a 16 KB write must not need several 16 KB copies
        on a board with a 100 KB heap.
        """
        n = len(data)
        count = max(1, (n + MAX_PLAINTEXT - 1) // MAX_PLAINTEXT)
        extra = _HEADER if self._write is None else _HEADER + 1 + _TAG
        out = bytearray(n + count * extra)
        src = memoryview(data)
        o = 0
        for i in range(count):
            chunk = src[i * MAX_PLAINTEXT:(i + 1) * MAX_PLAINTEXT]
            size = len(chunk)
            if self._write is None:
                out[o:o + _HEADER] = bytes((ctype, 3, 3, size >> 8, size & 0xFF))
                out[o + _HEADER:o + _HEADER + size] = chunk
            else:
                size += 1 + _TAG
                header = bytes((APPLICATION_DATA, 3, 3, size >> 8, size & 0xFF))
                out[o:o + _HEADER] = header
                out[o + _HEADER:o + _HEADER + size] = self._write.seal(
                    header, bytes(chunk) + bytes((ctype,)))
            o += _HEADER + size
        return out


class HandshakeBuffer:
    """Reassembles handshake messages from the content of HANDSHAKE records."""

    def __init__(self):
        self._buf = bytearray()

    def add(self, fragment):
        self._buf.extend(fragment)

    def empty(self):
        return not self._buf

    def next_message(self):
        """(msg_type, body, whole message) or None until a message is complete.

        struct {
            HandshakeType msg_type;
            uint24 length;
            select (Handshake.msg_type) { ... };
        } Handshake;
        """
        if len(self._buf) < 4:
            return None
        r = Reader(self._buf, 0, 4)
        msg_type, length = r.u8(), r.u24()
        if length > MAX_HANDSHAKE_MESSAGE:
            raise TLSError("handshake message of %d bytes exceeds the limit" % length)
        if len(self._buf) < 4 + length:
            return None
        message = bytes(memoryview(self._buf)[:4 + length])
        self._buf[:4 + length] = b""
        return msg_type, message[4:], message


def alert(level, description):
    """An Alert record's content (seal it with ALERT)."""
    return bytes((level, description))

