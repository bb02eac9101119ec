# A simulated clock for tests: a true time the test advances by hand, read through a
# clock error of `offset` plus a frequency error of `drift_ppm`. Steps and slews act on
# a software offset (rtc.base.SoftwareClock), as on the unix clock.
from rtc.base import SoftwareClock


class SimulatedClock(SoftwareClock):

    def __init__(self, true_ns, offset_ns=0, drift_ppm=0, trusted=False):
        SoftwareClock.__init__(self, offset_ns, trusted)
        self.true_ns = true_ns
        self._drift_ppm = drift_ppm
        self._raw = true_ns     # the free-running oscillator: drifts against true time

    def advance(self, ns):
        """Let `ns` of true time pass."""
        self.true_ns += ns
        self._raw += ns + int(ns * self._drift_ppm / 1000000)

    def error_ns(self):
        """How far the clock reads from the true time (positive: ahead)."""
        return self.now_ns() - self.true_ns

    def _raw_ns(self):
        return self._raw
