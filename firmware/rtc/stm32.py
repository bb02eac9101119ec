# STM32 internal RTC through pyb.RTC (or machine.RTC on the stm32 port). datetime() is
#   (year, month, day, weekday, hour, minute, second, subseconds)
# with weekday 1 (Monday) .. 7, which the hardware stores, so we compute it.
#
# Sub-seconds cannot be written: the firmware writes date and time in init mode, which
# restarts the synchronous prescaler, so the new second begins at the moment of the
# write. We therefore wait until the requested time reaches a whole second and write
# that second (rtc.base.to_second_boundary): accurate to the sleep's precision, and a
# step blocks for up to one second.
#
# Reading sub-seconds depends on the build: by default the raw prescaler counter is
# returned, counting down from PREDIV_S (255) to 0 (fraction = (255 - ss) / 256);
# builds with MICROPY_HW_RTC_USE_US return microseconds. Pass subsec_prediv=None there.
#
# With a VBAT battery the RTC runs through power cuts, but nothing here can tell a kept
# time from a reset one: it is trusted once set this session, or when the caller vouches
# for it (trusted=True, e.g. the reading is after the persisted last good time).
from nts.timescale import NS_PER_S
from rtc.base import Clock, check_range, to_second_boundary, default_sleep_us
from rtc.civil import to_unix, from_unix


class STM32RTC(Clock):

    def __init__(self, rtc=None, trusted=False, subsec_prediv=255, sleep_us=None):
        Clock.__init__(self, trusted)
        if rtc is None:
            try:
                import pyb
                rtc = pyb.RTC()
            except ImportError:
                import machine
                rtc = machine.RTC()
        self._rtc = rtc
        self._prediv = subsec_prediv
        self._sleep_us = sleep_us or default_sleep_us()
        self.resolution_ns = 1000 if subsec_prediv is None else NS_PER_S // (subsec_prediv + 1)

    def now_ns(self):
        y, mo, d, _wd, h, mi, s, ss = self._rtc.datetime()
        if self._prediv is None:
            frac_ns = ss * 1000
        else:
            frac_ns = (self._prediv - ss) * NS_PER_S // (self._prediv + 1)
        return to_unix(y, mo, d, h, mi, s) * NS_PER_S + frac_ns

    def step(self, new_ns):
        # Check the range before waiting, so a bad time fails fast.
        check_range(new_ns // NS_PER_S + 1, 2000, 2099, from_unix)
        secs = to_second_boundary(new_ns, self._sleep_us)
        y, mo, d, h, mi, s, wd = from_unix(secs)
        self._rtc.datetime((y, mo, d, wd, h, mi, s, 0))
        self._trusted = True
