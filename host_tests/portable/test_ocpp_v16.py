# OCPP 1.6 GetConfiguration / ChangeConfiguration over the one settings table, with the
# white paper's list rules; the table's binding to nts.config; the one OCPP string
# conversion. Changes are validated whole, persisted atomically, handed to the engine.
# host_tests/cpython/test_ocpp_schemas.py re-runs these with every payload checked
# against the official schemas.
import json
import os

from nts.config import SERVER_FIELDS, GROUP_FIELDS, CLOCK_FIELDS
from nts.errors import ConfigError
from nts.ocpp import settings, station, v16
from nts.values import parse, text
from ocpp_support import make_station
from portability import skip_in_bundle_heap
from support import raises

SERVER, GROUP, CLOCK = settings.SERVER, settings.GROUP, settings.CLOCK


def get16(st, key):
    r = v16.get_configuration(st, {"key": [key]})
    return r["configurationKey"][0].get("value")


def change(st, key, value):
    return v16.change_configuration(st, {"key": key, "value": value})["status"]




def test_table_is_bound_to_config_fields():
    skip_in_bundle_heap(108)
    rows = settings.table()
    by_var = dict(((r["component"], r["variable"]), r) for r in rows)
    for fields, comp in ((SERVER_FIELDS, SERVER), (GROUP_FIELDS, GROUP), (CLOCK_FIELDS, CLOCK)):
        for name, kind, default, lo, hi in fields:
            if name == "Instance":
                continue
            r = by_var[(comp, name)]
            assert r["reboot"] is False and r["persistent"] is True
            if kind in ("int", "num"):
                assert (r["minLimit"], r["maxLimit"]) == (lo, hi)
    assert by_var[(SERVER, "ServerURL")]["key16"] == "ntp.<group>.servers"
    assert by_var[(SERVER, "Mode")]["valuesList"] == "NTSv4,NTPv4,NTPv4TLS"
    assert by_var[(SERVER, "Mode")]["dataType"] == "OptionList"
    assert by_var[(SERVER, "AEADAlgorithm")]["dataType"] == "SequenceList"
    assert by_var[(GROUP, "Clients")]["dataType"] == "MemberList"
    assert by_var[(SERVER, "SignedResponses")]["mutability"] == "ReadWrite"
    assert by_var[(CLOCK, "TimeAdjustmentReportingThreshold")]["default"] == "5"


def test_values_one_conversion():
    skip_in_bundle_heap(108)
    assert parse("f", "int", " 123 ") == 123 and parse("f", "int", "-5") == -5
    assert parse("f", "num", "0.5") == 0.5 and parse("f", "num", "5.0") == 5
    assert parse("f", "bool", "TRUE") is True and parse("f", "bool", "false") is False
    assert parse("f", "list", "a, b") == ["a", "b"] and parse("f", "list", "") == []
    for kind, bad in (("int", "1.5"), ("int", "0x10"), ("int", ""), ("num", "1e3"),
                      ("num", "nan"), ("num", "inf"), ("num", "."), ("num", "1."),
                      ("bool", "yes"), ("int", "１")):
        assert raises(ConfigError, parse, "f", kind, bad).field == "f"
    assert text("num", 0.128) == "0.128" and text("num", 5.0) == "5"
    assert text("bool", True) == "true" and text("list", ["a", "b"]) == "a,b"


def test_get_configuration_all_and_unknown():
    skip_in_bundle_heap(108)
    st, _ = make_station()
    r = v16.get_configuration(st, {})
    keys = [k["key"] for k in r["configurationKey"]]
    assert "ntp.legal.servers" in keys and "ntp.local.servers" in keys
    assert "ntp.local.ports" not in keys and "unknownKey" not in r
    got = dict((k["key"], k) for k in r["configurationKey"])
    assert got["ntp.legal.servers"]["value"] == "ptbtime1.ptb.de,ptbtime2.ptb.de,ptbtime3.ptb.de"
    assert got["ntp.legal.ports"]["value"] == "123"         # trailing repeats left out
    assert got["ntp.legal.mode"]["value"] == "NTSv4"
    assert got["ntp.enabled"] == {"key": "ntp.enabled", "readonly": True, "value": "true"}
    assert got["ntp.legal.minServers"]["value"] == "2"
    r = v16.get_configuration(st, {"key": ["ntp.legal.minServers", "HeartbeatInterval"]})
    assert r["unknownKey"] == ["HeartbeatInterval"] and len(r["configurationKey"]) == 1


