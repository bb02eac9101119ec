"""mpnts's TLS 1.3 client against real servers on 127.0.0.1, and every refusal case.

Servers: the pyOpenSSL reference server (OpenSSL), chronyd (GnuTLS), NTPsec's ntpd
(OpenSSL 3); RSA, ECDSA and Let's-Encrypt-shaped chains, with and without an
intermediate. The whole `nts ke --json` path runs under BOTH `python -m nts` and
`micropython -m nts`. The exporter is proven by the servers themselves: the reference
server's cookies carry the keys it exported (opened here with its cookie jar), and an
NTS-protected NTP exchange with keys from our exporter authenticates against each server.
Every refusal is a typed error in the JSON and exit status 1, never a traceback.
"""
import asyncio
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from host_tests.certs import make_chain
from host_tests.reference.server import ReferenceServer
from nts import timescale
from nts.association import NTSAssociation
from nts.errors import SignatureError, TLSError
from nts import slices
from nts.keclient import chain_verifier, key_exchange
from nts.tls import trust
from nts.tls.stream import TLSStream

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
INTERPRETERS = ("python", "micropython")
CHAINS = {
    "rsa": dict(kind="rsa", intermediates=1),
    "rsa-nointer": dict(kind="rsa", intermediates=0),
    "ecdsa": dict(kind="ecdsa", intermediates=1),
    "ecdsa-nointer": dict(kind="ecdsa", intermediates=0),
    "le": dict(kind="le", intermediates=1),
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    made = {}

    def get(name, **kw):
        if name not in made:
            made[name] = make_chain(str(tmp_path_factory.mktemp(name)), **kw)
        return made[name]
    return get


@pytest.fixture(scope="module")
def servers(pki):
    running = {}

    def get(name, **kw):
        if name not in running:
            chain = pki(name, **(kw or CHAINS[name]))
            srv = ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=240)
            srv.start()
            running[name] = (srv, chain)
        return running[name]
    yield get
    for srv, _ in running.values():
        srv.stop()


def run_cli(interp, port, ca, name="localhost", extra=(), timeout=60):
    """`nts ke --json` in a subprocess -> (exit status, JSON object, stderr)."""
    args = ["ke", "--server", "127.0.0.1:%d" % port, "--ca", os.path.abspath(ca),
            "--name", name, "--json"] + list(extra)
    if interp == "python":
        cmd, cwd = [sys.executable, "-m", "nts"] + args, ROOT
    else:
        cmd, cwd = [MICROPYTHON, "-m", "nts"] + args, os.path.join(ROOT, "firmware")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "firmware"))
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 1, (p.stdout, p.stderr)
    return p.returncode, json.loads(lines[0]), p.stderr


def verifier(chain, name="localhost"):
    store = trust.TrustStore()
    store.load("t", chain.root_pem_path)
    return chain_verifier(name, store, "t", trust.CertTimePolicy(int(time.time())))


def ntp_exchange(result, host="127.0.0.1"):
    """One NTS-protected NTP request with the session's keys; the verified Sample."""
    assoc = NTSAssociation(result)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(3)
    try:
        data, req = assoc.make_request(timescale.from_unix_ns(time.time_ns()))
        sock.sendto(data, (result.ntp_server or host, result.ntp_port))
        reply = sock.recv(2048)
        o = assoc.receive(req, reply, timescale.from_unix_ns(time.time_ns()))
        assert o.sample is not None, o
        return o.sample
    finally:
        sock.close()


# --- interop ---------------------------------------------------------------------------

@pytest.mark.parametrize("interp", INTERPRETERS)
@pytest.mark.parametrize("chain_name", sorted(CHAINS))
def test_reference_server(servers, interp, chain_name):
    srv, chain = servers(chain_name)
    rc, out, err = run_cli(interp, srv.ke_port, chain.root_pem_path)
    assert rc == 0 and out["ok"], (out, err)
    assert out["aead"] == 30 and out["cookies"] == 8
    assert out["ntp_server"] == "127.0.0.1" and out["ntp_port"] == srv.ntp_port
    assert out["ke_ms"] >= 0 and out["critical_us"] > 0
    assert srv.events[-1][1]["tls_version"] == "TLSv1.3"


@pytest.mark.parametrize("aeads", [(15,), (30,)])
@pytest.mark.parametrize("chain_name", ["rsa", "ecdsa"])
def test_exporter_keys_are_the_servers(servers, chain_name, aeads):
    srv, chain = servers(chain_name)
    result, stats = asyncio.run(key_exchange("127.0.0.1", verifier(chain), srv.ke_port,
                                             "localhost", aeads))
    assert result.aead == aeads[0] and len(result.cookies) == 8
    for cookie in result.cookies:
        assert srv._jar.open(cookie) == (result.aead, result.c2s, result.s2c)
    sample = ntp_exchange(result)
    assert abs(sample.offset) < 10 ** 9


