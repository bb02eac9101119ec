"""The reference server's side of signed responses (the white paper's vendor extension, as
Norn implements it; the client side is firmware/nts/signed.py), with `cryptography`:

  NTS-KE: the client's empty record 16384 is answered with 16385 = KeyId u16 | Length u16
          | SEC1 uncompressed P-256 point, after the cookies, before End of Message.
  NTP:    a request with EF 0xFF00 gets reply 1 with EF 0xFF01 (byte 0 = 0x80) before the
          Authenticator, then reply 2 = reply 1 + EF 0xFF02 = KeyId u16 | SigLen u16 |
          DER ECDSA-P256-SHA256 over all of reply 1, zero-padded to 4.

Faults (the `signed` fault, faults.py): "off" (behave like chrony: no 16385, no 0xFF01),
"never" (announce, never send reply 2), "non_prefix" (reply 2 does not start with reply
1), "bad_signature" (a valid DER signature over other bytes), "wrong_key_id" (0xFF02
names another key id), "announce_81" (byte 0 of 0xFF01 is 0x81: no reply 2 must be
expected; reply 2 is sent anyway), "late" (reply 2 LATE_S after reply 1: inside the
client's wait, so verified; the sample must still be timed from reply 1).
"""
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from host_tests.reference import codec as c

REQUEST_PUBLIC_KEY = 16384
PUBLIC_KEY = 16385
EF_REQUEST = 0xFF00
EF_ANNOUNCE = 0xFF01
EF_SIGNATURE = 0xFF02
FOLLOWS = 0x80
MODES = (None, "off", "never", "non_prefix", "bad_signature", "wrong_key_id", "announce_81",
         "late")
LATE_S = 0.5


class Signer:
    """One server signing key (P-256) and its key id."""

    def __init__(self, key_id=1, key=None):
        self.key_id = key_id
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def public_key_record(self):
        return c.record(PUBLIC_KEY, struct.pack(">HH", self.key_id, len(self.point)) + self.point)

    def sign(self, data):
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    def announce_field(self, mode):
        return c.ext_field(EF_ANNOUNCE, bytes([0x81 if mode == "announce_81" else FOLLOWS]))

    def second_reply(self, reply1, mode):
        """Reply 2 for reply 1, or None ("never")."""
        if mode == "never":
            return None
        base = reply1
        if mode == "non_prefix":        # reply 1 with its reference timestamp changed
            base = reply1[:16] + bytes([reply1[16] ^ 1]) + reply1[17:]
        signed = base + b"x" if mode == "bad_signature" else base
        sig = self.sign(signed)
        key_id = self.key_id + 1 if mode == "wrong_key_id" else self.key_id
        return base + signature_field(key_id, sig)


def signature_field(key_id, sig):
    return c.ext_field(EF_SIGNATURE, struct.pack(">HH", key_id, len(sig)) + sig)


def wants_key(records):
    return any(rtype == REQUEST_PUBLIC_KEY for _, rtype, _ in records)


def wants_signature(fields):
    return any(t == EF_REQUEST for t, _, _ in fields)


def verify(point, data, sig):
    """The independent oracle: True when `sig` (DER) verifies `data` under SEC1 `point`."""
    from cryptography.exceptions import InvalidSignature
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes(point))
    try:
        pub.verify(bytes(sig), bytes(data), ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False
