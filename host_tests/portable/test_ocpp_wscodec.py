# RFC 6455 client codec (nts.ocpp.wscodec): the RFC's own examples (section 1.3
# handshake, section 5.7 frames), handshake checks, and frames a server must not send.
from nts.ocpp import wscodec
from nts.ocpp.wscodec import Decoder, WSError
from support import raises

RFC_KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
NEED_64K = 600


def _answer(accept=None, protocol="ocpp1.6", status="101 Switching Protocols", extra=""):
    accept = accept if accept is not None else wscodec.accept_for(RFC_KEY).decode()
    lines = ["HTTP/1.1 " + status, "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Accept: " + accept]
    if protocol:
        lines.append("Sec-WebSocket-Protocol: " + protocol)
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def test_accept_of_the_rfc_example():
    # RFC 6455 section 1.3
    assert wscodec.accept_for(RFC_KEY) == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_plain_sha1_twin():
    # FIPS 180-2 appendix A examples ("abc", the 56-byte message), the empty string, and
    # lengths around the padding edges, against hashlib's where the port has one.
    import hashlib
    from nts.ocpp import sha1
    from support import h
    assert sha1.digest(b"abc") == h("a9993e364706816aba3e25717850c26c9cd0d89d")
    assert sha1.digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == \
        h("84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    assert sha1.digest(b"") == h("da39a3ee5e6b4b0d3255bfef95601890afd80709")
    if hasattr(hashlib, "sha1"):
        for n in (55, 56, 63, 64, 65, 119, 120, 200):
            data = bytes(range(n % 256)) * (n // 256) + bytes((i * 7) & 255 for i in range(n % 256))
            assert sha1.digest(data) == hashlib.sha1(data).digest(), n


def test_new_key_is_16_random_bytes_in_base64():
    import binascii
    a, b = wscodec.new_key(), wscodec.new_key()
    assert a != b and len(binascii.a2b_base64(a)) == 16


def test_handshake_request():
    req = wscodec.handshake_request("127.0.0.1", 9000, "/ocpp/CP1", RFC_KEY, "ocpp2.0.1")
    text = req.decode()
    assert text.startswith("GET /ocpp/CP1 HTTP/1.1\r\n") and text.endswith("\r\n\r\n")
    for line in ("Host: 127.0.0.1:9000", "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
                 "Sec-WebSocket-Protocol: ocpp2.0.1"):
        assert "\r\n" + line + "\r\n" in text, line
    assert "Authorization" not in text
    req = wscodec.handshake_request("csms", 80, "/", RFC_KEY, "ocpp1.6", ("CP1", "secret"))
    # RFC 7617: base64("CP1:secret")
    assert b"\r\nHost: csms\r\n" in req and b"Authorization: Basic Q1AxOnNlY3JldA==\r\n" in req
    req = wscodec.handshake_request("::1", 9000, "/", RFC_KEY, "ocpp1.6")
    assert b"\r\nHost: [::1]:9000\r\n" in req


def test_handshake_answer_checks():
    wscodec.check_handshake(_answer(), RFC_KEY, "ocpp1.6")
    # header names and the Connection token list are case-insensitive
    ok = _answer().replace(b"Connection: Upgrade", b"connection: keep-alive, upgrade")
    wscodec.check_handshake(ok, RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, _answer(status="401 Unauthorized"), RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, _answer(accept="AAAA"), RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, _answer(protocol=None), RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, _answer(protocol="ocpp2.0.1"), RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake,
           _answer(extra="Sec-WebSocket-Extensions: permessage-deflate\r\n"), RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, _answer().replace(b"Upgrade: websocket", b"Upgrade: h2c"),
           RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, b"SSH-2.0-x\r\n\r\n", RFC_KEY, "ocpp1.6")
    raises(WSError, wscodec.check_handshake, b"HTTP/1.1 101\r\nbroken\r\n\r\n", RFC_KEY, "ocpp1.6")


def test_masked_client_frame_of_the_rfc():
    # RFC 6455 section 5.7: a masked text "Hello"
    frame = wscodec.encode(wscodec.OP_TEXT, b"Hello", mask_key=b"\x37\xfa\x21\x3d")
    assert frame == bytes([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])


def _frame_lengths(cases):
    for n, head in cases:
        data = bytes(range(256)) * (n // 256) + bytes(n % 256)
        f = wscodec.encode(wscodec.OP_BINARY, data)
        assert f[:len(head)] == head
        key = f[len(head):len(head) + 4]
        assert wscodec.mask(f[len(head) + 4:], key) == data
        f = data = None


def test_client_frame_lengths_and_random_mask():
    _frame_lengths(((0, b"\x82\x80"), (125, b"\x82\xfd"), (126, b"\x82\xfe\x00\x7e"),
                    (4000, b"\x82\xfe\x0f\xa0")))
    a = wscodec.encode(wscodec.OP_TEXT, b"x" * 8)
    b = wscodec.encode(wscodec.OP_TEXT, b"x" * 8)
    assert a[2:6] != b[2:6]     # a fresh key per frame
    assert wscodec.encode(wscodec.OP_PING) [1] == 0x80 and len(wscodec.encode(wscodec.OP_PING)) == 6


def test_server_frames_of_the_rfc():
    # RFC 6455 section 5.7: unmasked "Hello", fragmented "Hel" + "lo", ping, 256 bytes
    d = Decoder()
    assert d.feed(b"\x81\x05Hello") == [(wscodec.OP_TEXT, b"Hello")]
    assert d.feed(b"\x01\x03Hel") == []
    assert d.feed(b"\x80\x02lo") == [(wscodec.OP_TEXT, b"Hello")]
    assert d.feed(b"\x89\x05Hello") == [(wscodec.OP_PING, b"Hello")]
    big = bytes(256)
    assert d.feed(b"\x82\x7e\x01\x00" + big) == [(wscodec.OP_BINARY, big)]
    # the 64-bit length form (a server may use it for any size; we accept that)
    assert d.feed(b"\x81\x7f" + (5).to_bytes(8, "big") + b"Hello") == [(wscodec.OP_TEXT, b"Hello")]
    raises(WSError, Decoder().feed, b"\x82\x7f" + (1 << 62).to_bytes(8, "big"))


def test_64_kib_frames():
    # Both 16-bit and 64-bit lengths at their edges: NEED_64K KB of heap (unix port, 50 KB
    # steps: 550 KB fails, 600 KB passes), more than a board has: skipped on small heaps.
    import gc
    from support import SkipTest
    gc.collect()
    if hasattr(gc, "mem_free") and gc.mem_free() < NEED_64K * 1024:
        raise SkipTest("needs ~%d KB of free heap" % NEED_64K)
    _frame_lengths(((65535, b"\x82\xfe\xff\xff"),
                    (65536, b"\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00")))
    gc.collect()
    big = b"y" * 65536
    d = Decoder(max_message=70000)
    assert d.feed(b"\x82\x7f" + (65536).to_bytes(8, "big") + big) == [(wscodec.OP_BINARY, big)]


def test_control_frames_between_fragments_and_byte_by_byte():
    stream = b"\x01\x02ab" + b"\x89\x00" + b"\x00\x01c" + b"\x8a\x01p" + b"\x80\x01d" + b"\x81\x00"
    d = Decoder()
    out = []
    for i in range(len(stream)):
        out += d.feed(stream[i:i + 1])
    assert out == [(wscodec.OP_PING, b""), (wscodec.OP_PONG, b"p"), (wscodec.OP_TEXT, b"abcd"),
                   (wscodec.OP_TEXT, b"")]


def test_frames_a_server_must_not_send():
    for bad in (b"\x81\x85abcdHello",       # masked
                b"\xc1\x00",                # RSV1 without an extension
                b"\x83\x00",                # reserved data opcode
                b"\x8b\x00",                # reserved control opcode
                b"\x09\x00",                # fragmented ping
                b"\x89\x7e\x00\x7e" + bytes(126),   # control frame over 125 bytes
                b"\x80\x01x",               # continuation of nothing
                b"\x01\x01a\x81\x01b"):     # new message inside a fragmented one
        raises(WSError, Decoder().feed, bad)
    e = raises(WSError, Decoder(max_message=10).feed, b"\x01\x06abcdef\x80\x05ghijk")
    assert e.code == wscodec.CLOSE_TOO_BIG


def test_close_payloads():
    assert wscodec.parse_close(wscodec.close_payload(1000, "bye")) == (1000, "bye")
    assert wscodec.parse_close(b"") == (1005, "")
    raises(WSError, wscodec.parse_close, b"\x03")
    assert len(wscodec.close_payload(1000, "x" * 200)) == 125
