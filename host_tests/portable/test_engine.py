# The sync engine's logic with fake transports (no sockets, no TLS): selection and the
# clock, priority fall-through, key-exchange scheduling and back-off, Kiss-o'-Death,
# NAK (RFC 8915 5.7) and its rate-limited re-key, unsynchronized servers, preflight,
# the power-safe cookie reserve and restart, cancellation, status (the certificate time
# policy: test_firstboot). Servers answer through nts_double with a simulated true time.
import asyncio
import os
import sys

import nts
import nts_double as dbl
from nts import ke, ntp, statusview, timescale
from nts import state as st
from nts.config import Config
from nts.engine import Engine
from nts.errors import KEError, NetError
from rtc.simulated import SimulatedClock
from portability import run_loop

SEC = 1000000000
TRUE_NS = 1795714200 * SEC          # 2026-11-26
BUILD = 1795651200


class Mono:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class FakeServer:
    """Behaviour of one server: lie (s), dead, ke_fail, and one-shot `next` replies
    (see Endpoint.send: "drop", "nocookies", a kiss code: b"NTSN" (NAK), b"RATE",
    b"DENY", server_answer arguments, or several datagrams)."""

    def __init__(self, lie=0.0, dead=False, ke_fail=False):
        self.lie = lie
        self.dead = dead
        self.ke_fail = ke_fail
        self.next = []
        self.ke_calls = 0
        self.queries = 0
        self.preflights = 0


class Endpoint:
    def __init__(self, srv, clock):
        self.srv = srv
        self.clock = clock
        self.replies = []

    def send(self, data):
        srv = self.srv
        if srv.dead:
            return
        if len(data) == 48:
            srv.preflights += 1
            return
        srv.queries += 1
        # one-shot behaviours: "drop", "nocookies", a kiss code (bytes, NTSN = NAK), a
        # dict of nts_double.server_answer arguments, or a tuple of these: one datagram
        # each, in order
        what = srv.next.pop(0) if srv.next else ""
        for w in (what if isinstance(what, tuple) else (what,)):
            self._answer(data, w)

    def _answer(self, data, what):
        t2 = timescale.from_unix_ns(self.clock.true_ns + int(self.srv.lie * SEC))
        kw = {"cookies": (b"C" * 100,), "t2": t2, "t3": t2}
        if isinstance(what, bytes):
            kw["kiss"] = what
            kw["stratum"] = 0
        elif isinstance(what, dict):
            kw.update(what)
        elif what == "drop":
            return
        elif what == "nocookies":
            kw["cookies"] = ()
        self.replies.append(dbl.server_answer(data, dbl.S2C, 15, **kw))

    async def recv(self, timeout):
        if self.replies:
            return self.replies.pop(0)
        if self.srv.dead:
            raise NetError("no answer: connection refused")
        raise asyncio.TimeoutError()

    def close(self):
        pass


class FakeTransport:
    def __init__(self, servers, clock):
        self.servers = servers      # {host: FakeServer}
        self.clock = clock
        self.policies = []
        self.order = []

    async def key_exchange(self, cfg, policy, gate):
        srv = self.servers[cfg.ServerURL]
        srv.ke_calls += 1
        self.policies.append((cfg.Instance, policy))
        self.order.append(cfg.Instance)
        if srv.dead or srv.ke_fail:
            raise KEError("refused")
        r = ke.KEResult(15, [b"C" * 100] * 8, cfg.ServerURL, 123)
        r.c2s, r.s2c = dbl.C2S, dbl.S2C
        return r

    def udp(self, host, port):
        return Endpoint(self.servers[host], self.clock)


def _config(names, min_servers=2, prio=None, **extra):
    servers = []
    for i, n in enumerate(names):
        d = {"Instance": n, "ServerURL": n + ".test", "Preflight": 0,
             "Priority": prio[i] if prio else 0}
        d.update(extra)
        servers.append(d)
    return Config.from_dict({"servers": servers, "groups": {"legal": {"MinServers": min_servers}}})


