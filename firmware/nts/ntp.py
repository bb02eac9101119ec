# NTPv4 packets with NTS extension fields (RFC 5905 7.3, RFC 7822, RFC 8915 section 5),
# sans-IO: bytes and keys in, bytes and verified results out.
#
#   data, req = build_request(aead, c2s, s2c, cookie, placeholders, t1)
#   ... the I/O shell sends data, receives a datagram at t4 ...
#   resp = verify_response(req, datagram)     # Response, or a typed error (drop packet)
#
# Request: header (mode 3, random transmit timestamp, other fields zero, RFC 9109),
# Unique Identifier, one Cookie, Cookie Placeholders, then the NTS Authenticator over
# everything before it (empty plaintext).
#
# A response is accepted only if: version 4, mode 4; origin timestamp = our transmit
# timestamp (answer_header, shared with plain NTPv4); a Unique Identifier equal to ours;
# the Authenticator present, last, and decrypting with S2C over everything before it.
# New cookies are taken only from inside the encrypted part. An NTS NAK (kiss code NTSN)
# cannot be authenticated (RFC 8915 5.7: the server could not read our cookie), so it
# counts when UID and origin match, and then carries nak=True; anyone who saw the
# request can send one, so it does not consume the request either: the authenticated
# answer may still come. Any other Kiss-o'-Death (RATE, DENY, RSTR, ...) must be
# authenticated like a normal response: an unauthenticated one is dropped (AuthError),
# because honouring a forged DENY would let an on-path attacker silence us. At most one
# response per request: a request is consumed by its first authenticated response;
# packets that fail verification do not consume it, so a forgery cannot block the
# genuine answer. What a matched header means (sample, kiss, unsynchronized) is
# nts.reply's.
from micropython import const

from nts.cookies import MAX_COOKIE_BYTES, MAX_COOKIES
from nts.errors import AuthError, NTPError, ParseError
from nts.platform import random_bytes
from nts.wire import Reader, Writer

MODE_CLIENT = 3
MODE_SERVER = 4
VERSION = 4
HEADER_LENGTH = 48

EF_UNIQUE_ID = 0x0104
EF_COOKIE = 0x0204
EF_COOKIE_PLACEHOLDER = 0x0304
EF_AUTHENTICATOR = 0x0404

UID_LENGTH = 32
MIN_EF_LENGTH = 16          # RFC 7822 7.5: extension fields are at least 16 bytes
_TAG = const(16)

KISS_NTS_NAK = b"NTSN"

# The largest reply our request can provoke, for the receive buffer (nts.aio): a server
# answers with a UID as long as ours, one cookie per Cookie and Placeholder field we sent
# (RFC 8915 5.7: placeholders are as long as the cookie), inside the authenticator, plus
# the AEAD's nonce and tag. Our cookie fields stay within MAX_COOKIE_BYTES (a cookie has
# at most 256 bytes, ke.MAX_COOKIE, so even one field fits), so: header 48
# + UID field 36 + cookie fields 864 + authenticator field 4 + 4 + 16 (nonce) + 16 (tag)
# = 988 bytes (a signed server adds nts.signed.MAX_EXTRA to that: nts.aio receives both).
MAX_REPLY = HEADER_LENGTH + 4 + UID_LENGTH + MAX_COOKIE_BYTES + 4 + 4 + 16 + _TAG


def _pad4(n):
    return (n + 3) & ~3


class Header:
    """The 48-byte NTP header (RFC 5905 7.3); timestamps as raw 64-bit integers.

    root_delay and root_disp are raw 16.16 (timescale.short_to_ns converts them),
    refid is 4 bytes (the kiss code when stratum is 0).
    """

    def __init__(self, leap=0, version=VERSION, mode=MODE_CLIENT, stratum=0, poll=0,
                 precision=0, root_delay=0, root_disp=0, refid=b"\x00\x00\x00\x00",
                 ref_ts=0, orig_ts=0, recv_ts=0, xmit_ts=0):
        self.leap = leap
        self.version = version
        self.mode = mode
        self.stratum = stratum
        self.poll = poll
        self.precision = precision
        self.root_delay = root_delay
        self.root_disp = root_disp
        self.refid = refid
        self.ref_ts = ref_ts
        self.orig_ts = orig_ts
        self.recv_ts = recv_ts
        self.xmit_ts = xmit_ts

    def encode(self, w=None):
        if w is None:
            w = Writer()
        w.u8((self.leap << 6) | (self.version << 3) | self.mode).u8(self.stratum)
        w.u8(self.poll & 0xFF).u8(self.precision & 0xFF)
        w.u32(self.root_delay).u32(self.root_disp).put(self.refid)
        w.u64(self.ref_ts).u64(self.orig_ts).u64(self.recv_ts).u64(self.xmit_ts)
        return w


