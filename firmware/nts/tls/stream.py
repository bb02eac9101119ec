# The stream shell around the sans-IO TLSClient: the only TLS module that does I/O. It
# runs on the asyncio loop (nts.aio streams, MicroPython and CPython alike): connect and
# every read and write are awaited within the session's deadline, so a silent server
# costs that server its timeout and never stalls the loop.
#
# Sessions of one engine round share a gate (an asyncio.Lock): one at a time goes from
# connect through authenticate(), the part that holds certificates and does the public-
# key work. Heap: three handshakes at once need twice the free heap of one (~110 KB
# instead of ~55 KB), more than a board has. Deadline: a session that had to wait for
# the gate after its ServerHello came would push its critical path past the server's
# 1 s limit. A server silent for HELLO_WAIT_S after our ClientHello lets the gate go
# (and takes it again when it answers), so a black-holed server delays the others by
# that much, not by its timeout.
#
# The handshake's computations (key share, shared secret, deferred checks) run in slices
# (nts.slices) with the loop's other tasks in between: a charger's OCPP task waits at
# most one slice (~20 ms on a board), never a whole X25519 or chain verification.
#
#   s = TLSStream(host, port, name, verify_chain)
#   await s.connect()      # X25519 key share, TCP, handshake up to the verified Finished
#   await s.send(request)  # our Finished and the request leave in one segment
#   await s.authenticate() # chain + CertificateVerify, while the server answers
#   data = await s.recv()  # b"" once the server closed
#   s.close()              # never waits: also right in a cancelled task
import asyncio

from nts import aio, slices
from nts.crypto import x25519
from nts.errors import NetError, NTSError, TLSError
from nts.platform import ticks_add, ticks_diff, ticks_ms, ticks_us
from nts.tls.client import TLSClient

# Bytes asked of a read at a time: one MTU-sized TCP segment's worth is enough, and
# small reads keep the board's heap unfragmented.
RECV_SIZE = 2048
# Linux / lwIP values, for ports whose socket module lacks the names.
_IPPROTO_TCP = 6
_TCP_NODELAY = 1
# Seconds a session keeps the gate while the server has not answered its ClientHello.
HELLO_WAIT_S = 1.0


