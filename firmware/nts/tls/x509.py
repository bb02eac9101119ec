# X.509 v3 certificate parsing (RFC 5280 section 4) for the NTS-KE server chain: only
# the fields path validation needs, each bounded. A parsed Certificate keeps the DER it
# came from and views into it (tbs), so a 3-5 KB chain is not copied again.
# Malformed input -> CertError reason "malformed"; an unknown critical extension ->
# "unknown_critical". An unsupported signature or key algorithm is NOT an error here
# (a self-signed root's own signature is never checked): sig_scheme / key are None and
# trust.verify_chain_steps refuses them if the path needs them.
from micropython import const

from nts.errors import CertError, ParseError
from nts.tls import der, x509_alg
from nts.wire import Reader

# KeyUsage bits (RFC 5280 4.2.1.3) as returned by der.named_bits.
KU_DIGITAL_SIGNATURE = const(0x01)
KU_KEY_CERT_SIGN = const(0x20)

_MAX_SAN = const(64)  # subjectAltName entries

# Encoded OID contents.
_CN = const(b"\x55\x04\x03")                                    # 2.5.4.3
_EXT_KEY_USAGE = const(b"\x55\x1d\x0f")                         # 2.5.29.15
_EXT_SAN = const(b"\x55\x1d\x11")                               # 2.5.29.17
_EXT_BASIC_CONSTRAINTS = const(b"\x55\x1d\x13")                 # 2.5.29.19
_EXT_EKU = const(b"\x55\x1d\x25")                               # 2.5.29.37
_EXT_SKI = const(b"\x55\x1d\x0e")                               # 2.5.29.14
_EXT_AKI = const(b"\x55\x1d\x23")                               # 2.5.29.35
SERVER_AUTH = b"\x2b\x06\x01\x05\x05\x07\x03\x01"               # 1.3.6.1.5.5.7.3.1

class Certificate:
    """The fields of one certificate that path validation uses.

    der          the certificate bytes (kept, not copied)
    tbs          memoryview of the signed TBSCertificate bytes within der
    sig_scheme   TLS SignatureScheme code, or None if the algorithm is unsupported
    signature    signature bytes
    issuer, subject   raw Name DER (compared byte-exact)
    not_before, not_after   unix seconds
    key          ("rsa", n, e) | ("rsa-pss", n, e) | ("ec", "p256"|"p384", point) | None
    dns_names    SAN dNSNames, lower case;  ip_addresses  SAN iPAddresses (4 or 16 bytes)
    ca, pathlen  basicConstraints (ca None when the extension is absent)
    key_usage    KU_* bits or None;  eku  list of KeyPurposeId OIDs (encoded) or None
    ski, aki     subject / authority key identifiers (bytes) or None: when both sides
                 have one they must agree, which tells same-named CAs apart
    """

    def __init__(self, der_bytes):
        self.der = der_bytes
        self.sig_scheme = None
        self.key = None
        self.dns_names = []
        self.ip_addresses = []
        self.ca = None
        self.pathlen = None
        self.key_usage = None
        self.eku = None
        self.ski = None
        self.aki = None

    def common_name(self):
        """Subject CN as text, for messages only (never used for matching)."""
        try:
            return _common_name(self.subject)
        except (ParseError, UnicodeError, ValueError):
            return None

    def __repr__(self):
        return "<Certificate %s>" % self.common_name()


def parse(data):
    """Parse one DER certificate; CertError (reason malformed/unknown_critical) if bad."""
    if not isinstance(data, bytes):
        data = bytes(data)
    try:
        return _parse(data)
    except ParseError as e:
        raise CertError(str(e), "malformed")


def _parse(data):
    # Certificate  ::=  SEQUENCE  {
    #      tbsCertificate       TBSCertificate,
    #      signatureAlgorithm   AlgorithmIdentifier,
    #      signatureValue       BIT STRING  }
    c = Certificate(data)
    top = Reader(data)
    cert = der.expect(top, der.SEQUENCE, "certificate")
    der.done(top, "certificate file")
    start, tbs = der.expect_span(cert, der.SEQUENCE, "tbsCertificate")
    c.tbs = memoryview(data)[start:tbs.end]
    alg_start, alg = der.expect_span(cert, der.SEQUENCE, "signatureAlgorithm")
    outer_alg = data[alg_start:alg.end]
    c.sig_scheme = x509_alg.signature_scheme(alg)
    c.signature = der.bit_string(cert).rest()
    der.done(cert, "certificate")
    _parse_tbs(c, tbs, outer_alg)
    return c


