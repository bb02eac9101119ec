"""End to end: the sync engine and `nts sync` on real interpreters against loopback NTS
servers (reference server, chrony, NTPsec). The client runs in `micropython` (and the
main cases also in CPython) subprocesses; it never sets the host clock.

Real-server tests skip when the daemon is missing locally but fail when CI=true.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from host_tests.certs import make_chain
from host_tests.reference.daemon import free_port
from host_tests.reference.server import ReferenceServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
ENGINE_SCRIPT = os.path.join(ROOT, "host_tests", "cpython", "e2e_engine_run.py")
IN_CI = os.environ.get("CI") == "true"
# Smallest heap a whole 3-server sync needed on the unix port (plain twins; measured by
# tools/benches/host_sync.py: 305-355 KB, of which ~220 KB is the imported code: on the
# unix port bytecode lives in the heap, frozen on a board it stays in flash), plus margin.
SYNC_HEAP = 400000
SEC = 1.0


def missing(what):
    if IN_CI:
        pytest.fail("%s missing but CI=true: the CI image must provide it" % what)
    pytest.skip("%s not installed" % what)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    # One leaf per server: servers sharing a certificate count once (nts.sources).
    return make_chain(str(tmp_path_factory.mktemp("e2e")), kind="ecdsa", intermediates=1,
                      leaves=4)


def _server(chain, leaf=0, **kw):
    cert, key = chain.leaves[leaf]
    return ReferenceServer(cert, key, lifetime=240, **kw).start()


@pytest.fixture(scope="module")
def trio(chain):
    """Two honest reference servers and one lying by an hour."""
    srvs = [_server(chain, 0), _server(chain, 1), _server(chain, 2, faults={"lie": 3600})]
    yield srvs
    for s in srvs:
        s.stop()


@pytest.fixture
def fresh(chain):
    """A reference server of its own (its KE count belongs to one test); AEAD 15 only, so
    a NAK cannot be answered by chrony's alternate GCM-SIV keys."""
    s = _server(chain, aeads=(15,))
    yield s
    s.stop()


def addr(port):
    return "127.0.0.1:%d" % port


def ke_count(srv):
    return sum(1 for kind, _ in srv.events if kind == "ke")


def sync(servers, chain, interp="micropython", min_servers=1, state=None, heap=None,
         env=None, timeout=120, extra=()):
    """`nts sync --json` in a subprocess -> (exit status, JSON object)."""
    args = ["sync", "--ca", chain.root_pem_path, "--name", "localhost",
            "--min-servers", str(min_servers), "--json"] + list(extra)
    for s in servers:
        args += ["--server", s]
    if state:
        args += ["--state", str(state)]
    if interp == "python":
        cmd = [sys.executable, "-m", "nts"] + args
    else:
        cmd = [MICROPYTHON] + (["-X", "heapsize=%d" % heap] if heap else []) + ["-m", "nts"] + args
    e = dict(os.environ, PYTHONPATH=FIRMWARE)
    e.update(env or {})
    p = subprocess.run(cmd, cwd=FIRMWARE, env=e, capture_output=True, text=True,
                       timeout=timeout)
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 1, (p.stdout, p.stderr)
    return p.returncode, json.loads(lines[0])


def by_port(out):
    return dict((r["port"], r) for r in out["servers"])


# --- reference server ----------------------------------------------------------------------

@pytest.mark.parametrize("interp", ["micropython", "python"])
def test_falseticker_outvoted_and_dead_server_skipped(trio, chain, interp):
    dead = free_port()
    a, b, liar = trio
    rc, out = sync([addr(a.ke_port), addr(b.ke_port), addr(liar.ke_port), addr(dead)], chain,
                   interp, min_servers=2)
    assert rc == 0 and out["ok"], out
    rows = by_port(out)
    assert sorted(out["truechimers"]) == sorted([addr(a.ke_port), addr(b.ke_port)])
    assert abs(out["offset_s"]) < 0.1
    for s in (a, b):
        r = rows[s.ke_port]
        assert r["authenticated"] and r["verdict"] == "truechimer" and r["error"] is None
        assert r["host"] == "127.0.0.1" and r["stratum"] >= 1 and r["cookies"] == 8
        assert r["aead"] in (15, 30) and 0 <= r["delay_s"] < 1
    r = rows[liar.ke_port]
    assert r["authenticated"] and r["verdict"].startswith("falseticker")
    assert abs(r["offset_s"] - 3600) < 1
    r = rows[dead]
    assert not r["authenticated"] and r["offset_s"] is None and r["error"]["type"] == "NetError"
    assert r["ntp"] is None and rows[a.ke_port]["ntp"] == "127.0.0.1:%d" % a.ntp_port


