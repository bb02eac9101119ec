# First boot without a trusted clock (issue 9): an RTC at 2000-01-01 and DEFAULT settings
# must sync; no certificate date is compared with the untrusted clock, only with the
# floor (persisted last good time, else build time); only MinServers agreeing NTS
# sources move it; once it is trusted the sessions keyed without a date check are
# checked again and dropped (logged) when their certificates are not valid now.
# NoCertTimeCheckAfterReboot extends the untrusted treatment to an RTC that claims to be
# trusted, until the first sync. Key exchanges are fakes that run the engine's
# CertTimePolicy on dated stand-in certificates, as nts.tls.trust does on a real chain.
# The 100 KB .mpy-bundle run skips this module (the engine and test_engine's fakes need
# ~225 KB as a bundle: 224 KB fails, 225 KB passes, 1 KB steps); the frozen run has it.
from nts import policy
from nts import state as st
from nts.config import Config
from nts.engine import Engine
from nts.errors import CertError
from rtc.civil import UNIX_2000
from rtc.simulated import SimulatedClock
from test_engine import BUILD, SEC, TRUE_NS, FakeServer, FakeTransport, Mono, _run, _state_path

DAY = 86400
NOW = TRUE_NS // SEC
GOOD = (NOW - 30 * DAY, NOW + 60 * DAY)     # a leaf valid today


class Dated:
    """Stands in for a parsed certificate: dates and a name."""

    def __init__(self, nb, na):
        self.not_before, self.not_after = nb, na

    def common_name(self):
        return "leaf"


class CertTransport(FakeTransport):
    """FakeTransport whose key exchange shows the policy a certificate: `certs` maps a
    host to (notBefore, notAfter[, leaf hash]); the hash defaults to one per host."""

    def __init__(self, servers, clock, certs):
        FakeTransport.__init__(self, servers, clock)
        self.certs = certs
        self.shown = []     # (Instance, policy) of every key exchange, refused or not

    async def key_exchange(self, cfg, cert_policy, gate):
        self.shown.append((cfg.Instance, cert_policy))
        c = self.certs.get(cfg.ServerURL, GOOD)
        cert_policy.check(Dated(c[0], c[1]))     # CertError (an NTSError) refuses
        r = await FakeTransport.key_exchange(self, cfg, cert_policy, gate)
        cert_policy.leaf_sha256 = c[2] if len(c) > 2 else (cfg.ServerURL * 32)[:32].encode()
        return r


def _cold(urls, certs=None, groups=None, trusted=False, store=None, **server):
    """An engine on a clock reading 2000-01-01 (true time: TRUE_NS), default settings."""
    servers = dict((u, FakeServer()) for u in urls)
    clock = SimulatedClock(TRUE_NS, UNIX_2000 * SEC - TRUE_NS, trusted=trusted)
    d = {"servers": [dict(ServerURL=u, **server) for u in urls]}
    if groups is not None:
        d["groups"] = groups
    events = []
    tr = CertTransport(servers, clock, certs or {})
    eng = Engine(Config.from_dict(d), clock, tr, store=store, hook=events.append, mono=Mono(),
                 build_time=BUILD)
    return eng, clock, tr, events, servers


def _names(events):
    return [e["event"] for e in events]


def test_cold_boot_at_2000_with_default_settings_syncs():
    eng, clock, tr, events, _ = _cold(["a.test"])
    assert clock.now_ns() // SEC == UNIX_2000 and not clock.is_trusted()
    sel = _run(eng.sync_once())
    assert sel.ok and eng.snapshot()["clock"]["last_adjustment"] == "step", sel
    assert clock.is_trusted() and abs(clock.error_ns()) < SEC // 100
    pol = tr.policies[0][1]
    assert not pol.trusted and pol.floor == BUILD   # no date compared with year 2000
    p = eng.peers[0]
    assert p.cert.checked and p.cert.not_after == GOOD[1]     # checked again: valid
    assert "ClockAdjusted" in _names(events) and "CertificateRejected" not in _names(events)
    # From now on the clock is trusted: dates are checked as usual.
    assert eng.cert_policy(p).trusted


def test_expired_before_floor_refused_from_build_time_and_last_good_time():
    expired = (BUILD - 90 * DAY, BUILD - DAY)
    eng, clock, _, _, _ = _cold(["a.test"], {"a.test": expired})
    sel = _run(eng.sync_once())
    assert not sel.ok and not clock.is_trusted() and eng.snapshot()["clock"]["last_adjustment"] is None
    err = eng.peers[0].last_error
    assert "CertError" in err and "before the time floor 2026-11-26T00:00:00Z" in err, err
    # After the build time but before the persisted last good time: refused as well.
    path = _state_path("floor")
    last_good = BUILD + 10 * DAY
    eng, clock, _, _, _ = _cold(["a.test"], {"a.test": (BUILD - DAY, BUILD + 5 * DAY)},
                                store=st.Store(path))
    st.Store(path).save(st.State(eng._digest, last_good * SEC, True))
    eng.load_state()
    assert eng.floor_s == last_good
    assert not _run(eng.sync_once()).ok and "time floor" in eng.peers[0].last_error
    # Not yet valid (by the true time) is no reason to refuse on an untrusted clock.
    eng, clock, _, _, _ = _cold(["a.test"], {"a.test": (NOW + DAY, NOW + 90 * DAY)})
    assert eng.cert_policy(eng.peers[0]).trusted is False
    eng.cert_policy(eng.peers[0]).check(Dated(NOW + DAY, NOW + 90 * DAY))


