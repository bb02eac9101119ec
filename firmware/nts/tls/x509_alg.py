# X.509 algorithm identifiers (RFC 5280 4.1.1.2, RFC 4055, RFC 5480, RFC 5758):
# signatureAlgorithm -> TLS SignatureScheme code, SubjectPublicKeyInfo -> the key tuple
# nts.crypto.signature takes. An algorithm we do not implement gives None, not an error:
# whether it matters depends on where the certificate sits in the path.
from micropython import const

from nts.tls import der

_MAX_RSA_BYTES = const(512)  # RSA-4096 (ISRG Root X1) is the largest key we accept

_RSA_ENCRYPTION = const(b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01")  # 1.2.840.113549.1.1.1
_RSASSA_PSS = const(b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a")    # 1.2.840.113549.1.1.10
_EC_PUBLIC_KEY = const(b"\x2a\x86\x48\xce\x3d\x02\x01")         # 1.2.840.10045.2.1
_P256 = const(b"\x2a\x86\x48\xce\x3d\x03\x01\x07")              # 1.2.840.10045.3.1.7
_P384 = const(b"\x2b\x81\x04\x00\x22")                          # 1.3.132.0.34

# signatureAlgorithm OID -> TLS SignatureScheme (RFC 8446 4.2.3) naming padding + hash.
# For ECDSA the code's curve is ignored: the issuer's key decides the curve.
_SIG_SCHEMES = {
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b": 0x0401,  # sha256WithRSAEncryption
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c": 0x0501,  # sha384WithRSAEncryption
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d": 0x0601,  # sha512WithRSAEncryption
    b"\x2a\x86\x48\xce\x3d\x04\x03\x02": 0x0403,      # ecdsa-with-SHA256
    b"\x2a\x86\x48\xce\x3d\x04\x03\x03": 0x0503,      # ecdsa-with-SHA384
}


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
    # RSASSA-PSS certificates are rare (Let's Encrypt and most CAs sign PKCS#1 v1.5):
    # its parameter parsing is imported only when one arrives.
    from nts.tls import x509_pss
    return x509_pss.scheme(alg)


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
