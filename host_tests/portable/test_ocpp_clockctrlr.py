# OCPP 2.0.1 ClockCtrlr: TimeOffset and TimeZone (local time for people, never for the
# clock; 1.6 ntp.timeOffset / ntp.timeZone), and the read-only views DateTime (UTC),
# NtpSource (manual) and NtpServerUri[<priority>]. The OCMF "TM" value in local time:
# test_ocpp_clock.
# host_tests/cpython/test_ocpp_schemas.py re-runs these with every payload checked
# against the official schemas.
from nts.config import Config
from nts.errors import ConfigError
from nts.localtime import check_zone, offset_s
from nts.ocpp import settings, v16, v201
from nts.ocpp.rfc3339 import format_ns, parse
from ocpp_support import item, make_station, set_item, set_variables
from portability import skip_in_bundle_heap
from support import raises

CLOCK, SERVER = settings.CLOCK, settings.SERVER
NOW_S = 1795714200      # make_station's clock: 2026-11-26T17:30:00Z


def _get(st, *items):
    return v201.get_variables(st, {"getVariableData": list(items)})["getVariableResult"]


def test_time_offset_and_zone_set_read_back_and_validated():
    skip_in_bundle_heap(104)
    st, events = make_station()
    assert [r["attributeValue"] for r in _get(st, item(CLOCK, "TimeOffset"),
                                              item(CLOCK, "TimeZone"))] == ["+00:00", ""]
    status, _ = set_variables(st, set_item(CLOCK, "TimeOffset", "+01:00"),
                              set_item(CLOCK, "TimeZone", "Europe/Berlin"))
    assert status == ["Accepted", "Accepted"] and len(events) == 1
    assert st.config.clock["TimeOffset"] == "+01:00"
    assert st.config.clock["TimeZone"] == "Europe/Berlin"
    for bad in ("+1:00", "01:00", "+01:60", "+15:00", "+0100", "Z", "+01:0x"):
        status, r = set_variables(st, set_item(CLOCK, "TimeOffset", bad))
        assert status == ["Rejected"], bad
        assert "TimeOffset" in r[0]["attributeStatusInfo"]["additionalInfo"]
    for bad in ("Europe//Berlin", "/Berlin", "Europe/Berlin Mitte", "A/" + "x" * 15, "-x"):
        assert set_variables(st, set_item(CLOCK, "TimeZone", bad))[0] == ["Rejected"], bad
    assert st.config.clock["TimeOffset"] == "+01:00"        # nothing half-applied
    # 1.6: the same settings under mpnts's keys.
    assert v16.change_configuration(st, {"key": "ntp.timeOffset", "value": "-05:30"}) == \
        {"status": "Accepted"}
    assert v16.change_configuration(st, {"key": "ntp.timeZone", "value": "+0100"}) == \
        {"status": "Rejected"}
    conf = v16.get_configuration(st, {"key": ["ntp.timeOffset", "ntp.timeZone"]})
    assert [k["value"] for k in conf["configurationKey"]] == ["-05:30", "Europe/Berlin"]


