"""AES-CMAC (RFC 4493) over an nts.crypto.aes.AES object.

    CMAC(aes).mac(message) -> 16-byte tag
    dbl(block16) -> block16       # doubling in GF(2^128), also used by S2V (RFC 5297)

The subkeys K1, K2 are derived once per key. The CBC chain runs in one cipher call
(cryptolib CBC) or one kernel call (tables/viper), via AES.cbc_mac.
"""
from nts.crypto.aes import xor_bytes

_ZERO = bytes(16)
_M128 = (1 << 128) - 1


def dbl(block):
    # RFC 4493 2.3 / RFC 5297 2.3: shift left one bit, fold the carry with 0x87.
    v = int.from_bytes(block, "big") << 1
    if v >> 128:
        v = (v & _M128) ^ 0x87
    return v.to_bytes(16, "big")


class CMAC:
    def __init__(self, aes):
        self._aes = aes
        self._k1 = dbl(aes.encrypt_block(_ZERO))
        self._k2 = dbl(self._k1)

    def __repr__(self):
        return "<CMAC>"

    def mac(self, message):
        # One buffer, so any bytes-like message works (memoryview slices included).
        n = len(message)
        complete = n and not n & 15
        size = n if complete else (n | 15) + 1
        buf = bytearray(size)
        buf[:n] = message
        if not complete:
            buf[n] = 0x80
        last = size - 16
        buf[last:] = xor_bytes(buf[last:], self._k1 if complete else self._k2)
        return self._aes.cbc_mac(buf)
