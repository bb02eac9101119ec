"""The board service end to end on a pseudo-terminal board (host_tests/cpython/ptyboard.py:
the MicroPython unix port behind socat, an RTC that starts at 2000-01-01, main.py run at
power-on and after every soft reset): `tools/deploy.py install` puts the .mpy bundle,
main.py, the configuration and the CA on it with mpremote and restarts main.py; the
board syncs against the local reference server on 127.0.0.1; `tools/deploy.py status`
shows the running engine's status, and afterwards the board keeps syncing without a
second key exchange (counted at the server). A second `status` shows the resumed engine.

Everything stops by itself: the board after LIFETIME seconds (`timeout` around socat as
well), the reference server after its lifetime.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
IN_CI = os.environ.get("CI") == "true"
LIFETIME = 180     # a safety net: the test stops the board itself
sys.path.insert(0, ROOT)

from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

# The board's settings: the ESP32 clock driver over an emulated machine.RTC that the
# pty board restarts at 2000-01-01 at power-on (rtc.txt: host ns, RTC ns at that moment).
SETTINGS = '''\
RTC_DRIVER = "esp32"
VIPER = False
STATE_PATH = "nts_state.bin"
CA_DIR = "certs"
CONFIG_PATH = "nts_config.json"
STATUS_PATH = "nts_status.json"


class _RTC:
    def _read(self):
        with open("rtc.txt") as f:
            host, rtc = f.read().split()
        return int(host), int(rtc)

    def datetime(self, dt=None):
        import time
        from rtc.civil import from_unix, to_unix
        if dt is not None:
            y, mo, d, _wd, h, mi, s, us = dt
            with open("rtc.txt", "w") as f:
                f.write("%d %d" % (time.time_ns(), to_unix(y, mo, d, h, mi, s) * 10**9 + us * 1000))
            return None
        host, rtc = self._read()
        now = rtc + time.time_ns() - host
        y, mo, d, h, mi, s, wd = from_unix(now // 10**9)
        return (y, mo, d, wd - 1, h, mi, s, now % 10**9 // 1000)


def make_clock(trusted=False):
    from rtc.esp32 import ESP32RTC
    return ESP32RTC(_RTC(), trusted)
'''


def deploy(*args):
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "deploy.py")] + list(args),
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    print("deploy.py %s: %.1f s" % (args[0], time.monotonic() - t0))
    return p.returncode, p.stdout + p.stderr


def count(srv, kind):
    return sum(1 for k, info in list(srv.events) if k == kind)


def wait_for(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


@pytest.fixture
def pty_board(tmp_path):
    socat = shutil.which("socat")
    if not socat:
        if IN_CI:
            pytest.fail("socat missing but CI=true (apt-get install socat)")
        pytest.skip("socat not installed")
    board = tmp_path / "board"
    board.mkdir()
    link = str(tmp_path / "pty")
    cmd = "%s %s %s %d" % (sys.executable, os.path.join(HERE, "ptyboard.py"), board, LIFETIME)
    proc = subprocess.Popen(
        ["timeout", str(LIFETIME + 5), socat, "PTY,link=%s,raw,echo=0" % link,
         "EXEC:%s,pty,stderr,setsid,ctty,rawer,isig=1" % cmd],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while not os.path.exists(link) and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.5)     # the REPL's banner
    yield link, board
    proc.terminate()
    proc.wait(10)


def rtc_setting(board):
    """The emulated RTC's last setting (rtc.txt: host ns, RTC ns), None mid-write."""
    try:
        host, rtc = (board / "rtc.txt").read_text().split()
        return int(host), int(rtc)
    except (OSError, ValueError):
        return None


def last_ke(status_text):
    """The 'last KE (UTC)' column of the one server row."""
    m = re.search(r"^ntp1 .* (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) ", status_text, re.M)
    return m and m.group(1)


def test_install_sync_status_keeps_syncing_without_rekey(pty_board, tmp_path):
    link, board = pty_board
    (tmp_path / "pki").mkdir()
    chain = make_chain(str(tmp_path / "pki"), kind="ecdsa", hostname="localhost",
                       ip="127.0.0.1", intermediates=1)
    srv = ReferenceServer(chain.chain_pem_path, chain.leaf_key_pem_path,
                          lifetime=LIFETIME).start()
    try:
        settings = tmp_path / "mpnts_board.py"
        settings.write_text(SETTINGS)
        config = tmp_path / "nts_config.json"
        # Default settings but for where the server is (its NTP port comes by NTS-KE).
        config.write_text(json.dumps({"servers": [
            {"ServerURL": "127.0.0.1", "NTSKEServerPort": srv.ke_port}]}))
        rc, out = deploy("install", "--board", "UNIX", "--device", link, "--settings",
                         str(settings), "--config", str(config), "--ca", chain.root_pem_path)
        assert rc == 0, out
        assert (board / "lib" / "nts" / "engine.mpy").exists()
        assert not (board / "lib" / "nts" / "cli.mpy").exists()          # CLI on request
        assert not (board / "lib" / "rtc" / "simulated.mpy").exists()    # no test doubles
        assert not (board / "lib" / "nts" / "crypto" / "x25519_viper.mpy").exists()   # VIPER False
        assert (board / "certs" / "default" / os.path.basename(chain.root_pem_path)).exists()
        # The restarted main.py syncs (key exchange + NTP) from an RTC at 2000-01-01.
        assert wait_for(lambda: count(srv, "ntp") >= 1 and (board / "nts_state.bin").exists(),
                        25), srv.events
        assert count(srv, "ke") == 1
        ntp_before = count(srv, "ntp")
        rtc_before = rtc_setting(board)

        rc, out = deploy("status", "--device", link)
        print(out)
        assert rc == 0, out
        assert "group legal: OK" in out, out
        assert "clock trusted" in out and "at 20" in out and " at 2000-" not in out, out
        ke1 = last_ke(out)
        assert ke1, out
        # After status the service runs again: a new round, without a key exchange. The
        # server counts a query before it answers; the round ends when the restarted
        # service sets the RTC it found untrusted (the emulated RTC rewrites rtc.txt).
        assert wait_for(lambda: count(srv, "ntp") > ntp_before and
                        rtc_setting(board) not in (None, rtc_before), 20), srv.events
        record = json.loads((board / "nts_status.json").read_text())
        assert record["groups"]["legal"]["ok"] and record["rounds"] >= 1
        assert "cookies" in record["servers"][0] and "c2s" not in json.dumps(record)

        rc, out = deploy("status", "--device", link)
        assert rc == 0, out
        assert "group legal: OK" in out and last_ke(out) == ke1, out
        assert count(srv, "ke") == 1, "re-keyed: %r" % srv.events
    finally:
        srv.stop()