def test_change_configuration_cases():
    skip_in_bundle_heap(108)
    st, events = make_station("v16")
    cases = (
        ("ntp.legal.minServers", "3", "Accepted"),
        ("ntp.legal.minServers", "4", "Rejected"),          # more than the 3 clients
        ("ntp.legal.minServers", "two", "Rejected"),
        ("ntp.legal.delayAsym", "0,5", "Accepted"),         # shorter: last value repeats
        ("ntp.legal.delayAsym", "1,2,3,4", "Rejected"),     # longer than the servers
        ("ntp.legal.delayAsym", ",5", "Rejected"),          # leading empty: "" is no number
        ("ntp.legal.ports", "123,1123", "Rejected"),        # NTSv4: NTS-KE names the port
        ("ntp.legal.mode", "NTPv4", "Rejected"),            # not allowed for legal time
        ("ntp.enabled", "false", "Rejected"),               # read-only
        ("nts.legal.signedResponses", "true", "Accepted"),  # issue 12
        ("HeartbeatInterval", "60", "NotSupported"),
        ("ntp.local.ports", "123", "Rejected"),             # no local group yet
        ("ntp.legal.minInterval", "4000", "Rejected"),      # above MaxInterval 3600
        ("ntske.legal.aead", "AES-128-GCM-SIV AES-SIV-CMAC-256,AES-SIV-CMAC-256", "Accepted"),
        ("ntske.legal.aead", "AES-999", "Rejected"),
        ("ntp.reboot.noCertTimeCheck", "true", "Accepted"),
        ("ntp.timeAdjustmentReportingThreshold", "2.5", "Accepted"),
        ("ntp.legal.servers", "x" * 501, "Rejected"),       # value over 500
        ("ntp." + "x" * 50, "1", "Rejected"),               # key over 50
    )
    for key, value, want in cases:
        got = change(st, key, value)
        assert got == want, (key, value, got, st.last_reason)
    assert st.last_reason == "key over 50 or value over 500 characters"
    assert [s.DelayAsymmetry for s in st.config.servers] == [0, 5, 5]
    assert get16(st, "ntp.legal.delayAsym") == "0,5"
    assert [s.ServerPort for s in st.config.servers] == [123, 123, 123]
    assert st.config.servers[0].aead_ids() == [30, 15] and st.config.servers[2].aead_ids() == [15]
    assert get16(st, "ntske.legal.aead") == "AES-128-GCM-SIV AES-SIV-CMAC-256,AES-SIV-CMAC-256"
    assert get16(st, "ntp.reboot.noCertTimeCheck") == "true"
    assert st.config.clock["TimeAdjustmentReportingThreshold"] == 2.5
    # Accepted changes only: persisted (the file is the whole config), engine told, logged.
    assert st.engine.handed == 6 and st.engine.config is st.config
    assert station.load(st.path) == st.config.to_dict()
    assert [e["change"] for e in events][:2] == ["ntp.legal.minServers", "ntp.legal.delayAsym"]
    assert events[0]["event"] == "NTPConfigurationChanged" and events[0]["log"] == "security"
    # The same value again changes nothing: no write, no event.
    assert change(st, "ntp.legal.minServers", "3") == "Accepted" and len(events) == 6


def test_time_source_order():
    skip_in_bundle_heap(108)
    st, _ = make_station()
    # NTS would never correct a trusted RTC: not implemented, so refused with the reason.
    assert change(st, "ntp.timeSource", "RealTimeClock,NTP") == "Rejected"
    assert "RealTimeClock before NTP is not implemented" in st.last_reason, st.last_reason
    assert st.config.clock["TimeSource"] == ["NTP"] and st.engine.handed == 0
    for value in ("Heartbeat,NTP", "NTP,RealTimeClock,Heartbeat", "RealTimeClock,Heartbeat",
                  "Heartbeat"):
        assert change(st, "ntp.timeSource", value) == "Accepted", (value, st.last_reason)
        assert get16(st, "ntp.timeSource") == value


def test_empty_entry_takes_previous():
    skip_in_bundle_heap(108)
    st, _ = make_station()
    assert change(st, "ntp.legal.delayAsym", "1,,3") == "Accepted"
    assert [s.DelayAsymmetry for s in st.config.servers] == [1, 1, 3]
    assert change(st, "ntske.legal.servers", "") == "Accepted"       # all: ServerURL
    assert [s.ke_host() for s in st.config.servers][0] == "ptbtime1.ptb.de"
    assert change(st, "ntske.legal.servers", ",ke.example") == "Accepted"
    assert [s.NTSKEServerURL for s in st.config.servers] == ["", "ke.example", "ke.example"]
    assert get16(st, "ntske.legal.servers") == ",ke.example"


def test_500_character_server_list_reads_back_identically():
    skip_in_bundle_heap(108)
    st, _ = make_station()
    # Three servers (the group's), 500 characters in all, names as long as DNS allows.
    label = "a" * 62 + "."
    hosts = [("h%d." % i + label * 3)[:166] for i in range(3)]
    value = ",".join(hosts)
    assert len(value) == 500
    assert change(st, "ntp.legal.servers", value) == "Accepted", st.last_reason
    assert get16(st, "ntp.legal.servers") == value
    assert [s.Instance for s in st.config.servers] == ["ptb1", "ptb2", "ptb3"]


def test_servers_list_grows_shrinks_and_makes_groups():
    skip_in_bundle_heap(108)
    st, _ = make_station()
    assert change(st, "ntp.legal.servers", "a.example,b.example,c.example,d.example") == "Accepted"
    # A new server takes the last server's settings and is named after the group.
    assert st.config.servers[3].Instance == "legal4" and st.config.servers[3].ServerPort == 123
    assert change(st, "ntp.legal.servers", "a.example,b.example") == "Accepted"
    assert [s.Instance for s in st.config.servers] == ["ptb1", "ptb2"]
    assert change(st, "ntp.local.servers", "lan.example") == "Accepted", st.last_reason
    assert st.config.groups["local"].Clients == ["local1"]
    assert change(st, "ntp.local.mode", "NTPv4") == "Accepted"        # local allows it
    assert change(st, "ntp.local.servers", "") == "Accepted"
    assert "local" not in st.config.groups and len(st.config.servers) == 2
    assert change(st, "ntp.legal.servers", "") == "Rejected"          # the only group


