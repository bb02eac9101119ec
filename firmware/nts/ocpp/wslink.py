# A WebSocket client connection on asyncio streams (MicroPython and CPython): the I/O
# around nts.ocpp.wscodec. ws:// over TCP, wss:// over the platform's TLS (MicroPython's
# `ssl` on mbedTLS, CPython's on OpenSSL) with the server certificate verified against
# the configured CA and its name checked: OCPP security profile 2 (profile 1: Basic
# auth over ws://; both take `basic_auth`).
#
#   link = await connect("ws://127.0.0.1:9000/ocpp/CP1", "ocpp1.6")
#   await link.send_text('[2,"1","Heartbeat",{}]')
#   text = await link.recv()            # None once the connection is closed
#   await link.close()
#
# Pings are answered with pongs inside recv(); a close frame is answered and ends it.
# No pings of our own: RFC 6455 5.5.2 makes them optional, and OCPP 1.6-J's
# WebSocketPingInterval 0 (9.1.34) is this behaviour: the CSMS may ping, we pong. A link
# that died silently shows as the timeout of our next CALL (Heartbeat, an event).
import asyncio

from nts.errors import ConfigError
from nts.ocpp import wscodec
from nts.ocpp.wscodec import WSError

READ_SIZE = 2048


def parse_url(url):
    """(secure, host, port, path) of ws://HOST[:PORT][/PATH] or wss://..."""
    if url.startswith("ws://"):
        secure, rest, port = False, url[5:], 80
    elif url.startswith("wss://"):
        secure, rest, port = True, url[6:], 443
    else:
        raise ConfigError("--csms", "must start with ws:// or wss://: %r" % url)
    i = rest.find("/")
    hostport, path = (rest, "/") if i < 0 else (rest[:i], rest[i:])
    if hostport.startswith("["):
        end = hostport.find("]")
        host, tail = hostport[1:end], hostport[end + 1:]
    elif hostport.count(":") == 1:
        host, tail = hostport.split(":")
        tail = ":" + tail
    else:
        host, tail = hostport, ""
    if tail:
        try:
            port = int(tail[1:])
        except ValueError:
            port = 0
        if not tail.startswith(":") or not 0 < port < 65536:
            raise ConfigError("--csms", "bad port in %r" % url)
    if not host or "@" in host:
        raise ConfigError("--csms", "bad host in %r" % url)
    return secure, host, port, path


def tls_context(ca_pem_path):
    """A client context that verifies the server against the CA in `ca_pem_path`."""
    import ssl
    if hasattr(ssl, "create_default_context"):             # CPython
        ctx = ssl.create_default_context(cafile=ca_pem_path)
        return ctx
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)            # MicroPython (mbedTLS)
    ctx.verify_mode = ssl.CERT_REQUIRED
    with open(ca_pem_path, "rb") as f:
        pem = f.read()
    from nts.tls import pem as pemmod
    for der in pemmod.certificates(pem):
        ctx.load_verify_locations(cadata=der)
    return ctx


class WSLink:
    """One open connection (after the handshake)."""

    def __init__(self, reader, writer, max_message=wscodec.MAX_MESSAGE):
        self.reader = reader
        self.writer = writer
        self.decoder = wscodec.Decoder(max_message)
        self.closed = False
        self.close_code = None
        self._close_sent = False    # RFC 6455 5.5.1: one close frame each way
        self._pending = []

    async def _write(self, frame):
        self.writer.write(frame)
        await self.writer.drain()

    async def send_text(self, text):
        if self.closed or self._close_sent:     # RFC 6455 5.5.1: no data after our close
            raise OSError("connection closed")
        await self._write(wscodec.encode(wscodec.OP_TEXT, text.encode()))

    async def recv(self):
        """The next text message (str), or None when the connection has closed."""
        while True:
            while self._pending:
                op, payload = self._pending.pop(0)
                text = await self._handle(op, payload)
                if text is not None or self.closed:
                    return text
            if self.closed:
                return None
            try:
                data = await self.reader.read(READ_SIZE)
            except OSError:
                data = b""
            if not data:
                await self._drop(1006)
                return None
            try:
                self._pending = self.decoder.feed(data)
            except WSError as e:
                await self._fail(e.code, str(e))
                return None

    async def _handle(self, op, payload):
        if op == wscodec.OP_TEXT:
            try:
                return payload.decode()
            except UnicodeError:
                await self._fail(wscodec.CLOSE_BAD_DATA, "text is not UTF-8")
                return None
        if op == wscodec.OP_PING:
            await self._write(wscodec.encode(wscodec.OP_PONG, payload))
        elif op == wscodec.OP_CLOSE:
            try:
                code, _ = wscodec.parse_close(payload)
            except WSError as e:
                code = e.code
            if code in (1005, 1006):
                code = wscodec.CLOSE_NORMAL
            await self._send_close(code)
            await self._drop(code)
        elif op == wscodec.OP_BINARY:
            # OCPP-J is text only (RFC 6455 7.4.1: 1003 unsupported data).
            await self._fail(1003, "binary message")
        return None

    async def _send_close(self, code, reason=""):
        """Our close frame, unless one went already (then the server's was the answer)."""
        if self._close_sent:
            return
        self._close_sent = True
        try:
            await self._write(wscodec.encode(wscodec.OP_CLOSE, wscodec.close_payload(code, reason)))
        except OSError:
            pass

    async def _fail(self, code, reason):
        await self._send_close(code, reason)
        await self._drop(code)

    async def _drop(self, code):
        if not self.closed:
            self.closed = True
            self.close_code = code
            try:
                # MicroPython's Stream.close() does nothing: wait_closed() closes the socket.
                self.writer.close()
                await self.writer.wait_closed()
            except (OSError, AttributeError):
                pass

    async def close(self, code=wscodec.CLOSE_NORMAL, timeout=2.0):
        """Send a close frame, wait (bounded) for the server's, drop the connection."""
        if self.closed:
            return
        await self._send_close(code)
        try:
            await asyncio.wait_for(self._drain_until_closed(), timeout)
        except (OSError, asyncio.TimeoutError):
            pass
        await self._drop(code)

    async def _drain_until_closed(self):
        while await self.recv() is not None:
            pass


async def _read_head(reader):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = await reader.readline()
        if not line:
            raise WSError("connection closed during the handshake")
        head += line
        if len(head) > wscodec.MAX_HEAD:
            raise WSError("handshake answer over %d bytes" % wscodec.MAX_HEAD)
    return head


async def connect(url, subprotocol, ca=None, basic_auth=None, timeout=10.0):
    """Open a WebSocket to `url` offering `subprotocol`; WSError / OSError on failure.
    ca: PEM file of the CA a wss:// server must chain to (required for wss://)."""
    secure, host, port, path = parse_url(url)
    if secure:
        if ca is None:
            raise ConfigError("--ca", "wss:// needs the CSMS's CA certificate")
        conn = asyncio.open_connection(host, port, ssl=tls_context(ca), server_hostname=host)
    else:
        conn = asyncio.open_connection(host, port)
    reader, writer = await asyncio.wait_for(conn, timeout)
    try:
        key = wscodec.new_key()
        writer.write(wscodec.handshake_request(host, port, path, key, subprotocol, basic_auth,
                                               443 if secure else 80))
        await writer.drain()
        head = await asyncio.wait_for(_read_head(reader), timeout)
        wscodec.check_handshake(head, key, subprotocol)
    except BaseException:
        writer.close()
        try:
            await writer.wait_closed()      # MicroPython: this is what closes the socket
        except OSError:
            pass
        raise
    return WSLink(reader, writer)
