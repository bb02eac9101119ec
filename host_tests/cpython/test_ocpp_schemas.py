# Every OCPP payload of the portable handler tests, checked against the official schemas
# of the `ocpp` package (1.6 + security extension, 2.0.1) with an RFC 3339 date-time
# check: the portable tests are re-run here with each handler wrapped so that its
# request and its response (every NotifyReport page and SecurityEventNotification too)
# are validated. Requests the
# tests send out of bounds on purpose (1.6 key > 50, value > 500 characters: our
# handler must still answer Rejected) are the only ones allowed to fail, and only so.
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ocpp_schemas  # noqa: E402
from nts.ocpp import certificates, events, v16, v201  # noqa: E402

import test_ocpp_certs  # noqa: E402
import test_ocpp_clockctrlr  # noqa: E402
import test_ocpp_engine  # noqa: E402
import test_ocpp_events  # noqa: E402
import test_ocpp_report  # noqa: E402
import test_ocpp_v16  # noqa: E402
import test_ocpp_v201  # noqa: E402

# handler -> (version, request schema, response schema)
HANDLERS = {
    (v16, "get_configuration"): ("1.6", "GetConfiguration", "GetConfigurationResponse"),
    (v16, "change_configuration"): ("1.6", "ChangeConfiguration", "ChangeConfigurationResponse"),
    (v201, "get_variables"): ("2.0.1", "GetVariablesRequest", "GetVariablesResponse"),
    (v201, "set_variables"): ("2.0.1", "SetVariablesRequest", "SetVariablesResponse"),
    (v201, "get_base_report"): ("2.0.1", "GetBaseReportRequest", "GetBaseReportResponse"),
}


# certificate handler -> {ocpp version: (request schemas, official first, then our
# extended one; response schemas likewise)}
CERT_HANDLERS = {
    "install_certificate": {
        "1.6": (("InstallCertificate", "InstallCertificate16Ext"),
                ("InstallCertificateResponse",)),
        "2.0.1": (("InstallCertificateRequest", "InstallCertificateRequest201Ext"),
                  ("InstallCertificateResponse",))},
    "get_installed_certificate_ids": {
        "1.6": (("GetInstalledCertificateIds", "GetInstalledCertificateIds16Ext"),
                ("GetInstalledCertificateIdsResponse",)),
        "2.0.1": (("GetInstalledCertificateIdsRequest", "GetInstalledCertificateIdsRequest201Ext"),
                  ("GetInstalledCertificateIdsResponse", "GetInstalledCertificateIdsResponse201Ext"))},
    "delete_certificate": {
        "1.6": (("DeleteCertificate",), ("DeleteCertificateResponse",)),
        "2.0.1": (("DeleteCertificateRequest",), ("DeleteCertificateResponse",))},
}


def _valid_any(version, names, payload):
    """The first schema of `names` (official, then extended) the payload satisfies."""
    for i, name in enumerate(names):
        if not ocpp_schemas.errors("ext" if i else version, name, payload):
            return name
    return None


def _oversized_cert(req):
    return len(req.get("certificateGroup", "")) > 50 or len(req.get("certificate", "")) > 11000


def _oversized_16(req):
    return len(req.get("key", "")) > 50 or len(req.get("value", "")) > 500


