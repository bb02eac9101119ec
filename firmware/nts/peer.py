# One configured server as the engine sees it: its NTS association, clock-filter samples
# and schedule (key exchange back-off, re-key refresh, Kiss-o'-Death holds). Sans-IO: the
# engine passes the monotonic time `now` (seconds) in and does the I/O.
#
# When a key exchange is due (RFC 8915 5.7 / 6):
#   - no association yet, or it ran out of cookies, or it got an NTS NAK without a good
#     reply since (NTSAssociation.action() says so);
#   - the refresh time passed (a random point in [MinRefresh, MaxRefresh] after the last
#     exchange, so servers rotate our keys and a fleet does not re-key in step);
#   - but never before `ke_due`: a failed exchange backs off exponentially, from
#     KE_BACKOFF_MIN doubling up to KE_BACKOFF_MAX.
# A failed refresh keeps the old association while it still has cookies.
#
# Kiss-o'-Death (authenticated only; see nts.association): RATE doubles this server's
# hold-off (up to RATE_MAX_FACTOR times its poll interval); DENY and RSTR drop the
# association and stop querying it until its next scheduled re-key (RFC 5905 7.4: stop
# using the server; RFC 8915: a new key exchange is a new association).
from nts import ntp, selection
from nts.association import ACTION_QUERY, NTSAssociation
from nts.config import MODE_NTP, MODE_NTS
from nts.platform import random_bytes
from nts.policy import server_counter

NS = 1000000000
KE_BACKOFF_MIN = 16         # s: first retry after a failed key exchange
KE_BACKOFF_MAX = 86400      # s
RATE_MAX_FACTOR = 64


def uniform(lo, hi):
    """A random number in [lo, hi] from os.urandom (spreads polls and re-keys)."""
    r = int.from_bytes(random_bytes(4), "big") / 4294967296.0
    return lo + (hi - lo) * r


def _printable(code):
    return "".join(chr(c) if 32 <= c < 127 else "?" for c in code)


