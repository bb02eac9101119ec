"""AEAD_AES_128_GCM_SIV (RFC 8452) cases from cryptography's AESGCMSIV: 1100 from a
fixed seed, 16-byte keys (NTS id 30), 12-byte nonces, empty/odd/block-edge lengths of
plaintext and ad (NTS: ad is the NTP header and extension fields, 48..~200 bytes).
"""
import random

from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

EDGES = (0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49)


def _length(rng, top):
    return rng.choice(EDGES) if rng.random() < 0.4 else rng.randrange(top)


def cases():
    rng = random.Random(8452)
    for _ in range(1100):
        key = rng.randbytes(16)
        nonce = rng.randbytes(12)
        ad = rng.randbytes(_length(rng, 200))
        pt = rng.randbytes(_length(rng, 120))
        ct = AESGCMSIV(key).encrypt(nonce, pt, ad)
        yield {"key": key.hex(), "nonce": nonce.hex(), "ad": ad.hex(), "pt": pt.hex(),
               "ct": ct.hex()}
