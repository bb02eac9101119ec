# Trust anchors in named groups and NTS-KE server chain validation (RFC 5280 section 6,
# reduced to what a TLS server chain needs; hostname per RFC 6125).
#
# Groups: the OCPP time white paper gives each server a group of root CAs (RootCAs,
# e.g. "legalTimeCA": for the PTB servers just ISRG Root X1) instead of the web PKI.
# An anchor is matched by subject name AND public key, so a look-alike root with the same
# name is untrusted. An anchor may also be an intermediate or a pinned self-signed server
# certificate: whatever the group holds is trusted as is.
#
# Time (CertTimePolicy): with a trusted clock every certificate in the path must satisfy
# notBefore <= now <= notAfter. A board that has just booted may not know the time (RTC
# reset to 2000 by a power loss, DS3231 oscillator stop): then NO date is compared with
# that clock (nts.engine decides when; trusted=False). Even so any certificate whose
# notAfter lies before `floor` (firmware build time, or the last time we trusted,
# persisted) is refused: the true time is known to be later than the floor, so such a
# certificate has certainly expired, and a replayed long-expired certificate with a
# leaked key can never pass. The policy records the validity window of every
# certificate it checked and, once a chain verified, the leaf's SHA-256 and names, so
# the engine can check the session again once the clock is trusted (nts.state.CertRecord)
# and count servers sharing a certificate once (nts.sources).
import gc

from micropython import const

from nts.errors import CertError, ConfigError, ParseError, SignatureError
from nts.tls import MAX_CHAIN, x509
from nts.tls.hostname import matches as hostname_matches

MAX_PATH = const(5)       # certificates from leaf to anchor, anchor included
MIN_RSA_BITS = const(2048)

# Only heaps that report mem_free (MicroPython) are small; CPython's full collection is
# slow. Tested here rather than via nts.platform, whose import costs the 100 KB heap.
_COLLECT_BEFORE_VERIFY = hasattr(gc, "mem_free")

# rsa_pss_rsae_* (rsaEncryption key) -> rsa_pss_pss_* (id-RSASSA-PSS key), RFC 8446 4.2.3.
_PSS_KEY_SCHEME = {0x0804: 0x0809, 0x0805: 0x080A, 0x0806: 0x080B}


class CertTimePolicy:
    """How certificate dates are checked (see the module comment), and what was seen.

    now      current unix seconds (ignored when not trusted)
    trusted  whether `now` comes from a clock we trust
    floor    unix seconds the true time is known to be after (build time / last good
             time); used when the clock is not trusted
    After a check: not_before / not_after, the window in which every certificate checked
    is valid; after a verified chain: leaf_sha256 and, when `names` is set, subject and
    issuer (the leaf's CN texts, or None) and expires (the leaf's notAfter).
    """
    names = False

    def __init__(self, now, trusted=True, floor=0):
        self.now = now
        self.trusted = trusted
        self.floor = floor
        self.not_before = 0
        self.not_after = None
        self.leaf_sha256 = self.subject = self.issuer = self.expires = None

    def check(self, cert):
        nb, na = cert.not_before, cert.not_after
        self.not_before = max(self.not_before, nb)
        self.not_after = na if self.not_after is None else min(self.not_after, na)
        if self.trusted:
            if self.now < nb:
                raise CertError("%s not valid before %s" % (_label(cert), _iso(nb)),
                                "not_yet_valid")
            if self.now > na:
                raise CertError("%s expired at %s" % (_label(cert), _iso(na)), "expired")
        elif na < self.floor:
            raise CertError("%s expired at %s, before the time floor %s"
                            % (_label(cert), _iso(na), _iso(self.floor)), "expired")


class TrustStore:
    """Trust anchors by group name. Only subject, key and dates of an anchor are kept."""

    def __init__(self):
        self._groups = {}

    def add(self, group, der_bytes):
        cert = x509.parse(der_bytes)
        if cert.key is None:
            raise CertError("anchor %s has an unsupported key" % _label(cert),
                            "unsupported_algorithm")
        cert.der = cert.tbs = cert.signature = None  # anchors need no signature data
        self._groups.setdefault(group, []).append(cert)
        return cert

    def load(self, group, path):
        """Add the certificates of a DER file or a PEM file (read line by line, so a
        bundle need not fit in RAM); return how many."""
        from nts.tls import pem
        with open(path, "rb") as f:
            first = f.read(1)
            if first == b"\x30":  # a DER certificate starts with a SEQUENCE
                self.add(group, first + f.read())
                return 1
            f.seek(0)
            n = 0
            for der_bytes in pem.certificates_in_file(f):
                self.add(group, der_bytes)
                n += 1
            return n

    def anchors(self, group):
        return self._groups.get(group, [])

    def groups(self):
        return list(self._groups)


