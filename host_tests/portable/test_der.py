# Bounded DER reader (X.690 DER rules as RFC 5280 uses them): every malformed encoding
# is a ParseError, never an IndexError.
from nts.errors import ParseError
from nts.tls import der
from nts.wire import Reader
from support import h, raises


def _r(hexstr):
    return Reader(h(hexstr))


def test_short_and_long_lengths():
    tag, body = der.tlv(_r("04 03 616263"))
    assert tag == 0x04 and body.rest() == b"abc"
    long_ = h("04 81 80") + bytes(128)
    tag, body = der.tlv(Reader(long_))
    assert body.remaining() == 128
    r = Reader(h("30 82 0100") + bytes(256) + b"x")
    assert der.expect(r, der.SEQUENCE).remaining() == 256
    assert r.rest() == b"x"


def test_length_encoding_must_be_der():
    raises(ParseError, der.tlv, _r("30 80 0000"))          # indefinite (BER only)
    raises(ParseError, der.tlv, _r("04 81 05 0102030405"))  # long form for < 128
    raises(ParseError, der.tlv, Reader(h("04 82 0080") + bytes(128)))  # leading zero
    raises(ParseError, der.tlv, _r("04 84 00000001 00"))    # too many length bytes
    raises(ParseError, der.tlv, _r("1f 01 01 00"))          # high tag number form


def test_truncation_and_nesting_bounds():
    for bad in ("", "30", "30 05 0102", "30 81", "30 82 01"):
        raises(ParseError, der.tlv, _r(bad))
    # An inner element claiming more than its parent holds cannot escape the parent.
    outer = der.expect(_r("30 03 04 05 61 6263646566"), der.SEQUENCE)
    raises(ParseError, der.tlv, outer)


def test_expect_optional_peek_done():
    r = _r("a0 03 020102 02 01 07")
    assert der.peek(r) == 0xA0
    assert der.optional(r, 0xA1) is None
    v = der.optional(r, 0xA0)
    assert der.integer(v) == 2
    der.done(v, "v")
    raises(ParseError, der.expect, r, der.SEQUENCE)
    r2 = _r("30 02 0500")
    body = der.expect(r2, der.SEQUENCE)
    raises(ParseError, der.done, body, "x")
    assert der.peek(Reader(b"")) == -1


def test_expect_span_covers_header():
    data = h("30 04 02 02 0080 ff")
    r = Reader(data)
    start, body = der.expect_span(r, der.SEQUENCE)
    assert data[start:body.end] == h("30 04 02 02 0080")


def test_integer_rules():
    assert der.integer(_r("02 01 00")) == 0
    assert der.integer(_r("02 01 7f")) == 127
    assert der.integer(_r("02 02 0080")) == 128
    assert der.integer(_r("02 03 010001")) == 65537
    raises(ParseError, der.integer, _r("02 00"))          # empty
    raises(ParseError, der.integer, _r("02 01 80"))       # negative
    raises(ParseError, der.integer, _r("02 02 007f"))     # non-minimal
    raises(ParseError, der.integer, _r("02 03 01000000"), 2)
    raises(ParseError, der.integer, _r("02 09 010000000000000000"))  # > 8 bytes default
    body = der.integer_body(Reader(h("02 03 00ff01")), 2)
    assert body.rest() == h("ff01")


def test_boolean_null_octets():
    assert der.boolean(_r("01 01 ff")) is True
    assert der.boolean(_r("01 01 00")) is False
    raises(ParseError, der.boolean, _r("01 01 01"))  # BER true, not DER
    raises(ParseError, der.boolean, _r("01 02 ffff"))
    der.null(_r("05 00"))
    raises(ParseError, der.null, _r("05 01 00"))
    assert der.octets(_r("04 02 abcd")).rest() == h("abcd")


def test_oid():
    sha256_rsa = der.oid(_r("06 09 2a864886f70d01010b"))
    assert der.oid_str(sha256_rsa) == "1.2.840.113549.1.1.11"
    assert der.oid_str(der.oid(_r("06 05 2b81040022"))) == "1.3.132.0.34"
    assert der.oid_str(der.oid(_r("06 03 551d11"))) == "2.5.29.17"
    assert der.oid_str(der.oid(_r("06 03 883703"))) == "2.999.3"
    raises(ParseError, der.oid, _r("06 00"))
    raises(ParseError, der.oid, _r("06 02 2a86"))      # last subidentifier unfinished
    raises(ParseError, der.oid, _r("06 03 2a8001"))    # 0x80 leading byte: non-minimal
    raises(ParseError, der.oid, _r("04 01 2a"))


def test_bit_strings():
    assert der.bit_string(_r("03 03 00 abcd")).rest() == h("abcd")
    raises(ParseError, der.bit_string, _r("03 03 04 abc0"))
    raises(ParseError, der.bit_string, _r("03 00"))
    # KeyUsage: digitalSignature (0) + keyEncipherment (2) = a0 with 5 unused bits.
    assert der.named_bits(_r("03 02 05 a0")) == 0x05
    # keyCertSign (5) + cRLSign (6): 0x06 = 0b0000011.0 -> bits 5 and 6.
    assert der.named_bits(_r("03 02 01 06")) == 0x60
    assert der.named_bits(_r("03 03 07 8080")) == 0x101  # decipherOnly is bit 8
    assert der.named_bits(_r("03 01 00")) == 0
    raises(ParseError, der.named_bits, _r("03 02 05 a1"))  # unused bit set
    raises(ParseError, der.named_bits, _r("03 01 01"))     # unused bits, no data
    raises(ParseError, der.named_bits, _r("03 02 08 00"))


def _t(tag, text):
    b = text.encode()
    return Reader(bytes([tag, len(b)]) + b)


def test_times():
    assert der.utc_time(_t(0x17, "700101000000Z")) == 0
    assert der.utc_time(_t(0x17, "491231235959Z")) == 2524607999
    assert der.utc_time(_t(0x17, "500101000000Z")) == -631152000
    assert der.utc_time(_t(0x18, "20380119031408Z")) == 2147483648
    assert der.utc_time(_t(0x18, "99991231235959Z")) == 253402300799
    assert der.utc_time(_t(0x18, "20240229120000Z")) == 1709208000
    assert der.utc_time(_t(0x18, "20000301000000Z")) == 951868800
    for tag, bad in ((0x18, "20230229120000Z"), (0x18, "21000229000000Z"),
                     (0x18, "20240230120000Z"), (0x18, "20241301000000Z"),
                     (0x18, "20240100000000Z"), (0x18, "20240101240000Z"),
                     (0x18, "20240101006000Z"), (0x18, "20240101000060Z"),
                     (0x18, "20240229120000.5Z"), (0x18, "20240229120000+0100"),
                     (0x18, "2024022912000Z"), (0x17, "2402291200Z"),
                     (0x17, "24022912000 Z"), (0x17, "2402291200000"),
                     (0x17, "20240229120000Z"), (0x18, "240229120000Z"),
                     (0x04, "240229120000Z"), (0x18, "2O240229120000")):
        raises(ParseError, der.utc_time, _t(tag, bad))

