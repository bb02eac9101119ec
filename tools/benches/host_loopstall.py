"""Host bench: the shared asyncio loop during a cold 3-server sync in which one NTS-KE
server accepts TCP and never answers (host_tests/cpython/loopstall_run.py: a 10 ms ticker
task beside engine.sync_once(), KE timeout 5 s). Medians of RUNS runs, MicroPython unix
port.

  stall.max_gap.micropython     longest gap the 10 ms ticker saw, ms (before the key
                                exchange ran on the loop: the whole KE timeout, ~5.2 s)
  stall.max_hold.micropython    longest time the loop was held from a task that yields
                                at every turn: the longest CPU slice of the round, host ms
                                (the board estimate of each slice: host_slices.py)
  stall.sync_wall.micropython   wall time of the round, ms
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (ROOT, os.path.join(ROOT, "tools", "benches")):
    if p not in sys.path:
        sys.path.insert(0, p)

import benchlib  # noqa: E402
from host_tests.certs import make_chain  # noqa: E402
from host_tests.reference.server import ReferenceServer  # noqa: E402

RUNS = 3
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
SCRIPT = os.path.join(ROOT, "host_tests", "cpython", "loopstall_run.py")


def main():
    # One certificate per server: servers sharing one count once (nts.sources).
    chain = make_chain(tempfile.mkdtemp(), kind="ecdsa", intermediates=1, leaves=2)
    srvs = [ReferenceServer(*leaf, lifetime=300).start() for leaf in chain.leaves]
    hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    hole.bind(("127.0.0.1", 0))
    hole.listen(4)
    arg = json.dumps({"servers": ["127.0.0.1:%d" % s.ke_port for s in srvs]
                      + ["127.0.0.1:%d" % hole.getsockname()[1]],
                      "ca": chain.root_pem_path, "min": 2, "ke_timeout": 5.0})
    gaps, holds, walls = [], [], []
    try:
        for _ in range(RUNS):
            p = subprocess.run([MICROPYTHON, SCRIPT, arg], cwd=os.path.join(ROOT, "firmware"),
                               capture_output=True, text=True, timeout=120)
            out = json.loads(p.stdout.strip().splitlines()[-1])
            gaps.append(out["max_gap_ms"])
            holds.append(out["max_hold_ms"])
            walls.append(out["wall_ms"])
    finally:
        hole.close()
        for s in srvs:
            s.stop()
    benchlib.emit("host_loop", "stall.max_gap.micropython", statistics.median(gaps), "ms")
    benchlib.emit("host_loop", "stall.max_hold.micropython", statistics.median(holds), "ms")
    benchlib.emit("host_loop", "stall.sync_wall.micropython", statistics.median(walls), "ms")


main()
