# TLS 1.3 key schedule (RFC 8446 section 7) for the one suite mpnts offers,
# TLS_AES_128_GCM_SHA256, with (EC)DHE and no PSK. Tested against the RFC 8448 section 3
# trace. Secrets are plain bytes held by KeySchedule; nothing here has a repr that shows
# them.
#
# Transcript: MicroPython's hashlib has no copy(), so a running hash cannot be read
# mid-way. The transcript keeps references to the handshake messages themselves (no
# concatenation copy) and digest() re-hashes them. The messages are small except the
# Certificate, which the client keeps anyway until the deferred chain check, so this costs
# no extra RAM. The client takes four digests per handshake over at most
# `MAX_TRANSCRIPT` bytes, all in C: tools/benches/bench_tls.py (transcript.4_digests_5kB)
# measures about 0.13 ms per handshake with a 5 KB chain on the unix port.
import hashlib

from micropython import const

from nts.crypto.hkdf import expand, extract, hmac_sha256
from nts.errors import TLSError
from nts.tls import HASH_LEN

KEY_LEN = const(16)
IV_LEN = const(12)
_MESSAGE_HASH = const(254)

# A transcript above this is refused: certificate chains of a few KB are normal, and the
# record layer caps each message lower still.
MAX_TRANSCRIPT = 32768

_ZEROS = bytes(HASH_LEN)
_EMPTY_HASH = hashlib.sha256(b"").digest()


def hkdf_expand_label(secret, label, context, length):
    """HKDF-Expand-Label (RFC 8446 7.1).

    struct {
        uint16 length = Length;
        opaque label<7..255> = "tls13 " + Label;
        opaque context<0..255> = Context;
    } HkdfLabel;
    """
    full = b"tls13 " + label
    info = bytes((length >> 8, length & 0xFF, len(full))) + full + bytes((len(context),)) + context
    return expand(secret, info, length)


def derive_secret(secret, label, transcript_hash):
    """Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages)."""
    return hkdf_expand_label(secret, label, transcript_hash, HASH_LEN)


def traffic_key_iv(secret):
    """The AEAD write key and IV of a traffic secret (RFC 8446 7.3)."""
    return (hkdf_expand_label(secret, b"key", b"", KEY_LEN),
            hkdf_expand_label(secret, b"iv", b"", IV_LEN))


def finished_verify_data(base_key, transcript_hash):
    """verify_data = HMAC(finished_key, Transcript-Hash) (RFC 8446 4.4.4)."""
    finished_key = hkdf_expand_label(base_key, b"finished", b"", HASH_LEN)
    return hmac_sha256(finished_key, transcript_hash)


class Transcript:
    """The handshake messages so far, hashed on demand (see the header comment)."""

    def __init__(self):
        self._messages = []
        self._size = 0

    def add(self, message):
        self._size += len(message)
        if self._size > MAX_TRANSCRIPT:
            raise TLSError("handshake transcript exceeds %d bytes" % MAX_TRANSCRIPT)
        self._messages.append(message)

    def digest(self):
        h = hashlib.sha256()
        for m in self._messages:
            h.update(m)
        return h.digest()

    def restart_after_hello_retry(self):
        """Replace ClientHello1 by message_hash after a HelloRetryRequest (RFC 8446 4.4.1).

        Called after ClientHello1 was added and before the HelloRetryRequest is.
        """
        ch1_hash = self.digest()
        self._messages = [bytes((_MESSAGE_HASH, 0, 0, HASH_LEN)) + ch1_hash]
        self._size = len(self._messages[0])


class KeySchedule:
    """The secrets of one (EC)DHE handshake without PSK, in the order they are derived."""

    def __init__(self):
        self.early_secret = extract(_ZEROS, _ZEROS)
        self.handshake_secret = None
        self.client_hs = self.server_hs = None
        self.client_ap = self.server_ap = None
        self.exporter_master = None
        self._master_secret = None

    def derive_handshake(self, shared_secret, hello_hash):
        """Handshake traffic secrets from the (EC)DHE secret and Hash(ClientHello..ServerHello)."""
        salt = derive_secret(self.early_secret, b"derived", _EMPTY_HASH)
        self.handshake_secret = extract(salt, shared_secret)
        self.client_hs = derive_secret(self.handshake_secret, b"c hs traffic", hello_hash)
        self.server_hs = derive_secret(self.handshake_secret, b"s hs traffic", hello_hash)
        salt = derive_secret(self.handshake_secret, b"derived", _EMPTY_HASH)
        self._master_secret = extract(salt, _ZEROS)

    def derive_application(self, server_finished_hash):
        """Application and exporter secrets from Hash(ClientHello..server Finished)."""
        if self._master_secret is None:
            raise TLSError("application secrets before handshake secrets")
        m = self._master_secret
        self.client_ap = derive_secret(m, b"c ap traffic", server_finished_hash)
        self.server_ap = derive_secret(m, b"s ap traffic", server_finished_hash)
        self.exporter_master = derive_secret(m, b"exp master", server_finished_hash)

    def exporter(self, label, context, length):
        """TLS-Exporter(label, context, length) (RFC 8446 7.5)."""
        if self.exporter_master is None:
            raise TLSError("exporter used before the handshake completed")
        secret = derive_secret(self.exporter_master, label, _EMPTY_HASH)
        return hkdf_expand_label(secret, b"exporter", hashlib.sha256(context).digest(), length)


def next_traffic_secret(secret):
    """application_traffic_secret_N+1 for a KeyUpdate (RFC 8446 7.2)."""
    return hkdf_expand_label(secret, b"traffic upd", b"", HASH_LEN)
