# NTS Key Establishment records and message rules (RFC 8915 section 4), sans-IO.
#
# The TLS transport (ours, or pyOpenSSL on the host) owns the socket; this module only
# turns offered algorithms into request bytes, response bytes into a KEResult, and the
# TLS exporter into NTS keys.
#
#   req = build_request((AEAD_AES_SIV_CMAC_256, AEAD_AES_128_GCM_SIV))   # nts.aead ids
#   buf = ResponseBuffer()
#   while not buf.feed(tls.recv()): pass                                  # until End of Message
#   res = parse_response(buf.data, offered_aeads)                        # KEResult, or a KEError
#   res.derive_keys(exporter)        # exporter(label, context, length) -> bytes
#
# Parsing is strict where it matters for security (one Next Protocol = NTPv4, an AEAD we
# offered, unknown critical record = error, every length checked) and tolerant where real
# servers differ (critical bit on Server/Port Negotiation and End of Message, cookies past
# the eighth ignored, unknown non-critical records skipped).
from micropython import const

from nts.errors import KEError, KEErrorRecord, KEWarningRecord, ParseError
from nts.wire import Reader, Writer

# Record types (RFC 8915 section 7.6 registry).
_END_OF_MESSAGE = const(0)
_NEXT_PROTOCOL = const(1)
_ERROR = const(2)
_WARNING = const(3)
_AEAD = const(4)
_NEW_COOKIE = const(5)
_SERVER = const(6)
_PORT = const(7)
# chrony's private record: "the AES-128-GCM-SIV keys are exported with the compliant
# context" (it used AEAD id 15 in the exporter context before chrony 4.4).
_COMPLIANT_128GCM_EXPORT = const(1024)
# Signed responses (the white paper's vendor extension, as Norn implements it; see
# nts.signed): the client asks for the server's signing key with an empty 16384, the
# server answers 16385 = KeyId u16 | Length u16 | SEC1 uncompressed P-256 point.
_REQUEST_PUBLIC_KEY = const(16384)
_PUBLIC_KEY = const(16385)
P256_POINT_LENGTH = 65
_CRITICAL = const(0x8000)

NEXT_PROTOCOL_NTPV4 = 0
# AEAD ids, key lengths and our default offer (DEFAULT_AEADS) are nts.aead's, the cookie
# limits nts.cookies'. Both are imported where used, so importing ke (and nts.keclient)
# loads neither: the NTP requests that follow a key exchange do.

EXPORTER_LABEL = b"EXPORTER-network-time-security"
PORT = 4460
DEFAULT_NTP_PORT = 123

# Limits (documented attributes, not magic numbers). chrony uses the same values. The
# cookie limits (MAX_COOKIE bytes per cookie, MAX_COOKIES kept from one response) are
# nts.cookies', the stash that holds them.
MAX_MESSAGE = 16384      # a response longer than this is refused before parsing
MAX_SERVER_NAME = 255

# Error codes of the Error record (RFC 8915 section 4.1.3).
ERROR_UNRECOGNIZED_CRITICAL = 0
ERROR_BAD_REQUEST = 1
ERROR_INTERNAL_SERVER = 2


# Every NTS-KE message is a sequence of records (RFC 8915 section 4):
#
#   0                   1                   2                   3
#   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
#  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#  |C|         Record Type         |          Body Length          |
#  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#  .                           Record Body                         .
#  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#
# ending with End of Message (type 0, critical, empty body).

def parse_records(data):
    """[(critical, type, body), ...] up to and including End of Message.

    Raises ParseError when the message exceeds MAX_MESSAGE, a record is truncated, End of
    Message is missing or has a body, or bytes follow it.
    """
    if len(data) > MAX_MESSAGE:
        raise ParseError("NTS-KE message longer than %d bytes" % MAX_MESSAGE)
    r = Reader(data)
    records = []
    while True:
        if r.at_end():
            raise ParseError("NTS-KE message without End of Message")
        word = r.u16()
        body = r.vector(2).rest()
        rtype = word & 0x7FFF
        records.append((bool(word & _CRITICAL), rtype, body))
        if rtype == _END_OF_MESSAGE:
            if body:
                raise ParseError("End of Message record with a body")
            r.expect_end("End of Message")
            return records


def build_records(records):
    """Bytes of [(critical, type, body), ...]; the caller includes End of Message."""
    w = Writer()
    for critical, rtype, body in records:
        if not 0 <= rtype <= 0x7FFF:
            raise ValueError("record type out of range")
        w.u16(rtype | (_CRITICAL if critical else 0)).vector(2, body)
    return w.getvalue()


def _u16s(values):
    w = Writer()
    for v in values:
        w.u16(v)
    return w.getvalue()