def test_too_few_agreeing_sources_fail(trio, chain):
    a, _, liar = trio
    rc, out = sync([addr(a.ke_port), addr(liar.ke_port)], chain, min_servers=2)
    assert rc == 1 and not out["ok"] and out["offset_s"] is None, out
    assert out["truechimers"] == [] and out["error"]["type"] == "TooFewSources", out


def test_host_and_port_as_given(trio, chain):
    a = trio[0]
    rc, out = sync(["localhost:%d" % a.ke_port], chain)
    assert rc == 0, out
    assert out["servers"][0]["host"] == "localhost" and out["servers"][0]["port"] == a.ke_port


def test_restart_with_persisted_cookies_needs_no_key_exchange(fresh, chain, tmp_path):
    state = tmp_path / "nts.state"
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    assert rc == 0 and out["servers"][0]["key_exchanges"] == 1, out
    assert ke_count(fresh) == 1
    for _ in range(2):
        rc, out = sync([addr(fresh.ke_port)], chain, state=state)
        assert rc == 0 and out["servers"][0]["authenticated"], out
        assert out["servers"][0]["key_exchanges"] == 0
    assert ke_count(fresh) == 1         # the server saw no further key exchange


def test_nak_leads_to_new_key_exchange(fresh, chain, tmp_path):
    state = tmp_path / "nts.state"
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    assert rc == 0 and ke_count(fresh) == 1
    fresh.next_ntp(nak=True)
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    r = out["servers"][0]
    assert rc == 3 and not r["authenticated"] and "NAK" in r["error"]["message"], out
    assert r["key_exchanges"] == 0
    # The NAKed session is not persisted: the next start re-keys and syncs.
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    assert rc == 0 and out["servers"][0]["key_exchanges"] == 1, out
    assert ke_count(fresh) == 2


def test_cookies_run_out_then_new_key_exchange(fresh, chain, tmp_path):
    state = tmp_path / "nts.state"
    fresh.set_faults(no_cookies=True)   # authenticated replies, but no new cookies
    left = []
    for _ in range(8):
        rc, out = sync([addr(fresh.ke_port)], chain, state=state)
        assert rc == 0, out
        left.append(out["servers"][0]["cookies"])
    assert left == [7, 6, 5, 4, 3, 2, 1, 0]
    assert ke_count(fresh) == 1
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    assert rc == 0 and out["servers"][0]["key_exchanges"] == 1, out
    assert ke_count(fresh) == 2


@pytest.mark.parametrize("code", [b"RATE", b"DENY"])
def test_kiss_of_death_honoured(fresh, chain, tmp_path, code):
    state = tmp_path / "nts.state"
    assert sync([addr(fresh.ke_port)], chain, state=state)[0] == 0
    fresh.next_ntp(kod=code)
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    r = out["servers"][0]
    assert rc == 3 and not r["authenticated"], out
    assert ("KoD " + code.decode()) in r["error"]["message"], out
    rc, out = sync([addr(fresh.ke_port)], chain, state=state)
    # RATE: the session stays (cookies kept, no key exchange); DENY: the session is
    # dropped, so a new process has to re-key (the engine itself waits until re-key time).
    assert rc == 0 and out["servers"][0]["key_exchanges"] == (1 if code == b"DENY" else 0)


def test_whole_sync_in_a_small_heap_plain_twins(trio, chain):
    a, b, liar = trio
    rc, out = sync([addr(a.ke_port), addr(b.ke_port), addr(liar.ke_port)], chain,
                   min_servers=2, heap=SYNC_HEAP, env={"NTS_VIPER": "0"})
    assert rc == 0 and out["ok"] and len(out["truechimers"]) == 2, out


# --- the engine over several rounds: the clock gets the right time, a liar never moves it ---

def run_engine(servers, chain, rounds, offset_s, nocertcheck, min_servers=2):
    arg = json.dumps({"servers": servers, "ca": chain.root_pem_path, "min": min_servers,
                      "rounds": rounds, "clock_offset_s": offset_s, "nocertcheck": nocertcheck})
    p = subprocess.run([MICROPYTHON, ENGINE_SCRIPT, arg], cwd=FIRMWARE, capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, PYTHONPATH=FIRMWARE))
    assert p.returncode == 0, p.stdout + p.stderr
    lines = [json.loads(x) for x in p.stdout.strip().splitlines()]
    return lines[:-1], lines[-1]


