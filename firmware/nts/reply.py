# What one reply to our NTP query means, as one value (sans-IO). The checks are shared
# by NTS associations and plain NTPv4 (RFC 5905 7.4, 8; RFC 8633; RFC 8915 5.7), and so
# is the sample building. nts.query waits for the reply that decides a query.
#
#   o = judge(header, t1, t4, asymmetry)      # header: a matched, trusted ntp.Header
#   o.kind in SAMPLE, RATE, DENY, UNSYNC, DROP; o.sample (SAMPLE) or o.reason (text)
#
# The association decides before judge() whether a datagram answers our request at all
# (origin, UID, authenticator): if not, DROP. An NTS NAK is NAK.
#
# Kiss codes (stratum 0): RATE backs off, DENY and RSTR end the association; any other
# code (INIT, STEP, garbage) drops that packet only: a code we do not act on must not
# shun a server. An unsynchronized server (leap 3, stratum >= 16, zero timestamps) is a
# definite answer, reported at once.
#
from nts import ntp, timescale

# Outcome kinds. The values are the server states the status shows after a query
# (nts.peer): one word per outcome, and no second set of strings in the heap.
SAMPLE = "ok"
DROP = "drop"
NAK = "nak"
RATE = "rate"
DENY = "denied"
UNSYNC = "unsynchronized"
TIMEOUT = "no-reply"
ERROR = "unreachable"


class Outcome:
    def __init__(self, kind, reason="", sample=None):
        self.kind = kind
        self.reason = reason
        self.sample = sample


class Sample:
    """One accepted measurement; times in ns (offset = server minus us)."""

    def __init__(self, offset, delay, header):
        self.offset = offset
        self.delay = delay
        self.stratum = header.stratum
        self.leap = header.leap
        self.precision = header.precision
        self.root_delay = timescale.short_to_ns(header.root_delay)
        self.root_disp = timescale.short_to_ns(header.root_disp)
        self.refid = header.refid

    def max_error_ns(self):
        """Root distance without jitter (RFC 5905 A.5.5.2): the most this sample can be
        off UTC, rootdelay/2 + rootdisp as seen from here (the white paper's maximum
        error for an SMGW): (server rootdelay + delay) / 2 + server rootdisp."""
        return (self.root_delay + self.delay) // 2 + self.root_disp

    def __repr__(self):
        return "Sample(offset=%dns, delay=%dns, stratum=%d)" % (
            self.offset, self.delay, self.stratum)


def judge(h, t1, t4, asymmetry=0):
    """The Outcome of a server header that answers our request sent at t1 (ns since
    1900), received at t4."""
    if h.stratum == 0:
        code = h.refid
        # Off the wire: non-printable bytes as "?" (MicroPython's decode has no
        # "replace").
        text = "".join(chr(c) if 32 <= c < 127 else "?" for c in code)
        if code == b"RATE":
            return Outcome(RATE, "KoD RATE")
        if code == b"DENY" or code == b"RSTR":
            return Outcome(DENY, "KoD " + text)
        return Outcome(DROP, "kiss code %s ignored" % text)
    if h.leap == 3 or h.stratum > 15 or not h.xmit_ts or not h.recv_ts:
        return Outcome(UNSYNC, "server unsynchronized (leap %d, stratum %d%s)" % (
            h.leap, h.stratum, "" if h.xmit_ts and h.recv_ts else ", zero timestamp"))
    # RFC 5905 8, timestamps unfolded around t1 (NTP eras).
    t2 = timescale.from_ntp64(h.recv_ts, t1)
    t3 = timescale.from_ntp64(h.xmit_ts, t1)
    offset, delay = ntp.offset_delay(t1, t2, t3, t4, asymmetry)
    # A clock coarser than the exchange (ms ticks on loopback) can make the delay a
    # little negative; RFC 5905 clamps it rather than discarding the sample.
    return Outcome(SAMPLE, "", Sample(offset, max(delay, 0), h))
