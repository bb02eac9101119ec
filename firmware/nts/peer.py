# One configured server as the engine sees it: the sans-IO core of the engine. It takes
# the monotonic time `now` (seconds), NTP timestamps and datagrams in, and says what to
# do; the engine (nts.engine) performs it and owns sockets, clock and flash:
#
#   kind, arg = peer.next_action(now)
#     DO_KEY_EXCHANGE           run NTS-KE, then ke_ok(result, ...) or ke_failed(...)
#     DO_QUERY                  data = peer.request(t1); send it; peer.sent(t1, now);
#                               outcome = await nts.query.wait_reply(ep, peer.receive, ...)
#                               events = peer.on_outcome(outcome, now, now_ns, poll_s)
#     DO_WAIT, until            nothing before `until` (monotonic s)
#
# When a key exchange is due (RFC 8915 5.7 / 6):
#   - no association yet, or it ran out of cookies, or it got an NTS NAK and no
#     authenticated reply since (NTSAssociation.action() says so);
#   - the refresh time passed (a random point in [MinRefresh, MaxRefresh] after the last
#     exchange, so servers rotate our keys and a fleet does not re-key in step);
#   - but never before `ke_due`: a failed exchange backs off exponentially, from
#     KE_BACKOFF_MIN doubling up to KE_BACKOFF_MAX; a re-key after a NAK is rate-limited
#     alike (at once, then 16, 32, 64 s ... while NAKs keep coming without a good reply
#     between): anyone who sees a request's UID can forge a NAK, and must not be able to
#     force a TLS handshake on every poll. nak_rekeys counts those re-keys.
# A failed refresh keeps the old association while it still has cookies.
#
# Outcomes of a query (nts.reply): RATE doubles this server's hold-off (up to
# RATE_MAX_FACTOR times its poll interval); DENY (DENY, RSTR) drops the association and
# stops querying it until its next scheduled re-key (RFC 5905 7.4: stop using the
# server; RFC 8915: a new key exchange is a new association); UNSYNC reports "server
# unsynchronized"; NAK (no authenticated reply came) re-keys, rate-limited as above.
from micropython import const

from nts import reply, selection, timescale
from nts.association import ACTION_QUERY, NTSAssociation
from nts.config import MODE_NTP, MODE_NTP_TLS
from nts.platform import random_bytes
from nts.policy import server_counter

NS = timescale.NS_PER_S
KE_BACKOFF_MIN = 16         # s: first retry after a failed key exchange
KE_BACKOFF_MAX = 86400      # s
RATE_MAX_FACTOR = 64
NAK_REKEY_MIN = 16          # s: the second NAK-triggered re-key in a row waits this long

# Actions (next_action); small ints: every string constant costs heap in a .mpy bundle.
DO_KEY_EXCHANGE = const(1)
DO_QUERY = const(2)
DO_WAIT = const(3)


def uniform(lo, hi):
    """A random number in [lo, hi] from os.urandom (spreads polls and re-keys)."""
    r = int.from_bytes(random_bytes(4), "big") / 4294967296.0
    return lo + (hi - lo) * r