def _setup(behaviours, min_servers=2, clock_error_s=-50.0, trusted=False, prio=None, store=None,
           **extra):
    names = sorted(behaviours)
    servers = dict((n + ".test", behaviours[n]) for n in names)
    clock = SimulatedClock(TRUE_NS, int(clock_error_s * SEC), trusted=trusted)
    events = []
    tr = FakeTransport(servers, clock)
    eng = Engine(_config(names, min_servers, prio, **extra), clock, tr, store=store,
                 hook=events.append, mono=Mono(), build_time=BUILD)
    return eng, clock, tr, events


def _run(coro):
    return run_loop(coro)


def _peer(eng, name):
    return [p for p in eng.peers if p.name == name][0]


def test_liar_outvoted_dead_skipped_clock_stepped():
    eng, clock, tr, events = _setup({"a": FakeServer(), "b": FakeServer(),
                                     "liar": FakeServer(lie=3600), "dead": FakeServer(dead=True)})
    sel = _run(eng.sync_once())
    assert sel.ok and sorted(sel.truechimers) == ["a", "b"]
    assert sel.rejected["liar"].startswith("falseticker")
    assert "dead" in sel.rejected and _peer(eng, "dead").state == "ke-failed"
    assert abs(clock.error_ns()) < SEC // 1000 and clock.is_trusted()
    # The key exchanges ran on the wrong clock; their time stamps moved with the step.
    assert abs(_peer(eng, "a").snapshot()["last_ke"] - clock.true_ns // SEC) <= 1
    kinds = [e["event"] for e in events]
    assert "ClockAdjusted" in kinds and "SettingSystemTime" in kinds
    # Later rounds: the liar never moves the clock; no new key exchange.
    for _ in range(3):
        clock.advance(30 * SEC)
        eng.mono.t += 30
        sel = _run(eng.sync_once())
        assert sel.ok and "liar" not in sel.truechimers
        assert abs(clock.error_ns()) < SEC // 1000
    assert [tr.servers[n].ke_calls for n in ("a.test", "b.test", "liar.test")] == [1, 1, 1]


def test_no_clock_change_without_min_servers():
    eng, clock, tr, events = _setup({"a": FakeServer(), "liar": FakeServer(lie=3600)})
    before = clock.error_ns()
    sel = _run(eng.sync_once())
    assert not sel.ok and clock.error_ns() == before and not clock.is_trusted()
    assert eng.snapshot()["clock"]["last_adjustment"] is None


def test_priority_fall_through():
    srv = {"p0": FakeServer(dead=True), "p1a": FakeServer(), "p1b": FakeServer(),
           "p2": FakeServer()}
    eng, clock, tr, _ = _setup(srv, prio=None)
    for p, prio in zip(sorted(srv), (0, 1, 1, 2)):
        _peer(eng, p).cfg.Priority = prio
    sel = _run(eng.sync_once())
    assert sel.ok and sorted(sel.truechimers) == ["p1a", "p1b"]
    assert tr.order == ["p0", "p1a", "p1b"]       # level 2 was never contacted
    assert srv["p2"].queries == 0


def test_key_exchange_back_off_and_recovery():
    bad = FakeServer(ke_fail=True)
    eng, clock, tr, _ = _setup({"a": bad}, min_servers=1)
    waits = []
    for _ in range(4):
        _run(eng.sync_once())
        p = _peer(eng, "a")
        waits.append(p.ke_due - eng.mono.t)
        _run(eng.sync_once())               # not due yet: no new attempt
        eng.mono.t = p.ke_due
    assert waits == [16, 32, 64, 128] and bad.ke_calls == 4
    bad.ke_fail = False
    assert _run(eng.sync_once()).ok and _peer(eng, "a").ke_failures == 0


def test_nak_leads_to_key_exchange_at_next_poll():
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    s.next = [ntp.KISS_NTS_NAK]
    eng.mono.t += 30
    _run(eng.sync_once())
    assert s.ke_calls == 1 and _peer(eng, "a").state == "nak"     # re-key at the next poll
    eng.mono.t += 30
    assert _run(eng.sync_once()).ok and s.ke_calls == 2


def test_cookies_run_out_then_key_exchange():
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    for i in range(9):
        s.next = ["nocookies"]
        _run(eng.sync_once())
        eng.mono.t += 30
    # 8 cookies from the key exchange, none back: the ninth round re-keys.
    assert s.ke_calls == 2


def test_kiss_rate_holds_and_deny_stops_until_rekey():
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    s.next = [b"RATE"]
    eng.mono.t += 30
    _run(eng.sync_once())
    p = _peer(eng, "a")
    assert p.state == "rate" and p.hold_until > eng.mono.t
    q = s.queries
    eng.mono.t += 1
    _run(eng.sync_once())
    assert s.queries == q and p.state == "held"
    eng.mono.t = p.hold_until
    s.next = [b"DENY"]
    _run(eng.sync_once())
    assert p.assoc is None and p.state == "denied"
    assert p.ke_due - eng.mono.t >= p.cfg.MinRefresh
    eng.mono.t += 60
    _run(eng.sync_once())
    assert s.ke_calls == 1                  # no key exchange before the re-key time
    eng.mono.t = p.ke_due
    assert _run(eng.sync_once()).ok and s.ke_calls == 2


def test_refresh_rekeys_between_min_and_max_refresh():
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    p = _peer(eng, "a")
    assert eng.mono.t + p.cfg.MinRefresh <= p.refresh_at <= eng.mono.t + p.cfg.MaxRefresh
    eng.mono.t = p.refresh_at
    _run(eng.sync_once())
    assert s.ke_calls == 2


def test_preflight_after_idle():
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1, Preflight=60)
    _run(eng.sync_once())
    assert s.preflights == 1               # never sent before: warm the path first
    eng.mono.t += 30
    _run(eng.sync_once())
    assert s.preflights == 1
    eng.mono.t += 61
    _run(eng.sync_once())
    assert s.preflights == 2 and _peer(eng, "a").state == "ok"