def test_engine_sets_untrusted_clock_and_liar_never_moves_it(trio, chain):
    a, b, liar = trio
    ten_years = -10 * 365 * 86400.0
    rounds, status = run_engine([addr(a.ke_port), addr(b.ke_port), addr(liar.ke_port)], chain,
                                3, ten_years, nocertcheck=True)
    first = rounds[0]
    assert first["ok"] and sorted(first["truechimers"]) == ["s1", "s2"], first
    assert first["rejected"]["s3"].startswith("falseticker")
    assert first["trusted"] and abs(first["clock_error_s"]) < 0.05
    assert "ClockAdjusted" in first["events"] and "SettingSystemTime" in first["events"]
    for r in rounds[1:]:
        assert r["ok"] and abs(r["clock_error_s"]) < 0.05, r
        assert r["ke"] == [1, 1, 1]     # cookies reused, no further key exchange
    servers = status["status"]["servers"]
    assert [s["cookies"] for s in servers] == [8, 8, 8]
    assert "s3" in status["rendered"] and "trusted" in status["rendered"]
    # Never key or cookie bytes: status holds counts and figures only.
    for s in servers:
        assert set(s) >= {"name", "cookies", "aead", "offset"}
        assert not any(isinstance(v, (bytes, bytearray)) for v in s.values())


def test_cold_boot_at_2000_with_default_settings_syncs(trio, chain):
    """Issue 9: no NoCertTimeCheckAfterReboot, an RTC at 2000-01-01: the certificate dates
    are not compared with it (only with the build-time floor), two agreeing servers set it."""
    a, b, _ = trio
    rounds, status = run_engine([addr(a.ke_port), addr(b.ke_port)], chain, 2,
                                946684800 - time.time(), nocertcheck=False)
    r = rounds[0]
    assert r["ok"] and r["trusted"] and abs(r["clock_error_s"]) < 0.05, r
    assert "ClockAdjusted" in r["events"] and "CertificateRejected" not in r["events"], r
    assert rounds[1]["ok"] and rounds[1]["ke"] == [1, 1], rounds[1]


def test_cold_boot_refuses_a_certificate_expired_before_the_build_time(tmp_path):
    """The floor: a leaf that expired a month before the firmware was built is refused
    even though the clock (2000-01-01) cannot tell."""
    from nts.buildtime import BUILD_TIME
    old = make_chain(str(tmp_path), kind="ecdsa", now=BUILD_TIME - 30 * 86400, expired=True)
    srv = _server(old)
    try:
        rounds, _ = run_engine([addr(srv.ke_port)], old, 1, 946684800 - time.time(),
                               nocertcheck=False, min_servers=1)
    finally:
        srv.stop()
    r = rounds[0]
    assert not r["ok"] and not r["trusted"], r
    assert "before the time floor" in r["errors"][0] and "expired" in r["errors"][0], r


def test_demo_runs_and_explains():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo.py")], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert out.count("TRUSTED:") >= 2 and "OUTVOTED falseticker" in out, out
    assert "SKIPPED:" in out and "all servers stopped" in out, out
    assert "CSMS <- SecurityEventNotification SettingSystemTime" in out, out


# --- real daemons ------------------------------------------------------------------------------

def test_chrony(trio, chain, tmp_path):
    from host_tests.reference.chrony import Chrony, find_chronyd
    if not find_chronyd():
        missing("chronyd")
    with Chrony(str(tmp_path), *chain.leaves[3], lifetime=60) as ch:
        rc, out = sync([addr(ch.ke_port), addr(trio[0].ke_port)], chain, min_servers=2)
    assert rc == 0 and out["ok"] and len(out["truechimers"]) == 2, out
    r = by_port(out)[ch.ke_port]
    assert r["authenticated"] and r["cookies"] == 8 and abs(r["offset_s"]) < 0.1


def test_ntpsec(trio, chain, tmp_path):
    from host_tests.reference.ntpsec import NTPsec, PortsBusy, find_ntpd
    if not find_ntpd():
        missing("NTPsec (tools/fetch_ntpsec.sh)")
    try:
        with NTPsec(str(tmp_path), *chain.leaves[3], lifetime=60) as nt:
            rc, out = sync([addr(nt.ke_port), addr(trio[0].ke_port)], chain, min_servers=2)
    except PortsBusy:
        pytest.skip("port 4460 or 123 busy")
    assert rc == 0 and out["ok"] and len(out["truechimers"]) == 2, out
    r = by_port(out)[nt.ke_port]
    assert r["authenticated"] and abs(r["offset_s"]) < 0.1


