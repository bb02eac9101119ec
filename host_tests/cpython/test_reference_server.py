"""The reference NTS server on its own: every fault is observable with a minimal client
written here from the RFC (pyOpenSSL + the server's codec helpers, not the firmware), so
the interop tests that use it test the firmware and not the server."""
import select
import socket
import struct
import time

import pytest
from OpenSSL import SSL

from host_tests.certs import make_chain
from host_tests.reference import codec as c
from host_tests.reference.server import ReferenceServer, spawn


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return make_chain(str(tmp_path_factory.mktemp("refpki")), kind="ecdsa")


@pytest.fixture(scope="module")
def server(chain):
    srv = ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=120)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").clear_faults()


# --- a minimal independent client ----------------------------------------------------------

def tls_connect(chain, port, alpn=(b"ntske/1",), tls12=False, timeout=5.0):
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION if tls12 else SSL.TLS1_3_VERSION)
    ctx.load_verify_locations(chain.root_pem_path)
    ctx.set_verify(SSL.VERIFY_PEER, lambda conn, cert, errno, depth, ok: ok)
    if alpn:
        ctx.set_alpn_protos(list(alpn))
    sock = socket.create_connection(("127.0.0.1", port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = SSL.Connection(ctx, sock)
    conn.set_tlsext_host_name(b"localhost")
    conn.set_connect_state()
    blocking(conn.do_handshake, sock, timeout)
    return conn


def blocking(fn, sock, timeout=5.0):
    """Run a pyOpenSSL call on a socket in timeout mode (non-blocking underneath)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except SSL.WantReadError:
            if not select.select([sock], [], [], max(0, deadline - time.monotonic()))[0]:
                raise socket.timeout("TLS peer silent")


def request(aeads=(30, 15), send_1024=True, extra=b""):
    return (c.record(c.NEXT_PROTOCOL, c.u16s(0), True) + c.record(c.AEAD, c.u16s(*aeads), True)
            + (c.record(c.COMPLIANT_GCM_SIV) if send_1024 and 30 in aeads else b"") + extra
            + c.record(c.END, critical=True))


def read_all(conn):
    buf = b""
    while True:
        try:
            data = blocking(lambda: conn.recv(4096), conn)
        except (SSL.ZeroReturnError, SSL.SysCallError):
            return buf
        if not data:
            return buf
        buf += data


class KE:
    def __init__(self, chain, port, aeads=(30, 15), send_1024=True, extra=b""):
        conn = tls_connect(chain, port)
        conn.sendall(request(aeads, send_1024, extra))
        self.raw = read_all(conn)
        self.records = c.parse_records(self.raw)
        self.types = [t for _, t, _ in self.records]
        self.cookies = [b for _, t, b in self.records if t == c.NEW_COOKIE]
        self.aead = None
        bodies = self.bodies(c.AEAD)
        if bodies and len(bodies[0]) == 2:
            self.aead = struct.unpack(">H", bodies[0])[0]
        compliant = c.COMPLIANT_GCM_SIV in self.types or self.aead != 30
        if self.aead in c.KEY_LEN:
            self.keys = c.derive_keys(conn.export_keying_material, self.aead,
                                      None if compliant else 15)
            self.compliant_keys = c.derive_keys(conn.export_keying_material, self.aead)
        ports = self.bodies(c.PORT)
        self.port = struct.unpack(">H", ports[0])[0] if ports else 123
        conn.close()

    def bodies(self, rtype):
        return [b for _, t, b in self.records if t == rtype]

    def crit(self, rtype):
        return [cr for cr, t, _ in self.records if t == rtype]


def ntp_exchange(ke, cookie=None, keys=None, placeholders=0, timeout=1.0, replies=1):
    uid = bytes(range(32))
    xmit = struct.pack(">II", 0xE0000000, 0x12345678)
    cookie = ke.cookies[0] if cookie is None else cookie
    pkt = (c.ntp_header(0x23, 0, 6, -20, bytes(4), bytes(8), bytes(8), bytes(8), xmit)
           + c.ext_field(c.EF_UID, uid) + c.ext_field(c.EF_COOKIE, cookie)
           + b"".join(c.ext_field(c.EF_PLACEHOLDER, bytes(len(cookie)))
                      for _ in range(placeholders)))
    c2s, s2c = keys or ke.keys
    pkt += c.auth_field(ke.aead, c2s, pkt, b"")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(pkt, ("127.0.0.1", ke.port))
    t0 = time.time()
    out = []
    try:
        for _ in range(replies):
            out.append(Reply(s.recv(2048), ke.aead, s2c, uid, xmit, t0))
    except socket.timeout:
        pass
    s.close()
    return out


class Reply:
    def __init__(self, raw, aead, s2c, uid, xmit, t0):
        self.raw = raw
        self.stratum = raw[1]
        self.refid = raw[12:16]
        self.origin_ok = raw[24:32] == xmit
        self.recv_time = c.from_ntp64(raw[32:40], t0)
        fields = c.parse_ext_fields(raw)
        self.uid_ok = any(t == c.EF_UID and b == uid for t, b, _ in fields)
        self.plain_cookies = [b for t, b, _ in fields if t == c.EF_COOKIE]
        auth = [(b, pos) for t, b, pos in fields if t == c.EF_AUTH]
        self.has_auth = bool(auth)
        self.plain = (c.open_auth_body(aead, s2c, raw[:auth[0][1]], auth[0][0])
                      if auth else None)
        self.cookies = []
        if self.plain:
            inner = c.parse_ext_fields(bytes(48) + self.plain)
            self.cookies = [b for t, b, _ in inner if t == c.EF_COOKIE]


def one(replies):
    assert len(replies) == 1
    return replies[0]


# --- key exchange -----------------------------------------------------------------------

@pytest.mark.parametrize("aeads,expect", [((15,), 15), ((30,), 30), ((30, 15), 30),
                                          ((15, 30), 30), ((99, 15), 15)])
def test_ke_happy_path_and_ntp(chain, server, aeads, expect):
    ke = KE(chain, server.ke_port, aeads)
    assert ke.aead == expect
    assert ke.types[:2] == [c.NEXT_PROTOCOL, c.AEAD] and ke.types[-1] == c.END
    assert len(ke.cookies) == 8 and all(len(k) % 4 == 0 for k in ke.cookies)
    assert ke.port == server.ntp_port
    r = one(ntp_exchange(ke, placeholders=2))
    assert r.stratum == 1 and r.origin_ok and r.uid_ok and r.plain is not None
    assert len(r.cookies) == 3 and abs(r.recv_time - time.time()) < 5


def test_gcm_siv_contexts(chain, server):
    ke = KE(chain, server.ke_port, (30,), send_1024=True)    # chrony >= 4.4 behaviour
    assert c.COMPLIANT_GCM_SIV in ke.types and ke.keys == ke.compliant_keys
    assert one(ntp_exchange(ke)).plain is not None
    ke = KE(chain, server.ke_port, (30,), send_1024=False)   # no 1024: legacy context
    assert c.COMPLIANT_GCM_SIV not in ke.types and ke.keys != ke.compliant_keys
    assert one(ntp_exchange(ke)).plain is not None
    assert one(ntp_exchange(ke, keys=ke.compliant_keys)).refid == b"NTSN"
    server.next_ke(gcm_siv="chrony43")                       # ignores 1024, legacy keys
    ke = KE(chain, server.ke_port, (30,), send_1024=True)
    assert c.COMPLIANT_GCM_SIV not in ke.types
    assert one(ntp_exchange(ke, keys=ke.compliant_keys)).refid == b"NTSN"
    assert one(ntp_exchange(ke, keys=ke.keys)).plain is not None
    server.next_ke(gcm_siv="rfc")                            # ignores 1024, compliant keys
    ke = KE(chain, server.ke_port, (30,), send_1024=True)
    assert c.COMPLIANT_GCM_SIV not in ke.types
    assert one(ntp_exchange(ke, keys=ke.compliant_keys)).plain is not None


@pytest.mark.parametrize("faults,check", [
    ({"ke_error": 2}, lambda ke: ke.types == [c.ERROR, c.END] and ke.bodies(c.ERROR) == [b"\0\2"]),
    ({"ke_warning": 7}, lambda ke: ke.bodies(c.WARNING) == [b"\0\7"] and ke.cookies),
    ({"unknown_critical": True}, lambda ke: True in ke.crit(0x4321)),
    ({"unknown_noncritical": True}, lambda ke: ke.crit(0x4321) == [False]),
    ({"cookies": 0}, lambda ke: ke.cookies == [] and ke.aead == 30),
    ({"cookies": 9}, lambda ke: len(ke.cookies) == 9),
    ({"cookie_size": 257}, lambda ke: {len(k) for k in ke.cookies} == {257}),
    ({"server_name": "127.0.0.1"}, lambda ke: ke.bodies(c.SERVER) == [b"127.0.0.1"]
     and ke.crit(c.SERVER) == [True]),
    ({"server_name": "x", "negotiation_critical": False},
     lambda ke: ke.crit(c.SERVER) == [False] and ke.crit(c.PORT) == [False]),
    ({"port": 4123}, lambda ke: ke.port == 4123),
    ({"aead": 17}, lambda ke: ke.aead == 17 and not ke.cookies),
    ({"next_protocol": [1]}, lambda ke: ke.bodies(c.NEXT_PROTOCOL) == [b"\0\1"]),
    ({"next_protocol": [0, 0]}, lambda ke: ke.bodies(c.NEXT_PROTOCOL) == [b"\0\0\0\0"]),
    ({"duplicate_aead": True}, lambda ke: ke.types.count(c.AEAD) == 2),
    ({"no_end": True}, lambda ke: c.END not in ke.types and ke.cookies),
])
def test_ke_faults(chain, server, faults, check):
    server.next_ke(**faults)
    assert check(KE(chain, server.ke_port))
    assert KE(chain, server.ke_port).aead == 30     # one-shot: the next one is clean


def test_ke_rejects_bad_requests(chain, server):
    ke = KE(chain, server.ke_port, extra=c.record(0x2222, b"", True))
    assert ke.bodies(c.ERROR) == [b"\0\0"]
    conn = tls_connect(chain, server.ke_port)
    conn.sendall(c.record(c.AEAD, c.u16s(15), True) + c.record(c.END, critical=True))
    assert c.parse_records(read_all(conn))[0] == (True, c.ERROR, b"\0\1")
    ke = KE(chain, server.ke_port, aeads=(16, 17))
    assert ke.bodies(c.AEAD) == [b""] and not ke.cookies


def test_ke_close_and_delay(chain, server):
    server.next_ke(ke_close=True)
    conn = tls_connect(chain, server.ke_port)
    conn.sendall(request())
    assert read_all(conn) == b""
    server.next_ke(ke_delay=0.3)
    t0 = time.monotonic()
    assert KE(chain, server.ke_port).cookies
    assert time.monotonic() - t0 >= 0.3


def test_tls_faults(chain, server):
    server.next_ke(alpn="none")
    assert tls_connect(chain, server.ke_port).get_alpn_proto_negotiated() == b""
    for mode in ("wrong", "reject"):
        server.next_ke(alpn=mode)
        with pytest.raises(SSL.Error):
            tls_connect(chain, server.ke_port)
    with pytest.raises(SSL.Error):     # a client that offers no ntske/1 is refused
        tls_connect(chain, server.ke_port, alpn=(b"http/1.1",))
    server.next_ke(tls12=True)
    with pytest.raises(SSL.Error):
        tls_connect(chain, server.ke_port)
    server.next_ke(tls12=True)
    assert tls_connect(chain, server.ke_port, tls12=True).get_protocol_version_name() == "TLSv1.2"
    server.next_ke(stall_after_server_hello=True)
    with pytest.raises((socket.timeout, SSL.Error)):
        tls_connect(chain, server.ke_port, timeout=0.5)
    time.sleep(0.1)
    assert any(info.get("result") == "stalled" for kind, info in server.events)


# --- NTP --------------------------------------------------------------------------------

@pytest.fixture
def ke(chain, server):
    return KE(chain, server.ke_port, (15,))


def test_ntp_auth_faults(server, ke):
    server.next_ntp(bad_tag=True)
    r = one(ntp_exchange(ke))
    assert r.has_auth and r.plain is None
    server.next_ntp(wrong_uid=True)
    r = one(ntp_exchange(ke))
    assert not r.uid_ok and r.plain is not None
    server.next_ntp(no_auth=True)
    r = one(ntp_exchange(ke))
    assert not r.has_auth and r.stratum == 1
    server.next_ntp(plain_cookie=True)
    r = one(ntp_exchange(ke))
    assert len(r.plain_cookies) == 1 and len(r.cookies) == 1
    server.next_ntp(wrong_origin=True)
    assert not one(ntp_exchange(ke)).origin_ok
    server.next_ntp(no_cookies=True)
    r = one(ntp_exchange(ke))
    assert r.plain == b"" and r.cookies == []


def test_ntp_nak_and_kod(server, ke):
    server.next_ntp(nak=True)
    r = one(ntp_exchange(ke))
    assert (r.stratum, r.refid, r.uid_ok, r.has_auth) == (0, b"NTSN", True, False)
    r = one(ntp_exchange(ke, cookie=bytes(72)))          # a cookie we did not issue
    assert r.refid == b"NTSN"
    r = one(ntp_exchange(ke, keys=(bytes(32), bytes(32))))  # wrong C2S key
    assert r.refid == b"NTSN"
    for code in (b"RATE", b"DENY", b"RSTR"):
        server.next_ntp(kod=code)
        r = one(ntp_exchange(ke))
        assert (r.stratum, r.refid, r.cookies) == (0, code, []) and r.plain is not None


def test_ntp_timing_faults(server, ke):
    server.next_ntp(drop=True)
    assert ntp_exchange(ke, timeout=0.3) == []
    server.next_ntp(delay=0.3)
    t0 = time.monotonic()
    assert one(ntp_exchange(ke))
    assert time.monotonic() - t0 >= 0.3
    server.next_ntp(duplicate=True)
    assert len(ntp_exchange(ke, replies=2, timeout=0.5)) == 2
    server.set_faults(lie=3600)                       # server-wide until cleared
    for _ in range(2):
        assert abs(one(ntp_exchange(ke)).recv_time - time.time() - 3600) < 5
    server.next_ntp(lie=-86400 * 365 * 30)            # back across eras is fine too
    assert abs(one(ntp_exchange(ke)).recv_time - time.time() + 86400 * 365 * 30) < 5


def test_unknown_fault_names_are_refused(server):
    with pytest.raises(ValueError):
        server.next_ntp(bad_tga=True)
    with pytest.raises(ValueError):
        server.set_faults(gcm_siv="maybe")


def test_server_stops_by_itself(chain):
    srv = ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=0.3).start()
    KE(chain, srv.ke_port)
    time.sleep(1.0)
    assert srv.stopped
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.ke_port), 0.5)


def test_cli_prints_ports_and_serves(chain):
    proc, ports = spawn(chain.chain_pem_path, chain.leaf_key_pem_path, lie=60, lifetime=30)
    try:
        ke = KE(chain, ports["ke_port"], (15,))
        assert ke.port == ports["ntp_port"] and ports["pid"] == proc.pid
        assert abs(one(ntp_exchange(ke)).recv_time - time.time() - 60) < 5
    finally:
        proc.terminate()
        proc.wait(10)
