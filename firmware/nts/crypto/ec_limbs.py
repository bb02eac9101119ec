# P-256/P-384 scalar multiplication on 32-bit-safe limbs (issue 14): the same wNAF /
# Shamir walk as nts.crypto.ec, run by a generated kernel (`run` of nts.crypto.p256_viper
# / p384_viper, or of their plain twins in the tests; tools/gen_ec_field.py) that
# executes programs of Montgomery field operations over one workspace of limb slots.
# This module assembles the programs: one call computes a point's odd multiples, one
# more their affine forms (around a single big-int inversion), and one call runs each
# slice of the walk, its doublings and additions. Python's step per digit (and a call
# per doubling or addition) cost ~2 M unix-port instructions a P-256 verification, the
# multiples' round trips through big ints ~1.9 M.
#
# No special cases in the kernel: the formulas are exact while no addition meets an
# equal or opposite point and no intermediate is infinity. If one does (crafted inputs
# only: Q = +-G with related scalars, Wycheproof's Shamir edge cases), Z becomes 0 mod p
# and stays 0, and the caller redoes the multiplication on nts.crypto.ec's big-int path,
# which handles every case. So a result with Z != 0 is always right.
from array import array

from micropython import const

from nts.crypto.modinv import inverse

_BITS = const(13)
_MASK = const(0x1FFF)

# Operations: 4 bytes (op, d, a, b) over workspace slots; COPY d = a; LIN folds the
# formulas' small multiples into the additions: d = ka a + kb b; DIG and DBL are the
# walk's steps (mul_steps), calls of the programs in _SUB.
_MUL, _SQR, _DIG, _DBL, _COPY = 1, 2, 3, 4, 5     # 0 ends a program
# Slots: X, Y, Z of the running point, the constants 0 and 1 (Montgomery form),
# temporaries 5-11 (9 and 10: the affine point an addition adds); the G table (x, y of
# G, 3G, 5G, ...) from G_TABLE on; a call's own slots after the table (workspace()).
_X, _Y, _Z, _ZERO, _ONE = 0, 1, 2, 3, 4
G_TABLE = 12


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
    _lin(3, -8), _Y, 7, 6))

# madd-2004-hmv, Jacobian (X1, Y1, Z1) + affine (x2, y2) in slots 9, 10: Z1Z1 = Z1^2,
# H = x2 Z1Z1 - X1, r = y2 Z1 Z1Z1 - Y1, HH = H^2, HHH = H HH, V = X1 HH,
# X3 = r^2 - HHH - 2 V, Y3 = r (V - X3) - Y1 HHH, Z3 = Z1 H: 3 squarings, 8 products.
_ADD = bytes((
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
    _lin(1, -1), _Y, 8, _Y))
_END_OP = bytes(4)
# The running point := the affine point in slots 9, 10 (+-), Z = 1.
_Z1 = bytes((_lin(1, 0), _Z, _ONE, _ZERO))
_SET_POS = bytes((_COPY, _X, 9, 0, _COPY, _Y, 10, 0)) + _Z1
_SET_NEG = bytes((_COPY, _X, 9, 0, _lin(1, -1), _Y, _ZERO, 10)) + _Z1
_ADD_NEG = bytes((_lin(1, -1), 10, _ZERO, 10)) + _ADD


def _sub():
    """The programs DIG and DBL call, after a header of their first operations: SET+,
    SET-, ADD+, ADD-, the doubling."""
    progs = (_SET_POS, _SET_NEG, _ADD, _ADD_NEG, _DOUBLE)
    head = bytearray(8)
    out = [head]
    at = len(head) // 4
    for n, p in enumerate(progs):
        head[n] = at
        out.append(p + _END_OP)
        at += len(p) // 4 + 1
    return b"".join(out)


def _from_table(t):
    """Slots 9, 10 := the table point at slots t, t + 1."""
    return bytes((_COPY, 9, t, 0, _COPY, 10, t + 1, 0))


def _copy3(d, a):
    return bytes((_COPY, d, a, 0, _COPY, d + 1, a + 1, 0, _COPY, d + 2, a + 2, 0))


_SUB = _sub()


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


def template(f, g_odd):
    """The workspace's fixed part as bytes: 1 in its slot and the affine G, 3G, 5G, ...
    of g_odd from G_TABLE on (made once per curve, copied for each call)."""
    ws = array("i", bytes(4 * f.n * (G_TABLE + 2 * len(g_odd))))
    store(f, ws, _ONE, 1)
    for i, (x, y) in enumerate(g_odd):
        store(f, ws, G_TABLE + 2 * i, x)
        store(f, ws, G_TABLE + 2 * i + 1, y)
    return bytes(ws)


