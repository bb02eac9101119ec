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
# With viper (nts.platform.viper_enabled()), the ladder and the inversion instead run in
# the 32-bit-safe kernel of nts.crypto.x25519_viper (20 limbs of 13 bits, every
# intermediate below 2^31, so a board computes exactly what the 64-bit port does), one
# call per slice of steps; the inversion there is Fermat's, constant-time. Without
# viper, interpreting that limb code would be several times slower than the mpz folds,
# which stay the plain path. Shared secret with the kernel: ~8.96 M unix-port
# instructions (~8.1 M of them the 255 steps, ~0.6 M the inversion), ~99 ms on an
# STM32F405 estimate (11.0 ns per instruction, tools/benches/boardtime.py).
#
# Slices (nts.slices): the ladder yields every LADDER_SLICE steps, at fixed step numbers
# (public). A fold step is ~0.13 M unix-port instructions, ~1.4 ms on an STM32F405
# estimate (tools/benches/boardtime.py), a kernel step ~32k, ~0.35 ms; the inversion and
# the output are one more slice (the kernel's: its last three steps too, ~7 ms).
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
_FOLD_STEPS = const(12)  # mpz fold ladder steps per slice: ~17 ms on the board estimate
_KERNEL_STEPS = const(51)  # kernel ladder steps per slice: ~18 ms on the board estimate
_DOUBLING_FROM = const(252)  # the kernel's steps for bits 2-0: doublings only
_LIMBS = const(20)
_LIMB_BITS = const(13)

if platform.viper_enabled():
    from nts.crypto import x25519_viper as _field
else:
    _field = None
# Ladder steps per slice on this interpreter's path.
LADDER_SLICE = _FOLD_STEPS if _field is None else _KERNEL_STEPS


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


def _put_limbs(st, slot, n):
    for i in range(slot * _LIMBS, (slot + 1) * _LIMBS):
        st[i] = n & 0x1FFF
        n >>= _LIMB_BITS


def _get_limbs(st, slot):
    # Through bytes with small ints: shifting a growing 260-bit int 20 times costs ~10x.
    out = bytearray(33)
    acc = 0
    bits = 0
    j = 0
    for i in range(slot * _LIMBS, (slot + 1) * _LIMBS):
        acc |= st[i] << bits
        bits += _LIMB_BITS
        while bits >= 8:
            out[j] = acc & 0xFF
            acc >>= 8
            bits -= 8
            j += 1
    out[j] = acc
    return int.from_bytes(out, "little")


def _limb_shared_steps(k, u, f):
    """k*u as an int (0 for a low-order u): the Montgomery ladder of _ladder_steps and
    the inversion, on 13-bit limbs, run by module f's programs (x25519_viper, or its
    plain twin in the tests) a slice at a time."""
    st = array("i", bytes(4 * _LIMBS * f.SLOTS))
    _put_limbs(st, 0, u)    # x1
    _put_limbs(st, 1, 1)    # x2 (z2 = 0)
    _put_limbs(st, 3, u)    # x3
    _put_limbs(st, 4, 1)    # z3
    # Step s (bit 254 - s) doubles (x3, z3) instead of (x2, z2), RFC 7748's swap, when
    # that bit differs from the one before (bit 255 is 0): bits of k ^ (k >> 1); the
    # kernel turns each into a mask, never a branch.
    sw = (k ^ (k >> 1)).to_bytes(32, "little")
    for first in range(0, _DOUBLING_FROM, LADDER_SLICE):
        f.run(0, 0, st, f.STEP, sw, first, min(first + LADDER_SLICE, _DOUBLING_FROM))
        yield
    # Bits 2-0 of a decoded scalar are 0: those steps only double, and no swap follows
    # the last (RFC 7748 5). Then x2 / z2 by Fermat, constant-time like the steps.
    f.run(0, 0, st, f.DOUBLE, sw, _DOUBLING_FROM, 255)
    f.run(0, 0, st, f.INVERT, sw, 0, 1)
    return _get_limbs(st, 1) % _P


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
        r = x2 * _invert(z2) % _P
    else:
        r = yield from _limb_shared_steps(k, u, _field)
    if r == 0:
        raise AuthError("x25519: all-zero shared secret")
    return r.to_bytes(32, "little")


def keypair_steps():
    """A fresh (private, public) pair of 32-byte strings, in slices."""
    private = random_bytes(32)
    public = yield from shared_steps(private, BASE_POINT)
    return private, public
