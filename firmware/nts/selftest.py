"""Power-on known-answer self-test: one published vector per primitive, on the backends
this board will actually use. A board calls run() at boot and refuses to sync if it
raises; `micropython -c "import nts.selftest; nts.selftest.run(True)"` runs it by hand.

    run(verbose=False) -> list of the primitive names checked; NTSError on a mismatch

GCM and GCM-SIV are checked when their modules are on the board (a manifest may leave
an algorithm out); everything else is always there.
"""
from binascii import unhexlify

from nts.errors import NTSError


def _h(s):
    return unhexlify(s)


def _check(name, got, want, done):
    if got != _h(want):
        raise NTSError("self-test failed: " + name)
    done.append(name)


def run(verbose=False):
    from nts.crypto.aes import AES
    from nts.crypto.cmac import CMAC
    from nts.crypto.hkdf import expand, extract, hmac_sha256
    from nts import aead

    done = []
    pt = _h("00112233445566778899aabbccddeeff")
    aes = AES(_h("000102030405060708090a0b0c0d0e0f"))
    # FIPS-197 C.1 and C.3
    _check("aes128", aes.encrypt_block(pt), "69c4e0d86a7b0430d8cdb78070b4c55a", done)
    aes256 = AES(_h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
    _check("aes256", aes256.encrypt_block(pt), "8ea2b7ca516745bfeafc49904b496089", done)
    # RFC 4493 4, example 2
    cmac = CMAC(AES(_h("2b7e151628aed2a6abf7158809cf4f3c")))
    _check("cmac", cmac.mac(_h("6bc1bee22e409f96e93d7e117393172a")),
           "070a16b46b4d4144f79bdd9dd04a287c", done)
    # RFC 5297 A.1 (deterministic: no nonce, so below the nonce-taking aead entry)
    from nts.crypto.siv import SIV
    siv = SIV(_h("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))
    _check("aes-siv", siv.encrypt(_h("112233445566778899aabbccddee"),
                                  [_h("101112131415161718191a1b1c1d1e1f2021222324252627")]),
           "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c", done)
    # RFC 4231 4.3 and RFC 5869 A.3
    _check("hmac-sha256", hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", done)
    _check("hkdf-sha256", expand(extract(b"", b"\x0b" * 22), b"", 42),
           "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
           "9d201395faa4b61a96c8", done)
    try:
        from nts.crypto.gcm import AESGCM
    except ImportError:
        AESGCM = None
    if AESGCM is not None:
        # McGrew-Viega GCM test case 2 (zero key, zero IV, one zero block)
        _check("aes128-gcm", AESGCM(bytes(16)).encrypt(bytes(12), bytes(16), b""),
               "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf", done)
    try:
        from nts.crypto import gcmsiv  # noqa: F401
    except ImportError:
        gcmsiv = None
    if gcmsiv is not None:
        # RFC 8452 C.1, AD 01, plaintext 0200000000000000
        _check("aes128-gcm-siv",
               aead.encrypt(aead.AEAD_AES_128_GCM_SIV, _h("01" + "00" * 15),
                            _h("03" + "00" * 11), _h("0200000000000000"), b"\x01"),
               "1e6daba35669f4273b0a1a2560969cdf790d99759abd1508", done)
    if verbose:
        print("selftest ok (AES backend %s): %s" % (aes.backend, " ".join(done)))
    return done
