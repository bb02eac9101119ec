# The one place for asyncio differences between MicroPython and CPython: waiting until a
# non-blocking UDP socket is readable, and TCP streams for NTS-KE. The sync engine keeps
# one UDP socket per query (bound to port 0: the OS picks a random source port, RFC 9109
# 4.1) and awaits replies for all servers of a priority level at once; key exchanges
# run on the same loop, so a silent server costs its timeout and blocks nothing else.
#
#   ep = UDPEndpoint(host, port)        # resolves, connects nothing, non-blocking
#   ep.send(data)
#   data = await ep.recv(timeout_s)     # asyncio.TimeoutError when nothing came
#   ep.close()
#
#   reader, writer = await open_stream(host, port, timeout_s)    # NetError on failure
#   close_stream(writer, last_bytes)    # best effort, never waits
import socket

from nts.errors import NetError
from nts.platform import MICROPYTHON

import asyncio

if MICROPYTHON:
    from asyncio import core as _core

    def _readable(sock):
        # A generator is a coroutine on MicroPython: yielding the queue entry parks the
        # task in the scheduler's poll() until the socket is readable.
        yield _core._io_queue.queue_read(sock)

    async def wait_readable(sock, timeout):
        await asyncio.wait_for(_readable(sock), timeout)
else:
    async def wait_readable(sock, timeout):
        loop = asyncio.get_event_loop()
        fut = loop.create_future()
        fd = sock.fileno()

        def ready():
            if not fut.done():
                fut.set_result(None)
        loop.add_reader(fd, ready)
        try:
            await asyncio.wait_for(fut, timeout)
        finally:
            loop.remove_reader(fd)

async def open_stream(host, port, timeout):
    """(reader, writer) of a TCP connection; NetError when it fails or takes too long.
    CPython tries every address getaddrinfo gives; MicroPython's asyncio the first."""
    try:
        return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except asyncio.TimeoutError:
        raise NetError("connect to %s:%d: no answer within %.1f s" % (host, port, timeout))
    except OSError as e:
        raise NetError("connect to %s:%d failed: %s" % (host, port, errno_text(e, timeout)))


def close_stream(writer, last=b""):
    """Send `last` (close_notify or an alert) if the socket takes it now, then close:
    it never waits, so it is safe in a cancelled task."""
    if MICROPYTHON:
        try:
            if last:
                writer.s.send(last)
        except OSError:
            pass
        writer.s.close()
    else:
        try:
            if last and not writer.transport.is_closing():
                writer.write(last)  # the transport sends at once what the socket takes
        except (OSError, RuntimeError):
            pass
        writer.transport.abort()


def stream_socket(writer):
    """The socket under a stream (for setsockopt), or None."""
    if MICROPYTHON:
        return writer.s
    return writer.get_extra_info("socket")


# The receive buffer: the largest reply our request can provoke, nts.ntp.MAX_REPLY (988),
# plus what a signed server's reply 2 adds, nts.signed.MAX_EXTRA (96): a bigger reply
# arrives cut short and fails its check (a test checks they agree; importing ntp and
# signed here would load them into every key exchange).
MAX_DATAGRAM = 1084
_EAGAIN = (11, 35)          # Linux, BSD/macOS (lwIP uses 11 too)
_ETIMEDOUT = (110, 60, 116)  # Linux, BSD/macOS, lwIP
_ECONNREFUSED = (111, 61)


def errno_text(e, timeout=None):
    """What an OSError means for the operator; a socket timeout (EAGAIN, ETIMEDOUT) as
    "no answer within `timeout` s", never as an errno."""
    code = e.args[0] if e.args else None
    if code in _ECONNREFUSED:
        return "connection refused (nothing listens on the port)"
    if code in _EAGAIN or code in _ETIMEDOUT:
        return "no answer" if timeout is None else "no answer within %.1f s" % timeout
    return str(e)


def resolve(host, port):
    """(family, socket address) of a UDP peer; NetError when the name does not resolve."""
    try:
        info = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
    except (OSError, IndexError) as e:
        raise NetError("cannot resolve %s: %s" % (host, e))
    return info[0], info[-1]


class UDPEndpoint:
    """One non-blocking UDP socket, connected to one server: only its datagrams arrive,
    and a closed port is reported (ECONNREFUSED) instead of waiting for the timeout."""

    def __init__(self, host, port):
        family, self.addr = resolve(host, port)
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.sock.setblocking(False)
            self.sock.connect(self.addr)
        except OSError as e:
            self.sock.close()
            raise NetError("cannot reach %s:%d: %s" % (host, port, e))

    def send(self, data):
        try:
            self.sock.send(data)
        except OSError as e:
            raise NetError("send failed: %s" % e)

    async def recv(self, timeout):
        """The next datagram; asyncio.TimeoutError after `timeout` seconds of silence."""
        while True:
            try:
                return self.sock.recv(MAX_DATAGRAM)
            except OSError as e:
                # EAGAIN: nothing queued yet. Anything else (ICMP port unreachable is
                # reported as ECONNREFUSED on Linux) is a network error for this query.
                if e.args and e.args[0] not in _EAGAIN:
                    raise NetError("no answer: %s" % errno_text(e, timeout))
            await wait_readable(self.sock, timeout)

    def close(self):
        self.sock.close()
