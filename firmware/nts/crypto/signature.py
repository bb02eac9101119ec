# The one signature dispatcher for x509 (certificate signatures) and TLS 1.3
# (CertificateVerify): a SignatureScheme code (RFC 8446 4.2.3) picks padding, hash and
# curve; the key is the tuple x509 public-key parsing returns:
#   ("rsa", n, e)                 rsaEncryption key: any RSA scheme
#   ("rsa-pss", n, e)             id-RSASSA-PSS key: only rsa_pss_pss_* (RFC 8446 4.2.3)
#   ("ec", "p256"|"p384", point)  uncompressed SEC1 point
# Which schemes a context allows (RFC 8446 forbids rsa_pkcs1 in CertificateVerify but
# allows it in certificates) is for the caller to decide; this module only verifies.
from micropython import const

from nts.crypto import hashes
from nts.crypto import rsa
from nts.errors import SignatureError

RSA_PKCS1_SHA256 = const(0x0401)
RSA_PKCS1_SHA384 = const(0x0501)
RSA_PKCS1_SHA512 = const(0x0601)
ECDSA_SECP256R1_SHA256 = const(0x0403)
ECDSA_SECP384R1_SHA384 = const(0x0503)
RSA_PSS_RSAE_SHA256 = const(0x0804)
RSA_PSS_RSAE_SHA384 = const(0x0805)
RSA_PSS_RSAE_SHA512 = const(0x0806)
RSA_PSS_PSS_SHA256 = const(0x0809)
RSA_PSS_PSS_SHA384 = const(0x080A)
RSA_PSS_PSS_SHA512 = const(0x080B)

# Preference order for the ClientHello signature_algorithms extension: SHA-256 first (the
# SHA-384/512 fallback is pure Python on boards), RSA before ECDSA at equal hash because
# an RSA verify is several times cheaper than an ECDSA one on the MCU.
SUPPORTED_SCHEMES = (
    RSA_PSS_RSAE_SHA256, ECDSA_SECP256R1_SHA256, RSA_PKCS1_SHA256,
    RSA_PSS_RSAE_SHA384, ECDSA_SECP384R1_SHA384, RSA_PKCS1_SHA384,
    RSA_PSS_RSAE_SHA512, RSA_PKCS1_SHA512,
    RSA_PSS_PSS_SHA256, RSA_PSS_PSS_SHA384, RSA_PSS_PSS_SHA512,
)

# scheme -> (padding, hash, curve)
_SCHEMES = {
    RSA_PKCS1_SHA256: ("pkcs1", "sha256", None),
    RSA_PKCS1_SHA384: ("pkcs1", "sha384", None),
    RSA_PKCS1_SHA512: ("pkcs1", "sha512", None),
    RSA_PSS_RSAE_SHA256: ("rsae", "sha256", None),
    RSA_PSS_RSAE_SHA384: ("rsae", "sha384", None),
    RSA_PSS_RSAE_SHA512: ("rsae", "sha512", None),
    RSA_PSS_PSS_SHA256: ("pss", "sha256", None),
    RSA_PSS_PSS_SHA384: ("pss", "sha384", None),
    RSA_PSS_PSS_SHA512: ("pss", "sha512", None),
    ECDSA_SECP256R1_SHA256: ("ecdsa", "sha256", "p256"),
    ECDSA_SECP384R1_SHA384: ("ecdsa", "sha384", "p384"),
}


def digest(hash_name, data):
    """The digest of data with "sha256", "sha384" or "sha512"."""
    return hashes.digest(hash_name, data)


def verify_steps(scheme, key, message, signature, salt_len=None, curve_must_match=True):
    """Verify `signature` over `message` (hashed here) with `key`, in slices (nts.slices);
    SignatureError if not.

    salt_len: RSA-PSS salt length; None means the hash length (what TLS 1.3 requires;
    x509 passes the value from RSASSA-PSS-params). curve_must_match=False lets x509 check
    e.g. ecdsa-with-SHA384 made with a P-256 key: the scheme then only names the hash.
    """
    entry = _SCHEMES.get(scheme)
    if entry is None:
        raise SignatureError("unsupported signature scheme 0x%04x" % scheme)
    padding, hash_name, curve = entry
    if not isinstance(key, tuple) or len(key) != 3:
        raise SignatureError("bad public key")
    kind = key[0]
    if padding == "ecdsa":
        if kind != "ec" or (curve_must_match and key[1] != curve):
            raise SignatureError("key does not match scheme 0x%04x" % scheme)
        from nts.crypto import ec  # lazily: an RSA-only build may leave ec out
        yield from ec.ecdsa_verify_steps(key[1], key[2], hashes.digest(hash_name, message),
                                         signature)
        return
    if not (kind == "rsa" or (kind == "rsa-pss" and padding == "pss")):
        raise SignatureError("key does not match scheme 0x%04x" % scheme)
    h = hashes.digest(hash_name, message)
    if padding == "pkcs1":
        yield from rsa.verify_pkcs1v15_steps(key[1], key[2], hash_name, h, signature)
    else:
        yield from rsa.verify_pss_steps(key[1], key[2], hash_name, h, signature, salt_len)
