"""AES-SIV (RFC 5297) cases from cryptography's AESSIV with associated_data=[ad, nonce],
the order RFC 8915 5.6 uses. 1100 cases from a fixed seed: 32-byte keys (NTS id 15) and
some 64-byte keys (AES-256 pair), empty/odd/block-edge lengths of plaintext and ad.
"""
import random

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

EDGES = (0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49)


def _length(rng, top):
    return rng.choice(EDGES) if rng.random() < 0.4 else rng.randrange(top)


def cases():
    rng = random.Random(5297)
    for i in range(1100):
        key = rng.randbytes(64 if i % 10 == 9 else 32)
        nonce = rng.randbytes(16 if rng.random() < 0.7 else 1 + rng.randrange(32))
        ad = rng.randbytes(_length(rng, 400))
        pt = rng.randbytes(_length(rng, 300))
        ct = AESSIV(key).encrypt(pt, [ad, nonce])
        yield {"key": key.hex(), "nonce": nonce.hex(), "ad": ad.hex(), "pt": pt.hex(),
               "ct": ct.hex()}
