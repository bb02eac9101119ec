"""tools/ntscheck.py against real servers on 127.0.0.1: the reference server with its
faults (dead port, expired certificate, liar, NTP port blocked while NTS-KE works, a
path that drops NTP packets over 200 bytes), chrony and NTPsec. The checker runs as a
subprocess (exit status and JSON as an operator's monitoring sees them); servers stop
by themselves (lifetime); the host clock is never set.
"""
import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from host_tests.certs import DAY, make_chain
from host_tests.reference.daemon import free_port
from host_tests.reference.server import ReferenceServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "ntscheck.py")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
IN_CI = os.environ.get("CI") == "true"
sys.path.insert(0, os.path.join(ROOT, "tools"))

import ntscheck_ocpp  # noqa: E402
from nts.errors import ConfigError  # noqa: E402
import ntscheck_verdicts as V  # noqa: E402


def run(args, timeout=120, interpreter=sys.executable):
    p = subprocess.run([interpreter, CHECK] + args, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run_json(args, interpreter=sys.executable):
    rc, out, err = run(args + ["--json"], interpreter=interpreter)
    lines = out.strip().splitlines()
    assert len(lines) == 1, (out, err)
    return rc, json.loads(lines[0])


def checks(server):
    return dict((c["name"], c) for c in server["checks"])


def addr(port):
    return "127.0.0.1:%d" % port


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("ntscheck"))
    good = make_chain(d, kind="ecdsa", intermediates=1, prefix="good")
    expired = make_chain(d, kind="ecdsa", intermediates=1, expired=True, prefix="expired")
    return good, expired


def _srv(chain, **kw):
    return ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=180,
                           **kw).start()


class LongPacketDropper:
    """A UDP middlebox on 127.0.0.1 that forwards to `target` and drops every datagram
    longer than `limit` bytes, either way, as some carrier networks do with NTP."""

    def __init__(self, target, limit=200, lifetime=180):
        self.target = target
        self.limit = limit
        self.outer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.outer.bind(("127.0.0.1", 0))
        self.outer.settimeout(0.2)
        self.port = self.outer.getsockname()[1]
        self.stop = threading.Event()
        threading.Timer(lifetime, self.stop.set).start()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while not self.stop.is_set():
            try:
                data, client = self.outer.recvfrom(2048)
            except OSError:
                continue
            if len(data) > self.limit:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as inner:
                inner.settimeout(1.0)
                inner.sendto(data, ("127.0.0.1", self.target))
                try:
                    reply = inner.recv(2048)
                except OSError:
                    continue
            if len(reply) <= self.limit:
                self.outer.sendto(reply, client)
        self.outer.close()


@pytest.fixture(scope="module")
def faulty(pki):
    """Reference servers: two healthy, one liar, NTP blocked, expired certificate, and
    one behind a long-packet dropper (AES-SIV-CMAC-256 as PTB: 232-byte packets)."""
    good, expired = pki
    s = {"a": _srv(good), "b": _srv(good), "liar": _srv(good, faults={"lie": 3600}),
         "blocked": _srv(good, faults={"drop": True}), "expired": _srv(expired)}
    long_drop = _srv(good, aeads=(15,), faults={"plain_ntp": True})
    box = LongPacketDropper(long_drop.ntp_port)
    long_drop.set_faults(port=box.port)
    s["long"] = long_drop
    yield s
    box.stop.set()
    for v in s.values():
        v.stop()


