# HMAC-SHA256 (RFC 4231 vectors) and HKDF-SHA256 (RFC 5869 A.1-A.3), then the
# cryptography-generated cases (host_tests/vectorgen/hmac.py, hkdf.py).
from nts.crypto.hkdf import expand, extract, hmac_sha256
from nts.errors import AlgorithmError
from support import h, raises, vectors


def test_hmac_rfc4231():
    # RFC 4231 4.2, 4.3 and 4.7 (a key longer than the block is hashed first).
    assert hmac_sha256(b"\x0b" * 20, b"Hi There") == h(
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    assert hmac_sha256(b"Jefe", b"what do ya want for nothing?") == h(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert hmac_sha256(b"\xaa" * 131,
                       b"Test Using Larger Than Block-Size Key - Hash Key First") == h(
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")


# RFC 5869 Appendix A.1-A.3: (ikm, salt, info, length, prk, okm)
RFC5869 = (
    ("0b" * 22, "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
     "34007208d5b887185865"),
    ("".join("%02x" % i for i in range(0x00, 0x50)),
     "".join("%02x" % i for i in range(0x60, 0xb0)),
     "".join("%02x" % i for i in range(0xb0, 0x100)), 82,
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"),
    ("0b" * 22, "", "", 42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
     "9d201395faa4b61a96c8"),
)


def test_hkdf_rfc5869():
    for ikm, salt, info, n, prk, okm in RFC5869:
        assert extract(h(salt), h(ikm)) == h(prk)
        assert expand(h(prk), h(info), n) == h(okm)


def test_hkdf_limits():
    prk = bytes(32)
    assert expand(prk, b"", 0) == b""
    assert len(expand(prk, b"", 255 * 32)) == 255 * 32
    raises(AlgorithmError, expand, prk, b"", 255 * 32 + 1)
    assert extract(None, b"x") == extract(b"", b"x") == extract(bytes(32), b"x")


def test_hmac_vs_cryptography():
    n = 0
    for c in vectors("hmac"):
        assert hmac_sha256(h(c["key"]), h(c["msg"])) == h(c["mac"]), n
        n += 1
    assert n >= 1000


def test_hkdf_vs_cryptography():
    n = 0
    for c in vectors("hkdf"):
        prk = extract(h(c["salt"]), h(c["ikm"]))
        assert prk == h(c["prk"]), n
        assert expand(prk, h(c["info"]), c["length"]) == h(c["okm"]), n
        n += 1
    assert n >= 1000