class Peer:
    """Engine-side state of one ServerConfig. Keys and cookies stay inside `assoc`."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.name = cfg.Instance
        self.assoc = None
        self.samples = []           # selection.Sample, oldest first
        self.last = None            # the last reply.Sample (ns), for status
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
        self.ntp_addr = None        # resolved NTP socket address last queried (nts.sources)
        self.cert = None            # state.CertRecord of the session's chain (nts.engine)
        self.nak_rekeys = 0         # re-keys after NAKs since the last good reply
        self._req = None            # the outstanding request
        self.counter = server_counter(cfg)
        self.tls = cfg.Mode == MODE_NTP_TLS     # NTPv4 inside TLS to an SMGW (nts.smgw)
        # plain: no NTS key exchange (unauthenticated NTPv4, or NTPv4 over TLS)
        self.plain = self.tls or cfg.Mode == MODE_NTP
        if cfg.Mode == MODE_NTP:
            from nts.plainntp import PlainAssociation
            self.assoc = PlainAssociation(cfg.ServerURL, cfg.ServerPort,
                                          int(cfg.DelayAsymmetry * 1000000))
        elif self.tls:
            from nts.smgw import SMGWAssociation
            self.assoc = SMGWAssociation(cfg.ServerURL, cfg.ServerPort,
                                         int(cfg.DelayAsymmetry * 1000000))

    def next_action(self, now):
        """(kind, arg): what the engine should do for this server now (see above)."""
        a = self.assoc
        if a is None or a.action() != ACTION_QUERY:
            if now >= self.ke_due:
                return DO_KEY_EXCHANGE, None
            if self.state not in ("ke-failed", "denied", "nak"):
                self.failed(self.last_error or "no NTS association", "no-session")
            return DO_WAIT, self.ke_due
        if not self.plain and self.refresh_at is not None and now >= self.refresh_at \
                and now >= self.ke_due:
            return DO_KEY_EXCHANGE, None
        if now >= self.hold_until:
            return DO_QUERY, None
        self.state = "held"
        return DO_WAIT, self.hold_until

    # --- key exchange ----------------------------------------------------------------

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
        self.cert = session.cert
        self.ke_count = 0
        self.state = "restored"

    def session(self, cookies):
        """A state.ServerSession of the current keys with the given cookies."""
        from nts.state import ServerSession
        a = self.assoc
        c2s, s2c = a.keys()
        return ServerSession(self.name, a.aead, c2s, s2c, cookies, a.ntp_server or "",
                             a.ntp_port, self.last_ke or 0, self.cert, a.signing_key)

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

    def needs_preflight(self, now):
        p = self.cfg.Preflight      # not over TLS: the handshake warms the path
        return p > 0 and not self.tls and (self.last_tx is None or now - self.last_tx >= p)

    def ntp_address(self):
        a = self.assoc
        return (a.ntp_server or self.cfg.ke_host()), a.ntp_port

    def add_sample(self, s, now):
        """Record a reply.Sample taken at monotonic `now`."""
        self.last = s
        self.state = "ok"
        self.last_error = ""
        self.rate_factor = 1
        self.samples.append(selection.sample_from(s, now, self.cfg.DelayVarAsymmetry / 1000.0))
        if len(self.samples) > selection.FILTER_SIZE:
            self.samples.pop(0)

    def failed(self, reason, state="no-reply"):
        self.state = state
        self.last_error = reason

    def request(self, t1, extra=()):
        """The datagram of a new query (uses a cookie); t1: NTP time now (ns); extra:
        further authenticated fields (nts.signed's request)."""
        if extra:
            data, self._req = self.assoc.make_request(t1, extra=extra)
        else:
            data, self._req = self.assoc.make_request(t1)
        return data

    def sent(self, t1, now):
        """The request left at NTP time t1, monotonic `now`. The packet does not carry
        t1 (its transmit timestamp is random, RFC 9109), so the engine takes it after
        the AEAD work: building the request is not network delay."""
        self._req.t1 = t1
        self.last_tx = now

    def receive(self, data, t4):
        """The nts.reply.Outcome of one datagram for the outstanding request."""
        return self.assoc.receive(self._req, data, t4)

    def on_outcome(self, o, now, now_ns, poll_s):
        """Act on a query's final outcome; returns the counter's events."""
        self._req = None
        kind = o.kind
        if kind == reply.SAMPLE:
            self.add_sample(o.sample, now)
            self.nak_rekeys = 0
            return self.counter.success(now_ns)
        reason = o.reason
        if kind == reply.NAK and self.assoc.action() != ACTION_QUERY:
            # No authenticated reply came (and no alternate keys to try): re-key, at
            # once the first time in a row, then after 16, 32, 64 s ...
            n = self.nak_rekeys
            wait = min(NAK_REKEY_MIN << min(n - 1, 16), KE_BACKOFF_MAX) if n else 0
            self.ke_due = max(self.ke_due, now + wait)
            self.nak_rekeys = n + 1
            reason = "NTS NAK: key exchange in %d s" % wait
        elif kind == reply.RATE:
            self.rate_factor = min(self.rate_factor * 2, RATE_MAX_FACTOR)
            self.hold_until = now + poll_s * self.rate_factor
            reason = "KoD RATE: polling %dx slower" % self.rate_factor
        elif kind == reply.DENY:
            # Stop until the scheduled re-key (a plain NTPv4 server, which has no keys:
            # for as long).
            self.samples = []
            until = now + uniform(self.cfg.MinRefresh, self.cfg.MaxRefresh)
            if self.plain:
                self.hold_until = until
            else:
                self.assoc = None
                self.ke_due = until
            reason += ": not used until re-keyed"
        self.failed(reason, kind)       # the kind is the state to show
        return self.counter.error(now_ns, reason)

    def shift(self, offset_s):
        """The local clock was stepped by offset_s: re-reference the stored samples, and
        the key exchange's time stamp (a cold boot keys on a clock still at 2000)."""
        for s in self.samples:
            s.offset -= offset_s
        if self.last_ke:
            self.last_ke += int(offset_s)

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
                "max_error": None if self.last is None else self.last.max_error_ns() / NS,
                "stratum": None if self.last is None else self.last.stratum,
                "cookies": 0 if a is None else len(a.cookies),
                "aead": None if a is None else a.aead, "last_ke": self.last_ke,
                "ke_count": self.ke_count, "nak_rekeys": self.nak_rekeys,
                "errors": self.counter.total, "last_error": self.last_error,
                "ntp": self._ntp_used()}

    def _ntp_used(self):
        # (ip, port) the queries went to when resolved, else the negotiated (host, port).
        if self.ntp_addr is not None:
            from nts.sockaddr import socket_address
            a = socket_address(self.ntp_addr)
            if a is not None:
                return a
        return None if self.assoc is None else self.ntp_address()