class Peer:
    """Engine-side state of one ServerConfig. Keys and cookies stay inside `assoc`."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.name = cfg.Instance
        self.assoc = None
        self.samples = []           # selection.Sample, oldest first
        self.last = None            # the last association.Sample (ns), for status
        self.state = "new"
        self.last_error = ""
        self.last_ke = None         # unix seconds of the last successful key exchange
        self.ke_count = 0
        self.ke_failures = 0
        self.ke_due = 0.0           # monotonic s: no key exchange before
        self.refresh_at = None      # monotonic s: re-key from then on
        self.hold_until = 0.0       # monotonic s: no queries before (KoD)
        self.rate_factor = 1
        self.last_tx = None         # monotonic s of the last packet sent
        self.synced = False         # gave a good sample since boot
        self.ntp_addr = None        # resolved NTP socket address last queried (nts.sources)
        self.counter = server_counter(cfg)
        self.plain = cfg.Mode == MODE_NTP   # unauthenticated NTPv4: no key exchange
        if self.plain:
            from nts.plainntp import PlainAssociation
            self.assoc = PlainAssociation(cfg.ServerURL, cfg.ServerPort,
                                          int(cfg.DelayAsymmetry * 1000000))

    # --- key exchange ----------------------------------------------------------------

    def usable(self):
        return self.cfg.Mode == MODE_NTS or self.plain

    def needs_ke(self, now):
        if self.plain:
            return False
        if self.assoc is None or self.assoc.action() != ACTION_QUERY:
            return now >= self.ke_due
        return self.refresh_at is not None and now >= self.refresh_at and now >= self.ke_due

    def ke_ok(self, result, now, unix_s):
        self.assoc = NTSAssociation(result, int(self.cfg.DelayAsymmetry * 1000000))
        self.ke_count += 1
        self.ke_failures = 0
        self.ke_due = 0.0
        self.hold_until = 0.0
        self.rate_factor = 1
        self.refresh_at = now + uniform(self.cfg.MinRefresh, self.cfg.MaxRefresh)
        self.last_ke = unix_s
        self.state = "keyed"

    def ke_failed(self, reason, now):
        self.ke_failures += 1
        wait = KE_BACKOFF_MIN << min(self.ke_failures - 1, 16)
        self.ke_due = now + min(wait, KE_BACKOFF_MAX)
        self.last_error = "key exchange: " + reason
        if self.assoc is None or self.assoc.action() != ACTION_QUERY:
            self.state = "ke-failed"

    def restore(self, session, now):
        """Resume a persisted session (state.ServerSession): no key exchange needed."""
        from nts import ke
        result = ke.KEResult(session.aead, session.cookies, session.ntp_host or None,
                             session.ntp_port, signing_key=session.signing_key)
        result.c2s, result.s2c = session.c2s, session.s2c
        self.ke_ok(result, now, session.ke_time)
        self.ke_count = 0
        self.state = "restored"

    def session(self, cookies):
        """A state.ServerSession of the current keys with the given cookies."""
        from nts.state import ServerSession
        a = self.assoc
        c2s, s2c = a.keys()
        return ServerSession(self.name, a.aead, c2s, s2c, cookies, a.ntp_server or "",
                             a.ntp_port, self.last_ke or 0, a.signing_key)

    def take_cookies(self, n):
        """Remove the newest n cookies from the stash (for flash), oldest first."""
        stash = self.assoc.cookies
        all_ = []
        while len(stash):
            all_.append(stash.take())
        keep = len(all_) - n
        for c in all_[:keep]:
            stash.add(c)
        return all_[keep:]

    # --- queries ---------------------------------------------------------------------

    def may_query(self, now):
        return (self.assoc is not None and self.assoc.action() == ACTION_QUERY
                and now >= self.hold_until)

    def needs_preflight(self, now):
        p = self.cfg.Preflight
        return p > 0 and (self.last_tx is None or now - self.last_tx >= p)

    def ntp_address(self):
        a = self.assoc
        return (a.ntp_server or self.cfg.ke_host()), a.ntp_port

    def add_sample(self, s, now):
        """Record an association.Sample taken at monotonic `now`."""
        self.last = s
        self.synced = True
        self.state = "ok"
        self.last_error = ""
        self.rate_factor = 1
        disp = (2.0 ** s.precision if -32 < s.precision < 8 else 0.0) \
            + self.cfg.DelayVarAsymmetry / 1000.0
        self.samples.append(selection.Sample(
            s.offset / NS, s.delay / NS, now, disp, s.root_delay / NS, s.root_disp / NS,
            s.stratum))
        if len(self.samples) > selection.FILTER_SIZE:
            self.samples.pop(0)

    def failed(self, reason, state="no-reply"):
        self.state = state
        self.last_error = reason

    def on_kiss(self, code, now, poll_s):
        if code == ntp.KISS_NTS_NAK:
            self.failed("NTS NAK: key exchange at the next poll", "nak")
        elif code == b"RATE":
            self.rate_factor = min(self.rate_factor * 2, RATE_MAX_FACTOR)
            self.hold_until = now + poll_s * self.rate_factor
            self.failed("KoD RATE: polling %dx slower" % self.rate_factor, "rate")
        else:
            # DENY, RSTR and unknown kisses: stop until the scheduled re-key (a plain
            # NTPv4 server, which has no keys: for as long).
            self.samples = []
            until = now + uniform(self.cfg.MinRefresh, self.cfg.MaxRefresh)
            if self.plain:
                self.hold_until = until
            else:
                self.assoc = None
                self.ke_due = until
            self.failed("KoD %s: not used until re-keyed" % _printable(code), "denied")

    def shift(self, offset_s):
        """The local clock was stepped by offset_s: re-reference the stored samples."""
        for s in self.samples:
            s.offset -= offset_s

    def candidate(self, now, max_age):
        """Clock-filter candidate from samples younger than max_age s, or None."""
        fresh = [s for s in self.samples if now - s.time <= max_age]
        return selection.candidate(self.name, fresh, now)

    def snapshot(self):
        a = self.assoc
        return {"name": self.name, "host": self.cfg.ke_host(),
                "port": self.cfg.ServerPort if self.plain else self.cfg.NTSKEServerPort,
                "mode": self.cfg.Mode, "state": self.state,
                "offset": None if self.last is None else self.last.offset / NS,
                "delay": None if self.last is None else self.last.delay / NS,
                "stratum": None if self.last is None else self.last.stratum,
                "cookies": 0 if a is None else len(a.cookies),
                "aead": None if a is None else a.aead, "last_ke": self.last_ke,
                "errors": self.counter.total, "last_error": self.last_error}
