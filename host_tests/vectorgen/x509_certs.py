"""Certificates of the x509 chain vectors (see _x509_build), streamed in short lines so
the 100 KB MicroPython heap never needs a large contiguous block to read them:
  {"id": n, "hex": "<at most 512 hex digits of the DER>"}   (several, in order)
  {"id": n, "oracle": {...} | null}                          (then one: cryptography's view)
Read them with host_tests/portable/x509_vectors.py."""
from host_tests.vectorgen._x509_build import build

CHUNK = 512


def cases():
    for cert in build()[0]:
        der = cert["der"]
        for i in range(0, len(der), CHUNK):
            yield {"id": cert["id"], "hex": der[i:i + CHUNK]}
        yield {"id": cert["id"], "oracle": cert["oracle"]}