class Checked:
    def __init__(self):
        self.calls = {}         # response schema -> payloads checked
        self.out_of_bounds = 0

    def wrap(self, fn, version, req_schema, resp_schema):
        def handler(station, req):
            errs = ocpp_schemas.errors(version, req_schema, req)
            if errs:
                assert version == "1.6" and _oversized_16(req), (req_schema, errs, req)
                self.out_of_bounds += 1
            resp = fn(station, req)
            ocpp_schemas.check(version, resp_schema, resp)
            self.calls[resp_schema] = self.calls.get(resp_schema, 0) + 1
            return resp
        return handler

    def wrap_cert(self, fn, schemas):
        def handler(store, req, ocpp="2.0.1"):
            reqs, resps = schemas[ocpp]
            if _valid_any(ocpp, reqs, req) is None:
                assert _oversized_cert(req), (reqs, req)
                self.out_of_bounds += 1
            resp = fn(store, req, ocpp)
            if resp is not None:
                name = _valid_any(ocpp, resps, resp)
                assert name is not None, (resps, ocpp_schemas.errors(ocpp, resps[0], resp), resp)
                self.calls[resps[0] + ocpp] = self.calls.get(resps[0] + ocpp, 0) + 1
            return resp
        return handler

    def wrap_notification(self, fn):
        def notification(e):
            payload = fn(e)
            ocpp_schemas.check("1.6", "SecurityEventNotification", payload)
            ocpp_schemas.check("2.0.1", "SecurityEventNotificationRequest", payload)
            self.calls["SecurityEventNotification"] = \
                self.calls.get("SecurityEventNotification", 0) + 1
            return payload
        return notification

    def wrap_report(self, fn):
        def report(*args, **kwargs):
            for page in fn(*args, **kwargs):
                ocpp_schemas.check("2.0.1", "NotifyReportRequest", page)
                self.calls["NotifyReportRequest"] = self.calls.get("NotifyReportRequest", 0) + 1
                yield page
        return report


@pytest.fixture
def checked(monkeypatch):
    c = Checked()
    for (mod, name), schemas in HANDLERS.items():
        monkeypatch.setattr(mod, name, c.wrap(getattr(mod, name), *schemas))
    monkeypatch.setattr(v201, "report", c.wrap_report(v201.report))
    monkeypatch.setattr(events, "notification", c.wrap_notification(events.notification))
    for name, schemas in CERT_HANDLERS.items():
        monkeypatch.setattr(certificates, name, c.wrap_cert(getattr(certificates, name), schemas))
    return c


CASES = [(m, n) for m in (test_ocpp_v16, test_ocpp_v201, test_ocpp_report, test_ocpp_engine,
                          test_ocpp_events, test_ocpp_certs, test_ocpp_clockctrlr)
         for n in sorted(dir(m)) if n.startswith("test_")]


@pytest.mark.parametrize("module,name", CASES, ids=["%s.%s" % (m.__name__, n) for m, n in CASES])
def test_portable_case_payloads_are_schema_valid(checked, module, name):
    getattr(module, name)()


def test_every_handler_was_exercised(checked):
    for module, name in CASES:
        getattr(module, name)()
    want = [s[2] for s in HANDLERS.values()] + ["NotifyReportRequest",
                                                 "SecurityEventNotification"]
    want += [v[ocpp][1][0] + ocpp for v in CERT_HANDLERS.values() for ocpp in v]
    assert sorted(checked.calls) == sorted(want) and checked.out_of_bounds == 2 + 2


EXTENDED = {  # our schema -> (version, official schema, enum definition, certificate fields?)
    "InstallCertificate16Ext": ("v16", "InstallCertificate", "CertificateUseEnumType", True),
    "GetInstalledCertificateIds16Ext": ("v16", "GetInstalledCertificateIds",
                                        "CertificateUseEnumType", False),
    "InstallCertificateRequest201Ext": ("v201", "InstallCertificateRequest",
                                        "InstallCertificateUseEnumType", True),
    "GetInstalledCertificateIdsRequest201Ext": ("v201", "GetInstalledCertificateIdsRequest",
                                                "GetCertificateIdUseEnumType", False),
    "GetInstalledCertificateIdsResponse201Ext": ("v201", "GetInstalledCertificateIdsResponse",
                                                 "GetCertificateIdUseEnumType", False),
}


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_extended_schemas_differ_only_as_documented(name):
    import copy
    import json
    sub, official, enum, cert_fields = EXTENDED[name]
    with open(os.path.join(ocpp_schemas._OCPP_DIR, sub, "schemas", official + ".json")) as f:
        want = json.load(f)
    with open(os.path.join(ocpp_schemas.EXTENDED_DIR, name + ".json")) as f:
        got = json.load(f)
    want = copy.deepcopy(want)
    want.pop("$id", None)
    want["definitions"][enum]["enum"].append("NetworkTimeRootCertificate")
    if cert_fields:
        want["properties"]["certificate"]["maxLength"] = 11000
        want["properties"]["certificateGroup"] = {"type": "string", "maxLength": 50}
    for k in ("title", "description"):
        got.pop(k)
        want.pop(k, None)
    assert got == want
