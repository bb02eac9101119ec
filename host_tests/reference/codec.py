"""Wire formats of the reference server: NTS-KE records, NTPv4 packets with NTS extension
fields, server cookies. Written from RFC 8915 / 5905 / 7822 without the firmware's codecs
and with `cryptography` for every AEAD, so a bug in the firmware cannot hide in both.

CPython only. Lenient where a server may be (it parses what tests send), but the fields
it emits are exactly the RFC's so a strict client accepts them.
"""
import os
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV, AESSIV

# RFC 8915 4.1 record types
END, NEXT_PROTOCOL, ERROR, WARNING, AEAD, NEW_COOKIE, SERVER, PORT = 0, 1, 2, 3, 4, 5, 6, 7
COMPLIANT_GCM_SIV = 1024   # chrony: "compliant AES-128-GCM-SIV exporter context"
CRITICAL = 0x8000
KE_MAX = 16384

AES_SIV_CMAC_256 = 15
AES_128_GCM_SIV = 30
KEY_LEN = {AES_SIV_CMAC_256: 32, AES_128_GCM_SIV: 16}
EXPORTER_LABEL = b"EXPORTER-network-time-security"

# RFC 8915 5.2-5.7 extension field types
EF_UID, EF_COOKIE, EF_PLACEHOLDER, EF_AUTH = 0x0104, 0x0204, 0x0304, 0x0404

NTP_EPOCH_OFFSET = 2208988800  # 1900 -> 1970


class ProtocolError(Exception):
    """What the reference server refuses (tests see it as a server-side reason)."""


# --- NTS-KE records ---------------------------------------------------------------------

def record(rtype, body=b"", critical=False):
    """RFC 8915 4: |C| Record Type (15) | Body Length (16) | Record Body |"""
    return struct.pack(">HH", rtype | (CRITICAL if critical else 0), len(body)) + body


def u16s(*values):
    return b"".join(struct.pack(">H", v) for v in values)


def parse_records(buf):
    """-> list of (critical, type, body); raises ProtocolError if truncated."""
    out = []
    pos = 0
    while pos < len(buf):
        if len(buf) - pos < 4:
            raise ProtocolError("truncated record header")
        t, n = struct.unpack_from(">HH", buf, pos)
        pos += 4
        if len(buf) - pos < n:
            raise ProtocolError("truncated record body")
        out.append((bool(t & CRITICAL), t & 0x7FFF, bytes(buf[pos:pos + n])))
        pos += n
    return out


def split_u16s(body):
    if len(body) % 2:
        raise ProtocolError("odd u16 list")
    return [struct.unpack_from(">H", body, i)[0] for i in range(0, len(body), 2)]


def message_complete(buf):
    """True once buf holds whole records ending with End of Message."""
    pos = 0
    while len(buf) - pos >= 4:
        t, n = struct.unpack_from(">HH", buf, pos)
        if len(buf) - pos - 4 < n:
            return False
        pos += 4 + n
        if t & 0x7FFF == END:
            return True
    return False


def exporter_context(aead, s2c):
    """RFC 8915 5.1: Protocol ID (0 = NTPv4) | AEAD ID | 00 (C2S) or 01 (S2C)."""
    return struct.pack(">HHB", 0, aead, 1 if s2c else 0)


def derive_keys(export, aead, context_aead=None):
    """export(label, length, context) is the TLS exporter. chrony before 4.4 derived
    AES-128-GCM-SIV keys with the AEAD 15 context: context_aead=15 reproduces that."""
    ctx = aead if context_aead is None else context_aead
    n = KEY_LEN[aead]
    return (export(EXPORTER_LABEL, n, exporter_context(ctx, False)),
            export(EXPORTER_LABEL, n, exporter_context(ctx, True)))


# --- AEAD (RFC 5297 with the nonce as last AD component; RFC 8452) ------------------------

def nonce_len(aead):
    return 16 if aead == AES_SIV_CMAC_256 else 12


def seal(aead, key, nonce, plaintext, ad):
    if aead == AES_SIV_CMAC_256:
        return AESSIV(key).encrypt(plaintext, [ad, nonce])
    return AESGCMSIV(key).encrypt(nonce, plaintext, ad)


def open_(aead, key, nonce, ciphertext, ad):
    """-> plaintext or None when the tag does not verify."""
    from cryptography.exceptions import InvalidTag
    try:
        if aead == AES_SIV_CMAC_256:
            return AESSIV(key).decrypt(ciphertext, [ad, nonce])
        return AESGCMSIV(key).decrypt(nonce, ciphertext, ad)
    except (InvalidTag, ValueError):
        return None


