# An OCPP change reaches the running engine at its next round boundary, without a
# reboot: servers whose settings did not change keep their NTS sessions (no new key
# exchange), changed ones start afresh, removed ones are gone.
from nts.ocpp import station, v16
from test_engine import SEC, FakeServer, _peer, _run, _setup


def test_change_applies_at_next_round_keeping_unchanged_sessions():
    eng, clock, tr, events = _setup({"a": FakeServer(), "b": FakeServer(), "c": FakeServer()})
    assert _run(eng.sync_once()).ok
    st = station.Station(eng.config, None, eng, events.append)
    kept = _peer(eng, "a")
    r = v16.change_configuration(st, {"key": "ntp.legal.servers", "value": "a.test,b.test"})
    assert r == {"status": "Accepted"}
    r = v16.change_configuration(st, {"key": "ntp.legal.delayAsym", "value": "0,1"})
    assert r == {"status": "Accepted"}
    assert len(eng.peers) == 3                      # nothing changes inside a round
    clock.advance(30 * SEC)
    eng.mono.t += 30
    sel = _run(eng.sync_once())
    assert eng.config is st.config and [p.name for p in eng.peers] == ["a", "b"]
    assert _peer(eng, "a") is kept and tr.servers["a.test"].ke_calls == 1
    assert tr.servers["b.test"].ke_calls == 2       # its settings changed: a new association
    assert sel.ok and sorted(sel.truechimers) == ["a", "b"]
    assert [e["change"] for e in events if e["event"] == "NTPConfigurationChanged"] == \
        ["ntp.legal.servers", "ntp.legal.delayAsym"]
