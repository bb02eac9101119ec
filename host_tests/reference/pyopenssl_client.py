"""Host-only NTS client: pyOpenSSL as the TLS 1.3 transport under the firmware's sans-IO
core (nts.ke builds the request, parses the response and derives keys; nts.association
builds and verifies NTP packets). Used for interop before our own TLS exists, and as the
yardstick our TLS is later compared with.

    out = key_exchange("127.0.0.1", 4460, ca_file, server_name="localhost")
    out.result                 # nts.ke.KEResult with keys derived
    assoc = NTSAssociation(out.result)
    sample = ntp_exchange(assoc, out.ntp_host, out.result.ntp_port)

Errors are the firmware's typed ones: NetError (refused, reset, timeout), TLSError (no
TLS 1.3, no ntske/1 ALPN, handshake failure), CertError (with .reason), KEError and its
subclasses from the parser; NTP: Kiss (a kiss-o'-death outcome of nts.reply, with .code),
NTPError for an unsynchronized server, and with strict=True the first ParseError /
NTPError / AuthError of a packet that does not verify.
"""
import ipaddress
import os
import select
import socket
import sys
import time

from cryptography import x509
from OpenSSL import SSL

# The firmware package (and its micropython.const shim) as on the board: import name nts.
_FIRMWARE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "firmware")
if _FIRMWARE not in sys.path:
    sys.path.insert(0, _FIRMWARE)

from nts import ke, ntp, reply, timescale  # noqa: E402
from nts.aead import DEFAULT_AEADS  # noqa: E402
from nts.errors import CertError, NetError, NTPError, NTSError, TLSError  # noqa: E402
from nts.tls.messages import ALPN_NTSKE  # noqa: E402


class Kiss(NTPError):
    """A query ended in a kiss (nts.reply NAK, RATE or DENY); `code` is the kiss code."""

    def __init__(self, code, outcome):
        super().__init__("kiss-o'-death %s" % "".join(chr(c) if 32 <= c < 127 else "?"
                                                       for c in code))
        self.code = code
        self.outcome = outcome


def _why_dropped(req, datagram, reason):
    # The firmware reports a dropped packet as text (reply.DROP); re-verify it against a
    # fresh copy of the request to get the typed error for strict/ignored callers.
    try:
        ntp.verify_response(ntp.Request(req.aead, req.s2c, req.uid, req.xmit_ts, req.t1),
                            datagram)
    except NTSError as e:
        return e
    return NTPError(reason)

# OpenSSL X509_V_ERR_* codes -> CertError reasons.
_VERIFY_REASONS = {
    9: "not_yet_valid", 10: "expired", 2: "untrusted", 18: "untrusted", 19: "untrusted",
    20: "untrusted", 21: "untrusted", 7: "bad_signature", 6: "bad_signature",
    24: "not_ca", 25: "path_too_long", 26: "bad_usage", 34: "unknown_critical",
    62: "name_mismatch", 64: "name_mismatch",
}


class KEOutcome:
    """result: KEResult (keys derived); ntp_host: where to send NTP; tls_version, cipher;
    times (seconds): connect, handshake, exchange (request to End of Message), total."""

    def __init__(self, result, ntp_host, tls_version, cipher, times):
        self.result = result
        self.ntp_host = ntp_host
        self.tls_version = tls_version
        self.cipher = cipher
        self.times = times

    def __repr__(self):
        return "KEOutcome(%r, ntp_host=%r, %s, %.1f ms)" % (
            self.result, self.ntp_host, self.tls_version, self.times["total"] * 1e3)


def _context(ca_file, failures):
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_3_VERSION)   # RFC 8915 3: TLS 1.2 or lower MUST NOT
    ctx.load_verify_locations(ca_file)

    def verify(conn, cert, errno, depth, ok):
        if not ok and not failures:
            failures.append(errno)
        return ok
    ctx.set_verify(SSL.VERIFY_PEER, verify)
    ctx.set_alpn_protos([ALPN_NTSKE])
    return ctx


def _io(fn, sock, deadline):
    """Drive a pyOpenSSL call on a non-blocking socket until it completes or times out."""
    while True:
        try:
            return fn()
        except SSL.WantReadError:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([sock], [], [], wait)[0]:
                raise NetError("NTS-KE server timed out")
        except SSL.WantWriteError:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([], [sock], [], wait)[0]:
                raise NetError("NTS-KE server timed out")


def _match_name(cert, name):
    """RFC 6125 against subjectAltName only (no CN fallback): DNS with a left-most
    wildcard label, or an IP address."""
    try:
        san = cert.to_cryptography().extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return ip in san.get_values_for_type(x509.IPAddress)
    want = name.lower().rstrip(".").split(".")
    for dns in san.get_values_for_type(x509.DNSName):
        have = dns.lower().rstrip(".").split(".")
        if len(have) == len(want) and all(
                h == w or (i == 0 and h == "*") for i, (h, w) in enumerate(zip(have, want))):
            return True
    return False


