# The charge point (nts.ocpp.chargepoint) on both interpreters. Its CALL routing without
# a network: a fresh station answers from an empty configuration, starts its engine with
# the first valid one, queues the change as a security event, answers TriggerMessage
# with a follow-up and unknown actions with NotImplemented; an installed or deleted time
# root reaches the running engine's trust store; its identity must be an OCPP
# identifierString (it goes into the URL), for 1.6 too. Its own CALLs over a fake
# CSMS: BootNotification until Accepted (retried after the CSMS's interval), then
# Heartbeat at the interval the CSMS gave. Reconnecting (127.0.0.1, a port nobody
# serves): the back-off doubles up to backoff_max.
import asyncio
import json
import os
import sys

from nts.platform import ticks_diff, ticks_ms
from portability import run_loop, skip_in_bundle_heap
from support import raises

# As an .mpy bundle the charge point, the handlers and the engine it starts share the
# heap with their code: 280 KB fails, 282 KB passes (-X heapsize, 2 KB steps); skipped
# below that, run in the frozen-firmware row (code preloaded, 100 KB free).
NEED_KB = 282


def _state_dir(tag):
    base = "build/cp_%s_%s" % (tag, sys.implementation.name)
    for d in ("build", base, base + "/certs"):
        try:
            os.mkdir(d)
        except OSError:
            pass
    for name in os.listdir(base):
        if name != "certs":
            os.remove(base + "/" + name)
    return base


def _station(version, tag, with_fields=False, ident="CP1"):
    """(charge point, its events: kinds, or (kind, fields) with_fields)."""
    skip_in_bundle_heap(NEED_KB)
    from nts.ocpp.chargepoint import ChargePoint
    from rtc.unix import UnixClock
    events = []
    cp = ChargePoint("ws://127.0.0.1:9/ocpp", ident, version, _state_dir(tag), UnixClock(),
                     emit=lambda kind, fields: events.append((kind, fields) if with_fields
                                                             else kind))
    return cp, events


def test_fresh_station_16():
    cp, events = _station("1.6", "16")
    assert cp.url == "ws://127.0.0.1:9/ocpp/CP1" and cp.engine is None
    conf, follow = cp._on_call("GetConfiguration", {"key": ["ntp.legal.servers"]})
    assert conf == {"configurationKey": [{"key": "ntp.legal.servers", "readonly": False,
                                          "value": ""}]} and follow is None
    conf, _ = cp._on_call("ChangeConfiguration", {"key": "ntp.legal.minServers", "value": "2"})
    assert conf == {"status": "Rejected"} and cp.engine is None     # no servers yet
    conf, _ = cp._on_call("ChangeConfiguration", {"key": "ntp.legal.servers",
                                                  "value": "127.0.0.1"})
    assert conf == {"status": "Accepted"} and cp.engine is not None
    assert "engine_started" in events and "config_changed" in events
    assert cp.queue.peek()[1]["type"] == "NTPConfigurationChanged"
    conf, follow = cp._on_call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert conf == {"status": "Accepted"} and follow is not None
    follow.close()      # not run: there is no connection
    conf, follow = cp._on_call("TriggerMessage", {"requestedMessage": "MeterValues"})
    assert conf == {"status": "NotImplemented"} and follow is None
    from nts.ocpp.session import Refusal
    e = raises(Refusal, cp._on_call, "Reset", {"type": "Soft"})
    assert e.code == "NotImplemented"
    raises(KeyError, cp._on_call, "TriggerMessage", {})     # the session: FormationViolation
    conf, _ = cp._on_call("GetInstalledCertificateIds",
                          {"certificateType": "NetworkTimeRootCertificate"})
    assert conf == {"status": "NotFound"}


def test_fresh_station_201():
    cp, events = _station("2.0.1", "201")
    item = {"component": {"name": "NTPClientGroupController", "instance": "legal"},
            "variable": {"name": "MinServers"}}
    conf, _ = cp._on_call("GetVariables", {"getVariableData": [item]})
    assert conf["getVariableResult"][0]["attributeStatus"] == "UnknownComponent"
    conf, follow = cp._on_call("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"})
    assert conf == {"status": "Accepted"} and follow is not None
    follow.close()
    from nts.ocpp.session import Refusal
    raises(Refusal, cp._on_call, "ChangeConfiguration", {"key": "k", "value": "v"})
    conf, follow = cp._on_call("TriggerMessage", {"requestedMessage": "BootNotification"})
    assert conf == {"status": "Accepted"}
    follow.close()


