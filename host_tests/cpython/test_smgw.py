"""Mode NTPv4TLS (nts.smgw) against the SMGW stand-in (host_tests/reference/smgw.py:
OpenSSL TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, P-256, client certificate required),
through `nts sync --smgw` in CPython and in `micropython` subprocesses. Each refusal
must be a clear, typed error in the JSON; the host clock is never set.
"""
import json
import os
import subprocess
import sys

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID as EKU

from host_tests.certs import make_chain
from host_tests.reference.smgw import SMGWStandIn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
INTERPS = ["micropython", "python"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("smgw"))

    class P:
        gw = make_chain(d, kind="ecdsa", intermediates=1, prefix="gw",
                        eku=[EKU.TIME_STAMPING])
        no_eku = make_chain(d, kind="ecdsa", intermediates=1, prefix="noeku", eku=[])
        server_auth = make_chain(d, kind="ecdsa", intermediates=1, prefix="sa")
        other = make_chain(d, kind="ecdsa", intermediates=1, seed="other", prefix="other",
                           eku=[EKU.TIME_STAMPING])
        station = make_chain(d, kind="ecdsa", intermediates=0, seed="station", prefix="st",
                             eku=[EKU.CLIENT_AUTH])
        brainpool = make_chain(d, kind="ecdsa", intermediates=0, seed="bp", prefix="bp",
                               curve="bp256", ca_curve="p256", eku=[EKU.TIME_STAMPING])
        stranger = make_chain(d, kind="ecdsa", intermediates=0, seed="stranger",
                              prefix="xx", eku=[EKU.CLIENT_AUTH])
    return P


def gateway(chain, pki, **faults):
    return SMGWStandIn(chain.chain_pem_path, chain.leaf_key_pem_path,
                       pki.station.root_pem_path, faults)


def sync(port, pki, interp, ca=None, client=None, extra=(), timeout=60):
    """`nts sync --smgw --json` -> (exit status, the smgw row, whole output)."""
    client = pki.station if client is None else client
    args = ["sync", "--smgw", "localhost:%d" % port, "--ca", (ca or pki.gw).root_pem_path,
            "--timeout", "5", "--json"]
    if client is not False:
        args += ["--client-cert", client.leaf_cert_pem_path,
                 "--client-key", client.leaf_key_pem_path]
    args += list(extra)
    cmd = ([sys.executable] if interp == "python" else [MICROPYTHON]) + ["-m", "nts"] + args
    p = subprocess.run(cmd, cwd=FIRMWARE, env=dict(os.environ, PYTHONPATH=FIRMWARE),
                       capture_output=True, text=True, timeout=timeout)
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 1, (p.stdout, p.stderr)
    out = json.loads(lines[0])
    rows = [r for r in out.get("servers", []) if r["mode"] == "NTPv4TLS"]
    return p.returncode, (rows[0] if rows else None), out


