# OCPP date-time values (RFC 3339 section 5.6), to and from unix nanoseconds.
#
#   date-time = full-date "T" full-time
#   full-date = date-fullyear "-" date-month "-" date-mday          ; 4DIGIT-2DIGIT-2DIGIT
#   full-time = partial-time time-offset
#   partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
#   time-secfrac = "." 1*DIGIT
#   time-offset  = "Z" / ("+" / "-") time-hour ":" time-minute
#
# Read sanely, as CSMSs send it: any number of fractional digits (nanoseconds kept, the
# rest dropped), "t"/"z" in lower case and a space for "T" (RFC 3339 allows both), an
# offset "+hhmm" or "+hh" as well, and a missing offset taken as UTC (OCPP requires UTC;
# `offset_given` tells). A leap second (:60) is the first instant of the next minute.
# Integers all the way: years from 0001 to 9999, 2038 and 2106 included, on any board.
from nts.errors import ParseError
from nts.timescale import NS_PER_S
from rtc.civil import from_unix, to_unix


def format_ns(ns, offset_s=None):
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds) for unix nanoseconds; with
    offset_s (seconds east of UTC, nts.localtime), the local time `...mmm+hh:mm`."""
    secs, rest = divmod(ns, NS_PER_S)
    y, mo, d, h, mi, s, _ = from_unix(secs + (offset_s or 0))
    text = "%04d-%02d-%02dT%02d:%02d:%02d.%03d" % (y, mo, d, h, mi, s, rest // 1000000)
    if offset_s is None:
        return text + "Z"
    m = abs(offset_s) // 60
    return text + "%s%02d:%02d" % ("-" if offset_s < 0 else "+", m // 60, m % 60)


def _digits(s, i, n):
    part = s[i:i + n]
    if len(part) != n:
        raise ParseError("date-time %r: truncated" % s)
    v = 0
    for c in part:
        if not "0" <= c <= "9":
            raise ParseError("date-time %r: digit expected at %d" % (s, i))
        v = v * 10 + ord(c) - 48
    return v


def _expect(s, i, chars):
    if i >= len(s) or s[i] not in chars:
        raise ParseError("date-time %r: %r expected at %d" % (s, chars[0], i))


def parse(s):
    """(unix ns, offset_given) of an RFC 3339 date-time; ParseError when it is not one."""
    if not isinstance(s, str) or len(s) > 64:
        raise ParseError("date-time must be a string of at most 64 characters")
    y = _digits(s, 0, 4)
    _expect(s, 4, "-")
    mo = _digits(s, 5, 2)
    _expect(s, 7, "-")
    d = _digits(s, 8, 2)
    _expect(s, 10, "Tt ")
    h = _digits(s, 11, 2)
    _expect(s, 13, ":")
    mi = _digits(s, 14, 2)
    _expect(s, 16, ":")
    sec = _digits(s, 17, 2)
    i = 19
    frac_ns = 0
    if i < len(s) and s[i] in ".,":
        i += 1
        start = i
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        if i == start:
            raise ParseError("date-time %r: fraction without digits" % s)
        frac_ns = _digits((s[start:i] + "000000000")[:9], 0, 9)
    offset = 0
    given = i < len(s)
    if given:
        c = s[i]
        if c in "Zz":
            i += 1
        elif c in "+-":
            oh = _digits(s, i + 1, 2)
            i += 3
            om = 0
            if i < len(s):
                if s[i] == ":":
                    i += 1
                om = _digits(s, i, 2)
                i += 2
            if oh > 23 or om > 59:
                raise ParseError("date-time %r: offset out of range" % s)
            offset = (oh * 3600 + om * 60) * (1 if c == "+" else -1)
        else:
            raise ParseError("date-time %r: offset expected at %d" % (s, i))
        if i != len(s):
            raise ParseError("date-time %r: trailing characters" % s)
    if y == 0:
        raise ParseError("date-time %r: year 0000" % s)
    leap = sec == 60
    try:
        unix = to_unix(y, mo, d, h, mi, 59 if leap else sec)
    except ValueError:
        raise ParseError("date-time %r: no such calendar time" % s)
    if leap:
        unix += 1
        frac_ns = 0
    return (unix - offset) * NS_PER_S + frac_ns, given
