# X25519, RFC 7748: the section 5.2 test vectors and iteration loop, the section 6.1
# Diffie-Hellman example, host vectors (edge and low-order u values) and the typed errors.
from nts import slices
from nts.crypto import x25519 as mod
from nts.errors import AuthError, ParseError
from support import h, hx, raises, vectors


def _x25519(k, u):
    return slices.run(mod.shared_steps(k, u))


def _public(k):
    return _x25519(k, mod.BASE_POINT)


def test_rfc7748_5_2_vectors():
    assert hx(_x25519(
        h("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
        h("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))) == \
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
    assert hx(_x25519(
        h("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
        h("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"))) == \
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"


def test_rfc7748_5_2_iterations():
    # k = u = 9; each round k, u = X25519(k, u), k. 1 and 1000 rounds (the 10**6 round
    # value would take far too long here).
    k = u = b"\x09" + bytes(31)
    for i in range(1000):
        k, u = _x25519(k, u), k
        if i == 0:
            assert hx(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"
    assert hx(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"


def test_rfc7748_6_1_diffie_hellman():
    a = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    b = h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    a_pub = _public(a)
    b_pub = _public(b)
    assert hx(a_pub) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    assert hx(b_pub) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert hx(_x25519(a, b_pub)) == shared
    assert hx(_x25519(b, a_pub)) == shared


def test_host_vectors():
    n = 0
    for case in vectors("x25519"):
        k, u = h(case["k"]), h(case["u"])
        if case["zero"]:
            raises(AuthError, _x25519, k, u)
        else:
            assert hx(_x25519(k, u)) == case["out"]
        n += 1
    assert n >= 50


def test_keypair_agrees():
    a_priv, a_pub = slices.run(mod.keypair_steps())
    b_priv, b_pub = slices.run(mod.keypair_steps())
    assert len(a_priv) == len(a_pub) == 32 and a_priv != b_priv
    assert _public(a_priv) == a_pub
    assert _x25519(a_priv, b_pub) == _x25519(b_priv, a_pub)


def test_lengths():
    raises(ParseError, _x25519, bytes(31), bytes(32))
    raises(ParseError, _x25519, bytes(32), bytes(33))


def test_ladder_yields_in_slices():
    # One slice every LADDER_SLICE ladder steps (255 steps), the last with the inverse.
    steps = mod.shared_steps(bytes(range(32)), mod.BASE_POINT)
    n = 0
    while True:
        try:
            next(steps)
        except StopIteration as e:
            out = e.value
            break
        n += 1
    assert n == (254 // mod.LADDER_SLICE) + 1
    assert out == _x25519(bytes(range(32)), mod.BASE_POINT)


def test_blinded_inverse():
    p = mod._P
    for z in (1, 2, 19, p - 1, p + 5, (1 << 256) - 1, 3 ** 150):
        assert mod._invert(z) * z % p == 1
    assert mod._invert(0) == 0 and mod._invert(p) == 0 and mod._invert(2 * p) == 0
