# The charge point's CALL routing (nts.ocpp.chargepoint) without a network, on both
# interpreters: a fresh station answers from an empty configuration, starts its engine
# with the first valid one, queues the change as a security event, answers
# TriggerMessage with a follow-up and unknown actions with NotImplemented.
import os
import sys

from portability import skip_in_bundle_heap
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


def _station(version, tag):
    skip_in_bundle_heap(NEED_KB)
    from nts.ocpp.chargepoint import ChargePoint
    from rtc.unix import UnixClock
    events = []
    cp = ChargePoint("ws://127.0.0.1:9/ocpp", "CP1", version, _state_dir(tag), UnixClock(),
                     emit=lambda kind, fields: events.append(kind))
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
