# Clock policy: step/slew threshold, MinServers guard, log events, error counters.
from nts.config import Config
from nts import policy
from nts.selection import Selection
from rtc.simulated import SimulatedClock

NS = 1000000000
T0 = 1800000000 * NS


def _cfg(min_servers=2):
    return Config.from_dict({
        "servers": [{"Instance": "a", "ServerURL": "a.example"},
                    {"Instance": "b", "ServerURL": "b.example"},
                    {"Instance": "c", "ServerURL": "c.example"}],
        "groups": {"legal": {"MinServers": min_servers, "MaxDeviation": 60}}})


def _sel(offset, names=("a", "b")):
    return Selection(True, offset, offset - 0.01, offset + 0.01, list(names), {})


def _events(d, name):
    return [e for e in d.events if e["event"] == name]


def test_slew_below_step_above_threshold():
    c = _cfg()
    g = c.groups["legal"]
    d = policy.decide(_sel(0.050), g, c.clock, T0)
    assert d.kind == "slew" and d.offset_ns == 50000000
    ev = _events(d, "ClockAdjusted")[0]
    assert ev == {"event": "ClockAdjusted", "group": "legal", "kind": "slew", "old_ns": T0,
                  "new_ns": T0 + 50000000, "offset": 0.050, "sources": ["a", "b"]}
    assert len(d.events) == 1
    d = policy.decide(_sel(-0.5), g, c.clock, T0)
    assert d.kind == "step" and d.offset_ns == -500000000
    assert not _events(d, "SettingSystemTime")


def test_untrusted_or_non_slewing_clock_steps():
    c = _cfg()
    g = c.groups["legal"]
    assert policy.decide(_sel(0.01), g, c.clock, T0, trusted=False).kind == "step"
    assert policy.decide(_sel(0.01), g, c.clock, T0, can_slew=False).kind == "step"
    d = policy.decide(_sel(0.2), g, c.clock, T0, resolution_ns=NS)
    assert d.kind is None and "resolution" in d.reason
    # An untrusted coarse clock is still set.
    assert policy.decide(_sel(0.2), g, c.clock, T0, trusted=False, resolution_ns=NS).kind == "step"


def test_never_moves_on_fewer_than_min_servers():
    c = _cfg(min_servers=2)
    g = c.groups["legal"]
    d = policy.decide(_sel(3600.0, names=("a",)), g, c.clock, T0)
    assert d.kind is None and d.events == [] and "needs 2" in d.reason
    failed = Selection(False, None, None, None, [], {}, "no majority")
    d = policy.decide(failed, g, c.clock, T0)
    assert d.kind is None and "no majority" in d.reason


def test_security_and_metrological_events():
    c = _cfg()
    g = c.groups["legal"]
    d = policy.decide(_sel(10.0), g, c.clock, T0)
    assert d.kind == "step"
    sst = _events(d, "SettingSystemTime")
    assert len(sst) == 1 and sst[0]["log"] == "security" and sst[0]["new_ns"] == T0 + 10 * NS
    assert not _events(d, "TimeDeviation")
    d = policy.decide(_sel(-60.0), g, c.clock, T0)
    dev = _events(d, "TimeDeviation")
    assert len(dev) == 1 and dev[0]["log"] == "metrological" and dev[0]["offset"] == -60.0
    assert dev[0]["sources"] == ["a", "b"] and d.events[0]["event"] == "ClockAdjusted"
    # Exactly the reporting threshold is not "larger than" it.
    assert not _events(policy.decide(_sel(5.0), g, c.clock, T0), "SettingSystemTime")


def test_apply_to_simulated_clock():
    c = _cfg()
    g = c.groups["legal"]
    clk = SimulatedClock(T0, offset_ns=-2 * NS, drift_ppm=0)
    d = policy.decide(_sel(2.0), g, c.clock, clk.now_ns(), trusted=clk.is_trusted())
    clk.advance(3 * NS)             # time passes between decision and action
    policy.apply(clk, d)
    assert clk.error_ns() == 0 and clk.is_trusted()
    clk = SimulatedClock(T0, offset_ns=-100000000, trusted=True)
    d = policy.decide(_sel(0.1), g, c.clock, clk.now_ns())
    assert d.kind == "slew"
    policy.apply(clk, d)
    clk.advance(100 * NS)           # 500 ppm: 50 ms in 100 s
    assert clk.error_ns() == -50000000
    clk.advance(1000 * NS)
    assert clk.error_ns() == 0
    policy.apply(clk, policy.Decision(None, 0, []))
    assert clk.error_ns() == 0


def test_error_counter_logging_and_recovery():
    ctr = policy.group_counter(_cfg().groups["legal"])     # ErrorLogging 5, MaxErrors 10
    assert (ctr.log, ctr.log_after, ctr.max_errors) == ("metrological", 5, 10)
    for i in range(4):
        assert ctr.error(T0 + i, "timeout") == []
    ev = ctr.error(T0 + 4, "timeout")
    assert [e["event"] for e in ev] == ["SyncFailing"] and ev[0]["count"] == 5
    assert ev[0]["subject"] == "legal" and ev[0]["reason"] == "timeout"
    for i in range(4):
        assert ctr.error(T0, "timeout") == []
    ev = ctr.error(T0, "no majority")
    assert [e["event"] for e in ev] == ["TimeFeaturesDisabled"] and ctr.disabled
    assert ctr.error(T0, "timeout") == []          # logged once per streak
    ev = ctr.success(T0 + 99)
    assert [e["event"] for e in ev] == ["SyncRecovered", "TimeFeaturesEnabled"]
    assert ev[0]["count"] == 11 and not ctr.disabled and ctr.count == 0 and ctr.total == 11
    assert ctr.success(T0) == []                   # nothing to recover from


def test_server_counter_and_disabled_thresholds():
    c = _cfg()
    ctr = policy.server_counter(c.server("a"))
    assert ctr.log == "security" and ctr.max_errors == 0 and ctr.subject == "a"
    quiet = policy.ErrorCounter("x", "security", 0, 0)
    for _ in range(100):
        assert quiet.error(T0, "e") == []
    assert not quiet.disabled and quiet.success(T0) == []
    short = policy.ErrorCounter("x", "security", 1, 1)
    assert [e["event"] for e in short.error(T0, "e")] == ["SyncFailing", "TimeFeaturesDisabled"]
