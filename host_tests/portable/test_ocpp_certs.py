# Time root CAs through OCPP (white paper: NetworkTimeRootCertificate, certificateGroup):
# InstallCertificate checks the certificate (CA, dates, usable key) before storing it
# atomically in its CA_DIR group; GetInstalledCertificateIds gives the SHA-256
# CertificateHashData (checked against `cryptography`); DeleteCertificate removes it;
# the engine's trust store follows without a reboot; every change is an event for the
# metrological log. Other certificate uses are left to the charger's stack (None).
import gc
import json
import os
import sys

from nts.ocpp import certificates as certs
from nts.ocpp.certstore import CertStore
from nts.tls.trust import TrustStore
from rtc.simulated import SimulatedClock
from support import VECTOR_DIR, SkipTest

NS = 1000000000
NOW = 1796295200
BUILD = NOW - 30 * 86400


def _cases():
    """Each case of build/vectors/ocpp_certs.jsonl, one at a time (small heaps)."""
    with open(VECTOR_DIR + "/ocpp_certs.jsonl") as f:
        for line in f:
            yield json.loads(line)


def _case(name):
    for c in _cases():
        if c["name"] == name:
            return c
    raise KeyError(name)


def _rmtree(path):
    try:
        names = os.listdir(path)
    except OSError:
        return
    for n in names:
        p = path + "/" + n
        try:
            os.remove(p)
        except OSError:
            _rmtree(p)
    os.rmdir(path)


def _store(tag, trusted=True):
    # As an .mpy bundle in 100 KB the certificate code (x509, DER, PEM, trust store)
    # leaves too little for an 11000-character PEM; frozen firmware (code in flash) runs
    # these, and that is what a board with the OCPP layer uses.
    if hasattr(gc, "mem_free") and gc.mem_alloc() + gc.mem_free() < 200000:
        raise SkipTest("certificate code and a full-size PEM need more than a 100 KB bundle heap")
    try:
        os.mkdir("build")
    except OSError:
        pass
    ca_dir = "build/ocpp_ca_%s_%s" % (tag, sys.implementation.name)
    _rmtree(ca_dir)
    events = []
    clock = SimulatedClock(NOW * NS, trusted=trusted)
    return CertStore(ca_dir, clock, BUILD, events.append), events


def _install(store, case, ocpp="2.0.1", **extra):
    req = {"certificateType": "NetworkTimeRootCertificate", "certificate": case["pem"]}
    req.update(extra)
    return certs.install_certificate(store, req, ocpp)


def test_install_checks_each_certificate():
    store, events = _store("check")
    for case in _cases():
        name = case["name"]
        r = _install(store, case)
        if case["expect"] == "ok":
            assert r == {"status": "Accepted"}, (name, r)
        else:
            code = certs.REASON_CODES[case["expect"]]
            assert r["status"] == "Rejected" and r["statusInfo"]["reasonCode"] == code, (name, r)
    assert [e["subject"] for e in events] == ["Time Root EC", "Time Root RSA", "Time Root P-384"]
    assert all(e["event"] == "TimeRootCAChanged" and e["log"] == "metrological" and
               e["action"] == "installed" for e in events)
    # Installing the same certificate again changes nothing.
    assert _install(store, _case("root_ec")) == {"status": "Accepted"} and len(events) == 3


def test_untrusted_clock_checks_dates_against_the_floor():
    store, _ = _store("floor", trusted=False)
    assert _install(store, _case("future")) == {"status": "Accepted"}   # cannot tell yet
    r = _install(store, _case("expired"), "1.6")
    assert r == {"status": "Rejected"}      # expired before the build: certainly expired


