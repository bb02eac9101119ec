# TLS 1.3 handshake messages (RFC 8446 section 4) for the NTS-KE client: one ClientHello
# builder and pure parsers for what a server sends. Parsers take a message body (after
# the 4-byte handshake header) and read it only through nts.wire.Reader, so malformed
# input is a ParseError; well-formed input that breaks a protocol rule is a TLSError.
from micropython import const

from nts.errors import CertError, ParseError, TLSError
from nts.tls import HASH_LEN, MAX_CHAIN
from nts.wire import Reader, Writer

CLIENT_HELLO = const(1)
SERVER_HELLO = const(2)
NEW_SESSION_TICKET = const(4)
ENCRYPTED_EXTENSIONS = const(8)
CERTIFICATE = const(11)
CERTIFICATE_REQUEST = const(13)
CERTIFICATE_VERIFY = const(15)
FINISHED = const(20)
KEY_UPDATE = const(24)

TLS_AES_128_GCM_SHA256 = const(0x1301)
GROUP_X25519 = const(0x001D)
GROUP_SECP256R1 = const(0x0017)
_TLS13 = const(0x0304)
_LEGACY_VERSION = const(0x0303)

_EXT_SERVER_NAME = const(0)
_EXT_SUPPORTED_GROUPS = const(10)
_EXT_SIGNATURE_ALGORITHMS = const(13)
_EXT_ALPN = const(16)
_EXT_SUPPORTED_VERSIONS = const(43)
_EXT_COOKIE = const(44)
_EXT_KEY_SHARE = const(51)

# The NTS-KE ALPN protocol id (RFC 8915 4), its one home: the only TLS we speak is
# NTS-KE's. (nts.ke does not import the TLS modules, nor they nts.ke.)
ALPN_NTSKE = b"ntske/1"

# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
HRR_RANDOM = (b"\xcf\x21\xad\x74\xe5\x9a\x61\x11\xbe\x1d\x8c\x02\x1e\x65\xb8\x91"
              b"\xc2\xa2\x11\x16\x7a\xbb\x8c\x5e\x07\x9e\x09\xe2\xc8\xa8\x33\x9c")


def handshake(msg_type, body):
    """struct { HandshakeType msg_type; uint24 length; ... } Handshake;"""
    return Writer().u8(msg_type).u24(len(body)).put(body).getvalue()


def _extension(w, ext_type, data):
    w.u16(ext_type).vector(2, data)


def client_hello(random, session_id, server_name, key_shares, schemes, cookie=None):
    """A ClientHello handshake message (with header) offering exactly what mpnts does.

    struct {
        ProtocolVersion legacy_version = 0x0303;
        Random random;
        opaque legacy_session_id<0..32>;
        CipherSuite cipher_suites<2..2^16-2>;
        opaque legacy_compression_methods<1..2^8-1>;
        Extension extensions<8..2^16-1>;
    } ClientHello;

    key_shares: [(group, public key bytes)]; both groups are always listed in
    supported_groups so a server may ask for secp256r1 with a HelloRetryRequest.
    """
    ext = Writer()
    # RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName". The
    # one IP-literal test is tls.hostname's, so SNI and the certificate check agree
    # (imported here: on the NTS-KE path tls.trust has loaded it already).
    from nts.tls.hostname import ip_bytes
    if server_name and ip_bytes(server_name.decode()) is None:
        names = Writer().u8(0).vector(2, server_name).getvalue()    # host_name(0)
        _extension(ext, _EXT_SERVER_NAME, Writer().vector(2, names).getvalue())
    _extension(ext, _EXT_SUPPORTED_VERSIONS, bytes((2, _TLS13 >> 8, _TLS13 & 0xFF)))
    groups = Writer().u16(4).u16(GROUP_X25519).u16(GROUP_SECP256R1).getvalue()
    _extension(ext, _EXT_SUPPORTED_GROUPS, groups)
    sig = Writer().u16(2 * len(schemes))
    for s in schemes:
        sig.u16(s)
    _extension(ext, _EXT_SIGNATURE_ALGORITHMS, sig.getvalue())
    protos = Writer().vector(1, ALPN_NTSKE).getvalue()
    _extension(ext, _EXT_ALPN, Writer().vector(2, protos).getvalue())
    shares = Writer()
    for group, public in key_shares:
        shares.u16(group).vector(2, public)
    _extension(ext, _EXT_KEY_SHARE, Writer().vector(2, shares.getvalue()).getvalue())
    if cookie is not None:
        _extension(ext, _EXT_COOKIE, Writer().vector(2, cookie).getvalue())
    body = Writer().u16(_LEGACY_VERSION).put(random).vector(1, session_id)
    body.u16(2).u16(TLS_AES_128_GCM_SHA256).u8(1).u8(0)
    body.vector(2, ext.getvalue())
    return handshake(CLIENT_HELLO, body.getvalue())


