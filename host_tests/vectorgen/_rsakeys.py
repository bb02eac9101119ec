"""Deterministic RSA keys and raw RSA signing for the vector generators.

Keys come from host_tests.certs.rsa_key (seeded prime search, assembled and checked by
cryptography, cached in build/testkeys). Raw signing (pow(m, d, n)) lets generators sign
deliberately malformed encodings; every well-formed signature is checked with
cryptography's verify before it is written.
"""
from host_tests.certs import rsa_key


def private_key(bits, seed, e=65537):
    """A cryptography RSAPrivateKey of exactly `bits` bits, the same for the same seed."""
    key = rsa_key(bits, "vectors-%d" % seed, "rsa_sig", e)
    if key.key_size != bits:
        raise ValueError("%d-bit key requested, %d-bit key made" % (bits, key.key_size))
    return key


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
