# The configuration file on flash (nts.configfile): the JSON dict form and the OCPP 1.6
# key=value form mean the same configuration; OCPP strings ("123") become typed values
# through the one conversion (nts.values), also in Config.set_variable.
from nts import configfile
from nts.config import Config
from nts.errors import ConfigError
from support import raises

KEY_VALUE = """
# PTB's legal-time servers, as a 1.6 stack keeps its keys
ntp.legal.minServers = 2
ntp.legal.servers = ptbtime1.ptb.de,ptbtime2.ptb.de,ptbtime3.ptb.de
ntp.legal.rootCAs = ptb
ntske.legal.ports = 4460
ntp.stepThreshold = 0.5
"""


def test_json_form():
    c = configfile.from_text(' {"servers": [{"ServerURL": "a.example", "NTSKEServerPort": 4461}]}\n')
    assert c.servers[0].NTSKEServerPort == 4461 and c.groups["legal"].MinServers == 1


def test_key_value_form_means_the_same():
    c = configfile.from_text(KEY_VALUE)
    assert [s.ServerURL for s in c.servers] == ["ptbtime1.ptb.de", "ptbtime2.ptb.de",
                                                "ptbtime3.ptb.de"]
    assert all(s.RootCAs == "ptb" and s.NTSKEServerPort == 4460 for s in c.servers)
    assert c.groups["legal"].MinServers == 2 and c.clock["StepThreshold"] == 0.5
    same = Config.from_dict({"servers": [dict(s.to_dict()) for s in c.servers],
                             "groups": {"legal": {"MinServers": 2}},
                             "clock": {"StepThreshold": 0.5}})
    assert same.digest() == c.digest()


def test_key_value_errors_name_the_key_or_line():
    assert raises(ConfigError, configfile.from_text, "ntp.legal.servers a.example").field == "line 1"
    e = raises(ConfigError, configfile.from_text, "ntp.legal.servers = a\nntp.legal.servers = b")
    assert e.field == "ntp.legal.servers"
    assert raises(ConfigError, configfile.from_text,
                  "ntp.legal.servers = a\nntp.legal.sever = 1").field == "ntp.legal.sever"
    assert raises(ConfigError, configfile.from_text,
                  "ntp.legal.servers = a\nntp.legal.ports = x").field == "ntp.legal.ports"
    assert raises(ConfigError, configfile.from_text, '{"servers": [').field == "config"


def test_load_missing_file():
    assert raises(ConfigError, configfile.load, "no/such/nts_config.json").field == "CONFIG_PATH"


def test_set_variable_takes_ocpp_strings():
    c = Config.default(["a.example"])
    assert c.set_variable("NTPClientController", "ntp1", "ServerPort", "123").servers[0].ServerPort == 123
    c2 = c.set_variable("NTPClientController", "ntp1", "NTSKEServerPort", "4461")
    assert c2.servers[0].NTSKEServerPort == 4461
    c3 = c.set_variable("NTPClientController", "ntp1", "NoCertTimeCheckAfterReboot", "true")
    assert c3.servers[0].NoCertTimeCheckAfterReboot is True
    c4 = c.set_variable("NTPClientGroupController", "legal", "MaxDeviation", " 1.5 ")
    assert c4.groups["legal"].MaxDeviation == 1.5
    c5 = c.set_variable("ClockCtrlr", None, "TimeSource", "NTP,Heartbeat")
    assert c5.clock["TimeSource"] == ["NTP", "Heartbeat"]
    assert raises(ConfigError, c.set_variable, "NTPClientController", "ntp1", "NTSKEServerPort",
                  "12x").field == "NTSKEServerPort"
    assert raises(ConfigError, c.set_variable, "NTPClientController", "ntp1", "NTSKEServerPort",
                  "0").field == "servers[0].NTSKEServerPort"
    # typed values keep working
    c6 = c.set_variable("NTPClientController", "ntp1", "NTSKEServerPort", 9)
    assert c6.servers[0].NTSKEServerPort == 9
