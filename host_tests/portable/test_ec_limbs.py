# P-256/P-384 on the 32-bit-safe limb kernels (nts.crypto.ec_limbs over p256_viper /
# p384_viper, generated with their plain twins by tools/gen_ec_field.py): the walk on the
# twins gives big-int nts.crypto.ec's points on every interpreter (on the WebAssembly port
# with the boards' 31-bit small ints), the viper kernels, where this port has viper,
# compute exactly what the twins do, and the special cases (an addition meeting an equal
# or opposite point) end at Z = 0, where nts.crypto.ec falls back to its own path. The
# range proof is CPython's test_ec_range; test_ec runs the ECDSA vectors through the
# kernels when viper is on.
from array import array

import p256_twin
import p384_twin
from nts import slices
from nts.crypto import ec, ec_limbs
from portability import require_viper

_CASES = ((ec.P256, p256_twin), (ec.P384, p384_twin))


def _kernel(c, run):
    f = ec_limbs.Field(c.p, c.limbs)
    return f, run, ec_limbs.template(f, c.g_odd)


def _walk(c, run, u1, u2, q):
    # nts.crypto.ec's limb path on run: None where the walk met a special case.
    return slices.run(ec._limb_steps(c, _kernel(c, run), ec._wnaf(u1, ec.G_WINDOW),
                                     ec._wnaf(u2, 4), q, 4))


def _affine(c, pt):
    return ec._to_affine(c, pt)


def test_twin_walk_matches_big_ints():
    for c, twin in _CASES:
        q = _affine(c, slices.run(ec._mul_add_steps(c, 0x1234567, 0, c.g)))
        for u1, u2 in ((c.n - 1, c.n - 2), (0x5555 << 100, 3), (1, 0), (0, 1)):
            got = _walk(c, twin.run, u1, u2, q)
            assert got[2] != 0
            assert _affine(c, got) == _affine(c, slices.run(ec._mul_add_steps(c, u1, u2, q)))


def test_special_cases_end_at_z_zero():
    # Q = G: u1 = u2 = 1 adds G to itself; u1 = 1, u2 = n - 1 gives infinity; both end
    # at Z = 0, which the limb path reports as None.
    for c, twin in _CASES:
        f, run, fixed = _kernel(c, twin.run)
        for u2 in (1, c.n - 1):
            ws = ec_limbs.workspace(f, fixed, ec_limbs.odd_slots(4))
            t = ec_limbs.G_TABLE + 2 * len(c.g_odd)
            assert ec_limbs.odd_multiples(f, run, ws, t, c.g, 4)
            pairs = ((ec._wnaf(1, ec.G_WINDOW), ec_limbs.G_TABLE), (ec._wnaf(u2, 4), t))
            assert slices.run(ec_limbs.mul_steps(f, run, ws, pairs, 64))[2] == 0
            assert _walk(c, twin.run, 1, u2, c.g) is None
        # and nts.crypto.ec's answer stays right whatever path it takes
        assert _affine(c, slices.run(ec._mul_add_steps(c, 1, 1, c.g))) == \
            _affine(c, slices.run(ec._mul_add_steps(c, 2, 0, c.g)))
        assert slices.run(ec._mul_add_steps(c, 1, c.n - 1, c.g))[2] == 0


def _limbs(f, seed, top):
    # Deterministic limbs up to the stored bounds (13 bits; the top limb below 2^(nbits+1))
    # in every slot of a verification's workspace.
    slots = ec_limbs.G_TABLE + 16 + ec_limbs.odd_slots(4)
    out = array("i", bytes(4 * f.n * slots))
    x = seed
    for i in range(len(out)):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        bound = (1 << (ec.CURVES["p256" if f.n == 20 else "p384"].n_bits + 1 - 13 * (f.n - 1))) \
            if i % f.n == f.n - 1 else 8192
        out[i] = bound - 1 if top else x % bound
    return out


def test_viper_kernels_match_plain_twins():
    # Every operation and every program kind: the doubling, additions and settings from
    # a table slot (+-), and the walk's DBL / DIG steps over digits 0, +-1, +-3, +-15
    # with and without a started point.
    require_viper()
    from nts.crypto import p256_viper, p384_viper
    progs = [ec_limbs._DOUBLE, ec_limbs._from_table(14) + ec_limbs._ADD,
             ec_limbs._from_table(16) + ec_limbs._ADD_NEG,
             ec_limbs._from_table(18) + ec_limbs._SET_NEG,
             bytes((ec_limbs._COPY, 7, 8, 0, ec_limbs._lin(9, -8), 5, 6, 7))]
    walk = bytes((ec_limbs._DBL, 0, 0, 0, ec_limbs._DIG, 0, 1, 12, ec_limbs._DIG, 0, 2, 12,
                  ec_limbs._DBL, 0, 0, 0, ec_limbs._DIG, 0, 3, 12))
    digit_sets = ((0, 1, 0, 253), (1, 0, 3, 0), (1, 255, 15, 241), (0, 0, 0, 0))
    for (c, twin), kernel in zip(_CASES, (p256_viper, p384_viper)):
        f = ec_limbs.Field(c.p, c.limbs)
        for seed in range(6):
            ws = _limbs(f, seed, seed == 0)
            cases = [(prog + ec_limbs._END_OP, (0,)) for prog in progs]
            cases += [(walk + ec_limbs._END_OP, digits) for digits in digit_sets]
            for prog, digits in cases:
                w1, w2 = array("i", ws), array("i", ws)
                d1, d2 = bytearray(digits), bytearray(digits)
                kernel.run(0, 0, prog, w1, d1, ec_limbs._SUB)
                twin.run(0, 0, prog, w2, d2, ec_limbs._SUB)
                assert w1 == w2 and d1 == d2, (c.name, seed, digits)
