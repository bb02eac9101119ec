# Test runner that runs inside MicroPython (no unittest there): imports one portable
# test module, calls each test_* function, prints one result line per test and a summary
# line `RESULT passed failed skipped retained_heap`. Run by host_tests/run_micropython.py.
# retained_heap is the most heap still in use after a gc.collect() at the end of any
# test, beyond what was in use before the first test (what the tests keep alive).
# This build's micropython.mem_peak() counts bytes ever allocated, not a high-water
# mark, so it is not reported.
#
# NTS_FREE_HEAP=N models a board whose firmware freezes mpnts (code in flash, not in the
# heap): every firmware module and the test module are imported first, then every free
# byte but one contiguous block of N is filled with ballast, so the tests' data must
# fit in N bytes.
import sys
import gc
import os

FIRMWARE = os.getenv("NTS_FIRMWARE_PATH") or "firmware"
sys.path.insert(0, FIRMWARE)
sys.path.insert(0, "host_tests/portable")


def firmware_modules(base, package=""):
    for name in sorted(os.listdir(base + "/" + package.replace(".", "/"))):
        stem = name.rsplit(".", 1)[0]
        if name.endswith(".py") or name.endswith(".mpy"):
            if stem not in ("__init__", "__main__", "micropython"):
                yield package + "." + stem if package else stem
        elif "." not in name and name != "__pycache__":
            yield package + "." + name if package else name
            for m in firmware_modules(base, package + "." + name if package else name):
                yield m


def freeze_and_fill(free):
    """Import all firmware (as if frozen), then leave only `free` bytes of heap.

    Loading code leaves many small holes that frozen code would not. So: reserve one
    contiguous block of `free` bytes, fill every other free byte with ballast (largest
    chunks first, down to single blocks), then release the reservation. The ballast is
    a chain of pairs, so it never needs a large block of its own."""
    for m in firmware_modules(FIRMWARE):
        __import__(m)
    gc.collect()
    reserved = bytearray(free)
    ballast = None
    for chunk in (65536, 4096, 256, 48, 1):
        try:
            while True:
                ballast = (ballast, bytearray(chunk))
        except MemoryError:  # no block of this size left: go smaller
            pass
    reserved = None  # noqa: F841 (released: this is the heap the tests get)
    gc.collect()
    return ballast


def main(modname, only=None):
    from support import SkipTest
    try:
        mod = __import__(modname)
    except MemoryError:
        # The code under test (firmware modules as .mpy plus the test) does not fit this
        # heap: a bundle deployment of that feature needs more; frozen firmware does not.
        print("SKIP", modname, "its code does not fit in this heap")
        print("RESULT 0 0 1 0")
        return
    free = os.getenv("NTS_FREE_HEAP")
    ballast = freeze_and_fill(int(free)) if free else None  # noqa: F841 (kept alive)
    base = gc.mem_alloc()
    names = sorted(n for n in dir(mod) if n.startswith("test_"))
    passed = failed = skipped = 0
    retained = 0
    for name in names:
        if only and name != only:
            continue
        gc.collect()
        try:
            getattr(mod, name)()
        except SkipTest as e:
            skipped += 1
            print("SKIP", name, e)
        except Exception as e:  # report and go on: one failure must not hide others
            failed += 1
            print("FAIL", name, type(e).__name__, e)
            sys.print_exception(e)
        else:
            passed += 1
            print("PASS", name)
        gc.collect()
        retained = max(retained, gc.mem_alloc() - base)
    print("RESULT", passed, failed, skipped, retained)


main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
