# Mode NTPv4TLS: time from a German Smart Meter Gateway (BSI TR-03109-5 chapter 7), a
# plain NTPv4 request carried inside TLS instead of UDP. The one place for the framing,
# the TLS profile and the platform TLS module (`tls` on MicroPython, `ssl` on CPython).
#
# Framing (*decision*: the TR's framing is not public; this is the white paper's "most
# likely reading"): after the handshake the client writes the 48-byte NTPv4 client
# packet (RFC 5905 7.3: LI 0, VN 4, mode 3, random transmit timestamp per RFC 9109) as
# one TLS record and reads exactly 48 bytes of the TLS byte stream as the reply, in one
# record or several. No length prefix, no extension fields, no MAC: TLS authenticates.
# Anything but an NTPv4 mode-4 answer echoing our transmit timestamp is refused
# (an ERROR outcome, "reply refused: ..."). One exchange per connection: the connection is closed (close_notify)
# after the reply; reuse of a connection the gateway keeps open is not attempted.
#
# TLS profile (TR-03116-3, HAN): TLS 1.2, or 1.3 when the platform and gateway offer
# it, never 1.0/1.1; ECDHE-ECDSA with AES-128/256-GCM or AES-128-CBC-SHA256; mutual
# authentication: the station's certificate and key (ClientCertificate names them).
# The gateway's chain is checked by mpnts, not by the platform: nts.tls.trust against
# the server's RootCAs group, with the engine's certificate-date policy (so
# NoCertTimeCheckAfterReboot works as for NTS-KE, and a board whose RTC says 2000 is not
# refused by mbedTLS's own date check), the name in ServerURL (RFC 6125) and EKU
# timeStamping (1.3.6.1.5.5.7.3.8) required on the leaf. The platform checks that the
# gateway holds the leaf's key (ServerKeyExchange signature) and protects the records;
# it is set to collect the chain only (mbedTLS VERIFY_OPTIONAL + verify_callback,
# OpenSSL CERT_NONE + the unverified chain). No request is written before our check.
#
# What the boards' TLS cannot do (MicroPython 1.2x `tls`, mbedTLS 3.6):
#   - brainpoolP256r1/P384r1/P512r1: off in ESP32's sdkconfig ("slow or unused") and not
#     in extmod's common mbedTLS config (STM32, RP2, unix); a brainpool gateway is
#     refused in the handshake. P-256/P-384 work.
#   - TLS 1.3: not in those configs; TLS 1.0/1.1 do not exist in mbedTLS 3.
#   - PEM: not compiled in; certificate and key are handed over as DER (converted here).
#   - one client certificate only (no intermediates sent: DER holds one certificate);
#     the gateway must know the station's sub-CA.
#   - no getpeercert(); the chain comes from verify_callback (MicroPython >= 1.24).
#
# Waiting: everything waits on the asyncio loop. CPython: asyncio TLS streams. MicroPython:
# a non-blocking socket polled by asyncio; its `tls` module has no do_handshake() and no
# safe "handshake done" probe (cipher() crashes before), so the handshake is driven by
# reads: it is taken as done once the gateway, having sent its certificate, has been
# quiet for _SETTLE (TLS 1.2 ends with the server's Finished; nothing follows until our
# request). Were it not (a gateway slower than that), the request's write finishes it
# and the rest shows as network delay: the sample stays correct, its error bound
# (delay/2) only grows. _SETTLE adds to the round, not to the timed exchange.
#
# Source semantics: an SMGW is one source like any server: MinServers counts it once,
# selection and policy are the group's (a group of just the SMGW needs MinServers 1).
# Maximum error of a sample (what TR-03109-5 asks to expose, with UTC and the time of
# the last sync): reply.Sample.max_error_ns(), rootdelay/2 + rootdisp as seen from
# the station: (gateway rootdelay + delay)/2 + gateway rootdisp. `nts sync` shows it as
# max_error_s, nts.status() as max_error; UTC and the last sync time are the status's
# time and the group's last_sync.
#
# socket and asyncio are imported where used: the association alone (Peer, at boot)
# needs neither, and the engine that connects has them loaded already.
from micropython import const