# --- the heap an ESP32 without PSRAM leaves free ------------------------------------------

ESP32_FREE_HEAP = 100000


@pytest.mark.parametrize("kind", ["ecdsa", "le"])
def test_whole_cold_sync_in_esp32_free_heap_with_code_frozen(kind, tmp_path):
    """Three servers (one lying), key exchange with our TLS, selection: with every
    module already imported (as frozen code on a board, which stays in flash) and only
    100 KB of heap left free, plain twins only, firmware as .mpy like a bundle. `le` is
    the PTB shape: RSA-3072 leaf, RSA-2048 intermediate, RSA-4096 root."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import build_mpy
    from host_tests.heapcheck import PreloadedSync
    chain = make_chain(str(tmp_path), kind=kind, intermediates=1, leaves=3)
    srvs = [_server(chain, 0), _server(chain, 1), _server(chain, 2, faults={"lie": 3600})]
    try:
        mpy = str(tmp_path / "mpy")
        build_mpy.compile_all(mpy, arch="x64")
        args = ["--ca", chain.root_pem_path, "--name", "localhost", "--json",
                "--min-servers", "2"]
        for s in srvs:
            args += ["--server", addr(s.ke_port)]
        run = PreloadedSync(args, mpy, str(tmp_path))
        assert run.prepare()
        mods, code = run.run(ESP32_FREE_HEAP)
        assert code is not None, "a whole sync did not fit in %d B of free heap" % ESP32_FREE_HEAP
    finally:
        for s in srvs:
            s.stop()


PLAIN_LOCAL_SCRIPT = r"""
import asyncio, json, sys
sys.path.insert(0, ".")
from nts.config import Config
from nts.engine import Engine, Transport
from nts.tls.trust import TrustStore
from rtc.unix import UnixClock
legal, plain_port = json.loads(sys.argv[1])
servers = [{"Instance": "nts%d" % i, "ServerURL": "127.0.0.1", "NTSKEServerPort": p,
            "Preflight": 0} for i, p in enumerate(legal)]
servers.append({"Instance": "plain", "ServerURL": "127.0.0.1", "ServerPort": plain_port,
                "Mode": "NTPv4", "Preflight": 0})
cfg = Config.from_dict({"servers": servers, "groups": {
    "legal": {"Clients": [s["Instance"] for s in servers[:-1]], "MinServers": 1},
    "local": {"Clients": ["plain"], "MinServers": 1}}})
store = TrustStore()
store.load("default", sys.argv[2])
eng = Engine(cfg, UnixClock(trusted=True), Transport(store, "localhost"))
asyncio.run(eng.sync_once())
snap = eng.snapshot()
print(json.dumps({"groups": snap["groups"], "servers": snap["servers"]}))
"""


@pytest.mark.parametrize("interp", ["micropython", "python"])
def test_plain_ntpv4_local_group_beside_nts_legal_group(interp, trio, chain, tmp_path):
    """A plain NTPv4 server (chrony's NTP port, no NTS) serves the `local` group, which
    allows it, while the `legal` group uses NTS: no key exchange with the plain server."""
    from host_tests.reference.chrony import Chrony, find_chronyd
    if not find_chronyd():
        missing("chronyd")
    script = tmp_path / "plain.py"
    script.write_text(PLAIN_LOCAL_SCRIPT)
    exe = MICROPYTHON if interp == "micropython" else sys.executable
    with Chrony(str(tmp_path), chain.chain_pem_path, chain.leaf_key_pem_path,
                lifetime=60) as ch:
        p = subprocess.run([exe, str(script), json.dumps([[trio[0].ke_port], ch.ntp_port]),
                            chain.root_pem_path], cwd=FIRMWARE, capture_output=True, text=True,
                           timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["groups"]["legal"]["ok"] and out["groups"]["local"]["ok"], out
    plain = [s for s in out["servers"] if s["name"] == "plain"][0]
    assert plain["mode"] == "NTPv4" and plain["state"] == "ok" and plain["aead"] is None
    assert plain["last_ke"] is None and abs(plain["offset"]) < 0.1
