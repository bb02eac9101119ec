# The hashes signatures use, by name: SHA-256 from hashlib (every port has it), SHA-384
# and SHA-512 from hashlib where present, else nts.crypto.sha512 (pure Python).
import hashlib

from nts.crypto import sha512 as _sha512
from nts.errors import SignatureError

DIGEST_SIZE = {"sha256": 32, "sha384": 48, "sha512": 64}


def new(hash_name, data=b""):
    """A hashlib-style object for "sha256", "sha384" or "sha512"."""
    if hash_name == "sha256":
        return hashlib.sha256(data)
    if hash_name == "sha384":
        return _sha512.sha384(data)
    if hash_name == "sha512":
        return _sha512.sha512(data)
    raise SignatureError("unsupported hash %s" % hash_name)


def digest(hash_name, data):
    return new(hash_name, data).digest()