def _state_path(name):
    try:
        os.mkdir("build")
    except OSError:
        pass
    path = "build/engine_test_%s_%s.bin" % (sys.implementation.name, name)
    for p in (path, path + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass
    return path


def test_cookie_reserve_on_flash_and_restart_without_key_exchange():
    path = _state_path("restart")
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1, store=st.Store(path))
    _run(eng.sync_once())
    p = _peer(eng, "a")
    on_flash = st.Store(path)._read(path, None).sessions["a"].cookies
    # A cookie lives in RAM or on flash, never both: 8 in all, `reserve` of them on flash.
    assert len(on_flash) == eng.reserve and len(p.assoc.cookies) == 8 - eng.reserve
    eng.shutdown()
    assert len(p.assoc.cookies) == 0
    assert len(st.Store(path)._read(path, None).sessions["a"].cookies) == 8
    # Restart: the session is resumed (and consumed from flash), no key exchange.
    eng2, clock2, tr2, _ = _setup({"a": s}, min_servers=1, store=st.Store(path))
    assert eng2.load_state() == 1
    assert st.Store(path)._read(path, None).sessions == {}
    assert _run(eng2.sync_once()).ok and s.ke_calls == 1
    assert _peer(eng2, "a").state == "ok"


def test_status_has_no_secrets():
    eng, clock, tr, _ = _setup({"a": FakeServer(), "b": FakeServer()})
    _run(eng.sync_once())
    m = nts.status(True)
    assert m["groups"]["legal"]["ok"] and len(m["servers"]) == 2
    for row in m["servers"]:
        assert row["cookies"] == 8 and row["aead"] == 15
        for v in row.values():
            assert not isinstance(v, (bytes, bytearray))
    text = statusview.render(eng.snapshot())
    assert "CCCC" not in text and "group legal: OK" in text


def test_no_round_without_ntp_in_time_source():
    # ClockCtrlr TimeSource ["Heartbeat"]: the CSMS time only (nts.ocpp.csmstime); the
    # engine neither keys, nor queries, nor touches the clock, and says why.
    from nts.config import NTP_OFF
    _, clock, tr, events = _setup({"a": FakeServer(), "b": FakeServer()})
    d = _config(["a", "b"]).to_dict()
    d["clock"]["TimeSource"] = ["Heartbeat"]
    eng = Engine(Config.from_dict(d), clock, tr, hook=events.append, mono=Mono(),
                 build_time=BUILD)
    before = clock.error_ns()
    for _ in range(2):
        sel = _run(eng.sync_once())
        assert not sel.ok and sel.reason == NTP_OFF
    assert [(s.ke_calls, s.queries, s.preflights) for s in tr.servers.values()] == [(0, 0, 0)] * 2
    assert clock.error_ns() == before and not clock.is_trusted() and events == []
    assert eng.rounds == 0 and eng.snapshot()["clock"]["last_adjustment"] is None
    snap = eng.snapshot()
    assert snap["groups"]["legal"]["reason"] == NTP_OFF and not snap["groups"]["legal"]["ok"]
    assert "group legal: NO TIME: " + NTP_OFF in statusview.render(snap)