def build_request(aeads=None, signed=False):
    """The whole client request as one buffer (send it in one write: one TCP segment).

    Next Protocol NTPv4 (critical), AEAD Algorithm Negotiation in preference order
    (critical; None = nts.aead.DEFAULT_AEADS), chrony's compliant-export record when
    AES-128-GCM-SIV is offered (non-critical, empty), with `signed` the request for the
    signing key (16384, non-critical, empty), End of Message.
    """
    from nts.aead import AEAD_AES_128_GCM_SIV, DEFAULT_AEADS
    if aeads is None:
        aeads = DEFAULT_AEADS
    if not aeads:
        raise ValueError("no AEAD algorithm offered")
    records = [(True, _NEXT_PROTOCOL, _u16s((NEXT_PROTOCOL_NTPV4,))),
               (True, _AEAD, _u16s(aeads))]
    if AEAD_AES_128_GCM_SIV in aeads:
        records.append((False, _COMPLIANT_128GCM_EXPORT, b""))
    if signed:
        records.append((False, _REQUEST_PUBLIC_KEY, b""))
    records.append((True, _END_OF_MESSAGE, b""))
    return build_records(records)


def _scan(buf, pos):
    # Walks whole records from pos; returns (complete, offset of first unread record).
    n = len(buf)
    while n - pos >= 4:
        length = (buf[pos + 2] << 8) | buf[pos + 3]
        end = pos + 4 + length
        if end > n:
            break
        if (buf[pos] & 0x7F) == 0 and buf[pos + 1] == 0:
            return True, end
        pos = end
    if n > MAX_MESSAGE:
        raise ParseError("NTS-KE response longer than %d bytes" % MAX_MESSAGE)
    return False, pos


class ResponseBuffer:
    """Collects TLS application data until End of Message; `feed` returns True then.

    Scans each record once (no quadratic rescans). Bytes after End of Message are kept,
    so parse_response rejects them.
    """

    def __init__(self):
        self.data = bytearray()
        self._pos = 0
        self.complete = False

    def feed(self, chunk):
        if chunk:
            self.data.extend(chunk)
        if not self.complete:
            self.complete, self._pos = _scan(self.data, self._pos)
        return self.complete


class KEResult:
    """What one NTS-KE session established. Keys and cookies never appear in repr.

    aead        negotiated AEAD id (15 or 30)
    c2s, s2c    keys in use (None until derive_keys)
    alt_c2s, alt_s2c
                for AEAD 30 without chrony's compliant-export record: the compliant
                keys, to switch to on the first NTS NAK (see derive_keys); else None
    compliant_128gcm
                the server sent record 1024
    cookies     list of cookies, in the order received (at most nts.cookies.MAX_COOKIES)
    ntp_server  negotiated NTP server name (str) or None = the NTS-KE host
    ntp_port    negotiated NTP port, or DEFAULT_NTP_PORT
    signing_key (key id, SEC1 point bytes) from record 16385, or None (public: it is
                the server's public key)
    """

    def __init__(self, aead, cookies, ntp_server=None, ntp_port=DEFAULT_NTP_PORT,
                 compliant_128gcm=False, signing_key=None):
        self.aead = aead
        self.signing_key = signing_key
        self.cookies = cookies
        self.ntp_server = ntp_server
        self.ntp_port = ntp_port
        self.compliant_128gcm = compliant_128gcm
        self.c2s = self.s2c = None
        self.alt_c2s = self.alt_s2c = None

    def derive_keys(self, exporter):
        """Export the keys from the TLS session (see derive_keys); returns self.

        chrony exported AES-128-GCM-SIV keys with AEAD id 15 in the exporter context
        (chrony < 4.4). Its current client, when the server does not confirm the
        compliant context with record 1024, uses those legacy keys first (the server is
        probably an older chrony) and keeps the compliant set to switch to on the first
        NTS NAK. We do the same.
        """
        from nts.aead import AEAD_AES_128_GCM_SIV
        if self.aead == AEAD_AES_128_GCM_SIV and not self.compliant_128gcm:
            self.alt_c2s, self.alt_s2c = derive_keys(exporter, self.aead, True)
            self.c2s, self.s2c = derive_keys(exporter, self.aead, False)
        else:
            self.c2s, self.s2c = derive_keys(exporter, self.aead, True)
        return self

    def __repr__(self):
        return "KEResult(aead=%d, cookies=%d, ntp_server=%r, ntp_port=%d, keys=%s%s)" % (
            self.aead, len(self.cookies), self.ntp_server, self.ntp_port,
            "set" if self.c2s is not None else "none",
            ", alt_keys" if self.alt_c2s is not None else "")


def derive_keys(exporter, aead, compliant_128gcm=True):
    """(c2s, s2c) from the TLS exporter (RFC 8915 section 5.1).

    exporter(label, context, length) -> bytes is provided by the TLS transport. The
    context is Next Protocol (2 bytes) | AEAD id (2 bytes) | 00 for C2S, 01 for S2C. With
    compliant_128gcm False and AEAD 30, the context carries id 15 instead (chrony's
    legacy export) while the key length stays AES-128-GCM-SIV's 16 bytes.
    """
    from nts.aead import AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256, KEY_LENGTHS
    length = KEY_LENGTHS.get(aead)
    if length is None:
        raise KEError("unsupported AEAD %d" % aead)
    ctx_id = aead
    if aead == AEAD_AES_128_GCM_SIV and not compliant_128gcm:
        ctx_id = AEAD_AES_SIV_CMAC_256
    prefix = _u16s((NEXT_PROTOCOL_NTPV4, ctx_id))
    c2s = exporter(EXPORTER_LABEL, prefix + b"\x00", length)
    s2c = exporter(EXPORTER_LABEL, prefix + b"\x01", length)
    if len(c2s) != length or len(s2c) != length:
        raise KEError("exporter returned a key of the wrong length")
    return bytes(c2s), bytes(s2c)


