"""X25519 (RFC 7748) shared secrets from cryptography for seeded random scalars and
u-coordinates, plus edge u values: top bit set (must be masked), non-canonical u >= p
(must be reduced), and low-order points (all-zero output: "zero": true).

Case: k, u, out (hex; out is null when zero is true), zero.
"""
import random

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

P = (1 << 255) - 19

# u-coordinates of points of order 1, 2, 4 and 8 (and their non-canonical twins + p).
_LOW_ORDER = (0, 1, P - 1, P, P + 1,
              325606250916557431795983626356110631294008115727848805560023387167927233504,
              39382357235489614581723060781553021112529911719440698176882885853963445705823)


def _exchange(k, u):
    try:
        return X25519PrivateKey.from_private_bytes(k).exchange(
            X25519PublicKey.from_public_bytes(u))
    except ValueError:  # cryptography refuses an all-zero result
        return None


def cases():
    rng = random.Random(7748)
    us = [rng.randbytes(32) for _ in range(40)]
    us += [(v | (1 << 255)).to_bytes(32, "little") for v in (9, rng.getrandbits(255))]
    us += [v.to_bytes(32, "little") for v in (P + 2, P + 9, (1 << 255) - 1, 2, 9)]
    us += [v.to_bytes(32, "little") for v in _LOW_ORDER]
    us += [(v + (1 << 255)).to_bytes(32, "little") for v in _LOW_ORDER if v < (1 << 255) - 19]
    for i, u in enumerate(us):
        if i % 3 == 0:
            k = b"\xff" * 32 if i % 2 else bytes(32)  # clamping decides bits 0-2, 254, 255
        else:
            k = rng.randbytes(32)
        out = _exchange(k, u)
        yield {"k": k.hex(), "u": u.hex(), "out": out and out.hex(), "zero": out is None}
