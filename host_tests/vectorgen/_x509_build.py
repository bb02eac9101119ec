"""Certificate chains with expected verification outcomes, shared by the generators
x509_certs (one certificate per line, with the fields `cryptography` reads from it as
the oracle for nts.tls.x509.parse) and x509_chains (cases referring to certificates by
id). Two files keep each JSON line small enough for the 100 KB MicroPython heap.

A chain case: name, chain (certificate ids, leaf first, as a server sends them),
anchors (ids), host, now, trusted, floor, expect ("ok" or a CertError reason), needs
("ec" when the case needs ECDSA verification), leaf_key (ok cases).
Keys are deterministic (host_tests.certs) and `now` is fixed, so ids and certificates
are stable (only RSA-PSS salts vary between runs).
"""
import hashlib
import tempfile

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from host_tests.certs import make_chain

NOW = 1790000000  # 2026-09-21T14:13:20Z
DAY = 86400

_SCHEMES = {
    "sha256WithRSAEncryption": 0x0401, "sha384WithRSAEncryption": 0x0501,
    "sha512WithRSAEncryption": 0x0601, "ecdsa-with-SHA256": 0x0403,
    "ecdsa-with-SHA384": 0x0503,
}


def _hex(b):
    return b.hex()


def _key_json(pub):
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers()
        return ["rsa", "%x" % n.n, n.e]
    curve = {"secp256r1": "p256", "secp384r1": "p384"}[pub.curve.name]
    return ["ec", curve, _hex(pub.public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint))]


def _scheme(cert):
    if cert.signature_algorithm_oid.dotted_string == "1.2.840.113549.1.1.10":  # PSS
        h = cert.signature_hash_algorithm.name
        params = cert.signature_algorithm_parameters
        hlen = {"sha256": 32, "sha384": 48, "sha512": 64}[h]
        if params._salt_length != hlen or params._mgf._algorithm.name != h:
            return None
        return {"sha256": 0x0804, "sha384": 0x0805, "sha512": 0x0806}[h]
    return _SCHEMES.get(cert.signature_algorithm_oid._name)


def _ext(cert, cls):
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except cx509.ExtensionNotFound:
        return None


def oracle(der):
    """What cryptography reads from one certificate, in x509.Certificate's terms."""
    c = cx509.load_der_x509_certificate(der)
    san = _ext(c, cx509.SubjectAlternativeName)
    bc = _ext(c, cx509.BasicConstraints)
    ku = _ext(c, cx509.KeyUsage)
    eku = _ext(c, cx509.ExtendedKeyUsage)
    cn = c.subject.get_attributes_for_oid(cx509.oid.NameOID.COMMON_NAME)
    return {
        "cn": cn[0].value if cn else None,
        "not_before": int(c.not_valid_before_utc.timestamp()),
        "not_after": int(c.not_valid_after_utc.timestamp()),
        "issuer": _hex(c.issuer.public_bytes()),
        "subject": _hex(c.subject.public_bytes()),
        "tbs_sha256": hashlib.sha256(c.tbs_certificate_bytes).hexdigest(),
        "signature_sha256": hashlib.sha256(c.signature).hexdigest(),
        "scheme": _scheme(c),
        "key": _key_json(c.public_key()),
        "dns": [n.lower() for n in san.get_values_for_type(cx509.DNSName)] if san else [],
        "ips": [_hex(a.packed) for a in san.get_values_for_type(cx509.IPAddress)] if san else [],
        "ca": bc.ca if bc else None,
        "pathlen": bc.path_length if bc else None,
        "ku_digital_signature": ku.digital_signature if ku else None,
        "ku_key_cert_sign": ku.key_cert_sign if ku else None,
        "eku_server_auth": (cx509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku) if eku else None,
        "unknown_critical": any(e.critical and isinstance(e.value, cx509.UnrecognizedExtension)
                                for e in c.extensions),
    }


_BUILT = None


