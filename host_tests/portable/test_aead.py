# nts.aead, the public AEAD entry (RFC 8915 5.6 wire layout): known answers, the
# cryptography-generated cases through the public API, tampering, and typed errors.
from nts import aead
from nts.errors import AlgorithmError, AuthError
from support import SkipTest, h, raises, vectors

SIV = aead.AEAD_AES_SIV_CMAC_256
GCM_SIV = aead.AEAD_AES_128_GCM_SIV

# An NTS-shaped request from cryptography 50's AESSIV(key).encrypt(pt, [ad, nonce]):
# key 00..1f, nonce 40..4f, ad 00..2f (a 48-byte NTP header); tag first, then ciphertext.
NTS_KEY = bytes(range(32))
NTS_NONCE = bytes(range(0x40, 0x50))
NTS_AD = bytes(range(48))
NTS_OUT = h("dc2c9d98db217526515785c51d84a403 af35ba")

# RFC 8452 C.1 (AEAD_AES_128_GCM_SIV): key 01 00.., nonce 03 00..; ciphertext then tag.
GS_KEY = h("01000000000000000000000000000000")
GS_NONCE = h("030000000000000000000000")
GS_CASES = ((b"", h("0100000000000000"), h("b5d839330ac7b786 578782fff6013b81 5b287c22493a364c")),
            (h("01"), h("0200000000000000"), h("1e6daba35669f427 3b0a1a2560969cdf 790d99759abd1508")))


def _need_gcmsiv():
    try:
        import nts.crypto.gcmsiv  # noqa: F401  (helper B's module)
    except ImportError:
        raise SkipTest("nts.crypto.gcmsiv not present")


def test_key_lengths_and_ids():
    assert (SIV, GCM_SIV) == (15, 30)
    assert aead.key_length(SIV) == 32
    assert aead.key_length(GCM_SIV) == 16
    for bad in (0, 1, 16, 17, 31, None):
        raises(AlgorithmError, aead.key_length, bad)
        raises(AlgorithmError, aead.encrypt, bad, NTS_KEY, NTS_NONCE, b"", b"")
        raises(AlgorithmError, aead.decrypt, bad, NTS_KEY, NTS_NONCE, bytes(32), b"")


def test_siv_known_answer_tag_first():
    assert aead.encrypt(SIV, NTS_KEY, NTS_NONCE, b"NTS", NTS_AD) == NTS_OUT
    assert aead.decrypt(SIV, NTS_KEY, NTS_NONCE, NTS_OUT, NTS_AD) == b"NTS"


def test_gcmsiv_rfc8452_ciphertext_then_tag():
    _need_gcmsiv()
    for ad, pt, out in GS_CASES:
        assert aead.encrypt(GCM_SIV, GS_KEY, GS_NONCE, pt, ad) == out
        assert aead.decrypt(GCM_SIV, GS_KEY, GS_NONCE, out, ad) == pt


def test_wrong_sizes_are_typed_errors():
    raises(AlgorithmError, aead.encrypt, SIV, bytes(16), NTS_NONCE, b"", b"")
    raises(AlgorithmError, aead.encrypt, SIV, bytes(64), NTS_NONCE, b"", b"")
    raises(AlgorithmError, aead.encrypt, SIV, NTS_KEY, b"", b"", b"")
    raises(AlgorithmError, aead.encrypt, GCM_SIV, bytes(32), bytes(12), b"", b"")
    raises(AlgorithmError, aead.encrypt, GCM_SIV, bytes(16), bytes(16), b"", b"")
    raises(AlgorithmError, aead.decrypt, GCM_SIV, bytes(16), bytes(11), bytes(16), b"")


def test_short_input_is_auth_error():
    for n in range(16):
        raises(AuthError, aead.decrypt, SIV, NTS_KEY, NTS_NONCE, bytes(n), b"")
        raises(AuthError, aead.decrypt, GCM_SIV, GS_KEY, GS_NONCE, bytes(n), b"")


