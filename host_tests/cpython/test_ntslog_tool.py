# tools/ntslog.py: dumps a log written by the firmware and verifies its chain (exit 0),
# reports a tampered one (exit 1) and a missing one (exit 2).
import os
import subprocess
import sys

from nts.ocpp.chainlog import ChainLog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "ntslog.py")] + list(args),
                          capture_output=True, text=True)


def test_dump_verify_and_tamper(tmp_path):
    path = str(tmp_path / "nts_metro.log")
    log = ChainLog(path, max_bytes=400)
    for i in range(8):
        log.append(1796295200 * 10 ** 9 + i, {"event": "TimeRootCAChanged", "i": i})
    r = _run(path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2026-12-03T10:53:20.000Z" in r.stdout and "OK: " in r.stdout
    assert "older ones rotated out" in r.stdout
    raw = bytearray(open(path, "rb").read())
    raw[40] ^= 1
    open(path, "wb").write(bytes(raw))
    r = _run(path, "--json")
    assert r.returncode == 1 and "BROKEN" in r.stdout
    assert _run(str(tmp_path / "none.log")).returncode == 2
