"""AES-128/256 forward cipher (FIPS-197) and CTR keystreams for every mode mpnts uses.

API (shared by cmac, siv, gcm, gcmsiv):

    aes = AES(key, backend=None)    # key: 16 or 32 bytes; key schedule computed once here
    aes.backend                     # "cryptolib", "viper" or "tables"
    aes.encrypt_block(b16) -> bytes
    aes.encrypt_blocks(data) -> bytes     # ECB over len(data) % 16 == 0, one cipher call
    aes.cbc_mac(data) -> bytes            # last block of CBC(zero IV) over data (CMAC core)
    ctr_xor(aes, counter16, data, fmt) -> bytes
        XOR data with the keystream E(c0) || E(c1) || ..., c0 = counter16, and the counter
        advanced per block as fmt says:
          CTR_BE128  whole block, 128-bit big-endian (RFC 5297 SIV; caller clears bits)
          CTR_BE32   last 4 bytes, 32-bit big-endian, wraps mod 2^32 (GCM inc32)
          CTR_LE32   first 4 bytes, 32-bit little-endian, wraps mod 2^32 (RFC 8452)

Backends: "cryptolib" (C, ECB and CBC only, so CTR builds the counter blocks here and
encrypts a chunk of them in one call), "viper" (aes_viper.py, only when
nts.platform.viper_enabled()), "tables" (pure Python over aes_tables.py). Default: the
first available in that order. Keys never appear in repr.
"""
from micropython import const

from nts import platform
from nts.crypto.aes_tables import SBOX, SBOX2, SBOX3
from nts.errors import AlgorithmError

try:
    import cryptolib
except ImportError:
    cryptolib = None

CTR_BE128 = const(1)
CTR_BE32 = const(2)
CTR_LE32 = const(3)

_ECB = const(1)
_CBC = const(2)
# Keystream bytes per cipher call in ctr_xor: bounds the temporary heap on small boards.
_CHUNK = const(512)
_M32 = 0xFFFFFFFF
_M128 = (1 << 128) - 1


def _available():
    out = []
    if cryptolib is not None:
        out.append("cryptolib")
    if platform.viper_enabled():
        out.append("viper")
    out.append("tables")
    return tuple(out)


_BACKENDS = _available()  # decided once, at import (NTS_VIPER is read here)


def backends():
    """The backends this interpreter can run, fastest first."""
    return _BACKENDS


def expand_key(key):
    """FIPS-197 5.2 key expansion: bytes([nr]) + the (nr+1) 16-byte round keys."""
    nk = len(key) // 4
    nr = nk + 6
    w = bytearray(1 + 16 * (nr + 1))
    w[0] = nr
    w[1:1 + len(key)] = key
    rcon = 1
    for i in range(nk, 4 * (nr + 1)):
        p = 1 + 4 * (i - 1)
        t0, t1, t2, t3 = w[p], w[p + 1], w[p + 2], w[p + 3]
        if i % nk == 0:
            t0, t1, t2, t3 = SBOX[t1] ^ rcon, SBOX[t2], SBOX[t3], SBOX[t0]
            rcon = (rcon << 1) ^ (0x11B if rcon & 0x80 else 0)
        elif nk > 6 and i % nk == 4:
            t0, t1, t2, t3 = SBOX[t0], SBOX[t1], SBOX[t2], SBOX[t3]
        q = 1 + 4 * (i - nk)
        d = 1 + 4 * i
        w[d] = w[q] ^ t0
        w[d + 1] = w[q + 1] ^ t1
        w[d + 2] = w[q + 2] ^ t2
        w[d + 3] = w[q + 3] ^ t3
    return bytes(w)


def round_key_rows(key):
    """The round keys as nr+1 tuples of 16 ints: the table path's key schedule."""
    rk = expand_key(key)
    return tuple(tuple(rk[1 + 16 * r:17 + 16 * r]) for r in range(rk[0] + 1))


