"""The command line as operators script it (issue 9 item 7), in subprocesses under both
interpreters against loopback reference servers: --help for every command, the exit
statuses (0 agreed, 1 too few, 2 usage, 3 network / key exchange, 130 interrupted), one
JSON error shape, `ke`'s certificate facts, the sync table's NTP address and state-save
error, and the state file's mode (0600)."""
import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from host_tests.certs import make_chain
from host_tests.reference.daemon import free_port
from host_tests.reference.server import ReferenceServer
from rtc.civil import iso_utc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
INTERPRETERS = ("python", "micropython")


def _cmd(interp, args):
    if interp == "python":
        return [sys.executable, "-m", "nts"] + list(args)
    return [MICROPYTHON, "-m", "nts"] + list(args)


def run(interp, args, timeout=60):
    """(exit status, stdout) of `nts ARGS`."""
    p = subprocess.run(_cmd(interp, args), cwd=FIRMWARE, capture_output=True, text=True,
                       timeout=timeout, env=dict(os.environ, PYTHONPATH=FIRMWARE))
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, p.stdout


def run_json(interp, args, timeout=60):
    rc, out = run(interp, list(args) + ["--json"], timeout)
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return rc, json.loads(lines[0])


def _error_shape(obj):
    assert set(obj["error"]) == {"type", "message"}, obj
    return obj["error"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return make_chain(str(tmp_path_factory.mktemp("cli")), kind="ecdsa", intermediates=1)


@pytest.fixture(scope="module")
def pair(chain):
    srvs = [ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=240,
                            faults=f).start() for f in (None, {"lie": 3600})]
    yield srvs
    for s in srvs:
        s.stop()


