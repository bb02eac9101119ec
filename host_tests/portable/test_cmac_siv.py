# AES-CMAC (RFC 4493) and AES-SIV (RFC 5297): RFC vectors on every AES backend, then the
# cryptography-generated cases (host_tests/vectorgen/aes_siv.py) under both interpreters.
from nts.crypto import aes as aes_mod
from nts.crypto.aes import AES
from nts.crypto.cmac import CMAC, dbl
from nts.crypto.siv import SIV
from nts.errors import AlgorithmError, AuthError
from support import h, raises, vectors

# RFC 4493 4: subkeys and examples 1-4.
CMAC_KEY = h("2b7e151628aed2a6abf7158809cf4f3c")
CMAC_MSG = h("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
             "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710")
CMAC_TAGS = ((0, "bb1d6929e95937287fa37d129b756746"),
             (16, "070a16b46b4d4144f79bdd9dd04a287c"),
             (40, "dfa66747de9ae63030ca32611497c827"),
             (64, "51f0bebf7e3b9d92fc49741779363cfe"))

# RFC 5297 A.1 (deterministic, one AD) and A.2 (nonce-based, two ADs then the nonce).
A1_KEY = h("fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff")
A1_AD = h("10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627")
A1_PT = h("11223344 55667788 99aabbcc ddee")
A1_OUT = h("85632d07 c6e8f37f 950acd32 0a2ecc93 40c02b96 90c4dc04 daef7f6a fe5c")
A2_KEY = h("7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f")
A2_ADS = (h("00112233 44556677 8899aabb ccddeeff deaddada deaddada ffeeddcc bbaa9988"
            "77665544 33221100"),
          h("10203040 50607080 90a0"),
          h("09f91102 9d74e35b d84156c5 635688c0"))
A2_PT = h("74686973 20697320 736f6d65 20706c61 696e7465 78742074 6f20656e 63727970"
          "74207573 696e6720 5349562d 414553")
A2_OUT = h("7bdb6e3b 432667eb 06f4d14b ff2fbd0f cb900f2f ddbe4043 26601965 c889bf17"
           "dba77ceb 094fa663 b7a3f748 ba8af829 ea64ad54 4a272e9c 485b62a3 fd5c0d")


def test_cmac_subkeys_rfc4493():
    c = CMAC(AES(CMAC_KEY, "tables"))
    assert c._k1 == h("fbeed618357133667c85e08f7236a8de")
    assert c._k2 == h("f7ddac306ae266ccf90bc11ee46d513b")
    assert dbl(b"\x80" + bytes(15)) == bytes(15) + b"\x87"


def test_cmac_rfc4493_every_backend():
    for b in aes_mod.backends():
        c = CMAC(AES(CMAC_KEY, b))
        for n, tag in CMAC_TAGS:
            assert c.mac(CMAC_MSG[:n]) == h(tag), (b, n)


def test_siv_rfc5297_a1_a2_every_backend():
    for b in aes_mod.backends():
        s = SIV(A1_KEY, b)
        assert s.encrypt(A1_PT, [A1_AD]) == A1_OUT
        assert s.decrypt(A1_OUT, [A1_AD]) == A1_PT
        s = SIV(A2_KEY, b)
        assert s.encrypt(A2_PT, list(A2_ADS)) == A2_OUT
        assert s.decrypt(A2_OUT, list(A2_ADS)) == A2_PT


def test_siv_rfc5297_a1_s2v():
    # A.1 prints the S2V output, which is also the synthetic IV.
    assert SIV(A1_KEY).s2v([A1_AD, A1_PT]) == h("85632d07c6e8f37f950acd320a2ecc93")


def test_siv_rejects_tampering_every_position():
    s = SIV(A2_KEY)
    ads = list(A2_ADS)
    for i in range(len(A2_OUT)):
        bad = bytearray(A2_OUT)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, s.decrypt, bytes(bad), ads)
    for j in range(len(ads)):
        for i in range(len(ads[j])):
            bad = bytearray(ads[j])
            bad[i] ^= 0x80 >> (i % 8)
            raises(AuthError, s.decrypt, A2_OUT, ads[:j] + [bytes(bad)] + ads[j + 1:])
    raises(AuthError, s.decrypt, A2_OUT[:-1], ads)
    raises(AuthError, s.decrypt, A2_OUT + b"\x00", ads)
    raises(AuthError, s.decrypt, A2_OUT, ads[:2])
    for n in range(16):
        raises(AuthError, s.decrypt, A2_OUT[:n], ads)


def test_siv_bad_key_is_typed_error():
    raises(AlgorithmError, SIV, bytes(16))
    raises(AlgorithmError, SIV, bytes(48))
    raises(AlgorithmError, SIV(A1_KEY).encrypt, b"", [b""] * 127)


def _differential(backend, every=1):
    n = 0
    for i, c in enumerate(vectors("aes_siv")):
        if i % every:
            continue
        key, nonce, ad, pt, ct = (h(c[k]) for k in ("key", "nonce", "ad", "pt", "ct"))
        s = SIV(key, backend)
        assert s.encrypt(pt, [ad, nonce]) == ct, i
        assert s.decrypt(ct, [ad, nonce]) == pt, i
        if i % 7 == 0:
            bad = bytearray(ct)
            bad[i % len(bad)] ^= 1 << (i % 8)
            raises(AuthError, s.decrypt, bytes(bad), [ad, nonce])
        n += 1
    assert n >= 1000 // every


def test_siv_vs_cryptography_default_backend():
    _differential(None)


def test_siv_vs_cryptography_tables():
    _differential("tables")


def test_siv_vs_cryptography_viper():
    if "viper" not in aes_mod.backends():
        from support import SkipTest
        raise SkipTest("viper backend off here")
    _differential("viper")
