# The sync engine: keeps a clock right from the configured NTS servers (asyncio).
#
#   engine = Engine(config, clock, Transport(trust_store), store=state.Store(path), hook=f)
#   engine.load_state()               # persisted sessions: a restart needs no key exchange
#   await engine.run()                # or: await engine.sync_once() per round
#   engine.shutdown()                 # hand the remaining cookies to flash
#
# One round, per group (the clock group first: `legal` when configured, else `local`):
# for each priority level, lowest first: key exchanges for the servers that need one
# (concurrently, on the loop), then one NTS query to every server of the level in
# parallel; the per-server clock filter and the interval-intersection selection
# (nts.selection) decide; if too few answered or agreed, the next level is added. The clock group's result goes through nts.policy (step/slew,
# MinServers, events) to the clock; the other group's result is only reported. Plain
# NTPv4 servers (where their group allows it) are queried alike through
# nts.plainntp, without key exchange; NTPv4-over-TLS (SMGW) servers alike through nts.smgw,
# one TLS connection per query. A round does nothing (no key exchange, no query, no
# clock change) while ClockCtrlr TimeSource lists no NTP (nts.config.NTP_OFF, the
# status reason of every group).
#
# State that lets a restart skip the key exchange goes to flash (nts.state) so that a
# cookie lives in RAM or on flash, never both: after a key exchange (or a restart) the
# newest `reserve` cookies of a session move to flash once; shutdown() moves the rest.
# The reserve is for the next start only: a stash that runs dry while running re-keys.
# Steady-state rounds write nothing except, every `save_period`, the last good time.
#
# Certificate dates (issue 9): with a trusted clock they are checked against it. With an
# untrusted one (RTC reset by a power loss, DS3231 oscillator stop, or reading before
# the floor) no date is compared with it: only certificates that expired before the
# floor (the persisted last good time, else the firmware build time) are refused, and
# the clock is moved only by MinServers agreeing authenticated (NTS) sources. A server
# with NoCertTimeCheckAfterReboot is treated so even when the RTC claims to be trusted,
# until the clock group's first sync this boot (for RTCs that keep a wrong time, e.g. a
# flat battery without an oscillator-stop flag). Once the clock is trusted, every
# session keyed without a date check is checked again (state.CertRecord); one whose
# certificates are not valid now is dropped (key exchange due) and logged
# (CertificateRejected).
# Decisions per server are nts.peer's (sans-IO: it returns actions, one outcome value
# per reply, nts.reply); this shell performs them and owns sockets, clock and flash.
# Cancelling run() (or a round) closes the sockets of the key exchanges and queries
# under way (their finally blocks) and run() hands the cookies to flash (shutdown).
# Modules needed only for key exchange, persistence or real sockets are imported where
# used: a board that resumes persisted sessions never loads the certificate code, and
# the import footprint decides whether the engine fits a ~100 KB heap as .mpy files.
import asyncio
import gc

from nts import policy, selection, sources, timescale
from nts.association import ACTION_QUERY
from nts.buildtime import BUILD_TIME
from nts.config import NTP_OFF
from nts.errors import NTSError, StateError
from nts.peer import DO_KEY_EXCHANGE, DO_QUERY, Peer, uniform
from nts.platform import random_bytes, ticks_diff, ticks_ms
from nts.query import wait_reply
from nts.reply import ERROR, SAMPLE, Outcome
from rtc.base import SLEW_RATE_PPM

NS = timescale.NS_PER_S
DEFAULT_CA_GROUP = "default"    # trust-store group for servers with RootCAs ""

current = None      # the engine most recently created, for nts.status()


class Transport:
    """The engine's I/O: NTS-KE sessions and UDP endpoints, both on the asyncio loop.
    Tests pass fakes with the same two methods."""

    def __init__(self, trust_store, server_name=None, ke_timeout=5.0):
        self.store = trust_store
        self.server_name = server_name      # TLS name for every server (else its host)
        self.ke_timeout = ke_timeout

    async def key_exchange(self, cfg, cert_policy, gate):
        """gate: the round's asyncio.Lock that handshakes take turns on (nts.tls.stream)."""
        from nts.keclient import chain_verifier, key_exchange
        name = self.server_name or cfg.ke_host()
        verify = chain_verifier(name, self.store, cfg.RootCAs or DEFAULT_CA_GROUP, cert_policy)
        result, _ = await key_exchange(cfg.ke_host(), verify, cfg.NTSKEServerPort, name,
                                       tuple(cfg.aead_ids()), self.ke_timeout, gate,
                                       cfg.SignedResponses)
        return result

    async def smgw(self, cfg, cert_policy):
        """A checked TLS connection to an NTPv4TLS gateway (nts.smgw), UDPEndpoint-shaped;
        `identities` maps ClientCertificate names to nts.smgw.Identity."""
        from nts.smgw import open_gateway
        return await open_gateway(cfg, self, cfg.RootCAs or DEFAULT_CA_GROUP, cert_policy)

    def udp(self, host, port):
        from nts.aio import UDPEndpoint
        return UDPEndpoint(host, port)


