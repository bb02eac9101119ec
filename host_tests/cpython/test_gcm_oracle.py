# AES-GCM and AES-GCM-SIV against cryptography under hypothesis: arbitrary lengths
# (including long, multi-chunk records the portable vectors keep short), and decryption
# of any tampered output fails.
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as RefGCM
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV as RefGCMSIV
from hypothesis import given, settings
from hypothesis import strategies as st

from nts.crypto import gcmsiv
from nts.crypto.gcm import AESGCM
from nts.errors import AuthError

keys = st.one_of(st.binary(min_size=16, max_size=16), st.binary(min_size=32, max_size=32))
nonces = st.binary(min_size=12, max_size=12)
texts = st.binary(max_size=2100)
ads = st.binary(max_size=300)


@settings(max_examples=300, deadline=None)
@given(keys, nonces, texts, ads, st.integers(min_value=0))
def test_gcm_matches_cryptography(key, nonce, pt, ad, flip):
    out = RefGCM(key).encrypt(nonce, pt, ad)
    c = AESGCM(key)
    assert c.encrypt(nonce, pt, ad) == out
    assert c.decrypt(nonce, out, ad) == pt
    bad = bytearray(out)
    bad[flip % len(bad)] ^= 1 << (flip % 8)
    try:
        c.decrypt(nonce, bytes(bad), ad)
    except AuthError:
        pass
    else:
        raise AssertionError("tampered GCM record accepted")


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=16, max_size=16), nonces, texts, ads, st.integers(min_value=0))
def test_gcmsiv_matches_cryptography(key, nonce, pt, ad, flip):
    out = RefGCMSIV(key).encrypt(nonce, pt, ad)
    assert gcmsiv.encrypt(key, nonce, pt, ad) == out
    assert gcmsiv.decrypt(key, nonce, out, ad) == pt
    bad = bytearray(out)
    bad[flip % len(bad)] ^= 1 << (flip % 8)
    try:
        gcmsiv.decrypt(key, nonce, bytes(bad), ad)
    except AuthError:
        pass
    else:
        raise AssertionError("tampered GCM-SIV message accepted")
