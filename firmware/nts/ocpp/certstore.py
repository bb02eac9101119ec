# Root CAs for time (the white paper's NetworkTimeRootCertificate) in the board's CA_DIR:
# one folder per certificate group (a server's RootCAs; "default" for RootCAs ""), one
# DER file per certificate, named by its SHA-256. This is the folder tree nts.service
# builds the engine's TrustStore from, so what OCPP installs is what NTS-KE trusts.
#
# A certificate is parsed and checked before it is stored: a CA (basicConstraints cA,
# keyCertSign when keyUsage is present), dates that make sense (notBefore < notAfter;
# valid now when the clock is trusted, else not expired before the floor: the firmware
# build time), and a key the engine can verify with (P-256/P-384, RSA >= 2048 bits).
# Writes are atomic (nts.atomicfile). Every change (install, delete) is an event
# TimeRootCAChanged for the secure metrological log (PTB-A 50.7 section 3.1.6), and
# `on_change` (the engine's trust store reload) runs, so no reboot is needed.
#
# CertificateHashData (OCPP): SHA-256 of the issuer's Name DER, of the issuer's
# subjectPublicKey (RFC 6960 CertID; a root is its own issuer, so its own key; an
# installed intermediate's issuer key is not known and its own is taken), and the
# serial number in hex without leading zeros.
import hashlib
import os

from micropython import const

from nts.atomicfile import exists
from nts.errors import CertError, ParseError
from nts.timescale import NS_PER_S
from nts.tls import der, x509
from nts.wire import Reader

DEFAULT_GROUP = "default"       # nts.engine.DEFAULT_CA_GROUP: servers with RootCAs ""
MAX_GROUP = const(50)
MAX_PEM = const(11000)
MIN_RSA_BITS = const(2048)
_GROUP_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
_DIR_FLAG = 0x4000


def _is_dir(path):
    try:
        return os.stat(path)[0] & _DIR_FLAG != 0
    except OSError:
        return False


def check_group(group):
    """A certificate group name usable as a folder (CertError otherwise)."""
    if not isinstance(group, str) or not 0 < len(group) <= MAX_GROUP or group[0] == "." \
            or any(c not in _GROUP_CHARS for c in group):
        raise CertError("certificateGroup must be 1..%d of A-Z a-z 0-9 . _ - "
                        "(not starting with a dot)" % MAX_GROUP, "malformed")
    return group


def _hex(b):
    return "".join("%02x" % c for c in b)


def hash_data(der_bytes):
    """CertificateHashData (SHA256) of one certificate."""
    # TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject,
    # subjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
    try:
        cert = der.expect(Reader(der_bytes), der.SEQUENCE, "certificate")
        tbs = der.expect(cert, der.SEQUENCE, "tbsCertificate")
        der.optional(tbs, 0xA0)
        serial = der.integer_body(tbs, 20)
        der.expect(tbs, der.SEQUENCE, "signature")
        i_start, issuer = der.expect_span(tbs, der.SEQUENCE, "issuer")
        issuer_name = tbs.buf[i_start:issuer.end]
        der.expect(tbs, der.SEQUENCE, "validity")
        der.expect(tbs, der.SEQUENCE, "subject")
        spki = der.expect(tbs, der.SEQUENCE, "subjectPublicKeyInfo")
        der.expect(spki, der.SEQUENCE, "algorithm")
        key = der.bit_string(spki)
    except ParseError as e:
        raise CertError(str(e), "malformed")
    digits = _hex(serial.buf[serial.pos:serial.end]).lstrip("0") or "0"
    return {"hashAlgorithm": "SHA256",
            "issuerNameHash": _hex(hashlib.sha256(issuer_name).digest()),
            "issuerKeyHash": _hex(hashlib.sha256(key.buf[key.pos:key.end]).digest()),
            "serialNumber": digits}


def _key_ok(key):
    if key is None:
        return False
    if key[0] == "ec":
        return True
    return bool(key[1] >> (MIN_RSA_BITS - 1))   # no bit_length() on MicroPython


