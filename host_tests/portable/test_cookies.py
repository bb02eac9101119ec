# Cookie stash invariants (see the header comment of nts/cookies.py).
from nts.cookies import CookieStash
from nts.errors import ParseError
from support import raises


def test_oldest_first_each_once():
    s = CookieStash([b"a", b"b"])
    s.add(b"c")
    assert len(s) == 3
    assert [s.take(), s.take(), s.take()] == [b"a", b"b", b"c"]
    assert s.take() is None and len(s) == 0


def test_capacity_drops_oldest():
    s = CookieStash()
    for i in range(10):
        s.add(bytes([i]) * 4)
    assert len(s) == 8
    assert s.take() == b"\x02" * 4
    s = CookieStash(capacity=2)
    s.add(b"x")
    s.add(b"y")
    s.add(b"z")
    assert [s.take(), s.take()] == [b"y", b"z"]


def test_cookie_length_limits():
    s = CookieStash()
    raises(ParseError, s.add, b"")
    raises(ParseError, s.add, bytes(257))
    s.add(bytes(256))
    assert len(s) == 1


def test_repr_shows_count_only():
    s = CookieStash([b"SECRETCOOKIE"])
    assert repr(s) == "CookieStash(1/8)"
    s.clear()
    assert len(s) == 0
