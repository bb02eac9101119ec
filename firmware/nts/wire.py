# The one bounds-checked reader and writer behind every codec (NTS-KE, NTP, TLS, DER).
# A read past the end raises ParseError, never IndexError, so a codec built on it cannot
# crash on truncated input.
from nts.errors import ParseError


class Reader:
    """Reads big-endian fields from buf[pos:end] without ever reading past `end`."""

    def __init__(self, buf, pos=0, end=None):
        self.buf = buf
        self.pos = pos
        self.end = len(buf) if end is None else end
        if not 0 <= pos <= self.end <= len(buf):
            raise ParseError("bad reader bounds")

    def remaining(self):
        return self.end - self.pos

    def at_end(self):
        return self.pos >= self.end

    def expect_end(self, what="message"):
        if self.pos != self.end:
            raise ParseError("%d trailing bytes after %s" % (self.end - self.pos, what))

    def _advance(self, n):
        if n < 0 or self.end - self.pos < n:
            raise ParseError("truncated: need %d bytes, have %d" % (n, self.end - self.pos))
        p = self.pos
        self.pos = p + n
        return p

    def uint(self, n):
        p = self._advance(n)
        return int.from_bytes(self.buf[p:p + n], "big")

    def u8(self):
        p = self._advance(1)
        return self.buf[p]

    def u16(self):
        return self.uint(2)

    def u24(self):
        return self.uint(3)

    def u32(self):
        return self.uint(4)

    def u64(self):
        return self.uint(8)

    def take(self, n):
        p = self._advance(n)
        return bytes(self.buf[p:p + n])

    def sub(self, n):
        """A Reader over the next n bytes; this reader skips past them."""
        p = self._advance(n)
        return Reader(self.buf, p, p + n)

    def vector(self, len_bytes, minimum=0, maximum=None):
        """A length-prefixed vector (TLS style `<min..max>`), returned as a sub-Reader."""
        n = self.uint(len_bytes)
        if n < minimum or (maximum is not None and n > maximum):
            raise ParseError("vector length %d out of range" % n)
        return self.sub(n)

    def rest(self):
        return self.take(self.end - self.pos)


class Writer:
    """Appends big-endian fields to one growing bytearray."""

    def __init__(self):
        self.buf = bytearray()

    def uint(self, value, n):
        if value < 0 or value >> (8 * n):
            raise ValueError("value does not fit in %d bytes" % n)
        self.buf.extend(value.to_bytes(n, "big"))
        return self

    def u8(self, v):
        self.buf.append(v)
        return self

    def u16(self, v):
        return self.uint(v, 2)

    def u24(self, v):
        return self.uint(v, 3)

    def u32(self, v):
        return self.uint(v, 4)

    def u64(self, v):
        return self.uint(v, 8)

    def put(self, data):
        self.buf.extend(data)
        return self

    def vector(self, len_bytes, data):
        return self.uint(len(data), len_bytes).put(data)

    def __len__(self):
        return len(self.buf)

    def getvalue(self):
        return bytes(self.buf)
