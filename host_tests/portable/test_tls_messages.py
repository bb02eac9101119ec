# TLS 1.3 handshake message builder and parsers (RFC 8446 section 4): the RFC 8448
# section 3 messages parse to their documented values; our ClientHello offers exactly
# what mpnts implements; malformed or out-of-policy input is a ParseError or TLSError.
import rfc8448 as v
from nts.errors import CertError, ParseError, TLSError
from nts import tls
from nts.tls import messages as m
from nts.wire import Reader, Writer
from support import h, raises

SESSION = bytes(range(32))
RANDOM = bytes(range(100, 132))
PUB = bytes(range(7, 39))


def _hello(name=b"nts.example", cookie=None):
    return m.client_hello(RANDOM, SESSION, name, [(m.GROUP_X25519, PUB)], (0x0804, 0x0403), cookie)


def _client_hello_extensions(ch):
    r = Reader(ch)
    assert r.u8() == m.CLIENT_HELLO and r.u24() == len(ch) - 4
    assert r.u16() == 0x0303 and r.take(32) == RANDOM
    assert r.vector(1).rest() == SESSION
    assert r.vector(2).rest() == b"\x13\x01"       # TLS_AES_128_GCM_SHA256 only
    assert r.vector(1).rest() == b"\x00"
    ext = {}
    block = r.vector(2)
    r.expect_end()
    while not block.at_end():
        t = block.u16()
        ext[t] = block.vector(2).rest()
    return ext


def test_client_hello_offers_exactly_our_suite():
    ext = _client_hello_extensions(_hello())
    assert sorted(ext) == [0, 10, 13, 16, 43, 51]
    assert ext[0] == b"\x00\x0e\x00\x00\x0bnts.example"
    assert ext[43] == b"\x02\x03\x04"                      # TLS 1.3 only
    assert ext[10] == b"\x00\x04\x00\x1d\x00\x17"          # x25519, secp256r1
    assert ext[13] == b"\x00\x04\x08\x04\x04\x03"
    assert ext[16] == b"\x00\x08\x07ntske/1"
    assert ext[51] == b"\x00\x24\x00\x1d\x00\x20" + PUB     # one X25519 share


def test_client_hello_ip_literal_has_no_sni_and_cookie_is_echoed():
    ext = _client_hello_extensions(_hello(b"127.0.0.1", cookie=b"abc"))
    assert 0 not in ext
    assert ext[44] == b"\x00\x03abc"
    assert 0 not in _client_hello_extensions(_hello(b"::1"))
    assert 0 not in _client_hello_extensions(_hello(b"[2001:db8::1]"))
    # Not an address (tls.hostname, which the certificate check uses, says so too): a
    # name, so it is sent as SNI, as the certificate is then checked by DNS name.
    assert _client_hello_extensions(_hello(b"1.2.3.999"))[0][5:] == b"1.2.3.999"


def test_rfc8448_server_hello():
    sh = m.parse_server_hello(v.SERVER_HELLO[4:])
    assert not sh.is_retry
    assert sh.random == v.SERVER_HELLO[6:38]
    assert sh.session_id == b""
    assert sh.cipher_suite == m.TLS_AES_128_GCM_SHA256
    assert sh.group == m.GROUP_X25519 and sh.key_exchange == v.SERVER_PUBLIC
    assert sh.cookie is None


def _server_hello(random=None, suite=0x1301, version=0x0304, key_share=None, extra=b""):
    ext = Writer()
    if version is not None:
        ext.u16(43).vector(2, Writer().u16(version).getvalue())
    if key_share is None:
        key_share = Writer().u16(m.GROUP_X25519).vector(2, PUB).getvalue()
    ext.u16(51).vector(2, key_share)
    ext.put(extra)
    body = Writer().u16(0x0303).put(random or RANDOM).vector(1, SESSION).u16(suite).u8(0)
    return body.vector(2, ext.getvalue()).getvalue()


def test_hello_retry_request_detected_by_random():
    body = _server_hello(m.HRR_RANDOM, key_share=b"\x00\x17",
                         extra=Writer().u16(44).vector(2, b"\x00\x02hi").getvalue())
    hrr = m.parse_server_hello(body)
    assert hrr.is_retry and hrr.group == m.GROUP_SECP256R1 and hrr.key_exchange is None
    assert hrr.cookie == b"hi" and hrr.session_id == SESSION


