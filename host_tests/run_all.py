"""`make test`: the whole suite on both interpreters, then one summary.

1. CPython: pytest over host_tests/ (portable tests + CPython-only tests).
2. MicroPython unix port, default heap, viper kernels on (64-bit port).
3. MicroPython unix port as a board whose firmware freezes mpnts (ESP32 without PSRAM):
   every firmware module loaded first (its code would be in flash), then only 100 KB of
   heap left free for the tests; plain twins only.
4. MicroPython unix port with `-X heapsize=100000` in all, firmware as a bundle of .mpy
   files (code in the heap too); plain twins only. Tests whose code alone exceeds that
   heap say so and skip.
5. MicroPython's WebAssembly port under Node.js (host_tests/run_wasm.py): a 32-bit build,
   the boards' integer model (31-bit small ints); no viper, no sockets, no blocking
   asyncio.run, so the tests needing those skip.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL_HEAP = os.environ.get("SMALL_HEAP", "100000")


def run(label, cmd, pattern):
    print("\n=== %s: %s" % (label, " ".join(cmd)), flush=True)
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    last = ""
    for line in p.stdout:
        sys.stdout.write(line)
        if re.search(pattern, line):
            last = line
    rc = p.wait()
    nums = dict((k, int(v)) for v, k in re.findall(r"(\d+) (passed|failed|skipped|error)", last))
    return label, rc, nums


def main():
    py = sys.executable
    runs = [
        run("CPython (pytest)", [py, "-m", "pytest", "-q", "host_tests"], r"\d+ passed"),
        run("MicroPython (default heap, viper on)",
            [py, "host_tests/run_micropython.py"], r"^micropython heap"),
        run("MicroPython (frozen firmware, %s B free)" % SMALL_HEAP,
            [py, "host_tests/run_micropython.py", "--heap", "4000000", "--free", SMALL_HEAP,
             "--env", "NTS_VIPER=0", "--mpy"],
            r"^micropython heap"),
        run("MicroPython (-X heapsize=%s, .mpy bundle)" % SMALL_HEAP,
            [py, "host_tests/run_micropython.py", "--heap", SMALL_HEAP, "--env", "NTS_VIPER=0",
             "--mpy"],
            r"^micropython heap"),
        run("WebAssembly (32-bit, node)", [py, "host_tests/run_wasm.py"], r"^wasm32 "),
    ]
    print("\n=== summary")
    passed = failed = 0
    for label, rc, nums in runs:
        f = nums.get("failed", 0) + nums.get("error", 0) + (1 if rc and not nums.get("failed") else 0)
        print("%-46s %5d passed, %d failed, %d skipped"
              % (label + ":", nums.get("passed", 0), f, nums.get("skipped", 0)))
        passed += nums.get("passed", 0)
        failed += f
    print("total: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
