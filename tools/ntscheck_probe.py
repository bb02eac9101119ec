# Measurements for tools/ntscheck.py: what one NTS server and the path to it do, as
# plain facts (a dict per server); tools/ntscheck_verdicts.py judges them.
#
# The NTS parts are mpnts's own (nts.keclient for NTS-KE with our TLS 1.3 and trust
# rules, nts.association / nts.plainntp for the NTP packets, nts.selection for the root
# distance), so a server that passes here works for the firmware. CPython's `ssl` adds
# what our client does not tell: the TLS version and ALPN a server offers on its own
# (our client speaks TLS 1.3 with ntske/1 only, so it cannot say that a server fails
# because it speaks TLS 1.2).
#
# Order per server: DNS, TCP connect + TLS facts (one connection, no NTS-KE request),
# then NTS-KE (a second connection), then the NTP queries. Servers are measured one
# after another, never in parallel: the pure-Python crypto of one server's exchange
# would otherwise count as network delay of another's.
# Under MicroPython (tools/ntscheck_port.py) the TLS probe is skipped; the rest is the same.
import socket
import time

from nts import ke, ntp, reply, selection, timescale
from nts.aead import DEFAULT_AEADS, NAMES
from nts.aio import UDPEndpoint
from nts.association import NTSAssociation
from nts.errors import CertError, NTSError
from nts.keclient import key_exchange
from nts.plainntp import PlainAssociation
from nts.query import wait_reply
from nts.timescale import NS_PER_S
from nts.tls import trust, x509
from ntscheck_port import MICROPYTHON, TLS_SKIPPED, elapsed_s, monotonic, start

# Seconds to wait for an NTP reply (the engine's query_timeout).
NTP_WAIT = 2.0
_CURVES = {"p256": "P-256", "p384": "P-384"}
_AEAD_NAMES = dict((v, k) for k, v in NAMES.items())


def aead_name(aead):
    return "%s (%d)" % (_AEAD_NAMES.get(aead, "?"), aead)


def _ms(seconds):
    return round(seconds * 1000, 3)


def _now_ntp():
    return timescale.from_unix_ns(time.time_ns())


# --- DNS, TCP, TLS facts (CPython socket and ssl) ---------------------------------------

def resolve(host, port):
    """{"addresses": ["A 192.0.2.1", "AAAA 2001:db8::1"], "ms"} or {"error"}."""
    t0 = start()
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        return {"error": "cannot resolve %s: %s" % (host, e)}
    out = []
    for family, _, _, _, addr in infos:
        item = "%s %s" % ("AAAA" if family == socket.AF_INET6 else "A", _ip_text(addr))
        if item not in out:
            out.append(item)
    return {"addresses": out, "ms": _ms(elapsed_s(t0))}


def _ip_text(addr):
    if isinstance(addr, tuple):
        return addr[0]
    family, raw, _ = socket.sockaddr(addr)      # MicroPython: a struct sockaddr
    return socket.inet_ntop(family, raw)


def _addr_tuple(addr):
    """(ip, port, ...) of a socket address (MicroPython: from its struct sockaddr)."""
    if isinstance(addr, tuple):
        return addr
    family, raw, port = socket.sockaddr(addr)
    return (socket.inet_ntop(family, raw), port)


def _no_answer(host, port, timeout):
    return {"stage": "tcp", "error": "connect to %s:%d: no answer within %.1f s: a "
            "firewall drops it or the host is down" % (host, port, timeout)}


def _refused(host, port):
    return {"stage": "tcp", "error": "connect to %s:%d refused: nothing listens on "
            "the port (or a firewall rejects it)" % (host, port)}