def _addr(port):
    return "127.0.0.1:%d" % port


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_help_for_every_command(interp):
    for args, head in ((["--help"], "usage: nts {ke,sync,station}"),
                       (["ke", "--help"], "usage: nts ke"),
                       (["sync", "--help"], "usage: nts sync"), (["sync", "-h"], "usage: nts sync"),
                       (["station", "--help"], "usage: nts station"),
                       (["station", "--id", "cp1", "-h"], "usage: nts station")):
        rc, out = run(interp, args)
        assert rc == 0 and out.startswith(head) and "exit status: 0" in out, (args, out)
    rc, out = run(interp, ["station", "--id", "cp1"])
    assert rc == 2 and out.startswith("error: ConfigError: --csms"), out
    for args in ([], ["frobnicate"]):
        rc, out = run(interp, args)
        assert rc == 2 and "usage: nts" in out, (args, out)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_usage_errors_exit_2_with_one_error_shape(interp, chain):
    ca = chain.root_pem_path
    for args in (["ke", "--server", "h", "--ca", ca, "--timeout", "0"],
                 ["ke", "--server", "h", "--ca", ca, "--timeout", "soon"],
                 ["ke", "--server", "h", "--ca", ca, "--timeout", "1000"],
                 ["ke", "--server", "h"],
                 ["ke", "--server", "h", "--ca", "/nonexistent/root.pem"],
                 ["sync", "--ca", ca],
                 ["sync", "--server", "h", "--ca", ca, "--timeout", "-1"],
                 ["sync", "--server", "h", "--ca", ca, "--min-servers", "2"],
                 ["sync", "--server", "h:0", "--ca", ca]):
        rc, obj = run_json(interp, args)
        assert rc == 2 and obj["ok"] is False, (args, obj)
        assert _error_shape(obj)["type"] == "ConfigError", (args, obj)
    rc, out = run(interp, ["ke", "--server", "h", "--ca", ca, "--timeout", "0"])
    assert rc == 2 and out.startswith("error: ConfigError: --timeout") and "seconds" in out


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_station_usage_errors_exit_2_at_once(interp, tmp_path):
    """A CSMS URL or CA that cannot work is a usage error, not a CSMS to retry forever."""
    state = str(tmp_path / "never")
    for args, field in ((["--id", "A"], "--csms"), (["--csms", "ws://h/o"], "--id"),
                        (["--csms", "ws://h/o", "--id", "a/b"], "--id"),
                        # OCPP identifierString, 1..48: a space would break the
                        # request line, '?' '#' '%' change the URL; non-ASCII.
                        (["--csms", "ws://h/o", "--id", ""], "--id"),
                        (["--csms", "ws://h/o", "--id", "A" * 49], "--id"),
                        (["--csms", "ws://h/o", "--id", "CP 1"], "--id"),
                        (["--csms", "ws://h/o", "--id", "CP?1"], "--id"),
                        (["--csms", "ws://h/o", "--id", "CP#1"], "--id"),
                        (["--csms", "ws://h/o", "--id", "CP%201"], "--id"),
                        (["--csms", "ws://h/o", "--id", "CP\u00e91"], "--id"),
                        (["--csms", "ws://h/o", "--id", "CP 1", "--ocpp", "2.0.1"], "--id"),
                        (["--csms", "ws://h/o", "--id", "A", "--clock-offset", "soon"],
                         "--clock-offset"),
                        (["--csms", "ws://h/o", "--id", "A", "--ocpp", "2.0"], "--ocpp"),
                        (["--csms", "http://h/o", "--id", "A"], "--csms"),
                        (["--csms", "ws://h:0/o", "--id", "A"], "--csms"),
                        (["--csms", "wss://h/o", "--id", "A"], "--ca"),
                        (["--csms", "wss://h/o", "--id", "A", "--ca", "/nonexistent/ca.pem"],
                         "--ca"),
                        (["--csms", "ws://h/o", "--id", "A", "--bogus"], "--bogus")):
        rc, obj = run_json(interp, ["station", "--state", state] + args, timeout=20)
        assert rc == 2 and obj["ok"] is False, (args, obj)
        err = _error_shape(obj)
        assert err["type"] == "ConfigError" and err["message"].startswith(field), (args, err)
    assert not os.path.exists(state)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_ke_shows_the_certificate(interp, pair, chain):
    rc, obj = run_json(interp, ["ke", "--server", _addr(pair[0].ke_port), "--ca",
                                chain.root_pem_path, "--name", "localhost"])
    assert rc == 0 and obj["ok"], obj
    assert obj["subject"] == "localhost" and obj["issuer"] == "mpnts test intermediate 0"
    assert obj["expires"] == iso_utc(chain.not_after) and obj["expires"].endswith("Z")
    assert obj["ntp"] == "localhost:%d" % obj["ntp_port"] or obj["ntp"].startswith("127.0.0.1:")
    rc, out = run(interp, ["ke", "--server", _addr(pair[0].ke_port), "--ca",
                           chain.root_pem_path, "--name", "localhost"])
    assert rc == 0 and "subject: localhost" in out and "expires: 20" in out, out


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_ke_refusals_exit_3_in_the_operators_terms(interp, pair, tmp_path):
    stranger = make_chain(str(tmp_path), kind="ecdsa", seed="stranger", prefix="stranger")
    rc, obj = run_json(interp, ["ke", "--server", _addr(pair[0].ke_port), "--ca",
                                stranger.root_pem_path, "--name", "localhost"])
    err = _error_shape(obj)
    assert rc == 3 and err["type"] == "CertError", obj
    # The issuer the server presented, not just "untrusted".
    assert "(issued by 'mpnts test root ecdsa')" in err["message"], err
    rc, obj = run_json(interp, ["ke", "--server", _addr(free_port()), "--ca",
                                stranger.root_pem_path, "--timeout", "2"])
    assert rc == 3 and _error_shape(obj)["type"] == "NetError", obj


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_ke_expired_dates_in_iso_8601(interp, tmp_path):
    old = make_chain(str(tmp_path), kind="ecdsa", expired=True, prefix="old")
    srv = ReferenceServer(old.chain_pem_path, old.leaf_key_pem_path, lifetime=60).start()
    try:
        rc, obj = run_json(interp, ["ke", "--server", _addr(srv.ke_port), "--ca",
                                    old.root_pem_path, "--name", "localhost"])
    finally:
        srv.stop()
    err = _error_shape(obj)
    assert rc == 3 and "expired at %s" % iso_utc(old.not_after) in err["message"], err


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_sync_exit_statuses_and_table(interp, pair, chain, tmp_path):
    good, liar = pair
    ca = chain.root_pem_path
    base = ["sync", "--ca", ca, "--name", "localhost"]
    rc, obj = run_json(interp, base + ["--server", _addr(good.ke_port)])
    assert rc == 0 and obj["ok"] and "error" not in obj, obj
    assert obj["servers"][0]["ntp"] == "127.0.0.1:%d" % good.ntp_port, obj
    rc, obj = run_json(interp, base + ["--server", _addr(good.ke_port), "--server",
                                       _addr(liar.ke_port), "--min-servers", "2"])
    assert rc == 1 and _error_shape(obj)["type"] == "TooFewSources", obj
    dead = free_port()
    rc, obj = run_json(interp, base + ["--server", _addr(dead), "--timeout", "2"])
    assert rc == 3 and _error_shape(obj)["type"] == "NoServerReached", obj
    row = obj["servers"][0]
    assert set(row["error"]) == {"type", "message"} and row["error"]["type"] == "NetError"
    # The table: the NTP address used, and a state file that could not be written.
    bad_state = str(tmp_path / "no-such-dir" / "nts.state")
    rc, out = run(interp, base + ["--server", _addr(good.ke_port), "--state", bad_state])
    assert rc == 0 and "127.0.0.1:%d" % good.ntp_port in out, out
    assert "state file: save failed" in out, out
    rc, obj = run_json(interp, base + ["--server", _addr(good.ke_port), "--state", bad_state])
    assert obj["state_error"].startswith("save failed"), obj
    # The same server twice: the configuration warns, and it counts once.
    rc, obj = run_json(interp, base + ["--server", _addr(good.ke_port), "--server",
                                       _addr(good.ke_port), "--min-servers", "2"])
    assert rc == 1 and "count once" in obj["warnings"][0], obj
    assert "counted once" in obj["servers"][1]["verdict"], obj


def test_state_file_created_0600(pair, chain, tmp_path):
    # CPython (MicroPython's unix port has no os.chmod; test_cli covers the code path).
    state = tmp_path / "nts.state"
    old = os.umask(0o022)
    try:
        rc, obj = run_json("python", ["sync", "--ca", chain.root_pem_path, "--name", "localhost",
                                      "--server", _addr(pair[0].ke_port), "--state", str(state)])
    finally:
        os.umask(old)
    assert rc == 0, obj
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_ke_interrupted_exits_130(interp, chain):
    srv = ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path, lifetime=60).start()
    srv.next_ke(stall_after_server_hello=True)
    try:
        p = subprocess.Popen(_cmd(interp, ["ke", "--server", _addr(srv.ke_port), "--ca",
                                           chain.root_pem_path, "--name", "localhost",
                                           "--timeout", "30", "--json"]),
                             cwd=FIRMWARE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=dict(os.environ, PYTHONPATH=FIRMWARE))
        deadline = time.monotonic() + 20
        while not any(kind == "ke" for kind, _ in srv.events) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        srv.stop()
    assert p.returncode == 130, (out, err)
    assert json.loads(out.strip().splitlines()[-1])["interrupted"] is True, out
