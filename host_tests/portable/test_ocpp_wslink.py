# The WebSocket connection (nts.ocpp.wslink) on fake streams, on both interpreters:
# RFC 6455 5.5.2/5.5.3 (a ping is answered with a pong carrying its payload, between the
# fragments of a message too), 5.5.1 and 7.1.5 (a server's close is answered with its
# code; our close waits, bounded, for the server's), 7.4.1 (1002 protocol errors, 1003
# binary data, 1007 text that is not UTF-8, 1009 too big, 1006 a dropped connection),
# and the ws:// / wss:// URLs of --csms.
import asyncio

from nts.errors import ConfigError
from nts.ocpp import wscodec
from nts.ocpp.wslink import WSLink, parse_url
from portability import run_loop
from support import raises


class FakeReader:
    """The server's bytes: feed(data), or feed(b"") for the end of the stream."""

    def __init__(self):
        self.chunks = []
        self.event = asyncio.Event()

    def feed(self, data):
        self.chunks.append(data)
        self.event.set()

    async def read(self, n):
        while not self.chunks:
            self.event.clear()
            await self.event.wait()
        return self.chunks.pop(0)


class FakeWriter:
    def __init__(self):
        self.data = b""
        self.closed = False

    def write(self, data):
        self.data += data

    async def drain(self):
        pass

    def close(self):
        self.closed = True

    async def wait_closed(self):
        pass


def server_frame(opcode, payload=b"", fin=True, masked=False):
    """A frame as a server sends it (unmasked, lengths under 126)."""
    head = bytes([(0x80 if fin else 0) | opcode, (0x80 if masked else 0) | len(payload)])
    return head + (b"\x00\x00\x00\x00" if masked else b"") + payload


def client_frames(data):
    """[(fin, opcode, payload)] of what the link sent; every frame must be masked."""
    out = []
    while data:
        b0, b1 = data[0], data[1]
        if not b1 & 0x80:
            raise AssertionError("client frame not masked")
        n = b1 & 0x7F
        if n > 125:
            raise AssertionError("long frame: not expected here")
        key, payload = data[2:6], data[6:6 + n]
        out.append((bool(b0 & 0x80), b0 & 0x0F, wscodec.mask(payload, key)))
        data = data[6 + n:]
    return out


def _link(max_message=wscodec.MAX_MESSAGE):
    r, w = FakeReader(), FakeWriter()
    return WSLink(r, w, max_message), r, w


async def _ping_between_fragments():
    link, r, w = _link()
    r.feed(server_frame(wscodec.OP_TEXT, b"Hel", fin=False) + server_frame(wscodec.OP_PING, b"p1"))
    r.feed(server_frame(wscodec.OP_PONG, b"unasked") + server_frame(wscodec.OP_CONT, b"lo"))
    text = await link.recv()
    sent_before = client_frames(w.data)
    r.feed(server_frame(wscodec.OP_PING))
    r.feed(server_frame(wscodec.OP_TEXT, b"[3]"))
    second = await link.recv()
    return text, sent_before, client_frames(w.data), second, link.closed


def test_pings_are_answered_with_their_payload_between_fragments():
    text, sent_before, sent, second, closed = run_loop(_ping_between_fragments())
    assert text == "Hello" and second == "[3]" and not closed
    assert sent_before == [(True, wscodec.OP_PONG, b"p1")]      # an unasked pong: no answer
    assert sent == [(True, wscodec.OP_PONG, b"p1"), (True, wscodec.OP_PONG, b"")]


async def _server_closes(payload):
    link, r, w = _link()
    r.feed(server_frame(wscodec.OP_TEXT, b"last") + server_frame(wscodec.OP_CLOSE, payload))
    first = await link.recv()
    end = await link.recv()
    try:
        await link.send_text("[2]")
        refused = False
    except OSError:
        refused = True
    return first, end, client_frames(w.data), link.close_code, w.closed, refused, \
        await link.recv()