def key_exchange(host, port, ca_file, server_name=None, aeads=DEFAULT_AEADS, timeout=5.0,
                 nodelay=True):
    """One NTS-KE session (RFC 8915 4) -> KEOutcome. server_name: SNI and the name the
    certificate must carry (default: host). nodelay=False only to measure Nagle's cost."""
    name = server_name or host
    t0 = time.perf_counter()
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout)
    except OSError as e:
        raise NetError("NTS-KE connect to %s:%d: %s" % (host, port, e))
    try:
        # Without TCP_NODELAY the request waits behind the unacknowledged Finished for
        # the peer's delayed ACK (~40 ms on Linux).
        if nodelay:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        failures = []
        conn = SSL.Connection(_context(ca_file, failures), sock)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            conn.set_tlsext_host_name(name.encode("ascii"))   # no SNI for IP literals
        conn.set_connect_state()
        t1 = time.perf_counter()
        try:
            _io(conn.do_handshake, sock, deadline)
        except SSL.Error as e:
            if failures:
                raise CertError("chain verification: X509 error %d" % failures[0],
                                _VERIFY_REASONS.get(failures[0], "untrusted"))
            raise TLSError("TLS handshake: %s" % (e,))
        t2 = time.perf_counter()
        if conn.get_protocol_version_name() != "TLSv1.3":
            raise TLSError("negotiated %s" % conn.get_protocol_version_name())
        if conn.get_alpn_proto_negotiated() != ALPN_NTSKE:
            raise TLSError("server did not select ALPN ntske/1")
        if not _match_name(conn.get_peer_certificate(), name):
            raise CertError("certificate does not name %s" % name, "name_mismatch")
        _io(lambda: conn.sendall(ke.build_request(aeads)), sock, deadline)
        buf = ke.ResponseBuffer()
        # Stop at End of Message: waiting for close_notify costs a delayed ACK on some
        # servers (chrony sends it in a separate segment).
        while not buf.complete:
            try:
                chunk = _io(lambda: conn.recv(4096), sock, deadline)
            except SSL.ZeroReturnError:
                break
            except SSL.SysCallError as e:
                raise NetError("NTS-KE connection: %s" % (e,))
            if not chunk:
                break
            buf.feed(chunk)
        t3 = time.perf_counter()
        result = ke.parse_response(bytes(buf.data), aeads)
        result.derive_keys(lambda label, context, length:
                           conn.export_keying_material(label, length, context))
        version, cipher = conn.get_protocol_version_name(), conn.get_cipher_name()
        try:
            conn.shutdown()
        except SSL.Error:
            pass
    except socket.timeout:
        raise NetError("NTS-KE server timed out")
    except OSError as e:
        raise NetError("NTS-KE connection: %s" % (e,))
    finally:
        sock.close()
    times = {"connect": t1 - t0, "handshake": t2 - t1, "exchange": t3 - t2, "total": t3 - t0}
    return KEOutcome(result, result.ntp_server or host, version, cipher, times)


def now_ntp():
    """The host clock as ns since 1900 (we only read it)."""
    return timescale.from_unix_ns(time.time_ns())


def ntp_exchange(assoc, host, port, timeout=1.0, strict=False, ignored=None):
    """Send one request from assoc and return its verified Sample.

    Packets that do not verify are ignored and the wait goes on, as on the board (a
    forgery must not block the genuine answer); their errors are appended to `ignored`
    when a list is given, and strict=True raises the first one instead. An NTS NAK does
    not end the wait either (it is unauthenticated, RFC 8915 5.7): Kiss(b"NTSN") is
    raised when no authenticated answer came by the timeout (the association has
    already acted on it). RATE/DENY/RSTR: Kiss as they come; an unsynchronized server:
    NTPError. NetError when no acceptable answer arrives within timeout.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    nak = None
    try:
        sock.connect((host, port))
        t1 = now_ntp()
        data, req = assoc.make_request(t1)
        sock.send(data)
        deadline = time.monotonic() + timeout
        while True:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([sock], [], [], wait)[0]:
                if nak is not None:
                    raise Kiss(ntp.KISS_NTS_NAK, nak)
                raise NetError("no valid NTP response from %s:%d" % (host, port))
            try:
                datagram = sock.recv(2048)
            except OSError as e:     # ICMP port unreachable shows up here
                raise NetError("NTP to %s:%d: %s" % (host, port, e))
            t4 = now_ntp()
            o = assoc.receive(req, datagram, t4)
            if o.kind == reply.SAMPLE:
                return o.sample
            if o.kind == reply.NAK:
                nak = o
            elif o.kind in (reply.RATE, reply.DENY):
                raise Kiss(ntp.parse_packet(datagram)[0].refid, o)
            elif o.kind == reply.UNSYNC:
                raise NTPError(o.reason)
            else:
                e = _why_dropped(req, datagram, o.reason)
                if strict:
                    raise e
                if ignored is not None:
                    ignored.append(e)
    finally:
        sock.close()


def exchange_until_sample(assoc, host, port, timeout=1.0, tries=3, ignored=None):
    """ntp_exchange, retried after an NTS NAK while the association still says QUERY
    (it switched to chrony's alternate AES-128-GCM-SIV keys). -> (Sample, naks)."""
    from nts.association import ACTION_QUERY
    naks = 0
    while True:
        try:
            return ntp_exchange(assoc, host, port, timeout, ignored=ignored), naks
        except Kiss as e:
            if e.code != ntp.KISS_NTS_NAK or assoc.action() != ACTION_QUERY or naks >= tries:
                raise
            naks += 1
