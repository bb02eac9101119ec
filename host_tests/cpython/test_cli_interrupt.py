"""Ctrl-C during `nts sync` (issue 8 item 3): SIGINT reaches the CLI while it
key-exchanges with a black-holed server (a TCP listener on 127.0.0.1 that accepts and
never answers). The CLI must exit with 130, print one JSON object with
"interrupted": true, and have written its state file; its connection is closed (the
listener sees EOF), on both interpreters."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from host_tests.certs import make_chain

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
EXIT_INTERRUPTED = 130


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return make_chain(str(tmp_path_factory.mktemp("interrupt")), kind="ecdsa", intermediates=0)


@pytest.mark.parametrize("interp", ["python", "micropython"])
def test_ctrl_c_during_key_exchange(chain, tmp_path, interp):
    if interp == "micropython" and not os.path.exists(MICROPYTHON):
        pytest.skip("micropython not installed")
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(4)
    hole.settimeout(60)
    state = tmp_path / "state.bin"
    args = ["sync", "--server", "127.0.0.1:%d" % hole.getsockname()[1],
            "--ca", chain.root_pem_path, "--name", "localhost", "--state", str(state),
            "--timeout", "60", "--json"]
    # From source the unix port compiles the viper kernels at their first import, in the
    # middle of the run (the X25519 ladder kernel: ~160 KB transient); frozen or .mpy
    # firmware on a board is compiled already.
    exe = [sys.executable] if interp == "python" else [MICROPYTHON, "-X", "heapsize=1000000"]
    p = subprocess.Popen(exe + ["-m", "nts"] + args, cwd=FIRMWARE,
                         env=dict(os.environ, PYTHONPATH=FIRMWARE),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        conn, _ = hole.accept()             # the key exchange has begun
        conn.settimeout(60)
        conn.recv(4096)                     # its ClientHello: now it waits for us
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        rest = b""
        while True:                         # the CLI closed its connection (after a
            data = conn.recv(4096)          # TLS alert: close_notify, best effort)
            if not data:
                break
            rest += data
        assert rest in (b"", b"\x15\x03\x03\x00\x02\x01\x00"), rest
        conn.close()
    finally:
        if p.poll() is None:
            p.kill()
        hole.close()
    assert p.returncode == EXIT_INTERRUPTED, (out, err)
    lines = out.strip().splitlines()
    assert len(lines) == 1, (out, err)
    obj = json.loads(lines[0])
    assert obj["interrupted"] is True and obj["ok"] is False
    assert obj["reason"] == "interrupted" and len(obj["servers"]) == 1
    assert state.exists() and state.stat().st_size > 0
