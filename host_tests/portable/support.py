# Helpers for the portable tests, which run under pytest (CPython) and under
# host_tests/mprun.py (MicroPython). Kept to what both interpreters accept.
import json
from binascii import hexlify, unhexlify

VECTOR_DIR = "build/vectors"


try:  # pytest reports unittest.SkipTest as a skip; MicroPython has no unittest
    from unittest import SkipTest as _SkipBase
except ImportError:
    _SkipBase = Exception


class SkipTest(_SkipBase):
    """Raised by a portable test that does not apply on this interpreter."""


def raises(exc_type, fn, *args, **kwargs):
    """Call fn and return the exception it raised, which must be an exc_type."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("%s did not raise %s" % (getattr(fn, "__name__", fn), exc_type.__name__))


def h(s):
    """Hex (whitespace allowed, as RFC vectors are printed) to bytes."""
    return unhexlify("".join(s.split()))


def hx(b):
    return hexlify(b).decode()


def vectors(name):
    """Yield the cases of build/vectors/<name>.jsonl one at a time (small heap)."""
    with open("%s/%s.jsonl" % (VECTOR_DIR, name)) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