def verify_chain_steps(chain, hostname, store, group, policy, purpose=None):
    """Validate a server's Certificate message in slices (nts.slices: one per certificate
    parsed, and the signature checks' own); return the leaf's public key tuple.

    chain: DER certificates, leaf first, then the rest in any order (RFC 8446 4.4.2.2
    lets servers send extra or unordered CA certificates). The path is built by
    issuer/subject name, at most MAX_PATH long, and must end at an anchor of `group`.
    Cheap checks (names, constraints, usage, dates) run before any signature.
    Every refusal is a CertError with a `reason` from CertError.REASONS.
    purpose: (encoded KeyPurposeId, its name) the leaf's extendedKeyUsage must list
    (nts.smgw: timeStamping); None: serverAuth or no extendedKeyUsage (RFC 5280 4.2.1.12).
    """
    anchors = store.anchors(group)
    if not anchors:
        raise ConfigError("RootCAs", "no trust anchors in group %r" % group)
    if not chain:
        raise CertError("server sent no certificate", "untrusted")
    if len(chain) > MAX_CHAIN:
        raise CertError("server sent %d certificates" % len(chain), "path_too_long")
    certs = []
    for d in chain:
        certs.append(x509.parse(d))
        yield
    leaf = certs[0]
    _check_leaf(leaf, hostname, purpose)
    policy.check(leaf)
    path, anchor_candidates = _build_path(certs, anchors, policy)
    for i in range(len(path) - 1):
        yield from _verify_signature_steps(path[i], path[i + 1].key, path[i + 1])
    top = path[-1]
    if anchor_candidates:
        yield from _verify_against_anchors_steps(top, anchor_candidates)
    import hashlib
    policy.leaf_sha256 = hashlib.sha256(leaf.der).digest()
    if policy.names:    # for people (nts ke); the engine keeps only the hash
        policy.subject = leaf.common_name()
        policy.issuer = _issuer_cn(leaf)
        policy.expires = leaf.not_after
    return leaf.key


def _check_leaf(leaf, hostname, purpose=None):
    if not hostname_matches(leaf.dns_names, leaf.ip_addresses, hostname):
        raise CertError("%s is not valid for %s" % (_label(leaf), hostname), "name_mismatch")
    if leaf.key is None or (leaf.key[0] != "ec" and _too_small(leaf.key[1])):
        raise CertError("leaf key is unsupported or too small", "unsupported_algorithm")
    if leaf.key_usage is not None and not leaf.key_usage & x509.KU_DIGITAL_SIGNATURE:
        raise CertError("leaf keyUsage lacks digitalSignature", "bad_usage")
    if purpose is not None:
        if leaf.eku is None or purpose[0] not in leaf.eku:
            raise CertError("leaf extendedKeyUsage lacks " + purpose[1], "bad_usage")
    elif leaf.eku is not None and x509.SERVER_AUTH not in leaf.eku:
        raise CertError("leaf extendedKeyUsage lacks serverAuth", "bad_usage")


def _is_anchor(cert, anchors):
    for a in anchors:
        if a.subject == cert.subject and a.key == cert.key:
            return True
    return False


def _build_path(certs, anchors, policy):
    """Return (path, anchors to check the top's signature with). The path runs from the
    leaf up; it ends either at a cert that is itself an anchor (second item empty) or at
    a cert whose issuer names one or more anchors."""
    path = [certs[0]]
    unused = certs[1:]
    while True:
        cur = path[-1]
        if _is_anchor(cur, anchors):
            return path, []
        named = [a for a in anchors if _issued_by(cur, a)]
        if named:
            # Every candidate is an acceptable issuer only if it is a usable CA.
            usable = []
            for a in named:
                policy.check(a)
                _check_issuer(a, len(path) - 1, True)
                usable.append(a)
            if len(path) + 1 > MAX_PATH:
                raise CertError("path longer than %d" % MAX_PATH, "path_too_long")
            return path, usable
        issuer = None
        for c in unused:
            if _issued_by(cur, c):
                issuer = c
                break
        if issuer is None:
            raise CertError("no trusted issuer for %s (issued by %s)"
                            % (_label(cur), _issuer(cur)), "untrusted")
        if len(path) + 1 >= MAX_PATH:
            raise CertError("path longer than %d" % MAX_PATH, "path_too_long")
        unused.remove(issuer)
        if issuer.subject == issuer.issuer and not _is_anchor(issuer, anchors):
            raise CertError("self-signed %s is not a trust anchor" % _label(issuer),
                            "untrusted")
        policy.check(issuer)
        _check_issuer(issuer, len(path) - 1, False)
        path.append(issuer)


