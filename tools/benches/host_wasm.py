"""Host bench: the 32-bit test row (host_tests/run_wasm.py: every portable test module in
MicroPython's WebAssembly port under Node.js, the boards' integer model), its run time and
its counts. Host figures.

  wasm32.wall_s      wall time of the whole row, s (npm install excluded: run once first)
  wasm32.passed / .failed / .skipped   test counts
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "benches"))

import benchlib  # noqa: E402

RUNNER = [sys.executable, os.path.join(ROOT, "host_tests", "run_wasm.py")]


def main():
    # A first run with no module installs the npm package (not part of the row's time).
    subprocess.run(RUNNER + ["test_wire"], cwd=ROOT, capture_output=True, timeout=900)
    t0 = time.monotonic()
    p = subprocess.run(RUNNER, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - t0
    m = re.search(r"(\d+) passed, (\d+) failed, (\d+) skipped in", p.stdout)
    if not m:
        print("# wasm row did not run: %s" % (p.stdout + p.stderr)[-400:])
        return
    benchlib.emit("host_wasm", "wasm32.wall_s", wall, "s")
    for name, value in zip(("passed", "failed", "skipped"), m.groups()):
        benchlib.emit("host_wasm", "wasm32.%s" % name, int(value), "")


main()
