"""Signed responses end to end (issue 12): `nts sync --signed` on both interpreters against
reference servers with every fault of the extension, chrony and NTPsec (which ignore
16384, send no key and so get no 0xFF00, which NTPsec would drop: "unsigned"); the engine's evidence in a real metrological log,
re-verified offline by tools/ntslog.py --signatures and cross-checked with `cryptography`.
"""
import asyncio
import json
import os
import subprocess
import sys

import pytest

from host_tests.certs import make_chain
from host_tests.cpython.test_e2e_sync import addr, by_port, missing, sync
from host_tests.reference import signing
from host_tests.reference.server import ReferenceServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# fault -> the verdict `nts sync --signed` must give (the sample stays in every case).
VERDICTS = {
    None: "verified",
    "off": "unsigned",
    "announce_81": "unsigned",
    "never": "invalid: announced signed reply did not arrive within 1.0 s",
    "non_prefix": "invalid: second reply is not the first plus a signature",
    "bad_signature": "invalid: p256: ECDSA signature mismatch",
    "wrong_key_id": "invalid: key id 2, the key exchange gave 1",
    "late": "verified",
}


OTHER, DAEMON = len(VERDICTS), len(VERDICTS) + 1     # leaves beyond the fleet's


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    # One leaf per server: servers sharing a certificate count once (nts.sources).
    return make_chain(str(tmp_path_factory.mktemp("signed")), kind="ecdsa", intermediates=1,
                      leaves=len(VERDICTS) + 2)


def _server(chain, leaf, **faults):
    cert, key = chain.leaves[leaf]
    return ReferenceServer(cert, key, lifetime=240, faults=faults).start()


@pytest.fixture(scope="module")
def fleet(chain):
    srvs = dict((mode, _server(chain, i, signed=mode)) for i, mode in enumerate(VERDICTS))
    yield srvs
    for s in srvs.values():
        s.stop()


def _signed_sync(servers, chain, interp="micropython", min_servers=1, state=None):
    """`nts sync --signed --json` in a subprocess -> (exit status, JSON object)."""
    return sync(servers, chain, interp, min_servers, state, extra=["--signed"])


@pytest.mark.parametrize("interp", ["micropython", "python"])
def test_every_fault_keeps_the_sample_and_says_why(fleet, chain, interp):
    rc, out = _signed_sync([addr(s.ke_port) for s in fleet.values()], chain, interp,
                           min_servers=len(fleet))
    assert rc == 0 and out["ok"] and len(out["truechimers"]) == len(fleet), out
    rows = by_port(out)
    for mode, srv in fleet.items():
        r = rows[srv.ke_port]
        assert r["authenticated"] and r["error"] is None and abs(r["offset_s"]) < 0.1, r
        assert r["signature"] == VERDICTS[mode], (mode, r)
        # Timed from reply 1: neither a late reply 2 ("late", 0.5 s) nor the whole wait
        # for one that never comes ("never", 1 s) enters the delay or the offset.
        assert r["delay_s"] < 0.1, (mode, r)
    # What the servers saw: 16384 at key exchange, 0xFF00 in the request.
    for mode, srv in fleet.items():
        kes = [i for k, i in srv.events if k == "ke" and "signed" in i]
        ntps = [i for k, i in srv.events if k == "ntp" and i.get("result") == "ok"]
        assert kes and kes[-1]["signed"] and ntps and ntps[-1]["signed"] == (mode != "off")
    # "off" gave no key: its requests carry no 0xFF00 (NTPsec would drop them).
    assert not any(i.get("asked_signed") for k, i in fleet["off"].events if k == "ntp")


def test_without_signed_nothing_is_asked_nor_reported(fleet, chain):
    srv = fleet[None]
    rc, out = sync([addr(srv.ke_port)], chain)
    assert rc == 0 and "signature" not in out["servers"][0], out
    kes = [i for k, i in srv.events if k == "ke" and "signed" in i]
    assert not kes[-1]["signed"]


