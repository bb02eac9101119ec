# P-256/P-384 (FIPS 186-5): ECDSA verification against host vectors (valid, high-s,
# tampered, out-of-range r/s, DER faults, bad points; host_tests/vectorgen/ecdsa.py) and
# P-256 ECDH (SEC 1 3.3.1) against cryptography's shared secrets.
from nts.crypto import ec, hashes
from nts.errors import ParseError, SignatureError
from support import h, hx, raises, vectors


def _verify(case):
    ec.ecdsa_verify(case["curve"], h(case["pub"]), hashes.digest(case["hash"], h(case["msg"])),
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


def test_curve_parameters():
    # The base point is on its curve and has order n (n*G is infinity: the ladder's
    # u1*G + u2*Q with u1 = n, u2 = 0).
    for c in (ec.P256, ec.P384):
        assert ec._on_curve(c, c.g[0], c.g[1])
        assert ec._mul_add(c, c.n, c.g, 0, c.g)[2] == 0
        assert ec._to_affine(c, ec._mul_add(c, c.n + 1, c.g, 0, c.g)) == c.g
    assert ec.P256.size == 32 and ec.P384.size == 48
    assert ec.P256.n_bits == 256 and ec.P384.n_bits == 384


def test_shamir_special_cases():
    # u1*G + u2*Q where Q = G (G + Q is a doubling) and Q = -G (G + Q is infinity).
    c = ec.P256
    g = c.g
    neg_g = (g[0], c.p - g[1])
    two_g = ec._to_affine(c, ec._double(c, (g[0], g[1], 1)))
    assert ec._to_affine(c, ec._mul_add(c, 1, g, 1, g)) == two_g
    assert ec._to_affine(c, ec._mul_add(c, 3, g, 1, neg_g)) == two_g
    assert ec._mul_add(c, 5, g, 5, neg_g)[2] == 0


def test_unsupported_curve():
    raises(SignatureError, ec.ecdsa_verify, "p521", b"\x04", bytes(32), b"\x30\x00")


def test_ecdh_vectors():
    for case in vectors("ecdh_p256"):
        priv, peer = h(case["priv"]), h(case["peer"])
        if case["shared"] is None:
            raises(ParseError, ec.p256_shared, priv, peer)
        else:
            assert hx(ec.p256_shared(priv, peer)) == case["shared"], case["what"]


def test_ecdh_keypair_roundtrip():
    a_priv, a_pub = ec.p256_keypair()
    b_priv, b_pub = ec.p256_keypair()
    assert len(a_priv) == 32 and len(a_pub) == 65 and a_pub[0] == 4
    ec.decode_point(ec.P256, a_pub)
    assert ec.p256_shared(a_priv, b_pub) == ec.p256_shared(b_priv, a_pub)
    raises(ParseError, ec.p256_shared, bytes(32), b_pub)          # scalar 0
    raises(ParseError, ec.p256_shared, b"\xff" * 32, b_pub)       # scalar >= n
    raises(ParseError, ec.p256_shared, a_priv[:31], b_pub)
