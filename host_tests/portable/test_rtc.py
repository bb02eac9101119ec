# Clock drivers on the host, with fake machine.RTC / pyb.RTC / I2C objects injected.
import time
from nts.errors import ClockError
from rtc import civil
from rtc.esp32 import ESP32RTC
from rtc.stm32 import STM32RTC
from rtc.ds3231 import DS3231, bcd_encode, bcd_decode, encode_time, decode_time
from rtc.unix import UnixClock
from rtc.simulated import SimulatedClock
from support import raises

NS = 1000000000


def test_days_from_civil():
    # The one calendar (tls.der's certificate times use it too).
    assert civil.days_from_civil(1970, 1, 1) == 0
    assert civil.days_from_civil(2000, 3, 1) == 11017
    assert civil.days_from_civil(1969, 12, 31) == -1
    assert civil.days_from_civil(2036, 2, 7) == 24143


def test_civil_known_dates():
    assert civil.to_unix(1970, 1, 1, 0, 0, 0) == 0
    assert civil.to_unix(2000, 1, 1, 0, 0, 0) == civil.UNIX_2000 == 946684800
    assert civil.to_unix(2036, 2, 7, 6, 28, 16) == 2085978496      # NTP era 1 begins
    assert civil.to_unix(2038, 1, 19, 3, 14, 8) == 1 << 31          # int32 overflow
    assert civil.to_unix(2000, 2, 29, 23, 59, 59) == 951868799
    assert civil.from_unix(0) == (1970, 1, 1, 0, 0, 0, 4)           # a Thursday
    assert civil.from_unix(946684800) == (2000, 1, 1, 0, 0, 0, 6)   # a Saturday
    assert civil.from_unix(4107542400) == (2100, 3, 1, 0, 0, 0, 1)  # 2100: no Feb 29; Monday
    assert civil.from_unix(-1) == (1969, 12, 31, 23, 59, 59, 3)
    for bad in ((2023, 2, 29, 0, 0, 0), (2100, 2, 29, 0, 0, 0), (2024, 13, 1, 0, 0, 0),
                (2024, 4, 31, 0, 0, 0), (2024, 1, 1, 24, 0, 0), (2024, 1, 0, 0, 0, 0)):
        raises(ValueError, civil.to_unix, *bad)


def test_civil_round_trip():
    day = civil.days_from_civil(1900, 1, 1)
    end = civil.days_from_civil(2200, 1, 1)
    prev = None
    while day < end:
        y, m, d = civil.civil_from_days(day)
        assert civil.days_from_civil(y, m, d) == day
        assert 1 <= d <= civil.days_in_month(y, m)
        wd = civil.iso_weekday(day)
        if prev is not None:
            assert wd == (prev + 96) % 7 + 1
        prev = wd
        day += 97


def test_board_epoch_offset():
    assert civil.board_epoch_offset(lambda t: (2000, 1, 1, 0, 0, 0, 5, 1)) == 946684800
    assert civil.board_epoch_offset(lambda t: (1970, 1, 1, 0, 0, 0, 3, 1)) == 0
    assert civil.board_epoch_offset(time.gmtime) == 0     # unix port and CPython: 1970


class FakeESP32RTC:
    def __init__(self, dt):
        self.dt = dt

    def datetime(self, dt=None):
        if dt is None:
            return self.dt
        self.dt = tuple(dt)


def test_esp32_read_and_step():
    rtc = FakeESP32RTC((2000, 1, 1, 5, 0, 0, 0, 0))    # power-on reset value
    clk = ESP32RTC(rtc)
    assert clk.now_ns() == 946684800 * NS and not clk.is_trusted()
    t = civil.to_unix(2026, 11, 26, 17, 30, 5) * NS + 123456789
    clk.step(t)
    assert rtc.dt == (2026, 11, 26, 3, 17, 30, 5, 123456)   # Thursday = 3 (Monday = 0)
    assert clk.now_ns() == t - 789 and clk.is_trusted()
    assert clk.slew(NS) is False and clk.now_ns() == t - 789 + NS  # no slew: stepped
    raises(ClockError, clk.step, civil.to_unix(2100, 1, 1, 0, 0, 0) * NS)
    assert ESP32RTC(FakeESP32RTC((2026, 1, 1, 3, 0, 0, 0, 0)), trusted=True).is_trusted()