from nts import reply
from nts.errors import NetError, NTSError, TLSError
from nts.plainntp import PlainAssociation
from nts.platform import MICROPYTHON, ticks_diff, ticks_ms

PACKET = 48
TIME_STAMPING = (b"\x2b\x06\x01\x05\x05\x07\x03\x08", "timeStamping")  # id-kp 8
# TLS 1.2 suites of TR-03116-3 (HAN), in preference order, per platform naming.
_OPENSSL_SUITES = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
    "ECDHE-ECDSA-AES128-SHA256"
_MBEDTLS_SUITES = ("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
                   "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
                   "TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256")
_MBEDTLS_CONN_EOF = const(-0x7280)  # MBEDTLS_ERR_SSL_CONN_EOF
_SETTLE = 0.5       # s of gateway silence that ends the handshake (see above)


class SMGWError(NTSError):
    """The gateway's TLS stream ended before a whole reply. (Here, not in nts.errors:
    only this mode needs it.)"""


class SMGWAssociation(PlainAssociation):
    """PlainAssociation's request and checks, but a packet it would DROP (not an NTPv4
    answer to our request) is an ERROR: over TLS nobody else can inject packets, so a
    bad reply ends the query with its reason instead of waiting for the timeout."""

    def receive(self, req, data, t4):
        if len(data) != PACKET:
            return reply.Outcome(reply.ERROR, "reply of %d bytes, not a %d-byte NTPv4 "
                                 "packet" % (len(data), PACKET))
        o = PlainAssociation.receive(self, req, data, t4)
        if o.kind == reply.DROP:
            req.answered = True     # one reply per connection: this was it
            return reply.Outcome(reply.ERROR, "reply refused: " + o.reason)
        return o    # SAMPLE; RATE, DENY (authenticated by TLS: honoured), UNSYNC

    def __repr__(self):
        return "SMGWAssociation(%s:%d)" % (self.ntp_server, self.ntp_port)


class Identity:
    """The station's certificate and private key files (PEM or DER) for one gateway."""

    def __init__(self, cert_path, key_path):
        self.cert_path = cert_path
        self.key_path = key_path

    def __repr__(self):
        return "Identity(%s)" % self.cert_path      # never the key


def _read_der(path, label):
    # DER for mbedTLS, which is built without PEM: the first block whose label ends
    # with `label` ("CERTIFICATE", "PRIVATE KEY": PKCS#8 or SEC1 "EC PRIVATE KEY").
    from binascii import a2b_base64
    with open(path, "rb") as f:
        data = f.read()
    if data[:1] == b"\x30":
        return data
    pos = 0
    while True:
        start = data.find(b"-----BEGIN ", pos)
        if start < 0:
            raise TLSError("%s: no %s block" % (path, label))
        head = data.find(b"-----", start + 11)
        end = data.find(b"-----END", head) if head > 0 else -1
        if end < 0:
            raise TLSError("%s: truncated PEM" % path)
        name = data[start + 11:head]
        if name.endswith(label) and not name.startswith(b"ENCRYPTED"):
            try:
                return a2b_base64(data[head + 5:end])
            except ValueError:
                raise TLSError("%s: bad base64" % path)
        pos = end + 8


def _tls_error(what, e):
    # mbedTLS errors come as OSError(-code, "MBEDTLS_ERR_..."), socket errors as a bare
    # errno: a gateway that refuses our certificate often just closes (EPIPE, ECONNRESET).
    text = e.args[-1] if e.args else type(e).__name__
    if isinstance(text, int):
        text = "connection closed by the gateway (errno %d)" % text
    elif "FATAL_ALERT" in str(text):
        text = "the gateway sent a fatal alert (%s)" % text
    return TLSError("%s: %s" % (what, text))