# --- server cookies -----------------------------------------------------------------------
# A cookie is key_id(4) | nonce(16) | AES-SIV(master)(aead(2) | 00 00 | c2s | s2c), AD =
# key_id: opaque to the client, and the server keeps no per-client state, as RFC 8915 6
# suggests. 72 or 104 bytes: a multiple of 4, so the Cookie extension field needs no padding.

class CookieJar:
    def __init__(self, key_id=1):
        self.key_id = key_id
        self._master = os.urandom(32)

    def seal(self, aead, c2s, s2c):
        kid = struct.pack(">I", self.key_id)
        nonce = os.urandom(16)
        return kid + nonce + AESSIV(self._master).encrypt(
            struct.pack(">HH", aead, 0) + c2s + s2c, [kid, nonce])

    def open(self, cookie):
        """-> (aead, c2s, s2c) or None."""
        if len(cookie) < 4 + 16 + 16 + 4 or cookie[:4] != struct.pack(">I", self.key_id):
            return None
        plain = open_(AES_SIV_CMAC_256, self._master, cookie[4:20], cookie[20:], cookie[:4])
        if plain is None:
            return None
        aead = struct.unpack(">H", plain[:2])[0]
        n = KEY_LEN.get(aead)
        if n is None or len(plain) != 4 + 2 * n:
            return None
        return aead, plain[4:4 + n], plain[4 + n:]


# --- NTPv4 packets --------------------------------------------------------------------------

def to_ntp64(unix_seconds):
    """Unix float seconds -> 64-bit NTP timestamp (era folded mod 2**32, RFC 5905 6)."""
    secs = int(unix_seconds // 1) + NTP_EPOCH_OFFSET
    frac = int((unix_seconds % 1) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack(">II", secs & 0xFFFFFFFF, frac)


def from_ntp64(ts, near_unix):
    """NTP timestamp -> unix seconds, in the era closest to near_unix."""
    secs, frac = struct.unpack(">II", ts)
    base = int(near_unix) + NTP_EPOCH_OFFSET
    era_secs = secs + ((base - secs + (1 << 31)) >> 32 << 32)
    return era_secs - NTP_EPOCH_OFFSET + frac / 2 ** 32


def ntp_header(li_vn_mode, stratum, poll, precision, refid, ref_ts, orig, recv, xmit,
               root_delay=0, root_disp=0):
    """RFC 5905 7.3: LI VN Mode | Stratum | Poll | Precision | Root Delay | Root Dispersion
    | Reference ID | Reference, Origin, Receive, Transmit Timestamps (64 bits each)."""
    return (struct.pack(">BBbbII", li_vn_mode, stratum, poll, precision, root_delay,
                        root_disp) + refid + ref_ts + orig + recv + xmit)


def ext_field(ftype, body, min_len=16):
    """RFC 7822 3: Type(16) | Length(16) | Value, zero-padded to a multiple of 4 and to at
    least 16 octets in total."""
    n = max(min_len, (4 + len(body) + 3) & ~3)
    return struct.pack(">HH", ftype, n) + body + bytes(n - 4 - len(body))


def parse_ext_fields(pkt):
    """-> list of (type, body, start_offset) after the 48-byte header."""
    out = []
    pos = 48
    while len(pkt) - pos >= 4:
        t, n = struct.unpack_from(">HH", pkt, pos)
        if n < 4 or n % 4 or pos + n > len(pkt):
            raise ProtocolError("bad extension field length")
        out.append((t, bytes(pkt[pos + 4:pos + n]), pos))
        pos += n
    if pos != len(pkt):
        raise ProtocolError("trailing bytes after extension fields")
    return out


def pad4(b):
    return b + bytes(-len(b) % 4)


def auth_field(aead, key, ad, plaintext, nonce=None):
    """RFC 8915 5.6: Nonce Length(16) | Ciphertext Length(16) | Nonce | Ciphertext |
    padding; each of nonce and ciphertext zero-padded to a multiple of 4."""
    nonce = nonce or os.urandom(nonce_len(aead))
    ct = seal(aead, key, nonce, plaintext, ad)
    return ext_field(EF_AUTH, struct.pack(">HH", len(nonce), len(ct)) + pad4(nonce) + pad4(ct))


def open_auth_body(aead, key, ad, body):
    """-> plaintext (bytes) or None when malformed or the tag fails."""
    if len(body) < 4:
        return None
    nlen, clen = struct.unpack_from(">HH", body, 0)
    pos = 4 + nlen + (-nlen % 4)
    if pos + clen > len(body):
        return None
    return open_(aead, key, body[4:4 + nlen], body[pos:pos + clen], ad)
