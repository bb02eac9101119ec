"""AES-GCM (NIST SP 800-38D) with 96-bit nonces and 16-byte tags, for
TLS_AES_128_GCM_SHA256 (RFC 8446 5.2: one AESGCM per traffic key, one call per record).

    g = AESGCM(key, backend=None, ghash_backend=None)   # key 16 or 32 bytes
    g.encrypt(nonce12, plaintext, ad) -> ciphertext || tag16
    g.decrypt(nonce12, ciphertext_and_tag, ad) -> plaintext   # AuthError on mismatch
    g.decrypt(nonce12, ciphertext_and_tag, ad, defer=pending) -> plaintext, unverified:
        the tag is appended to the list `pending` for g.check_deferred_steps(pending)
        later (TLS 1.3 handshake records, whose plaintext the Finished MAC covers anyway)

The key schedule, H = E(K, 0^128) and the GHASH tables are made once, in the
constructor; a record then costs the CTR keystream, one GHASH pass and E(K, J0).
"""
import struct

from micropython import const

from nts import slices
from nts.crypto.aes import AES, CTR_BE32, ctr_xor, xor_bytes
from nts.crypto.ghash import GHash
from nts.crypto import ct
from nts.errors import AlgorithmError, AuthError

_TAG = 16
# Deferred tags are checked in slices (nts.slices) of this many bytes: 16 blocks of the
# plain GHASH twin, ~0.1 M unix-port instructions a block, ~19 ms on the board estimate
# (tools/benches/boardtime.py). A record tag checked at once is one slice.
DEFERRED_SLICE = const(256)
_WHOLE = const(1 << 30)


class AESGCM:
    def __init__(self, key, backend=None, ghash_backend=None):
        self._aes = AES(key, backend)
        self._ghash = GHash(self._aes.encrypt_block(bytes(16)), ghash_backend)

    def __repr__(self):
        return "<AESGCM %s/%s>" % (self._aes.backend, self._ghash.backend)

    def _tag_steps(self, j0, ad, ciphertext, chunk):
        # GHASH pads each update to a block: chunk must be a multiple of 16.
        g = self._ghash
        g.reset()
        g.update(ad)
        c = memoryview(ciphertext)
        for i in range(0, len(c), chunk):
            g.update(c[i:i + chunk])
            yield
        # SP 800-38D 7.1 step 5: [len(A)]_64 || [len(C)]_64, in bits
        g.update(struct.pack(">QQ", len(ad) << 3, len(ciphertext) << 3))
        return xor_bytes(self._aes.encrypt_block(j0), g.digest())

    def _tag(self, j0, ad, ciphertext):
        return slices.run(self._tag_steps(j0, ad, ciphertext, _WHOLE))

    def _j0(self, nonce):
        if len(nonce) != 12:
            raise AlgorithmError("AES-GCM nonce must be 12 bytes")
        return bytes(nonce) + b"\x00\x00\x00\x01"

    def encrypt(self, nonce, plaintext, ad):
        j0 = self._j0(nonce)
        c = ctr_xor(self._aes, bytes(nonce) + b"\x00\x00\x00\x02", plaintext, CTR_BE32)
        return c + self._tag(j0, ad, c)

    def decrypt(self, nonce, data, ad, defer=None):
        j0 = self._j0(nonce)
        n = len(data) - _TAG
        if n < 0:
            raise AuthError("AES-GCM input shorter than its tag")
        c = data[:n]
        if defer is None:
            if not ct.equal(self._tag(j0, ad, c), data[n:]):
                raise AuthError("AES-GCM tag mismatch")
        else:
            defer.append((j0, bytes(ad), c, data[n:]))
        return ctr_xor(self._aes, bytes(nonce) + b"\x00\x00\x00\x02", c, CTR_BE32)

    def check_deferred_steps(self, pending):
        """Check the tags decrypt(..., defer=pending) left unchecked, in slices; AuthError
        on any."""
        for j0, ad, c, tag in pending:
            mine = yield from self._tag_steps(j0, ad, c, DEFERRED_SLICE)
            if not ct.equal(mine, tag):
                raise AuthError("AES-GCM tag mismatch")
