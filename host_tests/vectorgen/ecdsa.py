"""ECDSA P-256/P-384 signatures (RFC 6979 deterministic, from cryptography) over seeded
keys and messages; the high-s twin (n - s, also valid); and invalid ones: tampered
signature, message or key, r/s of 0, n or +n, DER faults (non-minimal or negative
INTEGER, trailing bytes, bad lengths) and bad public points.

Case: curve, hash, pub, msg, sig (hex), valid, what.
"""
import random

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)

_CURVES = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}
_HASH = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_N = {"p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
      "p384": int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
                  "581a0db248b0a77aecec196accc52973", 16)}
_P = {"p256": 2 ** 256 - 2 ** 224 + 2 ** 192 + 2 ** 96 - 1,
      "p384": 2 ** 384 - 2 ** 128 - 2 ** 96 + 2 ** 32 - 1}


def _key(curve, rng):
    n = 2 ** (256 if curve == "p256" else 384) // 2
    return ec.derive_private_key(rng.randrange(1, n), _CURVES[curve])


def _pub(key):
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def _sign(key, hash_name, msg):
    return key.sign(msg, ec.ECDSA(_HASH[hash_name](), deterministic_signing=True))


def _case(curve, hash_name, pub, msg, sig, valid, what):
    return {"curve": curve, "hash": hash_name, "pub": pub.hex(), "msg": msg.hex(),
            "sig": sig.hex(), "valid": valid, "what": what}


def _der_int(v, pad=b""):
    body = pad + v.to_bytes((v.bit_length() + 8) // 8, "big")
    return b"\x02" + bytes([len(body)]) + body


def _der_seq(body):
    return b"\x30" + bytes([len(body)]) + body


def cases():
    rng = random.Random(6979)
    for curve, hash_name, count in (("p256", "sha256", 24), ("p384", "sha384", 10),
                                    ("p256", "sha384", 2), ("p256", "sha512", 2),
                                    ("p384", "sha256", 2), ("p384", "sha512", 2)):
        for _ in range(count):
            key = _key(curve, rng)
            msg = rng.randbytes(rng.randrange(0, 100))
            sig = _sign(key, hash_name, msg)
            key.public_key().verify(sig, msg, ec.ECDSA(_HASH[hash_name]()))
            yield _case(curve, hash_name, _pub(key), msg, sig, True, "valid")

    for curve, hash_name in (("p256", "sha256"), ("p384", "sha384")):
        key = _key(curve, rng)
        pub = _pub(key)
        n = _N[curve]
        msg = rng.randbytes(32)
        sig = _sign(key, hash_name, msg)
        r, s = decode_dss_signature(sig)
        high = encode_dss_signature(r, n - s)
        key.public_key().verify(high, msg, ec.ECDSA(_HASH[hash_name]()))
        yield _case(curve, hash_name, pub, msg, high, True, "high s")

        def bad(what, sig=sig, msg=msg, pub=pub):
            return _case(curve, hash_name, pub, msg, sig, False, what)

        for i in (6, len(sig) // 2, len(sig) - 1):
            flipped = bytearray(sig)
            flipped[i] ^= 0x10
            yield bad("sig byte %d flipped" % i, bytes(flipped))
        yield bad("message changed", msg=msg + b"\x00")
        yield bad("wrong key", pub=_pub(_key(curve, rng)))
        for what, rr, ss in (("r = 0", 0, s), ("s = 0", r, 0), ("r = n", n, s), ("s = n", r, n),
                             ("r + n", r + n, s), ("s + n", r, s + n), ("r = s = 1", 1, 1)):
            yield bad(what, _der_seq(_der_int(rr) + _der_int(ss)))
        yield bad("r not minimal", _der_seq(_der_int(r, b"\x00") + _der_int(s)))
        neg = r.to_bytes((r.bit_length() + 7) // 8, "big")
        if neg[0] & 0x80:
            yield bad("r negative", _der_seq(b"\x02" + bytes([len(neg)]) + neg + _der_int(s)))
        yield bad("trailing byte", sig + b"\x00")
        yield bad("trailing in sequence", _der_seq(_der_int(r) + _der_int(s) + b"\x05\x00"))
        yield bad("truncated", sig[:-1])
        yield bad("sequence length too long", b"\x30" + bytes([sig[1] + 1]) + sig[2:])
        yield bad("long-form length not minimal", b"\x30\x81" + bytes([sig[1]]) + sig[2:])
        yield bad("integer tag wrong", sig[:2] + b"\x03" + sig[3:])
        yield bad("empty", b"")
        yield bad("raw r||s", r.to_bytes(len(pub) // 2, "big") + s.to_bytes(len(pub) // 2, "big"))
        size = (len(pub) - 1) // 2
        y = int.from_bytes(pub[1 + size:], "big")
        yield bad("point y + 1", pub=pub[:1 + size] + ((y + 1) % _P[curve]).to_bytes(size, "big"))
        yield bad("point x = p", pub=b"\x04" + _P[curve].to_bytes(size, "big") + pub[1 + size:])
        yield bad("compressed point", pub=bytes([2 + (y & 1)]) + pub[1:1 + size])
        yield bad("hybrid point prefix", pub=b"\x06" + pub[1:])
        yield bad("point truncated", pub=pub[:-1])
        yield bad("infinity", pub=b"\x00")