def test_offset_and_zone_rules():
    assert offset_s("+00:00") == 0 and offset_s("-00:00") == 0
    assert offset_s("+05:45") == 20700 and offset_s("-12:00") == -43200
    assert offset_s("+14:00") == 50400
    for bad in ("+14:01", "+5:45", "05:45", None, "+05:45:00"):
        assert raises(ConfigError, offset_s, bad)
    for ok in ("", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+1"):
        check_zone(ok)
    assert raises(ConfigError, Config.from_dict, {"servers": [{"ServerURL": "a.example"}],
                                                 "clock": {"TimeZone": "Europe/"}})


def test_local_time_never_moves_utc():
    # DateTime and every time stamp stay UTC; TimeOffset is the local time of display.
    ns = NOW_S * 1000000000 + 5000000
    assert format_ns(ns) == "2026-11-26T17:30:00.005Z"
    assert format_ns(ns, 3600) == "2026-11-26T18:30:00.005+01:00"
    assert format_ns(ns, -19800) == "2026-11-26T12:00:00.005-05:30"
    assert parse(format_ns(ns, -19800))[0] == ns == parse(format_ns(ns, 50400))[0]
    assert format_ns(NOW_S * 1000000000, 7 * 3600) == "2026-11-27T00:30:00.000+07:00"


def test_date_time_ntp_source_and_server_uris_are_read_only_views():
    skip_in_bundle_heap(106)
    st, _ = make_station()
    set_variables(st, set_item(CLOCK, "TimeOffset", "+01:00"),
                  set_item(SERVER, "Priority", "2", "ptb1"),
                  set_item(SERVER, "NTSKEServerPort", "4461", "ptb3"))
    r = _get(st, item(CLOCK, "DateTime"), item(CLOCK, "NtpSource"),
             item(CLOCK, "NtpServerUri", variable={"name": "NtpServerUri", "instance": "1"}))
    assert [x["attributeStatus"] for x in r] == ["Accepted"] * 3
    # DateTime is UTC whatever TimeOffset says.
    assert r[0]["attributeValue"] == "2026-11-26T17:30:00.000Z"
    assert parse(r[0]["attributeValue"]) == (NOW_S * 1000000000, True)
    assert r[1]["attributeValue"] == "manual"
    # Priority first, then configured order: ptb2, ptb3, ptb1.
    uris = [x["attributeValue"] for x in _get(st, *[
        item(CLOCK, "NtpServerUri", variable={"name": "NtpServerUri", "instance": n})
        for n in "123"])]
    assert uris == ["nts://ptbtime2.ptb.de", "nts://ptbtime3.ptb.de:4461",
                    "nts://ptbtime1.ptb.de"]
    r = _get(st, item(CLOCK, "NtpServerUri", variable={"name": "NtpServerUri", "instance": "4"}),
             item(CLOCK, "TimeZone", variable={"name": "TimeZone", "instance": "1"}),
             item(CLOCK, "NtpServerUri"))
    assert [x["attributeStatus"] for x in r] == ["UnknownVariable", "UnknownVariable", "Accepted"]
    assert r[2]["attributeValue"] == uris[0]            # no instance: the first
    status, r = set_variables(st, set_item(CLOCK, "DateTime", "2030-01-01T00:00:00Z"),
                              set_item(CLOCK, "NtpSource", "DHCP"),
                              set_item(CLOCK, "NtpServerUri", "ntp://pool.ntp.org",
                                       variable={"name": "NtpServerUri", "instance": "1"}))
    assert status == ["Rejected"] * 3
    assert [x["attributeStatusInfo"]["reasonCode"] for x in r] == ["ReadOnly"] * 3


def test_report_lists_the_views():
    skip_in_bundle_heap(101)    # as a bundle: 100 KB fails, 101-105 KB pass (1 KB steps)
    st, _ = make_station()
    rows = []
    for p in v201.report(st, 3, "FullInventory", "2026-12-03T07:00:00Z"):
        rows += [r for r in p["reportData"] if r["component"]["name"] == CLOCK]
    names = [(r["variable"]["name"], r["variable"].get("instance")) for r in rows]
    assert names[:5] == [("DateTime", None), ("NtpSource", None), ("NtpServerUri", "1"),
                         ("NtpServerUri", "2"), ("NtpServerUri", "3")]
    assert ("TimeOffset", None) in names and ("TimeZone", None) in names
    by = dict((r["variable"]["name"], r) for r in rows)
    assert by["DateTime"]["variableCharacteristics"]["dataType"] == "dateTime"
    assert by["DateTime"]["variableAttribute"][0]["persistent"] is False
    assert by["NtpSource"]["variableCharacteristics"]["valuesList"] == "manual"
    assert by["TimeOffset"]["variableCharacteristics"]["maxLimit"] == 6