def test_server_hello_policy_violations():
    raises(TLSError, m.parse_server_hello, _server_hello(suite=0x1302))
    raises(TLSError, m.parse_server_hello, _server_hello(version=0x0303))
    raises(TLSError, m.parse_server_hello, _server_hello(version=None))     # TLS 1.2 server
    # A cookie is only allowed in a HelloRetryRequest; unknown extensions are refused.
    raises(TLSError, m.parse_server_hello,
           _server_hello(extra=Writer().u16(44).vector(2, b"\x00\x01x").getvalue()))
    raises(TLSError, m.parse_server_hello, _server_hello(extra=b"\x00\x29\x00\x02\x00\x00"))
    # Repeated extension.
    raises(ParseError, m.parse_server_hello,
           _server_hello(extra=b"\x00\x2b\x00\x02\x03\x04"))
    # A TLS 1.2 ServerHello without any extension block.
    tls12 = Writer().u16(0x0303).put(RANDOM).vector(1, SESSION).u16(0xC02F).u8(0).getvalue()
    raises(TLSError, m.parse_server_hello, tls12)


def test_server_hello_truncations_are_parse_errors():
    body = v.SERVER_HELLO[4:]
    for n in range(len(body)):
        e = raises((ParseError, TLSError), m.parse_server_hello, body[:n])
        assert e is not None
    raises(ParseError, m.parse_server_hello, body + b"\x00")


def _ee(*extensions):
    ext = Writer()
    for t, data in extensions:
        ext.u16(t).vector(2, data)
    return Writer().vector(2, ext.getvalue()).getvalue()


def _alpn(*protos):
    names = Writer()
    for p in protos:
        names.vector(1, p)
    return Writer().vector(2, names.getvalue()).getvalue()


def test_encrypted_extensions_alpn_rules():
    assert m.parse_encrypted_extensions(_ee((16, _alpn(b"ntske/1")), (0, b""))) == b"ntske/1"
    # RFC 8448's EncryptedExtensions has no ALPN: refused for NTS-KE.
    ee = v.split_flight()[0]
    raises(TLSError, m.parse_encrypted_extensions, ee[4:])
    raises(TLSError, m.parse_encrypted_extensions, _ee())
    raises(TLSError, m.parse_encrypted_extensions, _ee((16, _alpn(b"http/1.1"))))
    raises(TLSError, m.parse_encrypted_extensions, _ee((16, _alpn(b"ntske/10"))))
    raises(ParseError, m.parse_encrypted_extensions, _ee((16, _alpn(b"ntske/1", b"ntske/1"))))
    raises(ParseError, m.parse_encrypted_extensions, _ee((16, _alpn())))
    raises(TLSError, m.parse_encrypted_extensions, _ee((16, _alpn(b"ntske/1")), (42, b"")))
    raises(ParseError, m.parse_encrypted_extensions,
           _ee((16, _alpn(b"ntske/1")), (16, _alpn(b"ntske/1"))))


def test_rfc8448_certificate_verify_finished():
    _, cert, cv, fin = v.split_flight()
    chain = m.parse_certificate(cert[4:])
    assert len(chain) == 1 and chain[0][:4] == h("308201ac") and len(chain[0]) == 0x1B0
    scheme, sig = m.parse_certificate_verify(cv[4:])
    assert scheme == 0x0804 and len(sig) == 128
    assert m.parse_finished(fin[4:]) == v.S_FINISHED
    assert m.finished(v.S_FINISHED) == fin
    sig_input = m.certificate_verify_input(b"\x01" * 32)
    assert sig_input[:64] == b" " * 64 and sig_input[64:97] == b"TLS 1.3, server CertificateVerify"
    assert sig_input[97:98] == b"\x00" and len(sig_input) == 130


def _certificate(certs, context=b""):
    entries = Writer()
    for c in certs:
        entries.vector(3, c).vector(2, b"")
    return Writer().vector(1, context).vector(3, entries.getvalue()).getvalue()


def test_certificate_message_rules():
    assert m.parse_certificate(_certificate([b"a", b"bc"])) == [b"a", b"bc"]
    raises(CertError, m.parse_certificate, _certificate([]))
    # The one chain limit (nts.tls.MAX_CHAIN, which tls.trust applies too).
    assert len(m.parse_certificate(_certificate([b"x"] * tls.MAX_CHAIN))) == tls.MAX_CHAIN
    e = raises(CertError, m.parse_certificate, _certificate([b"x"] * (tls.MAX_CHAIN + 1)))
    assert e.reason == "path_too_long"
    raises(TLSError, m.parse_certificate, _certificate([b"a"], context=b"c"))
    raises(ParseError, m.parse_certificate, _certificate([b""]))


def test_truncated_messages_are_parse_errors():
    _, cert, cv, fin = v.split_flight()
    for parser, body in ((m.parse_certificate, cert[4:]), (m.parse_certificate_verify, cv[4:]),
                         (m.parse_finished, fin[4:])):
        for n in range(0, len(body), 7):
            raises((ParseError, TLSError), parser, body[:n])
        raises(ParseError, parser, body + b"\x00")


def test_key_update():
    assert m.parse_key_update(b"\x01") is True
    assert m.parse_key_update(b"\x00") is False
    raises(TLSError, m.parse_key_update, b"\x02")
    raises(ParseError, m.parse_key_update, b"")
    assert m.key_update(True) == b"\x18\x00\x00\x01\x01"
