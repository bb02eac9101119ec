# Distinct sources (nts.sources): the same server configured twice or reached under two
# names (same resolved address) or presenting the same certificate counts once
# towards MinServers; the configuration warns about textual duplicates.
from nts.config import Config
from nts.engine import Engine
from rtc.simulated import SimulatedClock
from test_engine import BUILD, SEC, TRUE_NS, Endpoint, FakeServer, FakeTransport, Mono, _run


class AliasTransport(FakeTransport):
    """Servers by host name; `addr` maps names to one resolved address."""

    def __init__(self, servers, clock, addr=None):
        FakeTransport.__init__(self, servers, clock)
        self.addr = addr or {}

    def udp(self, host, port):
        ep = Endpoint(self.servers[host], self.clock)
        ep.addr = (self.addr.get(host, host), port)
        return ep


def _engine(urls, min_servers, **kw):
    servers = dict((u, FakeServer()) for u in urls)
    clock = SimulatedClock(TRUE_NS, -50 * SEC)
    cfg = Config.from_dict({"servers": [{"Instance": "s%d" % (i + 1), "ServerURL": u,
                                         "Preflight": 0} for i, u in enumerate(urls)],
                            "groups": {"legal": {"MinServers": min_servers}}})
    eng = Engine(cfg, clock, AliasTransport(servers, clock, **kw), mono=Mono(),
                 build_time=BUILD)
    return eng, clock, cfg


def test_config_warns_on_the_same_server_twice():
    cfg = Config.from_dict({"servers": [{"ServerURL": "a.test"}, {"ServerURL": "A.test"},
                                        {"ServerURL": "b.test"}],
                            "groups": {"legal": {"MinServers": 3}}})
    assert len(cfg.warnings) == 2
    assert "ntp1 and ntp2" in cfg.warnings[0] and "count once" in cfg.warnings[0]
    assert "only 2 distinct" in cfg.warnings[1]
    assert Config.from_dict({"servers": [{"ServerURL": "a.test"},
                                         {"ServerURL": "b.test"}]}).warnings == []


def test_same_server_twice_is_one_source():
    eng, clock, cfg = _engine(["a.test", "a.test"], 2)
    sel = _run(eng.sync_once())
    assert not sel.ok and eng.snapshot()["clock"]["last_adjustment"] is None and not clock.is_trusted()
    assert "same source as s1" in sel.rejected["s2"]


def test_two_names_one_address_is_one_source():
    eng, clock, _ = _engine(["127.0.0.1", "localhost"], 2,
                            addr={"localhost": "127.0.0.1"})
    sel = _run(eng.sync_once())
    assert not sel.ok and not clock.is_trusted()
    assert "same source as s1" in sel.rejected["s2"]


def test_distinct_servers_still_agree():
    eng, clock, _ = _engine(["a.test", "b.test"], 2)
    sel = _run(eng.sync_once())
    assert sel.ok and sorted(sel.truechimers) == ["s1", "s2"] and clock.is_trusted()


def test_servers_sharing_a_certificate_are_one_source():
    from test_firstboot import CertTransport, GOOD
    servers = dict((u, FakeServer()) for u in ("a.test", "b.test", "c.test"))
    clock = SimulatedClock(TRUE_NS, -50 * SEC)
    cfg = Config.from_dict({"servers": [{"Instance": "s%d" % (i + 1), "ServerURL": u,
                                         "Preflight": 0} for i, u in enumerate(sorted(servers))],
                            "groups": {"legal": {"MinServers": 2}}})
    shared = GOOD + (b"S" * 32,)
    tr = CertTransport(servers, clock, {"a.test": shared, "b.test": shared})
    eng = Engine(cfg, clock, tr, mono=Mono(), build_time=BUILD)
    servers["c.test"].dead = True
    sel = _run(eng.sync_once())
    assert not sel.ok and not clock.is_trusted()
    assert sel.rejected["s2"] == "same source as s1 (same certificate; counted once)"
    # A third server with a certificate of its own makes two sources.
    servers["c.test"].dead = False
    eng.peers[2].ke_due = 0
    eng.mono.t += 60
    clock.advance(60 * SEC)
    sel = _run(eng.sync_once())
    assert sel.ok and sorted(sel.truechimers) == ["s1", "s3"] and clock.is_trusted()
