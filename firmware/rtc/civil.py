# Proleptic Gregorian calendar <-> unix seconds, without the `time` module: board ports
# count time.time() from 2000, the unix port and CPython from 1970, and RTC peripherals
# speak calendar tuples. Doing the arithmetic here keeps calendar logic in one place.
#
# The day-count algorithm is the well-known era-based one (400-year cycles of 146097
# days, years starting in March so the leap day is last); valid for all years >= 1.

from nts.timescale import NTP_2000_OFFSET, NTP_UNIX_OFFSET

# Unix seconds at 2000-01-01T00:00:00Z, the epoch of MicroPython's time.time() on boards
# (derived from nts.timescale, the one place for epochs).
UNIX_2000 = NTP_2000_OFFSET - NTP_UNIX_OFFSET

_DAY = 86400


def days_from_civil(year, month, day):
    """Days since 1970-01-01 for a calendar date (month 1-12, day 1-31)."""
    y = year - 1 if month <= 2 else year
    era = y // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days):
    """(year, month, day) for a day count since 1970-01-01."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def iso_weekday(days):
    """ISO weekday 1 (Monday) .. 7 (Sunday) for a day count since 1970-01-01 (a Thursday)."""
    return (days + 3) % 7 + 1


def days_in_month(year, month):
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def to_unix(year, month, day, hour, minute, second):
    """Unix seconds for a UTC calendar time. Fields are checked (a corrupt RTC register
    must not turn into a plausible-looking time): ValueError when out of range."""
    if not (1 <= month <= 12 and 1 <= day <= days_in_month(year, month)
            and 0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
        raise ValueError("invalid calendar time")
    return days_from_civil(year, month, day) * _DAY + hour * 3600 + minute * 60 + second


def from_unix(secs):
    """(year, month, day, hour, minute, second, iso_weekday) for unix seconds (an int)."""
    days, rem = divmod(secs, _DAY)
    year, month, day = civil_from_days(days)
    return year, month, day, rem // 3600, rem // 60 % 60, rem % 60, iso_weekday(days)


def board_epoch_offset(gmtime):
    """Seconds to add to a port's time.time() to get unix time: UNIX_2000 where the port
    counts from 2000 (gmtime(0) is in year 2000), else 0. `gmtime` is time.gmtime."""
    return UNIX_2000 if gmtime(0)[0] == 2000 else 0


def iso_utc(secs):
    """ISO 8601 UTC text (2026-11-26T00:00:00Z) for unix seconds."""
    y, mo, d, h, mi, s, _ = from_unix(int(secs))
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, mo, d, h, mi, s)