def _u16_body(body, what):
    if len(body) != 2:
        raise KEError("%s record body must be 2 bytes, not %d" % (what, len(body)))
    return (body[0] << 8) | body[1]


def _printable_name(body):
    if not 1 <= len(body) <= MAX_SERVER_NAME:
        raise KEError("Server Negotiation name length %d" % len(body))
    for c in body:
        if c < 0x21 or c > 0x7E:  # printable ASCII without space, as chrony requires
            raise KEError("Server Negotiation name is not printable ASCII")
    return body.decode()


# Public key record (16385), body:
#   KeyId u16 | Length u16 | SEC1 point (Length bytes: 0x04 | X (32) | Y (32) for P-256)
# Whether the point is on the curve is checked where it is used (nts.signed, with the
# curve code), so a key exchange does not load it.
def _public_key(body):
    r = Reader(body)
    key_id = r.u16()
    point = r.vector(2).rest()
    r.expect_end("public key record")
    if len(point) != P256_POINT_LENGTH or point[0] != 4:
        raise KEError("public key record: not an uncompressed P-256 point")
    return key_id, point


def parse_response(data, offered_aeads):
    """KEResult from a complete NTS-KE response (RFC 8915 sections 4.1.1-4.1.7).

    Raises ParseError for malformed framing; KEErrorRecord / KEWarningRecord (with .code)
    when the server sent one; KEError for any other violation: unknown critical record,
    Next Protocol absent/duplicated/not NTPv4, AEAD absent/duplicated/not offered, no
    (or a bad) cookie, bad Server or Port Negotiation, duplicated negotiation records.
    """
    from nts.cookies import MAX_COOKIE, MAX_COOKIES
    records = parse_records(data)
    # Error and Warning take precedence: they explain why the rest may be missing.
    for critical, rtype, body in records:
        if rtype == _ERROR:
            raise KEErrorRecord(_u16_body(body, "Error"))
    for critical, rtype, body in records:
        if rtype == _WARNING:
            raise KEWarningRecord(_u16_body(body, "Warning"))

    protocol = aead = server = port = None
    compliant = False
    signing_key = None
    cookies = []
    for critical, rtype, body in records:
        if rtype == _NEXT_PROTOCOL:
            if protocol is not None:
                raise KEError("duplicate Next Protocol record")
            if len(body) != 2:
                raise KEError("Next Protocol must name exactly one protocol")
            protocol = _u16_body(body, "Next Protocol")
            if protocol != NEXT_PROTOCOL_NTPV4:
                raise KEError("server chose next protocol %d, not NTPv4" % protocol)
        elif rtype == _AEAD:
            if aead is not None:
                raise KEError("duplicate AEAD record")
            if not body:    # RFC 8915 4.1.5: none of ours is supported
                raise KEError("no AEAD algorithm in common (the server supports none offered)")
            if len(body) != 2:
                raise KEError("AEAD record must name exactly one algorithm")
            aead = _u16_body(body, "AEAD")
            if aead not in offered_aeads:
                raise KEError("server chose AEAD %d, which we did not offer" % aead)
        elif rtype == _NEW_COOKIE:
            if not 1 <= len(body) <= MAX_COOKIE:
                raise KEError("cookie of %d bytes" % len(body))
            if len(cookies) < MAX_COOKIES:
                cookies.append(body)
        elif rtype == _SERVER:
            if server is not None:
                raise KEError("duplicate Server Negotiation record")
            server = _printable_name(body)
        elif rtype == _PORT:
            if port is not None:
                raise KEError("duplicate Port Negotiation record")
            port = _u16_body(body, "Port Negotiation")
            if port == 0:
                raise KEError("Port Negotiation to port 0")
        elif rtype == _COMPLIANT_128GCM_EXPORT:
            if body or compliant:
                raise KEError("bad compliant-export record")
            compliant = True
        elif rtype == _PUBLIC_KEY:
            if signing_key is not None:
                raise KEError("duplicate public key record")
            try:
                signing_key = _public_key(body)
            except ParseError as e:
                raise KEError("public key record: %s" % e)
        elif rtype == _END_OF_MESSAGE:
            pass
        elif critical:
            raise KEError("unrecognized critical record type %d" % rtype)
    if protocol is None:
        raise KEError("no Next Protocol record")
    if aead is None:
        raise KEError("no AEAD record")
    if not cookies:
        raise KEError("no cookies")
    return KEResult(aead, cookies, server, DEFAULT_NTP_PORT if port is None else port,
                    compliant, signing_key)
