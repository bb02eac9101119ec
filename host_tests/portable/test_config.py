# Configuration model: OCPP white-paper names and defaults, validation naming the field,
# nothing half-applied, round trip through the stored dict form.
import json
from nts.config import Config
from nts.errors import ConfigError
from support import raises


def _base():
    return {"servers": [{"Instance": "ptb1", "ServerURL": "ptbtime1.ptb.de"},
                        {"Instance": "ptb2", "ServerURL": "ptbtime2.ptb.de"},
                        {"Instance": "lan", "ServerURL": "192.168.1.10", "Mode": "NTPv4"}],
            "groups": {"legal": {"MinServers": 2, "Clients": ["ptb1", "ptb2"]},
                       "local": {"Clients": "lan, ptb1"}}}


def _field(d):
    return raises(ConfigError, Config.from_dict, d).field


def test_defaults_follow_white_paper():
    c = Config.default(["ptbtime1.ptb.de"])
    s = c.servers[0]
    assert s.Instance == "ntp1" and s.ServerPort == 123 and s.Mode == "NTSv4"
    assert s.NTSKEServerURL == "" and s.ke_host() == "ptbtime1.ptb.de"
    assert s.NTSKEServerPort == 4460 and s.Priority == 0 and s.DelayAsymmetry == 0
    assert (s.MinInterval, s.MaxInterval, s.Preflight) == (30, 3600, 60)
    assert s.AEADAlgorithm == ["AES-SIV-CMAC-256"] and s.aead_ids() == [15]
    assert s.NoCertTimeCheckAfterReboot is False and s.SignedResponses is False
    g = c.groups["legal"]
    assert list(c.groups) == ["legal"]
    assert (g.MinServers, g.MaxDeviation, g.ErrorLogging, g.MaxErrors) == (1, 60, 5, 10)
    assert g.Clients == ["ntp1"] and g.AllowNTPv4 is False
    assert c.clock["StepThreshold"] == 0.128
    assert c.clock["TimeAdjustmentReportingThreshold"] == 5


def test_groups_and_lists():
    c = Config.from_dict(_base())
    assert c.groups["local"].Clients == ["lan", "ptb1"]     # comma string accepted
    assert c.groups["local"].AllowNTPv4 is True
    assert c.groups["legal"].Clients == ["ptb1", "ptb2"]
    assert c.server("lan").Mode == "NTPv4"
    d = _base()
    d["servers"][0]["AEADAlgorithm"] = "AES-128-GCM-SIV,AES-SIV-CMAC-256"
    assert Config.from_dict(d).servers[0].aead_ids() == [30, 15]


def test_round_trip_and_digest():
    c = Config.from_dict(_base())
    d = c.to_dict()
    text = json.dumps(d)
    c2 = Config.from_dict(json.loads(text))
    assert c2.to_dict() == d
    assert c2.digest() == c.digest() and len(c.digest()) == 16
    d["servers"][2]["ServerPort"] = 1123          # lan: NTPv4
    assert Config.from_dict(d).digest() != c.digest()


def test_invalid_values_name_the_field():
    cases = (
        (("servers", 2, "ServerPort"), 70000, "servers[2].ServerPort"),
        (("servers", 0, "ServerPort"), "123", "servers[0].ServerPort"),
        (("servers", 0, "ServerPort"), True, "servers[0].ServerPort"),
        (("servers", 1, "Mode"), "NTS", "servers[1].Mode"),
        (("servers", 0, "AEADAlgorithm"), ["AES-GCM"], "servers[0].AEADAlgorithm"),
        (("servers", 0, "AEADAlgorithm"), [], "servers[0].AEADAlgorithm"),
        (("servers", 0, "ServerURL"), "bad host", "servers[0].ServerURL"),
        (("servers", 0, "ServerURL"), "", "servers[0].ServerURL"),
        (("servers", 0, "MinInterval"), 7200, "servers[0].MinInterval"),
        (("servers", 0, "MinRefresh"), 10 ** 7, "servers[0].MinRefresh"),
        (("servers", 0, "DelayAsymmetry"), float("nan"), "servers[0].DelayAsymmetry"),
        (("servers", 0, "NoCertTimeCheckAfterReboot"), 1, "servers[0].NoCertTimeCheckAfterReboot"),
        (("servers", 0, "ServerPrt"), 123, "servers[0].ServerPrt"),
        (("servers", 1, "Instance"), "ptb1", "servers[1].Instance"),
        (("groups", "legal", "MinServers"), 3, "groups.legal.MinServers"),
        (("groups", "legal", "MinServers"), 0, "groups.legal.MinServers"),
        (("groups", "legal", "Clients"), ["ptb1", "nope"], "groups.legal.Clients"),
        (("groups", "legal", "Clients"), ["ptb1", "ptb1"], "groups.legal.Clients"),
        (("groups", "legal", "MaxDeviation"), 0, "groups.legal.MaxDeviation"),
        (("groups", "local", "ErrorLogging"), -1, "groups.local.ErrorLogging"),
    )
    for (section, key, var), value, want in cases:
        d = _base()
        d[section][key][var] = value
        got = _field(d)
        assert got == want, (want, got)


