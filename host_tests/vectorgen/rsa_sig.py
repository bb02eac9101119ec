"""RSA signatures (RFC 8017): PKCS#1 v1.5 and PSS, 2048/3072/4096 (+2049 for the PSS
emLen = k-1 edge), SHA-256/384/512, and invalid ones: tampered signature, message or
key, bad lengths, out-of-range representatives, and validly RSA-signed but malformed
encodings (lax-parser forgeries, PSS trailer/top-bit/salt/MGF faults).

Case: n (hex), e, hash, padding ("pkcs1"|"pss"), salt_len (PSS; null = hash length),
msg, sig (hex), valid, what.
"""
import hashlib
import random

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from host_tests.vectorgen._rsakeys import private_key, raw_sign

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_OID = {"sha256": b"\x01", "sha384": b"\x02", "sha512": b"\x03"}


def _digest_info(hash_name, digest, with_null=True):
    alg = b"\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02" + _OID[hash_name]
    if with_null:
        alg += b"\x05\x00"
    alg = b"\x30" + bytes([len(alg)]) + alg
    octets = b"\x04" + bytes([len(digest)]) + digest
    body = alg + octets
    return b"\x30" + bytes([len(body)]) + body


def pkcs1_em(hash_name, digest, k, with_null=True, block_type=1, extra=b""):
    t = _digest_info(hash_name, digest, with_null) + extra
    return b"\x00" + bytes([block_type]) + b"\xff" * (k - 3 - len(t)) + b"\x00" + t


def _mgf1(hash_name, seed, length):
    out = b""
    c = 0
    while len(out) < length:
        out += hashlib.new(hash_name, seed + c.to_bytes(4, "big")).digest()
        c += 1
    return out[:length]


def pss_em(hash_name, digest, em_bits, salt, mgf_hash=None, trailer=0xBC, set_top=False):
    em_len = (em_bits + 7) // 8
    hlen = len(digest)
    h = hashlib.new(hash_name, bytes(8) + digest + salt).digest()
    db = bytes(em_len - len(salt) - hlen - 2) + b"\x01" + salt
    mask = _mgf1(mgf_hash or hash_name, h, em_len - hlen - 1)
    masked = bytearray(a ^ b for a, b in zip(db, mask))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    if set_top:
        masked[0] |= 0x80
    return bytes(masked) + h + bytes([trailer])


def _case(key, hash_name, pad, msg, sig, valid, what, salt_len=None):
    pub = key.public_key().public_numbers()
    if valid:  # the oracle confirms every signature we call valid
        h = _HASHES[hash_name]()
        if pad == "pkcs1":
            p = padding.PKCS1v15()
        else:
            p = padding.PSS(padding.MGF1(h), h.digest_size if salt_len is None else salt_len)
        key.public_key().verify(sig, msg, p, h)
    return {"n": "%x" % pub.n, "e": pub.e, "hash": hash_name, "padding": pad,
            "salt_len": salt_len, "msg": msg.hex(), "sig": sig.hex(), "valid": valid,
            "what": what}


def _sign(key, hash_name, pad, msg, salt_len=None, rng=None, **kw):
    n = key.private_numbers().public_numbers.n
    k = (n.bit_length() + 7) // 8
    digest = hashlib.new(hash_name, msg).digest()
    if pad == "pkcs1":
        return raw_sign(key, pkcs1_em(hash_name, digest, k, **kw))
    slen = len(digest) if salt_len is None else salt_len
    salt = rng.randbytes(slen)
    return raw_sign(key, pss_em(hash_name, digest, n.bit_length() - 1, salt, **kw))


def _flip(b, i):
    b = bytearray(b)
    b[i % len(b)] ^= 0x01 << (i % 8)
    return bytes(b)