def _extensions(r, allowed):
    """{type: Reader} of an extensions<..2^16-1> block; unknown or repeated types refused.

    struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
    """
    block = r.vector(2)
    out = {}
    while not block.at_end():
        t = block.u16()
        data = block.vector(2)
        if t in out:
            raise ParseError("extension %d repeated" % t)
        if t not in allowed:
            raise TLSError("unsupported extension %d from server" % t)
        out[t] = data
    return out


class ServerHello:
    """A parsed ServerHello or HelloRetryRequest (is_retry)."""

    def __init__(self, random, session_id, cipher_suite, is_retry, group, key_exchange, cookie):
        self.random = random
        self.session_id = session_id
        self.cipher_suite = cipher_suite
        self.is_retry = is_retry
        self.group = group              # the server's share group, or HRR selected_group
        self.key_exchange = key_exchange  # None in a HelloRetryRequest
        self.cookie = cookie


def parse_server_hello(body):
    """ServerHello / HelloRetryRequest (RFC 8446 4.1.3, 4.1.4).

    struct {
        ProtocolVersion legacy_version = 0x0303;
        Random random;
        opaque legacy_session_id_echo<0..32>;
        CipherSuite cipher_suite;
        uint8 legacy_compression_method = 0;
        Extension extensions<6..2^16-1>;
    } ServerHello;

    key_share: struct { KeyShareEntry server_share; }   (ServerHello)
               struct { NamedGroup selected_group; }    (HelloRetryRequest)
    KeyShareEntry: struct { NamedGroup group; opaque key_exchange<1..2^16-1>; }
    supported_versions: struct { ProtocolVersion selected_version; }
    """
    r = Reader(body)
    legacy_version = r.u16()
    random = r.take(32)
    session_id = r.vector(1, 0, 32).rest()
    suite = r.u16()
    if r.u8() != 0:
        raise TLSError("server chose a compression method")
    is_retry = random == HRR_RANDOM
    allowed = (_EXT_SUPPORTED_VERSIONS, _EXT_KEY_SHARE, _EXT_COOKIE) if is_retry \
        else (_EXT_SUPPORTED_VERSIONS, _EXT_KEY_SHARE)
    if r.at_end():
        ext = {}    # a TLS 1.2 ServerHello may omit the extensions block
    else:
        ext = _extensions(r, allowed)
    r.expect_end("ServerHello")
    sv = ext.get(_EXT_SUPPORTED_VERSIONS)
    if legacy_version != _LEGACY_VERSION or sv is None:
        raise TLSError("server does not speak TLS 1.3")
    version = sv.u16()
    sv.expect_end("supported_versions")
    if version != _TLS13:
        raise TLSError("server selected version 0x%04x, not TLS 1.3" % version)
    if suite != TLS_AES_128_GCM_SHA256:
        raise TLSError("server selected cipher suite 0x%04x, not offered" % suite)
    ks = ext.get(_EXT_KEY_SHARE)
    if ks is None:
        raise TLSError("ServerHello without key_share")
    group = ks.u16()
    key_exchange = None if is_retry else ks.vector(2, 1).rest()
    ks.expect_end("key_share")
    cookie = None
    if _EXT_COOKIE in ext:
        c = ext[_EXT_COOKIE]
        cookie = c.vector(2, 1).rest()
        c.expect_end("cookie")
    return ServerHello(random, session_id, suite, is_retry, group, key_exchange, cookie)