def _parse_tbs(c, tbs, outer_alg):
    # TBSCertificate  ::=  SEQUENCE  {
    #      version         [0]  EXPLICIT Version DEFAULT v1,
    #      serialNumber         CertificateSerialNumber,
    #      signature            AlgorithmIdentifier,
    #      issuer               Name,
    #      validity             Validity,
    #      subject              Name,
    #      subjectPublicKeyInfo SubjectPublicKeyInfo,
    #      issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
    #      subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
    #      extensions      [3]  EXPLICIT Extensions OPTIONAL }
    version = 0
    v = der.optional(tbs, 0xA0)
    if v is not None:
        version = der.integer(v, 1)
        der.done(v, "version")
        if version > 2:
            raise ParseError("x509: unknown version %d" % version)
    c.version = version + 1
    der.expect(tbs, der.INTEGER, "serialNumber")  # not used: skipped, not interpreted
    a_start, a = der.expect_span(tbs, der.SEQUENCE, "signature")
    if tbs.buf[a_start:a.end] != outer_alg:  # RFC 5280 4.1.1.2: MUST be identical
        raise ParseError("x509: inner and outer signature algorithms differ")
    c.issuer = _name(tbs, "issuer")
    val = der.expect(tbs, der.SEQUENCE, "validity")
    c.not_before = der.utc_time(val)
    c.not_after = der.utc_time(val)
    der.done(val, "validity")
    c.subject = _name(tbs, "subject")
    c.key = x509_alg.public_key(der.expect(tbs, der.SEQUENCE, "subjectPublicKeyInfo"))
    der.optional(tbs, 0x81)
    der.optional(tbs, 0x82)
    ext = der.optional(tbs, 0xA3)
    if ext is not None:
        if version != 2:
            raise ParseError("x509: extensions in a v%d certificate" % (version + 1))
        _extensions(c, ext)
        der.done(ext, "extensions")
    der.done(tbs, "tbsCertificate")


def _name(r, what):
    # Name ::= CHOICE { rdnSequence RDNSequence }; kept as raw DER for exact comparison.
    start, body = der.expect_span(r, der.SEQUENCE, what)
    return r.buf[start:body.end]


def _common_name(name):
    # RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
    # RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
    # AttributeTypeAndValue ::= SEQUENCE { type AttributeType, value AttributeValue }
    seq = der.expect(Reader(name), der.SEQUENCE, "name")
    cn = None
    while not seq.at_end():
        rdn = der.expect(seq, der.SET, "rdn")
        while not rdn.at_end():
            atv = der.expect(rdn, der.SEQUENCE, "attribute")
            if der.oid(atv) == _CN:
                cn = der.tlv(atv)[1].rest().decode()
    return cn


def _extensions(c, ext):
    # Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension
    # Extension  ::=  SEQUENCE  { extnID OBJECT IDENTIFIER,
    #                             critical BOOLEAN DEFAULT FALSE,
    #                             extnValue OCTET STRING }
    seq = der.expect(ext, der.SEQUENCE, "extensions")
    if seq.at_end():
        raise ParseError("x509: empty extensions")
    seen = []
    while not seq.at_end():
        e = der.expect(seq, der.SEQUENCE, "extension")
        oid = der.oid(e)
        critical = der.boolean(e) if der.peek(e) == der.BOOLEAN else False
        value = der.octets(e)
        der.done(e, "extension")
        if oid in seen:  # RFC 5280 4.2: at most one instance of an extension
            raise ParseError("x509: duplicate extension %s" % der.oid_str(oid))
        seen.append(oid)
        if oid == _EXT_SAN:
            _subject_alt_name(c, value)
        elif oid == _EXT_BASIC_CONSTRAINTS:
            _basic_constraints(c, value)
        elif oid == _EXT_KEY_USAGE:
            c.key_usage = der.named_bits(value)
        elif oid == _EXT_EKU:
            c.eku = _oid_list(value)
        elif oid == _EXT_SKI:
            # SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING)
            c.ski = der.octets(value).rest()
        elif oid == _EXT_AKI:
            c.aki = _authority_key_id(value)
        elif critical:
            raise CertError("unknown critical extension %s" % der.oid_str(oid),
                            "unknown_critical")
        else:
            continue
        der.done(value, "extension value")


def _subject_alt_name(c, value):
    # GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
    # GeneralName ::= CHOICE { ..., dNSName [2] IA5String, ..., iPAddress [7] OCTET STRING, ...}
    seq = der.expect(value, der.SEQUENCE, "subjectAltName")
    n = 0
    while not seq.at_end():
        n += 1
        if n > _MAX_SAN:
            raise ParseError("x509: too many subjectAltName entries")
        tag, body = der.tlv(seq)
        if tag == 0x82:
            name = body.rest()
            for ch in name:
                if ch < 0x21 or ch > 0x7E:
                    raise ParseError("x509: dNSName is not printable ASCII")
            c.dns_names.append(name.decode().lower())
        elif tag == 0x87:
            ip = body.rest()
            if len(ip) not in (4, 16):
                raise ParseError("x509: bad iPAddress length")
            c.ip_addresses.append(ip)


def _basic_constraints(c, value):
    # BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
    #                                 pathLenConstraint INTEGER (0..MAX) OPTIONAL }
    seq = der.expect(value, der.SEQUENCE, "basicConstraints")
    c.ca = der.boolean(seq) if der.peek(seq) == der.BOOLEAN else False
    if not seq.at_end():
        c.pathlen = der.integer(seq, 2)
    der.done(seq, "basicConstraints")


def _authority_key_id(value):
    # AuthorityKeyIdentifier ::= SEQUENCE {
    #     keyIdentifier             [0] KeyIdentifier           OPTIONAL,
    #     authorityCertIssuer       [1] GeneralNames            OPTIONAL,
    #     authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL }
    seq = der.expect(value, der.SEQUENCE, "authorityKeyIdentifier")
    kid = der.optional(seq, 0x80)
    der.optional(seq, 0xA1)
    der.optional(seq, 0x82)
    der.done(seq, "authorityKeyIdentifier")
    return kid.rest() if kid is not None else None


def _oid_list(value):
    # ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
    seq = der.expect(value, der.SEQUENCE, "extKeyUsage")
    out = []
    while not seq.at_end():
        if len(out) >= 16:
            raise ParseError("x509: too many key purposes")
        out.append(der.oid(seq))
    return out
