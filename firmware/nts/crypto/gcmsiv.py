"""AEAD_AES_128_GCM_SIV (RFC 8452), NTS AEAD id 30 (RFC 8915 5.1).

    encrypt(key16, nonce12, plaintext, ad) -> ciphertext || tag16
    decrypt(key16, nonce12, ciphertext_and_tag, ad) -> plaintext   # AuthError on mismatch

RFC 8452 4: per nonce, the key-generating key derives a POLYVAL key and an AES-128 key
from E(K, LE32(i) || nonce), i = 0..3 (first 8 bytes of each). The tag is E(enc_key,
POLYVAL(auth_key, AD, P, lengths) ^ nonce, top bit cleared); it is also the initial
counter (top bit set) of a CTR mode whose 32-bit counter is the first word, little-endian.
NTS derives fresh keys per packet, so nothing is cached between calls.
"""
import struct

from nts.crypto.aes import AES, CTR_LE32, ctr_xor
from nts.crypto.ghash import Polyval
from nts.crypto import ct
from nts.errors import AlgorithmError, AuthError

_TAG = 16


def _derive(key, nonce, backend):
    if len(key) != 16:
        raise AlgorithmError("AEAD_AES_128_GCM_SIV key must be 16 bytes")
    if len(nonce) != 12:
        raise AlgorithmError("AES-GCM-SIV nonce must be 12 bytes")
    nonce = bytes(nonce)
    k = AES(key, backend).encrypt_blocks(
        b"\x00\x00\x00\x00" + nonce + b"\x01\x00\x00\x00" + nonce
        + b"\x02\x00\x00\x00" + nonce + b"\x03\x00\x00\x00" + nonce)
    return k[0:8] + k[16:24], AES(k[32:40] + k[48:56], backend)


def _tag(auth_key, enc, nonce, ad, plaintext, ghash_backend):
    p = Polyval(auth_key, ghash_backend)
    p.update(ad)
    p.update(plaintext)
    p.update(struct.pack("<QQ", len(ad) << 3, len(plaintext) << 3))
    s = bytearray(p.digest())
    for i in range(12):
        s[i] ^= nonce[i]
    s[15] &= 0x7F
    return enc.encrypt_block(s)


def _counter(tag):
    c = bytearray(tag)
    c[15] |= 0x80
    return c


def encrypt(key, nonce, plaintext, ad, backend=None, ghash_backend=None):
    auth_key, enc = _derive(key, nonce, backend)
    tag = _tag(auth_key, enc, nonce, ad, plaintext, ghash_backend)
    return ctr_xor(enc, _counter(tag), plaintext, CTR_LE32) + tag


def decrypt(key, nonce, data, ad, backend=None, ghash_backend=None):
    auth_key, enc = _derive(key, nonce, backend)
    n = len(data) - _TAG
    if n < 0:
        raise AuthError("AES-GCM-SIV input shorter than its tag")
    tag = data[n:]
    plaintext = ctr_xor(enc, _counter(tag), data[:n], CTR_LE32)
    if not ct.equal(_tag(auth_key, enc, nonce, ad, plaintext, ghash_backend), tag):
        raise AuthError("AES-GCM-SIV tag mismatch")
    return plaintext
