# ESP32 internal RTC through machine.RTC. datetime() is
#   (year, month, day, weekday, hour, minute, second, microsecond)
# with weekday 0 (Monday) .. 6, ignored when setting; microseconds are settable, so a
# step is exact to 1 us. The RTC keeps time across soft resets and deep sleep but not a
# power loss (it restarts at 2000-01-01), so it is only trusted once set this session,
# or when the caller vouches for it (e.g. persisted state shows no power loss).
from nts.timescale import NS_PER_S
from rtc.base import Clock, check_range
from rtc.civil import to_unix, from_unix


class ESP32RTC(Clock):
    resolution_ns = 1000

    def __init__(self, rtc=None, trusted=False):
        Clock.__init__(self, trusted)
        if rtc is None:
            import machine
            rtc = machine.RTC()
        self._rtc = rtc

    def now_ns(self):
        y, mo, d, _wd, h, mi, s, us = self._rtc.datetime()
        return to_unix(y, mo, d, h, mi, s) * NS_PER_S + us * 1000

    def step(self, new_ns):
        secs, ns = divmod(new_ns, NS_PER_S)
        y, mo, d, h, mi, s, wd = check_range(secs, 2000, 2099, from_unix)
        self._rtc.datetime((y, mo, d, wd - 1, h, mi, s, ns // 1000))
        self._trusted = True
