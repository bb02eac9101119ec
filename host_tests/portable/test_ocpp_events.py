# The engine's events into the logs and the offline SecurityEventNotification queue: a
# step above TimeAdjustmentReportingThreshold gives exactly one SettingSystemTime
# (security and metrological log, one queued notification with techInfo old -> new and
# the sources), a slew below it none; ErrorLogging / MaxErrors events and their
# recovery; events queued while offline are delivered in order.
import os
import sys

from nts.ocpp import events as ev
from nts.ocpp.chainlog import ChainLog, verify
from nts.ocpp.eventqueue import EventQueue
from test_engine import SEC, FakeServer, _run, _setup


def _sink(tag):
    try:
        os.mkdir("build")
    except OSError:
        pass
    paths = []
    for name in ("security", "metro", "queue"):
        p = "build/ocpp_ev_%s_%s_%s" % (tag, name, sys.implementation.name)
        for suffix in ("", ".1", ".tmp", ".ack", ".ack.tmp"):
            try:
                os.remove(p + suffix)
            except OSError:
                pass
        paths.append(p)
    return ev.EventSink(ChainLog(paths[0]), ChainLog(paths[1]), EventQueue(paths[2])), paths


def _queued(q):
    out = []
    item = q.peek()
    while item is not None:
        out.append(item[1])
        q.delivered(item[0])
        item = q.peek()
    return out


def test_step_above_threshold_gives_exactly_one_setting_system_time():
    eng, clock, tr, _ = _setup({"a": FakeServer(), "b": FakeServer()}, clock_error_s=-50.0)
    sink, paths = _sink("step")
    eng.hook = sink
    assert _run(eng.sync_once()).ok
    clock.advance(30 * SEC)
    eng.mono.t += 30
    assert _run(eng.sync_once()).ok                 # in step now: slews, no event
    sent = _queued(EventQueue(paths[2]))
    assert [n["type"] for n in sent] == ["SettingSystemTime"]
    info = sent[0]["techInfo"]
    assert len(info) <= 255 and " -> " in info and "+50.000 s" in info and "a,b" in info
    assert sent[0]["timestamp"].endswith("Z")
    assert [e["event"] for _, _, e in ChainLog(paths[0]).entries()] == ["SettingSystemTime"]
    assert [e["event"] for _, _, e in ChainLog(paths[1]).entries()] == ["SettingSystemTime"]
    assert verify([paths[0]])[2] == "" and verify([paths[1]])[2] == ""


def test_error_events_and_recovery_in_order_after_offline():
    sink, paths = _sink("errors")
    t = 1795714200 * SEC
    stream = [{"event": "SyncFailing", "log": "security", "subject": "ptb1", "time_ns": t,
               "count": 5, "reason": "no reply within 2.0 s"},
              {"event": "TimeFeaturesDisabled", "log": "metrological", "subject": "legal",
               "time_ns": t + SEC, "count": 10, "reason": "too few agreeing sources"},
              {"event": "ClockAdjusted", "group": "legal", "kind": "slew", "old_ns": t,
               "new_ns": t, "offset": 0.001, "sources": ["ptb1"]},
              {"event": "TimeDeviation", "log": "metrological", "group": "legal",
               "time_ns": t + 2 * SEC, "offset": 61.0, "max_deviation": 60, "sources": []},
              {"event": "SyncRecovered", "log": "security", "subject": "ptb1",
               "time_ns": t + 3 * SEC, "count": 7},
              {"event": "TimeFeaturesEnabled", "log": "metrological", "subject": "legal",
               "time_ns": t + 4 * SEC},
              {"event": "NTPConfigurationChanged", "log": "security", "time_ns": t + 5 * SEC,
               "change": "ntp.legal.minServers"}]
    for e in stream:
        sink(e)
    sent = _queued(EventQueue(paths[2]))            # reconnected after a reboot
    assert [n["type"] for n in sent] == ["SyncFailing", "TimeFeaturesDisabled", "SyncRecovered",
                                         "TimeFeaturesEnabled", "NTPConfigurationChanged"]
    assert sent[0]["techInfo"] == "ptb1: 5 consecutive errors: no reply within 2.0 s"
    assert sent[0]["timestamp"] == "2026-11-26T17:30:00.000Z"
    assert [e["event"] for _, _, e in ChainLog(paths[1]).entries()] == \
        ["TimeFeaturesDisabled", "TimeDeviation", "TimeFeaturesEnabled"]
    long = dict(stream[0], reason="x" * 400)
    assert len(ev.tech_info(long)) == 255