def test_lone_server_cannot_set_the_clock_when_min_servers_is_2():
    eng, clock, _, events, servers = _cold(["a.test", "b.test"],
                                           groups={"legal": {"MinServers": 2}})
    servers["b.test"].ke_fail = True
    sel = _run(eng.sync_once())
    assert len(sel.truechimers) < 2 and eng.snapshot()["clock"]["last_adjustment"] is None
    assert not clock.is_trusted() and clock.now_ns() // SEC < UNIX_2000 + 60
    assert "ClockAdjusted" not in _names(events) and eng.last_good_ns == 0


def test_untrusted_clock_moves_only_on_authenticated_sources():
    cfg = Config.from_dict({"servers": [{"Instance": "a", "ServerURL": "a.test"},
                                        {"Instance": "b", "ServerURL": "b.test",
                                         "Mode": "NTPv4"}],
                            "groups": {"local": {"MinServers": 2}}})
    g = cfg.groups["local"]
    from nts.selection import Selection
    sel = Selection(True, 3600.0, 3599.9, 3600.1, ["a", "b"], {})
    t0 = UNIX_2000 * SEC
    assert policy.decide(sel, g, cfg.clock, t0, False, authenticated=2).kind == "step"
    d = policy.decide(sel, g, cfg.clock, t0, False, authenticated=1)
    assert d.kind is None and "1 agreeing authenticated sources" in d.reason
    assert policy.decide(sel, g, cfg.clock, t0, True).kind == "step"


def test_recheck_drops_a_session_not_valid_at_the_trusted_time():
    # c's certificate starts tomorrow (true time): fine under the untrusted clock, not
    # once a and b have set it.
    future = (NOW + DAY, NOW + 90 * DAY)
    eng, clock, tr, events, servers = _cold(["a.test", "b.test", "c.test"], {"c.test": future},
                                            groups={"legal": {"MinServers": 2}})
    sel = _run(eng.sync_once())
    assert sel.ok and clock.is_trusted() and len(sel.truechimers) == 3
    c = [p for p in eng.peers if p.cfg.ServerURL == "c.test"][0]
    assert c.assoc is None and c.state == "cert-rejected" and c.ke_due == 0
    assert "not valid at 2026-11-26T" in c.last_error and "2026-11-27T" in c.last_error
    rej = [e for e in events if e["event"] == "CertificateRejected"]
    assert len(rej) == 1 and rej[0]["subject"] == c.name and rej[0]["log"] == "security"
    assert rej[0]["not_before"] == future[0]
    assert all(p.cert.checked for p in eng.peers if p is not c)
    # The next round key-exchanges with c again, now with the dates checked: refused.
    clock.advance(60 * SEC)
    eng.mono.t += 60
    sel = _run(eng.sync_once())
    assert sel.ok and c.name not in sel.truechimers
    name, pol = tr.shown[-1]
    assert name == c.name and pol.trusted and len(tr.shown) == 4
    assert c.state == "ke-failed" and "not valid before 2026-11-27T" in c.last_error


def test_restored_unchecked_session_is_checked_at_the_first_trusted_round():
    path = _state_path("recheck")
    eng, clock, _, _, _ = _cold(["a.test"], store=st.Store(path))
    _run(eng.sync_once())
    eng.shutdown()
    on_flash = st.Store(path)._read(path, None).sessions["ntp1"]
    assert on_flash.cert.sha256 == b"a.test" * 5 + b"a." and on_flash.cert.checked
    # A session keyed unchecked, persisted, and a trusted clock past its certificate.
    s = st.Store(path)
    state = s._read(path, None)
    state.sessions["ntp1"].cert = st.CertRecord(NOW - 90 * DAY, NOW - 2 * DAY, b"x" * 32, False)
    s.save(state)
    eng2, clock2, tr2, events2, servers2 = _cold(["a.test"], store=st.Store(path), trusted=True)
    clock2.step(TRUE_NS)
    assert eng2.load_state() == 1 and not eng2.peers[0].cert.checked
    _run(eng2.sync_once())
    assert "CertificateRejected" in _names(events2)
    assert servers2["a.test"].ke_calls == 0 and eng2.peers[0].assoc is None


def test_no_cert_time_check_after_reboot_covers_a_trusted_rtc_until_the_first_sync():
    eng, clock, tr, _, _ = _cold(["a.test", "b.test"], trusted=True)
    clock.step(TRUE_NS - 10 * SEC)
    a, b = eng.peers
    a.cfg.NoCertTimeCheckAfterReboot = True
    assert not eng.cert_policy(a).trusted and eng.cert_policy(a).floor == BUILD
    assert eng.cert_policy(b).trusted
    _run(eng.sync_once())
    assert eng.cert_policy(a).trusted and a.cert.checked
    # A "trusted" RTC reading before the floor is not trusted for certificates.
    eng, clock, _, _, _ = _cold(["a.test"], trusted=True)
    assert clock.is_trusted() and not eng.cert_policy(eng.peers[0]).trusted


def test_time_policy_records_the_window_and_refuses_with_iso_dates():
    from nts.tls.trust import CertTimePolicy
    p = CertTimePolicy(NOW)
    p.check(Dated(NOW - 10, NOW + 100))
    p.check(Dated(NOW - 50, NOW + 50))
    assert (p.not_before, p.not_after) == (NOW - 10, NOW + 50)
    e = None
    try:
        CertTimePolicy(1795651200 + 1).check(Dated(0, 1795651200))
    except CertError as x:
        e = x
    assert e.reason == "expired" and "expired at 2026-11-26T00:00:00Z" in str(e)