def test_persisted_key_verifies_without_key_exchange(chain, tmp_path):
    srv = _server(chain, OTHER)
    try:
        state = tmp_path / "state"
        rc, out = _signed_sync([addr(srv.ke_port)], chain, state=state)
        assert rc == 0 and out["servers"][0]["signature"] == "verified", out
        rc, out = _signed_sync([addr(srv.ke_port)], chain, state=state)
        r = out["servers"][0]
        assert rc == 0 and r["key_exchanges"] == 0 and r["signature"] == "verified", out
    finally:
        srv.stop()


def test_signed_exchange_adds_the_documented_bytes(chain):
    # The wire cost tools/benches/host_signed.py reports: 16384 (4 B) and 16385 (73 B) at
    # key exchange; 0xFF00 (16 B) in the request, authenticated data: the AEAD output
    # does not grow; 0xFF01 (16 B) in reply 1; reply 2 = reply 1 + an 0xFF02 field of
    # KeyId, SigLen and the DER signature padded to 4.
    from nts import ke
    srv = _server(chain, OTHER)
    try:
        rc, _ = sync([addr(srv.ke_port)], chain)
        rc2, _ = _signed_sync([addr(srv.ke_port)], chain)
    finally:
        srv.stop()
    assert rc == 0 and rc2 == 0
    plain, signed = [i for k, i in srv.events if k == "ntp" and i.get("result") == "ok"]
    assert not plain["signed"] and signed["signed"]
    assert signed["size"] - plain["size"] == 16
    assert signed["reply_size"] - plain["reply_size"] == 16
    sig_field = signed["second_size"] - signed["reply_size"]
    assert sig_field in (76, 80), sig_field     # 8 + DER (70-72 B; 76 when <= 68 B, rare)
    assert len(ke.build_request((15,), True)) - len(ke.build_request((15,))) == 4
    assert len(srv.signer.public_key_record()) == 4 + 4 + 65


def test_chrony_ignores_the_extension(fleet, chain, tmp_path):
    from host_tests.reference.chrony import Chrony, find_chronyd
    if not find_chronyd():
        missing("chronyd")
    with Chrony(str(tmp_path), *chain.leaves[DAEMON],
                lifetime=60) as ch:
        rc, out = _signed_sync([addr(ch.ke_port), addr(fleet[None].ke_port)], chain,
                               min_servers=2)
    assert rc == 0 and out["ok"] and len(out["truechimers"]) == 2, out
    r = by_port(out)[ch.ke_port]
    assert r["authenticated"] and r["cookies"] == 8 and r["signature"] == "unsigned", r
    assert by_port(out)[fleet[None].ke_port]["signature"] == "verified"


def test_ntpsec_ignores_the_extension(fleet, chain, tmp_path):
    from host_tests.reference.ntpsec import NTPsec, PortsBusy, find_ntpd
    if not find_ntpd():
        missing("NTPsec (tools/fetch_ntpsec.sh)")
    try:
        with NTPsec(str(tmp_path), *chain.leaves[DAEMON],
                    lifetime=60) as nt:
            rc, out = _signed_sync([addr(nt.ke_port), addr(fleet[None].ke_port)], chain,
                                   min_servers=2)
    except PortsBusy:
        pytest.skip("port 4460 or 123 busy")
    assert rc == 0 and out["ok"], out
    r = by_port(out)[nt.ke_port]
    assert r["authenticated"] and r["signature"] == "unsigned", r


# --- evidence in the metrological log, verified offline --------------------------------------

