# Bounded DER (ITU-T X.690) reading for X.509, on top of nts.wire.Reader. Every element
# is read as a sub-Reader confined to its own length, so nothing can read past its parent;
# there is no recursion, so hostile nesting cannot exhaust the stack. Only what DER
# allows is accepted: single-byte tags, definite minimal lengths, minimal INTEGERs,
# strict UTC times. Every failure is a ParseError.
from micropython import const

from nts.errors import ParseError

# Universal and context tags used by x509 (public: x509 imports them).
BOOLEAN = const(0x01)
INTEGER = const(0x02)
BIT_STRING = const(0x03)
OCTET_STRING = const(0x04)
NULL = const(0x05)
OID = const(0x06)
UTC_TIME = const(0x17)
GENERALIZED_TIME = const(0x18)
SEQUENCE = const(0x30)
SET = const(0x31)

# A certificate is a few KB; 4 length bytes would already allow 4 GB.
_MAX_LENGTH_BYTES = const(3)


def header(r):
    """Read one identifier and length; return (tag, content_length).

    X.690 8.1.2/8.1.3 (DER 10.1): a tag number >= 31 (high-tag form) is not used by
    X.509 and refused; the indefinite length 0x80 is not DER; long-form lengths must be
    minimal (no leading zero byte, and only for lengths >= 128).
    """
    tag = r.u8()
    if tag & 0x1F == 0x1F:
        raise ParseError("der: high tag number form")
    first = r.u8()
    if first < 0x80:
        return tag, first
    n = first & 0x7F
    if n == 0:
        raise ParseError("der: indefinite length")
    if n > _MAX_LENGTH_BYTES:
        raise ParseError("der: length too long")
    length = r.uint(n)
    if length < 0x80 or length >> (8 * (n - 1)) == 0:
        raise ParseError("der: non-minimal length")
    return tag, length


def tlv(r):
    """Read one element; return (tag, Reader over its contents)."""
    tag, length = header(r)
    return tag, r.sub(length)


def peek(r):
    """The tag of the next element, or -1 at the end of r."""
    if r.pos >= r.end:
        return -1
    return r.buf[r.pos]


def expect(r, tag, what="element"):
    """Read one element that must have `tag`; return a Reader over its contents."""
    t, body = tlv(r)
    if t != tag:
        raise ParseError("der: %s: expected tag 0x%02x, got 0x%02x" % (what, tag, t))
    return body


def expect_span(r, tag, what="element"):
    """Like expect(), also returning where the whole element (header included) starts:
    r.buf[start:body.end] is its exact encoding (what a signature covers)."""
    start = r.pos
    return start, expect(r, tag, what)


def optional(r, tag):
    """The contents of the next element if it has `tag`, else None (nothing consumed)."""
    if peek(r) != tag:
        return None
    return tlv(r)[1]


def done(r, what):
    """The contents of a constructed element must be fully used."""
    if r.pos != r.end:
        raise ParseError("der: trailing data in %s" % what)


def oid(r):
    """OBJECT IDENTIFIER contents as bytes (compare with encoded constants).

    X.690 8.19: each subidentifier is base-128, high bit set on all but its last byte,
    with no leading 0x80 byte (non-minimal)."""
    body = expect(r, OID, "oid")
    n = body.remaining()
    if n == 0 or n > 64:
        raise ParseError("der: bad oid length")
    b = body.take(n)
    if b[n - 1] & 0x80:
        raise ParseError("der: truncated oid")
    start = True
    for c in b:
        if start and c == 0x80:
            raise ParseError("der: non-minimal oid")
        start = not c & 0x80
    return b


def oid_str(b):
    """Dotted form of encoded OID contents, for messages and tests."""
    parts = []
    v = 0
    for c in b:
        v = (v << 7) | (c & 0x7F)
        if not c & 0x80:
            if not parts:
                first = 2 if v >= 80 else v // 40
                parts.append(first)
                v -= 40 * first
            parts.append(v)
            v = 0
    return ".".join(str(p) for p in parts)