#  0                   1                   2                   3
#  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |LI | VN  |Mode |    Stratum     |     Poll      |  Precision   |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |                         Root Delay                            |
# |                         Root Dispersion                       |
# |                          Reference ID                         |
# |                     Reference Timestamp (64)                  |
# |                      Origin Timestamp (64)                    |
# |                      Receive Timestamp (64)                   |
# |                      Transmit Timestamp (64)                  |
# .                    Extension Fields (RFC 7822)                .
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
def parse_header(r):
    b = r.u8()
    stratum = r.u8()
    poll = r.u8()
    precision = r.u8()
    return Header(b >> 6, (b >> 3) & 7, b & 7, stratum,
                  poll - 256 if poll > 127 else poll,
                  precision - 256 if precision > 127 else precision,
                  r.u32(), r.u32(), r.take(4), r.u64(), r.u64(), r.u64(), r.u64())


# Extension field (RFC 7822 3):
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |          Field Type           |            Length             |
# .                            Value (+ zero padding to 4 bytes)  .
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# Length counts the whole field, is a multiple of 4 and at least 16. The value is
# returned with its padding: NTS bodies carry their own lengths where it matters.
def parse_extension_fields(data, pos=0, end=None):
    """[(type, body, start_offset), ...] filling data[pos:end] exactly."""
    r = Reader(data, pos, end)
    fields = []
    while not r.at_end():
        start = r.pos
        ftype = r.u16()
        length = r.u16()
        if length < MIN_EF_LENGTH or length & 3:
            raise ParseError("extension field length %d" % length)
        fields.append((ftype, r.take(length - 4), start))
    return fields


def encode_extension_field(ftype, body, w=None):
    """Appends one extension field, zero-padded to a multiple of 4 and >= 16 bytes."""
    if w is None:
        w = Writer()
    length = max(MIN_EF_LENGTH, _pad4(4 + len(body)))
    if length > 0xFFFF:
        raise ValueError("extension field too long")
    w.u16(ftype).u16(length).put(body)
    w.put(bytes(length - 4 - len(body)))
    return w


def parse_packet(data):
    """(Header, extension fields) of a whole datagram; no legacy MAC is accepted."""
    r = Reader(data)
    header = parse_header(r)
    return header, parse_extension_fields(data, r.pos)


# NTS Authenticator and Encrypted Extension Fields body (RFC 8915 5.6):
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |          Nonce Length         |       Ciphertext Length       |
# .           Nonce, including up to 3 octets padding             .
# .         Ciphertext, including up to 3 octets padding          .
# .                      Additional Padding                       .
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# The sender pads so that nonce plus its padding and the additional padding reach
# min(16, the AEAD's maximum nonce length): 16 for AES-SIV's 16-byte nonce, 12 for
# AES-GCM-SIV's 12-byte nonce, so our requests never need additional padding. We do not
# demand that minimum of a server (it protects servers, not clients).
def parse_authenticator(body):
    """(nonce, ciphertext) of an Authenticator body; ParseError when the lengths lie."""
    r = Reader(body)
    nonce_len = r.u16()
    ct_len = r.u16()
    if nonce_len == 0 or ct_len < _TAG:
        raise ParseError("authenticator nonce/ciphertext length")
    nonce = r.take(nonce_len)
    r.take(_pad4(nonce_len) - nonce_len)
    ciphertext = r.take(ct_len)
    r.take(_pad4(ct_len) - ct_len)
    return nonce, ciphertext   # what remains is additional padding


def encode_authenticator(nonce, ciphertext):
    w = Writer().u16(len(nonce)).u16(len(ciphertext))
    w.put(nonce).put(bytes(_pad4(len(nonce)) - len(nonce)))
    w.put(ciphertext).put(bytes(_pad4(len(ciphertext)) - len(ciphertext)))
    return w.getvalue()