def test_every_fault_diagnosed(pki, faulty):
    good, _ = pki
    dead = free_port()
    order = ["a", "b", "liar", "blocked", "expired", "long"]
    args = ["--ca", good.root_pem_path, "--min-servers", "2"]
    for k in order:
        args += ["--server", addr(faulty[k].ke_port)]
    rc, rep = run_json(args + ["--server", addr(dead)])
    assert rc == 2 and rep["verdict"] == "critical", rep
    by = dict(zip(order + ["dead"], rep["servers"]))
    for k in ("a", "b"):
        c = checks(by[k])
        assert by[k]["verdict"] == "ok", by[k]
        assert c["tls_version"]["value"] == "TLSv1.3" and c["alpn"]["value"] == "ntske/1"
        assert c["cookies"]["value"] == 8 and c["selection"]["value"] == "truechimer"
        assert abs(c["offset"]["value"]) < 100 and c["stratum"]["value"] == 1
        assert c["certificate[0]"]["value"].startswith("localhost <- mpnts test intermediate 0")
        assert c["trust_anchor"]["message"] == "self-signed root"
        assert set(c["ntp_udp"]["value"]) == {"request_bytes", "reply_bytes"}
    c = checks(by["liar"])
    assert c["offset"]["verdict"] == "critical" and abs(c["offset"]["value"] - 3.6e6) < 1000
    assert c["selection"]["verdict"] == "critical" and "falseticker" in c["selection"]["value"]
    c = checks(by["blocked"])
    assert c["nts_ke"]["verdict"] == "ok"
    assert c["ntp_udp"]["verdict"] == "critical" and "blocked" in c["ntp_udp"]["message"]
    c = checks(by["expired"])
    assert c["certificate[0]"]["verdict"] == "critical"
    assert "expired" in c["certificate[0]"]["message"] and "expired" in c["nts_ke"]["message"]
    c = checks(by["long"])
    assert c["ntp_udp"]["verdict"] == "critical"
    assert c["ntp_udp"]["value"]["request_bytes"] > V.LONG_NTP_PACKET
    assert "longer than 200 bytes" in c["ntp_udp"]["message"]
    c = checks(by["dead"])
    assert c["tcp_connect"]["verdict"] == "critical" and "refused" in c["tcp_connect"]["message"]
    sets = dict((c["name"], c) for c in rep["set"])
    assert sets["agreement"]["verdict"] == "ok" and sets["agreement"]["value"] == 2
    assert sets["spread"]["verdict"] == "critical"
    # The configuration leaves the critical servers out.
    conf = rep["ocpp"]
    assert conf["servers"] == [addr(faulty["a"].ke_port), addr(faulty["b"].ke_port)]
    keys = dict((kv["key"], kv["value"]) for kv in conf["ocpp16_change_configuration"])
    assert keys["ntske.legal.ports"] == "%d,%d" % (faulty["a"].ke_port, faulty["b"].ke_port)
    assert keys["ntp.legal.minServers"] == "2" and keys["ntp.legal.mode"] == "NTSv4"


def test_healthy_set_with_samples_is_ok_and_input_round_trips(pki, faulty, tmp_path):
    good, _ = pki
    a, b = faulty["a"], faulty["b"]
    rc, out, err = run(["--ca", good.root_pem_path, "--server", addr(a.ke_port), "--server",
                        addr(b.ke_port), "--samples", "3", "--interval", "0.1",
                        "--min-servers", "2"])
    assert rc == 0, out + err
    assert "verdict: OK" in out and "2.x SetVariablesRequest" in out
    rc, rep = run_json(["--ca", good.root_pem_path, "--server", addr(a.ke_port),
                        "--samples", "3", "--interval", "0.1"])
    s = checks(rep["servers"][0])["samples"]["value"]
    assert s["n"] == 3 and s["offset_min_ms"] <= s["offset_median_ms"] <= s["offset_max_ms"]
    # The printed 2.x payload, fed back as input, names the same set; so does 1.6.
    rc, rep2 = run_json(["--ca", good.root_pem_path, "--server", addr(a.ke_port),
                         "--server", addr(b.ke_port), "--min-servers", "2"])
    sv = tmp_path / "setvariables.json"
    sv.write_text(json.dumps(rep2["ocpp"]["ocpp201_set_variables"]))
    rc, rep3 = run_json(["--ca", good.root_pem_path, "--ocpp201", str(sv)])
    assert rc == 0 and rep3["min_servers"] == 2
    assert [(s["host"], s["port"]) for s in rep3["servers"]] == [
        ("127.0.0.1", a.ke_port), ("127.0.0.1", b.ke_port)]
    assert [s["instance"] for s in rep3["servers"]] == ["ntp1", "ntp2"]
    keys = tmp_path / "keys16.txt"
    keys.write_text("# from GetConfiguration\n" + "\n".join(
        '%s="%s"' % (kv["key"], kv["value"]) for kv in rep2["ocpp"]["ocpp16_change_configuration"]))
    rc, rep4 = run_json(["--ca", good.root_pem_path, "--ocpp16", str(keys)])
    assert rc == 0 and rep4["ocpp"] == rep2["ocpp"]


