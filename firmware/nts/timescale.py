# The one place for NTP eras and epoch differences (RFC 5905 section 6).
#
# Internal time is an int of nanoseconds since the NTP prime epoch, 1900-01-01 00:00 UTC,
# unbounded (era 1 starts 2036-02-07 06:28:16 UTC and simply continues counting). Ints in
# nanoseconds keep full precision on boards whose floats are 32-bit.
#
# On the wire a timestamp is 64 bits: seconds (32) . fraction (32) modulo 2**32 seconds,
# so it names a moment only up to its era. `from_ntp64` picks the era that puts the
# timestamp closest to a pivot (a time we trust to within 68 years, e.g. our own
# request's send time or the firmware build date).
#
# Epochs, as seconds after 1900-01-01:
#   unix (CPython, MicroPython unix port)          1970-01-01  NTP_UNIX_OFFSET
#   MicroPython bare-metal ports (esp32, stm32)     2000-01-01  NTP_2000_OFFSET
from micropython import const

NTP_UNIX_OFFSET = 2208988800     # 70 years, 17 leap days
NTP_2000_OFFSET = 3155673600     # 100 years, 24 leap days
NS_PER_S = 1000000000
ERA_SECONDS = 1 << 32            # 136 years
ERA1_UNIX = ERA_SECONDS - NTP_UNIX_OFFSET   # 2036-02-07T06:28:16Z as unix seconds

_FRAC = const(32)
_HALF_FRAC = const(0x80000000)


def to_ntp64(ns):
    """64-bit NTP timestamp (era dropped) of ns since 1900; fraction rounded to nearest."""
    if ns < 0:
        raise ValueError("time before 1900")
    sec, rem = divmod(ns, NS_PER_S)
    # rem <= 999999999 rounds to at most 2**32 - 4: never carries into the seconds
    frac = ((rem << _FRAC) + NS_PER_S // 2) // NS_PER_S
    return ((sec & 0xFFFFFFFF) << _FRAC) | frac


def from_ntp64(ts, pivot_ns):
    """ns since 1900 of 64-bit timestamp ts, in the era closest to pivot_ns."""
    sec = ts >> _FRAC
    pivot_sec = pivot_ns // NS_PER_S
    era = (pivot_sec - sec + (ERA_SECONDS >> 1)) // ERA_SECONDS
    frac_ns = ((ts & 0xFFFFFFFF) * NS_PER_S + _HALF_FRAC) >> _FRAC
    return (era * ERA_SECONDS + sec) * NS_PER_S + frac_ns


def from_unix_ns(unix_ns):
    return unix_ns + NTP_UNIX_OFFSET * NS_PER_S


def from_unix(seconds, ns=0):
    """ns since 1900 from unix seconds (int) plus ns (e.g. from time.time_ns())."""
    return (seconds + NTP_UNIX_OFFSET) * NS_PER_S + ns


def short_to_ns(v):
    """NTP short format (16.16 unsigned seconds: root delay, root dispersion) to ns."""
    return (v * NS_PER_S + 0x8000) >> 16
