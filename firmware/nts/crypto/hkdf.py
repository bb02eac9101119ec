"""HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) over hashlib.sha256.

    hmac_sha256(key, data) -> 32 bytes
    extract(salt, ikm) -> prk            # empty/None salt means 32 zero bytes (RFC 5869 2.2)
    expand(prk, info, length) -> okm     # length <= 255 * 32

MicroPython's hashlib has no copy(), so each MAC hashes the padded key afresh; there is
no hash state worth precomputing.
"""
import hashlib

from nts.crypto.aes import xor_bytes
from nts.errors import AlgorithmError

_BLOCK = 64
_IPAD = b"\x36" * _BLOCK
_OPAD = b"\x5c" * _BLOCK


def _mac(key, parts):
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key + bytes(_BLOCK - len(key))
    inner = hashlib.sha256(xor_bytes(key, _IPAD))
    for p in parts:
        inner.update(p)
    outer = hashlib.sha256(xor_bytes(key, _OPAD))
    outer.update(inner.digest())
    return outer.digest()


def hmac_sha256(key, data):
    return _mac(key, (data,))


def extract(salt, ikm):
    return _mac(salt or bytes(32), (ikm,))


def expand(prk, info, length):
    if length < 0 or length > 255 * 32:
        raise AlgorithmError("HKDF-SHA256 output must be at most 8160 bytes")
    out = bytearray(length)
    t = b""
    have = 0
    i = 1
    while have < length:
        t = _mac(prk, (t, info, bytes((i,))))
        take = min(32, length - have)
        out[have:have + take] = t[:take]
        have += take
        i += 1
    return bytes(out)