def _daemon_check(daemon, chain):
    for interp in INTERPRETERS:
        rc, out, err = run_cli(interp, daemon.ke_port, chain.root_pem_path)
        assert rc == 0 and out["ok"] and out["cookies"] == 8, (interp, out, err)
        assert out["ntp_port"] == daemon.ntp_port
    result, _ = asyncio.run(key_exchange("127.0.0.1", verifier(chain), daemon.ke_port, "localhost"))
    sample = ntp_exchange(result)
    assert abs(sample.offset) < 10 ** 9


@pytest.mark.parametrize("chain_name", ["rsa", "ecdsa", "le"])
def test_chrony_gnutls(pki, tmp_path, chain_name):
    from host_tests.reference.chrony import Chrony, find_chronyd
    if not find_chronyd():
        pytest.skip("chronyd not installed")
    chain = pki(chain_name, **CHAINS[chain_name])
    with Chrony(str(tmp_path), chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=60) as ch:
        _daemon_check(ch, chain)


@pytest.mark.parametrize("chain_name", ["rsa-nointer", "ecdsa"])
def test_ntpsec_openssl3(pki, tmp_path, chain_name):
    from host_tests.reference.ntpsec import NTPsec, PortsBusy, find_ntpd
    if not find_ntpd():
        pytest.skip("NTPsec not unpacked (tools/fetch_ntpsec.sh)")
    chain = pki(chain_name, **CHAINS[chain_name])
    try:
        with NTPsec(str(tmp_path), chain.chain_pem_path, chain.leaf_key_pem_path,
                    lifetime=60) as nt:
            _daemon_check(nt, chain)
    except PortsBusy:
        pytest.skip("port 4460 or 123 busy")


class _StdlibServer:
    """A CPython ssl (OpenSSL) TLS 1.3 server that allows only secp256r1, so our X25519
    ClientHello draws a HelloRetryRequest; it echoes one message back."""

    def __init__(self, chain):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(chain.chain_pem_path, chain.leaf_key_pem_path)
        ctx.set_alpn_protocols(["ntske/1"])
        ctx.set_ecdh_curve("prime256v1")
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(20)
                tls.sendall(tls.recv(100))
        except OSError:
            pass
        finally:
            self.sock.close()


def test_hello_retry_request_to_secp256r1(pki):
    chain = pki("ecdsa", **CHAINS["ecdsa"])
    srv = _StdlibServer(chain)
    stream = TLSStream("127.0.0.1", srv.port, "localhost", verifier(chain))

    async def ping():
        await stream.connect()
        assert stream.client.retried
        await stream.send(b"ping")
        await stream.authenticate()
        assert await stream.recv() == b"ping"
        stream.close()
    asyncio.run(ping())
    srv.thread.join(5)


# --- nothing is usable before authentication ----------------------------------------------

def test_no_data_or_keys_before_authenticate(servers):
    srv, chain = servers("rsa")
    stream = TLSStream("127.0.0.1", srv.ke_port, "localhost", verifier(chain))

    async def early():
        await stream.connect()
        with pytest.raises(TLSError):
            stream.exporter(b"EXPORTER-network-time-security", b"\x00\x00\x00\x0f\x00", 32)
        with pytest.raises(TLSError):
            stream.client.read()
        stream.close()
    asyncio.run(early())


def test_certificate_verify_by_another_key_is_refused(servers, pki):
    # The chain is fine, but the CertificateVerify was not made with the key we are told
    # the leaf has: the signature check must fail and poison the connection.
    srv, chain = servers("rsa")
    other = verifier(pki("rsa-other", kind="rsa", seed="other"))
    other_key = slices.run(other([d for d in pki("rsa-other", kind="rsa", seed="other").chain_der]))
    good = verifier(chain)

    def swapped(ders):
        yield from good(ders)
        return other_key
    with pytest.raises(SignatureError):
        asyncio.run(key_exchange("127.0.0.1", swapped, srv.ke_port, "localhost"))


# --- refusals through the CLI, under both interpreters --------------------------------------

def _refused(interp, port, ca, error_type, name="localhost", extra=()):
    rc, out, err = run_cli(interp, port, ca, name, extra)
    assert rc == 3 and out["ok"] is False, (out, err)     # nts.cli.EXIT_NETWORK
    assert out["error"]["type"] == error_type, out
    assert "Traceback" not in err
    return out["error"]["message"]


