# RSASSA-PSS signature parameters in certificates (RFC 4055 3.1) -> the TLS 1.3
# rsa_pss_rsae_* SignatureScheme, or None for any other shape. Imported by x509_alg
# only when a certificate is signed with RSASSA-PSS.
from micropython import const

from nts.tls import der

_MGF1 = const(b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08")  # 1.2.840.113549.1.1.8

# Hash OID (2.16.840.1.101.3.4.2.x) -> (rsa_pss_rsae scheme, hash length).
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


def scheme(alg):
    """The scheme for the RSASSA-PSS parameters left in `alg` (after the OID)."""
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
