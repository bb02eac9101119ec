# The parts of nts.tls.trust that need no signature: the certificate time policy
# (NoCertTimeCheckAfterReboot with a floor) and trust groups loaded from PEM/DER files.
from binascii import b2a_base64

from nts.errors import CertError, ParseError
from nts.tls import pem, trust, x509
from support import raises, vectors
from x509_vectors import by_id


def _chain_and_root(name):
    """DER of a chain vector's certificates followed by its anchor."""
    for case in vectors("x509_chains"):
        if case["name"] == name:
            ids = case["chain"] + case["anchors"]
            der = by_id(ids)
            return [der[i] for i in ids]
    raise AssertionError("vector %s missing" % name)


class _Dated:
    def __init__(self, nb, na):
        self.not_before, self.not_after = nb, na

    def common_name(self):
        return "t"


def test_time_policy():
    c = _Dated(1000, 2000)
    trust.CertTimePolicy(1000).check(c)
    trust.CertTimePolicy(2000).check(c)
    assert raises(CertError, trust.CertTimePolicy(999).check, c).reason == "not_yet_valid"
    assert raises(CertError, trust.CertTimePolicy(2001).check, c).reason == "expired"
    # Untrusted clock (first sync after boot): dates skipped, but never below the floor.
    trust.CertTimePolicy(0, trusted=False, floor=1500).check(c)
    trust.CertTimePolicy(5000, trusted=False, floor=2000).check(c)
    e = raises(CertError, trust.CertTimePolicy(1500, trusted=False, floor=2001).check, c)
    assert e.reason == "expired"


def _pem(der):
    b64 = b2a_base64(der).decode().strip()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN CERTIFICATE-----\n%s\r\n-----END CERTIFICATE-----\n" % "\r\n".join(lines)


def test_pem_and_der_files():
    ders = _chain_and_root("rsa_1_intermediate")
    assert len(ders) == 3
    path = "build/test_x509_anchor"
    with open(path + ".pem", "w") as f:
        f.write("# comment\n")
        for d in ders:
            f.write(_pem(d))
            f.write("junk between blocks\n")
    with open(path + ".der", "wb") as f:
        f.write(ders[2])
    st = trust.TrustStore()
    assert st.load("a", path + ".pem") == len(ders)
    assert st.load("b", path + ".der") == 1
    for d in pem.certificates(_pem(ders[2])):   # str as well as bytes
        st.add("legalTimeCA", d)
    assert [c.subject for c in st.anchors("a")] == [x509.parse(d).subject for d in ders]
    assert len(st.anchors("b")) == 1 and st.anchors("nope") == []
    assert sorted(st.groups()) == ["a", "b", "legalTimeCA"]
    with open(path + ".pem", "w") as f:
        f.write(_pem(ders[0])[:-30])
    raises(ParseError, st.load, "c", path + ".pem")
    raises(ParseError, lambda: list(pem.certificates("-----BEGIN CERTIFICATE-----\nAAAA")))
    bad = "-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n"
    raises(ParseError, lambda: list(pem.certificates(bad)))
    malformed = list(pem.certificates(bad.replace("MII*", "MIIA")))
    assert raises(CertError, st.add, "x", malformed[0]).reason == "malformed"
