"""Deterministic RSA keys and raw RSA signing for the vector generators.

cryptography cannot generate an RSA key from a seed, so the primes come from a seeded
random.Random (Miller-Rabin after a small-prime gcd sieve) and the key is assembled with
cryptography's RSAPrivateNumbers, which checks it. Keys are cached in build/vectors/
(same seed, same key), because 4096-bit prime search takes a few seconds.
Raw signing (pow(m, d, n)) lets generators sign deliberately malformed encodings; every
well-formed signature is checked with cryptography's verify before it is written.
"""
import json
import os
import random

from cryptography.hazmat.primitives.asymmetric import rsa

_CACHE = os.path.join("build", "vectors", "_rsakeys.json")
_SMALL = [p for p in range(3, 20000, 2) if all(p % q for q in range(3, int(p ** 0.5) + 1, 2))]
_SMALL_PRODUCT = 1
for _p in _SMALL:
    _SMALL_PRODUCT *= _p


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def _probable_prime(n, rng):
    if _gcd(n, _SMALL_PRODUCT) != 1:
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(24):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits, e, rng):
    while True:
        c = rng.getrandbits(bits) | (3 << (bits - 2)) | 1  # top two bits: n has full size
        if (c - 1) % e and _probable_prime(c, rng):
            return c


def _load_cache():
    try:
        with open(_CACHE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def private_key(bits, seed, e=65537):
    """A cryptography RSAPrivateKey of exactly `bits` bits, the same for the same seed."""
    tag = "%d/%d/%d" % (bits, seed, e)
    cache = _load_cache()
    if tag in cache:
        p, q = int(cache[tag][0], 16), int(cache[tag][1], 16)
    else:
        rng = random.Random("rsa-%s" % tag)
        while True:
            p = _prime(bits - bits // 2, e, rng)
            q = _prime(bits // 2, e, rng)
            if p != q and (p * q).bit_length() == bits:
                break
        cache[tag] = [hex(p), hex(q)]
        os.makedirs(os.path.dirname(_CACHE), exist_ok=True)
        tmp = "%s.%d.tmp" % (_CACHE, os.getpid())
        with open(tmp, "w") as f:
            json.dump(cache, f)
        os.replace(tmp, _CACHE)
    n = p * q
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


def raw_sign(key, em):
    """RSASP1 on the encoded message bytes em (CRT, RFC 8017 5.1.2 2b): the signature as a
    len(n)-byte string."""
    nums = key.private_numbers()
    n = nums.public_numbers.n
    k = (n.bit_length() + 7) // 8
    m = int.from_bytes(em, "big")
    s1 = pow(m, nums.dmp1, nums.p)
    s2 = pow(m, nums.dmq1, nums.q)
    s = s2 + nums.q * (nums.iqmp * (s1 - s2) % nums.p)
    return s.to_bytes(k, "big")