def test_a_servers_close_is_answered_with_its_code():
    first, end, sent, code, dropped, refused, after = run_loop(
        _server_closes(wscodec.close_payload(1001, "going away")))
    assert first == "last" and end is None and after is None
    assert sent == [(True, wscodec.OP_CLOSE, b"\x03\xe9")] and code == 1001
    assert dropped and refused
    # A close without a code (1005 may not be sent) is answered with 1000.
    _, end, sent, code, _, _, _ = run_loop(_server_closes(b""))
    assert end is None and sent == [(True, wscodec.OP_CLOSE, b"\x03\xe8")] and code == 1000


async def _fails(frames, max_message=wscodec.MAX_MESSAGE):
    link, r, w = _link(max_message)
    r.feed(frames)
    got = await link.recv()
    sent = client_frames(w.data)
    return got, sent[-1][1], sent[-1][2][:2], link.close_code, w.closed, len(sent)


def test_frames_that_end_the_connection_with_a_close_code():
    for frames, want in ((server_frame(wscodec.OP_TEXT, b"x", masked=True), 1002),
                         (server_frame(wscodec.OP_CONT, b"x"), 1002),
                         (server_frame(wscodec.OP_BINARY, b"\x01"), 1003),
                         (server_frame(wscodec.OP_TEXT, b"\xff\xfe"), 1007),
                         (server_frame(wscodec.OP_CLOSE, b"\x03"), 1002)):
        got, op, code, close_code, dropped, n = run_loop(_fails(frames))
        assert got is None and op == wscodec.OP_CLOSE and n == 1, (frames, op, n)
        assert code == want.to_bytes(2, "big") and close_code == want and dropped, (frames, code)
    got, op, code, close_code, _, _ = run_loop(_fails(server_frame(wscodec.OP_TEXT, b"x" * 17), 16))
    assert got is None and code == b"\x03\xf1" and close_code == 1009


async def _dropped():
    link, r, w = _link()
    r.feed(b"")
    return await link.recv(), link.close_code, w.data, w.closed


def test_a_dropped_connection_is_1006_and_sends_nothing():
    assert run_loop(_dropped()) == (None, 1006, b"", True)


async def _we_close(answer):
    link, r, w = _link()
    out = {}

    async def server():
        while not w.data:
            await asyncio.sleep(0)
        try:                        # while close() waits: no data after our close frame
            await link.send_text("[2]")
        except OSError:
            out["refused"] = True
        if answer:
            r.feed(server_frame(wscodec.OP_TEXT, b"late") + server_frame(
                wscodec.OP_CLOSE, wscodec.close_payload(1000)))
    task = asyncio.create_task(server())
    await link.close(timeout=0.2)
    await task
    return client_frames(w.data), link.close_code, w.closed, out.get("refused")


def test_our_close_waits_for_the_servers_bounded():
    for answer in (True, False):    # the server answers, or never does: close() returns
        sent, code, dropped, refused = run_loop(_we_close(answer))
        # One close frame: the server's close answers ours and is not answered again.
        assert sent == [(True, wscodec.OP_CLOSE, b"\x03\xe8")], (answer, sent)
        assert code == 1000 and dropped and refused


def test_csms_urls():
    assert parse_url("ws://127.0.0.1:9000/ocpp") == (False, "127.0.0.1", 9000, "/ocpp")
    assert parse_url("wss://csms.example/ocpp/v16") == (True, "csms.example", 443, "/ocpp/v16")
    assert parse_url("ws://csms.example") == (False, "csms.example", 80, "/")
    assert parse_url("ws://[::1]:9000/x") == (False, "::1", 9000, "/x")
    assert parse_url("wss://[2001:db8::1]/") == (True, "2001:db8::1", 443, "/")
    for bad in ("http://csms/ocpp", "ws://csms:0/", "ws://csms:70000/", "ws://csms:x/",
                "ws://user@csms/", "ws:///ocpp", "ws://csms:/"):
        assert raises(ConfigError, parse_url, bad).field == "--csms", bad