class FakeSTM32RTC:
    """pyb.RTC: weekday 1-7 stored; subseconds count down from 255; not settable."""

    def __init__(self):
        self.dt = (2015, 1, 1, 4, 0, 0, 0, 255)
        self.writes = []

    def datetime(self, dt=None):
        if dt is None:
            return self.dt
        self.writes.append(tuple(dt))
        self.dt = tuple(dt[:7]) + (255,)


def test_stm32_sets_on_second_boundary():
    rtc = FakeSTM32RTC()
    slept = []
    clk = STM32RTC(rtc, sleep_us=slept.append)
    t = civil.to_unix(2026, 11, 29, 23, 59, 59) * NS + 250000000
    clk.step(t)
    assert slept == [750000]                                 # waited to the boundary
    assert rtc.writes == [(2026, 11, 30, 1, 0, 0, 0, 0)]     # next second; Monday = 1
    assert clk.now_ns() == (t + 750000000) and clk.is_trusted()
    slept[:] = []
    clk.step(civil.to_unix(2026, 1, 4, 12, 0, 0) * NS)      # already on a boundary
    assert slept == [] and rtc.writes[-1] == (2026, 1, 4, 7, 12, 0, 0, 0)   # Sunday = 7
    raises(ClockError, clk.step, civil.to_unix(1999, 12, 31, 0, 0, 0) * NS)
    assert len(rtc.writes) == 2


def test_stm32_subsecond_formats():
    rtc = FakeSTM32RTC()
    rtc.dt = (2026, 1, 1, 4, 0, 0, 0, 127)                   # (255 - 127) / 256 s
    base = civil.to_unix(2026, 1, 1, 0, 0, 0) * NS
    assert STM32RTC(rtc, sleep_us=lambda us: None).now_ns() == base + 500000000
    rtc.dt = (2026, 1, 1, 4, 0, 0, 0, 250000)                # MICROPY_HW_RTC_USE_US builds
    clk = STM32RTC(rtc, subsec_prediv=None, sleep_us=lambda us: None)
    assert clk.now_ns() == base + 250000000 and clk.resolution_ns == 1000


def test_bcd():
    for v in range(100):
        assert bcd_decode(bcd_encode(v)) == v
    assert bcd_encode(59) == 0x59 and bcd_decode(0x23) == 23
    raises(ValueError, bcd_encode, 100)
    raises(ValueError, bcd_decode, 0x1A)


def test_ds3231_registers():
    t = civil.to_unix(2026, 11, 26, 17, 30, 5)
    regs = encode_time(t)
    assert regs == bytes((0x05, 0x30, 0x17, 4, 0x26, 0x11, 0x26))     # Thursday = 4
    assert decode_time(regs) == t
    t2 = civil.to_unix(2100, 3, 1, 0, 0, 0)
    regs = encode_time(t2)
    assert regs[5] == 0x83 and regs[6] == 0x00 and decode_time(regs) == t2   # century bit
    # 12-hour mode written by someone else: 5 PM = 0x40 | 0x20 | 0x05; 12 AM = 0x52.
    assert decode_time(bytes((0, 0, 0x65, 4, 0x26, 0x11, 0x26))) == civil.to_unix(2026, 11, 26, 17, 0, 0)
    assert decode_time(bytes((0, 0, 0x52, 4, 0x26, 0x11, 0x26))) == civil.to_unix(2026, 11, 26, 0, 0, 0)
    for bad in (bytes((0x5A, 0, 0, 1, 1, 1, 0)), bytes((0, 0, 0, 1, 0x31, 0x02, 0x26)),
                bytes((0, 0, 0x24, 1, 1, 1, 0))):
        raises(ClockError, decode_time, bad)
    raises(ClockError, encode_time, civil.to_unix(2200, 1, 1, 0, 0, 0))


