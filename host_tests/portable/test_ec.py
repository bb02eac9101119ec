# P-256/P-384 (FIPS 186-5): ECDSA verification against host vectors (valid, high-s,
# tampered, out-of-range r/s, DER faults, bad points; host_tests/vectorgen/ecdsa.py) and
# P-256 ECDH (SEC 1 3.3.1) against cryptography's shared secrets.
from nts import slices
from nts.crypto import ec, hashes
from nts.errors import ParseError, SignatureError
from support import h, hx, raises, vectors


def _ecdsa_verify(*args, **kwargs):
    return slices.run(ec.ecdsa_verify_steps(*args, **kwargs))


def _mul_add(*args, **kwargs):
    return slices.run(ec._mul_add_steps(*args, **kwargs))


def _p256_shared(*args, **kwargs):
    return slices.run(ec.p256_shared_steps(*args, **kwargs))


def _p256_keypair(*args, **kwargs):
    return slices.run(ec.p256_keypair_steps(*args, **kwargs))


def _verify(case):
    _ecdsa_verify(case["curve"], h(case["pub"]), hashes.digest(case["hash"], h(case["msg"])),
                    h(case["sig"]))


def test_ecdsa_vectors():
    valid = invalid = 0
    for case in vectors("ecdsa"):
        if case["valid"]:
            _verify(case)
            valid += 1
        else:
            e = raises(SignatureError, _verify, case)
            assert case["curve"] in str(e)
            invalid += 1
    assert valid >= 40 and invalid >= 50


def test_curve_parameters_and_g_table():
    # The base point is on its curve and has order n (n*G is infinity, (n+1)*G is G), and
    # the committed table of odd multiples (ec_tables.py) is what the arithmetic gives.
    for c in (ec.P256, ec.P384):
        assert ec._on_curve(c, c.g[0], c.g[1])
        assert _mul_add(c, c.n, 0, c.g)[2] == 0
        assert ec._to_affine(c, _mul_add(c, c.n + 1, 0, c.g)) == c.g
        assert slices.run(ec.odd_multiples_steps(c, c.g, 1 << (ec.G_WINDOW - 2))) == list(c.g_odd)
        for x, y in c.g_odd:
            assert ec._on_curve(c, x, y)
    assert ec.P256.size == 32 and ec.P384.size == 48
    assert ec.P256.n_bits == 256 and ec.P384.n_bits == 384


def test_wnaf_digits():
    for k in (0, 1, 2, 15, 16, 31, 0xFFFF, ec.P256.n - 1, ec.P384.n - 12345):
        for w in (4, 5):
            digits = [d - 256 if d >= 128 else d for d in ec._wnaf(k, w)]
            total = 0
            for i in range(len(digits) - 1, -1, -1):
                total = 2 * total + digits[i]
            assert total == k
            for i, d in enumerate(digits):
                if d:
                    assert d & 1 and -(1 << (w - 1)) < d < (1 << (w - 1))
                    assert not any(digits[i + 1:i + w])


def test_shamir_special_cases():
    # u1*G + u2*Q where Q = G (additions meet equal points: doublings) and Q = -G (they
    # meet opposite points: infinity).
    c = ec.P256
    g = c.g
    neg_g = (g[0], c.p - g[1])
    two_g = ec._to_affine(c, ec._double(c, (g[0], g[1], 1)))
    assert ec._to_affine(c, _mul_add(c, 1, 1, g)) == two_g
    assert ec._to_affine(c, _mul_add(c, 3, 1, neg_g)) == two_g
    assert _mul_add(c, 5, 5, neg_g)[2] == 0
    assert _mul_add(c, 0, 0, g)[2] == 0
    three_g = ec._to_affine(c, _mul_add(c, 2, 1, g))
    assert three_g == c.g_odd[1]


def test_modinv():
    from nts.crypto.modinv import inverse
    for c in (ec.P256, ec.P384):
        for a in (1, 2, 3, c.n - 1, c.g[0] % c.n):
            assert inverse(a, c.n) * a % c.n == 1
            assert inverse(a, c.p) == pow(a, c.p - 2, c.p)


def test_unsupported_curve():
    raises(SignatureError, _ecdsa_verify, "p521", b"\x04", bytes(32), b"\x30\x00")


def test_ecdh_vectors():
    for case in vectors("ecdh_p256"):
        priv, peer = h(case["priv"]), h(case["peer"])
        if case["shared"] is None:
            raises(ParseError, _p256_shared, priv, peer)
        else:
            assert hx(_p256_shared(priv, peer)) == case["shared"], case["what"]


def test_ecdh_keypair_roundtrip():
    a_priv, a_pub = _p256_keypair()
    b_priv, b_pub = _p256_keypair()
    assert len(a_priv) == 32 and len(a_pub) == 65 and a_pub[0] == 4
    ec.decode_point(ec.P256, a_pub)
    assert _p256_shared(a_priv, b_pub) == _p256_shared(b_priv, a_pub)
    raises(ParseError, _p256_shared, bytes(32), b_pub)          # scalar 0
    raises(ParseError, _p256_shared, b"\xff" * 32, b_pub)       # scalar >= n
    raises(ParseError, _p256_shared, a_priv[:31], b_pub)
