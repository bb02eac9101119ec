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


def _walk(c, run, u1, u2, q):
    f = ec_limbs.Field(c.p, c.limbs)
    q_odd = slices.run(ec.odd_multiples_steps(c, q, 4))
    pairs = ((ec._wnaf(u1, ec.G_WINDOW), ec_limbs.table(f, c.g_odd)),
             (ec._wnaf(u2, 4), ec_limbs.table(f, q_odd)))
    return slices.run(ec_limbs.mul_steps(f, run, pairs, 64))


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
    # Q = G: u1 = u2 = 1 adds G to itself; u1 = 1, u2 = n - 1 gives infinity.
    for c, twin in _CASES:
        assert _walk(c, twin.run, 1, 1, c.g)[2] == 0
        assert _walk(c, twin.run, 1, c.n - 1, c.g)[2] == 0
        # and nts.crypto.ec's answer stays right whatever path it takes
        assert _affine(c, slices.run(ec._mul_add_steps(c, 1, 1, c.g))) == \
            _affine(c, slices.run(ec._mul_add_steps(c, 2, 0, c.g)))
        assert slices.run(ec._mul_add_steps(c, 1, c.n - 1, c.g))[2] == 0


def _limbs(f, seed, top):
    # Deterministic limbs up to the stored bounds (13 bits; the top limb below 2^(nbits+1)).
    out = array("i", bytes(4 * f.n * ec_limbs.SLOTS))
    x = seed
    for i in range(len(out)):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        bound = (1 << (ec.CURVES["p256" if f.n == 20 else "p384"].n_bits + 1 - 13 * (f.n - 1))) \
            if i % f.n == f.n - 1 else 8192
        out[i] = bound - 1 if top else x % bound
    return out


def test_viper_kernels_match_plain_twins():
    require_viper()
    from nts.crypto import p256_viper, p384_viper
    progs = (ec_limbs._DOUBLE, ec_limbs._ADD_POS, ec_limbs._ADD_NEG, ec_limbs._SET_NEG)
    for (c, twin), kernel in zip(_CASES, (p256_viper, p384_viper)):
        f = ec_limbs.Field(c.p, c.limbs)
        for seed in range(6):
            ws = _limbs(f, seed, seed == 0)
            tab = _limbs(f, seed + 50, seed == 1)
            for prog in progs:
                w1, w2 = array("i", ws), array("i", ws)
                kernel.run(prog, w1, tab, 2 * f.n)
                twin.run(prog, w2, tab, 2 * f.n)
                assert w1 == w2, (c.name, seed)
