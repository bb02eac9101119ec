# OCPP 2.0.1 GetVariables / SetVariables over the NTS components: results of every kind,
# coupled changes, a burst. host_tests/cpython/test_ocpp_schemas.py re-runs
# these with every payload checked against the official schemas.
from nts.ocpp import settings, station, v201
from ocpp_support import item, make_station, set_item, set_variables
from portability import skip_in_bundle_heap

SERVER, GROUP, CLOCK = settings.SERVER, settings.GROUP, settings.CLOCK


def test_get_variables_results():
    skip_in_bundle_heap(104)
    st, _ = make_station()
    req = {"getVariableData": [
        item(SERVER, "ServerURL", "ptb2"), item(GROUP, "MinServers", "legal"),
        item(CLOCK, "TimeAdjustmentReportingThreshold"), item(SERVER, "ServerURL", "nope"),
        item("OCPPCommCtrlr", "HeartbeatInterval"), item(SERVER, "Colour", "ptb1"),
        item(SERVER, "Priority", "ptb1", attributeType="Target"),
        item(GROUP, "MinServers", "local"), item(SERVER, "Instance", "ptb1")]}
    r = [x["attributeStatus"] for x in v201.get_variables(st, req)["getVariableResult"]]
    assert r == ["Accepted", "Accepted", "Accepted", "UnknownComponent", "UnknownComponent",
                 "UnknownVariable", "NotSupportedAttributeType", "UnknownComponent",
                 "UnknownVariable"]
    vals = [x.get("attributeValue") for x in v201.get_variables(st, req)["getVariableResult"]]
    assert vals[:3] == ["ptbtime2.ptb.de", "2", "5"]


def test_set_variables_results_of_every_kind():
    skip_in_bundle_heap(104)
    st, events = make_station("v201")
    status, r = set_variables(st, set_item(SERVER, "NTSKEServerPort", "4461", "ptb1"),
                     set_item(SERVER, "ServerPort", "70000", "ptb2"),
                     set_item(SERVER, "SignedResponses", "true", "ptb1"),
                     set_item("OCPPCommCtrlr", "HeartbeatInterval", "60"),
                     set_item(SERVER, "Colour", "red", "ptb1"),
                     set_item(GROUP, "MinServers", "1", "legal", attributeType="MaxSet"),
                     set_item(GROUP, "MinServers", "3", "legal"),
                     set_item(CLOCK, "StepThreshold", "0.5"),
                     set_item(SERVER, "ServerPort", "1123", "ptb3"))    # NTSv4: unused
    assert status == ["Accepted", "Rejected", "Accepted", "UnknownComponent",
                      "UnknownVariable", "NotSupportedAttributeType", "Accepted", "Accepted",
                      "Rejected"]
    assert r[1]["attributeStatusInfo"]["reasonCode"] == "InvalidValue"
    assert "ServerPort" in r[1]["attributeStatusInfo"]["additionalInfo"]
    assert st.config.server("ptb1").SignedResponses is True        # issue 12: writable
    assert "key exchange" in r[8]["attributeStatusInfo"]["additionalInfo"]
    assert st.config.server("ptb1").NTSKEServerPort == 4461
    assert st.config.server("ptb3").ServerPort == 123 and st.config.groups["legal"].MinServers == 3
    assert st.config.clock["StepThreshold"] == 0.5
    assert station.load(st.path) == st.config.to_dict()
    # RebootRequired is never the answer: no NTS setting needs a reboot.
    assert "RebootRequired" not in status


def test_set_variables_time_source_order():
    skip_in_bundle_heap(104)
    st, _ = make_station()
    status, r = set_variables(st, set_item(CLOCK, "TimeSource", "RealTimeClock,NTP"),
                              set_item(CLOCK, "StepThreshold", "0.5"))
    assert status == ["Rejected", "Accepted"]       # the valid change alone goes through
    info = r[0]["attributeStatusInfo"]
    assert info["reasonCode"] == "InvalidValue"
    assert "RealTimeClock before NTP is not implemented" in info["additionalInfo"], info
    assert st.config.clock["TimeSource"] == ["NTP"] and st.config.clock["StepThreshold"] == 0.5
    status, _ = set_variables(st, set_item(CLOCK, "TimeSource", "Heartbeat,NTP"))
    assert status == ["Accepted"] and st.config.clock["TimeSource"] == ["Heartbeat", "NTP"]


def test_set_variables_coupled_changes_go_together():
    skip_in_bundle_heap(104)
    st, _ = make_station()
    # MinInterval above the old MaxInterval, with MaxInterval raised in the same request.
    status, _ = set_variables(st, set_item(SERVER, "MinInterval", "5000", "ptb1"),
                     set_item(SERVER, "MaxInterval", "7200", "ptb1"))
    assert status == ["Accepted", "Accepted"]
    # A new server and its group membership in one request.
    status, _ = set_variables(st, set_item(SERVER, "ServerURL", "ptbtime4.ptb.de", "ptb4"),
                     set_item(GROUP, "Clients", "ptb1,ptb2,ptb3,ptb4", "legal"))
    assert status == ["Accepted", "Accepted"] and st.config.server("ptb4").ServerPort == 123
    # A new server in no group is refused, not silently dropped.
    status, _ = set_variables(st, set_item(SERVER, "ServerURL", "lonely.example", "ptb5"))
    assert status == ["Rejected"]
    # Leaving every group removes a server; a new local group by its Clients.
    status, _ = set_variables(st, set_item(GROUP, "Clients", "ptb1,ptb2,ptb3", "legal"),
                     set_item(GROUP, "Clients", "ptb3", "local"))
    assert status == ["Accepted", "Accepted"]
    assert [s.Instance for s in st.config.servers] == ["ptb1", "ptb2", "ptb3"]
    # Invalid whole: the valid change still goes through, the invalid one is Rejected.
    status, _ = set_variables(st, set_item(SERVER, "Priority", "3", "ptb1"),
                     set_item(SERVER, "MinInterval", "9000", "ptb2"))
    assert status == ["Accepted", "Rejected"] and st.config.server("ptb1").Priority == 3


def test_set_variables_burst():
    skip_in_bundle_heap(104)
    st, _ = make_station()
    items = [set_item(SERVER, "Priority", str(i % 4), "ptb%d" % (1 + i % 3)) for i in range(30)]
    status, _ = set_variables(st, *items)
    assert status == ["Accepted"] * 30
    assert [s.Priority for s in st.config.servers] == [3, 0, 1]     # the last one wins