def parse_encrypted_extensions(body):
    """EncryptedExtensions (RFC 8446 4.3.1); returns the ALPN protocol, which must be ntske/1.

    struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
    ALPN (RFC 7301 3.1): opaque ProtocolName<1..2^8-1>;
                         struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
    """
    r = Reader(body)
    # server_name comes back empty when the server used our SNI; supported_groups is a
    # hint for later connections. Nothing else is allowed: we offered nothing else.
    ext = _extensions(r, (_EXT_SERVER_NAME, _EXT_SUPPORTED_GROUPS, _EXT_ALPN))
    r.expect_end("EncryptedExtensions")
    alpn = ext.get(_EXT_ALPN)
    if alpn is None:
        raise TLSError("server selected no ALPN protocol (ntske/1 required)")
    names = alpn.vector(2, 2)
    alpn.expect_end("ALPN")
    proto = names.vector(1, 1).rest()
    names.expect_end("ALPN protocol list")   # the server selects exactly one
    if proto != ALPN_NTSKE:
        raise TLSError("server selected ALPN %r, not ntske/1" % proto)
    return proto


def parse_certificate(body):
    """Certificate (RFC 8446 4.4.2); returns the DER certificates, leaf first.

    struct {
        select (certificate_type) {
            case X509: opaque cert_data<1..2^24-1>;
        };
        Extension extensions<0..2^16-1>;
    } CertificateEntry;

    struct {
        opaque certificate_request_context<0..2^8-1>;
        CertificateEntry certificate_list<0..2^24-1>;
    } Certificate;
    """
    r = Reader(body)
    if r.vector(1).remaining():
        raise TLSError("server Certificate with a request context")
    entries = r.vector(3)
    r.expect_end("Certificate")
    chain = []
    while not entries.at_end():
        if len(chain) == MAX_CHAIN:
            raise CertError("certificate chain longer than %d" % MAX_CHAIN, "path_too_long")
        chain.append(entries.vector(3, 1).rest())
        entries.vector(2)   # per-certificate extensions (OCSP, SCT): not used
    if not chain:
        raise CertError("server sent no certificate")
    return chain


def parse_certificate_verify(body):
    """CertificateVerify (RFC 8446 4.4.3); returns (scheme, signature).

    struct {
        SignatureScheme algorithm;
        opaque signature<0..2^16-1>;
    } CertificateVerify;
    """
    r = Reader(body)
    scheme = r.u16()
    signature = r.vector(2, 1).rest()
    r.expect_end("CertificateVerify")
    return scheme, signature


def certificate_verify_input(transcript_hash):
    """What the server signs (RFC 8446 4.4.3): 64 spaces, the context string, 0, the hash."""
    return b" " * 64 + b"TLS 1.3, server CertificateVerify\x00" + transcript_hash


def parse_finished(body):
    """Finished (RFC 8446 4.4.4): struct { opaque verify_data[Hash.length]; } Finished;"""
    r = Reader(body)
    verify_data = r.take(HASH_LEN)
    r.expect_end("Finished")
    return verify_data


def finished(verify_data):
    return handshake(FINISHED, verify_data)


def parse_key_update(body):
    """KeyUpdate (RFC 8446 4.6.3); returns whether the peer requests an update.

    enum { update_not_requested(0), update_requested(1), (255) } KeyUpdateRequest;
    struct { KeyUpdateRequest request_update; } KeyUpdate;
    """
    r = Reader(body)
    request = r.u8()
    r.expect_end("KeyUpdate")
    if request > 1:
        raise TLSError("bad KeyUpdate request %d" % request)
    return request == 1


def key_update(request_update):
    return handshake(KEY_UPDATE, bytes((1 if request_update else 0,)))
