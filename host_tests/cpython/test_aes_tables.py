# The committed AES tables are exactly what tools/gen_aes_tables.py produces, and they
# agree with cryptography's AES on random keys.
import os
import random
import subprocess
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from nts.crypto.aes import AES


def test_committed_tables_are_current():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = subprocess.run([sys.executable, "tools/gen_aes_tables.py", "--check"], cwd=root,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_tables_backend_matches_cryptography():
    rng = random.Random(197)
    for _ in range(200):
        key = rng.randbytes(rng.choice((16, 32)))
        data = rng.randbytes(16 * rng.randrange(1, 5))
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        assert AES(key, "tables").encrypt_blocks(data) == enc.update(data) + enc.finalize()