def build():
    """(certs, cases): certs are {"id", "der", "oracle"} dicts (oracle None when
    `cryptography` cannot parse the certificate); built once per process."""
    global _BUILT
    if _BUILT is None:
        ids = {}
        certs = []

        def cid(der):
            if der not in ids:
                ids[der] = len(certs)
                try:
                    o = oracle(der)
                except ValueError:
                    o = None
                certs.append({"id": len(certs), "der": _hex(der), "oracle": o})
            return ids[der]

        cases = []
        for case in _cases():
            case["chain"] = [cid(d) for d in case["chain"]]
            case["anchors"] = [cid(d) for d in case["anchors"]]
            cases.append(case)
        _BUILT = certs, cases
    return _BUILT


def _case(name, chain_der, anchors_der, host, expect, now=NOW, trusted=True, floor=0,
          needs=None):
    case = {"name": name, "chain": list(chain_der), "anchors": list(anchors_der),
            "host": host, "now": now, "trusted": trusted, "floor": floor, "expect": expect,
            "needs": needs}
    if expect == "ok":
        case["leaf_key"] = _key_json(cx509.load_der_x509_certificate(chain_der[0]).public_key())
    return case


def _cases():
    with tempfile.TemporaryDirectory() as d:
        def chain(**kw):
            kw.setdefault("now", NOW)
            return make_chain(d, **kw)

        def simple(name, expect, host="localhost", needs=None, **kw):
            c = chain(**kw)
            return _case(name, c.chain_der, [c.root_der], host, expect, needs=needs)

        # The PTB servers' shape first: on the 100 KB heap its RSA-4096 step needs
        # contiguous blocks, which are easiest to find early in a test process.
        le = chain(kind="le", hostname="ptbtime1.ptb.de", ip=None)
        yield _case("le_shape", le.chain_der, [le.root_der], "ptbtime1.ptb.de", "ok")
        yield _case("le_shape_uppercase_host", le.chain_der, [le.root_der],
                    "PTBTIME1.PTB.DE.", "ok")
        yield _case("le_shape_wrong_host", le.chain_der, [le.root_der], "ptbtime2.ptb.de",
                    "name_mismatch")
        yield _case("le_shape_root_included", le.chain_der + [le.root_der], [le.root_der],
                    "ptbtime1.ptb.de", "ok")
        yield _case("le_shape_intermediate_as_anchor", le.chain_der, [le.chain_der[1]],
                    "ptbtime1.ptb.de", "ok")
        yield _case("le_shape_missing_intermediate", le.chain_der[:1], [le.root_der],
                    "ptbtime1.ptb.de", "untrusted")

        # Good chains of every supported shape.
        yield simple("rsa_1_intermediate", "ok")
        yield simple("rsa_ip_san", "ok", host="127.0.0.1")
        yield simple("rsa_no_intermediate", "ok", intermediates=0)
        yield simple("rsa_2_intermediates", "ok", intermediates=2)
        yield simple("rsa_sha384", "ok", hash="sha384")
        yield simple("rsa_sha512", "ok", hash="sha512")
        yield simple("rsa_pss_sha256", "ok", pss=True)
        yield simple("rsa_pss_sha384", "ok", pss=True, hash="sha384")
        yield simple("rsa_pss_sha512", "ok", pss=True, hash="sha512")
        yield simple("ecdsa_p256", "ok", kind="ecdsa", needs="ec")
        yield simple("ecdsa_p384", "ok", kind="ecdsa", curve="p384", needs="ec")
        yield simple("ecdsa_p384_ca_p256_leaf", "ok", kind="ecdsa", ca_curve="p384",
                     needs="ec")
        yield simple("ecdsa_p256_key_sha384_sig", "ok", kind="ecdsa", hash="sha384",
                     needs="ec")
        yield simple("ecdsa_p384_key_sha256_sig", "ok", kind="ecdsa", curve="p384",
                     hash="sha256", needs="ec")

        # Order and extra certificates (RFC 8446 4.4.2.2).
        c2 = chain(intermediates=2)
        yield _case("rsa_unordered_intermediates", [c2.chain_der[0], c2.chain_der[2],
                                                    c2.chain_der[1]], [c2.root_der],
                    "localhost", "ok")
        other = chain(seed="other", prefix="other")
        yield _case("rsa_extra_unrelated_cert", c2.chain_der + [other.chain_der[1]],
                    [c2.root_der], "localhost", "ok")
        yield _case("rsa_two_anchor_groups_members", c2.chain_der,
                    [other.root_der, c2.root_der], "localhost", "ok")
        yield _case("untrusted_root_same_name", other.chain_der, [c2.root_der], "localhost",
                    "untrusted")
        c5 = chain(intermediates=4)
        yield _case("path_too_long", c5.chain_der, [c5.root_der], "localhost",
                    "path_too_long")
        pinned = chain(intermediates=0, prefix="pinned")
        yield _case("pinned_leaf_as_anchor", pinned.chain_der, [pinned.leaf_der],
                    "localhost", "ok")

        # Names (RFC 6125).
        yield simple("wrong_name", "name_mismatch", host="example.com")
        yield simple("ip_mismatch", "name_mismatch", host="127.0.0.2")
        yield simple("ip_host_vs_dns_san", "name_mismatch", host="127.0.0.1",
                     dns_names=["127.0.0.1"], ips=[])
        yield simple("ipv6_san", "ok", host="::1", ips=["::1"])
        yield simple("ipv6_san_bracketed", "ok", host="[0:0::1]", ips=["::1"])
        yield simple("wildcard_match", "ok", host="a.nts.example", dns_names=["*.nts.example"])
        yield simple("wildcard_two_labels", "name_mismatch", host="b.a.nts.example",
                     dns_names=["*.nts.example"])
        yield simple("wildcard_not_base", "name_mismatch", host="nts.example",
                     dns_names=["*.nts.example"])
        yield simple("wildcard_too_broad", "name_mismatch", host="nts.example",
                     dns_names=["*.example"])
        yield simple("wildcard_partial_label", "name_mismatch", host="ab.nts.example",
                     dns_names=["a*.nts.example"])
        yield simple("no_san", "name_mismatch", dns_names=[], ips=[])

        # Dates and the time policy.
        yield simple("expired", "expired", expired=True)
        yield simple("not_yet_valid", "not_yet_valid", not_yet_valid=True)
        exp = chain(expired=True, prefix="exp")
        yield _case("expired_untrusted_clock_old_floor", exp.chain_der, [exp.root_der],
                    "localhost", "ok", now=0, trusted=False, floor=NOW - 30 * DAY)
        yield _case("expired_untrusted_clock_floor_after_expiry", exp.chain_der,
                    [exp.root_der], "localhost", "expired", now=0, trusted=False,
                    floor=NOW)
        nyv = chain(not_yet_valid=True, prefix="nyv")
        yield _case("not_yet_valid_untrusted_clock", nyv.chain_der, [nyv.root_der],
                    "localhost", "ok", now=0, trusted=False, floor=NOW)
        yield _case("good_chain_clock_before_root", c2.chain_der, [c2.root_der],
                    "localhost", "not_yet_valid", now=NOW - 20 * 365 * DAY)

        # Constraints and usage.
        yield simple("intermediate_not_ca", "not_ca", ca_false_intermediate=True)
        yield simple("intermediate_without_basic_constraints", "not_ca",
                     no_bc_intermediate=True)
        yield simple("root_pathlen0", "path_too_long", root_pathlen0=True)
        yield simple("root_pathlen0_no_intermediate", "ok", root_pathlen0=True,
                     intermediates=0)
        yield simple("no_server_auth", "bad_usage", no_server_auth=True)
        yield simple("leaf_key_usage_without_signature", "bad_usage", leaf_bad_key_usage=True)
        yield simple("unknown_critical_extension", "unknown_critical", unknown_critical=True)

        # Signatures and algorithms.
        yield simple("bad_signature", "bad_signature", bad_signature=True)
        yield simple("bad_signature_le", "bad_signature", kind="le", bad_signature=True)
        yield simple("bad_signature_ecdsa", "bad_signature", kind="ecdsa", bad_signature=True,
                     needs="ec")
        yield simple("pss_salt_20", "unsupported_algorithm", pss_salt=20)
        good = chain(prefix="trunc")
        yield _case("truncated_leaf", [good.chain_der[0][:-10], good.chain_der[1]],
                    [good.root_der], "localhost", "malformed")
        yield _case("trailing_byte_leaf", [good.chain_der[0] + b"\x00", good.chain_der[1]],
                    [good.root_der], "localhost", "malformed")
