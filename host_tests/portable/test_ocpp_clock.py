# A CSMS's currentTime (Heartbeat / BootNotification) as one observation with half the
# round trip: used only as TimeSource allows, never over a valid legal-group NTS result;
# and the legal-time status with its OCMF flag; the OCMF time in local time (TimeOffset).
from nts.config import Config
from nts.ocpp import csmstime, legaltime
from nts.ocpp.rfc3339 import format_ns
from test_engine import SEC, FakeServer, _run, _setup


def _engine(sources, **kw):
    eng, clock, tr, events = _setup({"a": FakeServer(), "b": FakeServer()}, **kw)
    eng.config.clock["TimeSource"] = sources
    return eng, clock, events


def _heartbeat(eng, clock, error_s=0.0, rtt_s=0.4):
    """A Heartbeat answered by a CSMS whose clock is true + error_s."""
    sent = clock.now_ns()
    clock.advance(int(rtt_s * SEC))
    received = clock.now_ns()
    csms = clock.true_ns - int(rtt_s / 2 * SEC) + int(error_s * SEC)
    return csmstime.apply(eng, format_ns(csms), sent, received)


def test_heartbeat_never_moves_an_nts_synced_clock():
    eng, clock, events = _engine(["NTP", "Heartbeat"])
    assert _run(eng.sync_once()).ok
    before = clock.error_ns()
    n = len(events)
    applied, reason = _heartbeat(eng, clock, error_s=3600)
    assert not applied and reason == "legal time from NTS is valid"
    assert clock.error_ns() == before and len(events) == n
    eng.config.clock["TimeSource"] = ["Heartbeat", "NTP"]      # even when listed first
    assert not _heartbeat(eng, clock, error_s=3600)[0] and clock.error_ns() == before


def test_heartbeat_sets_an_unsynced_clock_with_half_the_round_trip():
    eng, clock, events = _engine(["NTP", "Heartbeat"], clock_error_s=-50.0)
    applied, reason = _heartbeat(eng, clock, rtt_s=0.8)
    assert applied, reason
    assert abs(clock.error_ns()) < SEC // 1000          # CSMS time + RTT/2 = true time
    kinds = [e["event"] for e in events]
    assert kinds.count("SettingSystemTime") == 1 and "ClockAdjusted" in kinds
    sst = [e for e in events if e["event"] == "SettingSystemTime"][0]
    assert sst["sources"] == ["Heartbeat"] and 49.9 < sst["offset"] < 50.1


def test_time_source_order_and_bad_input():
    eng, clock, _ = _engine(["NTP"], clock_error_s=-50.0)
    assert _heartbeat(eng, clock) == (False, "Heartbeat is not in TimeSource")
    eng.config.clock["TimeSource"] = ["RealTimeClock", "Heartbeat"]
    clock.step(clock.now_ns())                          # a trusted RTC comes first
    applied, reason = _heartbeat(eng, clock, error_s=10)
    assert not applied and "RealTimeClock" in reason
    eng.config.clock["TimeSource"] = ["Heartbeat"]
    for bad in ("yesterday", "2026-13-01T00:00:00Z"):
        assert csmstime.apply(eng, bad, clock.now_ns(), clock.now_ns())[0] is False
    now = clock.now_ns()
    assert "round trip" in csmstime.apply(eng, format_ns(now), now, now + 60 * SEC)[1]


def test_legal_time_status_and_ocmf_flag():
    eng, clock, _ = _engine(["NTP"], clock_error_s=-50.0)
    ok, reason, flag = legaltime.status(eng)
    assert (ok, flag) == (False, "U") and "no legal-time sync" in reason
    assert _run(eng.sync_once()).ok
    ok, reason, flag = legaltime.status(eng)
    assert (ok, flag) == (True, "S") and "2 agreeing" in reason
    clock.advance(3601 * SEC)                           # past MaxInterval (3600 s)
    ok, reason, flag = legaltime.status(eng)
    assert (ok, flag) == (False, "R") and "MaxInterval" in reason
    counter = eng.group_counters["legal"]
    for _ in range(counter.max_errors):
        counter.error(clock.now_ns(), "no reply")
    ok, reason, flag = legaltime.status(eng)
    assert not ok and "MaxErrors" in reason and flag == "R"


def test_ocmf_time_is_local_with_the_status_flag():
    eng, clock, _ = _engine(["NTP"])
    assert _run(eng.sync_once()).ok
    now = clock.now_ns()
    utc = format_ns(now)
    tm = legaltime.ocmf_time(eng)
    assert tm.endswith("+0000 S") and tm[:19] == utc[:19] and tm[19] == ","
    cfg = eng.config.to_dict()
    cfg["clock"]["TimeOffset"] = "+02:00"
    tm = legaltime.ocmf_time(eng, now, Config.from_dict(cfg))
    assert tm == format_ns(now, 7200)[:19] + "," + utc[20:23] + "+0200 S"
    clock.advance(3601 * SEC)
    assert legaltime.ocmf_time(eng).endswith(" R")