def test_structural_errors():
    assert _field({}) == "servers"
    assert _field({"servers": []}) == "servers"
    assert _field({"servers": [{"ServerPort": 123}]}) == "servers[0].ServerURL"
    assert _field({"servers": ["x"]}) == "servers[0]"
    assert _field({"servers": [{"ServerURL": "a"}], "extra": 1}) == "extra"
    assert _field({"servers": [{"ServerURL": "a"}], "groups": {"billing": {}}}) == "groups.billing"
    assert _field({"servers": [{"ServerURL": "a"}], "groups": {}}) == "groups"
    assert _field({"servers": [{"ServerURL": "a"}], "clock": {"StepThreshold": -1}}) == \
        "clock.StepThreshold"
    assert _field({"servers": [{"ServerURL": "a"}] * 17}) == "servers"


def test_plain_ntp_only_where_allowed():
    d = _base()
    d["groups"]["legal"]["Clients"] = ["ptb1", "ptb2", "lan"]
    e = raises(ConfigError, Config.from_dict, d)
    assert e.field == "servers[2].Mode" and "legal" in str(e)
    d["groups"]["legal"]["AllowNTPv4"] = True
    assert Config.from_dict(d).groups["legal"].Clients == ["ptb1", "ptb2", "lan"]
    d = _base()
    d["groups"]["local"]["AllowNTPv4"] = False
    assert _field(d) == "servers[2].Mode"
    # NTPv4TLS (to a Smart Meter Gateway) is protected: allowed in legal.
    d = _base()
    d["servers"][1]["Mode"] = "NTPv4TLS"
    Config.from_dict(d)


def test_signed_responses_only_over_nts():
    d = _base()
    d["servers"][0]["SignedResponses"] = True
    assert Config.from_dict(d).server("ptb1").SignedResponses is True
    d["servers"][2]["SignedResponses"] = True       # plain NTPv4: no key exchange, no key
    assert _field(d) == "servers[2].SignedResponses"


def test_every_server_in_a_group():
    d = _base()
    d["groups"]["local"]["Clients"] = ["ptb1"]
    assert _field(d) == "servers[2].Instance"


def test_set_variable_is_all_or_nothing():
    c = Config.from_dict(_base())
    before = c.to_dict()
    c2 = c.set_variable("NTPClientController", "lan", "ServerPort", 4123)
    assert c2.server("lan").ServerPort == 4123 and c.server("lan").ServerPort == 123
    c3 = c.set_variable("NTPClientGroupController", "legal", "MaxErrors", 3)
    assert c3.groups["legal"].MaxErrors == 3
    c4 = c.set_variable("ClockCtrlr", None, "TimeAdjustmentReportingThreshold", 2)
    assert c4.clock["TimeAdjustmentReportingThreshold"] == 2
    e = raises(ConfigError, c.set_variable, "NTPClientController", "lan", "ServerPort", 0)
    assert e.field == "servers[2].ServerPort"
    raises(ConfigError, c.set_variable, "NTPClientController", "zzz", "ServerPort", 1)
    raises(ConfigError, c.set_variable, "Other", "x", "y", 1)
    assert c.to_dict() == before


def test_input_not_mutated():
    d = _base()
    text = json.dumps(d)
    Config.from_dict(d)
    assert json.dumps(d) == text


def test_settings_the_firmware_does_not_implement_are_refused():
    # No setting accepted and never used (issue 8): each refusal names the field and why.
    d = _base()
    d["servers"][0]["ServerPort"] = 1123        # NTSv4: NTS-KE names the NTP port
    e = raises(ConfigError, Config.from_dict, d)
    assert e.field == "servers[0].ServerPort" and "key exchange" in str(e)
    d["servers"][0]["ServerPort"] = 123         # the default is fine, as is NTPv4's own port
    d["servers"][2]["ServerPort"] = 1123
    assert Config.from_dict(d).server("lan").ServerPort == 1123
    for source in ("GPS", "MobileNetwork", "RadioTimeTransmitter"):   # no receiver for them
        d = _base()
        d["clock"] = {"TimeSource": ["NTP", source]}
        e = raises(ConfigError, Config.from_dict, d)
        assert e.field == "clock.TimeSource" and "not implemented" in str(e), str(e)
    d["clock"] = {"TimeSource": ["NTP", "Heartbeat", "RealTimeClock"]}
    assert Config.from_dict(d).clock["TimeSource"] == ["NTP", "Heartbeat", "RealTimeClock"]
    # RealTimeClock first would mean NTS never corrects a trusted clock: not implemented.
    for order in (["RealTimeClock", "NTP"], ["Heartbeat", "RealTimeClock", "NTP"]):
        d["clock"] = {"TimeSource": order}
        e = raises(ConfigError, Config.from_dict, d)
        assert e.field == "clock.TimeSource" and "list NTP first" in str(e), str(e)
    # Heartbeat first only changes when the CSMS time is used (nts.ocpp.csmstime); no
    # NTP at all stops the engine's rounds (test_engine).
    for order in (["Heartbeat", "NTP"], ["RealTimeClock", "Heartbeat"], ["Heartbeat"]):
        d["clock"] = {"TimeSource": order}
        c = Config.from_dict(d)
        assert c.clock["TimeSource"] == order and c.uses_ntp() == ("NTP" in order)
    d["clock"] = {"TimeSource": ["Sundial"]}
    assert "unknown" in str(raises(ConfigError, Config.from_dict, d))
