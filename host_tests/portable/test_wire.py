# The bounds-checked reader/writer every codec relies on.
from nts.errors import ParseError
from nts.wire import Reader, Writer
from support import raises


def test_roundtrip_fields():
    w = Writer().u8(1).u16(0x0203).u24(0x040506).u32(0x0708090A).u64(1 << 63)
    w.vector(2, b"xyz")
    r = Reader(w.getvalue())
    assert (r.u8(), r.u16(), r.u24(), r.u32(), r.u64()) == (1, 0x0203, 0x040506, 0x0708090A, 1 << 63)
    assert r.vector(2).rest() == b"xyz"
    r.expect_end()


def test_truncation_is_parse_error():
    for n in range(8):
        raises(ParseError, Reader(bytes(n)).u64)
    r = Reader(b"\x00\x05abc")
    raises(ParseError, r.vector, 2)


def test_sub_reader_cannot_escape():
    r = Reader(b"\x02ab" + b"secret")
    s = r.vector(1)
    assert s.take(2) == b"ab"
    raises(ParseError, s.u8)
    assert r.rest() == b"secret"


def test_vector_limits_and_trailing_bytes():
    raises(ParseError, Reader(b"\x00\x03abc").vector, 2, 4)
    raises(ParseError, Reader(b"\x00\x03abc").vector, 2, 0, 2)
    raises(ParseError, Reader(b"ab").expect_end)
    raises(ParseError, Reader, b"ab", 3)


def test_writer_rejects_overflow():
    raises(ValueError, Writer().u16, 0x10000)
    raises(ValueError, Writer().u32, -1)