def test_warnings_expiring_soon_and_intermediate_anchor(tmp_path):
    soon = make_chain(str(tmp_path), kind="ecdsa", intermediates=1, prefix="soon",
                      now=__import__("time").time() - 84 * DAY)     # leaf: 5 days left
    srv = _srv(soon)
    try:
        rc, rep = run_json(["--ca", soon.inter_pem_path, "--server", addr(srv.ke_port)])
    finally:
        srv.stop()
    c = checks(rep["servers"][0])
    assert rc == 1 and rep["verdict"] == "warn", rep
    assert c["certificate[0]"]["verdict"] == "warn" and "5.0 days" in c["certificate[0]"]["message"]
    assert c["trust_anchor"]["verdict"] == "warn" and "rotates" in c["trust_anchor"]["message"]


def test_same_server_twice_counts_once(pki, faulty):
    good, _ = pki
    a = faulty["a"]
    rc, rep = run_json(["--ca", good.root_pem_path, "--server", addr(a.ke_port),
                        "--server", "localhost:%d" % a.ke_port, "--name", "localhost",
                        "--min-servers", "2"])
    assert rc == 2, rep
    assert checks(rep["servers"][1])["selection"]["value"] == "duplicate"
    assert dict((c["name"], c) for c in rep["set"])["agreement"]["verdict"] == "critical"


def test_tls12_only_server(pki):
    good, _ = pki
    srv = _srv(good, faults={"tls12": True})
    try:
        rc, rep = run_json(["--ca", good.root_pem_path, "--server", addr(srv.ke_port)])
    finally:
        srv.stop()
    c = checks(rep["servers"][0])
    assert rc == 2 and c["tls_version"]["value"] == "TLSv1.2"
    assert c["tls_version"]["verdict"] == "critical" and c["nts_ke"]["verdict"] == "critical"


def test_kiss_of_death_and_wrong_alpn(pki, faulty):
    """A RATE kiss warns, a DENY kiss is critical (each server is asked once, no plain
    NTP probe after a kiss); a KE port that selects no ALPN fails the alpn check."""
    good, _ = pki
    rate, deny = _srv(good, faults={"kod": b"RATE"}), _srv(good, faults={"kod": b"DENY"})
    no_alpn = _srv(good, faults={"alpn": "none"})
    try:
        args = ["--ca", good.root_pem_path, "--samples", "2", "--interval", "0.1"]
        for s in (faulty["a"], rate, deny, no_alpn):
            args += ["--server", addr(s.ke_port)]
        rc, rep = run_json(args)
    finally:
        for s in (rate, deny, no_alpn):
            s.stop()
    assert rc == 2, rep
    a, r, d, n = rep["servers"]
    assert a["verdict"] == "ok"
    c = checks(r)
    assert r["verdict"] == "warn" and c["kod"]["value"] == "RATE" and c["kod"]["verdict"] == "warn"
    assert "ntp_udp" not in c and "offset" not in c
    c = checks(d)
    assert d["verdict"] == "critical" and c["kod"]["value"] == "DENY"
    assert c["kod"]["verdict"] == "critical" and "refuses service" in c["kod"]["message"]
    c = checks(n)
    assert c["alpn"]["verdict"] == "critical" and c["alpn"]["value"] is None
    assert c["nts_ke"]["verdict"] == "critical" and "ALPN" in c["nts_ke"]["message"]
    sets = dict((c["name"], c) for c in rep["set"])
    assert sets["agreement"]["verdict"] == "ok" and sets["agreement"]["value"] == 1