class TLSEndpoint:
    """An established, checked TLS connection to a gateway, shaped like nts.aio's
    UDPEndpoint for the engine: send(packet), await recv(timeout) -> 48 bytes, close()."""

    def __init__(self, addr):
        self.addr = addr            # resolved address (nts.sources: distinct servers)
        self.tls_version = None
        self._sock = None           # MicroPython: the tls socket
        self._reader = self._writer = None      # CPython: asyncio streams
        self._pending = b""         # MicroPython: request bytes not yet taken

    def send(self, data):
        if self._writer is not None:
            self._writer.write(data)    # the transport writes at once what the socket takes
            return
        self._pending = data
        self._flush()

    def _flush(self):
        while self._pending:
            try:
                n = self._sock.write(self._pending)
            except OSError as e:
                raise _tls_error("TLS write failed", e)
            if not n:
                return      # the socket (or the handshake's end) wants I/O first
            self._pending = self._pending[n:]

    async def recv(self, timeout):
        import asyncio
        if self._reader is not None:
            return await self._recv_stream(timeout)
        start = ticks_ms()
        try:
            buf = b""
            while True:
                self._flush()
                if not self._pending:
                    try:
                        part = self._sock.read(PACKET - len(buf))
                    except OSError as e:
                        if e.args and e.args[0] == _MBEDTLS_CONN_EOF:
                            part = b""      # TCP closed without close_notify
                        else:
                            raise _tls_error("TLS read failed", e)
                    if part == b"":
                        raise SMGWError("gateway closed the connection after %d bytes"
                                        % len(buf))
                    if part:
                        buf += part
                        if len(buf) == PACKET:
                            # Only now certainly past the handshake: cipher() before
                            # its end crashes the port (NULL session).
                            self.tls_version = self._sock.cipher()[1]
                            return buf
                        continue
                left = timeout - ticks_diff(ticks_ms(), start) / 1000
                if left <= 0:
                    raise asyncio.TimeoutError()
                await _wait(self._sock, left, bool(self._pending))
        except asyncio.TimeoutError:
            raise
        except OSError as e:
            raise _tls_error("TLS read failed", e)

    async def _recv_stream(self, timeout):
        # CPython (MicroPython's asyncio has no IncompleteReadError to name).
        import asyncio
        try:
            return await asyncio.wait_for(self._reader.readexactly(PACKET), timeout)
        except asyncio.IncompleteReadError as e:
            raise SMGWError("gateway closed the connection after %d bytes" % len(e.partial))
        except asyncio.TimeoutError:    # an OSError on CPython >= 3.11: not a TLS error
            raise
        except OSError as e:
            raise _tls_error("TLS read failed", e)

    def close(self):
        # close_notify is sent by both platforms' close() when the socket takes it.
        try:
            if self._writer is not None:
                self._writer.close()
            elif self._sock is not None:
                self._sock.close()
        except OSError:
            pass
        self._sock = self._writer = self._reader = None


def _io(sock, write):
    # MicroPython: a generator is a coroutine; yielding the queue entry parks the task
    # in the scheduler's poll() until the socket is ready (as nts.aio.wait_readable).
    from asyncio import core
    q = core._io_queue
    yield q.queue_write(sock) if write else q.queue_read(sock)


async def _wait(sock, timeout, write=False):
    import asyncio
    await asyncio.wait_for(_io(sock, write), timeout)


async def connect(host, port, name, identity, verify_steps, timeout):
    """A TLSEndpoint to the gateway whose chain `verify_steps(chain)` accepted (a
    nts.tls.trust.verify_chain_steps generator, run in loop slices). NetError for
    connection problems, TLSError for the handshake, CertError for the chain."""
    import asyncio
    import socket
    from nts.aio import errno_text
    start = ticks_ms()
    try:
        info = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    except (OSError, IndexError) as e:
        raise NetError("cannot resolve %s: %s" % (host, e))
    ep = TLSEndpoint(info[-1])
    try:
        if MICROPYTHON:
            chain = await _handshake_mbedtls(ep, info, name, identity, timeout, start)
        else:
            chain = await _handshake_openssl(ep, host, port, name, identity, timeout)
        from nts import slices
        await slices.run_async(verify_steps(chain))
    except asyncio.TimeoutError:
        ep.close()
        raise NetError("TLS to %s:%d: no handshake within %.1f s" % (host, port, timeout))
    except NTSError:
        ep.close()
        raise
    except OSError as e:
        ep.close()
        raise NetError("connect to %s:%d failed: %s" % (host, port, errno_text(e)))
    return ep


