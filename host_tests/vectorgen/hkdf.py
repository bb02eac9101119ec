"""HKDF-SHA256 (RFC 5869) cases from cryptography: 1000 cases from a fixed seed, with
empty salt and info, and output lengths on and off the 32-byte edge. The PRK comes from
cryptography's HMAC (HKDF-Extract is HMAC(salt, ikm)); okm from HKDF, cross-checked
against HKDFExpand(prk) here so both halves of our HKDF are pinned.
"""
import random

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

EDGES = (0, 1, 31, 32, 33, 63, 64, 65)


def _bytes(rng, top):
    return rng.randbytes(rng.choice(EDGES) if rng.random() < 0.4 else rng.randrange(top))


def cases():
    rng = random.Random(5869)
    for _ in range(1000):
        ikm = _bytes(rng, 100)
        salt = _bytes(rng, 100)
        info = _bytes(rng, 100)
        length = rng.choice((1, 16, 31, 32, 33, 64, 65)) if rng.random() < 0.4 \
            else 1 + rng.randrange(300)
        m = hmac.HMAC(salt or bytes(32), hashes.SHA256())
        m.update(ikm)
        prk = m.finalize()
        okm = HKDF(hashes.SHA256(), length, salt or None, info).derive(ikm)
        if HKDFExpand(hashes.SHA256(), length, info).derive(prk) != okm:
            raise RuntimeError("oracle disagrees with itself")
        yield {"ikm": ikm.hex(), "salt": salt.hex(), "info": info.hex(),
               "length": length, "prk": prk.hex(), "okm": okm.hex()}