def test_next_interval_randomized_in_range():
    eng, clock, tr, _ = _setup({"a": FakeServer(), "b": FakeServer()})
    _run(eng.sync_once())
    seen = [eng.next_interval() for _ in range(20)]
    assert all(30 <= x <= 3600 for x in seen) and len(set(seen)) > 1


def _root_der():
    from support import vectors
    from x509_vectors import by_id
    for case in vectors("x509_chains"):
        if case["name"] == "rsa_1_intermediate":
            return by_id(case["anchors"])[case["anchors"][0]]
    raise AssertionError("x509_chains vector missing")


def test_service_builds_trust_groups_and_engine():
    from nts import service
    from nts.errors import ConfigError
    from support import raises
    base = "build/engine_ca_%s" % sys.implementation.name
    for d in (base, base + "/default", base + "/legalTimeCA"):
        try:
            os.mkdir(d)
        except OSError:
            pass
    with open(base + "/default/root.der", "wb") as f:
        f.write(_root_der())
    store = service.trust_store(base)
    assert store.groups() == ["default"] and len(store.anchors("default")) == 1
    assert raises(ConfigError, service.trust_store, base + "/legalTimeCA").field == "CA_DIR"
    assert raises(ConfigError, service.trust_store, base + "/nope").field == "CA_DIR"

    class Settings:
        CA_DIR = base
        STATE_PATH = _state_path("service")

    from nts import board
    saved = board._settings
    board._settings = Settings
    try:
        clock = SimulatedClock(TRUE_NS)
        eng = service.make_engine({"servers": [{"ServerURL": "a.test"}]}, clock=clock)
    finally:
        board._settings = saved
    assert eng.clock is clock and eng.store.path == Settings.STATE_PATH
    # The CAs are read when a key exchange is due (nts.service.BoardTransport).
    assert eng.transport.store is None and eng.transport.ca_dir == base
    assert eng.peers[0].name == "ntp1"


def test_run_survives_a_failing_round():
    eng, clock, tr, events = _setup({"a": FakeServer(), "b": FakeServer()})
    calls = []

    async def broken(cfg, policy, gate):
        calls.append(cfg.Instance)
        raise MemoryError("simulated")
    tr.key_exchange = broken

    eng.next_interval = lambda: 0
    _run(eng.run(rounds=2))
    # Both servers' key exchanges run (concurrently) in each of the two rounds.
    assert len(calls) == 4
    failed = [e for e in events if e["event"] == "EngineError"]
    assert len(failed) == 2 and failed[0]["reason"] == "MemoryError: simulated", failed


def test_filter_samples_follow_steps_and_short_slews():
    eng, clock, tr, _ = _setup({"a": FakeServer(), "b": FakeServer()}, trusted=True,
                               clock_error_s=-0.010)
    _run(eng.sync_once())
    # 10 ms: a slew that ends within MinInterval (30 s at 500 ppm = 15 ms): samples kept,
    # re-referenced to the corrected clock.
    assert eng.snapshot()["clock"]["last_adjustment"] == "slew"
    a = _peer(eng, "a")
    assert len(a.samples) == 1 and abs(a.samples[0].offset) < 1e-6
    clock.advance(30 * SEC)
    eng.mono.t += 30
    _run(eng.sync_once())
    assert len(a.samples) == 2 and abs(clock.error_ns()) < 1000
    # 100 ms: still under way at the next round: the filters start afresh.
    clock._offset_ns -= 100000000
    clock.advance(30 * SEC)
    eng.mono.t += 30
    _run(eng.sync_once())
    assert eng.snapshot()["clock"]["last_adjustment"] == "slew" and a.samples == []