def test_groups_ids_and_delete():
    store, events = _store("ids")
    cases = {"root_ec": _case("root_ec"), "root_rsa": _case("root_rsa")}
    assert _install(store, cases["root_ec"], certificateGroup="legalTimeCA")["status"] == "Accepted"
    # A strict 2.0.1 peer: use and group in customData, any vendorId.
    strict = {"certificateType": "CSMSRootCertificate", "certificate": cases["root_rsa"]["pem"],
              "customData": {"vendorId": "com.example.csms", "certificateGroup": "localTimeCA",
                             "certificateType": "NetworkTimeRootCertificate"}}
    assert certs.install_certificate(store, strict) == {"status": "Accepted"}
    assert sorted(os.listdir(store.ca_dir)) == ["legalTimeCA", "localTimeCA"]
    r = certs.get_installed_certificate_ids(store, {"certificateType": ["NetworkTimeRootCertificate"]})
    assert r["status"] == "Accepted"
    got = dict((c["customData"]["certificateGroup"], c["certificateHashData"])
               for c in r["certificateHashDataChain"])
    assert got == {"legalTimeCA": cases["root_ec"]["hash"], "localTimeCA": cases["root_rsa"]["hash"]}
    r16 = certs.get_installed_certificate_ids(store, {"certificateType": "NetworkTimeRootCertificate"},
                                              "1.6")
    assert r16["certificateHashData"] == [cases["root_ec"]["hash"], cases["root_rsa"]["hash"]]
    # Delete by hash: Accepted once, then NotFound; the event names what went.
    h = cases["root_ec"]["hash"]
    assert certs.delete_certificate(store, {"certificateHashData": h}, "1.6") == {"status": "Accepted"}
    assert certs.delete_certificate(store, {"certificateHashData": h}) == {"status": "NotFound"}
    assert events[-1]["action"] == "deleted" and events[-1]["group"] == "legalTimeCA"
    assert events[-1]["sha256"] == cases["root_ec"]["sha256"]
    h = dict(cases["root_rsa"]["hash"], serialNumber="0" + cases["root_rsa"]["hash"]["serialNumber"].upper())
    assert certs.delete_certificate(store, {"certificateHashData": h}) == {"status": "Accepted"}
    assert certs.get_installed_certificate_ids(store, {}) == {"status": "NotFound"}


def test_other_uses_and_bad_input_are_not_ours_or_rejected():
    store, events = _store("other")
    pem = _case("root_ec")["pem"]
    assert certs.install_certificate(store, {"certificateType": "CSMSRootCertificate",
                                             "certificate": pem}) is None
    assert certs.get_installed_certificate_ids(store, {"certificateType": "CentralSystemRootCertificate"},
                                               "1.6") is None
    assert certs.get_installed_certificate_ids(store, {"certificateType": ["V2GRootCertificate"]}) is None
    for bad in ({"certificateGroup": "../etc"}, {"certificateGroup": "x" * 51},
                {"certificateGroup": ""}, {"certificate": pem + pem},
                {"certificate": "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"},
                {"certificate": pem + " " * 11000}):
        req = {"certificateType": "NetworkTimeRootCertificate", "certificate": pem}
        req.update(bad)
        assert certs.install_certificate(store, req)["status"] == "Rejected", bad
    assert events == []


def test_trust_store_follows_without_reboot():
    # What the charge point's on_change hands its engine (test_ocpp_chargepoint runs it).
    store, _ = _store("reload")
    loaded = []
    store.on_change = lambda: loaded.append(certs.trust_store(store.ca_dir))
    assert certs.trust_store(store.ca_dir).groups() == []      # nothing installed yet
    assert _install(store, _case("root_ec"), certificateGroup="legalTimeCA")["status"] == "Accepted"
    ts = loaded[-1]
    assert isinstance(ts, TrustStore) and ts.groups() == ["legalTimeCA"]
    assert ts.anchors("legalTimeCA")[0].common_name() == "Time Root EC"
    certs.delete_certificate(store, {"certificateHashData": _case("root_ec")["hash"]})
    assert len(loaded) == 2 and loaded[-1].anchors("legalTimeCA") == []
