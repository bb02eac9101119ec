# X.509 parsing (RFC 5280 4.1): every field nts.tls.x509 reads is compared with what
# `cryptography` reads from the same certificates (host_tests/vectorgen/_x509_build.py).
import gc
import hashlib

from nts.errors import CertError, ParseError
from nts.tls import x509
from support import hx, raises
from x509_vectors import certs


def _key_json(key):
    if key[0] == "ec":
        return ["ec", key[1], hx(key[2])]
    return [key[0], "%x" % key[1], key[2]]


def _check(c, want):
    assert c.common_name() == want["cn"]
    assert (c.not_before, c.not_after) == (want["not_before"], want["not_after"])
    assert hx(c.issuer) == want["issuer"] and hx(c.subject) == want["subject"]
    assert hx(hashlib.sha256(c.tbs).digest()) == want["tbs_sha256"]
    assert hx(hashlib.sha256(c.signature).digest()) == want["signature_sha256"]
    assert c.sig_scheme == want["scheme"]
    assert _key_json(c.key) == want["key"]
    assert c.dns_names == want["dns"]
    assert [hx(a) for a in c.ip_addresses] == want["ips"]
    assert c.ca == want["ca"] and c.pathlen == want["pathlen"]
    ku = c.key_usage
    assert (None if ku is None else bool(ku & x509.KU_DIGITAL_SIGNATURE)) \
        == want["ku_digital_signature"]
    assert (None if ku is None else bool(ku & x509.KU_KEY_CERT_SIGN)) == want["ku_key_cert_sign"]
    assert (None if c.eku is None else x509.SERVER_AUTH in c.eku) == want["eku_server_auth"]


def test_parse_matches_oracle():
    n = bad = 0
    for _, der, want in certs(oracle=True):
        gc.collect()
        if want is None:  # DER that `cryptography` refuses too
            assert raises(CertError, x509.parse, der).reason == "malformed"
            bad += 1
        elif want["unknown_critical"]:
            assert raises(CertError, x509.parse, der).reason == "unknown_critical"
            bad += 1
        else:
            _check(x509.parse(der), want)
            n += 1
    assert n >= 40 and bad == 3


def _le_leaf():
    for _, der, want in certs(oracle=True):
        if want and want["cn"] == "ptbtime1.ptb.de":
            return der
    raise AssertionError("LE-shaped leaf missing")


def test_parse_rejects_garbage_as_malformed():
    leaf = _le_leaf()
    for bad in (b"", b"\x30", leaf[:100], leaf + b"\x00", b"\x31" + leaf[1:],
                leaf[:4] + b"\x00" + leaf[5:], leaf[:-1]):
        e = raises(CertError, x509.parse, bad)
        assert e.reason == "malformed"


def test_parse_accepts_buffers_and_keeps_views():
    leaf = _le_leaf()
    c = x509.parse(bytearray(leaf))
    assert c.common_name() == "ptbtime1.ptb.de" and c.version == 3
    c = x509.parse(leaf)
    assert c.der is leaf  # kept, not copied
    assert bytes(c.tbs) == leaf[4:4 + len(c.tbs)] and isinstance(c.tbs, memoryview)
    assert c.key[0] == "rsa" and c.key[2] == 65537
    assert c.dns_names == ["ptbtime1.ptb.de"] and c.ip_addresses == []
    assert "ptbtime1" in repr(c)


def _tlv(tag, body):
    n = len(body)
    return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x81, n])) + body


_SHA256 = _tlv(0x30, _tlv(0x06, bytes.fromhex("608648016503040201")) + b"\x05\x00")
_SHA384 = _tlv(0x30, _tlv(0x06, bytes.fromhex("608648016503040202")))
_SHA1 = _tlv(0x30, _tlv(0x06, bytes.fromhex("2b0e03021a")) + b"\x05\x00")
_MGF1 = bytes.fromhex("2a864886f70d010108")
_PSS = bytes.fromhex("2a864886f70d01010a")


def _pss_alg(hash_alg, mgf_hash, salt, trailer=None):
    params = _tlv(0xA0, hash_alg) + _tlv(0xA1, _tlv(0x30, _tlv(0x06, _MGF1) + mgf_hash))
    if salt is not None:
        params += _tlv(0xA2, _tlv(0x02, bytes([salt])))
    if trailer is not None:
        params += _tlv(0xA3, _tlv(0x02, bytes([trailer])))
    return _tlv(0x06, _PSS) + _tlv(0x30, params)


def test_rsassa_pss_parameters():
    # RFC 4055 3.1; only the TLS 1.3 shape (MGF1 with the same hash, salt = hash
    # length, trailer 1) maps to a scheme, anything else is unsupported (None).
    from nts.tls import x509_alg
    from nts.wire import Reader

    def scheme(alg_body):
        return x509_alg.signature_scheme(Reader(alg_body))

    assert scheme(_pss_alg(_SHA256, _SHA256, 32)) == 0x0804
    assert scheme(_pss_alg(_SHA256, _SHA256, 32, 1)) == 0x0804
    assert scheme(_pss_alg(_SHA384, _SHA384, 48)) == 0x0805
    assert scheme(_pss_alg(_SHA256, _SHA1, 32)) is None       # MGF1 hash differs
    assert scheme(_pss_alg(_SHA256, _SHA256, 20)) is None     # salt != hash length
    assert scheme(_pss_alg(_SHA256, _SHA256, None)) is None   # default salt 20
    assert scheme(_pss_alg(_SHA256, _SHA256, 32, 2)) is None  # trailer must be 1
    assert scheme(_pss_alg(_SHA1, _SHA1, 20)) is None          # SHA-1
    assert scheme(_tlv(0x06, _PSS) + _tlv(0x30, b"")) is None  # all defaults: SHA-1
    assert scheme(_tlv(0x06, bytes.fromhex("2a864886f70d010105")) + b"\x05\x00") is None
    assert scheme(_tlv(0x06, bytes.fromhex("2a864886f70d01010b")) + b"\x05\x00") == 0x0401
    assert scheme(_tlv(0x06, bytes.fromhex("2a864886f70d01010b"))) == 0x0401
    assert scheme(_tlv(0x06, bytes.fromhex("2a8648ce3d040303"))) == 0x0503
    raises(ParseError, scheme, _tlv(0x06, bytes.fromhex("2a8648ce3d040303")) + b"\x05\x00")
    raises(ParseError, scheme, _pss_alg(_SHA256, _SHA256, 32) + b"\x00")
