"""HMAC-SHA256 cases from cryptography's HMAC: 1000 cases from a fixed seed, keys from
empty through longer than the 64-byte block (hashed first), messages of edge lengths.
"""
import random

from cryptography.hazmat.primitives import hashes, hmac

KEY_EDGES = (0, 1, 31, 32, 33, 63, 64, 65, 128)
MSG_EDGES = (0, 1, 55, 56, 63, 64, 65, 119, 120)


def cases():
    rng = random.Random(2104)
    for _ in range(1000):
        key = rng.randbytes(rng.choice(KEY_EDGES) if rng.random() < 0.4 else rng.randrange(150))
        msg = rng.randbytes(rng.choice(MSG_EDGES) if rng.random() < 0.4 else rng.randrange(400))
        m = hmac.HMAC(key, hashes.SHA256())
        m.update(msg)
        yield {"key": key.hex(), "msg": msg.hex(), "mac": m.finalize().hex()}
