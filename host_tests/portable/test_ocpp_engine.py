# An OCPP change reaches the running engine at its next round boundary, without a
# reboot: servers whose settings did not change keep their NTS sessions (no new key
# exchange), changed ones start afresh, removed ones are gone. ClockCtrlr TimeSource
# without NTP stops NTS (and the CSMS time takes over), with NTP starts it again.
from nts.config import NTP_OFF
from nts.ocpp import legaltime, station, v16
from ocpp_support import set_item, set_variables
from test_engine import SEC, FakeServer, _peer, _run, _setup
from test_ocpp_clock import _heartbeat


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


def test_time_source_without_ntp_stops_and_restarts_nts_at_round_boundaries():
    eng, clock, tr, events = _setup({"a": FakeServer(), "b": FakeServer()})
    assert _run(eng.sync_once()).ok
    st = station.Station(eng.config, None, eng, events.append)

    def counts():
        return [(s.ke_calls, s.queries) for _, s in sorted(tr.servers.items())]

    r = v16.change_configuration(st, {"key": "ntp.timeSource", "value": "Heartbeat"})
    assert r == {"status": "Accepted"} and eng.config.uses_ntp()   # until the next round
    clock.advance(30 * SEC)
    eng.mono.t += 30
    synced = counts()
    sel = _run(eng.sync_once())
    assert not sel.ok and sel.reason == NTP_OFF and counts() == synced
    assert eng.snapshot()["groups"]["legal"]["reason"] == NTP_OFF
    # The last NTS sync stays valid for MaxInterval, and CSMS time never overrides it.
    assert legaltime.status(eng)[0]
    assert _heartbeat(eng, clock, error_s=10) == (False, "legal time from NTS is valid")
    clock.advance(3600 * SEC)
    eng.mono.t += 3600
    ok, reason, flag = legaltime.status(eng)
    assert not ok and reason.startswith(NTP_OFF + ": ") and flag == "R"
    _run(eng.sync_once())
    assert counts() == synced
    # Now the CSMS time is all there is: a 10 s error is stepped in and reported.
    n = len(events)
    applied, reason = _heartbeat(eng, clock, error_s=10)
    assert applied, reason
    assert abs(clock.error_ns() - 10 * SEC) < SEC // 1000
    sst = [e for e in events[n:] if e["event"] == "SettingSystemTime"]
    assert len(sst) == 1 and sst[0]["sources"] == ["Heartbeat"]
    # NTP back in TimeSource (2.0.1 this time): the next round syncs again, with the
    # sessions kept (no key exchange), and NTS corrects the CSMS's error.
    status, _ = set_variables(st, set_item("ClockCtrlr", "TimeSource", "NTP,Heartbeat"))
    assert status == ["Accepted"]
    clock.advance(30 * SEC)
    eng.mono.t += 30
    sel = _run(eng.sync_once())
    assert sel.ok and abs(clock.error_ns()) < SEC // 1000
    assert [k for k, _ in counts()] == [k for k, _ in synced]
    assert [q for _, q in counts()] == [q + 1 for _, q in synced]
    assert legaltime.status(eng)[0]
