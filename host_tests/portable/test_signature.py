# The signature dispatcher shared by x509 and TLS CertificateVerify (RFC 8446 4.2.3
# SignatureScheme codes): scheme -> padding/hash/curve, key-type checks, hashing.
# SHA-512 is imported up front: signature loads it on first use, and loading it between
# RSA-4096 steps would fragment a 100 KB heap that also holds the code (.mpy bundle run).
from nts.crypto import sha512  # noqa: F401  (see below)
from nts import slices
from nts.crypto import signature as sig
from nts.errors import SignatureError
from support import h, raises, vectors


def _verify(*args, **kwargs):
    return slices.run(sig.verify_steps(*args, **kwargs))

_RSA_SCHEME = {
    ("pkcs1", "sha256"): 0x0401, ("pkcs1", "sha384"): 0x0501, ("pkcs1", "sha512"): 0x0601,
    ("pss", "sha256"): 0x0804, ("pss", "sha384"): 0x0805, ("pss", "sha512"): 0x0806,
}
_PSS_PSS = {0x0804: 0x0809, 0x0805: 0x080A, 0x0806: 0x080B}


def test_rsa_schemes():
    for case in vectors("rsa_sig"):
        scheme = _RSA_SCHEME[(case["padding"], case["hash"])]
        key = ("rsa", int(case["n"], 16), case["e"])
        msg, s = h(case["msg"]), h(case["sig"])
        salt = case["salt_len"]
        if case["valid"]:
            _verify(scheme, key, msg, s, salt)
            if scheme in _PSS_PSS:
                # An id-RSASSA-PSS key (RFC 8446: rsa_pss_pss_*) verifies the same encoding.
                _verify(_PSS_PSS[scheme], ("rsa-pss", key[1], key[2]), msg, s, salt)
                raises(SignatureError, _verify, scheme, ("rsa-pss", key[1], key[2]), msg, s)
        else:
            raises(SignatureError, _verify, scheme, key, msg, s, salt)


def _first_valid(padding, hash_name):
    for case in vectors("rsa_sig"):
        if case["valid"] and case["padding"] == padding and case["hash"] == hash_name \
                and case["salt_len"] is None:
            return ("rsa", int(case["n"], 16), case["e"]), h(case["msg"]), h(case["sig"])
    raise AssertionError("no such vector")


def test_key_scheme_mismatch_and_unknown_schemes():
    key, msg, s = _first_valid("pkcs1", "sha256")
    _verify(0x0401, key, msg, s)
    for scheme in (0x0201, 0x0203, 0x0807, 0x0808, 0x0000, 0xFFFF):  # sha1, ed25519/448
        raises(SignatureError, _verify, scheme, key, msg, s)
    raises(SignatureError, _verify, 0x0403, key, msg, s)              # RSA key, ECDSA scheme
    raises(SignatureError, _verify, 0x0401, ("rsa-pss", key[1], key[2]), msg, s)
    raises(SignatureError, _verify, 0x0401, ("dsa", key[1], key[2]), msg, s)
    raises(SignatureError, _verify, 0x0401, ("rsa", key[1]), msg, s)
    raises(SignatureError, _verify, 0x0401, None, msg, s)
    ec_key = ("ec", "p256", b"\x04" + bytes(64))
    raises(SignatureError, _verify, 0x0401, ec_key, msg, s)           # EC key, RSA scheme
    raises(SignatureError, _verify, 0x0503, ec_key, msg, s)           # P-256 key, P-384 scheme


def test_supported_schemes_and_hashes():
    assert isinstance(sig.SUPPORTED_SCHEMES, tuple)
    assert sig.SUPPORTED_SCHEMES[0] == 0x0804
    assert sorted(sig.SUPPORTED_SCHEMES) == [0x0401, 0x0403, 0x0501, 0x0503, 0x0601,
                                             0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B]
    # FIPS 180-4 "abc" digests.
    assert sig.digest("sha256", b"abc") == h(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert sig.digest("sha384", b"abc")[:8] == h("cb00753f45a35e8b")
    assert sig.digest("sha512", b"abc")[:8] == h("ddaf35a193617aba")
    raises(SignatureError, sig.digest, "sha1", b"abc")


def test_ecdsa_schemes():
    n = 0
    for case in vectors("ecdsa"):
        key = ("ec", case["curve"], h(case["pub"]))
        msg, s = h(case["msg"]), h(case["sig"])
        scheme = {"sha256": 0x0403, "sha384": 0x0503}.get(case["hash"])
        if scheme is None:
            continue
        n += 1
        curve_matches = (scheme == 0x0403) == (case["curve"] == "p256")
        if case["valid"] and curve_matches:
            _verify(scheme, key, msg, s)
        elif case["valid"]:
            # e.g. ecdsa-with-SHA384 by a P-256 key: fine in a certificate (x509 passes
            # curve_must_match=False), not as a TLS 1.3 SignatureScheme.
            raises(SignatureError, _verify, scheme, key, msg, s)
            _verify(scheme, key, msg, s, curve_must_match=False)
        else:
            raises(SignatureError, _verify, scheme, key, msg, s)
    assert n >= 80
