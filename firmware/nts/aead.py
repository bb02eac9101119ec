"""The AEAD algorithms NTS negotiates (RFC 8915 5.1), in the wire layout of RFC 8915 5.6.

    encrypt(alg_id, key, nonce, plaintext, ad) -> bytes
    decrypt(alg_id, key, nonce, ciphertext, ad) -> plaintext   # AuthError on any mismatch
    key_length(alg_id) -> int

This module is the one home of the AEAD table: identifiers (IANA "AEAD Algorithms"
registry), the names OCPP's AEADAlgorithm uses, key lengths (what NTS-KE exports) and
the nonce lengths our requests carry. nts.ke, nts.ntp, nts.config and nts.statusview
read it from here; importing it loads no cipher (SIV and GCM-SIV load on first use).

AEAD_AES_SIV_CMAC_256 (15, RFC 5297): 32-byte key, nonce >= 1 byte (NTS uses 16), output
is the 16-byte synthetic IV followed by the ciphertext; S2V runs over [ad, nonce,
plaintext]. AEAD_AES_128_GCM_SIV (30, RFC 8452): 16-byte key, 12-byte nonce, output is
ciphertext followed by the 16-byte tag. Both match the `cryptography` package's AESSIV
(with associated_data=[ad, nonce]) and AESGCMSIV byte for byte.
Unknown ids and wrong key or nonce sizes raise AlgorithmError.
"""
from micropython import const

from nts.crypto import ct
from nts.errors import AlgorithmError, AuthError

AEAD_AES_SIV_CMAC_256 = const(15)
AEAD_AES_128_GCM_SIV = const(30)
# OCPP AEADAlgorithm names (white paper) -> RFC 8915 identifiers.
NAMES = {"AES-SIV-CMAC-256": AEAD_AES_SIV_CMAC_256, "AES-128-GCM-SIV": AEAD_AES_128_GCM_SIV}
KEY_LENGTHS = {AEAD_AES_SIV_CMAC_256: 32, AEAD_AES_128_GCM_SIV: 16}
# Nonces we send: AES-SIV takes any non-empty nonce and NTS uses 16 bytes; AES-GCM-SIV
# takes exactly 12 (RFC 8452). Both fill RFC 8915 5.6's minimum padding exactly.
_GCM_SIV_NONCE = const(12)
NONCE_LENGTHS = {AEAD_AES_SIV_CMAC_256: 16, AEAD_AES_128_GCM_SIV: _GCM_SIV_NONCE}
# What NTS-KE offers when the caller names nothing, in preference order:
# AES-SIV-CMAC-256 is mandatory-to-implement and the white paper's default;
# AES-128-GCM-SIV gives shorter cookies (smaller NTP packets) where offered.
DEFAULT_AEADS = (AEAD_AES_SIV_CMAC_256, AEAD_AES_128_GCM_SIV)

_TAG = const(16)

# An NTS client alternates between its C2S and S2C keys: keeping the last two SIV
# objects means the key schedules and CMAC subkeys are computed once per key.
_siv_cache = []


def key_length(alg_id):
    n = KEY_LENGTHS.get(alg_id)
    if n is None:
        raise AlgorithmError("unsupported AEAD algorithm %r" % (alg_id,))
    return n


def _siv(key):
    for k, s in _siv_cache:
        if k is key or ct.equal(k, key):  # identity first: callers keep one key object
            return s
    from nts.crypto.siv import SIV   # on first use: importing the table loads no cipher
    s = SIV(key)
    _siv_cache.insert(0, (key if isinstance(key, bytes) else bytes(key), s))
    del _siv_cache[2:]
    return s


def _gcmsiv():
    # Imported on first use, so a build without GCM-SIV still serves id 15. Kept out of
    # encrypt/decrypt: with the import inline, the MicroPython unix port measured ~30 us
    # more per id-15 call (never explained; the import is not even executed there).
    from nts.crypto import gcmsiv
    return gcmsiv


def _check(alg_id, key, nonce):
    if len(key) != key_length(alg_id):
        raise AlgorithmError("AEAD %d needs a %d-byte key" % (alg_id, KEY_LENGTHS[alg_id]))
    if alg_id == AEAD_AES_SIV_CMAC_256:
        if not nonce:
            raise AlgorithmError("AES-SIV needs a non-empty nonce")
    elif len(nonce) != _GCM_SIV_NONCE:
        raise AlgorithmError("AES-GCM-SIV needs a 12-byte nonce")


def encrypt(alg_id, key, nonce, plaintext, ad):
    _check(alg_id, key, nonce)
    if alg_id == AEAD_AES_SIV_CMAC_256:
        return _siv(key).encrypt(plaintext, (ad, nonce))
    return _gcmsiv().encrypt(key, nonce, plaintext, ad)


def decrypt(alg_id, key, nonce, ciphertext, ad):
    _check(alg_id, key, nonce)
    if len(ciphertext) < _TAG:
        raise AuthError("AEAD input shorter than its tag")
    if alg_id == AEAD_AES_SIV_CMAC_256:
        return _siv(key).decrypt(ciphertext, (ad, nonce))
    return _gcmsiv().decrypt(key, nonce, ciphertext, ad)