def _blocks_plain(rks, buf, n, chain):
    """Encrypt n 16-byte blocks of bytearray buf in place; rks = round_key_rows(key).

    With chain=1 each block is first XORed with the previous output block (CBC with a
    zero IV), so the last block of buf ends up as the CBC-MAC that CMAC needs.
    Plain twin of aes_viper.blocks, which takes expand_key()'s flat bytes instead:
    unpacking a row of round keys into locals is ~20% faster here than indexing bytes.
    """
    S = SBOX
    S2 = SBOX2
    S3 = SBOX3
    pairs = (len(rks) - 3) >> 1  # nr-1 full rounds: `pairs` times s->t->s, then s->t
    o = 0
    while n > 0:
        if chain and o:
            for i in range(o, o + 16):
                buf[i] ^= buf[i - 16]
        k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15 = rks[0]
        s0 = buf[o] ^ k0
        s1 = buf[o + 1] ^ k1
        s2 = buf[o + 2] ^ k2
        s3 = buf[o + 3] ^ k3
        s4 = buf[o + 4] ^ k4
        s5 = buf[o + 5] ^ k5
        s6 = buf[o + 6] ^ k6
        s7 = buf[o + 7] ^ k7
        s8 = buf[o + 8] ^ k8
        s9 = buf[o + 9] ^ k9
        s10 = buf[o + 10] ^ k10
        s11 = buf[o + 11] ^ k11
        s12 = buf[o + 12] ^ k12
        s13 = buf[o + 13] ^ k13
        s14 = buf[o + 14] ^ k14
        s15 = buf[o + 15] ^ k15
        r = 1
        for _ in range(pairs):
            k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15 = rks[r]
            t0 = S2[s0] ^ S3[s5] ^ S[s10] ^ S[s15] ^ k0
            t1 = S[s0] ^ S2[s5] ^ S3[s10] ^ S[s15] ^ k1
            t2 = S[s0] ^ S[s5] ^ S2[s10] ^ S3[s15] ^ k2
            t3 = S3[s0] ^ S[s5] ^ S[s10] ^ S2[s15] ^ k3
            t4 = S2[s4] ^ S3[s9] ^ S[s14] ^ S[s3] ^ k4
            t5 = S[s4] ^ S2[s9] ^ S3[s14] ^ S[s3] ^ k5
            t6 = S[s4] ^ S[s9] ^ S2[s14] ^ S3[s3] ^ k6
            t7 = S3[s4] ^ S[s9] ^ S[s14] ^ S2[s3] ^ k7
            t8 = S2[s8] ^ S3[s13] ^ S[s2] ^ S[s7] ^ k8
            t9 = S[s8] ^ S2[s13] ^ S3[s2] ^ S[s7] ^ k9
            t10 = S[s8] ^ S[s13] ^ S2[s2] ^ S3[s7] ^ k10
            t11 = S3[s8] ^ S[s13] ^ S[s2] ^ S2[s7] ^ k11
            t12 = S2[s12] ^ S3[s1] ^ S[s6] ^ S[s11] ^ k12
            t13 = S[s12] ^ S2[s1] ^ S3[s6] ^ S[s11] ^ k13
            t14 = S[s12] ^ S[s1] ^ S2[s6] ^ S3[s11] ^ k14
            t15 = S3[s12] ^ S[s1] ^ S[s6] ^ S2[s11] ^ k15
            k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15 = rks[r + 1]
            s0 = S2[t0] ^ S3[t5] ^ S[t10] ^ S[t15] ^ k0
            s1 = S[t0] ^ S2[t5] ^ S3[t10] ^ S[t15] ^ k1
            s2 = S[t0] ^ S[t5] ^ S2[t10] ^ S3[t15] ^ k2
            s3 = S3[t0] ^ S[t5] ^ S[t10] ^ S2[t15] ^ k3
            s4 = S2[t4] ^ S3[t9] ^ S[t14] ^ S[t3] ^ k4
            s5 = S[t4] ^ S2[t9] ^ S3[t14] ^ S[t3] ^ k5
            s6 = S[t4] ^ S[t9] ^ S2[t14] ^ S3[t3] ^ k6
            s7 = S3[t4] ^ S[t9] ^ S[t14] ^ S2[t3] ^ k7
            s8 = S2[t8] ^ S3[t13] ^ S[t2] ^ S[t7] ^ k8
            s9 = S[t8] ^ S2[t13] ^ S3[t2] ^ S[t7] ^ k9
            s10 = S[t8] ^ S[t13] ^ S2[t2] ^ S3[t7] ^ k10
            s11 = S3[t8] ^ S[t13] ^ S[t2] ^ S2[t7] ^ k11
            s12 = S2[t12] ^ S3[t1] ^ S[t6] ^ S[t11] ^ k12
            s13 = S[t12] ^ S2[t1] ^ S3[t6] ^ S[t11] ^ k13
            s14 = S[t12] ^ S[t1] ^ S2[t6] ^ S3[t11] ^ k14
            s15 = S3[t12] ^ S[t1] ^ S[t6] ^ S2[t11] ^ k15
            r += 2
        k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15 = rks[r]
        t0 = S2[s0] ^ S3[s5] ^ S[s10] ^ S[s15] ^ k0
        t1 = S[s0] ^ S2[s5] ^ S3[s10] ^ S[s15] ^ k1
        t2 = S[s0] ^ S[s5] ^ S2[s10] ^ S3[s15] ^ k2
        t3 = S3[s0] ^ S[s5] ^ S[s10] ^ S2[s15] ^ k3
        t4 = S2[s4] ^ S3[s9] ^ S[s14] ^ S[s3] ^ k4
        t5 = S[s4] ^ S2[s9] ^ S3[s14] ^ S[s3] ^ k5
        t6 = S[s4] ^ S[s9] ^ S2[s14] ^ S3[s3] ^ k6
        t7 = S3[s4] ^ S[s9] ^ S[s14] ^ S2[s3] ^ k7
        t8 = S2[s8] ^ S3[s13] ^ S[s2] ^ S[s7] ^ k8
        t9 = S[s8] ^ S2[s13] ^ S3[s2] ^ S[s7] ^ k9
        t10 = S[s8] ^ S[s13] ^ S2[s2] ^ S3[s7] ^ k10
        t11 = S3[s8] ^ S[s13] ^ S[s2] ^ S2[s7] ^ k11
        t12 = S2[s12] ^ S3[s1] ^ S[s6] ^ S[s11] ^ k12
        t13 = S[s12] ^ S2[s1] ^ S3[s6] ^ S[s11] ^ k13
        t14 = S[s12] ^ S[s1] ^ S2[s6] ^ S3[s11] ^ k14
        t15 = S3[s12] ^ S[s1] ^ S[s6] ^ S2[s11] ^ k15
        k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15 = rks[r + 1]
        buf[o] = S[t0] ^ k0
        buf[o + 1] = S[t5] ^ k1
        buf[o + 2] = S[t10] ^ k2
        buf[o + 3] = S[t15] ^ k3
        buf[o + 4] = S[t4] ^ k4
        buf[o + 5] = S[t9] ^ k5
        buf[o + 6] = S[t14] ^ k6
        buf[o + 7] = S[t3] ^ k7
        buf[o + 8] = S[t8] ^ k8
        buf[o + 9] = S[t13] ^ k9
        buf[o + 10] = S[t2] ^ k10
        buf[o + 11] = S[t7] ^ k11
        buf[o + 12] = S[t12] ^ k12
        buf[o + 13] = S[t1] ^ k13
        buf[o + 14] = S[t6] ^ k14
        buf[o + 15] = S[t11] ^ k15
        o += 16
        n -= 1