class FakeI2C:
    def __init__(self):
        self.mem = bytearray(0x13)
        self.mem[0x0F] = 0x88           # OSF set (first power-up), EN32kHz
        self.mem[0x0E] = 0x9C           # /EOSC set: oscillator would stop on battery
        self.mem[0:7] = bytes((0, 0, 0, 1, 1, 1, 0))
        self.fail = False

    def readfrom_mem(self, addr, reg, n):
        if self.fail or addr != 0x68:
            raise OSError(19)
        return bytes(self.mem[reg:reg + n])

    def writeto_mem(self, addr, reg, data):
        if self.fail or addr != 0x68:
            raise OSError(19)
        self.mem[reg:reg + len(data)] = data


def test_ds3231_osf_and_step():
    i2c = FakeI2C()
    slept = []
    clk = DS3231(i2c, sleep_us=slept.append)
    assert clk.oscillator_stopped() and not clk.is_trusted()
    assert clk.now_ns() == civil.to_unix(2000, 1, 1, 0, 0, 0) * NS
    t = civil.to_unix(2026, 11, 26, 17, 30, 5) * NS + 900000000
    clk.step(t)
    assert slept == [100000]
    assert bytes(i2c.mem[0:7]) == encode_time(civil.to_unix(2026, 11, 26, 17, 30, 6))
    assert i2c.mem[0x0F] == 0x08 and i2c.mem[0x0E] == 0x1C     # OSF cleared, oscillator on
    assert clk.is_trusted() and clk.now_ns() == t + 100000000
    i2c.mem[0x0F] |= 0x80                                      # a power loss since
    assert not clk.is_trusted()
    i2c.mem[0x0F] = 0
    i2c.mem[0x04] = 0x32                                       # 32nd day: corrupt
    assert not clk.is_trusted()
    i2c.fail = True
    raises(ClockError, clk.now_ns)
    raises(ClockError, clk.step, t)


def test_unix_clock_never_sets_host():
    clk = UnixClock()
    host = time.time_ns()
    assert abs(clk.now_ns() - host) < 5 * NS and not clk.is_trusted()
    clk.step(clk.now_ns() + 3600 * NS)
    assert abs(time.time_ns() - host) < 5 * NS                 # host clock untouched
    assert abs(clk.offset_ns() - 3600 * NS) < NS and clk.is_trusted()
    assert clk.can_slew and clk.slew(-NS) is True
    assert clk.slew_remaining_ns() <= 0


def test_simulated_clock_drift_and_slew():
    clk = SimulatedClock(1800000000 * NS, offset_ns=5 * NS, drift_ppm=100)
    assert clk.error_ns() == 5 * NS
    clk.advance(1000 * NS)
    assert clk.error_ns() == 5 * NS + 100000000                # 100 ppm of 1000 s
    clk.step(clk.true_ns)
    assert clk.error_ns() == 0
    clk.advance(10 * NS)
    assert clk.error_ns() == 1000000
    # Slew -1 ms at 500 ppm: done after 2 s (plus the 100 ppm drift meanwhile).
    clk.slew(-1000000)
    clk.advance(NS)
    assert clk.slew_remaining_ns() == -1000000 + 500050        # 500 ppm of 1.0001e9 raw ns
    clk.advance(2 * NS)
    assert clk.slew_remaining_ns() == 0
    assert clk.error_ns() == 300000                            # drift of the last 3 s
    # A new slew replaces the remainder of the old one; a step cancels it.
    clk.slew(10 * NS)
    clk.advance(NS)
    clk.slew(0)
    e = clk.error_ns()
    clk.advance(NS)
    assert clk.error_ns() == e + 100000
    clk.slew(NS)
    clk.step(clk.true_ns)
    clk.advance(NS)
    assert clk.error_ns() == 100000
