# X25519 (RFC 7748 section 5): the TLS 1.3 key share mpnts offers first.
#
# Speed is the point here: a server drops a slow handshake, and the shared secret is on
# the critical path. Field elements are plain ints kept *loosely* reduced, below 2**256
# but not necessarily below p, and a product is reduced by folding: since
# 2**255 = 19 (mod p), y = (y & (2**255 - 1)) + 19 * (y >> 255) keeps y's residue and
# shrinks it by ~250 bits. Folding costs about half of `y % p`, and the bounds below let
# most intermediates get by with one fold instead of two. The inversion at the end is a
# blinded extended Euclid (nts.crypto.modinv): ~4x cheaper than an addition chain of
# folded squarings, ~7x cheaper than pow(z, p-2, p).
#
# The ladder runs the same operations for every key bit; the conditional swap selects
# from a pair by index instead of branching. Python's big-int arithmetic is not
# constant-time, so this bounds, not removes, the timing signal; the keys it handles are
# ephemeral (one per handshake). The inversion, whose run time depends on its input, only
# ever sees a randomly blinded value.
#
# With viper (nts.platform.viper_enabled()), the ladder's field arithmetic is instead the
# 32-bit-safe kernel of nts.crypto.x25519_viper (20 limbs of 13 bits, every intermediate
# below 2^31, so a board computes exactly what the 64-bit port does), driven by the same
# ladder code here; without viper, interpreting that limb code would be several times
# slower than the mpz folds, which stay the plain path.
#
# Slices (nts.slices): the ladder yields every LADDER_SLICE steps, at fixed step numbers
# (public). A fold step is ~0.13 M unix-port instructions, ~1.4 ms on an STM32F405
# estimate (tools/benches/boardtime.py); the inversion and the output are one more slice.
from array import array

from micropython import const

from nts import platform
from nts.crypto.modinv import inverse
from nts.errors import AuthError, ParseError
from nts.platform import random_bytes

_P = (1 << 255) - 19
_MASK = (1 << 255) - 1
_A24 = 121665  # (486662 - 2) / 4
BASE_POINT = b"\x09" + bytes(31)
LADDER_SLICE = const(12)  # ladder steps per slice: ~17 ms on the board estimate
_LIMBS = const(20)
_LIMB_BITS = const(13)
# 4p in 13-bit limbs, each above any normalized limb (x25519_viper.fsub adds it).
_FOUR_P = (32692,) + (32764,) * 18 + (1020,)

if platform.viper_enabled():
    from nts.crypto import x25519_viper as _field
else:
    _field = None


def _decode_scalar(k):
    # RFC 7748 5: clear bits 0-2 and 255, set bit 254.
    n = int.from_bytes(k, "little")
    return (n & ((1 << 254) - 8)) | (1 << 254)


def _ladder_steps(k, u):
    """Montgomery ladder over bits 254..0 of k: returns projective (x2, z2) of k*u.

    Bounds (the reason each value gets one fold or two): x2, z2, x3, z3 < 2**256 on entry
    to every step; a, b, c, d < 2**257; one fold of a product of those is < 2**264;
    adding C = p * 2**10 (> 2**264, a multiple of p) keeps a difference non-negative.
    """
    m = _MASK
    c_big = _P << 10
    p2 = 2 * _P
    x1 = u
    x2 = 1
    z2 = 0
    x3 = u
    z3 = 1
    swap = 0
    for t in range(254, -1, -1):
        bit = (k >> t) & 1
        swap ^= bit
        pair = (x2, x3)
        x2 = pair[swap]
        x3 = pair[1 - swap]
        pair = (z2, z3)
        z2 = pair[swap]
        z3 = pair[1 - swap]
        swap = bit
        a = x2 + z2
        aa = a * a
        aa = (aa & m) + 19 * (aa >> 255)
        b = x2 - z2 + p2
        bb = b * b
        bb = (bb & m) + 19 * (bb >> 255)
        c = x3 + z3
        d = x3 - z3 + p2
        da = d * a
        da = (da & m) + 19 * (da >> 255)
        cb = c * b
        cb = (cb & m) + 19 * (cb >> 255)
        x3 = da + cb
        x3 = x3 * x3                                  # < 2**530
        x3 = (x3 & m) + 19 * (x3 >> 255)              # < 2**280
        x3 = (x3 & m) + 19 * (x3 >> 255)              # < 2**256
        z3 = da - cb + c_big
        z3 = z3 * z3                                  # < 2**532
        z3 = x1 * ((z3 & m) + 19 * (z3 >> 255))       # < 2**255 * 2**282
        z3 = (z3 & m) + 19 * (z3 >> 255)
        z3 = (z3 & m) + 19 * (z3 >> 255)
        x2 = aa * bb
        x2 = (x2 & m) + 19 * (x2 >> 255)
        x2 = (x2 & m) + 19 * (x2 >> 255)
        e = aa - bb + c_big                           # < 2**266
        z2 = e * (aa + _A24 * e)                      # < 2**550
        z2 = (z2 & m) + 19 * (z2 >> 255)              # < 2**300
        z2 = (z2 & m) + 19 * (z2 >> 255)
        if t % LADDER_SLICE == 0:
            yield
    pair = (x2, x3)
    x2 = pair[swap]
    pair = (z2, z3)
    z2 = pair[swap]
    return x2, z2


