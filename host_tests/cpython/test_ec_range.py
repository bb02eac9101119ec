"""The P-256/P-384 limb kernels are 32-bit safe (issue 14): their plain twins
(host_tests/portable/p256_twin.py, p384_twin.py, generated with the viper kernels from one
description by tools/gen_ec_field.py) run on checked integers that fail on any value
outside [-2^31, 2^31), and on any limb stored outside [0, 2^13): every field operation
over edge-case operands (0, 1, p-1, p, p+1, 2p-1, 2^nbits-1, the largest value a slot may
hold, 2^(nbits+1)-1, whose limbs are all ones, and random ones) with every LIN coefficient
pair the kernel accepts, and whole ECDSA scalar multiplications (nts.crypto.ec_limbs)
from the host vectors. Results are checked against big-int arithmetic mod p too.
"""
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host_tests", "portable"))

import p256_twin  # noqa: E402
import p384_twin  # noqa: E402
from nts import slices  # noqa: E402
from nts.crypto import ec, ec_limbs, hashes  # noqa: E402
from support import h, vectors  # noqa: E402

LIMIT = 1 << 31


class Checked(int):
    """An int whose every arithmetic result must fit a signed 32-bit word."""

    def __new__(cls, v=0):
        v = int.__new__(cls, v)
        if not -LIMIT <= v < LIMIT:
            raise OverflowError("intermediate %d outside 32-bit words" % v)
        return v

    def __add__(self, o): return Checked(int(self) + int(o))
    __radd__ = __add__
    def __sub__(self, o): return Checked(int(self) - int(o))
    def __rsub__(self, o): return Checked(int(o) - int(self))
    def __mul__(self, o): return Checked(int(self) * int(o))
    __rmul__ = __mul__
    def __and__(self, o): return Checked(int(self) & int(o))
    __rand__ = __and__
    def __rshift__(self, o): return Checked(int(self) >> int(o))
    def __lshift__(self, o): return Checked(int(self) << int(o))
    def __neg__(self): return Checked(-int(self))


class Limbs(list):
    """A workspace: what is stored must be a limb in [0, 2^13)."""

    def __setitem__(self, i, v):
        if not 0 <= v < 1 << 13:
            raise OverflowError("stored limb %d outside [0, 2^13)" % v)
        list.__setitem__(self, i, Checked(v))


# The twins' int() is the checked int, so every load starts a checked computation.
for _twin in (p256_twin, p384_twin):
    _twin.int = Checked

CASES = ((ec.P256, p256_twin.run), (ec.P384, p384_twin.run))


def checked_run(run):
    def call(v, x, prog, ws, dig, sub):
        w = Limbs(Checked(v) for v in ws)
        run(v, x, prog, w, dig, sub)
        for i in range(len(ws)):
            ws[i] = int(w[i])
    return call


def _raw(f, ws, slot, x):
    for i in range(f.n):
        ws[slot * f.n + i] = (x >> (13 * i)) & 0x1FFF


def _value(f, ws, slot):
    return sum(ws[slot * f.n + i] << (13 * i) for i in range(f.n))


def _edges(c):
    p, nb = c.p, c.n_bits
    rnd = random.Random(nb)
    return [0, 1, p - 1, p, p + 1, 2 * p - 1, (1 << nb) - 1, (1 << (nb + 1)) - 1] + \
        [rnd.randrange(1 << (nb + 1)) for _ in range(6)]


def _op(c, run, op, a, b, coeff=None):
    f = ec_limbs.Field(c.p, c.limbs)
    ws = [0] * (f.n * 4)
    _raw(f, ws, 1, a)
    _raw(f, ws, 2, b)
    checked_run(run)(0, 0, bytes((op, 0, 1, 2, 0, 0, 0, 0)), ws, bytearray(1), b"")
    v = _value(f, ws, 0)
    assert v < 1 << (c.n_bits + 1), "result above 2^(nbits+1)"
    return v


def test_products_of_edge_values():
    for c, run in CASES:
        p = c.p
        r_inv = pow(1 << (13 * c.limbs), -1, p)
        for a in _edges(c):
            assert _op(c, run, 2, a, 0) % p == a * a * r_inv % p
            for b in _edges(c):
                assert _op(c, run, 1, a, b) % p == a * b * r_inv % p


def test_every_linear_step_on_edge_values():
    for c, run in CASES:
        p = c.p
        edges = _edges(c)
        for ka in range(1, 16):
            for kb in range(-8, 8):
                for a in edges[::2] + [edges[-3]]:
                    for b in edges[1::2] + [edges[-2]]:
                        assert _op(c, run, 16 * ka + kb + 8, a, b) % p == (ka * a + kb * b) % p


def _checked_mul_add(c, run, u1, u2, q):
    # nts.crypto.ec's limb path (odd multiples of q, their affine forms, the walk) on
    # the checked twin.
    f = ec_limbs.Field(c.p, c.limbs)
    kernel = (f, checked_run(run), ec_limbs.template(f, c.g_odd))
    return slices.run(ec._limb_steps(c, kernel, ec._wnaf(u1, ec.G_WINDOW), ec._wnaf(u2, 4),
                                     q, 4))


def test_checked_scalar_multiplications_match_big_ints():
    done = {}
    for case in vectors("ecdsa"):
        c = ec.CURVES[case["curve"]]
        if not case["valid"] or done.get(c.name, 0) >= 2:
            continue
        done[c.name] = done.get(c.name, 0) + 1
        run = dict((cc.name, r) for cc, r in CASES)[c.name]
        q = ec.decode_point(c, h(case["pub"]))
        r, s = ec.parse_signature(c, h(case["sig"]))
        e = int.from_bytes(hashes.digest(case["hash"], h(case["msg"])), "big")
        e >>= max(0, len(hashes.digest(case["hash"], b"")) * 8 - c.n_bits)
        w = pow(s, -1, c.n)
        for u1, u2 in ((e * w % c.n, r * w % c.n), (c.n - 1, c.n - 1), (1, 2)):
            got = _checked_mul_add(c, run, u1, u2, q)
            ref = slices.run(ec._mul_add_steps(c, u1, u2, q))
            assert ec._to_affine(c, got) == ec._to_affine(c, ref)
    assert done == {"p256": 2, "p384": 2}


def test_generated_kernels_are_current():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_ec_field.py"),
                        "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
