# GHASH (SP 800-38D 6.4) and POLYVAL (RFC 8452 3): the table path and the viper kernel
# against a bit-by-bit reference multiplication, the GCM spec's GHASH values, and the
# RFC 8452 Appendix A POLYVAL example.
from nts.crypto import ghash
from nts.crypto.ghash import GHash, Polyval, mulx, reduce8
from nts.errors import AlgorithmError
from support import SkipTest, h, raises


def _ref_mul(x, y):
    """SP 800-38D Algorithm 1, one bit at a time: the slow, obvious definition."""
    z = 0
    v = y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = mulx(v)
    return z


def _ref_ghash(hk, data):
    hi = int.from_bytes(hk, "big")
    y = 0
    for i in range(0, len(data), 16):
        block = data[i:i + 16]
        block = block + bytes(16 - len(block))
        y = _ref_mul(y ^ int.from_bytes(block, "big"), hi)
    return y.to_bytes(16, "big")


def _data(n, seed):
    return bytes((seed + 89 * i + (i >> 3)) & 0xFF for i in range(n))


def _backend(name):
    if name not in ghash.backends():
        raise SkipTest("GHASH backend %s not available here" % name)
    return name


def _check_against_reference(backend):
    for seed in range(12):
        hk = _data(16, 7 * seed + 1)
        g = GHash(hk, backend)
        for n in (0, 1, 15, 16, 17, 33, 64):
            g.reset()
            data = _data(n, seed)
            g.update(data)
            assert g.digest() == _ref_ghash(hk, data), (backend, seed, n)


def test_tables_match_reference():
    _check_against_reference(_backend("tables"))


def test_viper_matches_reference():
    _check_against_reference(_backend("viper"))


def test_viper_kernel_matches_plain_twin():
    _backend("viper")
    for seed in range(20):
        hk = _data(16, 31 * seed + 5)
        data = _data(16 * (seed % 6) + seed % 17, seed)
        a = GHash(hk, "tables")
        b = GHash(hk, "viper")
        a.update(data)
        b.update(data)
        assert a.digest() == b.digest(), seed
        a = Polyval(hk, "tables")
        b = Polyval(hk, "viper")
        a.update(data)
        b.update(data)
        assert a.digest() == b.digest(), seed


def test_extreme_values_every_backend():
    # All-ones keys and data exercise every reduction bit and the top bit of each limb.
    for b in ghash.backends():
        for hk in (b"\xff" * 16, b"\x80" + bytes(15), bytes(15) + b"\x01"):
            for data in (b"\xff" * 48, b"\x01" + bytes(14) + b"\x80"):
                g = GHash(hk, b)
                g.update(data)
                assert g.digest() == _ref_ghash(hk, data), (b, hk, data)


def test_gcm_spec_ghash_values_every_backend():
    # McGrew-Viega GCM spec, test cases 2 and 3: H, C and GHASH(H, {}, C).
    cases = (
        ("66e94bd4ef8a2c3b884cfa59ca342b2e", "0388dace60b6a392f328c2b971b2fe78", 128,
         "f38cbb1ad69223dcc3457ae5b6b0f885"),
        ("b83b533708bf535d0aa6e52980d53b78",
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
         "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985", 512,
         "7f1b32b81b820d02614f8895ac1d4eac"),
    )
    for b in ghash.backends():
        for hk, c, bits, want in cases:
            g = GHash(h(hk), b)
            g.update(h(c))
            g.update(bytes(8) + bits.to_bytes(8, "big"))
            assert g.digest() == h(want), (b, hk)


def test_polyval_rfc8452_appendix_a_every_backend():
    for b in ghash.backends():
        p = Polyval(h("25629347589242761d31f826ba4b757b"), b)
        p.update(h("4f4f95668c83dfb6401762bb2d01a262"))
        p.update(h("d1a24ddd2721d006bbe45f20d3c9f362"))
        assert p.digest() == h("f7a3b47b846119fae5b7866cf5e5b77e"), b


def test_update_pads_each_call():
    # GCM pads A and C separately: update(x); update(y) == update(x || pad || y).
    for b in ghash.backends():
        hk = _data(16, 3)
        x = _data(5, 1)
        y = _data(21, 2)
        g1 = GHash(hk, b)
        g1.update(x)
        g1.update(y)
        g2 = GHash(hk, b)
        g2.update(x + bytes(11) + y)
        assert g1.digest() == g2.digest()


def test_reduction_formula():
    # reduce8(t) must equal multiplying t * x^128 out bit by bit.
    for t in range(256):
        v = t
        for _ in range(8):
            v = mulx(v)
        assert v == reduce8(t) << 112, t


def test_bad_sizes_are_typed_errors():
    raises(AlgorithmError, GHash, bytes(15))
    raises(AlgorithmError, GHash, bytes(16), "no-such-backend")


def test_repr_hides_key():
    for b in ghash.backends():
        assert "ab" * 4 not in repr(GHash(b"\xab" * 16, b))
