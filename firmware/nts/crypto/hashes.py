# The hashes signatures use, by name: SHA-256 from hashlib (every port has it), SHA-384
# and SHA-512 from hashlib where present, else nts.crypto.sha512 (pure Python).
# The SHA-512 module is imported on first use: most chains (PTB's included) never need
# it, and its pure-Python code costs ~9 KB of heap when loaded as .mpy.
import hashlib

from nts.errors import SignatureError

DIGEST_SIZE = {"sha256": 32, "sha384": 48, "sha512": 64}


def new(hash_name, data=b""):
    """A hashlib-style object for "sha256", "sha384" or "sha512"."""
    if hash_name == "sha256":
        return hashlib.sha256(data)
    if hash_name == "sha384":
        from nts.crypto.sha512 import sha384
        return sha384(data)
    if hash_name == "sha512":
        from nts.crypto.sha512 import sha512
        return sha512(data)
    raise SignatureError("unsupported hash %s" % hash_name)


def digest(hash_name, data):
    return new(hash_name, data).digest()
