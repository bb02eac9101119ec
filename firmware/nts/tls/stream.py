# The socket shell around the sans-IO TLSClient: the only TLS module that owns a socket.
# Works with CPython's socket and MicroPython's (unix port and lwIP boards): it uses only
# getaddrinfo, connect, settimeout, send, recv and close.
#
#   s = TLSStream(host, port, name, verify_chain)   # the X25519 key share is made here
#   s.connect()            # TCP + handshake up to the verified server Finished
#   s.send(request)        # our Finished and the request leave in one segment
#   s.authenticate()       # chain + CertificateVerify, while the server answers
#   data = s.recv()        # b"" once the server closed
#   s.close()
import socket

from nts.errors import NetError, NTSError, TLSError
from nts.platform import ticks_add, ticks_diff, ticks_ms, ticks_us
from nts.tls.client import TLSClient

# Bytes asked of recv() at a time: one MTU-sized TCP segment's worth is enough, and
# small reads keep the board's heap unfragmented.
RECV_SIZE = 2048
# Linux / lwIP values, for ports whose socket module lacks the names.
_IPPROTO_TCP = 6
_TCP_NODELAY = 1


class TLSStream:
    """One TLS 1.3 connection over TCP. `timeout` (seconds) bounds the whole session from
    connect() on: handshake, the deferred certificate checks and the response.

    critical_us: compute time spent in the client from the ServerHello until our
    Finished was ready (network waits excluded), for the benchmark.
    """

    def __init__(self, host, port, server_name, verify_chain, timeout=5.0):
        self.client = TLSClient(server_name, verify_chain)
        self._addr = (host, port)
        self._timeout_ms = int(timeout * 1000)
        self._sock = None
        self._deadline = None
        self._pending = b""
        self.critical_us = 0

    def _remaining(self):
        left = ticks_diff(self._deadline, ticks_ms())
        if left <= 0:
            raise NetError("timed out after %d ms" % self._timeout_ms)
        return left / 1000

    def connect(self):
        self._deadline = ticks_add(ticks_ms(), self._timeout_ms)
        host, port = self._addr
        try:
            addrs = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as e:
            raise NetError("cannot resolve %s: %s" % (host, e))
        error = None
        for ai in addrs:     # e.g. "localhost" may give ::1 first and 127.0.0.1 next
            try:
                self._sock = socket.socket(ai[0], socket.SOCK_STREAM)
                self._set_nodelay()
                self._sock.settimeout(self._remaining())
                self._sock.connect(ai[-1])
                break
            except OSError as e:
                error = e
                self._abort()
            except NetError:    # the deadline passed
                self._abort()
                raise
        if self._sock is None:
            raise NetError("connect to %s:%d failed: %s" % (host, port, error))
        self._handshake()

    def _set_nodelay(self):
        # The request follows the Finished at once and must not wait for an ACK.
        try:
            self._sock.setsockopt(getattr(socket, "IPPROTO_TCP", _IPPROTO_TCP),
                                  getattr(socket, "TCP_NODELAY", _TCP_NODELAY), 1)
        except (OSError, TypeError, ValueError):
            pass    # not supported by this port: a small delay, not an error

    def _handshake(self):
        client = self.client
        try:
            self._sendall(client.start())
            while not client.handshake_done:
                data = self._recv_raw()
                if not data:
                    raise TLSError("server closed the connection during the handshake")
                t0 = ticks_us()
                out = client.receive(data)
                if client.handshake_keys:   # from the read that brought the ServerHello
                    self.critical_us += ticks_diff(ticks_us(), t0)
                if client.handshake_done:
                    self._pending = out     # leaves together with the first request
                elif out:
                    self._sendall(out)
        except NTSError as e:
            self._fail(e)
            raise

    def _sendall(self, data):
        try:
            self._sock.settimeout(self._remaining())
            view = memoryview(data)
            while len(view):
                n = self._sock.send(view)
                view = view[n:]
        except OSError as e:
            raise NetError("send failed: %s" % e)

    def _recv_raw(self):
        try:
            self._sock.settimeout(self._remaining())
            return self._sock.recv(RECV_SIZE)
        except OSError as e:
            raise NetError("receive failed: %s" % e)

    def send(self, data):
        """Send application data (after connect())."""
        try:
            t0 = ticks_us()
            first = bool(self._pending)
            out = self._pending + self.client.send(data)
            if first:   # sealing the first request is still on the critical path
                self.critical_us += ticks_diff(ticks_us(), t0)
            self._pending = b""
            self._sendall(out)
        except NTSError as e:
            self._fail(e)
            raise

    def authenticate(self):
        """Run the deferred certificate checks; CertError / SignatureError closes the stream."""
        try:
            self.client.authenticate()
        except NTSError as e:
            self._fail(e)
            raise

    def recv(self):
        """Application data from the authenticated server; b"" once it closed the stream."""
        client = self.client
        try:
            while True:
                data = client.read()
                if data or client.peer_closed:
                    return data
                raw = self._recv_raw()
                if not raw:
                    return b""
                out = client.receive(raw)
                if out:
                    self._sendall(out)
        except NTSError as e:
            self._fail(e)
            raise

    def exporter(self, label, context, length):
        return self.client.exporter(label, context, length)

    def close(self):
        """Send close_notify (best effort) and close the socket."""
        if self._sock is None:
            return
        try:
            self._sock.settimeout(0.5)
            self._sock.send(self._pending + self.client.close())
        except (OSError, NTSError):
            pass
        self._abort()

    def _fail(self, exc):
        # Tell the server why (best effort), then drop the socket.
        if self._sock is not None:
            try:
                alert = self.client.failure_alert(exc)
                if alert:
                    self._sock.settimeout(0.5)
                    self._sock.send(alert)
            except (OSError, NTSError):
                pass
        self._abort()

    def _abort(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
