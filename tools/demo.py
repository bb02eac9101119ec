"""Interim `make demo`: the crypto power-on self-test and a short benchmark, run on the
real MicroPython unix port (.venv/bin/micropython) from the repository root.

Prints which AES backend the firmware picks, µs per AES block, and µs per AES-SIV
(NTS AEAD 15) seal of a 48-byte NTP header as AD plus 100 bytes of plaintext, for each
backend the port has. Host figures, not board figures.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import sys
sys.path.insert(0, "firmware")
sys.path.insert(0, "tools/benches")
from benchlib import us_per_op
import nts.selftest
from nts.crypto import aes as aes_mod
from nts.crypto.siv import SIV
print("SELFTEST", " ".join(nts.selftest.run()))
print("DEFAULT", aes_mod.AES(bytes(16)).backend)
hdr = bytes(48)
pt = bytes(100)
nonce = bytes(16)
for b in aes_mod.backends():
    a = aes_mod.AES(bytes(16), b)
    s = SIV(bytes(32), b)
    blk = us_per_op(lambda: a.encrypt_block(nonce), 100000)
    siv = us_per_op(lambda: s.encrypt(pt, [hdr, nonce]), 100000)
    print("BACKEND", b, "%.2f" % blk, "%.1f" % siv)
"""


def main():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(exe):
        sys.exit("micropython not found next to %s: run `make setup`" % sys.executable)
    p = subprocess.run([exe, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        sys.exit("self-test or benchmark FAILED under MicroPython")
    print("mpnts crypto demo on the MicroPython unix port (host figures, not a board)")
    for line in p.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word == "SELFTEST":
            print("  power-on self-test: ok (%s)" % rest.replace(" ", ", "))
        elif word == "DEFAULT":
            print("  AES backend in use: %s" % rest)
            print("  %-10s %14s %28s" % ("backend", "us/AES block", "us/AES-SIV seal (48+100 B)"))
        elif word == "BACKEND":
            name, blk, siv = rest.split()
            print("  %-10s %14s %28s" % (name, blk, siv))


if __name__ == "__main__":
    main()
