"""P-256 ECDH shared secrets (the x-coordinate, SEC 1 3.3.1) from cryptography for
seeded private scalars and peer keys, and invalid peer points the client must refuse.

Case: priv (32-byte scalar), peer (uncompressed point), shared (hex, null if invalid),
what.
"""
import random

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_P = 2 ** 256 - 2 ** 224 + 2 ** 192 + 2 ** 96 - 1


def _pub(key):
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def cases():
    rng = random.Random(3331)
    scalars = [rng.randrange(1, _N) for _ in range(10)] + [1, 2, _N - 1, 15, 16]
    for d in scalars:
        ours = ec.derive_private_key(d, ec.SECP256R1())
        peer = ec.derive_private_key(rng.randrange(1, _N), ec.SECP256R1())
        shared = ours.exchange(ec.ECDH(), peer.public_key())
        yield {"priv": d.to_bytes(32, "big").hex(), "peer": _pub(peer).hex(),
               "shared": shared.hex(), "what": "valid"}
    d = rng.randrange(1, _N)
    good = _pub(ec.derive_private_key(rng.randrange(1, _N), ec.SECP256R1()))
    y = int.from_bytes(good[33:], "big")
    for what, peer in (("y + 1", good[:33] + ((y + 1) % _P).to_bytes(32, "big")),
                       ("x = p", b"\x04" + _P.to_bytes(32, "big") + good[33:]),
                       ("compressed", bytes([2 + (y & 1)]) + good[1:33]),
                       ("truncated", good[:-1]),
                       ("all zero", bytes(65)),
                       ("infinity", b"\x00")):
        yield {"priv": d.to_bytes(32, "big").hex(), "peer": peer.hex(), "shared": None,
               "what": what}