class AES:
    def __init__(self, key, backend=None):
        if len(key) not in (16, 32):
            raise AlgorithmError("AES key must be 16 or 32 bytes")
        if backend is None:
            backend = _BACKENDS[0]
        elif backend not in _BACKENDS:
            raise AlgorithmError("AES backend %s not available here" % backend)
        self.backend = backend
        if backend == "cryptolib":
            self._key = bytes(key)  # cbc_mac needs a fresh CBC object (its IV is state)
            self._ecb = cryptolib.aes(self._key, _ECB)
        elif backend == "viper":
            from nts.crypto.aes_viper import blocks
            self._rk = expand_key(key)
            self._blocks = blocks
        else:
            self._rk = round_key_rows(key)
            self._blocks = _blocks_plain

    def __repr__(self):
        return "<AES %s>" % self.backend

    def encrypt_block(self, block):
        if len(block) != 16:
            raise AlgorithmError("AES block must be 16 bytes")
        return self.encrypt_blocks(block)

    def encrypt_blocks(self, data):
        if len(data) & 15:
            raise AlgorithmError("AES input must be a multiple of 16 bytes")
        if self.backend == "cryptolib":
            return self._ecb.encrypt(data)
        buf = bytearray(data)
        self._blocks(self._rk, buf, len(buf) >> 4, 0)
        return bytes(buf)

    def cbc_mac(self, data):
        n = len(data)
        if n == 0 or n & 15:
            raise AlgorithmError("CBC-MAC input must be a non-empty multiple of 16 bytes")
        if self.backend == "cryptolib":
            return cryptolib.aes(self._key, _CBC, bytes(16)).encrypt(data)[-16:]
        buf = bytearray(data)
        self._blocks(self._rk, buf, n >> 4, 1)
        return bytes(buf[-16:])


def xor_bytes(a, b):
    """a XOR b for equal-length byte strings (one long-int op: fast on both interpreters)."""
    n = len(a)
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(n, "big")


def _counters(counter, first, count, fmt):
    if fmt == CTR_BE32:
        head = bytes(counter[:12])
        n = int.from_bytes(counter[12:16], "big") + first
        return b"".join(head + ((n + i) & _M32).to_bytes(4, "big") for i in range(count))
    if fmt == CTR_LE32:
        tail = bytes(counter[4:16])
        n = int.from_bytes(counter[:4], "little") + first
        return b"".join(((n + i) & _M32).to_bytes(4, "little") + tail for i in range(count))
    n = int.from_bytes(counter, "big") + first
    return b"".join(((n + i) & _M128).to_bytes(16, "big") for i in range(count))


def ctr_xor(aes, counter, data, fmt):
    """CTR mode: data XOR keystream from counter16 (see the module docstring for fmt)."""
    if len(counter) != 16 or fmt not in (CTR_BE128, CTR_BE32, CTR_LE32):
        raise AlgorithmError("CTR needs a 16-byte counter block and a known format")
    parts = []
    done = 0
    n = len(data)
    while done < n:
        take = min(_CHUNK, n - done)
        nblk = (take + 15) >> 4
        ks = aes.encrypt_blocks(_counters(counter, done >> 4, nblk, fmt))
        parts.append(xor_bytes(ks[:take], data[done:done + take]))
        done += take
    return b"".join(parts)