def _tcp_only(host, port, timeout):
    """MicroPython: the TCP connect time; the TLS probe is skipped (TLS_SKIPPED)."""
    import errno
    t0 = start()
    sock = None
    try:
        ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
        sock = socket.socket(ai[0], socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(ai[4])
    except OSError as e:
        code = e.args[0] if e.args else None
        if code == errno.ECONNREFUSED:
            return _refused(host, port)
        if code in (errno.ETIMEDOUT, errno.EAGAIN, errno.EINPROGRESS):
            return _no_answer(host, port, timeout)
        return {"stage": "tcp", "error": "connect to %s:%d failed: %s" % (host, port, e)}
    finally:
        if sock is not None:
            sock.close()
    return {"connect_ms": _ms(elapsed_s(t0)), "skipped": TLS_SKIPPED}


def tls_facts(host, port, name, timeout):
    """TCP connect time, then what the server's TLS offers to a client asking for ntske/1:
    {"connect_ms", "version", "alpn", "cipher"}; {"error", "stage"} when it fails.
    MicroPython: {"connect_ms", "skipped"}."""
    if MICROPYTHON:
        return _tcp_only(host, port, timeout)
    import ssl
    t0 = start()
    try:
        sock = socket.create_connection((host, port), timeout)
    except socket.timeout:
        return _no_answer(host, port, timeout)
    except ConnectionRefusedError:
        return _refused(host, port)
    except OSError as e:
        return {"stage": "tcp", "error": "connect to %s:%d failed: %s"
                % (host, port, e.strerror or e)}
    out = {"connect_ms": _ms(elapsed_s(t0))}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False          # the trust decision is mpnts's (below), not OpenSSL's
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2   # to tell a TLS 1.2-only server apart
    ctx.set_alpn_protocols(["ntske/1"])
    try:
        with ctx.wrap_socket(sock, server_hostname=None if _is_ip(name) else name) as s:
            out["version"] = s.version()
            out["alpn"] = s.selected_alpn_protocol()
            out["cipher"] = s.cipher()[0]
            out["leaf"] = s.getpeercert(True)
    except (ssl.SSLError, OSError) as e:
        out["stage"] = "tls"
        out["error"] = "TLS handshake failed: %s" % (getattr(e, "reason", None) or e)
    finally:
        sock.close()
    return out


def _is_ip(name):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name)
            return True
        except OSError:
            pass
    return False


# --- certificates (mpnts's X.509 parser) ------------------------------------------------

def _cn(name_der):
    try:
        return x509._common_name(name_der) or "(no CN)"
    except (NTSError, UnicodeError, ValueError):
        return "(unreadable name)"


def key_text(key):
    if key is None:
        return "unsupported"
    if key[0] == "ec":
        return "ECDSA %s" % _CURVES.get(key[1], key[1])
    return "%s-%d" % ("RSA-PSS" if key[0] == "rsa-pss" else "RSA", key[1].bit_length())


def describe_chain(ders, anchors, now):
    """One dict per certificate the server sent (leaf first), and the trust anchor the
    path ends at ({"subject", "issuer", "intermediate"}) or None."""
    certs = []
    parsed = []
    for d in ders:
        try:
            c = x509.parse(d)
        except CertError as e:
            certs.append({"error": str(e)})
            continue
        parsed.append(c)
        certs.append({"subject": _cn(c.subject), "issuer": _cn(c.issuer), "key": key_text(c.key),
                      "not_after": c.not_after,
                      "days_left": round((c.not_after - now) / 86400, 1)})
    anchor = None
    for c in parsed:
        for a in anchors:
            if (a.subject == c.subject and a.key == c.key) or a.subject == c.issuer:
                anchor = a
                break
        if anchor is not None:
            break
    if anchor is None:
        return certs, None
    return certs, {"subject": _cn(anchor.subject), "issuer": _cn(anchor.issuer),
                   "intermediate": anchor.subject != anchor.issuer,
                   "days_left": round((anchor.not_after - now) / 86400, 1)}


# --- NTS-KE (mpnts's client) ---------------------------------------------------------------

