"""Certificates for the OCPP InstallCertificate tests, one per line with the expected
CertificateHashData computed by `cryptography` (the oracle for nts.ocpp.certstore):
issuerNameHash = SHA-256 of the issuer Name DER, issuerKeyHash = SHA-256 of the issuer's
subjectPublicKey BIT STRING contents (RFC 6960 CertID), serialNumber in hex.

Cases: name, pem, sha256 (of the DER), hash (CertificateHashData), expect ("ok" or the
reason nts.ocpp.certstore refuses it). Keys are deterministic (host_tests.certs).
"""
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from host_tests.certs import ec_key, rsa_key

NOW = 1796295200        # 2026-12-03T10:53:20Z, the tests' clock
DAY = 86400


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mpnts OCPP test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ts(unix):
    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)


def _key_bits(pub):
    if isinstance(pub, rsa.RSAPublicKey):
        return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return pub.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def _cert(cn, key, issuer_cn=None, issuer_key=None, ca=True, serial=0x1000,
          not_before=NOW - 100 * DAY, not_after=NOW + 3650 * DAY, key_cert_sign=True):
    issuer_key = issuer_key or key
    b = (x509.CertificateBuilder().subject_name(_name(cn))
         .issuer_name(_name(issuer_cn or cn)).public_key(key.public_key())
         .serial_number(serial).not_valid_before(_ts(not_before))
         .not_valid_after(_ts(not_after))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=False, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=key_cert_sign,
                                      crl_sign=key_cert_sign, encipher_only=False,
                                      decipher_only=False), critical=True))
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        cert = b.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)
    else:
        cert = b.sign(issuer_key, hashes.SHA256())
    return cert, issuer_key


def _case(name, made, expect):
    cert, issuer_key = made
    der = cert.public_bytes(serialization.Encoding.DER)
    return {"name": name, "expect": expect,
            "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "sha256": hashlib.sha256(der).hexdigest(),
            "hash": {"hashAlgorithm": "SHA256",
                     "issuerNameHash": hashlib.sha256(cert.issuer.public_bytes()).hexdigest(),
                     "issuerKeyHash": hashlib.sha256(
                         _key_bits(issuer_key.public_key())).hexdigest(),
                     "serialNumber": "%x" % cert.serial_number}}


def cases():
    root_ec = ec_key("p256", "ocpp", "root")
    yield _case("root_ec", _cert("Time Root EC", root_ec, serial=0x0a1b2c), "ok")
    yield _case("root_rsa", _cert("Time Root RSA", rsa_key(2048, "ocpp", "root"),
                                  serial=0x7fedcba987654321), "ok")
    yield _case("root_p384", _cert("Time Root P-384", ec_key("p384", "ocpp", "root")), "ok")
    yield _case("leaf", _cert("ntp.example", ec_key("p256", "ocpp", "leaf"), "Time Root EC",
                              root_ec, ca=False, key_cert_sign=False), "not_ca")
    yield _case("no_cert_sign", _cert("No Cert Sign", ec_key("p256", "ocpp", "ku"),
                                      key_cert_sign=False), "bad_usage")
    yield _case("expired", _cert("Expired Root", ec_key("p256", "ocpp", "old"),
                                 not_before=NOW - 4000 * DAY, not_after=NOW - 100 * DAY), "expired")
    yield _case("future", _cert("Future Root", ec_key("p256", "ocpp", "new"),
                                not_before=NOW + 10 * DAY), "not_yet_valid")
    yield _case("rsa1024", _cert("Weak Root", rsa_key(1024, "ocpp", "weak")),
                "unsupported_algorithm")
