# AEAD_AES_128_GCM_SIV (RFC 8452), NTS AEAD id 30: RFC 8452 Appendix C.1 vectors on every
# AES x GHASH backend pair, tampering, and the cryptography-generated cases
# (host_tests/vectorgen/aes_gcm_siv.py) under both interpreters.
from nts.crypto import aes as aes_mod
from nts.crypto import gcmsiv
from nts.crypto import ghash
from nts.errors import AlgorithmError, AuthError
from support import h, raises, vectors

KEY = h("01000000000000000000000000000000")
NONCE = h("030000000000000000000000")

# RFC 8452 C.1 (key and nonce above): (plaintext, AAD, result).
C1 = (
    (b"", b"", h("dc20e2d83f25705bb49e439eca56de25")),
    (h("0100000000000000"), b"", h("b5d839330ac7b786578782fff6013b815b287c22493a364c")),
    (h("0200000000000000"), h("01"), h("1e6daba35669f4273b0a1a2560969cdf790d99759abd1508")),
)


def _pairs():
    return [(a, g) for a in aes_mod.backends() for g in ghash.backends()]


def test_rfc8452_c1_every_backend():
    for a, g in _pairs():
        for pt, ad, out in C1:
            assert gcmsiv.encrypt(KEY, NONCE, pt, ad, a, g) == out, (a, g, len(pt))
            assert gcmsiv.decrypt(KEY, NONCE, out, ad, a, g) == pt, (a, g, len(pt))


def test_tables_path_explicitly():
    pt, ad, out = C1[2]
    assert gcmsiv.encrypt(KEY, NONCE, pt, ad, "tables", "tables") == out
    assert gcmsiv.decrypt(KEY, NONCE, out, ad, "tables", "tables") == pt


def test_rfc8452_c1_derived_keys():
    # C.1 prints the record authentication and encryption keys for this key and nonce.
    auth, enc = gcmsiv._derive(KEY, NONCE, None)
    assert auth == h("d9b360279694941ac5dbc6987ada7377")
    assert enc.encrypt_block(bytes(16)) == aes_mod.AES(
        h("4004a0dcd862f2a57360219d2d44ef6c")).encrypt_block(bytes(16))


def test_tampering_fails_every_time():
    pt = bytes(range(45))
    ad = bytes(range(100, 148))
    out = gcmsiv.encrypt(KEY, NONCE, pt, ad)
    assert gcmsiv.decrypt(KEY, NONCE, out, ad) == pt
    for i in range(len(out)):
        bad = bytearray(out)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, gcmsiv.decrypt, KEY, NONCE, bytes(bad), ad)
    for i in range(len(ad)):
        bad = bytearray(ad)
        bad[i] ^= 0x80 >> (i % 8)
        raises(AuthError, gcmsiv.decrypt, KEY, NONCE, out, bytes(bad))
    for i in range(len(NONCE)):
        bad = bytearray(NONCE)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, gcmsiv.decrypt, KEY, bytes(bad), out, ad)
    for i in range(len(KEY)):
        bad = bytearray(KEY)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, gcmsiv.decrypt, bytes(bad), NONCE, out, ad)
    raises(AuthError, gcmsiv.decrypt, KEY, NONCE, out[:-1], ad)
    raises(AuthError, gcmsiv.decrypt, KEY, NONCE, out + b"\x00", ad)
    raises(AuthError, gcmsiv.decrypt, KEY, NONCE, out, ad + b"\x00")
    for n in range(17):
        raises(AuthError, gcmsiv.decrypt, KEY, NONCE, out[:n], ad)


def test_bad_sizes_are_typed_errors():
    for k in (bytes(15), bytes(32)):
        raises(AlgorithmError, gcmsiv.encrypt, k, NONCE, b"", b"")
        raises(AlgorithmError, gcmsiv.decrypt, k, NONCE, bytes(16), b"")
    for n in (bytes(0), bytes(11), bytes(16)):
        raises(AlgorithmError, gcmsiv.encrypt, KEY, n, b"", b"")
        raises(AlgorithmError, gcmsiv.decrypt, KEY, n, bytes(16), b"")


def test_cryptography_cases():
    n = 0
    for v in vectors("aes_gcm_siv"):
        key, nonce, ad, pt, out = h(v["key"]), h(v["nonce"]), h(v["ad"]), h(v["pt"]), h(v["ct"])
        assert gcmsiv.encrypt(key, nonce, pt, ad) == out, n
        assert gcmsiv.decrypt(key, nonce, out, ad) == pt, n
        bad = bytearray(out)
        bad[n % len(out)] ^= 1 << (n % 8)
        raises(AuthError, gcmsiv.decrypt, key, nonce, bytes(bad), ad)
        n += 1
    assert n >= 1000


def test_cryptography_cases_tables_path():
    # Every fourth case again through the plain GHASH twin (the default may be viper).
    n = 0
    for v in vectors("aes_gcm_siv"):
        if n % 4 == 0:
            out = gcmsiv.encrypt(h(v["key"]), h(v["nonce"]), h(v["pt"]), h(v["ad"]), None,
                                 "tables")
            assert out == h(v["ct"]), n
        n += 1