def _issued_by(cert, issuer):
    """Name chaining (RFC 5280 6.1.4 (a)), narrowed by key identifiers when both exist."""
    if issuer.subject != cert.issuer:
        return False
    return cert.aki is None or issuer.ski is None or cert.aki == issuer.ski


def _check_issuer(cert, cas_below, is_anchor):
    """RFC 5280 6.1.4 (k), (l), (n): an issuer must be a CA, allowed to sign
    certificates, with `cas_below` intermediates under it within its pathLenConstraint.
    A sent intermediate needs basicConstraints cA=TRUE (a v1 one is refused, as OpenSSL
    does); an anchor only must not say cA=FALSE (old v1 roots were configured on purpose)."""
    if cert.ca is False or (cert.ca is None and not is_anchor):
        raise CertError("%s is not a CA" % _label(cert), "not_ca")
    if cert.key_usage is not None and not cert.key_usage & x509.KU_KEY_CERT_SIGN:
        raise CertError("%s keyUsage lacks keyCertSign" % _label(cert), "bad_usage")
    if cert.pathlen is not None and cas_below > cert.pathlen:
        raise CertError("%s allows %d CAs below it, path has %d"
                        % (_label(cert), cert.pathlen, cas_below), "path_too_long")


def _verify_against_anchors_steps(cert, anchors):
    err = None
    for a in anchors:
        try:
            yield from _verify_signature_steps(cert, a.key, a)
            return
        except CertError as e:
            err = e
    raise err


def _verify_signature_steps(cert, key, issuer):
    scheme = cert.sig_scheme
    if scheme is None or key is None:
        raise CertError("%s: unsupported signature or issuer key" % _label(cert),
                        "unsupported_algorithm")
    kind = key[0]
    if kind != "ec" and _too_small(key[1]):
        raise CertError("%s: RSA key under %d bits" % (_label(issuer), MIN_RSA_BITS),
                        "unsupported_algorithm")
    if kind == "rsa-pss":
        scheme = _PSS_KEY_SCHEME.get(scheme, scheme)
    # Imported here, not at the top: loading trust groups and matching names at boot
    # needs neither the hashes nor RSA, and RAM is short on boards loading .py/.mpy.
    from nts.crypto import signature
    # The big-int work needs blocks of up to 2x the modulus; collecting the parser's
    # garbage first lets small heaps find them (about a ms, against tens for the verify).
    if _COLLECT_BEFORE_VERIFY:
        gc.collect()
    try:
        # In X.509 the ECDSA algorithm names only the hash; the issuer key's curve is
        # the curve (P-384 CAs signing with ecdsa-with-SHA256 are legal).
        yield from signature.verify_steps(scheme, key, cert.tbs, cert.signature,
                                          curve_must_match=False)
    except SignatureError as e:
        raise CertError("%s: signature by %s does not verify (%s)"
                        % (_label(cert), _label(issuer), e), "bad_signature")
    except ImportError:  # a board build without nts.crypto.ec (RSA-only manifest)
        raise CertError("%s: no ECDSA support in this build" % _label(cert),
                        "unsupported_algorithm")


def _too_small(n):
    # Fewer than MIN_RSA_BITS bits (MicroPython ints have no bit_length()).
    return not n >> (MIN_RSA_BITS - 1)


def _label(cert):
    cn = cert.common_name()
    return repr(cn) if cn is not None else "certificate"


def _issuer_cn(cert):
    # The issuer's CN as the server presented it (for people, never for matching).
    try:
        return x509._common_name(cert.issuer)
    except (ParseError, UnicodeError, ValueError):
        return None


def _issuer(cert):
    cn = _issuer_cn(cert)
    return repr(cn) if cn is not None else "an issuer without a common name"


def _iso(secs):
    # Only on refusals: the calendar is not loaded for a good chain.
    from rtc.civil import iso_utc
    return iso_utc(secs)
