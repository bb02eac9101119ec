"""Run the portable tests in MicroPython's WebAssembly port: the boards' integer model
(32-bit build, 31-bit small ints) in every `make test` (issue 14).

The port is the npm package @micropython/micropython-webassembly-pyscript, run by Node.js
(host_tests/wasm/run_module.mjs, one fresh interpreter per module as on the unix port).
It has no viper, no sockets and no blocking asyncio.run: tests that need one of those
skip themselves (portability.require_viper / run_loop). If node or npm is missing,
or the package cannot be installed, the row says so and counts one skip.

    python host_tests/run_wasm.py [module ...]
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTABLE = os.path.join(ROOT, "host_tests", "portable")
PACKAGE = "@micropython/micropython-webassembly-pyscript"
VERSION = "1.27.0"
PREFIX = os.path.join(ROOT, "build", "wasm")
PACKAGE_DIR = os.path.join(PREFIX, "node_modules", *PACKAGE.split("/"))
RUNNER = os.path.join(ROOT, "host_tests", "wasm", "run_module.mjs")
HEAP = 8 * 1024 * 1024
LABEL = "wasm32 (MicroPython %s WebAssembly, node)" % VERSION


def _installed():
    if os.path.exists(os.path.join(PACKAGE_DIR, "micropython.mjs")):
        return None
    npm = shutil.which("npm")
    if not npm:
        return "npm not found"
    os.makedirs(PREFIX, exist_ok=True)
    p = subprocess.run([npm, "install", "--prefix", PREFIX, "--no-audit", "--no-fund",
                        "--no-save", "%s@%s" % (PACKAGE, VERSION)],
                       capture_output=True, text=True, timeout=300)
    if p.returncode or not os.path.exists(os.path.join(PACKAGE_DIR, "micropython.mjs")):
        return "npm install %s failed: %s" % (PACKAGE, (p.stderr or p.stdout).strip()[-300:])
    return None


def run_module(node, module):
    t0 = time.monotonic()
    try:
        p = subprocess.run([node, RUNNER, PACKAGE_DIR, ROOT, module, str(HEAP)], cwd=ROOT,
                           capture_output=True, text=True, timeout=900)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        out = "TIMEOUT after 900s"
    result = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = [int(x) for x in line.split()[1:4]]
    return module, result, out, time.monotonic() - t0


def main():
    node = shutil.which("node") or shutil.which("nodejs")
    why = "node not found" if not node else _installed()
    if why:
        print("SKIP the WebAssembly row: %s" % why)
        print("%s: 0 passed, 0 failed, 1 skipped" % LABEL)
        return 0
    modules = sys.argv[1:] or sorted(
        f[:-3] for f in os.listdir(PORTABLE) if f.startswith("test_") and f.endswith(".py"))
    total = [0, 0, 0]
    bad = []
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for module, result, out, secs in pool.map(lambda m: run_module(node, m), modules):
            if result is None:
                bad.append(module)
                total[1] += 1
                print("%-28s CRASHED (%.1fs)\n%s" % (module, secs, out[-3000:]))
                continue
            for i in range(3):
                total[i] += result[i]
            print("%-28s %4d passed %3d failed %3d skipped  %6.1fs" % ((module,) + tuple(result) + (secs,)))
            if result[1]:
                bad.append(module)
                print("\n".join(l for l in out.splitlines() if not l.startswith("PASS")))
    print("%s: %d passed, %d failed, %d skipped in %.0f s"
          % (LABEL, total[0], total[1], total[2], time.monotonic() - t0))
    if bad:
        print("failing modules:", " ".join(bad))
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