@pytest.mark.parametrize("interp", INTERPS)
def test_time_from_gateway(pki, interp):
    with gateway(pki.gw, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc == 0 and out["ok"], out
    assert row["authenticated"] and row["error"] is None and row["verdict"] == "truechimer"
    assert row["port"] == gw.port and row["stratum"] == 2
    assert abs(row["offset_s"]) < 0.5 and 0 <= row["delay_s"] < 1
    # root distance: (rootdelay 128/65536 s + delay)/2 + rootdisp 256/65536 s
    want = (128 / 65536 + row["delay_s"]) / 2 + 256 / 65536
    assert abs(row["max_error_s"] - want) < 1e-6, row
    assert ("tls", "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256") in gw.events
    assert ("ntp", 48) in gw.events
    assert out["utc"].endswith("Z") and out["last_sync"][:4] == out["utc"][:4]


@pytest.mark.parametrize("interp", INTERPS)
def test_offset_follows_the_gateway(pki, interp):
    with gateway(pki.gw, pki, lie=30, split=True) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc == 0, out
    assert abs(row["offset_s"] - 30) < 0.5, row


@pytest.mark.parametrize("interp", INTERPS)
def test_tls_1_3_when_the_gateway_offers_it(pki, interp):
    # TLS 1.2, or 1.3 when both sides have it: CPython's ssl takes 1.3; the MicroPython
    # unix port's mbedTLS (like the boards', nts.smgw) has no 1.3 and stays on 1.2.
    with gateway(pki.gw, pki, tls13=True) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc == 0 and row["authenticated"] and row["error"] is None, out
    version = {"python": "TLSv1.3", "micropython": "TLSv1.2"}[interp]
    assert [e[1] for e in gw.events if e[0] == "tls"] == [version], gw.events
    assert ("ntp", 48) in gw.events


@pytest.mark.parametrize("interp", INTERPS)
def test_no_client_certificate_refused(pki, interp):
    with gateway(pki.gw, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp, client=False)
    assert rc != 0 and not row["authenticated"], out
    assert "TLS handshake" in row["error"]["message"], row
    assert not any(e[0] == "ntp" for e in gw.events)


@pytest.mark.parametrize("interp", INTERPS)
def test_client_certificate_of_another_ca_refused(pki, interp):
    with gateway(pki.gw, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp, client=pki.stranger)
    assert rc != 0 and "TLS handshake" in row["error"]["message"], row


@pytest.mark.parametrize("interp", INTERPS)
def test_gateway_of_another_ca_refused(pki, interp):
    with gateway(pki.other, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc != 0 and row["error"]["message"].startswith("untrusted:"), row
    assert not any(e[0] == "ntp" for e in gw.events), gw.events


@pytest.mark.parametrize("interp", INTERPS)
@pytest.mark.parametrize("chain", ["no_eku", "server_auth"])
def test_gateway_without_time_stamping_eku_refused(pki, interp, chain):
    with gateway(getattr(pki, chain), pki) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc != 0 and row["error"]["message"] == "bad_usage: leaf extendedKeyUsage lacks timeStamping"
    assert not any(e[0] == "ntp" for e in gw.events), gw.events


@pytest.mark.parametrize("interp", INTERPS)
def test_brainpool_gateway_refused(pki, interp):
    # TR-03116-3 allows brainpoolP256r1; the boards' mbedTLS has no brainpool curves (nor
    # has mpnts's X.509 key parser), so the client offers no brainpool group and a
    # gateway whose certificate is on one has no suite left: "no shared cipher".
    with gateway(pki.brainpool, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc != 0 and "TLS handshake" in row["error"]["message"], row
    assert any("no shared cipher" in e[1] for e in gw.events if e[0] == "error"), gw.events


@pytest.mark.parametrize("interp", INTERPS)
def test_name_mismatch_refused(pki, interp):
    with gateway(pki.gw, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp, extra=["--name", "gateway.example"])
    assert rc != 0 and row["error"]["message"].startswith("name_mismatch:"), row


@pytest.mark.parametrize("interp", INTERPS)
@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_tls_refused(pki, interp, version):
    with gateway(pki.gw, pki, tls_max=version) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc != 0 and "TLS handshake" in row["error"]["message"], row
    assert not any(e[0] == "tls" for e in gw.events), gw.events


@pytest.mark.parametrize("interp", INTERPS)
@pytest.mark.parametrize("fault,message", [
    ({"mode": 3}, "reply refused: not an NTPv4 server response"),
    ({"version": 3}, "reply refused: not an NTPv4 server response"),
    ({"no_echo": True}, "reply refused: origin timestamp does not match our request"),
    ({"short": 40}, "gateway closed the connection after 40 bytes"),
])
def test_bad_reply_refused(pki, interp, fault, message):
    with gateway(pki.gw, pki, **fault) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc != 0 and not row["authenticated"] and row["error"]["message"] == message, row


@pytest.mark.parametrize("interp", INTERPS)
def test_silent_gateway_times_out(pki, interp):
    with gateway(pki.gw, pki, silent=3) as gw:
        rc, row, out = sync(gw.port, pki, interp)
    assert rc != 0 and row["error"]["message"] == "timed out: no answer within 2.0 s", row


@pytest.mark.parametrize("interp", INTERPS)
def test_smgw_beside_a_dead_nts_server(pki, interp):
    # --server and --smgw together: the SMGW is one more source (MinServers 1 suffices).
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    with gateway(pki.gw, pki) as gw:
        rc, row, out = sync(gw.port, pki, interp, extra=["--server", "127.0.0.1:%d" % dead])
    assert rc == 0 and out["ok"] and row["authenticated"], out
    nts_row = [r for r in out["servers"] if r["mode"] == "NTSv4"][0]
    assert not nts_row["authenticated"] and nts_row["error"]["type"] == "NetError"


def test_gateway_refused_when_min_servers_needs_two(pki):
    with gateway(pki.gw, pki) as gw:
        rc, row, out = sync(gw.port, pki, "python", extra=["--min-servers", "2"])
    assert rc != 0 and "MinServers" in out["error"]["message"], out


def test_client_cert_without_key_is_a_usage_error(pki):
    args = ["sync", "--smgw", "localhost:1", "--ca", pki.gw.root_pem_path,
            "--client-cert", pki.station.leaf_cert_pem_path, "--json"]
    p = subprocess.run([sys.executable, "-m", "nts"] + args, cwd=FIRMWARE,
                       env=dict(os.environ, PYTHONPATH=FIRMWARE), capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0 and "--client-key" in p.stdout, p.stdout