def integer_body(r, max_bytes):
    """A Reader over a non-negative, minimally encoded INTEGER's contents without the
    sign byte (X.690 8.3.2), at most max_bytes long."""
    body = expect(r, INTEGER, "integer")
    n = body.remaining()
    if n == 0:
        raise ParseError("der: empty integer")
    b0 = body.buf[body.pos]
    if b0 & 0x80:
        raise ParseError("der: negative integer")
    if n > 1 and b0 == 0:
        if not body.buf[body.pos + 1] & 0x80:
            raise ParseError("der: non-minimal integer")
        body.u8()
        n -= 1
    if n > max_bytes:
        raise ParseError("der: integer too large")
    return body


def integer(r, max_bytes=8):
    """A non-negative, minimally encoded INTEGER of at most max_bytes magnitude bytes."""
    body = integer_body(r, max_bytes)
    return int.from_bytes(body.buf[body.pos:body.end], "big")


def boolean(r):
    """DER BOOLEAN: exactly one byte, 0x00 or 0xFF (X.690 11.1)."""
    body = expect(r, BOOLEAN, "boolean")
    if body.remaining() != 1:
        raise ParseError("der: bad boolean length")
    v = body.u8()
    if v not in (0x00, 0xFF):
        raise ParseError("der: non-DER boolean")
    return v == 0xFF


def null(r):
    if expect(r, NULL, "null").remaining():
        raise ParseError("der: non-empty NULL")


def octets(r):
    """A Reader over an OCTET STRING's contents (no copy)."""
    return expect(r, OCTET_STRING, "octet string")


def bit_string(r):
    """A Reader over a BIT STRING with no unused bits (keys, signatures)."""
    body = expect(r, BIT_STRING, "bit string")
    if body.u8() != 0:
        raise ParseError("der: bit string has unused bits")
    return body


def named_bits(r):
    """A named-bit BIT STRING (e.g. KeyUsage) as an int: bit i of the ASN.1 value (the
    i-th most significant bit of the contents) is `1 << i`. Unused bits must be zero."""
    body = expect(r, BIT_STRING, "bit string")
    unused = body.u8()
    n = body.remaining()
    if unused > 7 or (n == 0 and unused) or n > 4:
        raise ParseError("der: bad named bit string")
    value = 0
    bit = 0
    for i in range(n):
        c = body.u8()
        if i == n - 1 and c & ((1 << unused) - 1):
            raise ParseError("der: unused bits set")
        for j in range(8):
            if c & (0x80 >> j):
                value |= 1 << bit
            bit += 1
    return value


def _digits(b, pos, n):
    v = 0
    for i in range(pos, pos + n):
        c = b[i] - 0x30
        if c < 0 or c > 9:
            raise ParseError("der: bad time digit")
        v = v * 10 + c
    return v


def utc_time(r):
    """UTCTime or GeneralizedTime as unix seconds.

    RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY >= 50 is 19YY, else 20YY);
    GeneralizedTime YYYYMMDDHHMMSSZ; always UTC ("Z"), seconds present, no fractions.
    """
    tag, body = tlv(r)
    n = body.remaining()
    if tag == UTC_TIME and n == 13:
        b = body.take(13)
        y = _digits(b, 0, 2)
        y += 1900 if y >= 50 else 2000
        p = 2
    elif tag == GENERALIZED_TIME and n == 15:
        b = body.take(15)
        y = _digits(b, 0, 4)
        p = 4
    else:
        raise ParseError("der: bad time")
    if b[n - 1] != 0x5A:  # "Z"
        raise ParseError("der: time not in UTC")
    # The one calendar, rtc.civil (a board's clock driver has loaded it already; imported
    # here, not with the module, so the DER reader's own import stays small).
    from rtc.civil import to_unix
    try:
        return to_unix(y, _digits(b, p, 2), _digits(b, p + 2, 2), _digits(b, p + 4, 2),
                       _digits(b, p + 6, 2), _digits(b, p + 8, 2))
    except ValueError:    # a field out of range, e.g. 30 February or 24:00:00
        raise ParseError("der: time out of range")
