"""The X25519 ladder kernel is 32-bit safe (issue 14): its plain twin
(host_tests/portable/x25519_twin.py, generated with the viper kernel from one
description by tools/gen_x25519_field.py) runs the whole ladder on checked integers
that fail on any value outside [-2^31, 2^31) and on any limb stored negative, over RFC
7748's vectors, edge-case u values (0, 1, p-1, p, p+1, 2^255-1, all-ones limbs) and
random inputs; and interval arithmetic bounds every intermediate for all inputs at once,
so RFC 7748's 1,000-iteration chain (run on the kernel itself by test_x25519 on the
MicroPython unix port) stays in range too.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host_tests", "portable"))

import x25519_twin  # noqa: E402
from nts import slices  # noqa: E402
from nts.crypto import x25519  # noqa: E402

LIMIT = 1 << 31


class Checked(int):
    """An int whose every arithmetic result must fit a signed 32-bit word."""

    def _c(self, v):
        if not -LIMIT <= v < LIMIT:
            raise OverflowError("intermediate %d outside 32-bit words" % v)
        return Checked(v)

    def __add__(self, o): return self._c(int(self) + int(o))
    __radd__ = __add__
    def __sub__(self, o): return self._c(int(self) - int(o))
    def __rsub__(self, o): return self._c(int(o) - int(self))
    def __mul__(self, o): return self._c(int(self) * int(o))
    __rmul__ = __mul__
    def __and__(self, o): return self._c(int(self) & int(o))
    __rand__ = __and__
    def __xor__(self, o): return self._c(int(self) ^ int(o))
    __rxor__ = __xor__
    def __rshift__(self, o): return self._c(int(self) >> int(o))
    def __neg__(self): return self._c(-int(self))


class Words(list):
    """An array of words: what is stored must be a checked, non-negative word."""

    def __setitem__(self, i, v):
        if not 0 <= v < LIMIT:
            raise OverflowError("stored limb %d outside [0, 2^31)" % v)
        list.__setitem__(self, i, Checked(v))


class CheckedKernel:
    """x25519_twin's programs on Words, every value checked (the state is copied into
    Words for each call and back after)."""

    SLOTS = x25519_twin.SLOTS
    STEP, DOUBLE, INVERT = x25519_twin.STEP, x25519_twin.DOUBLE, x25519_twin.INVERT

    @staticmethod
    def run(v, x, st, prog, sw, first, end):
        words = Words(Checked(w) for w in st)
        x25519_twin.run(v, x, words, prog, sw, first, end)
        for i, w in enumerate(words):
            st[i] = int(w)


def _ladder_checked(k_bytes, u_bytes):
    k = x25519._decode_scalar(k_bytes)
    u = int.from_bytes(u_bytes, "little") & x25519._MASK
    return slices.run(x25519._limb_shared_steps(k, u, CheckedKernel)).to_bytes(32, "little")


class Interval:
    """[lo, hi] of an integer expression: every operation's result range is checked."""

    def __init__(self, lo, hi):
        if not (-LIMIT <= lo <= hi < LIMIT):
            raise OverflowError("interval [%d, %d] outside 32-bit words" % (lo, hi))
        self.lo, self.hi = lo, hi

    @staticmethod
    def of(v):
        return v if isinstance(v, Interval) else Interval(v, v)

    def __add__(self, o):
        o = Interval.of(o)
        return Interval(self.lo + o.lo, self.hi + o.hi)
    __radd__ = __add__

    def __sub__(self, o):
        o = Interval.of(o)
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __mul__(self, o):
        o = Interval.of(o)
        ends = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)
        return Interval(min(ends), max(ends))
    __rmul__ = __mul__

    def __and__(self, mask):
        # Only masks of low bits occur (0x1FFF, 0xFF); their operands are non-negative.
        if self.lo < 0 or mask < 0 or mask & (mask + 1):
            raise ValueError("unexpected mask")
        return Interval(0 if self.hi > mask else self.lo, min(self.hi, mask))

    def __rshift__(self, n):
        return Interval(self.lo >> n, self.hi >> n)

    def __xor__(self, o):
        # Only the select uses xor: x ^ ((y ^ x) & m) with m 0 or -1, which is x or y.
        if isinstance(o, Interval):
            return _Xor(self, o)
        if isinstance(o, _Xor) and self in o.pair:
            return o.pair[1] if o.pair[0] is self else o.pair[0]
        if isinstance(o, _Zero):
            return self
        raise ValueError("unexpected xor")


class _Xor:
    """y ^ x of two intervals, kept as the pair: only a select uses it."""

    def __init__(self, a, b):
        self.pair = (a, b)

    def __and__(self, m):
        if m == 0:
            return _Zero()
        if m == -1:
            return self
        raise ValueError("unexpected select mask")


class _Zero:
    """(y ^ x) & 0."""


def _normalized():
    # Limb bounds of a normalized element (x25519_viper's header), and of _put_limbs(u).
    return [Interval(0, 8191)] * 2 + [Interval(0, 8193)] + [Interval(0, 8191)] * 16 \
        + [Interval(0, 255)]