@pytest.mark.parametrize("args", [
    [], ["--server", "127.0.0.1:0"], ["--server", "h", "--ocpp16", "x"],
    ["--server", "h", "--min-servers", "2"], ["--server", "h", "--samples", "0"],
    ["--ocpp16", "/nonexistent"], ["--server", "h", "--bogus"]])
def test_usage_errors_exit_3(pki, args):
    good, _ = pki
    rc, out, err = run(["--ca", good.root_pem_path] + args)
    assert rc == 3 and "ntscheck" in err, (out, err)


def test_runs_under_micropython_for_what_the_port_can_do(pki, faulty, tmp_path):
    """`micropython tools/ntscheck.py`: DNS by getaddrinfo, TCP connect, NTS-KE with
    mpnts's TLS 1.3 and trust rules, the chain, NTS and plain NTP, verdicts and the OCPP
    payloads, as under CPython; the TLS version/ALPN probe is skipped with a note."""
    if not os.path.exists(MICROPYTHON):
        pytest.skip("no MicroPython unix port in the venv")
    good, _ = pki
    a, b = faulty["a"], faulty["b"]
    args = ["--ca", good.root_pem_path, "--server", addr(a.ke_port), "--server",
            addr(b.ke_port), "--server", addr(free_port()), "--min-servers", "2"]
    rc, rep = run_json(args, interpreter=MICROPYTHON)
    assert rc == 2, rep
    by = [checks(s) for s in rep["servers"]]
    for c in by[:2]:
        assert c["nts_ke"]["verdict"] == "ok" and c["cookies"]["value"] == 8
        assert c["tls"]["verdict"] == "ok" and "skipped under MicroPython" in c["tls"]["message"]
        assert c["dns"]["value"] == ["A 127.0.0.1"] and c["offset"]["verdict"] == "ok"
        u = c["ntp_udp"]["value"]
        assert u["request_bytes"] > 48 and u["reply_bytes"] > 48     # NTS, not plain NTP
    assert by[2]["tcp_connect"]["verdict"] == "critical" and "refused" in by[2]["tcp_connect"]["message"]
    sets = dict((c["name"], c) for c in rep["set"])
    assert sets["agreement"]["verdict"] == "ok" and sets["agreement"]["value"] == 2
    # The same OCPP configuration as CPython prints, and the 1.6 keys read back there.
    rc_c, rep_c = run_json(args)
    assert rc_c == 2 and rep["ocpp"] == rep_c["ocpp"]
    keys = tmp_path / "keys16.txt"
    keys.write_text("\n".join('%s="%s"' % (kv["key"], kv["value"])
                              for kv in rep["ocpp"]["ocpp16_change_configuration"]))
    rc, rep16 = run_json(["--ca", good.root_pem_path, "--ocpp16", str(keys)],
                         interpreter=MICROPYTHON)
    assert rc == 0 and rep16["ocpp"] == rep["ocpp"], rep16
    rc, out, err = run(args, interpreter=MICROPYTHON)
    assert rc == 2 and "note: TLS probe skipped under MicroPython" in out, out + err
    rc, out, err = run(["--ca", good.root_pem_path, "--bogus"], interpreter=MICROPYTHON)
    assert rc == 3 and "ntscheck" in err


# --- pure parts ---------------------------------------------------------------------------

def test_thresholds():
    lim = V.LIMITS
    assert V._level(299.9, lim["offset_warn_ms"], lim["offset_critical_ms"]) == V.OK
    assert V._level(300, lim["offset_warn_ms"], lim["offset_critical_ms"]) == V.WARN
    assert V._level(1000, lim["offset_warn_ms"], lim["offset_critical_ms"]) == V.CRITICAL
    assert V.worst(["ok", "warn", "ok"]) == "warn" and V.worst([]) == "ok"


