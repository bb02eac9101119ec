# P-256/P-384 scalar multiplication on 32-bit-safe limbs (issue 14): the same wNAF /
# Shamir walk as nts.crypto.ec, but each point doubling and each mixed addition is ONE
# call of a generated kernel (`run` of nts.crypto.p256_viper / p384_viper, or of their
# plain twins in the tests; tools/gen_ec_field.py) executing a program of Montgomery
# field operations over a workspace of limb slots. One call per field operation was
# tried first: the ~1-1.5k instructions of a viper call from Python dominated (1.48x).
#
# No special cases in the kernel: the formulas are exact while no addition meets an
# equal or opposite point and no intermediate is infinity. If one does (crafted inputs
# only: Q = +-G with related scalars, Wycheproof's Shamir edge cases), Z becomes 0 mod p
# and stays 0, and the caller redoes the multiplication on nts.crypto.ec's big-int path,
# which handles every case. So a result with Z != 0 is always right.
from array import array

from micropython import const

_BITS = const(13)
_MASK = const(0x1FFF)

# Programs: 4 bytes per operation (op, d, a, b). Workspace slots: X, Y, Z of the running
# point, the constants 0 and 1 (Montgomery form), temporaries; LOADT copies a table slot
# (x or y of the affine point at the call's table offset) into the workspace. LIN folds
# the small multiples of the formulas into the additions: d = ka a + kb b.
_END, _MUL, _SQR, _LOADT = 0, 1, 2, 5
_X, _Y, _Z, _ZERO, _ONE = 0, 1, 2, 3, 4
SLOTS = 12


def _lin(ka, kb):
    return 16 * ka + kb + 8


# dbl-2001-b (a = -3) with alpha' = (X - delta)(X + delta), alpha = 3 alpha':
# delta = Z^2, gamma = Y^2, beta = X gamma, X3 = 9 alpha'^2 - 8 beta, Z3 = 2 Y Z,
# Y3 = 3 alpha' (4 beta - X3) - 8 gamma^2: 4 squarings, 4 products, 6 linear steps.
_DOUBLE = bytes((
    _SQR, 5, _Z, 0,
    _SQR, 6, _Y, 0,
    _MUL, 7, _X, 6,
    _lin(1, -1), 8, _X, 5,
    _lin(1, 1), 9, _X, 5,
    _MUL, 8, 8, 9,
    _MUL, _Z, _Y, _Z,
    _lin(2, 0), _Z, _Z, _ZERO,
    _SQR, _X, 8, 0,
    _lin(9, -8), _X, _X, 7,
    _lin(4, -1), 7, 7, _X,
    _MUL, 7, 8, 7,
    _SQR, 6, 6, 0,
    _lin(3, -8), _Y, 7, 6,
    _END, 0, 0, 0))

# madd-2004-hmv, Jacobian (X1, Y1, Z1) + affine (x2, +-y2) from the table: Z1Z1 = Z1^2,
# H = x2 Z1Z1 - X1, r = y2 Z1 Z1Z1 - Y1, HH = H^2, HHH = H HH, V = X1 HH,
# X3 = r^2 - HHH - 2 V, Y3 = r (V - X3) - Y1 HHH, Z3 = Z1 H: 3 squarings, 8 products.
_ADD_BODY = (
    _SQR, 5, _Z, 0,
    _MUL, 6, 9, 5,
    _MUL, 7, 10, _Z,
    _MUL, 7, 7, 5,
    _lin(1, -1), 6, 6, _X,
    _lin(1, -1), 7, 7, _Y,
    _SQR, 8, 6, 0,
    _MUL, 11, 6, 8,
    _MUL, 8, _X, 8,
    _MUL, _Z, _Z, 6,
    _MUL, _Y, _Y, 11,
    _SQR, _X, 7, 0,
    _lin(1, -1), _X, _X, 11,
    _lin(1, -2), _X, _X, 8,
    _lin(1, -1), 8, 8, _X,
    _MUL, 8, 7, 8,
    _lin(1, -1), _Y, 8, _Y,
    _END, 0, 0, 0)
_ADD_POS = bytes((_LOADT, 9, 0, 0, _LOADT, 10, 1, 0) + _ADD_BODY)
_ADD_NEG = bytes((_LOADT, 9, 0, 0, _LOADT, 10, 1, 0, _lin(1, -1), 10, _ZERO, 10)
                 + _ADD_BODY)
