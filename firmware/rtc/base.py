# The one clock interface the sync engine drives, plus the shared pieces of the drivers.
#
#   now_ns()          UTC as integer nanoseconds since 1970-01-01 (ints: boards with
#                     single-precision floats cannot hold a unix time in a float)
#   now()             the same in float seconds (host convenience; coarse on such boards)
#   step(new_ns)      set the clock to new_ns (the correct time at the moment of the call)
#   slew(offset_ns)   start moving the clock by offset_ns gradually; returns True if the
#                     clock slews, False if it cannot and stepped by offset_ns instead
#   can_slew          class attribute: whether slew() really slews
#   is_trusted()      whether the time can be relied upon (set by us this session,
#                     battery-backed without an oscillator stop, ...)
#   resolution_ns     how finely the clock reads and sets
from nts.errors import ClockError
from nts.timescale import NS_PER_S

# adjtime()-style slew rate: 500 ppm, RFC 5905's MAXFREQ, so a slewing clock never runs
# further from true time than the worst oscillator NTP is built to discipline.
SLEW_RATE_PPM = 500


class Clock:
    can_slew = False
    resolution_ns = 1

    def __init__(self, trusted=False):
        self._trusted = trusted

    def now(self):
        return self.now_ns() / NS_PER_S

    def slew(self, offset_ns):
        self.step(self.now_ns() + offset_ns)
        return False

    def is_trusted(self):
        return self._trusted


def to_second_boundary(new_ns, sleep_us):
    """Wait until the time new_ns (correct now) reaches a whole second; return that second.

    For clocks whose sub-seconds cannot be written (STM32 RTC, DS3231): writing the
    seconds restarts their sub-second divider, so setting exactly at the boundary is
    accurate to the sleep's precision. Blocks for up to one second.
    """
    frac = new_ns % NS_PER_S
    if frac:
        sleep_us((NS_PER_S - frac) // 1000)
        return new_ns // NS_PER_S + 1
    return new_ns // NS_PER_S


def default_sleep_us():
    import time
    if hasattr(time, "sleep_us"):
        return time.sleep_us
    return lambda us: time.sleep(us / 1000000)


class SoftwareClock(Clock):
    """A raw time source plus a software offset and an adjtime()-style slew.

    Subclasses provide _raw_ns(). The raw source is never written: a step changes the
    offset; a slew spreads an offset change over time at SLEW_RATE_PPM.
    """
    can_slew = True

    def __init__(self, offset_ns=0, trusted=False):
        Clock.__init__(self, trusted)
        self._offset_ns = offset_ns
        self._slew_ns = 0       # still to apply
        self._slew_start = 0    # raw time the current slew started

    def _slewed(self, raw):
        if not self._slew_ns:
            return 0
        done = (raw - self._slew_start) * SLEW_RATE_PPM // 1000000
        if done >= abs(self._slew_ns):
            return self._slew_ns
        return done if self._slew_ns > 0 else -done

    def _settle(self, raw):
        # Fold the part of the slew already applied into the offset.
        done = self._slewed(raw)
        self._offset_ns += done
        self._slew_ns -= done
        self._slew_start = raw

    def now_ns(self):
        raw = self._raw_ns()
        return raw + self._offset_ns + self._slewed(raw)

    def step(self, new_ns):
        raw = self._raw_ns()
        self._offset_ns = new_ns - raw
        self._slew_ns = 0
        self._trusted = True

    def slew(self, offset_ns):
        raw = self._raw_ns()
        self._settle(raw)
        self._slew_ns = offset_ns   # a new slew replaces what was left of the old one
        self._slew_start = raw
        self._trusted = True
        return True

    def slew_remaining_ns(self):
        raw = self._raw_ns()
        return self._slew_ns - self._slewed(raw)

    def offset_ns(self):
        """Software offset (including the applied part of a slew) from the raw source."""
        raw = self._raw_ns()
        return self._offset_ns + self._slewed(raw)


def check_range(secs, lo_year, hi_year, from_unix):
    fields = from_unix(secs)
    if not lo_year <= fields[0] <= hi_year:
        raise ClockError("year %d outside this clock's range %d-%d" % (fields[0], lo_year, hi_year))
    return fields