async def _handshake_openssl(ep, host, port, name, identity, timeout):
    import asyncio
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE     # the chain is collected and checked by mpnts
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(_OPENSSL_SUITES)
    if identity is not None:
        try:
            ctx.load_cert_chain(identity.cert_path, identity.key_path)
        except (OSError, ValueError) as e:
            raise TLSError("client certificate %s: %s" % (identity.cert_path, e))
    try:
        ep._reader, ep._writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, server_hostname=name), timeout)
    except ssl.SSLError as e:
        raise TLSError("TLS handshake with %s:%d failed: %s" % (host, port, e.reason or e))
    except ConnectionResetError as e:
        raise TLSError("TLS handshake with %s:%d failed: %s" % (host, port, e))
    obj = ep._writer.get_extra_info("ssl_object")
    ep.tls_version = obj.version()
    if hasattr(obj, "get_unverified_chain"):            # Python >= 3.13
        return [bytes(c) for c in obj.get_unverified_chain()]
    import _ssl                                         # 3.10 - 3.12
    return [c.public_bytes(_ssl.ENCODING_DER) for c in obj._sslobj.get_unverified_chain()]


async def _handshake_mbedtls(ep, info, name, identity, timeout, start):
    import asyncio
    import errno
    import socket
    import tls
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_OPTIONAL     # mbedTLS builds the path; mpnts decides
    have = ctx.get_ciphers()
    suites = [s for s in _MBEDTLS_SUITES if s in have]
    if not suites:
        raise TLSError("this port's TLS has no ECDHE-ECDSA AES suite (TR-03116-3)")
    ctx.set_ciphers(suites)
    if not hasattr(ctx, "verify_callback"):
        raise TLSError("this port's tls module cannot show the gateway certificate")
    found = {}

    def keep(cert, depth):
        # Called from inside mbedTLS: must not raise (there is no way back out).
        try:
            found[depth] = bytes(cert)
        except Exception:
            pass
        return 0
    ctx.verify_callback = keep
    if identity is not None:
        try:
            ctx.load_cert_chain(_read_der(identity.cert_path, b"CERTIFICATE"),
                                _read_der(identity.key_path, b"PRIVATE KEY"))
        except (OSError, ValueError) as e:
            raise TLSError("client certificate %s: %s" % (identity.cert_path, e))
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    ep._sock = sock
    sock.setblocking(False)
    try:
        sock.connect(info[-1])
    except OSError as e:
        if e.errno != errno.EINPROGRESS:
            raise
    await _wait(sock, _left(timeout, start), True)
    ep._sock = ss = ctx.wrap_socket(sock, server_hostname=name, do_handshake_on_connect=False)
    buf = bytearray(1)
    while True:
        try:
            n = ss.readinto(buf)
        except (OSError, ValueError) as e:
            raise _tls_error("TLS handshake with %s failed" % name, e)
        if n == 0:
            raise TLSError("gateway closed the connection during the handshake")
        if n:
            raise SMGWError("gateway sent data before our request")
        if not found:
            await _wait(ss, _left(timeout, start))
            continue
        # Past the certificate: done once the gateway has been quiet for _SETTLE.
        try:
            await _wait(ss, min(_SETTLE, _left(timeout, start)))
        except asyncio.TimeoutError:
            break
    return [found[d] for d in sorted(found)]


def _left(timeout, start):
    left = timeout - ticks_diff(ticks_ms(), start) / 1000
    if left <= 0:
        import asyncio
        raise asyncio.TimeoutError()
    return left


async def open_gateway(cfg, transport, group, cert_policy):
    """connect() for one NTPv4TLS ServerConfig with an engine Transport's trust store,
    identities (ClientCertificate name -> Identity), TLS name and timeout."""
    from nts.tls import trust
    identity = None
    if cfg.ClientCertificate:
        identity = getattr(transport, "identities", {}).get(cfg.ClientCertificate)
        if identity is None:
            from nts.errors import ConfigError
            raise ConfigError("ClientCertificate", "no station certificate %r installed"
                              % cfg.ClientCertificate)
    name = transport.server_name or cfg.ServerURL

    def verify(chain):
        return trust.verify_chain_steps(chain, name, transport.store, group, cert_policy,
                                        TIME_STAMPING)
    return await connect(cfg.ServerURL, cfg.ServerPort, name, identity, verify,
                         transport.ke_timeout)