def workspace(f, fixed, slots):
    """A fresh workspace: the template's bytes, then `slots` zero slots."""
    return array("i", fixed + bytes(4 * f.n * slots))


def odd_slots(count):
    """Slots odd_multiples needs: the table, then the Jacobian multiples 2..2 count-1,
    the prefix products of their Z and the inverse."""
    return 2 * count + 3 * (2 * count - 2) + count


def odd_multiples(f, run, ws, t, q, count):
    """The affine q, 3q, .., (2 count - 1) q (q of prime order > 2 count) as a table at
    slots t, t + 1, ... of ws: even multiples double an earlier one, odd ones add q;
    then one inversion for all Z (Montgomery's trick). False if some Z is 0 (a special
    case, only if q is not on the curve's prime-order group)."""
    store(f, ws, t, q[0])
    store(f, ws, t + 1, q[1])
    jac = t + 2 * count                 # Jacobian m at jac + 3 (m - 2)
    pre = jac + 3 * (2 * count - 2)     # prefix products: pre + i for 3q .. (2i+3)q
    inv = pre + count - 1
    prog = [_from_table(t), _SET_POS]
    for m in range(2, 2 * count):
        if m % 2:
            prog.append(_from_table(t) + _ADD)
        else:
            if m > 2:
                prog.append(_copy3(_X, jac + 3 * (m // 2 - 2)))
            prog.append(_DOUBLE)
        prog.append(_copy3(jac + 3 * (m - 2), _X))
    for i in range(count - 1):          # i: (2i + 3) q
        z = jac + 3 * (2 * i + 1) + 2
        prog.append(bytes((_COPY, pre, z, 0) if i == 0 else (_MUL, pre + i, pre + i - 1, z)))
    prog.append(_END_OP)
    run(0, 0, b"".join(prog), ws, bytes(1), _SUB)
    zz = load(f, ws, pre + count - 2)
    if zz == 0:
        return False
    store(f, ws, inv, inverse(zz, f.p))
    prog = []
    for i in range(count - 2, -1, -1):  # walk back: zi = 1 / Z of (2i + 3) q
        x = jac + 3 * (2 * i + 1)
        zi = inv
        if i:
            prog.append(bytes((_MUL, 5, inv, pre + i - 1, _MUL, inv, inv, x + 2)))
            zi = 5
        prog.append(bytes((_SQR, 6, zi, 0, _MUL, t + 2 * i + 2, x, 6,
                           _MUL, 6, 6, zi, _MUL, t + 2 * i + 3, x + 1, 6)))
    prog.append(_END_OP)
    run(0, 0, b"".join(prog), ws, bytes(1), _SUB)
    return True


def mul_steps(f, run, ws, pairs, per_slice):
    """sum of d_i * P for each (naf, table slot) in pairs (NAF digit bytes as
    nts.crypto.ec._wnaf makes them; the table of P, 3P, .. in ws), one kernel call per
    slice of per_slice digits: Jacobian (X, Y, Z) as integers mod p, with Z = 0 if the
    walk met a special case (module comment). Every slice runs the same program, a
    doubling and each NAF's digit per position, over that slice's digits in dig (after
    dig[0], the kernel's "started"): the walk costs Python one call a slice."""
    dig = bytearray(1 + len(pairs) * per_slice)
    prog = bytearray()
    for j in range(per_slice - 1, -1, -1):
        prog += bytes((_DBL, 0, 0, 0))
        for n, (_, t) in enumerate(pairs):
            prog += bytes((_DIG, 0, 1 + n * per_slice + j, t))
    prog += _END_OP
    top = max(len(naf) for naf, _ in pairs) - 1
    for low in range(top - top % per_slice, -1, -per_slice):
        for n, (naf, _) in enumerate(pairs):
            at = 1 + n * per_slice
            chunk = naf[low:low + per_slice]
            dig[at:at + len(chunk)] = chunk
            dig[at + len(chunk):at + per_slice] = bytes(per_slice - len(chunk))
        run(0, 0, prog, ws, dig, _SUB)
        yield
    if not dig[0]:
        return (1, 1, 0)
    return (load(f, ws, _X), load(f, ws, _Y), load(f, ws, _Z))