def check(der_bytes, now_s, trusted, floor_s):
    """The parsed certificate if it may be a time trust anchor; CertError (with the
    reason) if not."""
    cert = x509.parse(der_bytes)
    if cert.ca is not True:
        raise CertError("not a CA certificate", "not_ca")
    if cert.key_usage is not None and not cert.key_usage & x509.KU_KEY_CERT_SIGN:
        raise CertError("keyUsage lacks keyCertSign", "bad_usage")
    if cert.not_before >= cert.not_after:
        raise CertError("notBefore is not before notAfter", "malformed")
    if trusted and now_s < cert.not_before:
        raise CertError("not valid before %d" % cert.not_before, "not_yet_valid")
    if cert.not_after < (now_s if trusted else floor_s):
        raise CertError("expired at %d" % cert.not_after, "expired")
    if not _key_ok(cert.key):
        raise CertError("key not usable (P-256, P-384 or RSA >= %d bits)" % MIN_RSA_BITS,
                        "unsupported_algorithm")
    return cert


class CertStore:
    """The time root CAs under ca_dir. clock: an rtc.base.Clock (is_trusted, now_ns);
    floor_s: unix seconds the true time is after (build time); hook(event) and
    on_change() as in the module comment."""

    def __init__(self, ca_dir, clock, floor_s, hook=None, on_change=None):
        self.ca_dir = ca_dir
        self.clock = clock
        self.floor_s = floor_s
        self.hook = hook
        self.on_change = on_change

    def _file(self, group, sha):
        return "%s/%s/%s.der" % (self.ca_dir, group, sha[:32])

    def install(self, pem, group=DEFAULT_GROUP):
        """Store one PEM certificate in `group`; returns its SHA-256 (hex). CertError
        when it is not acceptable (nothing stored); OSError when flash fails."""
        from nts.tls import pem as pemmod
        check_group(group)
        if not isinstance(pem, str) or len(pem) > MAX_PEM:
            raise CertError("certificate must be PEM of at most %d characters" % MAX_PEM)
        try:
            found = list(pemmod.certificates(pem))
        except ParseError as e:
            raise CertError(str(e), "malformed")
        if len(found) != 1:
            raise CertError("expected one certificate, got %d" % len(found))
        data = found[0]
        cert = check(data, self.clock.now_ns() // NS_PER_S, self.clock.is_trusted(),
                     self.floor_s)
        sha = _hex(hashlib.sha256(data).digest())
        path = self._file(group, sha)
        if _is_dir(self.ca_dir + "/" + group) and exists(path):
            return sha                  # installed already: nothing changes
        for d in (self.ca_dir, self.ca_dir + "/" + group):
            if not _is_dir(d):
                os.mkdir(d)
        from nts.atomicfile import write_atomic
        write_atomic(path, data)
        self._changed("installed", cert.common_name(), group, sha)
        return sha

    def certificates(self):
        """Yield (group, path, der) of every stored certificate (PEM files too)."""
        if not _is_dir(self.ca_dir):
            return
        from nts.tls import pem as pemmod
        for group in sorted(os.listdir(self.ca_dir)):
            gdir = self.ca_dir + "/" + group
            if not _is_dir(gdir):
                continue
            for name in sorted(os.listdir(gdir)):
                path = gdir + "/" + name
                if name.endswith(".tmp") or _is_dir(path):
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                if data[:1] == b"\x30":
                    yield group, path, data
                else:
                    for d in pemmod.certificates(data):
                        yield group, path, d

    def delete(self, wanted):
        """Remove the certificate with CertificateHashData `wanted`: "Accepted",
        "NotFound", or "Failed" (stored in a multi-certificate PEM file, or flash)."""
        for group, path, data in self.certificates():
            h = hash_data(data)
            if (h["issuerNameHash"] != wanted.get("issuerNameHash", "").lower() or
                    h["issuerKeyHash"] != wanted.get("issuerKeyHash", "").lower() or
                    h["serialNumber"] != wanted.get("serialNumber", "").lower().lstrip("0")
                    or wanted.get("hashAlgorithm") != "SHA256"):
                continue
            if not path.endswith(".der"):
                return "Failed"         # part of an operator's bundle: not ours to split
            try:
                os.remove(path)
            except OSError:
                return "Failed"
            self._changed("deleted", x509.parse(data).common_name(), group,
                          _hex(hashlib.sha256(data).digest()))
            return "Accepted"
        return "NotFound"

    def _changed(self, action, cn, group, sha):
        if self.hook is not None:
            from nts.policy import LOG_METROLOGICAL
            self.hook({"event": "TimeRootCAChanged", "log": LOG_METROLOGICAL,
                       "time_ns": self.clock.now_ns(), "action": action,
                       "subject": cn or "?", "group": group, "sha256": sha})
        if self.on_change is not None:
            self.on_change()
