# X.509 algorithm identifiers (RFC 5280 4.1.1.2, RFC 4055, RFC 5480, RFC 5758):
# signatureAlgorithm -> TLS SignatureScheme code, SubjectPublicKeyInfo -> the key tuple
# nts.crypto.signature takes. An algorithm we do not implement gives None, not an error:
# whether it matters depends on where the certificate sits in the path.
from micropython import const

from nts.tls import der

_MAX_RSA_BYTES = const(512)  # RSA-4096 (ISRG Root X1) is the largest key we accept

_RSA_ENCRYPTION = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"       # 1.2.840.113549.1.1.1
_RSASSA_PSS = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"           # 1.2.840.113549.1.1.10
_MGF1 = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08"                 # 1.2.840.113549.1.1.8
_EC_PUBLIC_KEY = b"\x2a\x86\x48\xce\x3d\x02\x01"                # 1.2.840.10045.2.1
_P256 = b"\x2a\x86\x48\xce\x3d\x03\x01\x07"                     # 1.2.840.10045.3.1.7
_P384 = b"\x2b\x81\x04\x00\x22"                                 # 1.3.132.0.34

# signatureAlgorithm OID -> TLS SignatureScheme (RFC 8446 4.2.3) naming padding + hash.
# For ECDSA the code's curve is ignored: the issuer's key decides the curve.
_SIG_SCHEMES = {
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b": 0x0401,  # sha256WithRSAEncryption
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c": 0x0501,  # sha384WithRSAEncryption
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d": 0x0601,  # sha512WithRSAEncryption
    b"\x2a\x86\x48\xce\x3d\x04\x03\x02": 0x0403,      # ecdsa-with-SHA256
    b"\x2a\x86\x48\xce\x3d\x04\x03\x03": 0x0503,      # ecdsa-with-SHA384
}
# Hash OID (2.16.840.1.101.3.4.2.x) -> (rsa_pss_rsae scheme, hash length) for RSASSA-PSS.
_PSS_HASHES = {
    b"\x60\x86\x48\x01\x65\x03\x04\x02\x01": (0x0804, 32),  # sha256
    b"\x60\x86\x48\x01\x65\x03\x04\x02\x02": (0x0805, 48),  # sha384
    b"\x60\x86\x48\x01\x65\x03\x04\x02\x03": (0x0806, 64),  # sha512
}


def _hash_alg(r):
    # HashAlgorithm ::= AlgorithmIdentifier; parameters NULL or absent (RFC 4055 2.1).
    alg = der.expect(r, der.SEQUENCE, "hashAlgorithm")
    h = der.oid(alg)
    if not alg.at_end():
        der.null(alg)
    der.done(alg, "hashAlgorithm")
    return h


def signature_scheme(alg):
    # AlgorithmIdentifier  ::=  SEQUENCE  { algorithm OBJECT IDENTIFIER,
    #                                      parameters ANY DEFINED BY algorithm OPTIONAL }
    oid = der.oid(alg)
    scheme = _SIG_SCHEMES.get(oid)
    if scheme is not None:
        if scheme & 0xFF == 0x01 and not alg.at_end():  # RSA: NULL (RFC 4055 5)
            der.null(alg)
        der.done(alg, "signatureAlgorithm")             # ECDSA: absent (RFC 5758 3.2)
        return scheme
    if oid != _RSASSA_PSS:
        return None
    # RSASSA-PSS-params  ::=  SEQUENCE  {
    #     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1,
    #     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
    #     saltLength         [2] INTEGER DEFAULT 20,
    #     trailerField       [3] TrailerField DEFAULT trailerFieldBC }
    # Only the TLS 1.3 shape is accepted: MGF1 with the same hash, salt = hash length.
    p = der.expect(alg, der.SEQUENCE, "RSASSA-PSS-params")
    der.done(alg, "signatureAlgorithm")
    h = der.optional(p, 0xA0)
    if h is None:
        return None  # SHA-1 default
    hash_oid = _hash_alg(h)
    der.done(h, "hashAlgorithm")
    entry = _PSS_HASHES.get(hash_oid)
    mgf = der.optional(p, 0xA1)
    if mgf is None or entry is None:
        return None
    m = der.expect(mgf, der.SEQUENCE, "maskGenAlgorithm")
    mgf_oid = der.oid(m)
    mgf_hash = _hash_alg(m)
    der.done(m, "maskGenAlgorithm")
    der.done(mgf, "maskGenAlgorithm")
    salt = der.optional(p, 0xA2)
    salt_len = 20
    if salt is not None:
        salt_len = der.integer(salt, 2)
        der.done(salt, "saltLength")
    trailer = der.optional(p, 0xA3)
    if trailer is not None:
        if der.integer(trailer, 1) != 1:
            return None
        der.done(trailer, "trailerField")
    der.done(p, "RSASSA-PSS-params")
    if mgf_oid != _MGF1 or mgf_hash != hash_oid or salt_len != entry[1]:
        return None
    return entry[0]


def public_key(spki):
    # SubjectPublicKeyInfo  ::=  SEQUENCE  { algorithm AlgorithmIdentifier,
    #                                        subjectPublicKey BIT STRING }
    alg = der.expect(spki, der.SEQUENCE, "algorithm")
    oid = der.oid(alg)
    params = der.tlv(alg) if not alg.at_end() else None
    der.done(alg, "algorithm")
    bits = der.bit_string(spki)
    der.done(spki, "subjectPublicKeyInfo")
    if oid == _RSA_ENCRYPTION or oid == _RSASSA_PSS:
        # RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
        seq = der.expect(bits, der.SEQUENCE, "RSAPublicKey")
        der.done(bits, "subjectPublicKey")
        nb = der.integer_body(seq, _MAX_RSA_BYTES + 1024)
        e = der.integer(seq, 4)
        der.done(seq, "RSAPublicKey")
        if nb.remaining() > _MAX_RSA_BYTES:
            return None  # larger than RSA-4096: unsupported, not malformed
        n = int.from_bytes(nb.buf[nb.pos:nb.end], "big")
        return ("rsa" if oid == _RSA_ENCRYPTION else "rsa-pss", n, e)
    if oid == _EC_PUBLIC_KEY:
        # ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... } (RFC 5480 2.1.1)
        if params is None or params[0] != der.OID:
            return None
        curve_oid = params[1].rest()
        point = bits.rest()
        if curve_oid == _P256 and len(point) == 65 and point[0] == 4:
            return ("ec", "p256", point)
        if curve_oid == _P384 and len(point) == 97 and point[0] == 4:
            return ("ec", "p384", point)
    return None
