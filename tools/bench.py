"""`make bench`: run every benchmark and write one table.

- tools/benches/bench_*.py are portable: each runs under CPython and under the
  MicroPython unix port, side by side in the table.
- tools/benches/host_*.py need host-only things (servers, pyOpenSSL) and report their
  own columns (they may run micropython themselves).
- Finally the .mpy size of every firmware module (mpy-cross -O3).

All figures are HOST figures (64-bit x86 unix port). A 32-bit board is slower: 4-8x on
bignum/word code than this build, and an ESP32/STM32F4 ~70x slower than a 32-bit host.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHES = os.path.join(ROOT, "tools", "benches")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import build_mpy  # noqa: E402


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], "timeout after %ds" % timeout
    rows = []
    for line in p.stdout.splitlines():
        if line.startswith("BENCH "):
            parts = line.split(None, 4)
            if len(parts) == 5:
                rows.append(tuple(parts[1:]))
    err = "" if p.returncode == 0 else (p.stderr or p.stdout)[-800:]
    return rows, err


def heap_table(host_rows):
    """The route x servers x cold/warm table from host_heap's rows ("" without them)."""
    rows = {}
    ratio = None
    for section, item, value, _ in host_rows:
        parts = item.split(".")
        if section == "host_heap" and parts[0] == "heap" and float(value) >= 0:
            rows[(parts[1], int(parts[2][0]), parts[3])] = int(value)
        elif section == "host_heap" and item == "code.ratio.wasm32_unix64":
            ratio = float(value)
    if not rows:
        return ""
    sys.path.insert(0, BENCHES)
    import host_heap
    return host_heap.table(rows, ratio)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench.md"))
    ap.add_argument("--heap", type=int, default=4 * 1024 * 1024,
                    help="micropython heap for portable benches")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("only", nargs="*", help="bench file names to run (default: all)")
    args = ap.parse_args()
    py = sys.executable
    mp = os.path.join(os.path.dirname(py), "micropython")
    files = sorted(f for f in os.listdir(BENCHES)
                   if f.endswith(".py") and (f.startswith("bench_") or f.startswith("host_")))
    if args.only:
        files = [f for f in files if f in args.only or f[:-3] in args.only]
    portable = {}
    host = []
    errors = []
    for f in files:
        path = os.path.join("tools", "benches", f)
        t0 = time.monotonic()
        if f.startswith("bench_"):
            for interp, cmd in (("CPython", [py, path]),
                                ("MicroPython", [mp, "-X", "heapsize=%d" % args.heap, path])):
                rows, err = run(cmd, args.timeout)
                if err:
                    errors.append("%s under %s: %s" % (f, interp, err.strip()))
                for section, item, value, unit in rows:
                    portable.setdefault((section, item, unit), {})[interp] = value
        else:
            rows, err = run([py, path], args.timeout)
            if err:
                errors.append("%s: %s" % (f, err.strip()))
            host.extend(rows)
        print("bench %-28s %6.1fs" % (f, time.monotonic() - t0), flush=True)

    out = ["# mpnts benchmarks (host figures)", "",
           "Machine: %s, %s. Written by `make bench` on %s." % (
               os.uname().machine, sys.version.split()[0], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
           "", "All figures are host figures: the 64-bit unix port is 4-8x faster than a 32-bit "
           "board on bignum and word code, and an ESP32/STM32F4 is ~70x slower than a 32-bit host build.",
           "", "## Portable benchmarks (same script on both interpreters)", "",
           "| section | item | CPython | MicroPython unix | unit |", "|---|---|---:|---:|---|"]
    for (section, item, unit), vals in portable.items():
        out.append("| %s | %s | %s | %s | %s |" % (section, item, vals.get("CPython", "-"),
                                                 vals.get("MicroPython", "-"), unit))
    if host:
        out += ["", "## Host benchmarks (servers on loopback)", "",
                "| section | item | value | unit |", "|---|---|---:|---|"]
        out += ["| %s | %s | %s | %s |" % row for row in host]
    heap = heap_table(host)
    if heap:
        out += ["", "## Heap a board needs, per route (host_heap; README: which route fits "
                "which board)", "", heap]
    sizes = build_mpy.compile_all(os.path.join(ROOT, "build", "mpy"))
    out += ["", "## Firmware size (.mpy, mpy-cross -O3)", "", "| module | bytes |", "|---|---:|"]
    out += ["| %s | %d |" % (rel[:-3] + ".mpy", n) for rel, n in sizes]
    out.append("| **total** | **%d** |" % sum(n for _, n in sizes))
    if errors:
        out += ["", "## Errors", ""] + ["- " + e.replace("\n", " ") for e in errors]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write("\n".join(out) + "\n")
    print("\n".join(out))
    print("\nwritten to", os.path.relpath(args.out, ROOT))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