# The running point := the table point (+-), Z = 1.
_SET_POS = bytes((_LOADT, _X, 0, 0, _LOADT, _Y, 1, 0, _lin(1, 0), _Z, _ONE, _ZERO,
                  _END, 0, 0, 0))
_SET_NEG = bytes((_LOADT, _X, 0, 0, _LOADT, 9, 1, 0, _lin(1, -1), _Y, _ZERO, 9,
                  _lin(1, 0), _Z, _ONE, _ZERO, _END, 0, 0, 0))


class Field:
    """A curve's limb layout: n limbs of 13 bits, Montgomery radix R = 2^(13 n)."""

    def __init__(self, p, n):
        self.p = p
        self.n = n
        self.r = (1 << (_BITS * n)) % p
        self.r_inv = pow(self.r, p - 2, p)  # once per curve, at first use


def store(f, arr, slot, x):
    """Limbs of x * R mod p into arr's slot (R: the Montgomery radix)."""
    x = x * f.r % f.p
    j = slot * f.n
    end = j + f.n
    acc = bits = 0
    # Through bytes: small-int steps, not a big-int shift per limb.
    for byte in x.to_bytes((_BITS * f.n + 7) // 8, "little"):
        acc |= byte << bits
        bits += 8
        if bits >= _BITS:
            arr[j] = acc & _MASK
            acc >>= _BITS
            bits -= _BITS
            j += 1
            if j == end:
                break


def load(f, arr, slot):
    """The value mod p of the Montgomery limbs in arr's slot."""
    base = slot * f.n
    x = 0
    for i in range(f.n - 1, -1, -1):
        x = (x << _BITS) | arr[base + i]
    return x * f.r_inv % f.p


def table(f, points):
    """Affine points (x, y) as an array of slots x0, y0, x1, y1, ..."""
    arr = array("i", bytes(8 * f.n * len(points)))
    for i, (x, y) in enumerate(points):
        store(f, arr, 2 * i, x)
        store(f, arr, 2 * i + 1, y)
    return arr


def workspace(f):
    ws = array("i", bytes(4 * f.n * SLOTS))
    store(f, ws, _ONE, 1)
    return ws


def odd_multiples(f, run, q_table, count):
    """Jacobian (X, Y, Z) integer triples of q, 3q, .., (2 count - 1) q for the affine q
    in q_table: each even multiple doubles a copy of an earlier workspace, each odd one
    adds q to its predecessor (q of prime order > 2 count: no special case)."""
    ws = {1: workspace(f)}
    run(_SET_POS, ws[1], q_table, 0)
    for m in range(2, 2 * count):
        w = array("i", ws[m // 2] if m % 2 == 0 else ws[m - 1])
        if m % 2 == 0:
            run(_DOUBLE, w, w, 0)
        else:
            run(_ADD_POS, w, q_table, 0)
        ws[m] = w
    return [(load(f, ws[m], _X), load(f, ws[m], _Y), load(f, ws[m], _Z))
            for m in range(1, 2 * count, 2)]


def mul_steps(f, run, pairs, per_slice):
    """sum of d_i * P for each (naf, odd-multiples table) in pairs (NAF digit bytes as
    nts.crypto.ec._wnaf makes them), in slices of per_slice digits: Jacobian (X, Y, Z)
    as integers mod p, with Z = 0 if the walk met a special case (module comment)."""
    ws = workspace(f)
    n2 = 2 * f.n
    started = False
    top = 0
    for naf, _ in pairs:
        top = max(top, len(naf))
    for i in range(top - 1, -1, -1):
        if started:
            run(_DOUBLE, ws, ws, 0)
        for naf, tab in pairs:
            if i < len(naf):
                d = naf[i]
                if d:
                    neg = d >= 128
                    toff = ((256 - d) >> 1 if neg else d >> 1) * n2
                    if started:
                        run(_ADD_NEG if neg else _ADD_POS, ws, tab, toff)
                    else:
                        run(_SET_NEG if neg else _SET_POS, ws, tab, toff)
                        started = True
        if i % per_slice == 0:
            yield
    if not started:
        return (1, 1, 0)
    return (load(f, ws, _X), load(f, ws, _Y), load(f, ws, _Z))