def _to_limbs(n):
    a = array("i", bytes(4 * _LIMBS))
    for i in range(_LIMBS):
        a[i] = n & 0x1FFF
        n >>= _LIMB_BITS
    return a


def _from_limbs(a):
    n = 0
    for i in range(_LIMBS - 1, -1, -1):
        n = (n << _LIMB_BITS) | a[i]
    return n


def _limb_ladder_steps(k, u, f):
    """The Montgomery ladder of _ladder_steps on 13-bit limbs with the field operations
    of module f (x25519_viper, or its plain twin in the tests): projective (x2, z2)."""
    x1 = _to_limbs(u)
    x2 = _to_limbs(1)
    z2 = _to_limbs(0)
    x3 = _to_limbs(u)
    z3 = _to_limbs(1)
    a, aa, b, bb, c, d, e, da, cb = (_to_limbs(0) for _ in range(9))
    four_p = array("i", _FOUR_P)
    mul = f.fmul
    sq = f.fsq
    add = f.fadd
    sub = f.fsub
    swap = 0
    for step in range(254, -1, -1):
        bit = (k >> step) & 1
        swap ^= bit
        f.cswap(x2, x3, -swap)
        f.cswap(z2, z3, -swap)
        swap = bit
        add(a, x2, z2)
        sq(aa, a)
        sub(b, x2, z2, four_p)
        sq(bb, b)
        sub(e, aa, bb, four_p)
        add(c, x3, z3)
        sub(d, x3, z3, four_p)
        mul(da, d, a)
        mul(cb, c, b)
        add(x3, da, cb)
        sq(x3, x3)
        sub(z3, da, cb, four_p)
        sq(z3, z3)
        mul(z3, z3, x1)
        mul(x2, aa, bb)
        f.fmul_small(z2, e, _A24)
        add(z2, z2, aa)
        mul(z2, z2, e)
        if step % LADDER_SLICE == 0:
            yield
    f.cswap(x2, x3, -swap)
    f.cswap(z2, z3, -swap)
    return _from_limbs(x2), _from_limbs(z2)


def _invert(z):
    """z**-1 mod p (0 for z = 0 mod p). Euclid's run time depends on its input, so it
    only sees z*r for a fresh random r: the blind makes the input uniform, whatever z."""
    z %= _P
    if z == 0:
        return 0
    while True:
        r = int.from_bytes(random_bytes(32), "little") % _P
        if r:
            break
    return inverse(z * r % _P, _P) * r % _P


def shared_steps(k, u):
    """RFC 7748 X25519(k, u) on 32-byte strings, in slices; AuthError if the result is
    all zero.

    An all-zero output means u was a low-order point: RFC 7748 6.1 lets a party abort,
    and TLS 1.3 (RFC 8446 7.4.2) requires it.
    """
    if len(k) != 32 or len(u) != 32:
        raise ParseError("x25519: scalar and u-coordinate must be 32 bytes")
    # The top bit of u is masked (RFC 7748 5); values >= p are accepted, as required, and
    # stay within the ladder's bounds.
    k = _decode_scalar(k)
    u = int.from_bytes(u, "little") & _MASK
    if _field is None:
        x2, z2 = yield from _ladder_steps(k, u)
    else:
        x2, z2 = yield from _limb_ladder_steps(k, u, _field)
    r = x2 * _invert(z2) % _P
    if r == 0:
        raise AuthError("x25519: all-zero shared secret")
    return r.to_bytes(32, "little")


def keypair_steps():
    """A fresh (private, public) pair of 32-byte strings, in slices."""
    private = random_bytes(32)
    public = yield from shared_steps(private, BASE_POINT)
    return private, public
