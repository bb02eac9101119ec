# AES, CMAC, AES-SIV (NTS AEAD 15), HMAC and HKDF: microseconds per operation on every
# AES backend this interpreter has, and the live heap an AES object costs per backend.
# Run from the repo root under python or micropython.
import sys

sys.path.insert(0, "tools/benches")
import benchlib  # noqa: E402
from benchlib import emit, live_heap, us_per_op  # noqa: E402

from nts import aead  # noqa: E402
from nts.crypto import aes as aes_mod  # noqa: E402
from nts.crypto.aes import AES  # noqa: E402
from nts.crypto.cmac import CMAC  # noqa: E402
from nts.crypto.hkdf import expand, hmac_sha256  # noqa: E402
from nts.crypto.siv import SIV  # noqa: E402

KEY32 = bytes(range(32))
NONCE = bytes(range(16))
BLOCK = bytes(16)
KB = bytes(range(256)) * 4
# NTS request: AD = 48-byte header + 36-byte Unique Identifier EF + 104-byte cookie EF,
# nothing encrypted. Response: AD = header + UID EF, plaintext = cookie EFs (~200 B).
REQ_AD = bytes(48 + 36 + 104)
RESP_AD = bytes(48 + 36)
RESP_PT = bytes(200)


def object_heap(key, backend):
    base = live_heap()
    a = AES(key, backend)
    used = live_heap() - base
    del a
    return used


def main():
    names = aes_mod.backends()
    if benchlib.MICROPYTHON:
        for b in names:
            emit("sym", "aes128_object_heap." + b, object_heap(KEY32[:16], b), "B")
            emit("sym", "aes256_object_heap." + b, object_heap(KEY32, b), "B")
    for b in names:
        a128 = AES(KEY32[:16], b)
        a256 = AES(KEY32, b)
        emit("sym", "aes128_block." + b, us_per_op(lambda: a128.encrypt_block(BLOCK)), "us")
        emit("sym", "aes256_block." + b, us_per_op(lambda: a256.encrypt_block(BLOCK)), "us")
        emit("sym", "aes128_block_in_1KB_batch." + b,
             us_per_op(lambda: a128.encrypt_blocks(KB)) / 64, "us")
        mac = CMAC(a128)
        emit("sym", "cmac_64B." + b, us_per_op(lambda: mac.mac(KB[:64])), "us")
        s = SIV(KEY32, b)
        emit("sym", "siv_seal_nts_request." + b,
             us_per_op(lambda: s.encrypt(b"", [REQ_AD, NONCE])), "us")
        sealed = s.encrypt(RESP_PT, [RESP_AD, NONCE])
        emit("sym", "siv_open_nts_response." + b,
             us_per_op(lambda: s.decrypt(sealed, [RESP_AD, NONCE])), "us")
        emit("sym", "siv_new_key." + b, us_per_op(lambda: SIV(KEY32, b)), "us")
    emit("sym", "aead15_seal_nts_request.default",
         us_per_op(lambda: aead.encrypt(15, KEY32, NONCE, b"", REQ_AD)), "us")
    emit("sym", "hmac_sha256_64B", us_per_op(lambda: hmac_sha256(KEY32, KB[:64])), "us")
    emit("sym", "hkdf_expand_32B", us_per_op(lambda: expand(KEY32, KB[:20], 32)), "us")


main()
