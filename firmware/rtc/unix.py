# The host clock (unix port, CPython; also any port's time.time_ns()) as a read-only
# source with a software offset: stepping or slewing changes only that offset. This
# driver NEVER sets the host clock; the host's own NTP daemon stays in charge of it.
from rtc.base import SoftwareClock
from nts.timescale import NS_PER_S
from rtc.civil import board_epoch_offset


class UnixClock(SoftwareClock):

    def __init__(self, offset_ns=0, trusted=False):
        SoftwareClock.__init__(self, offset_ns, trusted)
        import time
        self._time_ns = time.time_ns
        # Boards count time.time() from 2000; correct to unix time once, here.
        self._epoch_ns = board_epoch_offset(time.gmtime) * NS_PER_S

    def _raw_ns(self):
        return self._time_ns() + self._epoch_ns