async def nts_ke(host, port, name, store, group, timeout):
    """(facts, KEResult or None). The chain is recorded even when it is refused."""
    seen = {}
    policy = trust.CertTimePolicy(int(time.time()))

    def verify(chain):
        seen["chain"] = [bytes(c) for c in chain]
        return trust.verify_chain_steps(chain, name, store, group, policy)

    facts = {}
    try:
        result, stats = await key_exchange(host, verify, port, name, DEFAULT_AEADS, timeout)
    except NTSError as e:
        facts["error"] = "%s: %s" % (type(e).__name__, e)
        facts["cert_error"] = isinstance(e, CertError)
        result = None
    else:
        facts.update({"ms": stats.ke_ms, "aead": result.aead,
                      "cookie_sizes": [len(c) for c in result.cookies],
                      "ntp_server": result.ntp_server, "ntp_port": result.ntp_port})
    facts["chain"] = seen.get("chain")
    return facts, result


# --- NTP -----------------------------------------------------------------------------------

def _refid_text(stratum, refid):
    if stratum <= 1:
        return "".join(chr(c) for c in refid if 32 < c < 127) or "-"
    return ".".join(str(c) for c in refid)


async def query(assoc, host, port):
    """One query over a fresh UDP socket (random source port, RFC 9109). Always has
    "request_bytes"; then "sample" (a Sample), "reply_bytes" and "mono" (monotonic s);
    or "kod" (the kiss code: NTSN, RATE, DENY, RSTR); or "rejected" alone (the server
    is unsynchronized); or "timeout" (and "rejected": why the last packet that came was
    not accepted); or "error" (ICMP port unreachable, ...). The wait is the engine's
    (nts.query): packets that are not the genuine answer are waited past."""
    try:
        ep = UDPEndpoint(host, port)
    except NTSError as e:
        return {"error": str(e), "request_bytes": None}
    data, req = assoc.make_request(_now_ntp())
    req.t1 = _now_ntp()     # after building: the AEAD work is not network delay
    out = {"request_bytes": len(data), "address": _addr_tuple(ep.addr)}
    last = []

    def receive(datagram, t4):
        o = assoc.receive(req, datagram, t4)
        if o.kind == reply.DROP:
            out["rejected"] = "%d bytes: %s" % (len(datagram), o.reason)
        else:
            last[:] = [datagram]
        return o
    try:
        ep.send(data)
        o = await wait_reply(ep, receive, NTP_WAIT, _now_ntp)
    except NTSError as e:     # NetError: ICMP port unreachable, send failure
        o = reply.Outcome(reply.ERROR, str(e))
    finally:
        ep.close()
    if o.kind == reply.SAMPLE:
        out.pop("rejected", None)
        out["sample"] = o.sample
        out["reply_bytes"] = len(last[0])
        out["mono"] = monotonic()
    elif o.kind in (reply.NAK, reply.RATE, reply.DENY):
        out.pop("rejected", None)
        code = ntp.parse_packet(last[0])[0].refid
        out["kod"] = "".join(chr(c) if 32 <= c < 127 else "?" for c in code)
    elif o.kind == reply.UNSYNC:
        out["rejected"] = o.reason
    elif o.kind == reply.TIMEOUT:
        out["timeout"] = True
    else:
        out["error"] = o.reason
    return out


def sample_facts(s):
    return {"offset_ms": s.offset / 1e6, "delay_ms": s.delay / 1e6, "stratum": s.stratum,
            "refid": _refid_text(s.stratum, s.refid), "leap": s.leap,
            "root_delay_ms": s.root_delay / 1e6, "root_disp_ms": s.root_disp / 1e6}


def root_distance(samples, mono_times):
    """(offset s, root distance s) of the clock-filtered samples, as nts.selection has
    them for the agreement check, or None."""
    now = monotonic()
    sel = [selection.sample_from(s, t) for s, t in zip(samples, mono_times)]
    c = selection.candidate("x", sel, now)
    return None if c is None else (c.offset, c.rootdist)


async def plain_probe(host, port):
    """Whether a plain 48-byte NTPv4 query to host:port is answered: "answered",
    "silent" or "refused" (ICMP port unreachable) / the error text."""
    assoc = PlainAssociation(host, port)
    r = await query(assoc, host, port)
    if "sample" in r or "kod" in r:
        return "answered"
    if r.get("timeout"):
        return "silent"
    return "refused" if "refused" in r.get("error", "") else r.get("error", "?")