def test_an_installed_time_root_reaches_the_running_engine():
    skip_in_bundle_heap(NEED_KB)
    from nts.ocpp.chargepoint import ChargePoint
    from rtc.simulated import SimulatedClock
    from support import VECTOR_DIR
    base = _state_dir("trust")
    for group in os.listdir(base + "/certs"):       # a previous run's roots
        for name in os.listdir(base + "/certs/" + group):
            os.remove(base + "/certs/" + group + "/" + name)
        os.rmdir(base + "/certs/" + group)
    with open(VECTOR_DIR + "/ocpp_certs.jsonl") as f:
        case = [c for c in (json.loads(line) for line in f) if c["name"] == "root_ec"][0]
    # The vectors' clock (certificate dates), trusted.
    cp = ChargePoint("ws://127.0.0.1:9/ocpp", "CP1", "1.6", base,
                     SimulatedClock(1796295200 * 1000000000, trusted=True))
    cp._on_call("ChangeConfiguration", {"key": "ntp.legal.servers", "value": "127.0.0.1"})
    assert cp.engine.transport.store.groups() == []
    conf, _ = cp._on_call("InstallCertificate", {"certificateType": "NetworkTimeRootCertificate",
                                                 "certificate": case["pem"],
                                                 "certificateGroup": "legalTimeCA"})
    assert conf == {"status": "Accepted"}
    assert cp.engine.transport.store.groups() == ["legalTimeCA"]     # no reboot
    conf, _ = cp._on_call("DeleteCertificate", {"certificateHashData": case["hash"]})
    assert conf == {"status": "Accepted"}
    assert cp.engine.transport.store.anchors("legalTimeCA") == []


# The whole OCPP identifierString character set, 48 characters.
FULL_IDENT = "az09AZ*-_=:+|@." + "x" * 33


def test_identity_is_an_identifier_string_for_both_versions():
    cp, _ = _station("2.0.1", "ident", ident=FULL_IDENT)
    assert cp.url == "ws://127.0.0.1:9/ocpp/" + FULL_IDENT
    from nts.errors import ConfigError
    from nts.ocpp.chargepoint import ChargePoint
    from rtc.unix import UnixClock
    for version in ("1.6", "2.0.1"):
        for bad in ("", FULL_IDENT + "x", "CP 1", "CP/1", "CP?1", "CP\r\n1", "CP\u00e91"):
            e = raises(ConfigError, ChargePoint, "ws://127.0.0.1:9/ocpp", bad, version,
                       "build/cp_never", UnixClock())
            assert e.field == "--id", (version, bad)


class FakeCSMS:
    """A link whose far end answers the station's CALLs: BootNotification with the next
    of `boots` ((status, interval); the last one repeats), anything else with the time;
    it closes the connection after answering `calls_max` CALLs."""

    def __init__(self, boots, calls_max):
        self.boots = boots
        self.calls_max = calls_max
        self.calls = []         # (ticks_ms, action)
        self.inbox = []
        self.event = asyncio.Event()

    def _put(self, text):
        self.inbox.append(text)
        self.event.set()

    async def send_text(self, text):
        msg = json.loads(text)
        if msg[0] != 2:
            return
        self.calls.append((ticks_ms(), msg[2]))
        payload = {"currentTime": "2026-12-04T12:00:00Z"}
        if msg[2] == "BootNotification":
            status, interval = self.boots.pop(0) if len(self.boots) > 1 else self.boots[0]
            payload.update(status=status, interval=interval)
        self._put(json.dumps([3, msg[1], payload]))
        if len(self.calls) >= self.calls_max:
            self._put(None)

    async def recv(self):
        while not self.inbox:
            self.event.clear()
            await self.event.wait()
        return self.inbox.pop(0)


async def _online(calls_max):
    from nts.ocpp.session import Session
    cp, _ = _station("1.6", "online")
    csms = FakeCSMS([("Pending", 1), ("Accepted", 1)], calls_max)
    session = cp.session = Session(csms, "1.6", cp._on_call)
    session.on_close = cp._wake.set         # as the connection loop does
    reader = asyncio.create_task(session.serve())
    t0 = ticks_ms()
    await asyncio.wait_for(cp._online(session), 15)     # returns once the link closed
    await reader
    return [(ticks_diff(t, t0), action) for t, action in csms.calls], cp.heartbeat_s, cp.booted


def test_boot_until_accepted_then_heartbeat_at_the_csms_interval():
    calls, heartbeat_s, booted = run_loop(_online(4))
    assert booted and heartbeat_s == 1
    assert [a for _, a in calls] == ["BootNotification", "BootNotification", "Heartbeat",
                                     "Heartbeat"], calls
    assert calls[0][0] < 1000, calls
    for (t1, _), (t2, _) in zip(calls, calls[1:]):
        assert 950 <= t2 - t1 < 2500, calls     # Pending's interval, then the heartbeat's


async def _reconnects(n):
    cp, events = _station("1.6", "backoff", with_fields=True)
    cp.backoff_min, cp.backoff_max = 0.0625, 0.25
    task = asyncio.create_task(cp._connection_loop())
    t0 = ticks_ms()
    while sum(1 for k, _ in events if k == "connect_failed") < n:
        if ticks_diff(ticks_ms(), t0) > 5000:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return [f["retry_s"] for k, f in events if k == "connect_failed"], ticks_diff(ticks_ms(), t0)


def test_reconnect_back_off_doubles_up_to_its_bound():
    delays, ms = run_loop(_reconnects(5))
    assert delays[:5] == [0.0625, 0.125, 0.25, 0.25, 0.25], delays
    # Each wait is 1/2..1 of its delay: the four before the fifth attempt, 0.34..0.69 s.
    assert 300 <= ms < 3000, ms