def _tamper_everything(alg, key, nonce, pt, ad):
    out = aead.encrypt(alg, key, nonce, pt, ad)
    assert aead.decrypt(alg, key, nonce, out, ad) == pt
    for i in range(len(out)):  # tag and ciphertext, every byte, a different bit each
        bad = bytearray(out)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, aead.decrypt, alg, key, nonce, bytes(bad), ad)
    for i in range(len(nonce)):
        bad = bytearray(nonce)
        bad[i] ^= 0x80 >> (i % 8)
        raises(AuthError, aead.decrypt, alg, key, bytes(bad), out, ad)
    for i in range(len(ad)):
        bad = bytearray(ad)
        bad[i] ^= 1 << (i % 8)
        raises(AuthError, aead.decrypt, alg, key, nonce, out, bytes(bad))
    raises(AuthError, aead.decrypt, alg, key, nonce, out, ad + b"\x00")
    raises(AuthError, aead.decrypt, alg, key, nonce, out + b"\x00", ad)
    raises(AuthError, aead.decrypt, alg, key, nonce, out[:-1], ad)
    # Any other key fails, except that AES-SIV's CTR half (the key's right half) does not
    # enter the tag when there is nothing to encrypt (RFC 5297 2.6).
    for i in (0, len(key) - 1) if pt else (0,):
        other = bytearray(key)
        other[i] ^= 1
        raises(AuthError, aead.decrypt, alg, bytes(other), nonce, out, ad)


def test_siv_tampering_fails_every_time():
    # NTS request shape: AD = header + unique identifier EF + cookie EF; also a response.
    _tamper_everything(SIV, NTS_KEY, NTS_NONCE, b"", NTS_AD + bytes(range(140)))
    _tamper_everything(SIV, NTS_KEY, NTS_NONCE, bytes(range(100)), NTS_AD)


def test_gcmsiv_tampering_fails_every_time():
    _need_gcmsiv()
    _tamper_everything(GCM_SIV, GS_KEY, GS_NONCE, b"", NTS_AD + bytes(range(60)))
    _tamper_everything(GCM_SIV, GS_KEY, GS_NONCE, bytes(range(50)), NTS_AD)


def test_siv_vs_cryptography_through_aead():
    n = 0
    for c in vectors("aes_siv"):
        key = h(c["key"])
        if len(key) != 32:  # 64-byte keys are AES-SIV, but not NTS id 15
            continue
        nonce, ad, pt, ct = h(c["nonce"]), h(c["ad"]), h(c["pt"]), h(c["ct"])
        assert aead.encrypt(SIV, key, nonce, pt, ad) == ct, n
        assert aead.decrypt(SIV, key, nonce, ct, ad) == pt, n
        n += 1
    assert n >= 900


def test_gcmsiv_vs_cryptography_through_aead():
    _need_gcmsiv()
    n = 0
    for c in vectors("aes_gcm_siv"):
        key, nonce, ad, pt, ct = (h(c[k]) for k in ("key", "nonce", "ad", "pt", "ct"))
        assert aead.encrypt(GCM_SIV, key, nonce, pt, ad) == ct, n
        assert aead.decrypt(GCM_SIV, key, nonce, ct, ad) == pt, n
        n += 1
    assert n >= 1000


def test_key_cache_keeps_keys_apart():
    # The two-entry SIV cache must never answer for a different key.
    k1, k2, k3 = bytes(32), b"\x01" * 32, b"\x02" * 32
    outs = [aead.encrypt(SIV, k, NTS_NONCE, b"x", b"") for k in (k1, k2, k3, k1, k2)]
    assert outs[0] == outs[3] and outs[1] == outs[4]
    assert len(set(outs[:3])) == 3


def test_power_on_selftest():
    import nts.selftest
    done = nts.selftest.run()
    for name in ("aes128", "aes256", "cmac", "aes-siv", "hmac-sha256", "hkdf-sha256"):
        assert name in done


def test_accepts_any_bytes_like():
    # Parsers hand over bytearray or memoryview slices of a received packet.
    pt = bytes(range(70))
    ad = bytes(range(60))
    cases = [(SIV, NTS_KEY, NTS_NONCE)]
    try:
        _need_gcmsiv()
        cases.append((GCM_SIV, GS_KEY, GS_NONCE))
    except SkipTest:
        pass
    for alg, key, nonce in cases:
        out = aead.encrypt(alg, key, nonce, pt, ad)
        for conv in (bytearray, memoryview):
            assert aead.encrypt(alg, conv(key), conv(nonce), conv(pt), conv(ad)) == out
            assert aead.decrypt(alg, conv(key), conv(nonce), conv(out), conv(ad)) == pt