def cases():
    rng = random.Random(8017)
    keys = {bits: private_key(bits, 1) for bits in (2048, 3072, 4096, 2049)}
    # Valid: every size x hash x padding.
    for bits in (2048, 3072, 4096, 2049):
        key = keys[bits]
        for hash_name in ("sha256", "sha384", "sha512"):
            for pad in ("pkcs1", "pss"):
                msg = rng.randbytes(rng.randrange(1, 200))
                sig = _sign(key, hash_name, pad, msg, rng=rng)
                yield _case(key, hash_name, pad, msg, sig, True, "valid %d" % bits)
    key = keys[2048]
    for slen in (0, 20, 64):
        msg = rng.randbytes(50)
        sig = _sign(key, "sha256", "pss", msg, slen, rng)
        yield _case(key, "sha256", "pss", msg, sig, True, "pss salt %d" % slen, slen)
    e3 = private_key(2048, 2, e=3)
    msg = b"small exponent"
    yield _case(e3, "sha256", "pkcs1", msg, _sign(e3, "sha256", "pkcs1", msg), True, "e=3")

    # Invalid: tampering, for each padding and a spread of sizes.
    other = private_key(2048, 3)
    for bits, hash_name in ((2048, "sha256"), (3072, "sha384"), (4096, "sha512")):
        key = keys[bits]
        n = key.private_numbers().public_numbers.n
        k = (bits + 7) // 8
        for pad in ("pkcs1", "pss"):
            msg = rng.randbytes(64)
            sig = _sign(key, hash_name, pad, msg, rng=rng)
            bad = []
            for i in (0, 7, 8 * k // 2 + 3, 8 * k - 1):
                bad.append(("sig bit %d" % i, key, msg, _flip(sig, i // 8 * 8 + i % 8)))
            bad += [
                ("message changed", key, _flip(msg, 5), sig),
                ("wrong key", other if bits == 2048 else keys[2048], msg, sig),
                ("sig one byte short", key, msg, sig[1:]),
                ("sig one byte long", key, msg, b"\x00" + sig),
                ("sig == n", key, msg, n.to_bytes(k, "big")),
                ("sig == n + 1", key, msg, (n + 1).to_bytes(k, "big")),
                ("sig all zero", key, msg, bytes(k)),
                ("sig == 1", key, msg, (1).to_bytes(k, "big")),
            ]
            for what, kk, mm, ss in bad:
                if kk is not key:  # signed by another key, checked with this one
                    ss = _sign(kk, hash_name, pad, mm, rng=rng)
                yield _case(key, hash_name, pad, mm, ss, False, what)
            other_hash = "sha512" if hash_name != "sha512" else "sha256"
            ss = _sign(key, other_hash, pad, msg, rng=rng)
            yield _case(key, hash_name, pad, msg, ss, False, "signed with " + other_hash)
            other_pad = "pss" if pad == "pkcs1" else "pkcs1"
            ss = _sign(key, hash_name, other_pad, msg, rng=rng)
            yield _case(key, hash_name, pad, msg, ss, False, "signed with " + other_pad)

    # Invalid: validly RSA-signed malformed encodings (what lax parsers accept).
    for bits, hash_name in ((2048, "sha256"), (4096, "sha384")):
        key = keys[bits]
        msg = rng.randbytes(40)
        for what, kw in (("digestinfo without NULL", {"with_null": False}),
                         ("block type 2", {"block_type": 2}),
                         ("garbage after digest", {"extra": b"\x00" * 4}),
                         ("garbage after digest 1", {"extra": b"\x01"})):
            yield _case(key, hash_name, "pkcs1", msg, _sign(key, hash_name, "pkcs1", msg, **kw),
                        False, what)
        for what, kw in (("pss trailer bb", {"trailer": 0xBB}),
                         ("pss top bit set", {"set_top": True}),
                         ("pss mgf1 other hash", {"mgf_hash": "sha1"})):
            yield _case(key, hash_name, "pss", msg, _sign(key, hash_name, "pss", msg, rng=rng,
                        **kw), False, what)
        # Salt of the wrong length: valid PSS for salt 0 and 20, checked as hash-length salt.
        for slen in (0, 20):
            yield _case(key, hash_name, "pss", msg, _sign(key, hash_name, "pss", msg, slen, rng),
                        False, "pss salt %d, expected hash length" % slen)
    # 2049-bit modulus: emLen = k - 1, so the top byte of the representative must be zero.
    key = keys[2049]
    msg = b"2049"
    n = key.private_numbers().public_numbers.n
    digest = hashlib.sha256(msg).digest()
    while True:
        m = int.from_bytes(pss_em("sha256", digest, 2048, rng.randbytes(32)), "big") + (1 << 2048)
        if m < n:
            break
    sig = pow(m, key.private_numbers().d, n)
    yield _case(key, "sha256", "pss", msg, sig.to_bytes(257, "big"), False, "pss m >= 2^emBits")
