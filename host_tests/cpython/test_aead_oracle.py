# Hypothesis fuzzing of the symmetric crypto against the `cryptography` package:
# nts.aead id 15 vs AESSIV([ad, nonce]), AES-CMAC vs CMAC, HKDF vs HKDF, on every
# AES backend CPython has (the table path).
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.cmac import CMAC as OracleCMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings, strategies as st

from nts import aead
from nts.crypto.aes import AES
from nts.crypto.cmac import CMAC
from nts.crypto.hkdf import expand, extract
from nts.errors import AuthError

blobs = st.binary(max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=1, max_size=40), blobs,
       blobs)
def test_aead15_matches_aessiv(key, nonce, pt, ad):
    out = aead.encrypt(15, key, nonce, pt, ad)
    assert out == AESSIV(key).encrypt(pt, [ad, nonce])
    assert aead.decrypt(15, key, nonce, out, ad) == pt


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=16, max_size=16), blobs,
       blobs, st.data())
def test_aead15_any_flip_fails(key, nonce, pt, ad, data):
    out = bytearray(aead.encrypt(15, key, nonce, pt, ad))
    i = data.draw(st.integers(0, len(out) - 1))
    out[i] ^= 1 << data.draw(st.integers(0, 7))
    try:
        aead.decrypt(15, key, nonce, bytes(out), ad)
    except AuthError:
        return
    raise AssertionError("tampered AES-SIV output authenticated")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from((16, 32)).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
       blobs)
def test_cmac_matches_cryptography(key, msg):
    o = OracleCMAC(algorithms.AES(key))
    o.update(msg)
    assert CMAC(AES(key)).mac(msg) == o.finalize()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80), st.binary(max_size=80), st.binary(max_size=80),
       st.integers(1, 255 * 32))
def test_hkdf_matches_cryptography(ikm, salt, info, length):
    want = HKDF(hashes.SHA256(), length, salt or None, info).derive(ikm)
    assert expand(extract(salt, ikm), info, length) == want
