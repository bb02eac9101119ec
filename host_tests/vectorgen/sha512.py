"""SHA-384/SHA-512 digests from hashlib of seeded random messages, at the padding edges.

Lengths 111/112 (length field fits / does not fit the last block), 127/128/239/240
(block boundaries), 0, and random ones up to 600 bytes.
"""
import hashlib
import random

EDGE_LENGTHS = (0, 1, 55, 56, 63, 64, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256)


def cases():
    rng = random.Random(512)
    lengths = list(EDGE_LENGTHS) + [rng.randrange(600) for _ in range(12)]
    for n in lengths:
        msg = rng.randbytes(n)
        yield {"msg": msg.hex(), "sha384": hashlib.sha384(msg).hexdigest(),
               "sha512": hashlib.sha512(msg).hexdigest()}
