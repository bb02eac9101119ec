# Maxim DS3231 battery-backed RTC over I2C (address 0x68): the holdover clock that keeps
# time while the charger is without power. Registers (datasheet, "Timekeeping Registers"):
#   0x00 seconds  BCD 00-59          0x04 date     BCD 01-31
#   0x01 minutes  BCD 00-59          0x05 month    BCD 01-12, bit 7 = century
#   0x02 hours    bit 6 = 12h mode;  0x06 year     BCD 00-99
#                 24h: BCD 00-23; 12h: bit 5 = PM, BCD 1-12
#   0x03 day      1-7 (meaning user-defined; we write ISO weekday, Monday = 1)
#   0x0E control  bit 7 = /EOSC (1 stops the oscillator on battery)
#   0x0F status   bit 7 = OSF: the oscillator stopped (power loss, battery flat, first
#                 power-up); the time is then garbage and NOT trusted until rewritten.
# Years are 2000 + year + 100 * century (2000-2199). Writing the seconds register resets
# the countdown chain, so we write on a whole second (rtc.base.to_second_boundary). Reads
# have 1 s resolution; a burst read of 0x00-0x06 is consistent (the chip latches it).
from nts.timescale import NS_PER_S
from rtc.base import Clock, check_range, to_second_boundary, default_sleep_us
from rtc.civil import to_unix, from_unix
from nts.errors import ClockError

ADDRESS = 0x68
_REG_TIME = 0x00
_REG_CONTROL = 0x0E
_REG_STATUS = 0x0F
_OSF = 0x80
_EOSC_N = 0x80


def bcd_encode(v):
    if not 0 <= v <= 99:
        raise ValueError("BCD value out of range")
    return (v // 10) << 4 | v % 10


def bcd_decode(b):
    hi, lo = b >> 4, b & 0x0F
    if hi > 9 or lo > 9:
        raise ValueError("invalid BCD byte")
    return hi * 10 + lo


def encode_time(secs):
    """The 7 timekeeping register bytes for unix seconds (24-hour mode)."""
    y, mo, d, h, mi, s, wd = check_range(secs, 2000, 2199, from_unix)
    century = 0x80 if y >= 2100 else 0
    return bytes((bcd_encode(s), bcd_encode(mi), bcd_encode(h), wd, bcd_encode(d),
                  bcd_encode(mo) | century, bcd_encode(y % 100)))


def decode_time(regs):
    """Unix seconds from the 7 timekeeping register bytes; ClockError when invalid."""
    try:
        s = bcd_decode(regs[0] & 0x7F)
        mi = bcd_decode(regs[1] & 0x7F)
        hr = regs[2]
        if hr & 0x40:   # 12-hour mode (not written by us, but a previous owner may have)
            h = bcd_decode(hr & 0x1F) % 12 + (12 if hr & 0x20 else 0)
        else:
            h = bcd_decode(hr & 0x3F)
        d = bcd_decode(regs[4] & 0x3F)
        mo = bcd_decode(regs[5] & 0x1F)
        y = 2000 + bcd_decode(regs[6]) + (100 if regs[5] & 0x80 else 0)
        return to_unix(y, mo, d, h, mi, s)
    except ValueError:
        raise ClockError("DS3231 registers hold no valid time")


class DS3231(Clock):
    resolution_ns = NS_PER_S

    def __init__(self, i2c, address=ADDRESS, sleep_us=None):
        Clock.__init__(self, False)
        self._i2c = i2c
        self._addr = address
        self._sleep_us = sleep_us or default_sleep_us()

    def _read(self, reg, n):
        try:
            return self._i2c.readfrom_mem(self._addr, reg, n)
        except OSError as e:
            raise ClockError("DS3231 read failed: %s" % e)

    def _write(self, reg, data):
        try:
            self._i2c.writeto_mem(self._addr, reg, data)
        except OSError as e:
            raise ClockError("DS3231 write failed: %s" % e)

    def now_ns(self):
        return decode_time(self._read(_REG_TIME, 7)) * NS_PER_S

    def oscillator_stopped(self):
        return bool(self._read(_REG_STATUS, 1)[0] & _OSF)

    def is_trusted(self):
        # Asked of the chip each time: OSF survives our process, and may be set by a
        # power loss since the last step.
        if self.oscillator_stopped():
            return False
        try:
            self.now_ns()
        except ClockError:
            return False
        return True

    def step(self, new_ns):
        regs = encode_time(new_ns // NS_PER_S + 1)   # range check before waiting
        secs = to_second_boundary(new_ns, self._sleep_us)
        if secs != new_ns // NS_PER_S + 1:
            regs = encode_time(secs)
        self._write(_REG_TIME, regs)
        # Keep the oscillator running on battery, then clear OSF: the time is now valid.
        ctrl = self._read(_REG_CONTROL, 1)[0]
        if ctrl & _EOSC_N:
            self._write(_REG_CONTROL, bytes((ctrl & ~_EOSC_N & 0xFF,)))
        status = self._read(_REG_STATUS, 1)[0]
        self._write(_REG_STATUS, bytes((status & ~_OSF & 0xFF,)))
