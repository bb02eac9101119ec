# RFC 3339 date-times as CSMSs send them (section 5.6; 5.8 examples): offsets, any
# number of fractional digits, lower case, a missing offset (UTC), leap seconds,
# 2038 and later; malformed ones are ParseErrors, never a wrong time.
from nts.errors import ParseError
from nts.ocpp.rfc3339 import format_ns, parse
from support import raises

S = 1000000000
T0 = 1796295200       # 2026-12-03T10:53:20Z


def test_variants():
    cases = (
        ("2026-12-03T10:53:20Z", T0 * S, True),
        ("2026-12-03T10:53:20.5Z", T0 * S + S // 2, True),
        ("2026-12-03T10:53:20.123456789123Z", T0 * S + 123456789, True),
        ("2026-12-03t10:53:20z", T0 * S, True),
        ("2026-12-03 10:53:20Z", T0 * S, True),
        ("2026-12-03T12:53:20+02:00", T0 * S, True),
        ("2026-12-03T05:23:20-05:30", T0 * S, True),
        ("2026-12-03T12:53:20+0200", T0 * S, True),
        ("2026-12-03T12:53:20+02", T0 * S, True),
        ("2026-12-03T10:53:20", T0 * S, False),
        ("2026-12-03T10:53:20.25", T0 * S + S // 4, False),
        ("1985-04-12T23:20:50.52Z", 482196050 * S + 520000000, True),   # RFC 3339 5.8
        ("1996-12-19T16:39:57-08:00", 851042397 * S, True),
        ("1990-12-31T23:59:60Z", 662688000 * S, True),                  # leap second
        ("2038-01-19T03:14:08Z", 2147483648 * S, True),
        ("2106-02-07T06:28:16Z", 4294967296 * S, True),
        ("9999-12-31T23:59:59Z", 253402300799 * S, True),
    )
    for text, ns, given in cases:
        assert parse(text) == (ns, given), (text, parse(text))


def test_malformed():
    for bad in ("", "2026-12-03", "2026-12-03T10:53Z", "2026-13-03T10:53:20Z",
                "2026-02-29T10:53:20Z", "2026-12-03T24:00:00Z", "2026-12-03T10:53:20.Z",
                "2026-12-03T10:53:20+25:00", "2026-12-03T10:53:20Zjunk", "0000-01-01T00:00:00Z",
                "2026-12-03T10:53:20+02:0", "2O26-12-03T10:53:20Z", "x" * 65, None, 1796300000):
        raises(ParseError, parse, bad)


def test_format_round_trip():
    for ns in (0, T0 * S + 123000000, 2147483648 * S, 4294967296 * S + 999999999):
        text = format_ns(ns)
        assert len(text) == 24 and text.endswith("Z")
        assert parse(text)[0] == ns // 1000000 * 1000000
    assert format_ns(T0 * S) == "2026-12-03T10:53:20.000Z"
