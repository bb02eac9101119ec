"""`make test`: the whole suite on both interpreters, then one summary.

1. CPython: pytest over host_tests/ (portable tests + CPython-only tests).
2. MicroPython unix port, default heap, viper kernels on (64-bit port).
3. MicroPython unix port as a board whose firmware freezes mpnts (ESP32 without PSRAM):
   every firmware module loaded first (its code would be in flash), then only 100 KB of
   heap left free for the tests; plain twins only.
4. MicroPython unix port with `-X heapsize=100000` in all, firmware as a bundle of .mpy
   files (code in the heap too); plain twins only. Tests whose code alone exceeds that
   heap say so and skip.
5. Rows 3 and 4 again from a copy of the checkout at a path of very different length:
   each module's counts and retained heap must be the same as in rows 3 and 4 (a small
   heap must not depend on where the repository lives).
6. MicroPython's WebAssembly port under Node.js (host_tests/run_wasm.py): a 32-bit build,
   the boards' integer model (31-bit small ints); no viper, no sockets, no blocking
   asyncio.run, so the tests needing those skip.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL_HEAP = os.environ.get("SMALL_HEAP", "100000")


# A module's line in run_micropython.py's output, without its run time.
MODULE_LINE = re.compile(r"^(test_\w+ +(\d+ passed .* B|CRASHED))")


def run(label, cmd, pattern, cwd=ROOT, modules=None):
    print("\n=== %s: %s" % (label, " ".join(cmd)), flush=True)
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    last = ""
    for line in p.stdout:
        sys.stdout.write(line)
        if re.search(pattern, line):
            last = line
        m = MODULE_LINE.match(line)
        if m and modules is not None:
            modules.append(" ".join(m.group(1).split()))
    rc = p.wait()
    nums = dict((k, int(v)) for v, k in re.findall(r"(\d+) (passed|failed|skipped|error)", last))
    return label, rc, nums


def copy_checkout():
    """What the MicroPython runs read, copied to a folder whose path length differs from
    ROOT's by at least 25 characters."""
    pad = "p" * max(0, 60 - len(ROOT)) if len(ROOT) < 40 else ""
    dst = tempfile.mkdtemp(prefix="mpnts-" + pad) if pad else tempfile.mkdtemp(prefix="m")
    for d in ("firmware", "host_tests", "tools"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(dst, d),
                        ignore=shutil.ignore_patterns("__pycache__"))
    for d in ("vectors", "testkeys"):
        shutil.copytree(os.path.join(ROOT, "build", d), os.path.join(dst, "build", d))
    return dst


def small_heap_rows(cwd, where):
    """Rows 3 and 4, run in `cwd`: (runs, per-module lines)."""
    py = sys.executable
    script = os.path.join(cwd, "host_tests", "run_micropython.py")
    lines = []
    runs = [
        run("MicroPython (frozen firmware, %s B free)%s" % (SMALL_HEAP, where),
            [py, script, "--heap", "4000000", "--free", SMALL_HEAP,
             "--env", "NTS_VIPER=0", "--mpy"],
            r"^micropython heap", cwd, lines),
        run("MicroPython (-X heapsize=%s, .mpy bundle)%s" % (SMALL_HEAP, where),
            [py, script, "--heap", SMALL_HEAP, "--env", "NTS_VIPER=0", "--mpy"],
            r"^micropython heap", cwd, lines),
    ]
    return runs, lines


# Retained heap may differ by a few allocation blocks between two runs of the same
# module (timing: a socket's or the loop's buffers), wherever the checkout lives.
HEAP_NOISE = 256


def _same_result(a, b):
    """Two per-module lines: the same counts and the retained heap within HEAP_NOISE."""
    heap = re.compile(r"retained heap +(\d+) B")
    ha, hb = heap.search(a), heap.search(b)
    if not (ha and hb):
        return a == b
    return (heap.sub("", a).split() == heap.sub("", b).split()
            and abs(int(ha.group(1)) - int(hb.group(1))) <= HEAP_NOISE)


def same_elsewhere(lines):
    """Row 5: rows 3 and 4 from a copy at another path; a summary row, failed if any
    module's line differs."""
    dst = copy_checkout()
    try:
        runs, there = small_heap_rows(dst, " at %s" % dst)
    finally:
        shutil.rmtree(dst, ignore_errors=True)
    diff = [(a, b) for a, b in zip(lines, there) if not _same_result(a, b)]
    if len(lines) != len(there):
        diff.append(("%d modules" % len(lines), "%d modules" % len(there)))
    for a, b in diff:
        print("DIFFERS  here: %s\n       there: %s" % (a, b))
    print("same results at %d and %d characters of checkout path: %s"
          % (len(ROOT), len(dst), "no, %d differ" % len(diff) if diff else "yes"))
    return ("Small-heap rows from a %d-character path" % len(dst), 0,
            {"passed": len(lines) - len(diff), "failed": len(diff)})


def main():
    py = sys.executable
    runs = [
        run("CPython (pytest)", [py, "-m", "pytest", "-q", "host_tests"], r"\d+ passed"),
        run("MicroPython (default heap, viper on)",
            [py, "host_tests/run_micropython.py"], r"^micropython heap"),
    ]
    small, lines = small_heap_rows(ROOT, "")
    runs += small
    runs.append(same_elsewhere(lines))
    runs.append(run("WebAssembly (32-bit, node)", [py, "host_tests/run_wasm.py"], r"^wasm32 "))
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
