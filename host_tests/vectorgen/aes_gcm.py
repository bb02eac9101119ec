"""AES-GCM cases from cryptography's AESGCM: 1100 from a fixed seed, 12-byte nonces,
16-byte keys (TLS_AES_128_GCM_SHA256) and every tenth a 32-byte key, empty/odd/block-edge
lengths of plaintext and ad, short on average so MicroPython runs them quickly.
"""
import random

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

EDGES = (0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49)


def _length(rng, top):
    return rng.choice(EDGES) if rng.random() < 0.4 else rng.randrange(top)


def cases():
    rng = random.Random(38)
    for i in range(1100):
        key = rng.randbytes(32 if i % 10 == 9 else 16)
        nonce = rng.randbytes(12)
        ad = rng.randbytes(_length(rng, 80))
        pt = rng.randbytes(_length(rng, 200))
        ct = AESGCM(key).encrypt(nonce, pt, ad)
        yield {"key": key.hex(), "nonce": nonce.hex(), "ad": ad.hex(), "pt": pt.hex(),
               "ct": ct.hex()}
