# RSA verification (RFC 8017 8.1.2 / 8.2.2) against host-made vectors: valid signatures
# for 2048/2049/3072/4096-bit keys and SHA-256/384/512, and invalid ones including
# correctly RSA-signed but malformed encodings (see host_tests/vectorgen/rsa_sig.py).
from nts import slices
from nts.crypto import hashes, rsa
from nts.errors import SignatureError
from stepcount import yields
from support import h, raises, vectors


def _verify_pkcs1v15(*args, **kwargs):
    return slices.run(rsa.verify_pkcs1v15_steps(*args, **kwargs))


def _verify_pss(*args, **kwargs):
    return slices.run(rsa.verify_pss_steps(*args, **kwargs))


def _check(case):
    n = int(case["n"], 16)
    digest = hashes.digest(case["hash"], h(case["msg"]))
    sig = h(case["sig"])
    if case["padding"] == "pkcs1":
        _verify_pkcs1v15(n, case["e"], case["hash"], digest, sig)
    else:
        _verify_pss(n, case["e"], case["hash"], digest, sig, case["salt_len"])


def test_vectors():
    valid = invalid = 0
    for case in vectors("rsa_sig"):
        if case["valid"]:
            _check(case)
            valid += 1
        else:
            raises(SignatureError, _check, case)
            invalid += 1
    assert valid >= 28 and invalid >= 70


def test_key_and_argument_checks():
    case = next(c for c in vectors("rsa_sig") if c["valid"] and c["padding"] == "pkcs1")
    n = int(case["n"], 16)
    digest = hashes.digest(case["hash"], h(case["msg"]))
    sig = h(case["sig"])
    v = _verify_pkcs1v15
    raises(SignatureError, v, n, 1, case["hash"], digest, sig)        # e too small
    raises(SignatureError, v, n, 65536, case["hash"], digest, sig)    # even e
    raises(SignatureError, v, n, 1 << 40, case["hash"], digest, sig)  # e over the bound
    raises(SignatureError, v, n + 1, 65537, case["hash"], digest, sig)  # even modulus
    raises(SignatureError, v, (1 << 1022) + 1, 65537, case["hash"], digest, sig[:128])  # 1023 bits
    raises(SignatureError, v, n, 65537, "sha1", digest, sig)
    raises(SignatureError, v, n, 65537, case["hash"], digest[:-1], sig)
    raises(SignatureError, _verify_pss, n, 65537, "md5", digest, sig)
    raises(SignatureError, _verify_pss, n, 65537, case["hash"], digest, sig, 10000)


def test_mgf1_rfc8017_shape():
    # MGF1 output is the concatenation of Hash(seed || counter) prefixes.
    seed = b"seed"
    out = rsa.mgf1("sha256", seed, 70)
    assert len(out) == 70
    assert out[:32] == hashes.digest("sha256", seed + b"\x00\x00\x00\x00")
    assert out[64:] == hashes.digest("sha256", seed + b"\x00\x00\x00\x02")[:6]


def test_verification_runs_inyields():
    # Issue 8 item 2: s^e mod n is square-and-multiply over chunks of e with a yield
    # after each (nts.slices), so the loop is never held for a whole verification: at
    # most SLICE_WORK / (2 bits^2) squarings per slice, and from 3072 bits a squaring's
    # product and its reduction in separate slices.
    seen = {}
    for case in vectors("rsa_sig"):
        n, e = int(case["n"], 16), case["e"]
        if not case["valid"] or case["padding"] != "pkcs1" or (rsa._bits(n), e) in seen:
            continue
        bits = rsa._bits(n)
        digest = hashes.digest(case["hash"], h(case["msg"]))
        got = yields(rsa.verify_pkcs1v15_steps(n, e, case["hash"], digest, h(case["sig"])))
        per_slice = max(1, rsa.SLICE_WORK // (2 * bits * bits))
        least = (rsa._bits(e) + per_slice - 1) // per_slice
        if 2 * bits * bits > rsa.SLICE_WORK:
            least = 2 * rsa._bits(e)
        assert got >= least, (bits, e, got, least)
        seen[(bits, e)] = got
    assert (2048, 65537) in seen and (4096, 65537) in seen, sorted(seen)
    assert seen[(4096, 65537)] >= 34