# --- reply handling per the RFCs (nts.reply, nts.query, nts.peer) ------------------------

def test_nak_does_not_end_the_wait_for_the_authenticated_reply():
    # RFC 8915 5.7: a NAK is unauthenticated; anyone who saw the UID can send one. The
    # genuine answer that follows it within the query timeout is used, and no re-key.
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    s.next = [(ntp.KISS_NTS_NAK, "")]
    eng.mono.t += 30
    assert _run(eng.sync_once()).ok
    p = _peer(eng, "a")
    assert p.state == "ok" and p.nak_rekeys == 0
    eng.mono.t += 30
    _run(eng.sync_once())
    assert s.ke_calls == 1


def test_nak_rekeys_are_rate_limited():
    # Without an authenticated reply a NAK means re-key, but an on-path attacker who sees
    # the UID (and blocks the genuine answer) must not force a TLS handshake on every
    # poll: the re-keys after NAKs in a row wait 0, 16, 32, 64 s.
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    p = _peer(eng, "a")
    s.next = [ntp.KISS_NTS_NAK] * 20
    eng.mono.t += 30
    _run(eng.sync_once())
    waits = [p.ke_due - eng.mono.t]
    for _ in range(3):
        eng.mono.t = max(eng.mono.t + 1, p.ke_due)
        calls = s.ke_calls
        _run(eng.sync_once())               # re-key, and the new session is NAKed too
        assert s.ke_calls == calls + 1 and p.state == "nak"
        waits.append(p.ke_due - eng.mono.t)
        eng.mono.t += 1
        _run(eng.sync_once())               # too early: no handshake, no query
        assert s.ke_calls == calls + 1 and p.state == "nak"
    assert waits == [0, 16, 32, 64], waits
    assert eng.snapshot()["servers"][0]["nak_rekeys"] == 4
    assert statusview.model(eng.snapshot())["servers"][0]["nak_rekeys"] == 4
    s.next = []
    eng.mono.t = p.ke_due
    assert _run(eng.sync_once()).ok         # re-keyed; a good reply resets the count
    assert p.state == "ok" and p.nak_rekeys == 0


def test_other_kiss_codes_drop_the_packet_only():
    # RFC 5905 7.4 / RFC 8633: INIT, STEP or garbage is no reason to shun a server: the
    # packet is discarded, the wait goes on (to the timeout here: an authenticated kiss
    # was the server's one answer), the association stays and the next poll is normal.
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    p = _peer(eng, "a")
    for code in (b"INIT", b"STEP", b"\x01\x02\xfe\xff"):
        s.next = [code]
        eng.mono.t += 30
        _run(eng.sync_once())
        assert p.state == "no-reply" and p.assoc is not None, p.state
        assert p.last_error.startswith("no answer within 2.0 s (ignored: kiss code ")
        eng.mono.t += 30
        _run(eng.sync_once())
        assert p.state == "ok"
    assert s.ke_calls == 1 and p.hold_until == 0.0


def test_unsynchronized_server_is_a_definite_answer():
    # Authenticated, but leap 3 / stratum 16 / zero transmit time: reported at once as
    # "server unsynchronized"; the wait does not go on to the reply queued behind it.
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    p = _peer(eng, "a")
    eps = []
    udp = tr.udp

    def keep(host, port):
        eps.append(udp(host, port))
        return eps[-1]
    tr.udp = keep
    for kw in ({"leap": 3}, {"stratum": 16}, {"zero_ts": True}):
        s.next = [(kw, "")]
        eng.mono.t += 30
        _run(eng.sync_once())
        assert p.state == "unsynchronized" and "server unsynchronized" in p.last_error
        assert len(eps[-1].replies) == 1        # the wait ended before the next datagram
    assert s.ke_calls == 1


def test_silence_is_reported_as_the_timeout():
    s = FakeServer()
    eng, clock, tr, _ = _setup({"a": s}, min_servers=1)
    _run(eng.sync_once())
    s.next = ["drop"]
    eng.mono.t += 30
    _run(eng.sync_once())
    p = _peer(eng, "a")
    assert p.state == "no-reply" and p.last_error == "no answer within 2.0 s"


