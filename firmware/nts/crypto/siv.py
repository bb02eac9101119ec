"""AES-SIV (RFC 5297): the deterministic AEAD behind NTS AEAD id 15 (AEAD_AES_SIV_CMAC_256).

    s = SIV(key, backend=None)        # key 32 bytes (AES-128 pair) or 64 (AES-256 pair)
    s.encrypt(plaintext, ads) -> V || C        # ads: list of AD strings, nonce last
    s.decrypt(v_and_c, ads) -> plaintext       # AuthError on any mismatch or short input
    s.s2v(strings) -> 16 bytes                 # RFC 5297 2.4, strings = ads + [plaintext]

RFC 5297 3: K1 (left half) keys S2V/CMAC, K2 (right half) keys CTR; the CTR counter is
the synthetic IV V with bits 31 and 63 cleared, incremented as a 128-bit integer.
"""
from nts.crypto.aes import AES, CTR_BE128, ctr_xor, xor_bytes
from nts.crypto.cmac import CMAC, dbl
from nts.crypto import ct
from nts.errors import AlgorithmError, AuthError

_ZERO = bytes(16)
# RFC 5297 2.6: Q = V bitand (1^64 || 0^1 || 1^31 || 0^1 || 1^31)
_CTR_MASK = b"\xff" * 8 + b"\x7f\xff\xff\xff\x7f\xff\xff\xff"
_MAX_ADS = 126  # S2V takes at most 127 vectors: 126 AD components plus the plaintext


def _and(a, b):
    return (int.from_bytes(a, "big") & int.from_bytes(b, "big")).to_bytes(16, "big")


class SIV:
    def __init__(self, key, backend=None):
        n = len(key)
        if n not in (32, 64):
            raise AlgorithmError("AES-SIV key must be 32 or 64 bytes")
        self._cmac = CMAC(AES(key[:n // 2], backend))
        self._ctr = AES(key[n // 2:], backend)
        self._d0 = self._cmac.mac(_ZERO)  # S2V's first step depends on the key only

    def __repr__(self):
        return "<SIV %s>" % self._ctr.backend

    def s2v(self, strings):
        mac = self._cmac.mac
        d = self._d0
        for s in strings[:-1]:
            d = xor_bytes(dbl(d), mac(s))
        last = strings[-1]
        n = len(last)
        if n >= 16:
            t = bytearray(last)
            t[n - 16:] = xor_bytes(t[n - 16:], d)
        else:
            t = bytearray(16)
            t[:n] = last
            t[n] = 0x80
            t = xor_bytes(dbl(d), t)
        return mac(t)

    def _check(self, ads):
        if len(ads) > _MAX_ADS:
            raise AlgorithmError("AES-SIV takes at most 126 associated data strings")

    def encrypt(self, plaintext, ads):
        self._check(ads)
        v = self.s2v(list(ads) + [plaintext])
        return v + ctr_xor(self._ctr, _and(v, _CTR_MASK), plaintext, CTR_BE128)

    def decrypt(self, data, ads):
        self._check(ads)
        if len(data) < 16:
            raise AuthError("AES-SIV input shorter than its tag")
        v = data[:16]
        plaintext = ctr_xor(self._ctr, _and(v, _CTR_MASK), data[16:], CTR_BE128)
        if not ct.equal(self.s2v(list(ads) + [plaintext]), v):
            raise AuthError("AES-SIV authentication failed")
        return plaintext
