# Modular inverse by the extended Euclidean algorithm: on MicroPython about 7x cheaper
# than pow(a, p - 2, p) for 256-bit numbers. Its run time depends on its input, so it is
# for public values, or for secret ones behind a random blind (see x25519._invert).


def inverse(a, m):
    """a**-1 mod m for 0 < a < m with gcd(a, m) == 1 (m prime here)."""
    r0, r1 = m, a
    t0, t1 = 0, 1
    while r1:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        t0, t1 = t1, t0 - q * t1
    return t0 % m
