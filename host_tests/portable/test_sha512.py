# SHA-384/SHA-512 (FIPS 180-4): the pure-Python versions are always tested, also on
# CPython where nts.crypto.sha512 otherwise hands out hashlib's.
from nts.crypto import sha512 as mod
from support import h, hx, vectors

# FIPS 180-4 examples (NIST CSRC "SHA2 additional examples"): "abc" and the two-block message.
_ABC = b"abc"
_TWO_BLOCK = (b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
              b"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")


def test_fips_examples():
    assert hx(mod.pure_sha512(_ABC).digest()) == (
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    assert hx(mod.pure_sha384(_ABC).digest()) == (
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
        "8086072ba1e7cc2358baeca134c825a7")
    assert hx(mod.pure_sha512(_TWO_BLOCK).digest()) == (
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
        "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
    assert hx(mod.pure_sha384(_TWO_BLOCK).digest()) == (
        "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
        "fcc7c71a557e2db966c3e9fa91746039")


def test_empty():
    assert mod.pure_sha512().hexdigest() == (
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")


def test_vectors_one_shot_and_streamed():
    for case in vectors("sha512"):
        msg = h(case["msg"])
        assert hx(mod.pure_sha512(msg).digest()) == case["sha512"]
        assert hx(mod.pure_sha384(msg).digest()) == case["sha384"]
        # Fed in uneven pieces, with a copy taken midway: same digest.
        obj = mod.pure_sha384()
        mid = None
        for i in range(0, len(msg), 37):
            obj.update(msg[i:i + 37])
            if mid is None and i >= len(msg) // 2:
                mid = obj.copy()
        assert hx(obj.digest()) == case["sha384"]
        assert hx(obj.digest()) == case["sha384"]  # digest() does not consume the state
        if mid is not None:
            mid.update(b"x")
            assert hx(obj.digest()) == case["sha384"]


def test_exported_names_agree():
    # Whichever implementation `sha512`/`sha384` name (hashlib's or ours), same answers.
    msg = bytes(range(200))
    assert mod.sha512(msg).digest() == mod.pure_sha512(msg).digest()
    assert mod.sha384(msg).digest() == mod.pure_sha384(msg).digest()
    assert mod.pure_sha512().digest_size == 64 and mod.pure_sha384().digest_size == 48


def _iroot(x, k):
    r = 1 << ((len(bin(x)) - 2) // k + 1)  # an upper bound; Newton descends from it
    while True:
        s = ((k - 1) * r + x // r ** (k - 1)) // k
        if s >= r:
            return r
        r = s


def test_constant_tables_are_the_fips_roots():
    primes = []
    n = 2
    while len(primes) < 80:
        if all(n % p for p in primes):
            primes.append(n)
        n += 1
    mask = (1 << 64) - 1
    assert mod._K == tuple(_iroot(p << 192, 3) & mask for p in primes)
    assert mod._IV512 == tuple(_iroot(p << 128, 2) & mask for p in primes[:8])
    assert mod._IV384 == tuple(_iroot(p << 128, 2) & mask for p in primes[8:16])