def test_interval_bounds_hold_for_every_input():
    # Every slot starts as any normalized element; one ladder step of the twin on
    # intervals, with the select's mask 0 and -1, must keep every intermediate a word and
    # leave every slot normalized again, so by induction no input and no step count (the
    # 1,000-iteration chain included) leaves the bounds. The step runs every operation
    # of the kernel, each on normalized operands; the doubling steps and the inversion
    # are programs of the same operations, and run here too.
    slots = x25519_twin.SLOTS
    for sw in (bytes(32), b"\xff" * 32):
        for prog in (x25519_twin.STEP, x25519_twin.STEP, x25519_twin.DOUBLE,
                     x25519_twin.INVERT):
            st = []
            for _ in range(slots):
                st += _normalized()
            x25519_twin.run(0, 0, st, prog, sw, 0, 1)
            for slot in range(slots):
                for i, bound in enumerate(_normalized()):
                    got = st[slot * 20 + i]
                    assert bound.lo <= got.lo and got.hi <= bound.hi, (slot, i, got.lo,
                                                                       got.hi)


_P = x25519._P
_VECTORS = (
    # RFC 7748 5.2
    ("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"),
    ("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"),
    # RFC 7748 5.2, first iteration of the chain (k = u = 9)
    ("09" + "00" * 31, "09" + "00" * 31,
     "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"),
)


def test_checked_ladder_rfc7748_vectors():
    for k, u, out in _VECTORS:
        assert _ladder_checked(bytes.fromhex(k), bytes.fromhex(u)).hex() == out


def _reference(k, u):
    from cryptography.hazmat.primitives.asymmetric.x25519 import (X25519PrivateKey,
                                                                  X25519PublicKey)
    return X25519PrivateKey.from_private_bytes(k).exchange(
        X25519PublicKey.from_public_bytes(u))


def test_checked_ladder_edge_and_random_inputs():
    # u = 0, 1 and p-1 are low order (all-zero result); p, p+1 and 2^255-1 are values
    # >= p a peer may send (RFC 7748 5), 2^256-1 the all-ones string (top bit masked).
    edge = [0, 1, _P - 1, _P, _P + 1, (1 << 255) - 1, (1 << 256) - 1]
    rnd = [int.from_bytes(os.urandom(32), "little") for _ in range(3)]
    for i, u in enumerate(edge + rnd):
        k = os.urandom(32) if i % 2 else b"\xff" * 32
        ub = u.to_bytes(32, "little")
        got = _ladder_checked(k, ub)
        try:
            want = _reference(k, ub)
        except ValueError:      # a low-order point (0, 1, p-1 and their aliases >= p)
            want = bytes(32)
        assert got == want, i


def _step_reference(x1, x2, z2, x3, z3, swap):
    # One ladder step of RFC 7748 5 on integers mod p.
    if swap:
        x2, x3, z2, z3 = x3, x2, z3, z2
    a, b = x2 + z2, x2 - z2
    aa, bb = a * a, b * b
    e = aa - bb
    c, d = x3 + z3, x3 - z3
    da, cb = d * a, c * b
    return [v % _P for v in (x1, aa * bb, e * (aa + 121665 * e), (da + cb) ** 2,
                             x1 * (da - cb) ** 2)]


def test_checked_step_on_extreme_limbs():
    # Largest normalized limbs (the bounds of the interval test), all-ones 13-bit limbs
    # and zero in every slot, one step with and without the swap on checked words; the
    # results agree with the step on integers.
    big = [8191, 8191, 8193] + [8191] * 16 + [255]
    ones = [8191] * 19 + [255]
    zero = [0] * 20

    def val(limbs):
        return sum(int(v) << (13 * i) for i, v in enumerate(limbs)) % _P
    cases = [(big, big, big, big, big), (ones, big, ones, big, ones),
             (big, zero, big, ones, zero), (ones, ones, zero, zero, big)]
    for case in cases:
        for swap in (0, 1):
            st = []
            for slot in range(x25519_twin.SLOTS):
                st += case[slot] if slot < 5 else big
            sw = (swap << 254).to_bytes(32, "little")    # bit 254: step 0
            CheckedKernel.run(0, 0, st, CheckedKernel.STEP, sw, 0, 1)
            got = [val(st[20 * s:20 * s + 20]) for s in range(5)]
            assert got == _step_reference(*[val(limbs) for limbs in case], swap)


def test_generated_kernel_and_twin_are_current():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_x25519_field.py"),
                        "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_checked_doubling_and_inversion_on_extreme_limbs():
    # The doubling-only steps and the Fermat inversion on the same extreme limbs, checked
    # words, against the integers: x2 = dbl, then x2 / z2 (0 where z2 = 0 mod p).
    big = [8191, 8191, 8193] + [8191] * 16 + [255]
    ones = [8191] * 19 + [255]
    zero = [0] * 20

    def val(limbs):
        return sum(int(v) << (13 * i) for i, v in enumerate(limbs)) % _P
    for x2, z2 in ((big, big), (ones, big), (big, ones), (ones, zero), (big, ones[:1] + zero[1:])):
        for swap in (0, 1):
            st = []
            for slot in range(x25519_twin.SLOTS):
                st += x2 if slot == (3 if swap else 1) else z2 if slot in (2, 4) else big
            sw = (swap << 254).to_bytes(32, "little")
            want = _step_reference(*[val(st[20 * s:20 * s + 20]) for s in range(5)], swap)
            CheckedKernel.run(0, 0, st, CheckedKernel.DOUBLE, sw, 0, 1)
            assert [val(st[20:40]), val(st[40:60])] == want[1:3]
            CheckedKernel.run(0, 0, st, CheckedKernel.INVERT, sw, 0, 1)
            assert val(st[20:40]) == want[1] * pow(want[2], _P - 2, _P) % _P