def _engine_round(servers, chain, tmp_path, offset_s=-100.0):
    """One engine round (CPython, in process) from an untrusted clock offset_s off, with
    the OCPP layer's event sink writing real hash-chained logs."""
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from nts.config import Config
    from nts.engine import DEFAULT_CA_GROUP, Engine, Transport
    from nts.ocpp.chainlog import ChainLog
    from nts.ocpp.events import EventSink
    from nts.tls import trust
    from rtc.unix import UnixClock
    cfgs = [{"Instance": "s%d" % (i + 1), "ServerURL": "127.0.0.1", "NTSKEServerPort": s.ke_port,
             "Preflight": 0, "SignedResponses": True, "NoCertTimeCheckAfterReboot": True}
            for i, s in enumerate(servers)]
    config = Config.from_dict({"servers": cfgs, "groups": {"legal": {"MinServers": 2}}})
    store = trust.TrustStore()
    store.load(DEFAULT_CA_GROUP, chain.root_pem_path)
    metro = str(tmp_path / "metro.log")
    security = str(tmp_path / "security.log")
    sink = EventSink(ChainLog(security, 1 << 20), ChainLog(metro, 1 << 20))
    clock = UnixClock(offset_ns=int(offset_s * 1e9), trusted=False)
    engine = Engine(config, clock, Transport(store, "localhost"), hook=sink)
    sel = asyncio.run(engine.sync_once())
    return engine, sel, metro, security


def _ntslog(*args):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "ntslog.py")] + list(args),
                          capture_output=True, text=True)


def _entries(path, event):
    from nts.ocpp.chainlog import ChainLog
    return [(seq, e) for seq, _, e in ChainLog(path).entries() if e["event"] == event]


def test_clock_step_logs_its_signed_replies_and_they_verify_offline(fleet, chain, tmp_path):
    good, other = fleet[None], _server(chain, OTHER)
    try:
        engine, sel, metro, security = _engine_round([good, other, fleet["bad_signature"]],
                                                     chain, tmp_path)
    finally:
        other.stop()
    assert sel.ok and engine.snapshot()["clock"]["last_adjustment"] == "step", sel
    assert engine.snapshot()["servers"][2]["signature"] == "invalid: p256: ECDSA signature mismatch"
    (seq, ev), = _entries(metro, "SignedTimeEvidence")
    assert ev["kind"] == "step" and ev["group"] == "legal" and abs(ev["offset"] - 100) < 1
    rows = dict((r["server"], r) for r in ev["responses"])
    assert set(rows) == set(sel.truechimers) and len(rows) == 3
    # Cross-check with cryptography and the servers' own keys.
    for name, srv in (("s1", good), ("s2", other)):
        r = rows[name]
        assert r["status"] == "verified" and r["key_id"] == srv.signer.key_id
        assert bytes.fromhex(r["key"]) == srv.signer.point
        assert signing.verify(srv.signer.point, bytes.fromhex(r["response"]),
                              bytes.fromhex(r["signature"]))
    assert rows["s3"] == {"server": "s3", "host": "127.0.0.1",
                          "status": "invalid: p256: ECDSA signature mismatch"}
    (_, bad), = _entries(security, "SignedResponseInvalid")
    assert bad["subject"] == "s3" and "mismatch" in bad["reason"]
    # Offline: the tool verifies s1 and s2 and refuses the change's unsigned third source.
    r = _ntslog(metro, "--signatures", "--seq", str(seq))
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.count("OK  s") == 2 and "BAD s3" in r.stdout and "server time 20" in r.stdout
    assert _ntslog(metro).returncode == 0           # the chain itself is intact


def test_offline_check_passes_only_untampered_evidence(fleet, chain, tmp_path):
    a, b = fleet[None], _server(chain, OTHER)
    try:
        _, sel, metro, _ = _engine_round([a, b], chain, tmp_path)
    finally:
        b.stop()
    assert sel.ok
    r = _ntslog(metro, "--signatures")
    assert r.returncode == 0 and r.stdout.count("OK  s") == 2, r.stdout + r.stderr
    (_, ev), = _entries(metro, "SignedTimeEvidence")
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import ntslog
    assert all(ok for _, ok, _ in ntslog.verify_evidence(ev))
    forged = json.loads(json.dumps(ev))
    reply = bytearray.fromhex(forged["responses"][0]["response"])
    reply[47] ^= 1                  # the server's transmit timestamp, one bit later
    forged["responses"][0]["response"] = reply.hex()
    results = ntslog.verify_evidence(forged)
    assert not results[0][1] and "does not verify" in results[0][2] and results[1][1]
