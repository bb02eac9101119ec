"""The X25519 field kernel is 32-bit safe (issue 14): its plain twin
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


class CheckedField:
    """x25519_twin's operations on Words, every value checked."""

    def __init__(self):
        for name in ("fmul", "fsq", "fadd", "fsub", "fmul_small", "cswap"):
            setattr(self, name, self._wrap(getattr(x25519_twin, name)))

    @staticmethod
    def _wrap(fn):
        def run(*args):
            args = [Words(Checked(v) for v in a) if not isinstance(a, int) else Checked(a)
                    for a in args]
            fn(*args)
            return args
        return run


def _ladder_checked(k_bytes, u_bytes):
    # The ladder of nts.crypto.x25519 with the twin's operations on checked words; the
    # arrays the ladder owns are swapped for Words on every call (copied back after).
    field = CheckedField()

    class Back:
        pass
    ops = Back()

    def adapt(name):
        checked = getattr(field, name)

        def op(*arrays):
            out = checked(*arrays)
            # Only the first argument is written (cswap: the first two; never aliased).
            for j in range(2 if name == "cswap" else 1):
                for i in range(len(arrays[j])):
                    arrays[j][i] = int(out[j][i])
        return op
    for name in ("fmul", "fsq", "fadd", "fsub", "fmul_small", "cswap"):
        setattr(ops, name, adapt(name))
    k = x25519._decode_scalar(k_bytes)
    u = int.from_bytes(u_bytes, "little") & x25519._MASK
    x2, z2 = slices.run(x25519._limb_ladder_steps(k, u, ops))
    r = x2 * x25519._invert(z2) % x25519._P
    return r.to_bytes(32, "little")


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
        if self.lo < 0 or mask & (mask + 1):
            raise ValueError("unexpected mask")
        return Interval(0 if self.hi > mask else self.lo, min(self.hi, mask))

    def __rshift__(self, n):
        return Interval(self.lo >> n, self.hi >> n)


def _hull(a, b):
    return Interval(min(a.lo, b.lo), max(a.hi, b.hi))


def _step_trace():
    # The field operations of the first ladder step, as the ladder itself calls them:
    # (name, argument ids or ints); arrays are named by their order of appearance.
    calls = []

    class Recorder:
        def __getattr__(self, name):
            fn = getattr(x25519_twin, name)

            def rec(*args):
                calls.append((name, [a if isinstance(a, int) else id(a) for a in args]))
                return fn(*args)
            return rec
    steps = x25519._limb_ladder_steps(x25519._decode_scalar(bytes(32)), 9, Recorder())
    next(steps)     # the first slice: LADDER_SLICE steps
    per_step = len(calls) // (255 % x25519.LADDER_SLICE or x25519.LADDER_SLICE)
    return calls[:per_step]


def _normalized():
    # Limb bounds of a normalized element (x25519_viper's header), and of _to_limbs(u).
    return [Interval(0, 8191)] * 2 + [Interval(0, 8193)] + [Interval(0, 8191)] * 16 \
        + [Interval(0, 255)]


def test_interval_bounds_hold_for_every_input():
    # Every array starts as any normalized element; one ladder step on intervals must
    # keep every intermediate a word and leave every array normalized again, so by
    # induction no input and no step count (the 1,000-iteration chain included) leaves
    # the bounds.
    trace = _step_trace()
    assert len(trace) == 20 and trace[0][0] == "cswap"
    arrays = {}
    four_p = [Interval(v, v) for v in x25519._FOUR_P]
    for _ in range(3):
        for name, args in trace:
            vals = []
            for a in args:
                if isinstance(a, int) and name in ("fmul_small", "cswap") and a is args[-1]:
                    vals.append(a)
                else:
                    vals.append(arrays.setdefault(a, _normalized()))
            if name == "cswap":
                a, b = vals[0], vals[1]
                both = [_hull(a[i], b[i]) for i in range(20)]
                a[:] = both
                b[:] = list(both)
                continue
            if name == "fsub":
                vals[3] = four_p
            out = list(vals[0])
            vals[0] = out
            getattr(x25519_twin, name)(*vals)
            arrays[args[0]] = out
        for arr in arrays.values():
            for i, (got, bound) in enumerate(zip(arr, _normalized())):
                assert bound.lo <= got.lo and got.hi <= bound.hi, (i, got.lo, got.hi)


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


def test_checked_field_operations_on_extreme_limbs():
    # Largest normalized limbs (the bounds of the interval test), all-ones 13-bit limbs
    # and zero, through every operation with checked words; results agree with ints.
    big = [8191, 8191, 8193] + [8191] * 16 + [255]
    ones = [8191] * 19 + [255]
    zero = [0] * 20
    f = CheckedField()

    def val(a):
        return sum(int(v) << (13 * i) for i, v in enumerate(a)) % _P
    four_p = list(x25519._FOUR_P)
    for a in (big, ones, zero):
        for b in (big, ones, zero):
            assert val(f.fmul([0] * 20, a, b)[0]) == val(a) * val(b) % _P
            assert val(f.fsq([0] * 20, a)[0]) == val(a) ** 2 % _P
            assert val(f.fadd([0] * 20, a, b)[0]) == (val(a) + val(b)) % _P
            assert val(f.fsub([0] * 20, a, b, four_p)[0]) == (val(a) - val(b)) % _P
            assert val(f.fmul_small([0] * 20, a, 121665)[0]) == val(a) * 121665 % _P
            s = f.cswap(list(a), list(b), -1)
            assert (list(s[0]), list(s[1])) == (list(b), list(a))


def test_generated_kernel_and_twin_are_current():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_x25519_field.py"),
                        "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