class TLSStream:
    """One TLS 1.3 connection over TCP. `timeout` (seconds) bounds the whole session from
    connect() on: handshake, the deferred certificate checks and the response.

    critical_us: time spent in the client from the ServerHello until our Finished was
    ready (network waits excluded; the loop's other tasks between its slices included,
    as the server sees it), for the benchmark.
    """

    def __init__(self, host, port, server_name, verify_chain, timeout=5.0, gate=None):
        self.client = None      # made in connect(), with its key share
        self._name = server_name
        self._verify_chain = verify_chain
        self._addr = (host, port)
        self._timeout = timeout
        self._gate = gate
        self._held = False
        self._reader = self._writer = None
        self._deadline = None
        self._pending = b""
        self.critical_us = 0

    def _remaining(self):
        left = ticks_diff(self._deadline, ticks_ms())
        if left <= 0:
            raise self._timed_out()
        return left / 1000

    def _timed_out(self):
        return NetError("no answer within %.1f s" % self._timeout)

    async def connect(self):
        # The key share before the gate: it needs little heap, and no server waits for it.
        key_pair = await slices.run_async(x25519.keypair_steps())
        self.client = TLSClient(self._name, self._verify_chain, key_pair)
        if self._gate is not None:      # waiting for our turn is not the server's time
            await self._gate.acquire()
            self._held = True
        self._deadline = ticks_add(ticks_ms(), int(self._timeout * 1000))
        host, port = self._addr
        self._reader, self._writer = await aio.open_stream(host, port, self._remaining())
        self._set_nodelay()
        await self._handshake()

    def _set_nodelay(self):
        # The request follows the Finished at once and must not wait for an ACK
        # (CPython's asyncio sets it already).
        sock = aio.stream_socket(self._writer)
        try:
            sock.setsockopt(_IPPROTO_TCP, _TCP_NODELAY, 1)
        except (AttributeError, OSError, TypeError, ValueError):
            pass    # not supported by this port: a small delay, not an error

    async def _enter(self):
        try:
            await asyncio.wait_for(self._gate.acquire(), self._remaining())
        except asyncio.TimeoutError:
            raise self._timed_out()
        self._held = True

    def _leave(self):
        if self._held:
            self._held = False
            self._gate.release()

    async def _first_answer(self):
        if not self._held:
            return await self._recv_raw()
        try:
            return await asyncio.wait_for(self._reader.read(RECV_SIZE),
                                          min(HELLO_WAIT_S, self._remaining()))
        except asyncio.TimeoutError:
            pass
        except OSError as e:
            raise NetError("receive failed: %s" % aio.errno_text(e, self._timeout))
        self._leave()
        data = await self._recv_raw()
        await self._enter()
        return data

    async def _handshake(self):
        client = self.client
        try:
            await self._sendall(client.start())
            first = True
            while not client.handshake_done:
                data = await (self._first_answer() if first else self._recv_raw())
                first = False
                if not data:
                    raise TLSError("server closed the connection during the handshake")
                t0 = ticks_us()
                out = await slices.run_async(client.receive_steps(data))
                if client.handshake_keys:   # from the read that brought the ServerHello
                    self.critical_us += ticks_diff(ticks_us(), t0)
                if client.handshake_done:
                    self._pending = out     # leaves together with the first request
                elif out:
                    await self._sendall(out)
        except NTSError as e:
            self._fail(e)
            raise

    async def _sendall(self, data):
        try:
            self._writer.write(data)
            await asyncio.wait_for(self._writer.drain(), self._remaining())
        except asyncio.TimeoutError:
            raise self._timed_out()
        except OSError as e:
            raise NetError("send failed: %s" % aio.errno_text(e, self._timeout))

    async def _recv_raw(self):
        try:
            return await asyncio.wait_for(self._reader.read(RECV_SIZE), self._remaining())
        except asyncio.TimeoutError:
            raise self._timed_out()
        except OSError as e:
            raise NetError("receive failed: %s" % aio.errno_text(e, self._timeout))

    async def send(self, data):
        """Send application data (after connect())."""
        try:
            t0 = ticks_us()
            first = bool(self._pending)
            out = self._pending + self.client.send(data)
            if first:   # sealing the first request is still on the critical path
                self.critical_us += ticks_diff(ticks_us(), t0)
            self._pending = b""
            await self._sendall(out)
        except NTSError as e:
            self._fail(e)
            raise

    async def authenticate(self):
        """Run the deferred checks (record tags, chain, CertificateVerify) in slices;
        AuthError / CertError / SignatureError closes the stream."""
        try:
            await slices.run_async(self.client.authenticate_steps())
        except NTSError as e:
            self._fail(e)
            raise
        self._leave()

    async def recv(self):
        """Application data from the authenticated server; b"" once it closed the stream."""
        client = self.client
        try:
            while True:
                data = client.read()
                if data or client.peer_closed:
                    return data
                raw = await self._recv_raw()
                if not raw:
                    return b""
                out = client.receive(raw)
                if out:
                    await self._sendall(out)
        except NTSError as e:
            self._fail(e)
            raise

    def exporter(self, label, context, length):
        return self.client.exporter(label, context, length)

    def close(self):
        """Send close_notify (best effort, without waiting) and close the socket."""
        if self._writer is None:
            self._leave()
            return
        try:
            last = self._pending + self.client.close()
        except NTSError:
            last = b""
        self._abort(last)

    def _fail(self, exc):
        # Tell the server why (best effort), then drop the socket.
        if self._writer is not None:
            try:
                alert = self.client.failure_alert(exc)
            except NTSError:
                alert = b""
            self._abort(alert or b"")

    def _abort(self, last=b""):
        if self._writer is not None:
            aio.close_stream(self._writer, last)
            self._reader = self._writer = None
        self._leave()