def placeholders_for(cookies_before, cookie_len):
    """Number of Cookie Placeholders to send with one cookie.

    cookies_before is the stash size before taking this request's cookie. We ask for
    enough to bring the stash back to nts.cookies.MAX_COOKIES, capped so the cookie and
    placeholder fields stay within nts.cookies.MAX_COOKIE_BYTES.
    """
    field = max(MIN_EF_LENGTH, _pad4(4 + cookie_len))
    return max(0, min(MAX_COOKIES - cookies_before, MAX_COOKIE_BYTES // field - 1))


class Request:
    """One outstanding request: what its response must match. Holds the S2C key: the
    default repr shows no field. `t1` is the caller's send time (ns since 1900)."""

    def __init__(self, aead, s2c, uid, xmit_ts, t1):
        self.aead = aead
        self.s2c = s2c
        self.uid = uid
        self.xmit_ts = xmit_ts
        self.t1 = t1
        self.answered = False


class Response:
    """An accepted response: header, new cookies (from the encrypted part), and
    nak=True for an NTS NAK (then unauthenticated and without cookies)."""

    def __init__(self, header, cookies, nak=False):
        self.header = header
        self.cookies = cookies
        self.nak = nak


def build_request(aead, c2s, s2c, cookie, placeholders, t1, poll=0, uid=None, nonce=None,
                  xmit_ts=None, extra=()):
    """(datagram bytes, Request). uid, nonce and xmit_ts are random unless given (tests).
    extra: further (type, body) fields, placed before the Authenticator (nts.signed)."""
    from nts.aead import NONCE_LENGTHS, encrypt   # on first use: parsing needs no crypto
    nonce_len = NONCE_LENGTHS.get(aead)
    if nonce_len is None:
        raise NTPError("unsupported AEAD %d" % aead)
    if uid is None:
        uid = random_bytes(UID_LENGTH)
    if nonce is None:
        nonce = random_bytes(nonce_len)
    if xmit_ts is None:
        # RFC 9109: a random transmit timestamp reveals nothing about our clock and is
        # unpredictable to an off-path attacker.
        xmit_ts = int.from_bytes(random_bytes(8), "big")
    w = Header(mode=MODE_CLIENT, poll=poll, xmit_ts=xmit_ts).encode()
    encode_extension_field(EF_UNIQUE_ID, uid, w)
    encode_extension_field(EF_COOKIE, cookie, w)
    blank = bytes(len(cookie))
    for _ in range(placeholders):
        encode_extension_field(EF_COOKIE_PLACEHOLDER, blank, w)
    for ftype, body in extra:
        encode_extension_field(ftype, body, w)
    ad = w.getvalue()
    ciphertext = encrypt(aead, c2s, nonce, b"", ad)
    encode_extension_field(EF_AUTHENTICATOR, encode_authenticator(nonce, ciphertext), w)
    return w.getvalue(), Request(aead, s2c, uid, xmit_ts, t1)


def answer_header(req, data):
    """(Header, extension fields) of datagram `data` if it is an NTPv4 server answer to
    req (an unanswered request with `xmit_ts`), else NTPError (ParseError: malformed)."""
    if req.answered:
        raise NTPError("request already answered")
    header, fields = parse_packet(data)
    if header.mode != MODE_SERVER or header.version != VERSION:
        raise NTPError("not an NTPv4 server response")
    if header.orig_ts != req.xmit_ts:
        raise NTPError("origin timestamp does not match our request")
    return header, fields


def verify_response(req, data):
    """The Response to req carried by datagram `data`, or a typed error.

    ParseError: malformed. NTPError: not an answer to req (version, mode, origin, UID), or req
    already answered. AuthError: authenticator missing, not last, or not verifying.
    """
    header, fields = answer_header(req, data)
    uid = None
    for ftype, body, _ in fields:
        if ftype == EF_UNIQUE_ID:
            if uid is not None:
                raise NTPError("duplicate Unique Identifier")
            uid = body
    if uid != req.uid:
        raise NTPError("Unique Identifier does not match our request")
    if header.stratum == 0 and header.refid == KISS_NTS_NAK:
        return Response(header, [], True)     # does not consume req: see above
    if not fields or fields[-1][0] != EF_AUTHENTICATOR:
        raise AuthError("NTS authenticator missing or not last")
    for ftype, _, _ in fields[:-1]:
        if ftype == EF_AUTHENTICATOR:
            raise AuthError("more than one NTS authenticator")
    _, body, start = fields[-1]
    nonce, ciphertext = parse_authenticator(body)
    from nts.aead import AEAD_AES_128_GCM_SIV, NONCE_LENGTHS, decrypt
    if req.aead == AEAD_AES_128_GCM_SIV and len(nonce) != NONCE_LENGTHS[req.aead]:
        raise AuthError("AES-GCM-SIV nonce must be 12 bytes")
    plaintext = decrypt(req.aead, req.s2c, nonce, ciphertext, data[:start])
    cookies = []
    for ftype, body, _ in parse_extension_fields(plaintext):
        if ftype == EF_COOKIE:
            cookies.append(body)
    req.answered = True
    return Response(header, cookies)


def offset_delay(t1, t2, t3, t4, asymmetry=0):
    """(offset, delay) of one exchange (RFC 5905 8), all in the same unit (we use ns).

    t1 request sent (our clock), t2 received (server), t3 answer sent (server), t4
    answer received (our clock). offset = server minus our clock.

    asymmetry corrects a known path asymmetry: the outbound (client to server) one-way
    delay minus the return one. The symmetric estimate assumes both halves take
    delay/2; when the outbound half is longer by A, the true offset is smaller by A/2.
    So a positive asymmetry means "requests travel slower than responses". The white
    paper's DelayAsymmetry is in ms: pass ms * 1000000.
    """
    delay = (t4 - t1) - (t3 - t2)
    offset = ((t2 - t1) + (t3 - t4) - asymmetry) // 2
    return offset, delay