def test_agreement_counts_only_the_expected_stratum():
    """MinServers must agree at stratum <= --max-stratum: a stratum-2 truechimer warns
    on its own and does not make up the number (PTB: --max-stratum 1)."""
    def fact(i, stratum, offset):
        q = {"sample": object(), "facts": {"stratum": stratum}, "address": ("192.0.2.%d" % i, 123)}
        return {"host": "s%d.example" % i, "port": 4460, "queries": [q],
                "candidate": (offset, 0.01)}
    ms = [fact(1, 1, 0.001), fact(2, 1, 0.002), fact(3, 2, 0.0015)]
    lim = dict(V.LIMITS, max_stratum=1)
    out, per = V.set_checks(ms, 3, lim)
    agree = dict((c["name"], c) for c in out)["agreement"]
    assert agree["verdict"] == "critical" and agree["value"] == 2, agree
    assert "at stratum <= 1" in agree["message"] and "above it: s3.example:4460" in agree["message"]
    assert per[2]["value"] == "truechimer"      # the engine's selection itself is unchanged
    out, _ = V.set_checks(ms, 2, lim)
    agree = dict((c["name"], c) for c in out)["agreement"]
    assert agree["verdict"] == "ok" and agree["value"] == 2, agree
    out, _ = V.set_checks(ms, 3, V.LIMITS)      # default 15: all three count
    assert dict((c["name"], c) for c in out)["agreement"]["value"] == 3


def test_ocpp16_list_rules(tmp_path):
    """The key file is read by the charger's own 1.6 handler code (nts.ocpp.v16): the
    paper's list rules, its string conversion and nts.config's validation."""
    def targets16(keys):
        return ntscheck_ocpp.servers_from_keys16(keys, "legal")
    four = {"ntp.legal.servers": "a.example,b.example,c.example,d.example"}
    t, ms, ca = targets16(dict(four, **{"ntske.legal.ports": "4461,,4463"}))
    assert [x["port"] for x in t] == [4461, 4461, 4463, 4463] and ms == 1 and ca is None
    for bad in ({"ntske.legal.ports": "1,2,3,4,5"}, {"ntske.legal.ports": "70000"},
                {"ntp.legal.minServers": "5"}, {"ntp.legal.mode": "NTPv4"},
                {"ntp.enabled": "false"}):
        with pytest.raises(ConfigError):
            targets16(dict(four, **bad))
    with pytest.raises(ConfigError):
        targets16({"ntske.legal.ports": "4460"})            # no servers
    # Not NTS keys (a charger's whole GetConfiguration) are left to its stack; the fixed
    # ntp.enabled=true that ntscheck itself prints reads back.
    t, _, _ = targets16(dict(four, HeartbeatInterval="60", **{"ntp.enabled": "true"}))
    assert len(t) == 4
    f = tmp_path / "conf.json"
    f.write_text(json.dumps({"configurationKey": [
        {"key": "ntp.legal.servers", "value": "ptbtime1.ptb.de, ptbtime2.ptb.de, ptbtime3.ptb.de"},
        {"key": "ntske.legal.ports", "value": "4460"},
        {"key": "ntp.legal.minServers", "value": "2"},
        {"key": "ntp.legal.rootCAs", "value": "legalTimeCA"}]}))
    targets, ms, ca = ntscheck_ocpp.servers_from_keys16(ntscheck_ocpp.read_keys16(str(f)), "legal")
    assert [t["host"] for t in targets] == ["ptbtime1.ptb.de", "ptbtime2.ptb.de", "ptbtime3.ptb.de"]
    assert [t["port"] for t in targets] == [4460] * 3 and ms == 2 and ca == "legalTimeCA"