def test_peer_is_a_sans_io_core():
    # Timestamps in, actions out: no key exchange, query or wait decided by the shell.
    from nts import peer as pm
    from nts import reply
    eng, clock, tr, _ = _setup({"a": FakeServer()}, min_servers=1)
    p = _peer(eng, "a")
    assert p.next_action(1000.0) == (pm.DO_KEY_EXCHANGE, None)
    r = ke.KEResult(15, [b"C" * 100] * 8, "a.test", 123)
    r.c2s, r.s2c = dbl.C2S, dbl.S2C
    p.ke_ok(r, 1000.0, BUILD)
    assert p.next_action(1000.0) == (pm.DO_QUERY, None)
    t1 = timescale.from_unix_ns(TRUE_NS)
    data = p.request(t1)
    p.sent(t1, 1000.0)
    o = p.receive(dbl.server_answer(data, dbl.S2C, 15, stratum=0, kiss=b"RATE"), t1 + SEC)
    assert o.kind == reply.RATE
    p.on_outcome(o, 1000.0, TRUE_NS, 30)
    kind, until = p.next_action(1001.0)
    assert kind == pm.DO_WAIT and until == 1060.0
    assert p.next_action(until)[0] == pm.DO_QUERY
    data = p.request(t1)
    o = p.receive(dbl.server_answer(data, dbl.S2C, 15, stratum=0, kiss=b"DENY"), t1 + SEC)
    p.on_outcome(o, until, TRUE_NS, 30)
    kind, due = p.next_action(until)
    assert kind == pm.DO_WAIT and p.assoc is None and due >= until + p.cfg.MinRefresh
    assert p.next_action(due)[0] == pm.DO_KEY_EXCHANGE


def test_a_save_out_of_memory_keeps_the_engine_and_its_cookies():
    # A fragmented heap fails the state file's buffers: the round goes on, the error is
    # reported, and the next save that succeeds writes the cookies the failed one held.
    path = _state_path("oom")

    class FullStore(st.Store):
        def save(self, state):
            raise MemoryError("memory allocation failed")
    eng, clock, tr, _ = _setup({"a": FakeServer()}, min_servers=1, store=FullStore(path))
    assert _run(eng.sync_once()).ok
    assert eng.store_error == "save failed: out of memory"
    eng.store = st.Store(path)
    assert eng.shutdown() is True
    assert len(st.Store(path)._read(path, None).sessions["a"].cookies) == 8
    # A shutdown whose save fails says so (the station's "stopped" event shows it).
    eng, clock, tr, _ = _setup({"a": FakeServer()}, min_servers=1, store=FullStore(path))
    assert _run(eng.sync_once()).ok and eng.shutdown() is False


def test_cancelled_engine_closes_sockets_and_persists():
    # Cancelling the engine task during a key exchange or a query: the sockets close
    # (the transport's finally blocks) and the state reaches flash.
    import asyncio
    closed = []
    path = _state_path("cancel_ke")
    eng, clock, tr, _ = _setup({"a": FakeServer()}, min_servers=1, store=st.Store(path))

    async def hanging_ke(cfg, policy, gate):
        try:
            await asyncio.sleep(60)
        finally:
            closed.append("ke")
    tr.key_exchange = hanging_ke

    async def cancel_soon(eng):
        task = asyncio.create_task(eng.run())
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False
    assert _run(cancel_soon(eng)) and closed == ["ke"]
    assert st.Store(path)._read(path, None) is not None       # state written

    path = _state_path("cancel_query")
    eng, clock, tr, _ = _setup({"a": FakeServer()}, min_servers=1, store=st.Store(path))
    udp = tr.udp

    def hanging_udp(host, port):
        ep = udp(host, port)

        async def recv(timeout):
            await asyncio.sleep(60)

        def close():
            closed.append("udp")
        ep.recv, ep.close = recv, close
        return ep
    tr.udp = hanging_udp
    assert _run(cancel_soon(eng)) and closed == ["ke", "udp"]
    # The 8 cookies less the one the cancelled request used, all on flash now.
    assert len(st.Store(path)._read(path, None).sessions["a"].cookies) == 7