@pytest.mark.parametrize("interp", INTERPRETERS)
@pytest.mark.parametrize("case,options,error_type,reason", [
    ("expired", dict(expired=True), "CertError", "expired"),
    ("not-yet-valid", dict(not_yet_valid=True), "CertError", "not_yet_valid"),
    ("bad-signature", dict(bad_signature=True), "CertError", "bad_signature"),
])
def test_refused_chain(servers, interp, case, options, error_type, reason):
    srv, chain = servers(case, kind="rsa", **options)
    msg = _refused(interp, srv.ke_port, chain.root_pem_path, error_type)
    assert msg.startswith(reason), msg


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_refused_wrong_name(servers, interp):
    srv, chain = servers("rsa")
    msg = _refused(interp, srv.ke_port, chain.root_pem_path, "CertError", name="other.example")
    assert msg.startswith("name_mismatch")


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_refused_untrusted_root(servers, pki, interp):
    srv, _ = servers("rsa")
    stranger = pki("rsa-other", kind="rsa", seed="other")   # same names, other keys
    msg = _refused(interp, srv.ke_port, stranger.root_pem_path, "CertError")
    assert msg.startswith("untrusted") or msg.startswith("bad_signature"), msg


@pytest.mark.parametrize("interp", INTERPRETERS)
@pytest.mark.parametrize("faults,error_type", [
    (dict(alpn="wrong"), "TLSError"),
    (dict(alpn="none"), "TLSError"),
    (dict(alpn="reject"), "TLSAlert"),
    (dict(tls12=True), "TLSAlert"),
    (dict(ke_close=True), "KEError"),
    (dict(no_end=True), "KEError"),
])
def test_refused_server_behaviour(servers, interp, faults, error_type):
    srv, chain = servers("rsa")
    srv.next_ke(**faults)
    _refused(interp, srv.ke_port, chain.root_pem_path, error_type)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_stalled_server_times_out(servers, interp):
    srv, chain = servers("rsa")
    srv.next_ke(stall_after_server_hello=True)
    t0 = time.monotonic()
    _refused(interp, srv.ke_port, chain.root_pem_path, "NetError", extra=("--timeout", "1"))
    assert time.monotonic() - t0 < 20


class _RawServer:
    """Accepts one connection, reads the ClientHello, answers with `reply`, then closes."""

    def __init__(self, reply):
        self.reply = reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            conn.settimeout(10)
            conn.recv(4096)
            conn.sendall(self.reply)
            time.sleep(0.2)
            conn.close()
        except OSError:
            pass
        finally:
            self.sock.close()


@pytest.mark.parametrize("interp", INTERPRETERS)
@pytest.mark.parametrize("reply,error_type", [
    (b"\x16\x03\x03\x40\x01", "TLSError"),                         # oversized record
    (b"\x16\x03\x03\x00\x50" + bytes(10), "TLSError"),             # truncated, then closed
    (b"\x15\x03\x03\x00\x02\x02\x28", "TLSAlert"),                 # handshake_failure alert
    (b"HTTP/1.1 400 Bad Request\r\n\r\n", "ParseError"),           # not TLS at all
    (b"\x16\x03\x03\x00\x04\x02\x00\x00\x00", "ParseError"),       # empty ServerHello
    (b"", "TLSError"),                                             # closed at once
])
def test_refused_raw_bytes(pki, interp, reply, error_type):
    chain = pki("rsa", **CHAINS["rsa"])
    srv = _RawServer(reply)
    _refused(interp, srv.port, chain.root_pem_path, error_type)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_refused_connection(pki, interp):
    chain = pki("rsa", **CHAINS["rsa"])
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    _refused(interp, port, chain.root_pem_path, "NetError")


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_cli_aead_choice_and_host_name(servers, interp):
    srv, chain = servers("rsa")
    args = ["ke", "--server", "localhost:%d" % srv.ke_port, "--ca", chain.root_pem_path,
            "--aead", "15", "--json"]
    if interp == "python":
        cmd, cwd = [sys.executable, "-m", "nts"] + args, ROOT
    else:
        cmd, cwd = [MICROPYTHON, "-m", "nts"] + args, os.path.join(ROOT, "firmware")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "firmware"))
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout)
    assert p.returncode == 0 and out["ok"] and out["aead"] == 15, (out, p.stderr)
    assert out["ntp_server"] == "localhost"
    rc, out, _ = run_cli(interp, srv.ke_port, chain.root_pem_path, extra=("--aead", "99"))
    assert rc == 2 and out["error"]["type"] == "ConfigError"   # nts.cli.EXIT_USAGE


class _DribbleProxy:
    """Forwards one connection to `port`, the server's bytes one per TCP segment, so
    every record and handshake message arrives in pieces."""

    def __init__(self, port):
        self.target = port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            client, _ = self.sock.accept()
            server = socket.create_connection(("127.0.0.1", self.target), 10)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(client, server, 65536),
                             daemon=True).start()
            self._pump(server, client, 1)
        except OSError:
            pass
        finally:
            self.sock.close()

    @staticmethod
    def _pump(src, dst, step):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                for i in range(0, len(data), step):
                    dst.sendall(data[i:i + step])
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_server_bytes_one_at_a_time(servers, interp):
    srv, chain = servers("rsa")
    proxy = _DribbleProxy(srv.ke_port)
    rc, out, err = run_cli(interp, proxy.port, chain.root_pem_path)
    assert rc == 0 and out["ok"] and out["cookies"] == 8, (out, err)
