# GHASH, AES-128-GCM and AEAD_AES_128_GCM_SIV: microseconds per operation on every
# backend pair this interpreter has, and the live heap of a GCM context (mostly the
# GHASH nibble tables). Run from the repo root under python or micropython.
import sys

sys.path.insert(0, "tools/benches")
import benchlib  # noqa: E402
from benchlib import emit, live_heap, us_per_op  # noqa: E402

from nts.crypto import aes as aes_mod  # noqa: E402
from nts.crypto import gcmsiv, ghash  # noqa: E402
from nts.crypto.gcm import AESGCM  # noqa: E402
from nts.crypto.ghash import GHash  # noqa: E402

KEY = bytes(range(16))
NONCE = bytes(range(12))
KB = bytes(range(256)) * 4


def context_heap(g):
    if g == "viper":
        import nts.crypto.ghash_viper  # noqa: F401  the one-off import is not the context's
    base = live_heap()
    c = AESGCM(KEY, None, g)
    used = live_heap() - base
    del c
    return used


def main():
    if benchlib.MICROPYTHON:
        for g in ghash.backends():
            emit("gcm", "aes128gcm_context_heap." + g, context_heap(g), "B")
    for g in ghash.backends():
        h = GHash(KEY, g)
        emit("gcm", "ghash_block." + g, us_per_op(lambda: h.update(KB)) / 64, "us")
    for a in aes_mod.backends():
        for g in ghash.backends():
            path = a + "_" + g
            c = AESGCM(KEY, a, g)
            emit("gcm", "aes128gcm_seal_16B." + path,
                 us_per_op(lambda: c.encrypt(NONCE, KB[:16], KB[:13])), "us")
            emit("gcm", "aes128gcm_seal_1KB." + path,
                 us_per_op(lambda: c.encrypt(NONCE, KB, KB[:13])), "us")
            # NTS client request: header and extension fields as ad, nothing encrypted;
            # and a response-like 200-byte plaintext (encrypted cookies).
            emit("gcm", "aes128gcmsiv_seal_ad200B." + path,
                 us_per_op(lambda: gcmsiv.encrypt(KEY, NONCE, b"", KB[:200], a, g)), "us")
            emit("gcm", "aes128gcmsiv_seal_pt200B." + path,
                 us_per_op(lambda: gcmsiv.encrypt(KEY, NONCE, KB[:200], KB[:48], a, g)), "us")


main()
