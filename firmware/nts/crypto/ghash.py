"""GHASH (NIST SP 800-38D 6.4) and POLYVAL (RFC 8452 3) with Shoup's 4-bit tables.

    g = GHash(h16, backend=None)    # h16 = E(K, 0^128); tables built once per key
    g.update(data)                  # absorb data, zero-padded to a 16-byte boundary
    g.digest() -> 16 bytes          # the running hash (state is kept)
    g.reset()
    p = Polyval(h16, backend=None)  # same API, RFC 8452 POLYVAL

Backends: "viper" (ghash_viper.py, only when nts.platform.viper_enabled()) and "tables"
(plain Python, the viper kernel's twin). Both read the same nibble tables.

Representation (same algorithm, timed on the 64-bit unix port of an idle machine):
one 128-bit int ~8.5 us/block, 2x64-bit limbs ~16, 4x32-bit limbs ~7, 8x16-bit
limbs ~10. On 64-bit only the first two make bignums; on a board (31-bit small ints)
every XOR and shift of the 128-bit int or of a 32-bit limb allocates a bignum (the 2x64
figure shows what that costs), while 16-bit limbs never do. So the state is eight
16-bit limbs: no per-byte allocation, same code on every port.

Field convention (SP 800-38D 6.3): a block read as a big-endian integer holds the
coefficient of x^i at bit 127-i, so multiplying by x is a right shift, and x^128 reduces
to 0xE1 << 120. The product X*H is taken one byte of X at a time, from byte 15 down
(Horner): Z = Z*x^8 + X[k]*H. X[k]*H is MH[high nibble] ^ ML[low nibble] (16 entries
each, ML = MH*x^4), and Z*x^8 is a limb shift plus the reduction of the dropped byte t.
"""
import struct
from array import array

from nts import platform
from nts.errors import AlgorithmError

_E1 = 0xE1 << 120
_M32 = 0xFFFFFFFF  # passed to the viper kernel: a literal this wide does not compile there


def reduce8(t):
    """Reduction of byte t shifted out by Z*x^8, as the 16 bits to XOR into Z's top.

    It is t (carryless) times 0xE1, shifted left once: bit b of t stands for x^(135-b),
    which is x^(7-b) * x^128 = x^(7-b) * (1 + x + x^2 + x^7).
    """
    return (t << 8) ^ (t << 7) ^ (t << 6) ^ (t << 1)


_R8 = array("H", [reduce8(t) for t in range(256)])


def mulx(v):
    """v * x in GCM's bit order (RFC 8452 mulX_GHASH), v a 128-bit int."""
    return (v >> 1) ^ (_E1 if v & 1 else 0)


def nibble_tables(h):
    """(MH, ML): n*H and n*H*x^4 as 128-bit ints, where nibble bit 3 is x^0."""
    hx = [h]
    for _ in range(7):
        hx.append(mulx(hx[-1]))
    mh = [0] * 16
    ml = [0] * 16
    for bit in range(4):
        mh[8 >> bit] = hx[bit]
        ml[8 >> bit] = hx[bit + 4]
    for n in range(3, 16):
        low = n & -n
        if low != n:  # linear: split off the lowest set bit
            mh[n] = mh[low] ^ mh[n ^ low]
            ml[n] = ml[low] ^ ml[n ^ low]
    return mh, ml


def _limbs16(v):
    return struct.unpack(">8H", v.to_bytes(16, "big"))