class Monotonic:
    """Seconds since creation from the wrapping ticks_ms; call at least every few days."""

    def __init__(self):
        self._last = ticks_ms()
        self._ms = 0

    def __call__(self):
        t = ticks_ms()
        self._ms += ticks_diff(t, self._last)
        self._last = t
        return self._ms / 1000


def _preflight_packet():
    # A plain NTPv4 client header (LI 0, VN 4, mode 3) with a random transmit timestamp
    # (RFC 9109): it only warms ARP/DNS/NAT state and costs no cookie.
    return b"\x23" + bytes(39) + random_bytes(8)


class Engine:
    """Tunables are attributes: query_timeout and preflight_wait (s), reserve (cookies
    per server kept on flash), save_period (s between last-good-time writes),
    signed_wait (s to wait for an announced signed reply, nts.signed)."""

    query_timeout = 2.0
    preflight_wait = 0.25
    signed_wait = 1.0
    reserve = 4
    save_period = 3600

    def __init__(self, config, clock, transport, store=None, hook=None, mono=None,
                 build_time=BUILD_TIME):
        global current
        self.config = config
        self.clock = clock
        self.transport = transport
        self.store = store
        self.hook = hook
        self.mono = mono or Monotonic()
        self.peers = [Peer(s) for s in config.servers]
        self._by_name = dict((p.name, p) for p in self.peers)
        self.clock_group = "legal" if "legal" in config.groups else "local"
        self.group_counters = dict((g, policy.group_counter(config.groups[g]))
                                   for g in config.groups)
        self.selections = {}
        self.last_adjustment = None     # the clock group's last round: step, slew or None
        self.last_sync_ns = {}
        self.floor_s = build_time
        self.last_good_ns = 0
        self.rounds = 0
        self.store_error = ""
        self._digest = config.digest()
        self._flash = {}            # name -> ServerSession: what the state file holds
        self._saved_good_ns = 0
        self._dirty = False
        self._poll_s = self._interval_bounds()[0]
        self._next_config = None
        current = self

    def reconfigure(self, config):
        """Use `config` (a validated Config) from the next round on: OCPP settings take
        effect without a reboot. Servers whose settings are unchanged keep their
        sessions; the state file follows the new configuration at the next save."""
        self._next_config = config

    def _adopt(self, config):
        old = self._by_name
        self.peers = []
        for s in config.servers:
            p = old.get(s.Instance)
            if p is None or p.cfg.to_dict() != s.to_dict():
                p = Peer(s)
                self._flash.pop(s.Instance, None)   # cookies of the old server's keys
            self.peers.append(p)
        self._by_name = dict((p.name, p) for p in self.peers)
        for name in list(self._flash):
            if name not in self._by_name:
                del self._flash[name]
        counters = {}
        for g in config.groups:
            c = self.group_counters.get(g)
            if c is None or g not in self.config.groups or \
                    self.config.groups[g].to_dict() != config.groups[g].to_dict():
                c = policy.group_counter(config.groups[g])
            counters[g] = c
        self.group_counters = counters
        self.config = config
        self.clock_group = "legal" if "legal" in config.groups else "local"
        self.selections = {}
        self._digest = config.digest()
        self._dirty = True
        self._next_config = None

    # --- persistence -------------------------------------------------------------------

    def load_state(self):
        """Resume persisted sessions (consumed from flash); returns how many."""
        if self.store is None:
            return 0
        st = self.store.load(self._digest)
        if st is None:
            self.store_error = self.store.last_error
            return 0
        self.last_good_ns = self._saved_good_ns = st.last_good_ns
        self.floor_s = max(self.floor_s, st.last_good_ns // NS)
        now = self.mono()
        n = 0
        for name in st.sessions:
            p = self._by_name.get(name)
            s = st.sessions[name]
            if p is not None and s.cookies:
                p.restore(s, now)
                n += 1
        return n

    def _persist(self, everything=False):
        if self.store is None:
            return
        for p in self.peers:
            a = p.assoc
            if a is None or a.action() != ACTION_QUERY:
                # No session, or one the server refused (NAK): its cookies are useless.
                if self._flash.pop(p.name, None) is not None:
                    self._dirty = True
                continue
            old = self._flash.get(p.name)
            if everything and len(a.cookies):
                kept = old.cookies if old is not None else []
                self._flash[p.name] = p.session(kept + p.take_cookies(len(a.cookies)))
                self._dirty = True
            elif old is None and len(a.cookies) > self.reserve:
                self._flash[p.name] = p.session(p.take_cookies(self.reserve))
                self._dirty = True
        if self.last_good_ns - self._saved_good_ns >= self.save_period * NS:
            self._dirty = True
        if self._dirty:
            from nts.state import State
            gc.collect()    # the file is built in RAM; a fragmented heap fails it
            try:
                self.store.save(State(self._digest, self.last_good_ns, self.clock.is_trusted(),
                                      dict(self._flash)))
                self._saved_good_ns = self.last_good_ns
                self._dirty = False
            except (OSError, StateError) as e:
                self.store_error = "save failed: %s" % e
            except MemoryError:
                # Stays dirty: the next round saves again, nothing is lost.
                self.store_error = "save failed: out of memory"

    def shutdown(self):
        """Move every cookie still in RAM to flash (when there is a store); False when
        that failed (store_error says why)."""
        if self.store is None:
            return True
        self._dirty = True
        self._persist(True)
        return not self._dirty

    # --- one round -----------------------------------------------------------------------

    def _group_order(self):
        names = [self.clock_group]
        for g in sorted(self.config.groups):
            if g != self.clock_group:
                names.append(g)
        return names

    async def sync_once(self):
        """One round over every group; returns the clock group's Selection."""
        if self._next_config is not None:
            self._adopt(self._next_config)
        if not self.config.uses_ntp():
            # ClockCtrlr TimeSource without NTP: no key exchange, query or clock change
            # (the CSMS time is used instead, nts.ocpp.csmstime). Checked once per round,
            # after a new configuration is taken: a TimeSource change starts or stops
            # NTS at this boundary, and the status says why no group syncs.
            sel = selection.Selection(False, None, None, None, [], {}, NTP_OFF)
            self.selections = dict((g, sel) for g in self.config.groups)
            self._persist()     # a new configuration's state file (digest) all the same
            return sel
        self.rounds += 1
        queried = {}
        for gname in self._group_order():
            group = self.config.groups[gname]
            levels = selection.priority_levels(
                [(n, self._by_name[n].cfg.Priority) for n in group.Clients])
            results = []
            sel = None
            for names in levels:
                todo = [self._by_name[n] for n in names if n not in queried]
                for p in todo:
                    queried[p.name] = True
                await self._key_exchanges(todo)
                # A collection inside an exchange would count as network delay (and
                # error): collect now, while nothing is being timed.
                gc.collect()
                await asyncio.gather(*[self._query(p) for p in todo])
                results.append(self._candidates([self._by_name[n] for n in names]))
                sel, used = selection.select_prioritized(
                    sources.distinct(results, self._by_name), group.MinServers)
                if not selection.need_next_level(sel, used, len(levels)):
                    break
            self.selections[gname] = sel
            self._conclude(gname, group, sel)
        self._persist()
        return self.selections.get(self.clock_group)

    def _candidates(self, peers):
        now = self.mono()
        cands = []
        failed = {}
        for p in peers:
            c = p.candidate(now, 2 * p.cfg.MaxInterval)
            if c is None:
                failed[p.name] = p.last_error or p.state
            else:
                cands.append(c)
        return cands, failed

    def _conclude(self, gname, group, sel):
        now_ns = self.clock.now_ns()
        counter = self.group_counters[gname]
        if sel.ok and len(sel.truechimers) >= group.MinServers:
            self._emit(counter.success(now_ns))
        else:
            self._emit(counter.error(now_ns, sel.reason or "too few agreeing sources"))
        if gname != self.clock_group:
            return
        clock = self.clock
        trusted = self._time_trusted()
        d = policy.decide(sel, group, self.config.clock, now_ns, trusted,
                          clock.can_slew, clock.resolution_ns,
                          None if trusted else self._authenticated(sel))
        self.last_adjustment = d.kind
        if d.kind is not None and gname == "legal" and any(
                self._by_name[n].cfg.SignedResponses for n in sel.truechimers):
            from nts import signed
            d.events.append(signed.evidence_event(d, sel, self._by_name, self.mono()))
        policy.apply(clock, d)
        if d.kind == "step":
            for p in self.peers:
                p.shift(d.offset_ns / NS)
        elif d.kind == "slew":
            # A slew done before the next round is as good as a step for the stored
            # samples; one still under way then would make them wrong by what is left
            # (and the next slew would cancel it): start the filters afresh instead.
            if abs(d.offset_ns) <= SLEW_RATE_PPM * self._interval_bounds()[0] * 1000:
                for p in self.peers:
                    p.shift(d.offset_ns / NS)
            else:
                for p in self.peers:
                    p.samples = []
        trusted = self._time_trusted()
        if sel.ok and len(sel.truechimers) >= group.MinServers and trusted:
            self.last_good_ns = clock.now_ns()
            self.last_sync_ns[gname] = self.last_good_ns
            if d.kind == "step":
                self._dirty = True      # the floor moved a lot: worth a write
        self._emit(d.events)
        if trusted and [p for p in self.peers if p.cert and not p.cert.checked]:
            from nts.certcheck import recheck
            for p in recheck(self.peers, clock.now_ns() // NS, self._emit):
                if self._flash.pop(p.name, None) is not None:
                    self._dirty = True

    def _time_trusted(self):
        # A reading before the floor is wrong, whatever the clock says of itself.
        return self.clock.is_trusted() and self.clock.now_ns() // NS >= self.floor_s

    def _authenticated(self, sel):
        return len([n for n in sel.truechimers if not self._by_name[n].plain])

    def _emit(self, events):
        if self.hook is not None:
            for e in events:
                self.hook(e)

    # --- key exchange ----------------------------------------------------------------------

    def cert_policy(self, p):
        from nts.tls.trust import CertTimePolicy
        skip = not self._time_trusted() or (
            p.cfg.NoCertTimeCheckAfterReboot and self.clock_group not in self.last_sync_ns)
        return CertTimePolicy(self.clock.now_ns() // NS, not skip, self.floor_s)

    async def _key_exchanges(self, peers):
        # All at once on the loop: a silent server costs its timeout once, in parallel,
        # holding up nothing else. Handshakes take turns on the gate (heap, deadline).
        gate = asyncio.Lock()
        now = self.mono()
        todo = [self._key_exchange(p, gate) for p in peers
                if p.next_action(now)[0] == DO_KEY_EXCHANGE]
        # A failure beyond NTS (MemoryError) fails the round, after the others finished.
        for r in await asyncio.gather(*todo, return_exceptions=True):
            if isinstance(r, BaseException):
                raise r
        # What a verified chain leaves (state.CertRecord) is made only now, after a
        # collection: objects that outlive a handshake, made while others still run,
        # split the heap their big numbers need (an RSA-3072 cold sync in 100 KB free).
        # Until then p.cert holds the (already allocated) policy.
        if todo:
            gc.collect()
            for p in peers:
                if p.cert is not None and not hasattr(p.cert, "checked"):
                    from nts.certcheck import record
                    p.cert = record(p.cert)

    async def _key_exchange(self, p, gate):
        cert_policy = self.cert_policy(p)
        try:
            result = await self.transport.key_exchange(p.cfg, cert_policy, gate)
        except (NTSError, OSError) as e:
            p.ke_failed("%s: %s" % (type(e).__name__, e), self.mono())
            self._emit(p.counter.error(self.clock.now_ns(), p.last_error))
            return
        p.ke_ok(result, self.mono(), self.clock.now_ns() // NS)
        # A verified chain's policy, made a CertRecord by _key_exchanges (fakes verify none).
        p.cert = cert_policy if cert_policy.leaf_sha256 is not None else None
        if self._flash.pop(p.name, None) is not None:
            self._dirty = True      # the cookies on flash belong to the old keys

    # --- NTP -----------------------------------------------------------------------------

    def _ntp_now(self):
        return timescale.from_unix_ns(self.clock.now_ns())

    async def _query(self, p):
        now = self.mono()
        if p.next_action(now)[0] != DO_QUERY:
            return      # held or no session: the peer's state says why
        ep = None
        try:
            host, port = p.ntp_address()
            if p.tls:
                ep = await self.transport.smgw(p.cfg, self.cert_policy(p))
            else:
                ep = self.transport.udp(host, port)
            p.ntp_addr = getattr(ep, "addr", None)      # resolved: see nts.sources
            if p.needs_preflight(now):
                ep.send(_preflight_packet())
                try:
                    await ep.recv(self.preflight_wait)
                except asyncio.TimeoutError:
                    pass
            signing = p.cfg.SignedResponses and not p.plain
            if signing:
                from nts import signed  # only loaded where a server has it on
            receive, got = p.receive, []
            if signing:
                def receive(datagram, t4):      # keeps reply 1's bytes for nts.signed
                    o = p.receive(datagram, t4)
                    if o.kind == SAMPLE:
                        got.append(datagram)
                    return o
            data = p.request(self._ntp_now(),
                             signed.request_fields(p.assoc.signing_key) if signing else ())
            ep.send(data)
            p.sent(self._ntp_now(), self.mono())
            o = await wait_reply(ep, receive, self.query_timeout, self._ntp_now)
            if signing and o.kind == SAMPLE:
                # After the sample: waiting for reply 2 and verifying never delay it.
                self._emit(p.on_outcome(o, self.mono(), self.clock.now_ns(), self._poll_s))
                o = None
                self._emit(await signed.settle(p, ep, got[-1], self.signed_wait,
                                               self.clock.now_ns))
        except NTSError as e:       # NetError: no address, send failed, ICMP unreachable
            o = Outcome(ERROR, str(e))
        finally:
            if ep is not None:
                ep.close()
        if o is not None:
            self._emit(p.on_outcome(o, self.mono(), self.clock.now_ns(), self._poll_s))

    # --- schedule -----------------------------------------------------------------------------

    def _interval_bounds(self):
        cfgs = [self._by_name[n].cfg for n in self.config.groups[self.clock_group].Clients]
        lo = max(c.MinInterval for c in cfgs)
        hi = max(lo, min(c.MaxInterval for c in cfgs))
        return lo, hi

    def next_interval(self):
        """Seconds to the next round: random in [MinInterval, MaxInterval]; after a
        failed round in [MinInterval, 2 * MinInterval] (capped at MaxInterval)."""
        lo, hi = self._interval_bounds()
        sel = self.selections.get(self.clock_group)
        if sel is None or not sel.ok:
            hi = min(hi, 2 * lo)
        self._poll_s = uniform(lo, hi)
        return self._poll_s

    async def run(self, rounds=None):
        """Sync forever (or `rounds` times), sleeping a random poll interval between.
        Cancelled (at any await), it persists the state and re-raises."""
        n = 0
        try:
            while True:
                try:
                    await self.sync_once()
                except Exception as e:  # a board's clock keeper must outlive one bad round
                    self._emit([{"event": "EngineError", "time_ns": self.clock.now_ns(),
                                 "reason": "%s: %s" % (type(e).__name__, e)}])
                n += 1
                if rounds is not None and n >= rounds:
                    return
                await asyncio.sleep(self.next_interval())
        except asyncio.CancelledError:
            self.shutdown()
            raise

    # --- operator view -------------------------------------------------------------------------

    def snapshot(self):
        """The public status model, the input of nts.status and `nts sync` (counts and
        figures only: no keys, no cookie bytes; nts.statusview lists the fields)."""
        groups = {}
        for g in self.config.groups:
            sel = self.selections.get(g)
            c = self.group_counters[g]
            groups[g] = {"ok": bool(sel and sel.ok), "offset": sel.offset if sel else None,
                         "truechimers": sel.truechimers if sel else [],
                         "rejected": dict(sel.rejected) if sel else {},
                         "min_servers": self.config.groups[g].MinServers, "errors": c.count,
                         "disabled": c.disabled, "last_sync_ns": self.last_sync_ns.get(g),
                         "reason": sel.reason if sel else "not synced yet"}
        return {"time_ns": self.clock.now_ns(),
                "clock": {"driver": type(self.clock).__name__,
                          "trusted": self.clock.is_trusted(),
                          "last_adjustment": self.last_adjustment},
                "store_error": self.store_error,
                "groups": groups, "servers": [self._server_snapshot(p) for p in self.peers]}

    def _server_snapshot(self, p):
        s = p.snapshot()
        if p.name in self._flash:       # the reserve on flash counts as cookies left
            s["cookies"] += len(self._flash[p.name].cookies)
        if p.cfg.SignedResponses:
            s["signature"] = getattr(p, "signature", None)     # nts.signed's verdict
        return s
