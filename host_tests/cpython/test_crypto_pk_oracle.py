# Public-key crypto against the `cryptography` package, with fresh random keys (unlike
# the fixed-seed portable vectors), plus hypothesis fuzzing of every parser on the
# verification path: whatever the bytes, the result is the oracle's answer or the typed
# error, never another exception.
import hashlib
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec as cec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa as crsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from hypothesis import given, settings, strategies as st

from nts import slices
from nts.crypto import ec, rsa, sha512, signature, x25519
from nts.errors import AuthError, ParseError, SignatureError


def _x25519(*args, **kwargs):
    return slices.run(x25519.shared_steps(*args, **kwargs))


def _x25519_keypair(*args, **kwargs):
    return slices.run(x25519.keypair_steps(*args, **kwargs))


def _ecdsa_verify(*args, **kwargs):
    return slices.run(ec.ecdsa_verify_steps(*args, **kwargs))


def _p256_keypair(*args, **kwargs):
    return slices.run(ec.p256_keypair_steps(*args, **kwargs))


def _p256_shared(*args, **kwargs):
    return slices.run(ec.p256_shared_steps(*args, **kwargs))


def _verify_pss(*args, **kwargs):
    return slices.run(rsa.verify_pss_steps(*args, **kwargs))


def _verify_pkcs1v15(*args, **kwargs):
    return slices.run(rsa.verify_pkcs1v15_steps(*args, **kwargs))


def _signature_verify(*args, **kwargs):
    return slices.run(signature.verify_steps(*args, **kwargs))

_CURVES = {"p256": (cec.SECP256R1(), hashes.SHA256), "p384": (cec.SECP384R1(), hashes.SHA384)}
_EC_KEYS = {name: cec.generate_private_key(c) for name, (c, _) in _CURVES.items()}
_RSA_KEY = crsa.generate_private_key(65537, 2048)


def _point(key):
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def _x25519_oracle(k, u):
    try:
        return X25519PrivateKey.from_private_bytes(k).exchange(
            X25519PublicKey.from_public_bytes(u))
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_x25519_matches_oracle(k, u):
    want = _x25519_oracle(k, u)
    if want is None:
        try:
            _x25519(k, u)
        except AuthError:
            return
        raise AssertionError("all-zero result not refused")
    assert _x25519(k, u) == want


def test_x25519_1000_random_keypairs():
    for _ in range(1000):
        priv, pub = _x25519_keypair()
        assert pub == X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_ecdsa_random_keys_and_randomized_signatures():
    for name, (curve, hash_cls) in _CURVES.items():
        for _ in range(60):
            key = cec.generate_private_key(curve)
            msg = os.urandom(40)
            sig = key.sign(msg, cec.ECDSA(hash_cls()))
            digest = hashlib.new(hash_cls.name, msg).digest()
            _ecdsa_verify(name, _point(key), digest, sig)
            bad = hashlib.new(hash_cls.name, msg + b"!").digest()
            try:
                _ecdsa_verify(name, _point(key), bad, sig)
            except SignatureError:
                continue
            raise AssertionError("wrong digest accepted")


def test_p256_ecdh_random():
    for _ in range(50):
        priv, pub = _p256_keypair()
        peer = cec.generate_private_key(cec.SECP256R1())
        ours = _p256_shared(priv, _point(peer))
        theirs = peer.exchange(cec.ECDH(), cec.EllipticCurvePublicKey.from_encoded_point(
            cec.SECP256R1(), pub))
        assert ours == theirs


@settings(max_examples=10000, deadline=None)
@given(st.binary(max_size=120))
def test_ecdsa_der_fuzz(blob):
    # Random signature bytes: SignatureError (the odds of a forgery are nil).
    for name, key in _EC_KEYS.items():
        try:
            _ecdsa_verify(name, _point(key), bytes(48), blob)
        except SignatureError:
            continue
        raise AssertionError("random signature accepted")


@st.composite
def _near_der(draw):
    # SEQUENCE { INTEGER, INTEGER } with lengths that are right or off by a little, so
    # the fuzzer spends its time inside the parser rather than at the first byte.
    def tlv(tag, body):
        n = max(0, len(body) + draw(st.sampled_from([0, 0, 0, -1, 1, 128])))
        head = bytes([n]) if n < 128 and draw(st.booleans()) else b"\x81" + bytes([n % 256])
        return bytes([tag]) + head + body
    r = tlv(draw(st.sampled_from([2, 2, 3])), draw(st.binary(max_size=50)))
    s = tlv(2, draw(st.binary(max_size=50)))
    return tlv(0x30, r + s) + draw(st.binary(max_size=2))


@settings(max_examples=10000, deadline=None)
@given(_near_der())
def test_ecdsa_near_der_fuzz(blob):
    for name, key in _EC_KEYS.items():
        try:
            _ecdsa_verify(name, _point(key), bytes(48), blob)
        except SignatureError:
            continue
        raise AssertionError("random signature accepted")


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=110))
def test_point_decoding_fuzz(blob):
    for c in (ec.P256, ec.P384):
        try:
            x, y = ec.decode_point(c, blob)
        except ParseError:
            continue
        assert ec._on_curve(c, x, y) and ec.encode_point(c, (x, y)) == blob


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=256, max_size=256), st.sampled_from(["sha256", "sha384", "sha512"]),
       st.booleans())
def test_rsa_random_signature_fuzz(blob, hash_name, pss):
    n = _RSA_KEY.public_key().public_numbers().n
    digest = hashlib.new(hash_name, b"m").digest()
    try:
        if pss:
            _verify_pss(n, 65537, hash_name, digest, blob)
        else:
            _verify_pkcs1v15(n, 65537, hash_name, digest, blob)
    except SignatureError:
        return
    raise AssertionError("random RSA signature accepted")


def test_rsa_random_signatures_all_schemes():
    pub = _RSA_KEY.public_key().public_numbers()
    key = ("rsa", pub.n, pub.e)
    for scheme, hash_cls, pss in ((0x0401, hashes.SHA256, False), (0x0501, hashes.SHA384, False),
                                  (0x0601, hashes.SHA512, False), (0x0804, hashes.SHA256, True),
                                  (0x0805, hashes.SHA384, True), (0x0806, hashes.SHA512, True)):
        for _ in range(10):
            msg = os.urandom(70)
            pad = (padding.PSS(padding.MGF1(hash_cls()), hash_cls.digest_size) if pss
                   else padding.PKCS1v15())
            sig = _RSA_KEY.sign(msg, pad, hash_cls())
            _signature_verify(scheme, key, msg, sig)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=700), st.integers(1, 200))
def test_pure_sha512_streaming_matches_hashlib(data, step):
    a = sha512.pure_sha512()
    b = sha512.pure_sha384()
    for i in range(0, len(data), step):
        a.update(data[i:i + step])
        b.update(data[i:i + step])
    assert a.digest() == hashlib.sha512(data).digest()
    assert b.digest() == hashlib.sha384(data).digest()