def _absorb_plain(state, mh, ml, data, n, rev):
    """Absorb n whole blocks of data into state (a list of eight 16-bit limbs, limb 0
    most significant): state = (state ^ block) * H per block. With rev=1 every block is
    byte-reversed first (POLYVAL). Plain twin of ghash_viper.absorb."""
    r = _R8
    unpack = struct.unpack_from
    pack = struct.pack
    fmt = "<8H" if rev else ">8H"
    z0, z1, z2, z3, z4, z5, z6, z7 = state
    off = 0
    while n > 0:
        a = unpack(fmt, data, off)
        # The bytes of X = Z ^ block, last byte first (the Horner order): one small
        # allocation per block, then a plain byte loop.
        if rev:
            xb = pack("<8H", z7 ^ a[0], z6 ^ a[1], z5 ^ a[2], z4 ^ a[3],
                      z3 ^ a[4], z2 ^ a[5], z1 ^ a[6], z0 ^ a[7])
        else:
            xb = pack("<8H", z7 ^ a[7], z6 ^ a[6], z5 ^ a[5], z4 ^ a[4],
                      z3 ^ a[3], z2 ^ a[2], z1 ^ a[1], z0 ^ a[0])
        z0 = z1 = z2 = z3 = z4 = z5 = z6 = z7 = 0
        for b in xb:
            p0, p1, p2, p3, p4, p5, p6, p7 = mh[b >> 4]
            q0, q1, q2, q3, q4, q5, q6, q7 = ml[b & 15]
            t = z7 & 0xFF
            z7 = ((z6 & 0xFF) << 8 | z7 >> 8) ^ p7 ^ q7
            z6 = ((z5 & 0xFF) << 8 | z6 >> 8) ^ p6 ^ q6
            z5 = ((z4 & 0xFF) << 8 | z5 >> 8) ^ p5 ^ q5
            z4 = ((z3 & 0xFF) << 8 | z4 >> 8) ^ p4 ^ q4
            z3 = ((z2 & 0xFF) << 8 | z3 >> 8) ^ p3 ^ q3
            z2 = ((z1 & 0xFF) << 8 | z2 >> 8) ^ p2 ^ q2
            z1 = ((z0 & 0xFF) << 8 | z1 >> 8) ^ p1 ^ q1
            z0 = (z0 >> 8) ^ r[t] ^ p0 ^ q0
        off += 16
        n -= 1
    state[:] = (z0, z1, z2, z3, z4, z5, z6, z7)


def backends():
    """The GHASH backends this interpreter can run, fastest first."""
    return ["viper", "tables"] if platform.viper_enabled() else ["tables"]


class GHash:
    _rev = 0

    def __init__(self, h, backend=None):
        if len(h) != 16:
            raise AlgorithmError("GHASH key must be 16 bytes")
        if backend is None:
            backend = backends()[0]
        elif backend not in backends():
            raise AlgorithmError("GHASH backend %s not available here" % backend)
        self.backend = backend
        mh, ml = nibble_tables(self._key_int(h))
        if backend == "viper":
            from nts.crypto.ghash_viper import absorb, pack_tables
            self._absorb_viper = absorb
            self._ctx = pack_tables(mh, ml)
        else:
            self._mh = [_limbs16(v) for v in mh]
            self._ml = [_limbs16(v) for v in ml]
            self._y = [0] * 8
        self._pad = bytearray(16)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.backend)

    def _key_int(self, h):
        return int.from_bytes(h, "big")

    def _absorb(self, data, n):
        if self.backend == "viper":
            self._absorb_viper(self._ctx, data, (n << 1) | self._rev, _M32)
        else:
            _absorb_plain(self._y, self._mh, self._ml, data, n, self._rev)

    def reset(self):
        if self.backend == "viper":
            for i in range(4):
                self._ctx[i] = 0
        else:
            self._y[:] = (0, 0, 0, 0, 0, 0, 0, 0)

    def update(self, data):
        n = len(data)
        full = n >> 4
        if full:
            self._absorb(data, full)
        tail = n & 15
        if tail:
            pad = self._pad
            pad[:tail] = data[n - tail:]
            for i in range(tail, 16):
                pad[i] = 0
            self._absorb(pad, 1)

    def digest(self):
        # POLYVAL's result is the byte-reversed GHASH state (MicroPython has no [::-1])
        if self.backend == "viper":
            c = self._ctx
            if self._rev:
                return struct.pack("<4I", c[3], c[2], c[1], c[0])
            return struct.pack(">4I", c[0], c[1], c[2], c[3])
        y = self._y
        if self._rev:
            return struct.pack("<8H", y[7], y[6], y[5], y[4], y[3], y[2], y[1], y[0])
        return struct.pack(">8H", y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7])


class Polyval(GHash):
    """RFC 8452 Appendix A: POLYVAL(H, X_1..X_n) = ByteReverse(GHASH(
    mulX_GHASH(ByteReverse(H)), ByteReverse(X_1), ..., ByteReverse(X_n)))."""
    _rev = 1

    def _key_int(self, h):
        return mulx(int.from_bytes(h, "little"))