def test_ocpp201_input_through_the_settings_table(tmp_path):
    def sv(*items):
        f = tmp_path / "sv.json"
        f.write_text(json.dumps({"setVariableData": [
            {"component": dict({"name": c}, **({"instance": i} if i else {})),
             "variable": {"name": v}, "attributeValue": val} for c, i, v, val in items]}))
        return ntscheck_ocpp.servers_from_setvariables(str(f), "legal")
    S, G = "NTPClientController", "NTPClientGroupController"
    # Order does not matter (a server's ServerURL may come last); other components are
    # the charger's; Clients default to every server.
    t, ms, ca = sv((S, "x", "NTSKEServerPort", "4470"), (S, "x", "ServerURL", "x.example"),
                   (S, "y", "ServerURL", "y.example"), (S, "y", "NTSKEServerURL", "ke.y.example"),
                   ("OCPPCommCtrlr", None, "HeartbeatInterval", "60"), (G, "legal", "MinServers", "2"))
    assert [(x["instance"], x["host"], x["port"]) for x in t] == [
        ("x", "x.example", 4470), ("y", "ke.y.example", 4460)] and ms == 2
    for bad in [((S, "x", "ServerURL", "x.example"), (S, "x", "Colour", "red")),
                ((S, "x", "ServerURL", "x.example"), (S, "x", "ServerPort", "0")),
                ((S, "x", "ServerURL", "x.example"), (G, "legal", "MinServers", "2")),
                ((S, "x", "ServerURL", "x.example"), (S, "x", "SignedResponses", "maybe"))]:
        with pytest.raises(ConfigError):
            sv(*bad)


def test_payloads_validate_against_official_schemas():
    pytest.importorskip("ocpp")
    import asyncio
    from ocpp.messages import Call, validate_payload

    def validate(action, payload, version):
        r = validate_payload(Call("1", action, payload), version)
        if asyncio.iscoroutine(r):      # async in newer releases of the package
            asyncio.run(r)
    targets = [{"host": "ptbtime%d.ptb.de" % i, "port": 4460} for i in (1, 2, 3, 4)]
    for kv in ntscheck_ocpp.change_configuration(targets, 2, "legalTimeCA", "legal"):
        validate("ChangeConfiguration", kv, "1.6")
    validate("SetVariables", ntscheck_ocpp.set_variables(targets, 2, "legalTimeCA", "legal"),
             "2.0.1")
    with pytest.raises(Exception, match="'value' is a required"):   # schemas really apply
        validate("ChangeConfiguration", {"key": "ntp.enabled"}, "1.6")


# --- chrony and NTPsec: the closing note's mixed set -----------------------------------------

def test_mixed_set_chrony_ntpsec_expired_liar_blocked(pki, faulty, tmp_path):
    """One healthy chrony, one NTPsec, an expired certificate, a liar and a server whose
    NTP port is blocked. The table goes to build/ntscheck-mixed.txt for the notes."""
    from host_tests.reference.chrony import Chrony, find_chronyd
    from host_tests.reference.ntpsec import NTPsec, PortsBusy, find_ntpd
    good, _ = pki
    if not find_chronyd() or not find_ntpd():
        if IN_CI:
            pytest.fail("chronyd or NTPsec missing but CI=true")
        pytest.skip("chronyd or NTPsec not installed")
    try:
        with Chrony(str(tmp_path), good.chain_pem_path, good.leaf_key_pem_path,
                    lifetime=90) as ch, \
                NTPsec(str(tmp_path), good.chain_pem_path, good.leaf_key_pem_path,
                       lifetime=90) as nt:
            servers = [ch.ke_port, nt.ke_port, faulty["expired"].ke_port,
                       faulty["liar"].ke_port, faulty["blocked"].ke_port]
            args = ["--ca", good.root_pem_path, "--min-servers", "2", "--samples", "2",
                    "--interval", "0.5"]
            for p in servers:
                args += ["--server", addr(p)]
            rc, table, err = run(args)
            rc_json, rep = run_json(args)
    except PortsBusy:
        pytest.skip("NTPsec needs 127.0.0.1:4460 and :123")
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "ntscheck-mixed.txt"), "w") as f:
        f.write("$ python tools/ntscheck.py %s\n%s" % (" ".join(args), table))
    assert rc == 2 and rc_json == 2, table + err
    v = [s["verdict"] for s in rep["servers"]]
    assert v[0] == "ok" and v[1] == "ok" and v[2:] == ["critical"] * 3, rep
    c = checks(rep["servers"][0])
    assert c["stratum"]["value"] == 10 and c["cookies"]["value"] == 8
    c = checks(rep["servers"][1])
    assert c["aead"]["value"].startswith("AES-SIV-CMAC-256") and c["ntp_server"]["value"].endswith(":123")
    assert dict((c["name"], c) for c in rep["set"])["agreement"]["value"] == 2
